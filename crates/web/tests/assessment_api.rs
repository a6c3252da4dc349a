//! Assessment through the API (issue 12): an episode recalled for assessment by two
//! readers, booked into an assessment clinic and checked in; biopsy and "Awaiting
//! pathology" (the office's list), then the pathology outcome closes the episode; a benign
//! outcome closes it for routine recall; bad answers change nothing; another provider sees
//! nothing. Each scenario runs on SQLite and PostgreSQL.

mod common;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

const READER_A: &str = "olumide.adeyemi@example.nhs.uk";
const READER_B: &str = "priya.shah@example.nhs.uk";
const OFFICE: &str = "karen.booth@example.nhs.uk";
/// A mammographer at Greater Manchester (DMO2) only.
const OTHER_PROVIDER: &str = "tom.fletcher@example.nhs.uk";

/// Starts a reading session, reads the case it offers as a recall for assessment, finishes
/// the session; returns the case.
async fn read_recall(app: &TestApp, token: &str, kind: &str, case: Option<&str>) -> String {
    let (status, body) = v1(
        app,
        token,
        Method::POST,
        "/reading/sessions",
        Some(json!({ "kind": kind, "size": 10 })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let sid = body["id"].as_str().expect("session").to_owned();
    let (_, next) = v1(
        app,
        token,
        Method::POST,
        &format!("/reading/sessions/{sid}/next"),
        None,
    )
    .await;
    let offered = next["case_id"].as_str().expect("a case to read").to_owned();
    if let Some(expected) = case {
        assert_eq!(offered, expected, "the 2nd reader is offered the case");
    }
    let opinion = json!({
        "opinion": "recall_for_assessment",
        "right": { "assessment": "abnormal", "annotations": [
            { "location": { "kind": "text", "text": "UOQ" }, "abnormality": "ill_defined_mass", "concern": "4" }
        ] },
        "left": { "assessment": "normal" }
    });
    let (status, read) = v1(
        app,
        token,
        Method::POST,
        &format!("/reading/cases/{offered}/reads"),
        Some(json!({ "session_id": sid, "opinion": opinion })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{read}");
    v1(
        app,
        token,
        Method::POST,
        &format!("/reading/sessions/{sid}/finish"),
        None,
    )
    .await;
    offered
}

/// An episode at assessment: a case read twice as a recall for assessment, its referral
/// booked into a new assessment clinic today, and the participant checked in. Returns the
/// assessment appointment, the episode and the screening appointment.
async fn at_assessment(app: &TestApp) -> (Uuid, Uuid, Uuid) {
    let a = app.token(READER_A, "DMO1").await;
    let b = app.token(READER_B, "DMO1").await;
    let office = app.token(OFFICE, "DMO1").await;
    let case = read_recall(app, &a, "first_reads", None).await;
    read_recall(app, &b, "second_reads", Some(&case)).await;
    let (_, seen) = v1(
        app,
        &office,
        Method::GET,
        &format!("/reading/cases/{case}"),
        None,
    )
    .await;
    assert_eq!(seen["case"]["outcome"], "recall_for_assessment", "{seen}");
    let appointment: Uuid = seen["case"]["appointment_id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("the screen's appointment");

    let scope = app.provider("DMO1").await;
    let referral = app
        .store
        .follow_ups(scope, "assessment_referral")
        .await
        .expect("follow-ups")
        .into_iter()
        .find(|f| f.appointment_id.uuid() == appointment)
        .expect("an assessment referral for the screen");
    let today = domain::dates::london_date(time::OffsetDateTime::now_utc());
    let location = app.store.locations(scope).await.expect("locations")[0].id;
    let setup = store::Actor::system("test");
    let clinic = app
        .store
        .create_clinic(
            scope,
            &setup,
            store::NewClinic {
                location_id: location,
                date: today,
                session: domain::Session::AllDay,
                clinic_type: domain::ClinicType::Assessment,
                risk_type: domain::RiskType::Routine,
                starts_at: "00:10".to_owned(),
                slot_minutes: 30,
                slot_count: 4,
            },
        )
        .await
        .expect("assessment clinic");
    let slot = app.store.free_slots(scope, clinic.id).await.expect("slots")[0].0;
    let (status, created) = v1(
        app,
        &office,
        Method::POST,
        "/appointments",
        Some(json!({
            "clinic_id": clinic.id, "slot_id": slot, "participant_id": referral.participant_id,
            "episode_type": "routine", "follow_up_id": referral.id,
        })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id: Uuid = created["id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("id");
    let (status, body) = v1(
        app,
        &office,
        Method::POST,
        &format!("/appointments/{id}/check-in"),
        Some(json!({})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    (id, referral.episode_id.uuid(), appointment)
}

fn work(biopsy: bool) -> Value {
    json!({
        "clinical_examination": true, "further_views": true, "ultrasound": true,
        "needle_biopsy": biopsy, "biopsy_type": if biopsy { json!("core") } else { Value::Null },
    })
}

#[tokio::test]
async fn biopsy_awaits_pathology_then_a_cancer_closes_the_episode_for_treatment() {
    for backend in BACKENDS {
        let app = spawn_on(backend).await;
        let jane = app.token(CLINICAL_A, "DMO1").await;
        let office = app.token(OFFICE, "DMO1").await;
        let other = app.token(OTHER_PROVIDER, "DMO2").await;
        let (id, episode, _) = at_assessment(&app).await;
        let path = format!("/appointments/{id}/assessment");

        let (status, before) = v1(&app, &jane, Method::GET, &path, None).await;
        assert_eq!(status, StatusCode::OK, "{before}");
        assert_eq!(before["clinic_type"], "assessment");
        assert_eq!(before["assessment"], Value::Null);
        assert_eq!(before["cannot_record"], Value::Null, "{before}");

        // Bad answers are refused field by field, as problem details, and change nothing.
        let bad = [
            (
                json!({ "right": work(true), "outcome": { "outcome": "cancer_diagnosed", "grade": "2" } }),
                "invasiveness",
            ),
            (
                json!({ "right": work(false), "outcome": { "outcome": "awaiting_pathology" } }),
                "outcome",
            ),
        ];
        for (body, field) in bad {
            let res = app
                .client
                .put(app.url(&format!("/api/v1{path}")))
                .bearer_auth(&jane)
                .json(&body)
                .send()
                .await
                .expect("PUT");
            assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
            assert_eq!(
                res.headers()["content-type"],
                "application/problem+json",
                "{backend:?}"
            );
            let problem: Value = res.json().await.expect("problem");
            assert_eq!(problem["errors"][0]["field"], field, "{problem}");
        }
        let (_, unchanged) = v1(&app, &jane, Method::GET, &path, None).await;
        assert_eq!(unchanged["assessment"], Value::Null);
        assert_eq!(unchanged["appointment_status"], "checked_in");

        // Another provider's user sees nothing and changes nothing.
        let (status, _) = v1(&app, &other, Method::GET, &path, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let body = json!({ "right": work(true), "outcome": { "outcome": "awaiting_pathology" } });
        let (status, _) = v1(&app, &other, Method::PUT, &path, Some(body.clone())).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        // The office may look but not record.
        let (status, _) = v1(&app, &office, Method::PUT, &path, Some(body.clone())).await;
        assert_eq!(status, StatusCode::FORBIDDEN);

        // Biopsy, awaiting pathology: the appointment is done, the episode stays at assessment.
        let (status, waiting) = v1(&app, &jane, Method::PUT, &path, Some(body)).await;
        assert_eq!(status, StatusCode::OK, "{waiting}");
        assert_eq!(waiting["appointment_status"], "screened");
        assert_eq!(waiting["episode_stage"], "at_assessment");
        assert_eq!(waiting["episode_end_code"], Value::Null);
        assert_eq!(
            waiting["assessment"]["record"]["outcome"]["outcome"],
            "awaiting_pathology"
        );
        let version = waiting["assessment"]["version"].as_i64().expect("version");
        let (_, list) = v1(
            &app,
            &office,
            Method::GET,
            "/assessment/awaiting-pathology",
            None,
        )
        .await;
        let listed = |list: &Value| {
            list["items"]
                .as_array()
                .expect("items")
                .iter()
                .any(|i| i["appointment_id"] == id.to_string())
        };
        assert!(listed(&list), "{list}");
        assert_eq!(list["items"][0]["days_waiting"], 0);
        let (_, list) = v1(
            &app,
            &other,
            Method::GET,
            "/assessment/awaiting-pathology",
            None,
        )
        .await;
        assert!(!listed(&list), "another provider's list");

        // The pathology outcome: invasive cancer, grade 2. Referred for treatment, no next test.
        let cancer = json!({
            "version": version,
            "right": work(true),
            "outcome": { "outcome": "cancer_diagnosed", "invasiveness": "invasive", "grade": "2" },
            "mdm": { "date": domain::dates::london_date(time::OffsetDateTime::now_utc()).to_string(), "outcome": "Wide local excision" },
        });
        let (status, closed) = v1(&app, &jane, Method::PUT, &path, Some(cancer.clone())).await;
        assert_eq!(status, StatusCode::OK, "{closed}");
        assert_eq!(closed["episode_stage"], "closed");
        assert_eq!(closed["episode_end_code"], "referred_for_treatment");
        assert_eq!(closed["next_test_due"], Value::Null);
        assert_eq!(closed["assessment"]["record"]["outcome"]["grade"], "2");
        let kinds = app.event_kinds_mentioning(&episode.to_string()).await;
        assert!(kinds.iter().any(|k| k == "episode.closed"), "{kinds:?}");
        assert_eq!(
            kinds
                .iter()
                .filter(|k| *k == "assessment.outcome_recorded")
                .count(),
            2,
            "{kinds:?}"
        );
        let (_, list) = v1(
            &app,
            &office,
            Method::GET,
            "/assessment/awaiting-pathology",
            None,
        )
        .await;
        assert!(!listed(&list), "no longer awaiting: {list}");

        // Under treatment now: the office cannot offer her a routine appointment.
        let (_, detail) = v1(
            &app,
            &office,
            Method::GET,
            &format!("/appointments/{id}"),
            None,
        )
        .await;
        let who = detail["participant"]["id"].as_str().expect("participant");
        let (status, screening) = v1(
            &app,
            &office,
            Method::GET,
            &format!("/participants/{who}/screening-status"),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{screening}");
        assert_eq!(screening["summary"], "Under treatment", "{screening}");
        // Her timeline shows both recordings of the assessment, then the closure.
        let (status, timeline) = v1(
            &app,
            &office,
            Method::GET,
            &format!("/participants/{who}/timeline"),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{timeline}");
        let ep = timeline["episodes"]
            .as_array()
            .and_then(|es| es.iter().find(|e| e["id"] == episode.to_string()))
            .expect("the episode on her timeline");
        let titles: Vec<&str> = ep["events"]
            .as_array()
            .expect("events")
            .iter()
            .filter(|e| e["kind"] == "assessment")
            .filter_map(|e| e["title"].as_str())
            .collect();
        assert_eq!(
            titles,
            [
                "Assessment: Awaiting pathology",
                "Assessment: Cancer diagnosed: Invasive, Grade 2"
            ],
            "{ep}"
        );
        assert_eq!(ep["end_code"], "referred_for_treatment");

        // Her results: the recall, then the assessment's. A correction of the end code
        // supersedes the latest result with a second version.
        let results_path = format!("/participants/{who}/results");
        let (_, results) = v1(&app, &office, Method::GET, &results_path, None).await;
        let mine = |rs: &Value| -> Vec<(String, String, i64)> {
            rs.as_array()
                .expect("results")
                .iter()
                .filter(|r| r["episode_id"] == episode.to_string())
                .map(|r| {
                    (
                        r["kind"].as_str().unwrap_or_default().to_owned(),
                        r["state"].as_str().unwrap_or_default().to_owned(),
                        r["version"].as_i64().unwrap_or_default(),
                    )
                })
                .collect()
        };
        let row = |k: &str, s: &str, v: i64| (k.to_owned(), s.to_owned(), v);
        assert_eq!(
            mine(&results),
            [
                row("referred_for_treatment", "current", 1),
                row("recall_for_assessment", "current", 1)
            ],
            "{backend:?} {results}"
        );
        let (status, corrected) = v1(
            &app,
            &office,
            Method::POST,
            &format!("/episodes/{episode}/end-code"),
            Some(json!({ "end_code": "referred_to_symptomatic", "reason": "MDM: benign, symptomatic clinic follow-up" })),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{corrected}");
        let (_, results) = v1(&app, &office, Method::GET, &results_path, None).await;
        assert_eq!(
            mine(&results),
            [
                row("referred_to_symptomatic", "current", 2),
                row("referred_for_treatment", "superseded", 1),
                row("recall_for_assessment", "current", 1)
            ],
            "{backend:?} {results}"
        );
        assert_eq!(results[0]["supersedes_id"], results[1]["id"], "{results}");
        let scope = app.provider("DMO1").await;
        let location = app.store.locations(scope).await.expect("locations")[0].id;
        let routine = app
            .store
            .create_clinic(
                scope,
                &store::Actor::system("test"),
                store::NewClinic {
                    location_id: location,
                    date: domain::dates::london_date(time::OffsetDateTime::now_utc())
                        + time::Duration::days(7),
                    session: domain::Session::AllDay,
                    clinic_type: domain::ClinicType::Screening,
                    risk_type: domain::RiskType::Routine,
                    starts_at: "09:00".to_owned(),
                    slot_minutes: 10,
                    slot_count: 2,
                },
            )
            .await
            .expect("routine clinic");
        let slot = app
            .store
            .free_slots(scope, routine.id)
            .await
            .expect("slots")[0]
            .0;
        let (status, refused) = v1(
            &app,
            &office,
            Method::POST,
            "/appointments",
            Some(json!({
                "clinic_id": routine.id, "slot_id": slot, "participant_id": who,
                "episode_type": "routine",
            })),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
        assert!(
            refused["errors"][0]["message"]
                .as_str()
                .unwrap_or_default()
                .contains("under treatment"),
            "{refused}"
        );

        // A closed episode's assessment is not edited.
        let (status, problem) = v1(&app, &jane, Method::PUT, &path, Some(cancer)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        assert!(
            problem["detail"]
                .as_str()
                .unwrap_or_default()
                .contains("closed"),
            "{problem}"
        );
    }
}

#[tokio::test]
async fn a_benign_outcome_closes_the_episode_for_routine_recall_and_screening_appointments_take_none()
 {
    for backend in BACKENDS {
        let app = spawn_on(backend).await;
        let jane = app.token(CLINICAL_A, "DMO1").await;
        let (id, _, screening) = at_assessment(&app).await;
        let body = json!({ "right": work(false), "outcome": { "outcome": "normal_benign" } });
        let (status, closed) = v1(
            &app,
            &jane,
            Method::PUT,
            &format!("/appointments/{id}/assessment"),
            Some(body.clone()),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{closed} {backend:?}");
        assert_eq!(closed["episode_stage"], "closed");
        assert_eq!(closed["episode_end_code"], "routine_recall");
        assert!(closed["next_test_due"].is_string(), "{closed}");
        assert_eq!(closed["appointment_status"], "screened");

        // A screening appointment takes no assessment record.
        let (status, problem) = v1(
            &app,
            &jane,
            Method::PUT,
            &format!("/appointments/{screening}/assessment"),
            Some(body),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        assert!(
            problem["detail"]
                .as_str()
                .unwrap_or_default()
                .contains("assessment clinic"),
            "{problem}"
        );
    }
}

#[tokio::test]
async fn the_pages_check_the_answers_confirm_the_outcome_and_show_a_banner() {
    let app = spawn().await;
    let (id, _, _) = at_assessment(&app).await;
    let jane = app.sign_in(CLINICAL_A).await;
    let page = app.get(&jane, &format!("/appointments/{id}")).await;
    assert!(
        page.text()
            .await
            .expect("body")
            .contains("Record assessment")
    );
    let path = format!("/appointments/{id}/assessment");
    let form = app.get(&jane, &path).await;
    assert_eq!(form.status(), StatusCode::OK);
    assert!(
        form.text()
            .await
            .expect("body")
            .contains("What is the outcome of the assessment?")
    );

    // A biopsy without its type, a cancer without its invasiveness: the form again, 422.
    let csrf = jane.csrf.as_str();
    let bad = app
        .post_form(
            &jane,
            &path,
            &[
                ("csrf_token", csrf),
                ("right_biopsy", "yes"),
                ("outcome", "cancer_diagnosed"),
            ],
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = bad.text().await.expect("body");
    assert!(html.contains("There is a problem"), "{html}");
    assert!(html.contains("Select the type of needle biopsy taken from the right breast"));
    assert!(html.contains("Select whether the cancer is invasive"));

    let answers = [
        ("csrf_token", csrf),
        ("right_examination", "yes"),
        ("left_examination", "yes"),
        ("outcome", "normal_benign"),
    ];
    let confirm = app.post_form(&jane, &path, &answers).await;
    assert_eq!(confirm.status(), StatusCode::OK);
    let html = confirm.text().await.expect("body");
    assert!(html.contains("Confirm the outcome"), "{html}");
    assert!(html.contains("Routine recall"), "{html}");
    let saved = app
        .post_form(&jane, &format!("{path}/confirm"), &answers)
        .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let shown = app.get(&jane, &format!("{path}?recorded=1")).await;
    let html = shown.text().await.expect("body");
    assert!(
        html.contains(
            "Assessment outcome recorded: Normal / benign. The episode is closed (Routine recall)"
        ),
        "{html}"
    );
    let list = app.get(&jane, "/assessment/awaiting-pathology").await;
    assert_eq!(list.status(), StatusCode::OK);
}
