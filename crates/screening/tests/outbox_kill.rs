//! The outbox kill test (issue 11, ADR 18): the real `screening serve` is killed (SIGKILL)
//! after a change has committed and before its after-commit reaction was delivered; once
//! started again, the reaction happens, exactly once.
//!
//! The change: undoing a cancellation, whose reaction (`follow_ups.cancel_on_undo`, after
//! the commit) cancels the reschedule request the cancellation raised. The first start
//! holds every delivery (`SCREENING_OUTBOX_HOLD_FOR_TESTS`), which is exactly the state a
//! crash between the commit and the delivery leaves behind.

use domain::{AppointmentAction, AppointmentStatus, ClinicTab, Role};
use serde_json::{Value, json};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use store::{Actor, Finish, NewFollowUp, Scope, Store};
use uuid::Uuid;

/// A running `screening serve`, killed with SIGKILL when dropped.
struct Service {
    child: Child,
    base: String,
}

impl Service {
    fn start(database_url: &str, dir: &Path, hold: bool) -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let log = std::fs::File::create(dir.join(format!("serve-{port}.log"))).expect("log file");
        let mut command = Command::new(env!("CARGO_BIN_EXE_screening"));
        command
            .arg("serve")
            .arg("--bind")
            .arg(format!("127.0.0.1:{port}"))
            .env("DATABASE_URL", database_url)
            .env_remove("DATABASE_SCHEMA")
            .env_remove("DEMO_MODE")
            .env("RUST_LOG", "info,sqlx=warn")
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log);
        if hold {
            command.env("SCREENING_OUTBOX_HOLD_FOR_TESTS", "true");
        } else {
            command.env_remove("SCREENING_OUTBOX_HOLD_FOR_TESTS");
        }
        let child = command.spawn().expect("starting screening serve");
        Service {
            child,
            base: format!("http://127.0.0.1:{port}"),
        }
    }

    async fn ready(&self, client: &reqwest::Client) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(r) = client
                .get(format!("{}/api/v1/openapi.json", self.base))
                .send()
                .await
                && r.status().is_success()
            {
                return;
            }
            assert!(Instant::now() < deadline, "the service did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// SIGKILL: no shutdown, no flushing, nothing after the last commit.
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        self.kill();
    }
}

struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

async fn follow_up(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    id: impl std::fmt::Display,
) -> Value {
    let r = client
        .get(format!("{base}/api/v1/follow-ups/{id}"))
        .bearer_auth(token)
        .send()
        .await
        .expect("GET follow-up");
    assert!(r.status().is_success(), "GET follow-up: {}", r.status());
    r.json().await.expect("follow-up JSON")
}

fn cancellations(detail: &Value) -> Vec<Value> {
    detail["history"]
        .as_array()
        .map(|h| {
            h.iter()
                .filter(|c| c["status"] == "cancelled")
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outbox_kill_between_commit_and_delivery_then_restart_delivers_exactly_once() {
    let dir =
        TempDir(std::env::temp_dir().join(format!("outbox-kill-{}", Uuid::now_v7().simple())));
    std::fs::create_dir_all(&dir.0).expect("temp dir");
    let database_url = format!("sqlite://{}?mode=rwc", dir.0.join("screening.db").display());

    // Demo data, one upcoming appointment cancelled with a reschedule request, and a token.
    let today = domain::dates::london_date(time::OffsetDateTime::now_utc());
    let store = Store::open(&database_url).await.expect("store");
    demo::load(&store, today).await.expect("demo data");
    let provider = store.provider_by_code("DMO1").await.expect("DMO1");
    let scope = Scope {
        provider_id: provider.id,
    };
    let mut appointment = None;
    for clinic in store
        .clinics(scope, ClinicTab::Upcoming, today)
        .await
        .expect("clinics")
    {
        let rows = store
            .clinic_appointments(scope, clinic.id)
            .await
            .expect("appointments");
        if let Some(row) = rows
            .iter()
            .find(|r| r.status == AppointmentStatus::Scheduled)
        {
            appointment = Some(row.id);
            break;
        }
    }
    let appointment = appointment.expect("a scheduled appointment in an upcoming clinic");
    let office = Actor::system("outbox kill test");
    let version = store
        .appointment(scope, appointment)
        .await
        .expect("appointment")
        .version;
    store
        .finish_appointment(
            scope,
            &office,
            appointment,
            version,
            Finish {
                action: AppointmentAction::Cancel,
                episode_outcome: None,
                episode_stage: None,
                follow_up: Some(NewFollowUp {
                    kind: "reschedule",
                    timescale: "Within 6 weeks".to_owned(),
                    note: "Unable to attend".to_owned(),
                    views: Vec::new(),
                }),
                record: None,
                tally: None,
            },
        )
        .await
        .expect("cancel");
    let request = store
        .follow_ups(scope, "reschedule")
        .await
        .expect("requests")
        .into_iter()
        .find(|f| f.appointment_id == appointment)
        .expect("the reschedule request")
        .id;
    let token = store
        .create_api_token(
            &office,
            provider.id,
            None,
            "outbox-kill-test",
            &[Role::Administrative],
        )
        .await
        .expect("token");
    store.close().await;

    let client = reqwest::Client::new();

    // First start: the undo commits; its reaction is held, then the process is killed.
    let mut first = Service::start(&database_url, &dir.0, true);
    first.ready(&client).await;
    let r = client
        .post(format!(
            "{}/api/v1/appointments/{appointment}/actions",
            first.base
        ))
        .bearer_auth(&token)
        .json(&json!({ "action": "undo_cancel" }))
        .send()
        .await
        .expect("undo");
    let status = r.status();
    let body: Value = r.json().await.unwrap_or_default();
    assert!(status.is_success(), "undo_cancel: {status} {body}");
    assert_eq!(body["status"], "scheduled", "{body}");
    let before = follow_up(&client, &first.base, &token, request).await;
    assert_eq!(
        before["status"], "open",
        "not delivered before the kill: {before}"
    );
    first.kill();

    // Second start: the dispatcher finds the delivery and runs it.
    let second = Service::start(&database_url, &dir.0, false);
    second.ready(&client).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    let delivered = loop {
        let detail = follow_up(&client, &second.base, &token, request).await;
        if detail["status"] == "cancelled" {
            break detail;
        }
        assert!(
            Instant::now() < deadline,
            "the reaction was never delivered after the restart: {detail}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    // Exactly once in effect, in the name of whoever made the change, and it stays so.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let after = follow_up(&client, &second.base, &token, request).await;
    for detail in [&delivered, &after] {
        let cancelled = cancellations(detail);
        assert_eq!(cancelled.len(), 1, "{detail}");
        assert_eq!(cancelled[0]["changed_by_name"], "API: outbox-kill-test");
        assert_eq!(
            cancelled[0]["reason"], "The appointment's outcome was undone",
            "{detail}"
        );
    }
    drop(second);

    // Nothing is left for the dispatcher.
    let store = Store::open(&database_url).await.expect("store");
    assert!(
        store
            .claim_due_deliveries(10)
            .await
            .expect("claim")
            .is_empty()
    );
    assert!(store.dead_deliveries(10).await.expect("dead").is_empty());
    store.close().await;
}
