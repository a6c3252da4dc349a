//! Ending appointments and closing a clinic through the API.

mod common;

use common::*;
use domain::{AppointmentAction, AppointmentStatus, ClinicType, EpisodeType, RiskType, Session};
use reqwest::StatusCode;
use serde_json::json;
use store::{Actor, NewAppointment, NewClinic, Scope};
use uuid::Uuid;

async fn version(app: &TestApp, scope: Scope, id: Uuid) -> i64 {
    app.store
        .appointment(scope, id.into())
        .await
        .expect("appointment")
        .version
}

/// A clinic today with one participant per given status, built through the store.
async fn clinic_with(
    app: &TestApp,
    scope: Scope,
    statuses: &[&[AppointmentAction]],
) -> (Uuid, Vec<Uuid>) {
    let system = Actor::system("test");
    let jane = app.store.user_by_email(CLINICAL_A).await.expect("jane");
    let actor = Actor {
        user_id: Some(jane.id),
        name: jane.name.clone(),
        provider_id: Some(scope.provider_id),
    };
    let location = app.store.locations(scope).await.expect("locations")[0].id;
    let clinic = app
        .store
        .create_clinic(
            scope,
            &system,
            NewClinic {
                location_id: location,
                date: domain::dates::london_date(time::OffsetDateTime::now_utc()),
                session: Session::Afternoon,
                clinic_type: ClinicType::Screening,
                risk_type: RiskType::Routine,
                starts_at: "00:00".to_owned(),
                slot_minutes: 10,
                slot_count: statuses.len() as u16,
            },
        )
        .await
        .expect("clinic");
    let people = app
        .store
        .search_participants(scope, "", 500)
        .await
        .expect("participants");
    let slots = app.store.free_slots(scope, clinic.id).await.expect("slots");
    let mut ids = Vec::new();
    // People free to book: a participant with an appointment still to happen, or another
    // type of episode open, is refused (one open episode per participant).
    let mut people = people.iter();
    for (i, actions) in statuses.iter().enumerate() {
        let id = loop {
            let who = people.next().expect("a participant free to book");
            match app
                .store
                .create_appointment(
                    scope,
                    &system,
                    NewAppointment {
                        clinic_id: clinic.id,
                        slot_id: slots[i].0,
                        participant_id: who.id,
                        episode_type: EpisodeType::Routine,
                        follow_up_id: None,
                    },
                )
                .await
            {
                Ok(id) => break id,
                Err(store::StoreError::Invalid(_)) => continue,
                Err(e) => panic!("book: {e}"),
            }
        };
        for a in *actions {
            app.store
                .apply_action(scope, &actor, id, *a, None)
                .await
                .expect("action");
        }
        ids.push(id.uuid());
    }
    (clinic.id.uuid(), ids)
}

