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
    assert_eq!(
        problem["detail"],
        "Your opinion of this case is final and cannot be changed"
    );

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
    assert_eq!(seen["can_read"], json!({ "slot": "second" }));

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

/// Sets the provider's finalisation delay (the office's administrator).
async fn set_delay(app: &TestApp, office: &str, minutes: u32) {
    let mut settings = call(app, office, Method::GET, "/reading/settings", None)
        .await
        .1;
    settings["finalisation_delay_minutes"] = json!(minutes);
    let (status, saved) = call(
        app,
        office,
        Method::PUT,
        "/reading/settings",
        Some(settings),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
}

fn recall_for_assessment() -> Value {
    json!({
        "opinion": "recall_for_assessment",
        "right": { "assessment": "abnormal", "annotations": [
            { "location": { "kind": "text", "text": "UOQ" }, "abnormality": "ill_defined_mass", "concern": "4" }
        ] },
        "left": { "assessment": "normal" }
    })
}

/// The test's own connection to the application's SQLite database, to stand in for the
/// passing of time (a minute is a long wait in a test).
async fn database(app: &TestApp) -> sqlx::SqliteConnection {
    use sqlx::ConnectOptions;
    let options: sqlx::sqlite::SqliteConnectOptions =
        format!("sqlite://{}/db.sqlite", app.dir.display())
            .parse()
            .expect("sqlite url");
    options
        .busy_timeout(std::time::Duration::from_secs(10))
        .connect()
        .await
        .expect("connect")
}

fn stamp(t: time::OffsetDateTime) -> String {
    let f = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
    );
    t.format(&f).expect("format")
}

#[tokio::test]
async fn blind_second_reader_sees_the_first_opinion_only_once_final_then_cannot_change() {
    let app = spawn().await;
    let a = app.token(READER_A, "DMO1").await;
    let b = app.token(READER_B, "DMO1").await;
    let office = app.token(OFFICE, "DMO1").await;
    set_delay(&app, &office, 60).await;

    let (sa, case) = session(&app, &a, "first_reads").await;
    let case = case.expect("a case to read");
    let (status, first) = read(&app, &a, &sa, &case, json!({ "opinion": "normal" })).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    let (_, done) = call(&app, &a, Method::POST, "/reading/finalise", None).await;
    assert_eq!(done["reads"], 1);

    let (sb, offered) = session(&app, &b, "second_reads").await;
    assert_eq!(offered.as_deref(), Some(case.as_str()));
    let (status, second) = read(&app, &b, &sb, &case, recall_for_assessment()).await;
    assert_eq!(status, StatusCode::CREATED, "{second}");
    assert_eq!(second["state"], "awaiting_finalisation");

    // B's read may still change: the 1st opinion stays hidden from B (and everyone else).
    let path = format!("/reading/cases/{case}");
    let (_, seen) = call(&app, &b, Method::GET, &path, None).await;
    assert_eq!(seen["first_read_hidden"], true, "{seen}");
    let reads = seen["reads"].as_array().expect("reads");
    assert_eq!(reads.len(), 1, "only B's own read: {seen}");
    assert_eq!(reads[0]["slot"], "second");
    assert_eq!(seen["can_change"], true);
    let (_, seen) = call(&app, &office, Method::GET, &path, None).await;
    assert_eq!(seen["first_read_hidden"], true, "{seen}");
    assert_eq!(seen["reads"].as_array().map(Vec::len), Some(0), "{seen}");
    // While blind, B may change their read.
    let (status, changed) = read(&app, &b, &sb, &case, recall_for_assessment()).await;
    assert_eq!(status, StatusCode::CREATED, "{changed}");

    // Finalised: now B sees the 1st opinion, and can no longer change theirs.
    let (_, done) = call(&app, &b, Method::POST, "/reading/finalise", None).await;
    assert_eq!(done["reads"], 1);
    let (_, seen) = call(&app, &b, Method::GET, &path, None).await;
    assert_eq!(seen["first_read_hidden"], false, "{seen}");
    assert_eq!(seen["reads"].as_array().map(Vec::len), Some(2), "{seen}");
    assert_eq!(seen["reads"][0]["opinion"]["opinion"], "normal");
    assert_eq!(seen["can_change"], false);
    let (status, problem) = read(&app, &b, &sb, &case, json!({ "opinion": "normal" })).await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert_eq!(
        problem["detail"],
        "Your opinion of this case is final and cannot be changed"
    );
    // The blind reads as given disagree: arbitration.
    let (_, seen) = call(&app, &b, Method::GET, &path, None).await;
    assert_eq!(seen["case"]["state"], "awaiting_arbitration", "{seen}");
    assert_eq!(
        seen["reads"][1]["opinion"]["opinion"],
        "recall_for_assessment"
    );
}

