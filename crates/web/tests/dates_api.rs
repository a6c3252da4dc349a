//! Dates and rounds through the API (issue 9, items 11 to 13): the six-month rule over the
//! service's own record of screens at any provider, one open episode per participant, and
//! the screening date being the day the images were taken.

mod common;

use common::*;
use domain::{ClinicType, RiskType, Session};
use reqwest::StatusCode;
use serde_json::{Value, json};
use store::{NewClinic, NewParticipant, Scope};
use time::{Date, Duration};
use uuid::Uuid;

fn today() -> Date {
    domain::dates::london_date(time::OffsetDateTime::now_utc())
}

async fn call(
    app: &TestApp,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Value,
) -> (StatusCode, Value) {
    let mut req = app
        .client
        .request(method, app.url(&format!("/api/v1{path}")))
        .bearer_auth(token);
    if !body.is_null() {
        req = req.json(&body);
    }
    let res = req.send().await.expect("request");
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn version(app: &TestApp, token: &str, id: Uuid) -> i64 {
    let (s, wf) = call(
        app,
        token,
        reqwest::Method::GET,
        &format!("/appointments/{id}/workflow"),
        Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{wf}");
    wf["appointment"]["version"].as_i64().expect("version")
}

/// A valid NHS number (Modulus 11) that no demo participant has.
fn nhs_number(seed: u32) -> String {
    (seed..)
        .map(|n| format!("943{:06}", n % 1_000_000))
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

/// A new participant at `scope`, a copy of a demo participant with another NHS number.
async fn participant(app: &TestApp, scope: Scope, nhs: &str) -> Uuid {
    participant_born(app, scope, nhs, None).await
}

async fn participant_born(app: &TestApp, scope: Scope, nhs: &str, born: Option<Date>) -> Uuid {
    let people = app
        .store
        .search_participants(scope, "", 1)
        .await
        .expect("participants");
    let mut value = serde_json::to_value(&people[0]).expect("json");
    value["nhs_number"] = json!(nhs);
    if let Some(born) = born {
        value["date_of_birth"] = json!(born.to_string());
    }
    let new: NewParticipant = serde_json::from_value(value).expect("new participant");
    app.store
        .create_participant(scope, &store::Actor::system("test"), new, today())
        .await
        .expect("participant")
        .id
        .uuid()
}

/// A new clinic of `slots` slots on `date`, and its free slots.
async fn clinic(app: &TestApp, scope: Scope, date: Date, slots: u16) -> (Uuid, Vec<Uuid>) {
    let location = app.store.locations(scope).await.expect("locations")[0].id;
    let clinic = app
        .store
        .create_clinic(
            scope,
            &store::Actor::system("test"),
            NewClinic {
                location_id: location,
                date,
                session: Session::Afternoon,
                clinic_type: ClinicType::Screening,
                risk_type: RiskType::Routine,
                starts_at: "17:00".to_owned(),
                slot_minutes: 10,
                slot_count: slots,
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
    clinic: Uuid,
    slot: Uuid,
    who: Uuid,
) -> (StatusCode, Value) {
    call(
        app,
        token,
        reqwest::Method::POST,
        "/appointments",
        json!({ "clinic_id": clinic, "slot_id": slot, "participant_id": who, "episode_type": "routine" }),
    )
    .await
}

/// Checks in, starts, confirms identity, reviews the medical information, records a
/// standard set and completes: the appointment ends screened.
async fn screen(app: &TestApp, token: &str, id: Uuid) {
    let post = |path: &'static str, body: Value| async move {
        call(
            app,
            token,
            reqwest::Method::POST,
            &format!("/appointments/{id}{path}"),
            body,
        )
        .await
    };
    let (s, b) = post("/check-in", json!({})).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = post("/actions", json!({ "action": "start" })).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = post(
        "/identity",
        json!({ "expected_version": version(app, token, id).await }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = put_medical(app, token, id, None).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = call(
        app,
        token,
        reqwest::Method::PUT,
        &format!("/appointments/{id}/images"),
        json!({ "record": { "standard_set": "yes" }, "expected_version": b["version"] }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = post("/complete", json!({ "expected_version": b["version"] })).await;
    assert_eq!(
        (s, b["status"].as_str()),
        (StatusCode::OK, Some("screened")),
        "{b}"
    );
}

async fn put_medical(
    app: &TestApp,
    token: &str,
    id: Uuid,
    reason: Option<&str>,
) -> (StatusCode, Value) {
    let mut medical = json!({
        "reviewed": ["mammogram_history", "medical_history", "symptoms", "breast_features",
                     "breast_density_factors", "other_medical_information"],
        "density": { "hrt_started_since_last_screening": "no", "pregnant_or_breastfeeding": "no" },
    });
    if let Some(r) = reason {
        medical["recorded_screen_reason_to_continue"] = json!(r);
    }
    let v = version(app, token, id).await;
    call(
        app,
        token,
        reqwest::Method::PUT,
        &format!("/appointments/{id}/medical-information"),
        json!({ "medical": medical, "expected_version": v }),
    )
    .await
}

#[tokio::test]
async fn a_screen_at_another_provider_in_the_last_six_months_stops_the_appointment() {
    let app = spawn().await;
    let west = app.provider("DMO1").await;
    let manchester = app.provider("DMO2").await;
    let jane = app.token(CLINICAL_A, "DMO1").await;
    let tom = app.token(CLINICAL_B, "DMO2").await;
    let nhs = nhs_number(120_001);

    // Screened in West Yorkshire today.
    let at_west = participant(&app, west, &nhs).await;
    let (clinic_w, slots_w) = clinic(&app, west, today(), 1).await;
    let (s, b) = book(&app, &jane, clinic_w, slots_w[0], at_west).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let first = b["id"].as_str().expect("id").parse::<Uuid>().expect("uuid");
    screen(&app, &jane, first).await;

    // The same person (same NHS number) at Greater Manchester, reporting nothing.
    let at_manchester = participant(&app, manchester, &nhs).await;
    let (clinic_m, slots_m) = clinic(&app, manchester, today(), 1).await;
    let (s, b) = book(&app, &tom, clinic_m, slots_m[0], at_manchester).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let id = b["id"].as_str().expect("id").parse::<Uuid>().expect("uuid");
    let post = |path: &'static str, body: Value| {
        let tom = tom.clone();
        let app = &app;
        async move {
            call(
                app,
                &tom,
                reqwest::Method::POST,
                &format!("/appointments/{id}{path}"),
                body,
            )
            .await
        }
    };
    let (s, b) = post("/check-in", json!({})).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = post("/actions", json!({ "action": "start" })).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = post(
        "/identity",
        json!({ "expected_version": version(&app, &tom, id).await }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");

    // The record stops the appointment, naming only where and when.
    let (s, medical) = call(
        &app,
        &tom,
        reqwest::Method::GET,
        &format!("/appointments/{id}/medical-information"),
        Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{medical}");
    assert_eq!(medical["six_month_rule"], "should_not_proceed");
    let provider_name = app
        .store
        .provider_by_code("DMO1")
        .await
        .expect("provider")
        .name;
    assert_eq!(
        medical["recent_screens_on_record"],
        json!([{ "screened_on": today().to_string(), "provider_name": provider_name, "this_provider": false }])
    );

    // The mammogram history cannot be marked reviewed without a reason to continue.
    let v = version(&app, &tom, id).await;
    let (s, b) = put_medical(&app, &tom, id, None).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert_eq!(
        b["errors"][0]["field"],
        "medical.recorded_screen_reason_to_continue"
    );
    assert_eq!(
        b["errors"][0]["message"],
        format!(
            "Enter a reason for continuing with this appointment, as a screen at {provider_name} on {} was less than 6 months ago",
            domain::medical::format_date(today())
        )
    );
    assert_eq!(version(&app, &tom, id).await, v, "nothing saved");

    // The page says so, and takes the reason without JavaScript.
    let browser = app.sign_in(CLINICAL_B).await;
    let page = format!("/appointments/{id}/medical-information");
    let html = app.get(&browser, &page).await.text().await.expect("page");
    assert!(
        html.contains("This appointment should not proceed"),
        "{html}"
    );
    assert!(html.contains(&format!(
        "The screening record shows a screen at {provider_name} on {}",
        domain::medical::format_date(today())
    )));
    let v = version(&app, &tom, id).await.to_string();
    let res = app
        .post_form(
            &browser,
            &page,
            &[
                ("csrf_token", browser.csrf.as_str()),
                ("version", v.as_str()),
                ("action", "continue_recorded"),
                ("recorded_screen_reason_to_continue", "  "),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.expect("page");
    assert!(html.contains(r##"href="#recorded_screen_reason_to_continue""##));
    assert_eq!(
        version(&app, &tom, id).await.to_string(),
        v,
        "nothing saved"
    );
    let res = app
        .post_form(
            &browser,
            &page,
            &[
                ("csrf_token", browser.csrf.as_str()),
                ("version", v.as_str()),
                ("action", "continue_recorded"),
                (
                    "recorded_screen_reason_to_continue",
                    "Symptomatic: referred by the GP",
                ),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let html = app.get(&browser, &page).await.text().await.expect("page");
    assert!(html.contains("Reason for continuing: Symptomatic: referred by the GP"));

    // With a reason, the appointment may continue.
    let (s, b) = put_medical(&app, &tom, id, Some("Symptomatic: referred by the GP")).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (_, medical) = call(
        &app,
        &tom,
        reqwest::Method::GET,
        &format!("/appointments/{id}/medical-information"),
        Value::Null,
    )
    .await;
    assert_eq!(medical["six_month_rule"], "clear");

    // The West Yorkshire participant's own earlier screens do not stop her first screen.
    let (_, own) = call(
        &app,
        &jane,
        reqwest::Method::GET,
        &format!("/appointments/{first}/medical-information"),
        Value::Null,
    )
    .await;
    assert_eq!(own["recent_screens_on_record"], json!([]));
}

#[tokio::test]
async fn a_second_open_episode_for_a_participant_is_refused() {
    let app = spawn().await;
    let west = app.provider("DMO1").await;
    let jane = app.token(CLINICAL_A, "DMO1").await;
    let who = participant(&app, west, &nhs_number(230_011)).await;
    // Booked into yesterday's clinic, which she has not attended yet.
    let (clinic_past, slots) = clinic(&app, west, today() - Duration::days(1), 1).await;
    let (clinic_today, today_slots) = clinic(&app, west, today(), 1).await;
    let (clinic_later, later) = clinic(&app, west, today() + Duration::days(7), 1).await;

    let (s, b) = book(&app, &jane, clinic_past, slots[0], who).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let first = b["id"].as_str().expect("id").parse::<Uuid>().expect("uuid");
    let episode = app
        .store
        .appointment(west, first.into())
        .await
        .expect("appointment")
        .episode_id;

    // A second booking while the first is still to happen is refused, changing nothing.
    for (clinic_id, slot) in [(clinic_today, today_slots[0]), (clinic_later, later[0])] {
        let (s, b) = book(&app, &jane, clinic_id, slot, who).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert_eq!(b["errors"][0]["field"], "participant_id");
        assert!(
            b["errors"][0]["message"]
                .as_str()
                .expect("message")
                .starts_with("This participant already has an appointment booked in the open screening episode"),
            "{b}"
        );
        assert_eq!(
            app.store
                .free_slots(west, clinic_id.into())
                .await
                .expect("slots")
                .len(),
            1
        );
    }

    // After she did not attend, the new appointment continues the same round: no second
    // open episode.
    let (s, b) = call(
        &app,
        &jane,
        reqwest::Method::POST,
        &format!("/appointments/{first}/actions"),
        json!({ "action": "did_not_attend" }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = book(&app, &jane, clinic_later, later[0], who).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let second = b["id"].as_str().expect("id").parse::<Uuid>().expect("uuid");
    let detail = app
        .store
        .appointment(west, second.into())
        .await
        .expect("appointment");
    assert_eq!(detail.episode_id, episode, "no second open episode");
}

#[tokio::test]
async fn the_screening_date_is_the_day_the_images_were_taken_not_the_clinic_date() {
    let app = spawn().await;
    let west = app.provider("DMO1").await;
    let jane = app.token(CLINICAL_A, "DMO1").await;
    let who = participant(&app, west, &nhs_number(340_021)).await;
    // Yesterday's clinic, completed today: the screen is today's.
    let yesterday = today() - Duration::days(1);
    let (clinic_id, slots) = clinic(&app, west, yesterday, 1).await;
    let (s, b) = book(&app, &jane, clinic_id, slots[0], who).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let id = b["id"].as_str().expect("id").parse::<Uuid>().expect("uuid");
    screen(&app, &jane, id).await;

    let reader = app.token("priya.shah@example.nhs.uk", "DMO1").await;
    let (s, cases) = call(
        &app,
        &reader,
        reqwest::Method::GET,
        "/reading/cases?state=awaiting_first_read",
        Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{cases}");
    let case = cases
        .as_array()
        .expect("cases")
        .iter()
        .find(|c| c["appointment_id"] == id.to_string())
        .expect("the reading case")
        .clone();
    assert_eq!(case["screened_on"], today().to_string(), "{case}");
    assert_ne!(case["screened_on"], yesterday.to_string());
}

/// Two normal reads of the appointment's case (no finalisation delay in the demo).
async fn read_normal_twice(app: &TestApp, id: Uuid) -> Value {
    let west = app.provider("DMO1").await;
    let case = app
        .store
        .reading_case_for_appointment(west, id.into())
        .await
        .expect("case")
        .expect("a case");
    let mut last = Value::Null;
    for reader in ["priya.shah@example.nhs.uk", "daniel.osei@example.nhs.uk"] {
        let token = app.token(reader, "DMO1").await;
        let (s, b) = call(
            app,
            &token,
            reqwest::Method::POST,
            &format!("/reading/cases/{}/reads", case.id),
            json!({ "opinion": { "opinion": "normal" } }),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        last = b;
    }
    assert_eq!(last["state"], "concluded", "{last}");
    let reader = app.token("priya.shah@example.nhs.uk", "DMO1").await;
    let who = app
        .store
        .appointment(west, id.into())
        .await
        .expect("appointment");
    let (s, episodes) = call(
        app,
        &reader,
        reqwest::Method::GET,
        &format!("/participants/{}/episodes", who.participant.id),
        Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{episodes}");
    episodes
        .as_array()
        .expect("episodes")
        .iter()
        .find(|e| e["id"] == who.episode_id.to_string())
        .expect("the episode")
        .clone()
}

#[tokio::test]
async fn next_test_due_counts_from_the_first_offered_appointment_and_stops_at_71() {
    let app = spawn().await;
    let west = app.provider("DMO1").await;
    let jane = app.token(CLINICAL_A, "DMO1").await;
    let first_offered = today() - Duration::days(10);

    // Offered an appointment 10 days ago, did not attend, screened today: 36 months from
    // the first offered appointment, not from today.
    let who = participant_born(
        &app,
        west,
        &nhs_number(450_031),
        Some(today() - Duration::days(60 * 365)),
    )
    .await;
    let (missed_clinic, missed) = clinic(&app, west, first_offered, 1).await;
    let (s, b) = book(&app, &jane, missed_clinic, missed[0], who).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let missed_id = b["id"].as_str().expect("id").to_owned();
    let (s, b) = call(
        &app,
        &jane,
        reqwest::Method::POST,
        &format!("/appointments/{missed_id}/actions"),
        json!({ "action": "did_not_attend" }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (clinic_today, slots) = clinic(&app, west, today(), 2).await;
    let (s, b) = book(&app, &jane, clinic_today, slots[0], who).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let id = b["id"].as_str().expect("id").parse::<Uuid>().expect("uuid");
    screen(&app, &jane, id).await;
    let episode = read_normal_twice(&app, id).await;
    assert_eq!(episode["outcome"], "routine_recall");
    assert_eq!(
        episode["next_test_due"],
        domain::dates::add_months(first_offered, 36).to_string(),
        "{episode}"
    );

    // Turning 71 before the next routine test would be due: none is set.
    let born = domain::dates::sub_months(today(), 69 * 12);
    let older = participant_born(&app, west, &nhs_number(560_041), Some(born)).await;
    let (s, b) = book(&app, &jane, clinic_today, slots[1], older).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let id = b["id"].as_str().expect("id").parse::<Uuid>().expect("uuid");
    screen(&app, &jane, id).await;
    let episode = read_normal_twice(&app, id).await;
    assert_eq!(episode["outcome"], "routine_recall");
    assert!(episode["next_test_due"].is_null(), "{episode}");
}
