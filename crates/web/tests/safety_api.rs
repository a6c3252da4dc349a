//! Clinical safety rules about how appointments end and which states can be reached, as
//! the API and the pages enforce them (issue 9, items 1, 6 and 13).

mod common;

use common::*;
use domain::{AppointmentAction, ClinicStatus, ClinicType, EpisodeType, RiskType, Session};
use reqwest::StatusCode;
use serde_json::{Value, json};
use store::{Actor, NewAppointment, NewClinic, Scope, SectionUpdate};
use uuid::Uuid;

const OFFICE: &str = "karen.booth@example.nhs.uk";

async fn post(app: &TestApp, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
    call(app, token, reqwest::Method::POST, path, Some(body)).await
}

async fn get(app: &TestApp, token: &str, path: &str) -> Value {
    let (status, body) = call(app, token, reqwest::Method::GET, path, None).await;
    assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
    body
}

async fn actor(app: &TestApp, scope: Scope, email: &str) -> Actor {
    let user = app.store.user_by_email(email).await.expect("user");
    Actor {
        user_id: Some(user.id),
        name: user.name,
        provider_id: Some(scope.provider_id),
    }
}

/// A clinic `days` from today starting at `starts_at`, with one participant per given list
/// of actions (taken through the store by Jane, or the office for office actions).
async fn clinic_with(
    app: &TestApp,
    scope: Scope,
    days: i64,
    starts_at: &str,
    statuses: &[&[AppointmentAction]],
) -> (Uuid, Vec<Uuid>) {
    let system = Actor::system("test");
    let jane = actor(app, scope, CLINICAL_A).await;
    let office = actor(app, scope, OFFICE).await;
    let location = app.store.locations(scope).await.expect("locations")[0].id;
    let date =
        domain::dates::london_date(time::OffsetDateTime::now_utc()) + time::Duration::days(days);
    let clinic = app
        .store
        .create_clinic(
            scope,
            &system,
            NewClinic {
                location_id: location,
                date,
                session: Session::AllDay,
                clinic_type: ClinicType::Screening,
                risk_type: RiskType::Routine,
                starts_at: starts_at.to_owned(),
                slot_minutes: 10,
                slot_count: statuses.len() as u16,
            },
        )
        .await
        .expect("clinic");
    // People with no appointment yet, so nobody is booked twice.
    let people = app
        .store
        .search_participants(scope, "", 500)
        .await
        .expect("participants");
    let mut free = Vec::new();
    for p in people {
        if app
            .store
            .participant_appointments(scope, p.id)
            .await
            .expect("appointments")
            .is_empty()
        {
            free.push(p.id);
        }
        if free.len() == statuses.len() {
            break;
        }
    }
    assert_eq!(free.len(), statuses.len(), "enough unbooked participants");
    let slots = app.store.free_slots(scope, clinic.id).await.expect("slots");
    let mut ids = Vec::new();
    for (i, actions) in statuses.iter().enumerate() {
        let id = app
            .store
            .create_appointment(
                scope,
                &system,
                NewAppointment {
                    clinic_id: clinic.id,
                    slot_id: slots[i].0,
                    participant_id: free[i],
                    episode_type: EpisodeType::Routine,
                    follow_up_id: None,
                },
            )
            .await
            .expect("book");
        for a in *actions {
            let who = match a.permission() {
                domain::Permission::ManageAppointments => &office,
                _ => &jane,
            };
            app.store
                .apply_action(scope, who, id, *a, None)
                .await
                .expect("action");
        }
        ids.push(id.uuid());
    }
    (clinic.id.uuid(), ids)
}

async fn appointment(app: &TestApp, token: &str, id: Uuid) -> Value {
    get(app, token, &format!("/api/v1/appointments/{id}")).await
}

fn assert_outcome(a: &Value, status: &str, outcome: &str) {
    assert_eq!(a["status"], status, "{a}");
    assert_eq!(a["episode_outcome"], outcome, "episode outcome: {a}");
    // Did not attend, a cancellation and a reschedule leave the round open for another
    // appointment; the other endings close it.
    let stage = match outcome {
        "did_not_attend" | "cancelled" | "reschedule_requested" => "scheduled",
        _ => "closed",
    };
    assert_eq!(a["episode_stage"], stage, "episode stage: {a}");
}

