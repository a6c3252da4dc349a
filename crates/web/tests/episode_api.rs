//! The whole episode through the API, on SQLite and PostgreSQL: a technical recall booked
//! into its own episode, re-imaged for the views asked for, read, and the episode closed
//! with its end code and next test due; a recall not attended lands on the failsafe list
//! and the office closes the episode by hand; a closed episode's end code is corrected,
//! never edited.

mod common;

use common::flow::{case_of, double_read, screen};
use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use store::{Actor, NewClinic, Scope};
use uuid::Uuid;

const OFFICE: &str = "karen.booth@example.nhs.uk";
const OTHER_OFFICE: &str = "grace.okafor@example.nhs.uk";

async fn call(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = app
        .client
        .request(method, app.url(&format!("/api/v1{path}")))
        .bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.expect("request");
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

fn today() -> time::Date {
    domain::dates::london_date(time::OffsetDateTime::now_utc())
}

/// A clinic today with four free slots, at the provider's first location.
async fn clinic_today(app: &TestApp, scope: Scope, clinic_type: domain::ClinicType) -> Uuid {
    let location = app.store.locations(scope).await.expect("locations")[0].id;
    app.store
        .create_clinic(
            scope,
            &Actor::system("test"),
            NewClinic {
                location_id: location,
                date: today(),
                session: domain::Session::AllDay,
                clinic_type,
                risk_type: domain::RiskType::Routine,
                starts_at: "00:05".to_owned(),
                slot_minutes: 10,
                slot_count: 4,
            },
        )
        .await
        .expect("clinic")
        .id
        .uuid()
}

/// Screens today's first scheduled appointment and reads it as a technical recall of
/// RMLO; returns (appointment, participant, episode, the recall request).
async fn technical_recall(app: &TestApp) -> (String, String, String, Value) {
    let scope = app.provider("DMO1").await;
    let (id, participant) = app.scheduled_appointment(scope).await;
    let (id, participant) = (id.to_string(), participant.to_string());
    let jane = app.token(CLINICAL_A, "DMO1").await;
    let (status, body) = screen(app, &jane, &id, json!({ "standard_set": "yes" })).await;
    assert_eq!(status, StatusCode::OK, "complete: {body}");
    let case = case_of(app, &jane, &id).await;
    let second = double_read(
        app,
        &case,
        json!({ "opinion": "technical_recall", "views": [
            { "view": "rmlo", "reason": "breast_positioning" }
        ] }),
    )
    .await;
    assert_eq!(second["outcome"], "technical_recall", "{second}");
    let office = app.token(OFFICE, "DMO1").await;
    let (_, list) = call(
        app,
        &office,
        Method::GET,
        "/follow-ups?kind=technical_recall",
        None,
    )
    .await;
    let request = list
        .as_array()
        .expect("list")
        .iter()
        .find(|f| f["participant_id"] == participant.as_str())
        .expect("the technical recall is on the office's list")
        .clone();
    assert_eq!(request["views"], json!(["rmlo"]), "{request}");
    let episode = request["episode_id"].as_str().expect("episode").to_owned();
    (id, participant, episode, request)
}

/// Books `request` into a free slot of `clinic`; returns the new appointment.
/// The episode's results, newest first, as (kind, state).
async fn results_of(
    app: &TestApp,
    token: &str,
    participant: &str,
    episode: &str,
) -> Vec<(String, String)> {
    let (status, results) = call(
        app,
        token,
        Method::GET,
        &format!("/participants/{participant}/results"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{results}");
    results
        .as_array()
        .expect("results")
        .iter()
        .filter(|r| r["episode_id"] == episode)
        .map(|r| {
            (
                r["kind"].as_str().unwrap_or_default().to_owned(),
                r["state"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

async fn book(app: &TestApp, token: &str, request: &str, clinic: Uuid) -> (StatusCode, Value) {
    let (status, slots) = call(
        app,
        token,
        Method::GET,
        &format!("/follow-ups/{request}/slots"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{slots}");
    let slot = slots["slots"]
        .as_array()
        .expect("slots")
        .iter()
        .find(|s| s["clinic_id"] == clinic.to_string())
        .expect("the clinic's free slots are offered")
        .clone();
    call(
        app,
        token,
        Method::POST,
        &format!("/follow-ups/{request}/booking"),
        Some(json!({ "clinic_id": slot["clinic_id"], "slot_id": slot["slot_id"] })),
    )
    .await
}

#[tokio::test]
async fn a_technical_recall_is_booked_into_its_episode_reimaged_and_closes_routine_recall() {
    for backend in BACKENDS {
        let app = spawn_on(backend).await;
        let scope = app.provider("DMO1").await;
        let (first, participant, episode, request) = technical_recall(&app).await;
        let request_id = request["id"].as_str().expect("id").to_owned();
        let office = app.token(OFFICE, "DMO1").await;

        // Booking needs a slot of the right type of clinic, for the request's participant.
        let assessment = clinic_today(&app, scope, domain::ClinicType::Assessment).await;
        let assessment_slot = app
            .store
            .free_slots(scope, assessment.into())
            .await
            .expect("slots")[0]
            .0;
        let (status, problem) = call(
            &app,
            &office,
            Method::POST,
            &format!("/follow-ups/{request_id}/booking"),
            Some(json!({ "clinic_id": assessment, "slot_id": assessment_slot })),
        )
        .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{backend:?} {problem}"
        );
        assert_eq!(problem["errors"][0]["field"], "clinic_id", "{problem}");
        // Another provider's office does not see the request at all.
        let other = app.token(OTHER_OFFICE, "DMO2").await;
        let (status, _) = call(
            &app,
            &other,
            Method::GET,
            &format!("/follow-ups/{request_id}/slots"),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        let clinic = clinic_today(&app, scope, domain::ClinicType::Screening).await;
        let (status, booked) = book(&app, &office, &request_id, clinic).await;
        assert_eq!(status, StatusCode::CREATED, "{backend:?} {booked}");
        let recall = booked["appointment_id"].as_str().expect("id").to_owned();
        // Booked once: a second booking is refused and changes nothing.
        let (status, problem) = book(&app, &office, &request_id, clinic).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        let (_, detail) = call(
            &app,
            &office,
            Method::GET,
            &format!("/follow-ups/{request_id}"),
            None,
        )
        .await;
        assert_eq!(detail["status"], "booked", "{detail}");
        assert_eq!(detail["booked_appointment_id"], recall.as_str());

        // The recall belongs to the same episode and asks only for RMLO.
        let jane = app.token(CLINICAL_A, "DMO1").await;
        let (_, appointment) = call(
            &app,
            &jane,
            Method::GET,
            &format!("/appointments/{recall}"),
            None,
        )
        .await;
        assert_eq!(appointment["episode_id"], episode.as_str(), "{appointment}");
        assert_eq!(appointment["follow_up"]["kind"], "technical_recall");
        assert_eq!(appointment["follow_up"]["views"], json!(["rmlo"]));

        let (status, body) = screen(
            &app,
            &jane,
            &recall,
            json!({ "standard_set": "no", "counts": { "rmlo": 1 } }),
        )
        .await;
        assert_eq!(
            status,
            StatusCode::OK,
            "{backend:?} complete the recall: {body}"
        );
        assert_eq!(body["status"], "screened", "{body}");
        let (_, detail) = call(
            &app,
            &office,
            Method::GET,
            &format!("/follow-ups/{request_id}"),
            None,
        )
        .await;
        assert_eq!(detail["status"], "done", "{detail}");

        let case = case_of(&app, &jane, &recall).await;
        // The recall's case is linked to the screen's by the episode: its reader sees the
        // earlier images and their outcome.
        let (status, detail) = call(
            &app,
            &jane,
            Method::GET,
            &format!("/reading/cases/{case}"),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{detail}");
        let linked = detail["episode_cases"].as_array().expect("episode cases");
        assert_eq!(linked.len(), 1, "{detail}");
        assert_eq!(linked[0]["appointment_id"], first.as_str(), "{detail}");
        assert_eq!(linked[0]["outcome"], "Technical recall", "{detail}");
        let second = double_read(&app, &case, json!({ "opinion": "normal" })).await;
        assert_eq!(second["outcome"], "routine_recall", "{second}");

        // One episode, closed "Routine recall", due 36 months after the first offered
        // appointment (the first screen's clinic day, today).
        let (status, timeline) = call(
            &app,
            &office,
            Method::GET,
            &format!("/participants/{participant}/timeline"),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{timeline}");
        let e = timeline["episodes"]
            .as_array()
            .expect("episodes")
            .iter()
            .find(|e| e["id"] == episode.as_str())
            .expect("the episode")
            .clone();
        assert_eq!(e["stage"], "closed", "{e}");
        assert_eq!(e["end_code"], "routine_recall", "{e}");
        assert_eq!(
            e["next_test_due"],
            domain::dates::add_months(today(), 36).to_string(),
            "{e}"
        );
        let kinds: Vec<&str> = e["events"]
            .as_array()
            .expect("events")
            .iter()
            .filter_map(|ev| ev["kind"].as_str())
            .collect();
        let count = |k: &str| kinds.iter().filter(|x| **x == k).count();
        assert_eq!(count("appointment"), 2, "{kinds:?}");
        assert_eq!(count("reading"), 2, "{kinds:?}");
        assert_eq!(count("follow_up"), 1, "{kinds:?}");
        assert!(
            e["events"]
                .as_array()
                .expect("events")
                .iter()
                .any(|ev| ev["title"] == "Episode closed: Routine recall"),
            "{e}"
        );
        assert_ne!(first, recall);
        // Two results, each from the one record: the technical recall, then the normal
        // result of the repeat images, coded with the reference's codes.
        let pair = |k: &str, st: &str| (k.to_owned(), st.to_owned());
        assert_eq!(
            results_of(&app, &office, &participant, &episode).await,
            [
                pair("normal", "current"),
                pair("technical_recall", "current")
            ],
            "{backend:?}"
        );
        let (_, results) = call(
            &app,
            &office,
            Method::GET,
            &format!("/participants/{participant}/results"),
            None,
        )
        .await;
        let normal = &results[0];
        assert_eq!(normal["finding"]["code"], "171175005", "{normal}");
        assert_eq!(normal["procedure"]["code"], "268547008", "{normal}");
        assert_eq!(normal["version"], 1);
        assert_eq!(normal["letter_template"], "normal");
        assert_eq!(normal["next_test_due"], e["next_test_due"], "{normal}");
        assert_eq!(
            results[1]["finding"],
            Value::Null,
            "a recall travels as text"
        );
        let (_, queue) = call(&app, &office, Method::GET, "/results", None).await;
        assert!(
            queue
                .to_string()
                .contains(normal["id"].as_str().expect("id"))
        );
        let other = app.token(OTHER_OFFICE, "DMO2").await;
        let (_, theirs) = call(&app, &other, Method::GET, "/results", None).await;
        assert!(!theirs.to_string().contains(&participant), "{backend:?}");
        let (status, _) = call(
            &app,
            &other,
            Method::GET,
            &format!("/participants/{participant}/results"),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        // The closure was recorded as a domain event for results and reporting.
        let events = app
            .store
            .recorded_events(scope, "episode.closed", 50)
            .await
            .expect("events");
        assert!(
            events.iter().any(|e| matches!(e,
                domain::events::DomainEvent::EpisodeClosed(c)
                    if c.episode_id.to_string() == episode
                        && c.end_code == domain::end_code::EndCode::RoutineRecall)),
            "{backend:?} {events:?}"
        );
    }
}

#[tokio::test]
async fn a_recall_not_attended_goes_on_the_failsafe_list_and_the_office_closes_the_episode() {
    for backend in BACKENDS {
        let app = spawn_on(backend).await;
        let scope = app.provider("DMO1").await;
        let (_, participant, episode, request) = technical_recall(&app).await;
        let request_id = request["id"].as_str().expect("id").to_owned();
        let office = app.token(OFFICE, "DMO1").await;
        let clinic = clinic_today(&app, scope, domain::ClinicType::Screening).await;
        let (status, booked) = book(&app, &office, &request_id, clinic).await;
        assert_eq!(status, StatusCode::CREATED, "{booked}");

        // Closing by hand is refused while the recall appointment is still to happen.
        let (status, problem) = call(
            &app,
            &office,
            Method::POST,
            &format!("/episodes/{episode}/close"),
            Some(json!({ "end_code": "did_not_attend", "reason": "No reply" })),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");

        // She does not come: marked did not attend when the clinic closes.
        let (status, body) = call(
            &app,
            &office,
            Method::POST,
            &format!("/clinics/{clinic}/close/bulk"),
            Some(json!({ "group": "did_not_check_in" })),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{backend:?} {body}");
        let (_, failsafe) = call(&app, &office, Method::GET, "/follow-ups/failsafe", None).await;
        let listed = failsafe
            .as_array()
            .expect("failsafe")
            .iter()
            .find(|f| f["id"] == request_id.as_str())
            .expect("the missed recall is on the failsafe list")
            .clone();
        assert_eq!(listed["status"], "open", "{listed}");
        assert_eq!(listed["booked_status"], "did_not_attend", "{listed}");
        let pair = |k: &str, st: &str| (k.to_owned(), st.to_owned());
        assert_eq!(
            results_of(&app, &office, &participant, &episode).await,
            [
                pair("did_not_attend", "current"),
                pair("technical_recall", "current")
            ],
            "{backend:?}"
        );
        // Not another provider's.
        let other = app.token(OTHER_OFFICE, "DMO2").await;
        let (_, theirs) = call(&app, &other, Method::GET, "/follow-ups/failsafe", None).await;
        assert!(
            !theirs.to_string().contains(&request_id),
            "{backend:?} another provider's failsafe list"
        );

        // Bad input changes nothing: an end code set by another step, a missing reason.
        for (body, field) in [
            (
                json!({ "end_code": "routine_recall", "reason": "x" }),
                "end_code",
            ),
            (
                json!({ "end_code": "did_not_attend", "reason": " " }),
                "reason",
            ),
        ] {
            let (status, problem) = call(
                &app,
                &office,
                Method::POST,
                &format!("/episodes/{episode}/close"),
                Some(body),
            )
            .await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
            assert_eq!(problem["errors"][0]["field"], field, "{problem}");
        }
        let (status, closed) = call(
            &app,
            &office,
            Method::POST,
            &format!("/episodes/{episode}/close"),
            Some(json!({ "end_code": "did_not_attend", "reason": "Did not attend the technical recall; two letters sent" })),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{backend:?} {closed}");
        assert_eq!(closed["end_code"], "did_not_attend");
        assert_eq!(
            closed["next_test_due"],
            domain::dates::add_months(today(), 36).to_string()
        );
        // Closed episodes are not closed again; the end code is corrected with a reason.
        let (status, _) = call(
            &app,
            &office,
            Method::POST,
            &format!("/episodes/{episode}/close"),
            Some(json!({ "end_code": "no_result", "reason": "again" })),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let (status, corrected) = call(
            &app,
            &office,
            Method::POST,
            &format!("/episodes/{episode}/end-code"),
            Some(json!({ "end_code": "opted_out", "reason": "She phoned: she had opted out in writing" })),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{corrected}");
        let (_, timeline) = call(
            &app,
            &office,
            Method::GET,
            &format!("/participants/{participant}/timeline"),
            None,
        )
        .await;
        let e = timeline["episodes"]
            .as_array()
            .expect("episodes")
            .iter()
            .find(|e| e["id"] == episode.as_str())
            .expect("episode")
            .clone();
        assert_eq!(e["end_code"], "opted_out", "{e}");
        // Closing with "did not attend" did not issue it twice; the correction to an end
        // code that gives no result withdrew it.
        assert_eq!(
            results_of(&app, &office, &participant, &episode).await,
            [
                pair("did_not_attend", "withdrawn"),
                pair("technical_recall", "current")
            ],
            "{backend:?}"
        );
        let closures: Vec<&str> = e["events"]
            .as_array()
            .expect("events")
            .iter()
            .filter_map(|ev| ev["title"].as_str())
            .filter(|t| t.starts_with("Episode closed"))
            .collect();
        assert_eq!(
            closures,
            [
                "Episode closed: Did not attend",
                "Episode closed: Opted out"
            ],
            "the first closure stays in the history"
        );
        // Another provider cannot close or correct it.
        let (status, _) = call(
            &app,
            &other,
            Method::POST,
            &format!("/episodes/{episode}/end-code"),
            Some(json!({ "end_code": "no_result", "reason": "x" })),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}
