//! How results are coded in GP messages: a system administrator changes the mapping (a
//! SNOMED CT concept id with a valid check digit, and its name), the change is audited, and
//! results issued afterwards carry it while those issued before keep theirs.

mod common;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const OFFICE: &str = "karen.booth@example.nhs.uk";

/// Marks a scheduled appointment at a clinic that has started as "did not attend", which
/// issues a result; returns the participant.
async fn did_not_attend(app: &TestApp, office: &str, scope: store::Scope) -> uuid::Uuid {
    let (appointment, participant) = app.scheduled_appointment(scope).await;
    // Today's demo clinic has started, whatever the time the test runs.
    app.execute(&format!(
        "UPDATE clinics SET starts_at = '00:00' WHERE id = (SELECT clinic_id FROM appointments WHERE id = '{appointment}')"
    ))
    .await;
    let (status, body) = v1(
        app,
        office,
        Method::POST,
        &format!("/appointments/{appointment}/actions"),
        Some(json!({ "action": "did_not_attend" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    participant.uuid()
}

/// The participant's results, newest first.
async fn results(app: &TestApp, office: &str, participant: uuid::Uuid) -> Vec<Value> {
    let (status, body) = v1(
        app,
        office,
        Method::GET,
        &format!("/participants/{participant}/results"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body.as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn a_system_administrator_changes_a_result_code_and_only_later_results_carry_it() {
    for backend in BACKENDS {
        let app = spawn_on(backend).await;
        let admin = app.token(ADMIN, "DMO1").await;
        let office = app.token(OFFICE, "DMO1").await;

        // The reference's codes to begin with.
        let (status, codes) = v1(&app, &admin, Method::GET, "/result-codes", None).await;
        assert_eq!(status, StatusCode::OK, "{backend:?} {codes}");
        let normal = codes
            .as_array()
            .expect("codes")
            .iter()
            .find(|c| c["kind"] == "normal")
            .expect("normal")
            .clone();
        assert_eq!(normal["finding"]["code"], "171175005", "{normal}");
        assert_eq!(normal["changed"], false);

        // Office staff neither see nor change it.
        let (status, _) = v1(&app, &office, Method::GET, "/result-codes", None).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let body = json!({ "finding": { "code": "168749009", "display": "Mammography normal (finding)" } });
        let (status, _) = v1(
            &app,
            &office,
            Method::PUT,
            "/result-codes/normal",
            Some(body.clone()),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);

        // A mistyped id or a missing name is refused field by field, and changes nothing.
        for (bad, field) in [
            (
                json!({ "finding": { "code": "168749008", "display": "Mammography normal (finding)" } }),
                "finding_code",
            ),
            (
                json!({ "finding": { "code": "168749009", "display": " " } }),
                "finding_display",
            ),
        ] {
            let (status, problem) =
                v1(&app, &admin, Method::PUT, "/result-codes/normal", Some(bad)).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
            assert_eq!(problem["errors"][0]["field"], field, "{problem}");
        }
        let (status, _) = v1(
            &app,
            &admin,
            Method::PUT,
            "/result-codes/not_a_result",
            Some(body.clone()),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (_, codes) = v1(&app, &admin, Method::GET, "/result-codes", None).await;
        assert!(codes.to_string().contains("171175005"), "unchanged");

        // A did not attend result issued before the change keeps its coding.
        let scope = app.provider("DMO1").await;
        let participant = did_not_attend(&app, &office, scope).await;

        // "Did not attend" gets a procedure-free text-only coding changed to a finding code
        // (any valid concept will do for the test).
        let (status, changed) = v1(
            &app,
            &admin,
            Method::PUT,
            "/result-codes/did_not_attend",
            Some(body.clone()),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{changed}");
        assert_eq!(changed["finding"]["code"], "168749009");
        assert_eq!(changed["changed"], true);

        let issued = results(&app, &office, participant).await;
        assert_eq!(issued[0]["kind"], "did_not_attend", "{issued:?}");
        assert_eq!(
            issued[0]["finding"],
            Value::Null,
            "issued before the change: text only"
        );

        // One issued after the change carries the new code.
        let later = did_not_attend(&app, &office, scope).await;
        let issued = results(&app, &office, later).await;
        assert_eq!(issued[0]["kind"], "did_not_attend", "{issued:?}");
        assert_eq!(issued[0]["finding"]["code"], "168749009", "{issued:?}");
        // The earlier one still has none.
        assert_eq!(
            results(&app, &office, participant).await[0]["finding"],
            Value::Null
        );

        // The change is in the audit log.
        let audit = app
            .store
            .audit_entries(&store::AuditFilter {
                limit: 50,
                ..store::AuditFilter::default()
            })
            .await
            .expect("audit");
        assert!(
            audit.iter().any(|e| e.entity_type == "result_coding"),
            "{backend:?}: the change is audited"
        );
    }
}
