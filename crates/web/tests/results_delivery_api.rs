//! Results reach the participant and her GP practice (issue 13), end to end on SQLite and
//! PostgreSQL, with NHS England's mesh-sandbox as the practice's MESH: a double-read
//! normal episode gives a letter in the day's print batch (read back by `pdftotext`) and
//! a FHIR message in the practice's inbox (valid by `fhir.resources`) with her NHS number
//! and the SNOMED CT code. MESH down during sending: retried, and it arrives exactly
//! once. The practice acknowledges it, and the service shows it acknowledged.

mod common;

use common::flow::{case_of, double_read, screen};
use common::*;
use mesh::sandbox::{PASSWORD, RECEIVER, SENDER, SHARED_KEY, Sandbox, WORKFLOW};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::process::Command;

const OFFICE: &str = "karen.booth@example.nhs.uk";
const OTHER_OFFICE: &str = "grace.okafor@example.nhs.uk";

fn settings(sandbox: &Sandbox, dir: &std::path::Path) -> delivery::Settings {
    let mut s = delivery::Settings::local(dir);
    s.mesh = Some(delivery::MeshSettings {
        url: sandbox.url(),
        mailbox_id: SENDER.to_owned(),
        password: PASSWORD.to_owned(),
        shared_key: SHARED_KEY.to_owned(),
        workflow_id: WORKFLOW.to_owned(),
        // Small chunks, so the message (with its PDF) goes in several.
        chunk_size: 16 * 1024,
    });
    s
}

