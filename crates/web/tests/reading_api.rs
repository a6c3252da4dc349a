//! Image reading through the API, as a reader's script or another system would drive it.

mod common;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

const READER_A: &str = "olumide.adeyemi@example.nhs.uk";
const READER_B: &str = "priya.shah@example.nhs.uk";
const READER_C: &str = "daniel.osei@example.nhs.uk";
const OFFICE: &str = "karen.booth@example.nhs.uk";
/// A reader at Greater Manchester (DMO2), not at West Yorkshire.
const OTHER_PROVIDER_READER: &str = "aisha.rahman@example.nhs.uk";

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

/// Starts a session of `kind` and returns it with the case it offers first.
async fn session(app: &TestApp, token: &str, kind: &str) -> (String, Option<String>) {
    let (status, body) = call(
        app,
        token,
        Method::POST,
        "/reading/sessions",
        Some(json!({ "kind": kind, "size": 10 })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let sid = body["id"].as_str().expect("id").to_owned();
    let (status, next) = call(
        app,
        token,
        Method::POST,
        &format!("/reading/sessions/{sid}/next"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{next}");
    (sid, next["case_id"].as_str().map(str::to_owned))
}

async fn read(
    app: &TestApp,
    token: &str,
    sid: &str,
    case: &str,
    opinion: Value,
) -> (StatusCode, Value) {
    call(
        app,
        token,
        Method::POST,
        &format!("/reading/cases/{case}/reads"),
        Some(json!({ "session_id": sid, "opinion": opinion })),
    )
    .await
}

#[tokio::test]
async fn two_normal_reads_conclude_the_case_with_routine_recall_and_blinding_holds() {
    let app = spawn().await;
    let a = app.token(READER_A, "DMO1").await;
    let b = app.token(READER_B, "DMO1").await;
    let (sa, case) = session(&app, &a, "first_reads").await;
    let case = case.expect("a case to read");

    // An invalid opinion is refused field by field and changes nothing.
    let (status, problem) = read(
        &app,
        &a,
        &sa,
        &case,
        json!({ "opinion": "technical_recall", "views": [] }),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "views", "{problem}");
    let (status, problem) = read(&app, &a, &sa, &case, json!({ "opinion": "maybe" })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");

    let (status, first) = read(&app, &a, &sa, &case, json!({ "opinion": "normal" })).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    assert_eq!(first["slot"], "first");
    assert_eq!(first["state"], "awaiting_second_read");
    // The same reader cannot give the 2nd read.
    let (status, problem) = read(&app, &a, &sa, &case, json!({ "opinion": "normal" })).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(problem["detail"], "You have already read this case");

    let (sb, offered) = session(&app, &b, "second_reads").await;
    assert_eq!(offered.as_deref(), Some(case.as_str()));
    let (_, seen) = call(
        &app,
        &b,
        Method::GET,
        &format!("/reading/cases/{case}"),
        None,
    )
    .await;
    assert_eq!(seen["first_read_hidden"], true, "{seen}");
    assert_eq!(seen["reads"].as_array().map(Vec::len), Some(0));
    assert_eq!(seen["can_read"], json!({ "Ok": "second" }));

    let (status, second) = read(&app, &b, &sb, &case, json!({ "opinion": "normal" })).await;
    assert_eq!(status, StatusCode::CREATED, "{second}");
    assert_eq!(second["state"], "concluded");
    assert_eq!(second["outcome"], "routine_recall");
    let (_, seen) = call(
        &app,
        &b,
        Method::GET,
        &format!("/reading/cases/{case}"),
        None,
    )
    .await;
    assert_eq!(
        seen["reads"].as_array().map(Vec::len),
        Some(2),
        "both reads visible once both are in"
    );

    let participant = seen["case"]["participant_id"]
        .as_str()
        .expect("participant");
    let (_, episodes) = call(
        &app,
        &b,
        Method::GET,
        &format!("/participants/{participant}/episodes"),
        None,
    )
    .await;
    let concluded = episodes
        .as_array()
        .expect("episodes")
        .iter()
        .find(|e| e["id"] == seen["episode_id"])
        .expect("the case's episode");
    assert_eq!(concluded["outcome"], "routine_recall");
    assert_eq!(concluded["stage"], "closed");
    assert!(concluded["next_test_due"].is_string());
    assert_eq!(concluded["history"].as_array().map(Vec::len), Some(1));

    // Another provider's reader cannot see it.
    let other = app.token(OTHER_PROVIDER_READER, "DMO2").await;
    let (status, _) = call(
        &app,
        &other,
        Method::GET,
        &format!("/reading/cases/{case}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = read(
        &app,
        &other,
        &Uuid::now_v7().to_string(),
        &case,
        json!({ "opinion": "normal" }),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn discordant_reads_are_arbitrated_and_another_outcome_makes_the_result() {
    let app = spawn().await;
    let a = app.token(READER_A, "DMO1").await;
    let b = app.token(READER_B, "DMO1").await;
    let c = app.token(READER_C, "DMO1").await;
    let (sa, case) = session(&app, &a, "first_reads").await;
    let case = case.expect("case");
    read(&app, &a, &sa, &case, json!({ "opinion": "normal" })).await;
    let (sb, _) = session(&app, &b, "second_reads").await;
    let recall = json!({
        "opinion": "recall_for_assessment",
        "right": { "assessment": "abnormal", "annotations": [
            { "location": { "kind": "text", "text": "UOQ" }, "abnormality": "microcalcification", "concern": "3" }
        ] },
        "left": { "assessment": "normal" }
    });
    let (status, second) = read(&app, &b, &sb, &case, recall).await;
    assert_eq!(status, StatusCode::CREATED, "{second}");
    assert_eq!(second["state"], "awaiting_arbitration");

    let (sc, offered) = session(&app, &c, "arbitration").await;
    assert_eq!(offered.as_deref(), Some(case.as_str()));
    let a_id = app.store.user_by_email(READER_A).await.expect("a").id;
    let (status, done) = call(
        &app,
        &c,
        Method::POST,
        &format!("/reading/cases/{case}/arbitration"),
        Some(json!({
            "session_id": sc,
            "arbitrators": [a_id],
            "decision": { "decision": "other", "opinion": { "opinion": "technical_recall", "views": [
                { "view": "lcc", "reason": "image_blurred" }
            ] } }
        })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{done}");
    assert_eq!(done["outcome"], "technical_recall");
    let (_, outcomes) = call(&app, &c, Method::GET, "/reading/outcomes", None).await;
    let row = outcomes
        .as_array()
        .expect("outcomes")
        .iter()
        .find(|f| f["kind"] == "technical_recall")
        .expect("a technical recall to book");
    assert_eq!(row["details"], "LCC: Image blurred");
    let (_, seen) = call(
        &app,
        &c,
        Method::GET,
        &format!("/reading/cases/{case}"),
        None,
    )
    .await;
    assert_eq!(
        seen["arbitration"]["arbitrator_names"],
        json!(["Daniel Osei", "Dr Olumide Adeyemi"])
    );
}

#[tokio::test]
async fn holds_settings_and_permissions() {
    let app = spawn().await;
    let a = app.token(READER_A, "DMO1").await;
    let office = app.token(OFFICE, "DMO1").await;
    let jane = app.token(CLINICAL_A, "DMO1").await;

    // Without the Reader role there is no reading.
    let (status, _) = call(
        &app,
        &jane,
        Method::POST,
        "/reading/sessions",
        Some(json!({ "kind": "first_reads", "size": 10 })),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, problem) = call(
        &app,
        &a,
        Method::POST,
        "/reading/sessions",
        Some(json!({ "kind": "first_reads", "size": 12 })),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");

    let (sa, case) = session(&app, &a, "first_reads").await;
    let case = case.expect("case");
    let (status, problem) = call(
        &app,
        &a,
        Method::POST,
        &format!("/reading/cases/{case}/defer"),
        Some(json!({ "session_id": sa, "reason": " " })),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    let (status, _) = call(
        &app,
        &a,
        Method::POST,
        &format!("/reading/cases/{case}/defer"),
        Some(json!({ "session_id": sa, "reason": "LCC missing with no note" })),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, holds) = call(
        &app,
        &office,
        Method::GET,
        "/reading/holds?kind=deferred",
        None,
    )
    .await;
    assert_eq!(holds[0]["reason"], "LCC missing with no note", "{holds}");
    // A reader cannot unflag; the office can.
    let (status, _) = call(
        &app,
        &a,
        Method::POST,
        &format!("/reading/cases/{case}/unflag"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = call(
        &app,
        &office,
        Method::POST,
        &format!("/reading/cases/{case}/unflag"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    // Priors: held until received.
    let (status, _) = call(
        &app,
        &a,
        Method::POST,
        &format!("/reading/cases/{case}/priors"),
        Some(json!({ "reason": "Screened in Leeds private clinic 2023" })),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, problem) = call(
        &app,
        &office,
        Method::PUT,
        &format!("/reading/cases/{case}/priors-status"),
        Some(json!({ "status": "received" })),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    for to in ["requested", "received"] {
        let (status, problem) = call(
            &app,
            &office,
            Method::PUT,
            &format!("/reading/cases/{case}/priors-status"),
            Some(json!({ "status": to })),
        )
        .await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{to}: {problem}");
    }
    let (_, seen) = call(
        &app,
        &a,
        Method::GET,
        &format!("/reading/cases/{case}"),
        None,
    )
    .await;
    assert_eq!(seen["case"]["priors_status"], "received");
    assert!(seen["case"]["held"].is_null());

    // Settings: only the office administrator; bad values refused.
    let mut settings = call(&app, &office, Method::GET, "/reading/settings", None)
        .await
        .1;
    settings["blinded"] = json!(false);
    let (status, _) = call(
        &app,
        &a,
        Method::PUT,
        "/reading/settings",
        Some(settings.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let mut bad = settings.clone();
    bad["urgent_days"] = json!(9);
    let (status, problem) = call(&app, &office, Method::PUT, "/reading/settings", Some(bad)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    let (status, saved) = call(
        &app,
        &office,
        Method::PUT,
        "/reading/settings",
        Some(settings),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(saved["blinded"], false);

    let (status, perf) = call(
        &app,
        &office,
        Method::GET,
        "/reading/performance?who=office&period=365",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{perf}");
    assert!(perf["mammographers"].is_array());
    let (status, _) = call(
        &app,
        &office,
        Method::GET,
        "/reading/performance?period=9",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}
