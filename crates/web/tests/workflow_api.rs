//! Running an appointment through the API: who may change it, stale saves, notes.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn post(app: &TestApp, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
    let res = app
        .client
        .post(app.url(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("POST");
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn version(app: &TestApp, token: &str, id: &str) -> i64 {
    let res = app
        .client
        .get(app.url(&format!("/api/v1/appointments/{id}/workflow")))
        .bearer_auth(token)
        .send()
        .await
        .expect("GET");
    let wf: Value = res.json().await.expect("json");
    wf["appointment"]["version"].as_i64().expect("version")
}

#[tokio::test]
async fn only_the_mammographer_running_an_appointment_can_change_it_and_stale_saves_name_who_changed_it()
 {
    let app = spawn().await;
    let scope = app.provider("DMO1").await;
    let (appt, _) = app.scheduled_appointment(scope).await;
    let id = appt.to_string();
    let jane = app.token(CLINICAL_A, "DMO1").await;
    let chloe = app.token("chloe.bennett@example.nhs.uk", "DMO1").await;
    let karen = app.token("karen.booth@example.nhs.uk", "DMO1").await;

    // An administrative user cannot start an appointment.
    let (status, _) = post(
        &app,
        &karen,
        &format!("/api/v1/appointments/{id}/actions"),
        json!({ "action": "start" }),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let (status, body) = post(
        &app,
        &jane,
        &format!("/api/v1/appointments/{id}/actions"),
        json!({ "action": "start" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let v = version(&app, &jane, &id).await;

    // Another mammographer is told who is running it, and nothing changes.
    let (status, body) = post(
        &app,
        &chloe,
        &format!("/api/v1/appointments/{id}/identity"),
        json!({ "expected_version": v }),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        body["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("Jane Hargreaves is running this appointment"),
        "{body}"
    );
    let (status, _) = post(
        &app,
        &chloe,
        &format!("/api/v1/appointments/{id}/actions"),
        json!({ "action": "pause" }),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(version(&app, &jane, &id).await, v);

    // Jane confirms identity; submitting the same form twice records once.
    let (status, body) = post(
        &app,
        &jane,
        &format!("/api/v1/appointments/{id}/identity"),
        json!({ "expected_version": v }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let v2 = body["version"].as_i64().expect("version");
    assert_eq!(v2, v + 1);
    let (status, body) = post(
        &app,
        &jane,
        &format!("/api/v1/appointments/{id}/identity"),
        json!({ "expected_version": v }),
    )
    .await;
    assert_eq!(
        (status, body["version"].as_i64()),
        (StatusCode::OK, Some(v2)),
        "a repeated identical save is a no-op"
    );

    // A note can be added from any step; it does not need the version.
    let (status, body) = post(
        &app,
        &jane,
        &format!("/api/v1/appointments/{id}/notes"),
        json!({ "note": "Prefers the left side first" }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = post(
        &app,
        &jane,
        &format!("/api/v1/appointments/{id}/notes"),
        json!({ "note": "   " }),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["errors"][0]["field"], "note");

    // A save based on an old version is refused and names who changed the appointment.
    let (status, body) = post(
        &app,
        &jane,
        &format!("/api/v1/appointments/{id}/actions"),
        json!({ "action": "pause", "expected_version": v }),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        body["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("Jane Hargreaves changed this appointment"),
        "{body}"
    );

    // Pause, then Jane resumes: the same user carries on.
    let (status, _) = post(
        &app,
        &jane,
        &format!("/api/v1/appointments/{id}/actions"),
        json!({ "action": "pause", "expected_version": v2 }),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = post(
        &app,
        &jane,
        &format!("/api/v1/appointments/{id}/actions"),
        json!({ "action": "resume" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let wf: Value = app
        .client
        .get(app.url(&format!("/api/v1/appointments/{id}/workflow")))
        .bearer_auth(&jane)
        .send()
        .await
        .expect("GET")
        .json()
        .await
        .expect("json");
    assert_eq!(wf["running_user_name"], "Jane Hargreaves");
    assert_eq!(wf["sections"]["identity"]["data"]["confirmed"], true);
    assert_eq!(wf["notes"][0]["body"], "Prefers the left side first");
}

#[tokio::test]
async fn discarding_reverts_to_checked_in_and_removes_the_answers_but_not_after_images() {
    let app = spawn().await;
    let scope = app.provider("DMO1").await;
    let (appt, _) = app.scheduled_appointment(scope).await;
    let id = appt.to_string();
    let jane = app.token(CLINICAL_A, "DMO1").await;
    let (s, _) = post(
        &app,
        &jane,
        &format!("/api/v1/appointments/{id}/check-in"),
        json!({}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = post(
        &app,
        &jane,
        &format!("/api/v1/appointments/{id}/actions"),
        json!({ "action": "start" }),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let v = version(&app, &jane, &id).await;
    let (_, b) = post(
        &app,
        &jane,
        &format!("/api/v1/appointments/{id}/identity"),
        json!({ "expected_version": v }),
    )
    .await;
    let v = b["version"].as_i64().expect("version");
    let (s, b) = post(
        &app,
        &jane,
        &format!("/api/v1/appointments/{id}/discard"),
        json!({ "expected_version": v }),
    )
    .await;
    assert_eq!(
        (s, b["status"].as_str()),
        (StatusCode::OK, Some("checked_in")),
        "{b}"
    );
    let wf: Value = app
        .client
        .get(app.url(&format!("/api/v1/appointments/{id}/workflow")))
        .bearer_auth(&jane)
        .send()
        .await
        .expect("GET")
        .json()
        .await
        .expect("json");
    assert!(
        wf["sections"].as_object().expect("sections").is_empty(),
        "answers discarded: {}",
        wf["sections"]
    );

    // Once an image is recorded, the appointment can only be paused.
    let (s, _) = post(
        &app,
        &jane,
        &format!("/api/v1/appointments/{id}/actions"),
        json!({ "action": "start" }),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let v = version(&app, &jane, &id).await;
    let images = |v: i64| {
        app.client
            .put(app.url(&format!("/api/v1/appointments/{id}/images")))
            .bearer_auth(&jane)
            .json(&json!({ "record": { "standard_set": "yes" }, "expected_version": v }))
            .send()
    };
    let res = images(v).await.expect("PUT");
    assert_eq!(
        res.status(),
        StatusCode::CONFLICT,
        "images come after identity and medical information"
    );
    let (_, b) = post(
        &app,
        &jane,
        &format!("/api/v1/appointments/{id}/identity"),
        json!({ "expected_version": v }),
    )
    .await;
    let v = b["version"].as_i64().expect("version");
    let medical = json!({
        "reviewed": ["mammogram_history", "medical_history", "symptoms", "breast_features",
                     "breast_density_factors", "other_medical_information"],
        "density": { "hrt_started_since_last_screening": "no", "pregnant_or_breastfeeding": "no" },
    });
    let res = app
        .client
        .put(app.url(&format!("/api/v1/appointments/{id}/medical-information")))
        .bearer_auth(&jane)
        .json(&json!({ "medical": medical, "expected_version": v }))
        .send()
        .await
        .expect("PUT");
    let b: Value = res.json().await.expect("json");
    let v = b["version"]
        .as_i64()
        .unwrap_or_else(|| panic!("medical saved: {b}"));
    let res = images(v).await.expect("PUT");
    let saved: Value = res.json().await.expect("json");
    let v = saved["version"].as_i64().expect("images saved");
    let (s, b) = post(
        &app,
        &jane,
        &format!("/api/v1/appointments/{id}/discard"),
        json!({ "expected_version": v }),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(
        b["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("can only be paused"),
        "{b}"
    );
    let (s, _) = post(&app, &jane, &format!("/api/v1/appointments/{id}/cannot-proceed"), json!({ "answer": { "reasons": [["consent_withdrawn", ""]], "reschedule": "invite_to_next_routine" }, "expected_version": v })).await;
    assert_eq!(s, StatusCode::CONFLICT, "cannot stop after images");
}