async fn follow_ups(app: &TestApp, token: &str, kind: &str, appointment: Uuid) -> Vec<Value> {
    let list = get(
        app,
        token,
        &format!("/api/v1/follow-ups?kind={kind}&status=active"),
    )
    .await;
    list.as_array()
        .expect("list")
        .iter()
        .filter(|f| f["appointment_id"] == appointment.to_string())
        .cloned()
        .collect()
}

// ---------------------------------------------------------------------------------------
// Item 1: a screen only through "Complete screening"
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn generic_action_cannot_screen() {
    let app = spawn().await;
    let scope = app.provider("DMO1").await;
    let jane = app.token(CLINICAL_A, "DMO1").await;
    let (_, ids) = clinic_with(
        &app,
        scope,
        0,
        "00:00",
        &[&[AppointmentAction::CheckIn, AppointmentAction::Start]],
    )
    .await;
    let id = ids[0];
    for action in ["screen", "partially_screen"] {
        let (status, body) = post(
            &app,
            &jane,
            &format!("/api/v1/appointments/{id}/actions"),
            json!({ "action": action }),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{action}: {body}");
        assert_eq!(
            body["type"],
            "https://screening.example.nhs.uk/problems/not-allowed"
        );
        assert!(
            body["detail"]
                .as_str()
                .unwrap_or_default()
                .contains("choose 'Complete screening' to record a screen"),
            "{body}"
        );
    }
    // Nothing changed and no reading case was opened.
    let a = appointment(&app, &jane, id).await;
    assert_eq!(a["status"], "in_progress");
    assert_eq!(a["episode_stage"], "mammograms");
    let cases = get(
        &app,
        &jane,
        "/api/v1/reading/cases?state=awaiting_first_read",
    )
    .await;
    assert!(
        !cases
            .as_array()
            .expect("cases")
            .iter()
            .any(|c| c["appointment_id"] == id.to_string()),
        "no reading case without a completed screen"
    );

    // The page route refuses it too.
    let browser = app.sign_in(CLINICAL_A).await;
    let res = app
        .post_form(
            &browser,
            &format!("/appointments/{id}/screen"),
            &[("csrf_token", browser.csrf.as_str())],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.expect("html");
    assert!(html.contains("Complete screening"), "{html}");
    assert_eq!(appointment(&app, &jane, id).await["status"], "in_progress");
}

// ---------------------------------------------------------------------------------------
// Item 6: every ending writes an outcome; follow-ups are actioned
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn did_not_attend_writes_the_episode_outcome_and_undo_reopens_it() {
    let app = spawn().await;
    let scope = app.provider("DMO1").await;
    let karen = app.token(OFFICE, "DMO1").await;
    let (_, ids) = clinic_with(&app, scope, 0, "00:00", &[&[]]).await;
    let path = format!("/api/v1/appointments/{}/actions", ids[0]);
    let (status, body) = post(&app, &karen, &path, json!({ "action": "did_not_attend" })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let marked = appointment(&app, &karen, ids[0]).await;
    assert_outcome(&marked, "did_not_attend", "did_not_attend");
    // A "did not attend" result is made with the outcome, and withdrawn by the undo.
    let results = format!(
        "/api/v1/participants/{}/results",
        marked["participant"]["id"].as_str().expect("participant")
    );
    let states = |list: Value| -> Vec<(String, String)> {
        list.as_array()
            .expect("results")
            .iter()
            .map(|r| {
                (
                    r["kind"].as_str().unwrap_or_default().to_owned(),
                    r["state"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    };
    let pair = |k: &str, st: &str| (k.to_owned(), st.to_owned());
    assert_eq!(
        states(get(&app, &karen, &results).await),
        [pair("did_not_attend", "current")]
    );
    let (status, body) = post(
        &app,
        &karen,
        &path,
        json!({ "action": "undo_did_not_attend" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let a = appointment(&app, &karen, ids[0]).await;
    assert_eq!(a["episode_outcome"], Value::Null, "{a}");
    assert_eq!(a["episode_stage"], "scheduled", "{a}");
    assert_eq!(
        states(get(&app, &karen, &results).await),
        [pair("did_not_attend", "withdrawn")]
    );
}

#[tokio::test]
async fn cancelling_writes_the_outcome_and_the_follow_up_the_answer_asks_for() {
    let app = spawn().await;
    let scope = app.provider("DMO1").await;
    let karen = app.token(OFFICE, "DMO1").await;
    let (_, ids) = clinic_with(&app, scope, 1, "09:00", &[&[], &[], &[]]).await;
    // (reschedule answer, status, outcome, follow-up kind)
    let table = [
        (
            "within_6_weeks",
            "reschedule_requested",
            "reschedule_requested",
            Some("reschedule"),
        ),
        ("invite_to_next_routine", "cancelled", "cancelled", None),
        (
            "request_opt_out",
            "cancelled",
            "opt_out_requested",
            Some("opt_out"),
        ),
    ];
    for (id, (answer, status, outcome, kind)) in ids.iter().zip(table) {
        let v = appointment(&app, &karen, *id).await["version"].clone();
        let (s, body) = post(
            &app,
            &karen,
            &format!("/api/v1/appointments/{id}/cancel"),
            json!({ "cancellation": { "reason": "unable_to_attend", "details": "", "reschedule": answer }, "expected_version": v }),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{answer}: {body}");
        assert_outcome(&appointment(&app, &karen, *id).await, status, outcome);
        for k in ["reschedule", "opt_out"] {
            let listed = follow_ups(&app, &karen, k, *id).await;
            assert_eq!(
                listed.len(),
                usize::from(kind == Some(k)),
                "{answer}: {k} requests {listed:?}"
            );
        }
    }
}

#[tokio::test]
async fn no_request_opt_out_writes_the_outcome_and_an_opt_out_request() {
    let app = spawn().await;
    let scope = app.provider("DMO1").await;
    let jane = app.token(CLINICAL_A, "DMO1").await;
    let (_, ids) = clinic_with(
        &app,
        scope,
        0,
        "00:00",
        &[&[AppointmentAction::CheckIn, AppointmentAction::Start]],
    )
    .await;
    let id = ids[0];
    let v = appointment(&app, &jane, id).await["version"].clone();
    let (status, body) = post(
        &app,
        &jane,
        &format!("/api/v1/appointments/{id}/cannot-proceed"),
        json!({ "answer": { "reasons": [["consent_withdrawn", ""]], "reschedule": "request_opt_out" }, "expected_version": v }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_outcome(
        &appointment(&app, &jane, id).await,
        "attended_not_screened",
        "opt_out_requested",
    );
    let requests = follow_ups(&app, &jane, "opt_out", id).await;
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert_eq!(requests[0]["note"], "Consent withdrawn");
    assert_eq!(requests[0]["status"], "open");
}

#[tokio::test]
async fn closing_a_clinic_in_bulk_writes_every_outcome() {
    let app = spawn().await;
    let scope = app.provider("DMO1").await;
    let karen = app.token(OFFICE, "DMO1").await;
    let (clinic, ids) = clinic_with(
        &app,
        scope,
        0,
        "00:00",
        &[
            &[],
            &[AppointmentAction::CheckIn],
            &[AppointmentAction::CheckIn],
        ],
    )
    .await;
    let bulk = format!("/api/v1/clinics/{clinic}/close/bulk");
    for group in ["did_not_check_in", "checked_in_not_screened"] {
        let (status, body) = post(&app, &karen, &bulk, json!({ "group": group })).await;
        assert_eq!(status, StatusCode::OK, "{group}: {body}");
    }
    assert_outcome(
        &appointment(&app, &karen, ids[0]).await,
        "did_not_attend",
        "did_not_attend",
    );
    for id in &ids[1..] {
        assert_outcome(
            &appointment(&app, &karen, *id).await,
            "attended_not_screened",
            "attended_not_screened",
        );
    }
    // The reasons recorded afterwards decide the follow-up and, for opt out, the outcome.
    for (id, answer) in ids[1..].iter().zip(["within_6_weeks", "request_opt_out"]) {
        let v = appointment(&app, &karen, *id).await["version"].clone();
        let (status, body) = post(
            &app,
            &karen,
            &format!("/api/v1/appointments/{id}/attended-not-screened"),
            json!({ "answer": { "reasons": [["no_qualified_mammographer", ""]], "reschedule": answer }, "expected_version": v }),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let requests = follow_ups(&app, &karen, "reschedule", ids[1]).await;
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert_eq!(requests[0]["timescale"], "Within the next 6 weeks");
    assert_outcome(
        &appointment(&app, &karen, ids[2]).await,
        "attended_not_screened",
        "opt_out_requested",
    );
    assert_eq!(follow_ups(&app, &karen, "opt_out", ids[2]).await.len(), 1);
    let (status, body) = post(
        &app,
        &karen,
        &format!("/api/v1/clinics/{clinic}/close"),
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
}

#[tokio::test]
async fn the_office_actions_a_follow_up_and_it_leaves_outcomes_to_act_on() {
    let app = spawn().await;
    let scope = app.provider("DMO1").await;
    let jane_token = app.token(CLINICAL_A, "DMO1").await;
    let karen = app.token(OFFICE, "DMO1").await;
    let (_, ids) = clinic_with(
        &app,
        scope,
        0,
        "00:00",
        &[&[AppointmentAction::CheckIn, AppointmentAction::Start]],
    )
    .await;
    let id = ids[0];
    // Complete with a recall for more images: a request on "Outcomes to act on".
    let jane = actor(&app, scope, CLINICAL_A).await;
    let v = appointment(&app, &jane_token, id).await["version"]
        .as_i64()
        .expect("v");
    let (s, b) = post(
        &app,
        &jane_token,
        &format!("/api/v1/appointments/{id}/identity"),
        json!({ "expected_version": v }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let v = app
        .store
        .save_section(
            scope,
            &jane,
            id.into(),
            SectionUpdate {
                document: &domain::workflow::SectionDocument::Medical(
                    domain::medical::MedicalDocument {
                        information: Default::default(),
                        all_reviewed: true,
                    },
                ),
                images_taken: None,
            },
            b["version"].as_i64().expect("version"),
        )
        .await
        .expect("medical reviewed");
    let record = json!({
        "standard_set": "no",
        "counts": { "rcc": 1, "rmlo": 1, "lcc": 1, "lmlo": 0 },
        "not_all_taken": {
            "reasons": ["wheelchair_positioning"],
            "details": "Could not position for LMLO",
            "recall": { "decision": "recall", "timescale": "Within 2 weeks", "scheduling_note": "Book a hoist room" }
        }
    });
    let (s, b) = call(
        &app,
        &jane_token,
        reqwest::Method::PUT,
        &format!("/api/v1/appointments/{id}/images"),
        Some(json!({ "record": record, "expected_version": v })),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = post(
        &app,
        &jane_token,
        &format!("/api/v1/appointments/{id}/complete"),
        json!({ "expected_version": b["version"] }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let listed = |list: &Value| {
        list.as_array()
            .expect("list")
            .iter()
            .find(|f| f["appointment_id"] == id.to_string())
            .cloned()
    };
    let request = listed(&get(&app, &karen, "/api/v1/reading/outcomes").await)
        .expect("on outcomes to act on");
    let fid = request["id"].as_str().expect("id").to_owned();
    let item = listed(&get(&app, &karen, "/api/v1/follow-ups?kind=more_images").await)
        .expect("on the follow-up list");
    assert_eq!(item["open_days"], 0);
    assert_eq!(item["overdue"], false);

    // The office's views of the list: to book, booked, overdue.
    let office = app.sign_in(OFFICE).await;
    let row = format!(
        "data-testid=\"follow-up-{}\"",
        item["id"].as_str().expect("id")
    );
    let shown = |view: &'static str| {
        let (app, office, row) = (&app, &office, row.clone());
        async move {
            let page = app
                .get(office, &format!("/follow-ups?kind=more_images&show={view}"))
                .await
                .text()
                .await
                .expect("page");
            page.contains(&row)
        }
    };
    assert!(shown("to_book").await && shown("all").await);
    assert!(!shown("booked").await && !shown("overdue").await);
    let overdue = "/api/v1/follow-ups?kind=more_images&status=overdue";
    assert!(listed(&get(&app, &karen, overdue).await).is_none());
    let weeks_ago =
        domain::dates::london_date(time::OffsetDateTime::now_utc()) - time::Duration::days(20);
    app.execute(&format!(
        "UPDATE follow_up_requests SET created_at = '{weeks_ago}T09:00:00.000000Z' WHERE id = '{}'",
        item["id"].as_str().expect("id")
    ))
    .await;
    let aged = listed(&get(&app, &karen, overdue).await).expect("overdue after 20 days");
    assert_eq!(
        (aged["open_days"].as_i64(), aged["overdue"].as_bool()),
        (Some(20), Some(true))
    );
    assert!(shown("overdue").await && shown("to_book").await);

    let status_path = format!("/api/v1/follow-ups/{fid}/status");
    // Cancelling needs a reason; a reader cannot action it; nothing changes.
    let (s, b) = post(&app, &karen, &status_path, json!({ "status": "cancelled" })).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert_eq!(b["errors"][0]["field"], "reason");
    let reader = app.token("olumide.adeyemi@example.nhs.uk", "DMO1").await;
    let (s, _) = post(&app, &reader, &status_path, json!({ "status": "booked" })).await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "an image reader does not action office requests"
    );

    // Booked: no longer open, so gone from "Outcomes to act on"; still on the office list.
    let (s, b) = post(
        &app,
        &karen,
        &status_path,
        json!({ "status": "booked", "reason": "Booked for Tuesday" }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["status"], "booked");
    assert!(shown("booked").await && !shown("to_book").await && !shown("overdue").await);
    assert!(listed(&get(&app, &karen, overdue).await).is_none());
    assert!(listed(&get(&app, &karen, "/api/v1/reading/outcomes").await).is_none());
    assert!(
        listed(
            &get(
                &app,
                &karen,
                "/api/v1/follow-ups?kind=more_images&status=active"
            )
            .await
        )
        .is_some()
    );
    // Done; then nothing more.
    let (s, b) = post(&app, &karen, &status_path, json!({ "status": "done" })).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = post(
        &app,
        &karen,
        &status_path,
        json!({ "status": "cancelled", "reason": "x" }),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert_eq!(b["errors"][0]["field"], "status");
    let detail = get(&app, &karen, &format!("/api/v1/follow-ups/{fid}")).await;
    let moves: Vec<(&str, &str)> = detail["history"]
        .as_array()
        .expect("history")
        .iter()
        .map(|h| {
            (
                h["status"].as_str().unwrap_or_default(),
                h["changed_by_name"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        moves,
        [
            ("open", "Jane Hargreaves"),
            ("booked", "Karen Booth"),
            ("done", "Karen Booth")
        ]
    );
}

#[tokio::test]
async fn the_office_sets_when_a_follow_up_is_overdue() {
    let app = spawn().await;
    let karen = app.token(OFFICE, "DMO1").await;
    assert_eq!(
        get(&app, &karen, "/api/v1/office/settings").await["follow_up_overdue_days"],
        14
    );
    let (s, b) = call(
        &app,
        &karen,
        reqwest::Method::PUT,
        "/api/v1/office/settings",
        Some(json!({ "follow_up_overdue_days": 0 })),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    let (s, b) = call(
        &app,
        &karen,
        reqwest::Method::PUT,
        "/api/v1/office/settings",
        Some(json!({ "follow_up_overdue_days": 7 })),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(
        get(&app, &karen, "/api/v1/office/settings").await["follow_up_overdue_days"],
        7
    );
}

// ---------------------------------------------------------------------------------------
// Item 13: states that cannot be reached
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn a_future_clinic_cannot_be_checked_in_started_or_marked_did_not_attend() {
    let app = spawn().await;
    let scope = app.provider("DMO1").await;
    let karen = app.token(OFFICE, "DMO1").await;
    let jane = app.token(CLINICAL_A, "DMO1").await;
    let (clinic, ids) = clinic_with(&app, scope, 1, "09:00", &[&[]]).await;
    let id = ids[0];
    let (s, b) = post(
        &app,
        &karen,
        &format!("/api/v1/appointments/{id}/check-in"),
        json!({}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert!(
        b["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("only on the day of their clinic"),
        "{b}"
    );
    let actions = format!("/api/v1/appointments/{id}/actions");
    let (s, b) = post(&app, &jane, &actions, json!({ "action": "start" })).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    let (s, b) = post(
        &app,
        &karen,
        &actions,
        json!({ "action": "did_not_attend" }),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert!(
        b["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("has not started yet"),
        "{b}"
    );
    assert_eq!(appointment(&app, &karen, id).await["status"], "scheduled");

    // The clinic page offers no check in or start for it; the page route refuses too.
    let browser = app.sign_in(OFFICE).await;
    let html = app
        .get(&browser, &format!("/clinics/{clinic}"))
        .await
        .text()
        .await
        .expect("html");
    assert!(
        !html.contains(&format!("/appointments/{id}/check-in")),
        "{html}"
    );
    assert!(html.contains("View appointment"), "{html}");
    let res = app
        .post_form(
            &browser,
            &format!("/appointments/{id}/check-in"),
            &[("csrf_token", browser.csrf.as_str())],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.expect("html");
    assert!(html.contains("nhsuk-error-summary"), "{html}");
    assert!(html.contains("only on the day of their clinic"), "{html}");
}

#[tokio::test]
async fn did_not_attend_waits_for_the_clinic_to_start() {
    let app = spawn().await;
    let scope = app.provider("DMO1").await;
    let karen = app.token(OFFICE, "DMO1").await;
    // Today, starting at the last slot of the day: not started unless the test runs at
    // 23:50 or later (UTC).
    let now = time::OffsetDateTime::now_utc().time();
    if now >= time::macros::time!(23:50) {
        return;
    }
    let (_, ids) = clinic_with(&app, scope, 0, "23:50", &[&[]]).await;
    let (s, b) = post(
        &app,
        &karen,
        &format!("/api/v1/appointments/{}/actions", ids[0]),
        json!({ "action": "did_not_attend" }),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert_eq!(
        appointment(&app, &karen, ids[0]).await["status"],
        "scheduled"
    );
}

#[tokio::test]
async fn no_undo_or_booking_once_a_clinic_is_closed_or_cancelled() {
    let app = spawn().await;
    let scope = app.provider("DMO1").await;
    let karen = app.token(OFFICE, "DMO1").await;
    let (clinic, ids) = clinic_with(
        &app,
        scope,
        0,
        "00:00",
        &[
            &[AppointmentAction::DidNotAttend],
            &[AppointmentAction::Cancel],
        ],
    )
    .await;
    let (s, b) = post(
        &app,
        &karen,
        &format!("/api/v1/clinics/{clinic}/close"),
        json!({}),
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
    for (id, undo) in ids.iter().zip(["undo_did_not_attend", "undo_cancel"]) {
        let (s, b) = post(
            &app,
            &karen,
            &format!("/api/v1/appointments/{id}/actions"),
            json!({ "action": undo }),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{undo}: {b}");
        assert!(
            b["detail"].as_str().unwrap_or_default().contains("closed"),
            "{b}"
        );
    }
    // The cancelled appointment's slot is free, but the clinic is closed.
    let slot = app
        .store
        .free_slots(scope, clinic.into())
        .await
        .expect("slots")[0]
        .0;
    let person = app
        .store
        .search_participants(scope, "", 1)
        .await
        .expect("p")[0]
        .id;
    let book = json!({ "clinic_id": clinic, "slot_id": slot, "participant_id": person, "episode_type": "routine" });
    let (s, b) = post(&app, &karen, "/api/v1/appointments", book).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert!(
        b["detail"].as_str().unwrap_or_default().contains("closed"),
        "{b}"
    );

    // A cancelled clinic takes no bookings either.
    let (other, _) = clinic_with(&app, scope, 2, "09:00", &[&[AppointmentAction::Cancel]]).await;
    app.store
        .set_clinic_status(
            scope,
            &actor(&app, scope, OFFICE).await,
            other.into(),
            ClinicStatus::Cancelled,
        )
        .await
        .expect("cancel clinic");
    let slot = app
        .store
        .free_slots(scope, other.into())
        .await
        .expect("slots")[0]
        .0;
    let book = json!({ "clinic_id": other, "slot_id": slot, "participant_id": person, "episode_type": "routine" });
    let (s, b) = post(&app, &karen, "/api/v1/appointments", book).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
}
