//! Ceasing, deferring, under treatment and very high risk through the API (issue 12, items
//! 4 and 5), on SQLite and PostgreSQL: every booking passes the status rule
//! (`domain::ceasing::may_offer`), refused with the reason as problem details and nothing
//! created.

mod common;

use common::*;
use domain::{AppointmentAction, ClinicType, RiskType, Session};
use reqwest::StatusCode;
use serde_json::{Value, json};
use store::{Actor, EpisodeEnd, NewClinic, NewParticipant, Scope};
use time::{Date, Duration};
use uuid::Uuid;

const OFFICE: &str = "karen.booth@example.nhs.uk";
const OTHER_OFFICE: &str = "grace.okafor@example.nhs.uk";

fn today() -> Date {
    domain::dates::london_date(time::OffsetDateTime::now_utc())
}

async fn api(
    app: &TestApp,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Value,
) -> (StatusCode, Value, String) {
    let mut req = app
        .client
        .request(method, app.url(&format!("/api/v1{path}")))
        .bearer_auth(token);
    if !body.is_null() {
        req = req.json(&body);
    }
    let res = req.send().await.expect("request");
    let status = res.status();
    let content_type = res
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (
        status,
        res.json().await.unwrap_or(Value::Null),
        content_type,
    )
}

async fn post(app: &TestApp, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
    let (s, b, _) = api(app, token, reqwest::Method::POST, path, body).await;
    (s, b)
}

/// A valid NHS number (Modulus 11) that no demo participant has.
fn nhs_number(seed: u32) -> String {
    (seed..)
        .map(|n| format!("944{:06}", n % 1_000_000))
        .find_map(|nine| {
            let sum: u32 = nine
                .chars()
                .zip((2..=10).rev())
                .map(|(c, w)| c.to_digit(10).unwrap_or(0) * w)
                .sum();
            match 11 - sum % 11 {
                11 => Some(format!("{nine}0")),
                10 => None,
                check => Some(format!("{nine}{check}")),
            }
        })
        .expect("an NHS number")
}

/// A new participant at `scope` (a copy of a demo participant with another NHS number):
/// no episode, no appointment.
async fn participant(app: &TestApp, scope: Scope, seed: u32) -> Uuid {
    let people = app
        .store
        .search_participants(scope, "", 1)
        .await
        .expect("participants");
    let mut value = serde_json::to_value(&people[0]).expect("json");
    value["nhs_number"] = json!(nhs_number(seed));
    let new: NewParticipant = serde_json::from_value(value).expect("new participant");
    app.store
        .create_participant(scope, &Actor::system("test"), new, today())
        .await
        .expect("participant")
        .id
        .uuid()
}

/// A new screening clinic next week with its free slots.
async fn clinic(app: &TestApp, scope: Scope) -> (Uuid, Vec<Uuid>) {
    let location = app.store.locations(scope).await.expect("locations")[0].id;
    let clinic = app
        .store
        .create_clinic(
            scope,
            &Actor::system("test"),
            NewClinic {
                location_id: location,
                date: today() + Duration::days(7),
                session: Session::Afternoon,
                clinic_type: ClinicType::Screening,
                risk_type: RiskType::Mixed,
                starts_at: "17:00".to_owned(),
                slot_minutes: 10,
                slot_count: 6,
            },
        )
        .await
        .expect("clinic");
    let free = app
        .store
        .free_slots(scope, clinic.id)
        .await
        .expect("slots")
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    (clinic.id.uuid(), free)
}

async fn book(
    app: &TestApp,
    token: &str,
    (clinic, slot): (Uuid, Uuid),
    who: Uuid,
    episode_type: &str,
) -> (StatusCode, Value, String) {
    api(
        app,
        token,
        reqwest::Method::POST,
        "/appointments",
        json!({ "clinic_id": clinic, "slot_id": slot, "participant_id": who, "episode_type": episode_type }),
    )
    .await
}

async fn appointments_of(app: &TestApp, scope: Scope, who: Uuid) -> usize {
    app.store
        .participant_appointments(scope, who.into())
        .await
        .expect("appointments")
        .len()
}