/// Runs a scheduled appointment today to "Complete screening" with a significant symptom
/// recorded (a lump), and returns its reading case.
async fn screened_with_symptoms(app: &TestApp) -> String {
    let scope = app.provider("DMO1").await;
    let (id, _) = app.scheduled_appointment(scope).await;
    let jane = app.token(CLINICAL_A, "DMO1").await;
    let appt = |path: &str| format!("/appointments/{id}{path}");
    let (status, body) = call(
        app,
        &jane,
        Method::POST,
        &appt("/check-in"),
        Some(json!({})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = call(
        app,
        &jane,
        Method::POST,
        &appt("/actions"),
        Some(json!({ "action": "start" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, wf) = call(app, &jane, Method::GET, &appt("/workflow"), None).await;
    let v = &wf["appointment"]["version"];
    let (status, body) = call(
        app,
        &jane,
        Method::POST,
        &appt("/identity"),
        Some(json!({ "expected_version": v })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let today = domain::dates::london_date(time::OffsetDateTime::now_utc()).to_string();
    let medical = json!({
        "symptoms": [{
            "item": { "kind": { "type": "lump" }, "area": "right", "started": "less_than_3_months" },
            "recorded_on": today, "confirmed": true,
        }],
        "reviewed": ["mammogram_history", "medical_history", "symptoms", "breast_features",
                     "breast_density_factors", "other_medical_information"],
        "density": { "hrt_started_since_last_screening": "no", "pregnant_or_breastfeeding": "no" },
    });
    let (status, body) = call(
        app,
        &jane,
        Method::PUT,
        &appt("/medical-information"),
        Some(json!({ "medical": medical, "expected_version": body["version"] })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = call(
        app,
        &jane,
        Method::PUT,
        &appt("/images"),
        Some(json!({ "record": { "standard_set": "yes" }, "expected_version": body["version"] })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = call(
        app,
        &jane,
        Method::POST,
        &appt("/complete"),
        Some(json!({ "expected_version": body["version"] })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, cases) = call(
        app,
        &jane,
        Method::GET,
        "/reading/cases?state=awaiting_first_read",
        None,
    )
    .await;
    cases
        .as_array()
        .expect("cases")
        .iter()
        .find(|c| c["appointment_id"] == id.to_string())
        .and_then(|c| c["id"].as_str())
        .expect("a reading case was opened")
        .to_owned()
}

#[tokio::test]
async fn a_plain_normal_opinion_of_significant_symptoms_is_refused_until_they_are_acknowledged() {
    let app = spawn().await;
    let a = app.token(READER_A, "DMO1").await;
    let case = screened_with_symptoms(&app).await;
    let reads = format!("/reading/cases/{case}/reads");

    let (status, problem) = call(
        &app,
        &a,
        Method::POST,
        &reads,
        Some(json!({ "opinion": { "opinion": "normal" } })),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(
        problem["errors"][0]["field"], "symptoms_acknowledged",
        "{problem}"
    );
    assert_eq!(
        problem["errors"][0]["message"],
        "Confirm that you have considered the symptoms the participant reported"
    );
    let (_, seen) = call(
        &app,
        &a,
        Method::GET,
        &format!("/reading/cases/{case}"),
        None,
    )
    .await;
    assert_eq!(
        seen["case"]["state"], "awaiting_first_read",
        "nothing saved"
    );
    assert_eq!(seen["reads"].as_array().map(Vec::len), Some(0));

    let (status, recorded) = call(
        &app,
        &a,
        Method::POST,
        &reads,
        Some(json!({ "opinion": { "opinion": "normal", "symptoms_acknowledged": true } })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{recorded}");
    let (_, seen) = call(
        &app,
        &a,
        Method::GET,
        &format!("/reading/cases/{case}"),
        None,
    )
    .await;
    assert_eq!(
        seen["reads"][0]["opinion"],
        json!({ "opinion": "normal", "symptoms_acknowledged": true }),
        "the acknowledgement is stored with the read"
    );
}

#[tokio::test]
async fn the_reading_page_asks_for_the_symptoms_acknowledgement_on_a_plain_normal() {
    let app = spawn().await;
    let case = screened_with_symptoms(&app).await;
    let reader = app.sign_in(READER_A).await;
    let res = app
        .post_form(
            &reader,
            "/reading/sessions",
            &[
                ("csrf_token", reader.csrf.as_str()),
                ("kind", "first_reads"),
                ("size", "10"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let token = app.token(READER_A, "DMO1").await;
    let sid = {
        let user = app.store.user_by_email(READER_A).await.expect("user");
        let scope = app.provider("DMO1").await;
        app.store
            .open_session(scope, user.id)
            .await
            .expect("session")
            .expect("an open session")
    };
    let base = format!("/reading/sessions/{sid}/cases/{case}");
    let res = app
        .post_form(
            &reader,
            &format!("{base}/opinion"),
            &[("csrf_token", reader.csrf.as_str()), ("opinion", "normal")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let confirm = format!("{base}/opinion/confirm");
    let page = app.get(&reader, &confirm).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.expect("html");
    assert!(
        html.contains("I have considered the symptoms the participant reported"),
        "{html}"
    );
    assert!(
        !html.contains("nhsuk-error-summary"),
        "no error before the reader answers"
    );

    // Confirmed without the box ticked: refused with the error, nothing recorded.
    let res = app
        .post_form(&reader, &confirm, &[("csrf_token", reader.csrf.as_str())])
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.expect("html");
    assert!(html.contains("nhsuk-error-summary"), "{html}");
    assert!(html.contains(
        "href=\"#symptoms_acknowledged\">Confirm that you have considered the symptoms the participant reported"
    ));
    let (_, seen) = call(
        &app,
        &token,
        Method::GET,
        &format!("/reading/cases/{case}"),
        None,
    )
    .await;
    assert_eq!(seen["reads"].as_array().map(Vec::len), Some(0));

    // Ticked: recorded with the acknowledgement.
    let res = app
        .post_form(
            &reader,
            &confirm,
            &[
                ("csrf_token", reader.csrf.as_str()),
                ("symptoms_acknowledged", "yes"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, seen) = call(
        &app,
        &token,
        Method::GET,
        &format!("/reading/cases/{case}"),
        None,
    )
    .await;
    assert_eq!(
        seen["reads"][0]["opinion"]["symptoms_acknowledged"], true,
        "{seen}"
    );
}

#[tokio::test]
async fn an_assessment_referral_reaches_the_office_when_due_without_anyone_opening_reading() {
    let app = spawn_with(|c| c.reading_settle_interval = std::time::Duration::from_secs(1)).await;
    let a = app.token(READER_A, "DMO1").await;
    let b = app.token(READER_B, "DMO1").await;
    let office = app.token(OFFICE, "DMO1").await;
    set_delay(&app, &office, 1).await;
    let (sa, case) = session(&app, &a, "first_reads").await;
    let case = case.expect("case");
    read(&app, &a, &sa, &case, recall_for_assessment()).await;
    call(&app, &a, Method::POST, "/reading/finalise", None).await;
    let (sb, _) = session(&app, &b, "second_reads").await;
    let (status, second) = read(&app, &b, &sb, &case, recall_for_assessment()).await;
    assert_eq!(status, StatusCode::CREATED, "{second}");
    assert_eq!(second["state"], "awaiting_finalisation");
    let referrals = |outcomes: &Value| {
        outcomes
            .as_array()
            .expect("outcomes")
            .iter()
            .filter(|f| f["kind"] == "assessment_referral")
            .count()
    };
    let (_, outcomes) = call(&app, &office, Method::GET, "/reading/outcomes", None).await;
    let before = referrals(&outcomes);

    // A minute passes: the 2nd read's delay runs out (moved back in the database).
    let mut db = database(&app).await;
    let past = time::OffsetDateTime::now_utc() - time::Duration::minutes(2);
    sqlx::query("UPDATE reads SET given_at = ?1 WHERE case_id = ?2")
        .bind(stamp(past))
        .bind(&case)
        .execute(&mut db)
        .await
        .expect("move the reads back");
    sqlx::query("UPDATE reading_cases SET finalises_at = ?1 WHERE id = ?2")
        .bind(stamp(past + time::Duration::minutes(1)))
        .bind(&case)
        .execute(&mut db)
        .await
        .expect("move the case back");

    // Nobody opens a reading page: only the office's list is looked at.
    let mut found = false;
    for _ in 0..50 {
        let (_, outcomes) = call(&app, &office, Method::GET, "/reading/outcomes", None).await;
        if referrals(&outcomes) == before + 1 {
            found = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert!(
        found,
        "the referral appears on the office's list within seconds"
    );
    let (_, seen) = call(
        &app,
        &office,
        Method::GET,
        &format!("/reading/cases/{case}"),
        None,
    )
    .await;
    assert_eq!(seen["case"]["state"], "concluded");
    assert_eq!(seen["case"]["outcome"], "recall_for_assessment");
}

#[tokio::test]
async fn the_office_sees_every_overdue_case_and_who_holds_it() {
    let app = spawn().await;
    let a = app.token(READER_A, "DMO1").await;
    let office = app.token(OFFICE, "DMO1").await;

    // A reader defers one case and asks for priors on another.
    let (sa, deferred) = session(&app, &a, "first_reads").await;
    let deferred = deferred.expect("case");
    let (status, _) = call(
        &app,
        &a,
        Method::POST,
        &format!("/reading/cases/{deferred}/defer"),
        Some(json!({ "session_id": sa, "reason": "Images look swapped" })),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, priors) = call(
        &app,
        &a,
        Method::POST,
        &format!("/reading/sessions/{sa}/next"),
        None,
    )
    .await;
    let priors = priors["case_id"].as_str().expect("case").to_owned();
    let (status, _) = call(
        &app,
        &a,
        Method::POST,
        &format!("/reading/cases/{priors}/priors"),
        Some(json!({ "session_id": sa, "reason": "Screened in Leeds 2024" })),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, claimed) = call(
        &app,
        &a,
        Method::POST,
        &format!("/reading/sessions/{sa}/next"),
        None,
    )
    .await;
    let claimed = claimed["case_id"].as_str().expect("case").to_owned();

    // Three weeks pass for every case (screening dates moved back in the database).
    let mut db = database(&app).await;
    let long_ago =
        domain::dates::london_date(time::OffsetDateTime::now_utc()) - time::Duration::days(21);
    sqlx::query("UPDATE reading_cases SET screened_on = ?1 WHERE concluded_at IS NULL")
        .bind(long_ago.to_string())
        .execute(&mut db)
        .await
        .expect("move back");

    let (status, overdue) = call(&app, &office, Method::GET, "/reading/overdue", None).await;
    assert_eq!(status, StatusCode::OK, "{overdue}");
    let rows = overdue.as_array().expect("rows");
    let row = |id: &str| {
        rows.iter()
            .find(|r| r["id"] == id)
            .unwrap_or_else(|| panic!("{id} is listed: {overdue}"))
    };
    assert_eq!(row(&deferred)["holder"], "deferred");
    assert_eq!(row(&deferred)["held_by"], "Dr Olumide Adeyemi");
    assert_eq!(row(&priors)["holder"], "awaiting_priors");
    assert_eq!(row(&priors)["held_by"], "Dr Olumide Adeyemi");
    assert_eq!(row(&claimed)["holder"], "claimed");
    assert_eq!(row(&claimed)["held_by"], "Dr Olumide Adeyemi");
    assert_eq!(row(&claimed)["days_past_window"], 7);
    assert!(
        rows.iter()
            .any(|r| r["holder"] == "queue" && r["held_by"].is_null())
    );
    // The dashboard counts them, held ones included.
    let (_, counts) = call(&app, &office, Method::GET, "/reading/dashboard", None).await;
    assert_eq!(
        counts["overdue"].as_u64(),
        Some(rows.len() as u64),
        "{counts}"
    );
    assert!(counts["deferred"].as_i64() >= Some(1));
    // Another provider sees none of them.
    let other = app.token(OTHER_PROVIDER_READER, "DMO2").await;
    let (_, theirs) = call(&app, &other, Method::GET, "/reading/overdue", None).await;
    assert!(
        theirs
            .as_array()
            .expect("rows")
            .iter()
            .all(|r| rows.iter().all(|mine| mine["id"] != r["id"]))
    );

    // The office's page lists them from the reading dashboard.
    let browser = app.sign_in(OFFICE).await;
    let dashboard = app
        .get(&browser, "/reading")
        .await
        .text()
        .await
        .expect("html");
    assert!(
        dashboard.contains("href=\"/reading/overdue\""),
        "{dashboard}"
    );
    let page = app.get(&browser, "/reading/overdue").await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.expect("html");
    assert!(html.contains("Deferred by Dr Olumide Adeyemi"), "{html}");
    assert!(html.contains("Awaiting prior mammograms requested by Dr Olumide Adeyemi"));
    assert!(html.contains("Claimed by Dr Olumide Adeyemi"));
}

#[tokio::test]
async fn reading_pages_whose_path_names_nothing_are_not_found_pages() {
    let app = spawn().await;
    let reader = app.sign_in(READER_A).await;
    let (sid, cid) = (Uuid::now_v7(), Uuid::now_v7());
    for path in [
        format!("/reading/sessions/not-a-uuid/cases/{cid}"),
        format!("/reading/sessions/{sid}/cases/not-a-uuid"),
        format!("/reading/sessions/{sid}/cases/{cid}/nobody/confirm"),
        format!("/reading/sessions/{sid}/cases/{cid}/opinion/annotations/middle"),
        "/reading/sessions/not-a-uuid".to_owned(),
    ] {
        let res = app.get(&reader, &path).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
        let html = res.text().await.expect("html");
        assert!(html.contains("Page not found"), "{path}: {html}");
    }
}