#[tokio::test]
async fn cannot_proceed_records_reasons_and_puts_a_reschedule_on_the_office_list() {
    let app = spawn().await;
    let scope = app.provider("DMO1").await;
    let jane = app.token(CLINICAL_A, "DMO1").await;
    let (_, ids) = clinic_with(
        &app,
        scope,
        &[&[AppointmentAction::CheckIn, AppointmentAction::Start]],
    )
    .await;
    let id = ids[0];
    let v = version(&app, scope, id).await;
    let path = format!("/api/v1/appointments/{id}/cannot-proceed");

    let (status, body) = call(
        &app,
        &jane,
        reqwest::Method::POST,
        &path,
        Some(json!({ "answer": { "reasons": [], "reschedule": null }, "expected_version": v })),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert_eq!(fields, ["reasons", "reschedule"]);
    let (status, body) = call(&app, &jane, reqwest::Method::POST, &path, Some(json!({ "answer": { "reasons": [["other", ""]], "reschedule": "within_6_weeks" }, "expected_version": v }))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["errors"][0]["field"], "other_details");
    assert_eq!(version(&app, scope, id).await, v, "nothing saved");

    let answer = json!({ "reasons": [["pain_during_screening", "Could not tolerate compression"]], "reschedule": "within_6_weeks" });
    let (status, body) = call(
        &app,
        &jane,
        reqwest::Method::POST,
        &path,
        Some(json!({ "answer": answer, "expected_version": v })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "attended_not_screened");

    let (_, list) = call(
        &app,
        &jane,
        reqwest::Method::GET,
        "/api/v1/follow-ups?kind=reschedule",
        None,
    )
    .await;
    let row = list
        .as_array()
        .expect("list")
        .iter()
        .find(|f| f["appointment_id"] == id.to_string())
        .expect("reschedule request listed");
    assert_eq!(row["timescale"], "Within the next 6 weeks");
    assert!(
        row["note"]
            .as_str()
            .unwrap_or_default()
            .contains("Pain during screening")
    );
}

#[tokio::test]
async fn cancelling_needs_a_reason_and_a_reschedule_answer() {
    let app = spawn().await;
    let scope = app.provider("DMO1").await;
    let karen = app.token("karen.booth@example.nhs.uk", "DMO1").await;
    let (_, ids) = clinic_with(&app, scope, &[&[], &[]]).await;
    let path = |id: Uuid| format!("/api/v1/appointments/{id}/cancel");
    let v = version(&app, scope, ids[0]).await;
    let (status, body) = call(&app, &karen, reqwest::Method::POST, &path(ids[0]), Some(json!({ "cancellation": { "reason": "other", "details": " ", "reschedule": "invite_to_next_routine" }, "expected_version": v }))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["errors"][0]["field"], "details");
    let (status, body) = call(&app, &karen, reqwest::Method::POST, &path(ids[0]), Some(json!({ "cancellation": { "reason": "moving_outside_england", "reschedule": "invite_to_next_routine" }, "expected_version": v }))).await;
    assert_eq!(
        (status, body["status"].as_str()),
        (StatusCode::OK, Some("cancelled"))
    );
    let v = version(&app, scope, ids[1]).await;
    let (status, body) = call(&app, &karen, reqwest::Method::POST, &path(ids[1]), Some(json!({ "cancellation": { "reason": "unable_to_attend", "reschedule": "more_than_6_weeks" }, "expected_version": v }))).await;
    assert_eq!(
        (status, body["status"].as_str()),
        (StatusCode::OK, Some("reschedule_requested"))
    );
}

#[tokio::test]
async fn a_clinic_closes_only_when_every_participant_has_an_outcome() {
    let app = spawn().await;
    let scope = app.provider("DMO1").await;
    let karen = app.token("karen.booth@example.nhs.uk", "DMO1").await;
    let screened: &[AppointmentAction] = &[
        AppointmentAction::CheckIn,
        AppointmentAction::Start,
        AppointmentAction::Screen,
    ];
    let (clinic, ids) =
        clinic_with(&app, scope, &[&[], &[AppointmentAction::CheckIn], screened]).await;
    let close = format!("/api/v1/clinics/{clinic}/close");
    let bulk = format!("/api/v1/clinics/{clinic}/close/bulk");

    let (status, body) = call(&app, &karen, reqwest::Method::POST, &close, None).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        body["detail"],
        "Record an appointment outcome for every participant to close this clinic."
    );

    let (status, body) = call(
        &app,
        &karen,
        reqwest::Method::POST,
        &bulk,
        Some(json!({ "group": "did_not_check_in" })),
    )
    .await;
    assert_eq!(
        (status, body["changed"].as_u64()),
        (StatusCode::OK, Some(1))
    );
    let (status, body) = call(
        &app,
        &karen,
        reqwest::Method::POST,
        &bulk,
        Some(json!({ "group": "checked_in_not_screened" })),
    )
    .await;
    assert_eq!(
        (status, body["changed"].as_u64()),
        (StatusCode::OK, Some(1))
    );
    assert_eq!(
        app.store
            .appointment(scope, ids[0].into())
            .await
            .expect("a")
            .status,
        AppointmentStatus::DidNotAttend
    );
    assert_eq!(
        app.store
            .appointment(scope, ids[1].into())
            .await
            .expect("a")
            .status,
        AppointmentStatus::AttendedNotScreened
    );

    // Still blocked: the attended-not-screened participant has no reasons yet.
    let (status, _) = call(&app, &karen, reqwest::Method::POST, &close, None).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let v = version(&app, scope, ids[1]).await;
    let (status, body) = call(
        &app,
        &karen,
        reqwest::Method::POST,
        &format!("/api/v1/appointments/{}/attended-not-screened", ids[1]),
        Some(json!({ "answer": { "reasons": [["mental_health_issue", ""]], "reschedule": "invite_to_next_routine" }, "expected_version": v })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let (status, _) = call(&app, &karen, reqwest::Method::POST, &close, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.store
            .clinic(scope, clinic.into())
            .await
            .expect("clinic")
            .status,
        domain::ClinicStatus::Closed
    );
    let (status, _) = call(
        &app,
        &karen,
        reqwest::Method::POST,
        &bulk,
        Some(json!({ "group": "did_not_check_in" })),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "a closed clinic takes no more bulk changes"
    );
}
