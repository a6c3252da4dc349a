//! Whole appointments through the API, as another system (or the benchmark) runs them.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use store::{Actor, SectionUpdate};
use uuid::Uuid;

struct Run<'a> {
    app: &'a TestApp,
    token: String,
    id: Uuid,
}

impl Run<'_> {
    async fn call(&self, method: reqwest::Method, path: &str, body: Value) -> (StatusCode, Value) {
        let res = self
            .app
            .client
            .request(
                method,
                self.app
                    .url(&format!("/api/v1/appointments/{}{path}", self.id)),
            )
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .expect("request");
        let status = res.status();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    async fn version(&self) -> i64 {
        let (_, wf) = self
            .call(reqwest::Method::GET, "/workflow", Value::Null)
            .await;
        wf["appointment"]["version"].as_i64().expect("version")
    }

    /// Check in, start, confirm identity, and mark the medical information reviewed.
    async fn up_to_images(&self) {
        let (s, b) = self
            .call(reqwest::Method::POST, "/check-in", json!({}))
            .await;
        assert_eq!(s, StatusCode::OK, "{b}");
        let (s, b) = self
            .call(
                reqwest::Method::POST,
                "/actions",
                json!({ "action": "start" }),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{b}");
        let v = self.version().await;
        let (s, b) = self
            .call(
                reqwest::Method::POST,
                "/identity",
                json!({ "expected_version": v }),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{b}");
        let scope = self.app.provider("DMO1").await;
        let jane = self
            .app
            .store
            .user_by_email(CLINICAL_A)
            .await
            .expect("jane");
        let actor = Actor {
            user_id: Some(jane.id),
            name: jane.name,
            provider_id: Some(scope.provider_id),
        };
        self.app
            .store
            .save_section(
                scope,
                &actor,
                self.id.into(),
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
    }
}

async fn run(app: &TestApp) -> Run<'_> {
    let scope = app.provider("DMO1").await;
    let (id, _) = app.scheduled_appointment(scope).await;
    Run {
        app,
        token: app.token(CLINICAL_A, "DMO1").await,
        id: id.uuid(),
    }
}

#[tokio::test]
async fn a_standard_set_ends_screened_with_its_exposure_record() {
    let app = spawn().await;
    let r = run(&app).await;
    r.up_to_images().await;
    let v = r.version().await;
    let (s, b) = r
        .call(
            reqwest::Method::POST,
            "/complete",
            json!({ "expected_version": v }),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "no images recorded yet: {b}");
    assert_eq!(
        b["type"],
        "https://screening.example.nhs.uk/problems/steps-incomplete"
    );

    let record = json!({ "standard_set": "yes" });
    let (s, b) = r
        .call(
            reqwest::Method::PUT,
            "/images",
            json!({ "record": record, "expected_version": v }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(
        (b["total_images"].as_u64(), b["final_status"].as_str()),
        (Some(4), Some("screened"))
    );
    let v = b["version"].as_i64().expect("version");
    let (s, b) = r
        .call(
            reqwest::Method::POST,
            "/complete",
            json!({ "expected_version": v }),
        )
        .await;
    assert_eq!(
        (s, b["status"].as_str()),
        (StatusCode::OK, Some("screened")),
        "{b}"
    );

    let (_, wf) = r.call(reqwest::Method::GET, "/workflow", Value::Null).await;
    let exposure = &wf["sections"]["exposure"]["data"];
    assert!(exposure.is_object(), "{}", wf["sections"]);
    assert_eq!(exposure["operators"][0], "Jane Hargreaves");
    assert_eq!(exposure["total_exposures"], 4);
    assert_eq!(wf["appointment"]["episode_stage"], "waiting_for_reading");
    // The screen now waits for its first read, within its reading window.
    let cases: Vec<Value> = app
        .client
        .get(app.url("/api/v1/reading/cases?state=awaiting_first_read"))
        .bearer_auth(&r.token)
        .send()
        .await
        .expect("GET")
        .json()
        .await
        .expect("json");
    let case = cases
        .iter()
        .find(|c| c["appointment_id"] == r.id.to_string())
        .expect("a reading case was opened");
    assert_eq!(case["due"], "on_time");
    assert_eq!(case["state"], "awaiting_first_read");
    // A completed appointment takes no more changes.
    let (s, _) = r
        .call(
            reqwest::Method::POST,
            "/complete",
            json!({ "expected_version": v + 1 }),
        )
        .await;
    assert_ne!(s, StatusCode::OK);
}

#[tokio::test]
async fn not_all_taken_with_recall_is_partially_screened_and_goes_on_the_recall_list() {
    let app = spawn().await;
    let r = run(&app).await;
    r.up_to_images().await;
    let v = r.version().await;
    let record = json!({
        "standard_set": "no",
        "counts": { "rcc": 1, "rmlo": 1, "lcc": 1, "lmlo": 0 },
        "not_all_taken": {
            "reasons": ["wheelchair_positioning"],
            "details": "Could not position for LMLO",
            "recall": { "decision": "recall", "timescale": "Within 2 weeks", "scheduling_note": "Book a hoist room" }
        }
    });
    let (s, b) = r
        .call(
            reqwest::Method::PUT,
            "/images",
            json!({ "record": record, "expected_version": v }),
        )
        .await;
    if s != StatusCode::OK {
        // The reason's stored value may differ: find it from the problem and fail clearly.
        panic!("images not saved: {b}");
    }
    assert_eq!(b["completeness"], "to_be_recalled");
    let (s, b) = r
        .call(
            reqwest::Method::POST,
            "/complete",
            json!({ "expected_version": b["version"] }),
        )
        .await;
    assert_eq!(
        (s, b["status"].as_str()),
        (StatusCode::OK, Some("partially_screened")),
        "{b}"
    );
    let list: Vec<Value> = app
        .client
        .get(app.url("/api/v1/follow-ups?kind=more_images"))
        .bearer_auth(&r.token)
        .send()
        .await
        .expect("GET")
        .json()
        .await
        .expect("json");
    let row = list
        .iter()
        .find(|f| f["appointment_id"] == r.id.to_string())
        .expect("recall request listed");
    assert_eq!(
        (row["timescale"].as_str(), row["note"].as_str()),
        (Some("Within 2 weeks"), Some("Book a hoist room"))
    );
}
