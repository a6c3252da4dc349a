//! The dead-letter list of the outbox (ADR 18): system administrators only, as a page and
//! in the API, and described in the OpenAPI document.

mod common;

use common::{ADMIN, CLINICAL_A, spawn};
use reqwest::StatusCode;
use serde_json::Value;

#[tokio::test]
async fn only_system_administrators_see_and_retry_dead_deliveries() {
    let app = spawn().await;
    let client = reqwest::Client::new();
    let admin = app.token(ADMIN, "DMO1").await;
    let clinical = app.token(CLINICAL_A, "DMO1").await;

    let list = |token: String| {
        let client = client.clone();
        let url = app.url("/api/v1/outbox/dead-deliveries");
        async move {
            client
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .expect("GET")
        }
    };
    let res = list(admin.clone()).await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["items"], serde_json::json!([]), "{body}");
    assert_eq!(list(clinical.clone()).await.status(), StatusCode::FORBIDDEN);

    // Retrying a delivery that is not dead: not found, for the administrator only.
    let retry = app.url(&format!(
        "/api/v1/outbox/dead-deliveries/{}/gateway.reconcile/retry",
        uuid::Uuid::now_v7()
    ));
    let res = client
        .post(&retry)
        .bearer_auth(&admin)
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = client
        .post(&retry)
        .bearer_auth(&clinical)
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // The page.
    let jane = app.sign_in(CLINICAL_A).await;
    assert_eq!(
        app.get(&jane, "/admin/outbox").await.status(),
        StatusCode::FORBIDDEN
    );
    let mark = app.sign_in(ADMIN).await;
    let res = app.get(&mark, "/admin/outbox").await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.expect("html");
    assert!(html.contains("Undelivered events"), "{html}");
    assert!(html.contains("no-dead-deliveries"), "{html}");

    let doc: Value = client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .expect("openapi")
        .json()
        .await
        .expect("json");
    assert!(
        doc["paths"]["/outbox/dead-deliveries"]["get"].is_object(),
        "{}",
        doc["paths"]
    );
    assert!(
        doc["paths"]["/outbox/dead-deliveries/{event_id}/{subscriber}/retry"]["post"].is_object()
    );
}
