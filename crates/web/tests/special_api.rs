//! Recording a special appointment, and where it shows.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn support_reasons_need_details_and_the_temporary_answer_then_show_wherever_the_participant_appears()
 {
    let app = spawn().await;
    let scope = app.provider("DMO1").await;
    let (appt, participant) = app.scheduled_appointment(scope).await;
    let token = app.token("karen.booth@example.nhs.uk", "DMO1").await;
    let path = app.url(&format!(
        "/api/v1/participants/{participant}/special-appointment"
    ));
    let put = |body: Value| app.client.put(&path).bearer_auth(&token).json(&body).send();

    let res = put(json!({ "reasons": [{ "reason": "vision", "details": " " }] }))
        .await
        .expect("PUT");
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem: Value = res.json().await.expect("json");
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert_eq!(fields, ["vision_details", "temporary"]);

    let res = put(json!({ "reasons": [{ "reason": "physical_restriction", "details": "Uses a wheelchair; needs a hoist" }], "temporary": false }))
        .await
        .expect("PUT");
    assert_eq!(res.status(), StatusCode::OK);

    let a = app
        .store
        .appointment(scope, appt)
        .await
        .expect("appointment");
    let rows = app
        .store
        .clinic_appointments(scope, a.clinic_id)
        .await
        .expect("rows");
    assert!(
        rows.iter()
            .find(|r| r.id == appt)
            .expect("row")
            .special_appointment,
        "tagged on the clinic page"
    );
    let browser = app.sign_in(CLINICAL_A).await;
    for page in [
        format!("/participants/{participant}"),
        format!("/appointments/{appt}"),
    ] {
        let html = app.get(&browser, &page).await.text().await.expect("body");
        assert!(
            html.contains("Uses a wheelchair; needs a hoist"),
            "warning on {page}"
        );
    }

    let res = put(json!({ "reasons": [] })).await.expect("PUT");
    assert_eq!(res.status(), StatusCode::OK);
    let rows = app
        .store
        .clinic_appointments(scope, a.clinic_id)
        .await
        .expect("rows");
    assert!(
        !rows
            .iter()
            .find(|r| r.id == appt)
            .expect("row")
            .special_appointment,
        "cleared"
    );
}