/// Asserts a booking was refused as problem details naming `reason`, with nothing created.
async fn assert_refused(
    app: &TestApp,
    scope: Scope,
    who: Uuid,
    booked: (StatusCode, Value, String),
    reason: &str,
) {
    let (s, b, content_type) = booked;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert_eq!(content_type, "application/problem+json");
    assert_eq!(b["errors"][0]["field"], "participant_id", "{b}");
    let message = b["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains(reason), "{message} lacks {reason}");
    assert_eq!(appointments_of(app, scope, who).await, 0, "nothing created");
}

fn long(d: Date) -> String {
    domain::ceasing::long_date(d)
}

#[tokio::test]
async fn ceased_participants_are_refused_bookings_with_the_reason_until_reinstated() {
    for backend in BACKENDS {
        let app = spawn_on(backend).await;
        let scope = app.provider("DMO1").await;
        let token = app.token(OFFICE, "DMO1").await;
        let who = participant(&app, scope, 1).await;
        let (clinic, slots) = clinic(&app, scope).await;
        let status = format!("/participants/{who}/screening-status");

        let (s, b, _) = api(&app, &token, reqwest::Method::GET, &status, Value::Null).await;
        assert_eq!(
            (s, b["summary"].as_str()),
            (StatusCode::OK, Some("Routine")),
            "{b}"
        );

        // Informed choice needs the date the signed form was received.
        let (s, b) = post(
            &app,
            &token,
            &format!("{status}/cease"),
            json!({ "reason": "informed_choice" }),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert_eq!(b["errors"][0]["field"], "signed_form_received_on", "{b}");

        let (s, b) = post(
            &app,
            &token,
            &format!("{status}/cease"),
            json!({ "reason": "bilateral_mastectomy" }),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{b}");
        assert_eq!(b["summary"], "Ceased");
        assert_eq!(b["ceased"]["reason_label"], "Bilateral mastectomy");

        let expected = format!(
            "ceased from routine screening on {} (Bilateral mastectomy): reinstate her before booking",
            long(today())
        );
        for episode_type in ["routine", "very_high_risk"] {
            let booked = book(&app, &token, (clinic, slots[0]), who, episode_type).await;
            assert_refused(&app, scope, who, booked, &expected).await;
        }

        let (s, b) = post(
            &app,
            &token,
            &format!("{status}/reinstate"),
            json!({ "reason": " " }),
        )
        .await;
        assert_eq!(
            (s, b["errors"][0]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("reason")),
            "{b}"
        );
        let (s, b) = post(
            &app,
            &token,
            &format!("{status}/reinstate"),
            json!({ "reason": "Opt back in" }),
        )
        .await;
        assert_eq!(
            (s, b["summary"].as_str()),
            (StatusCode::OK, Some("Routine")),
            "{b}"
        );
        let changes: Vec<_> = b["history"]
            .as_array()
            .expect("history")
            .iter()
            .map(|h| h["change"].as_str().unwrap_or_default().to_owned())
            .collect();
        assert_eq!(changes, ["ceased", "reinstated"]);

        let (s, b, _) = book(&app, &token, (clinic, slots[0]), who, "routine").await;
        assert_eq!(s, StatusCode::CREATED, "{b}");

        // Not while an appointment is booked.
        let (s, b) = post(
            &app,
            &token,
            &format!("{status}/cease"),
            json!({ "reason": "deceased" }),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert!(
            b["detail"]
                .as_str()
                .unwrap_or_default()
                .contains("cancel the appointment first"),
            "{b}"
        );

        // A mammographer sees the status but does not change it.
        let clinical = app.token(CLINICAL_A, "DMO1").await;
        let (s, _, _) = api(&app, &clinical, reqwest::Method::GET, &status, Value::Null).await;
        assert_eq!(s, StatusCode::OK);
        let (s, b) = post(
            &app,
            &clinical,
            &format!("{status}/reinstate"),
            json!({ "reason": "x" }),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
    }
}

#[tokio::test]
async fn ceasing_closes_the_open_episode_and_is_audited() {
    for backend in BACKENDS {
        let app = spawn_on(backend).await;
        let scope = app.provider("DMO1").await;
        let token = app.token(OFFICE, "DMO1").await;
        let who = participant(&app, scope, 2).await;
        let (clinic, slots) = clinic(&app, scope).await;
        let (s, b, _) = book(&app, &token, (clinic, slots[0]), who, "routine").await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        let appointment: Uuid = serde_json::from_value(b["id"].clone()).expect("id");
        app.store
            .apply_action(
                scope,
                &Actor::system("test"),
                appointment.into(),
                AppointmentAction::Cancel,
                None,
            )
            .await
            .expect("cancelled");
        let (s, b) = post(
            &app,
            &token,
            &format!("/participants/{who}/screening-status/cease"),
            json!({ "reason": "best_interests", "decided_by": "Dr A Patel (GP) with her family" }),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{b}");
        let episodes = app
            .store
            .participant_episodes(scope, who.into())
            .await
            .expect("episodes");
        assert_eq!(episodes.len(), 1);
        assert_eq!(episodes[0].stage, domain::EpisodeStage::Closed);
        assert_eq!(episodes[0].next_test_due, None, "ceased: no next test due");
        let audit = app
            .store
            .audit_entries(&store::AuditFilter {
                user_id: None,
                participant_id: Some(who.into()),
                from: None,
                to: None,
                limit: 100,
            })
            .await
            .expect("audit");
        assert!(
            audit
                .iter()
                .any(|e| e.entity_type == "participant_screening_status"
                    && e.snapshot["change"] == "ceased"),
            "the ceasing is audited"
        );
        assert_eq!(
            episodes[0].end_code,
            Some(domain::end_code::EndCode::Ceased)
        );
    }
}

#[tokio::test]
async fn a_deferral_refuses_booking_before_its_day() {
    for backend in BACKENDS {
        let app = spawn_on(backend).await;
        let scope = app.provider("DMO1").await;
        let token = app.token(OFFICE, "DMO1").await;
        let who = participant(&app, scope, 3).await;
        let (clinic, slots) = clinic(&app, scope).await;
        let defer = format!("/participants/{who}/screening-status/defer");

        let table: &[(Value, &str)] = &[
            (
                json!({ "reason": "other", "until": (today() + Duration::days(30)).to_string() }),
                "details",
            ),
            (
                json!({ "reason": "temporarily_unwell", "until": today().to_string() }),
                "until",
            ),
            (
                json!({ "reason": "temporarily_unwell", "until": (today() + Duration::days(400)).to_string() }),
                "until",
            ),
            (
                json!({ "until": (today() + Duration::days(30)).to_string() }),
                "reason",
            ),
        ];
        for (body, field) in table {
            let (s, b) = post(&app, &token, &defer, body.clone()).await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
            assert_eq!(b["errors"][0]["field"], *field, "{body}: {b}");
        }

        let until = today() + Duration::days(30);
        let (s, b) = post(
            &app,
            &token,
            &defer,
            json!({ "reason": "temporarily_unwell", "until": until.to_string() }),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{b}");
        assert_eq!(b["summary"], "Deferred");
        assert_eq!(b["deferred"]["until"], until.to_string());

        let booked = book(&app, &token, (clinic, slots[0]), who, "routine").await;
        let expected = format!("deferred until {} (Temporarily unwell)", long(until));
        assert_refused(&app, scope, who, booked, &expected).await;

        // Ending the deferral early lets her be booked.
        let (s, b) = post(
            &app,
            &token,
            &format!("/participants/{who}/screening-status/reinstate"),
            json!({ "reason": "Feeling better" }),
        )
        .await;
        assert_eq!(
            (s, b["summary"].as_str()),
            (StatusCode::OK, Some("Routine")),
            "{b}"
        );
        assert_eq!(b["history"][1]["change"], "deferral_ended");
        let (s, b, _) = book(&app, &token, (clinic, slots[0]), who, "routine").await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
    }
}

#[tokio::test]
async fn referred_for_treatment_marks_her_under_treatment_and_refuses_routine_booking() {
    for backend in BACKENDS {
        let app = spawn_on(backend).await;
        let scope = app.provider("DMO1").await;
        let token = app.token(OFFICE, "DMO1").await;
        let who = participant(&app, scope, 4).await;
        let (clinic, slots) = clinic(&app, scope).await;
        let (s, b, _) = book(&app, &token, (clinic, slots[0]), who, "routine").await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        let appointment: Uuid = serde_json::from_value(b["id"].clone()).expect("id");
        let actor = Actor::system("test");
        app.store
            .apply_action(
                scope,
                &actor,
                appointment.into(),
                AppointmentAction::Cancel,
                None,
            )
            .await
            .expect("cancelled");
        let episode = app
            .store
            .participant_episodes(scope, who.into())
            .await
            .expect("episodes")[0]
            .id;
        // The episode closes, and its end code is corrected to "Referred for treatment"
        // (what assessment will record): the one closing path records EpisodeClosed.
        app.store
            .end_episode(
                scope,
                &actor,
                episode,
                EpisodeEnd::Close,
                domain::end_code::EndCode::NoResult,
                "Closed for the test",
            )
            .await
            .expect("closed");
        app.store
            .end_episode(
                scope,
                &actor,
                episode,
                EpisodeEnd::Correct,
                domain::end_code::EndCode::ReferredForTreatment,
                "Screen-detected cancer: referred to the breast unit",
            )
            .await
            .expect("corrected");

        let status = format!("/participants/{who}/screening-status");
        let (s, b, _) = api(&app, &token, reqwest::Method::GET, &status, Value::Null).await;
        assert_eq!(s, StatusCode::OK, "{b}");
        assert_eq!(b["summary"], "Under treatment", "{b}");
        assert_eq!(b["history"][0]["change"], "under_treatment");

        let (s, b, _) = book(&app, &token, (clinic, slots[1]), who, "routine").await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert!(
            b["errors"][0]["message"]
                .as_str()
                .unwrap_or_default()
                .contains("under treatment"),
            "{b}"
        );
        assert_eq!(
            appointments_of(&app, scope, who).await,
            1,
            "only the cancelled one"
        );

        let (s, b) = post(
            &app,
            &token,
            &format!("{status}/reinstate"),
            json!({ "reason": "Discharged back to screening" }),
        )
        .await;
        assert_eq!(
            (s, b["summary"].as_str()),
            (StatusCode::OK, Some("Routine")),
            "{b}"
        );
        let (s, b, _) = book(&app, &token, (clinic, slots[1]), who, "routine").await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
    }
}

#[tokio::test]
async fn very_high_risk_is_booked_as_very_high_risk_and_raises_mri_referrals() {
    for backend in BACKENDS {
        let app = spawn_on(backend).await;
        let scope = app.provider("DMO1").await;
        let token = app.token(OFFICE, "DMO1").await;
        let who = participant(&app, scope, 5).await;
        let (clinic, slots) = clinic(&app, scope).await;
        let vhr = format!("/participants/{who}/screening-status/very-high-risk");

        let (s, b, _) = api(
            &app,
            &token,
            reqwest::Method::PUT,
            &vhr,
            json!({ "basis": "other", "confirmed_on": today().to_string() }),
        )
        .await;
        assert_eq!(
            (s, b["errors"][0]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("details")),
            "{b}"
        );
        let (s, b, _) = api(
            &app,
            &token,
            reqwest::Method::PUT,
            &vhr,
            json!({ "basis": "gene_carrier", "confirmed_on": today().to_string() }),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{b}");
        assert_eq!(
            b["very_high_risk"]["basis_label"],
            "BRCA1, BRCA2 or TP53 gene carrier"
        );

        let booked = book(&app, &token, (clinic, slots[0]), who, "routine").await;
        assert_refused(&app, scope, who, booked, "book as very high risk").await;
        let (s, b, _) = book(&app, &token, (clinic, slots[0]), who, "very_high_risk").await;
        assert_eq!(s, StatusCode::CREATED, "{b}");

        let (s, b) = post(
            &app,
            &token,
            &format!("/participants/{who}/screening-status/mri-referral"),
            json!({ "details": "MRI at St James's, days 6 to 16 of her cycle" }),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        let (s, b, _) = api(
            &app,
            &token,
            reqwest::Method::GET,
            "/follow-ups?kind=mri_referral",
            Value::Null,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{b}");
        assert!(
            b.as_array()
                .expect("list")
                .iter()
                .any(|f| f["participant_id"] == json!(who)),
            "the MRI referral is on the office's list: {b}"
        );

        let (s, b, _) = api(
            &app,
            &token,
            reqwest::Method::DELETE,
            &format!("{vhr}?reason=Genetic%20test%20negative"),
            Value::Null,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{b}");
        assert!(b["very_high_risk"].is_null(), "{b}");
    }
}

#[tokio::test]
async fn another_providers_user_finds_no_screening_status() {
    for backend in BACKENDS {
        let app = spawn_on(backend).await;
        let scope = app.provider("DMO1").await;
        let who = participant(&app, scope, 6).await;
        let other = app.token(OTHER_OFFICE, "DMO2").await;
        let status = format!("/participants/{who}/screening-status");
        let (s, b, content_type) =
            api(&app, &other, reqwest::Method::GET, &status, Value::Null).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{b}");
        assert_eq!(content_type, "application/problem+json");
        let (s, _) = post(
            &app,
            &other,
            &format!("{status}/cease"),
            json!({ "reason": "deceased" }),
        )
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _) = post(
            &app,
            &other,
            "/participants/not-an-id/screening-status/cease",
            json!({}),
        )
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let token = app.token(OFFICE, "DMO1").await;
        let (_, b, _) = api(&app, &token, reqwest::Method::GET, &status, Value::Null).await;
        assert_eq!(b["summary"], "Routine", "left alone");
    }
}