/// The participant's delivery on `channel`.
async fn delivery_of(app: &TestApp, token: &str, participant: &str, channel: &str) -> Value {
    let (status, list) = v1(
        app,
        token,
        Method::GET,
        &format!("/participants/{participant}/deliveries"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list.as_array()
        .expect("deliveries")
        .iter()
        .find(|d| d["channel"] == channel)
        .cloned()
        .unwrap_or_else(|| panic!("no {channel} in {list}"))
}

async fn state_of(app: &TestApp, token: &str, id: &str) -> Value {
    let (status, d) = v1(app, token, Method::GET, &format!("/deliveries/{id}"), None).await;
    assert_eq!(status, StatusCode::OK, "{d}");
    d
}

fn pdftotext(path: &std::path::Path) -> String {
    let out = Command::new("pdftotext")
        .arg(path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils): run scripts/install-test-deps.sh");
    assert!(
        out.status.success(),
        "pdftotext failed on {}",
        path.display()
    );
    String::from_utf8_lossy(&out.stdout).replace(char::is_whitespace, " ")
}

fn validate_fhir(path: &std::path::Path) {
    let root = repo_root();
    let out = Command::new(root.join(".venv/bin/python"))
        .arg(root.join("scripts/fhir/validate.py"))
        .arg(path)
        .output()
        .expect("the project's .venv: run scripts/install-test-deps.sh");
    assert!(
        out.status.success(),
        "not valid FHIR: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn a_normal_result_reaches_the_print_batch_and_the_practice_once_and_is_acknowledged() {
    for backend in BACKENDS {
        let mut sandbox = Sandbox::start().await;
        let dir = std::env::temp_dir().join(format!("results-e2e-{}", uuid::Uuid::now_v7()));
        let config = settings(&sandbox, &dir);
        let app = spawn_on_with(backend, |c| c.results = config.clone()).await;
        let transport = delivery::worker::transport(&config).expect("transport");
        let scope = app.provider("DMO1").await;
        let office = app.token(OFFICE, "DMO1").await;

        // Her practice is on MESH (the sandbox's organisation X26).
        let (appointment, participant) = app.scheduled_appointment(scope).await;
        app.execute(&format!(
            "UPDATE participants SET gp_practice_code = 'X26' WHERE id = '{participant}'"
        ))
        .await;
        let her = app
            .store
            .participant(scope, participant)
            .await
            .expect("participant");
        let (participant, appointment) = (participant.to_string(), appointment.to_string());

        // Screened and read normal twice: the episode closes with a normal result.
        let jane = app.token(CLINICAL_A, "DMO1").await;
        let (status, body) =
            screen(&app, &jane, &appointment, json!({ "standard_set": "yes" })).await;
        assert_eq!(status, StatusCode::OK, "{backend:?} complete: {body}");
        let case = case_of(&app, &jane, &appointment).await;
        let second = double_read(&app, &case, json!({ "opinion": "normal" })).await;
        assert_eq!(second["outcome"], "routine_recall", "{second}");

        let letter = delivery_of(&app, &office, &participant, "letter").await;
        let gp = delivery_of(&app, &office, &participant, "gp_message").await;
        assert_eq!(letter["state"], "queued", "{letter}");
        assert_eq!(gp["state"], "queued", "{gp}");
        assert_eq!(gp["result_kind"], "normal");
        let gp_id = gp["id"].as_str().expect("id").to_owned();

        // MESH is down: the message waits to be tried again.
        sandbox.stop();
        delivery::send::send_due(&app.store, &transport, 500)
            .await
            .expect("send");
        let d = state_of(&app, &office, &gp_id).await;
        assert_eq!(d["delivery"]["state"], "retrying", "{backend:?} {d}");
        assert_eq!(d["delivery"]["attempts"], 1);

        // Back up; its time to try again has come.
        sandbox.restart().await;
        app.execute(&format!(
            "UPDATE result_deliveries SET next_attempt_at = '2000-01-01T00:00:00.000000Z' WHERE id = '{gp_id}'"
        ))
        .await;
        delivery::send::send_due(&app.store, &transport, 500)
            .await
            .expect("send");
        let d = state_of(&app, &office, &gp_id).await;
        assert_eq!(d["delivery"]["state"], "sent", "{backend:?} {d}");
        // Nothing left to send: a second run sends nothing again.
        let again = delivery::send::send_due(&app.store, &transport, 500)
            .await
            .expect("send");
        assert_eq!(again.sent, 0, "{again:?}");

        // The practice's inbox holds it exactly once: her NHS number, the normal code.
        let practice = sandbox.client(RECEIVER);
        let inbox = practice.inbox().await.expect("inbox");
        let mut ours = Vec::new();
        for id in &inbox {
            let m = practice.download(id).await.expect("download");
            if m.local_id.as_deref() == Some(gp_id.as_str()) {
                ours.push((id.clone(), m));
            }
        }
        assert_eq!(
            ours.len(),
            1,
            "{backend:?}: exactly once, not {}",
            ours.len()
        );
        let (message_id, message) = ours.remove(0);
        assert_eq!(message.workflow_id, WORKFLOW);
        let summary = gp_message::summarise(&message.body).expect("our result message");
        assert_eq!(summary.nhs_number, her.nhs_number);
        assert_eq!(summary.finding_code.as_deref(), Some("171175005"));
        assert_eq!(summary.bundle_id.to_string(), gp_id);
        std::fs::create_dir_all(&dir).expect("dir");
        let bundle_file = dir.join("received.json");
        std::fs::write(&bundle_file, &message.body).expect("write");
        validate_fhir(&bundle_file);

        // The practice takes it and its system acknowledges it.
        practice
            .acknowledge(&message_id)
            .await
            .expect("acknowledge");
        let ack = gp_message::business_ack(
            summary.bundle_id,
            &gp_message::Organisation {
                ods_code: "X26".into(),
                name: "Test practice".into(),
            },
            &gp_message::Organisation {
                ods_code: "DMO1".into(),
                name: "West Yorkshire Breast Screening".into(),
            },
            gp_message::AckCode::Ok,
            uuid::Uuid::now_v7(),
            time::OffsetDateTime::now_utc(),
        );
        let ack = ack.to_string();
        practice
            .send(&mesh::OutgoingMessage {
                to: SENDER,
                workflow_id: WORKFLOW,
                subject: "Acknowledgement",
                local_id: "ack-1",
                file_name: "ack.json",
                content_type: "application/fhir+json",
                body: ack.as_bytes(),
            })
            .await
            .expect("the practice answers");
        let client = config.mesh_client().expect("client").expect("mesh");
        let report = delivery::acks::poll(&app.store, &client)
            .await
            .expect("poll");
        assert!(report.acknowledged >= 1, "{report:?}");
        let d = state_of(&app, &office, &gp_id).await;
        assert_eq!(d["delivery"]["state"], "acknowledged", "{backend:?} {d}");
        let states: Vec<&str> = d["history"]
            .as_array()
            .expect("history")
            .iter()
            .filter_map(|h| h["state"].as_str())
            .collect();
        assert_eq!(states, ["queued", "retrying", "sent", "acknowledged"]);

        // The day's print batch holds her letter: a PDF a reader can read, and a manifest.
        let (status, batch) = v1(&app, &office, Method::POST, "/print-batches", None).await;
        assert_eq!(status, StatusCode::CREATED, "{batch}");
        let file = batch["file_name"].as_str().expect("file");
        let pdf = config.print_dir.join("DMO1").join(file);
        let text = pdftotext(&pdf);
        assert!(text.contains(&her.first_name) && text.contains(&her.last_name));
        let spaced = format!(
            "{} {} {}",
            &her.nhs_number[..3],
            &her.nhs_number[3..6],
            &her.nhs_number[6..]
        );
        assert!(text.contains(&spaced), "NHS number {spaced} in the letter");
        assert!(text.contains("no signs of cancer"), "the normal wording");
        let manifest: Value = serde_json::from_slice(
            &std::fs::read(
                config
                    .print_dir
                    .join("DMO1")
                    .join(format!("{file}.manifest.json")),
            )
            .expect("manifest"),
        )
        .expect("json");
        assert_eq!(manifest["count"], batch["letter_count"]);
        assert_eq!(manifest["sha256"], batch["sha256"]);
        let d = state_of(&app, &office, letter["id"].as_str().expect("id")).await;
        assert_eq!(d["delivery"]["state"], "printed", "{d}");

        // The office previews the letter (audited); another provider sees nothing of it.
        let res = app
            .client
            .get(app.url(&format!(
                "/api/v1/deliveries/{}/letter",
                letter["id"].as_str().unwrap_or_default()
            )))
            .bearer_auth(&office)
            .send()
            .await
            .expect("preview");
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(
            res.headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok()),
            Some("application/pdf")
        );
        assert!(res.bytes().await.expect("pdf").starts_with(b"%PDF"));
        let other = app.token(OTHER_OFFICE, "DMO2").await;
        let (status, _) = v1(
            &app,
            &other,
            Method::GET,
            &format!("/deliveries/{gp_id}"),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = v1(
            &app,
            &other,
            Method::GET,
            &format!("/participants/{participant}/deliveries"),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        // The day's count reconciles: every result has its letter and its GP message.
        let (status, count) = v1(&app, &office, Method::GET, "/results/reconciliation", None).await;
        assert_eq!(status, StatusCode::OK, "{count}");
        assert!(count["results"].as_i64().unwrap_or(0) >= 1, "{count}");
        assert_eq!(count["without_letter"], 0, "{count}");
        assert_eq!(count["without_gp_message"], 0, "{count}");
        let (status, problem) = v1(
            &app,
            &office,
            Method::GET,
            "/results/reconciliation?date=7 December",
            None,
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
