//! The screening flow through the API, for tests that need an episode read: screen an
//! appointment to "Complete screening", find its reading case, read it twice.

use super::{TestApp, v1};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Two readers at DMO1 (West Yorkshire).
pub const READER_A: &str = "olumide.adeyemi@example.nhs.uk";
pub const READER_B: &str = "priya.shah@example.nhs.uk";

/// Runs appointment `id` through the workflow to "Complete screening" with `images` as
/// the images record; returns the status of the completion call and its body.
pub async fn screen(app: &TestApp, token: &str, id: &str, images: Value) -> (StatusCode, Value) {
    let appt = |path: &str| format!("/appointments/{id}{path}");
    let (status, body) = v1(
        app,
        token,
        Method::POST,
        &appt("/check-in"),
        Some(json!({})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "check in: {body}");
    let (status, body) = v1(
        app,
        token,
        Method::POST,
        &appt("/actions"),
        Some(json!({ "action": "start" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "start: {body}");
    let (_, wf) = v1(app, token, Method::GET, &appt("/workflow"), None).await;
    let (status, body) = v1(
        app,
        token,
        Method::POST,
        &appt("/identity"),
        Some(json!({ "expected_version": wf["appointment"]["version"] })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "identity: {body}");
    let medical = json!({
        "reviewed": ["mammogram_history", "medical_history", "symptoms", "breast_features",
                     "breast_density_factors", "other_medical_information"],
        "density": { "hrt_started_since_last_screening": "no", "pregnant_or_breastfeeding": "no" },
    });
    let (status, body) = v1(
        app,
        token,
        Method::PUT,
        &appt("/medical-information"),
        Some(json!({ "medical": medical, "expected_version": body["version"] })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "medical: {body}");
    let mut version = body["version"].clone();
    if images["standard_set"] == "no" {
        // On a recall "Yes, 2 CC and 2 MLO" is refused: it would record views not taken.
        let (status, problem) = v1(
            app,
            token,
            Method::PUT,
            &appt("/images"),
            Some(json!({ "record": { "standard_set": "yes" }, "expected_version": version })),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        assert!(
            problem
                .to_string()
                .contains("this recall asks only for RMLO"),
            "{problem}"
        );
    }
    let (status, body) = v1(
        app,
        token,
        Method::PUT,
        &appt("/images"),
        Some(json!({ "record": images, "expected_version": version })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "images: {body}");
    version = body["version"].clone();
    v1(
        app,
        token,
        Method::POST,
        &appt("/complete"),
        Some(json!({ "expected_version": version })),
    )
    .await
}

/// The reading case opened for appointment `id`.
pub async fn case_of(app: &TestApp, token: &str, id: &str) -> String {
    let (_, cases) = v1(
        app,
        token,
        Method::GET,
        "/reading/cases?state=awaiting_first_read",
        None,
    )
    .await;
    cases
        .as_array()
        .expect("cases")
        .iter()
        .find(|c| c["appointment_id"] == id)
        .and_then(|c| c["id"].as_str())
        .expect("a reading case was opened")
        .to_owned()
}

/// Two readers give `opinion`; returns the second read's answer.
pub async fn double_read(app: &TestApp, case: &str, opinion: Value) -> Value {
    let mut last = Value::Null;
    for reader in [READER_A, READER_B] {
        let token = app.token(reader, "DMO1").await;
        let (status, body) = v1(
            app,
            &token,
            Method::POST,
            &format!("/reading/cases/{case}/reads"),
            Some(json!({ "opinion": opinion })),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        last = body;
    }
    last
}
