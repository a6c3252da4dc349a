//! Span export (issue 11 item 8): `screening serve` with `OTEL_EXPORTER_OTLP_ENDPOINT`
//! set sends its request spans over OTLP/HTTP to a collector. The collector here is a
//! listener that keeps what is posted to `/v1/traces`; the request's own id, sent in
//! `x-request-id`, must arrive in a span from the service named "screening".

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

type Received = Arc<Mutex<Vec<Vec<u8>>>>;

async fn traces(State(received): State<Received>, body: Bytes) -> &'static str {
    if let Ok(mut r) = received.lock() {
        r.push(body.to_vec());
    }
    ""
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test]
async fn request_spans_reach_the_collector() {
    let received: Received = Arc::default();
    let collector = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("collector port");
    let collector_addr = collector.local_addr().expect("collector address");
    let app = Router::new()
        .route("/v1/traces", post(traces))
        .with_state(received.clone());
    tokio::spawn(async move { axum::serve(collector, app).await });

    let dir = std::env::temp_dir().join(format!("otlp-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_screening"))
        .arg("serve")
        .arg("--bind")
        .arg(format!("127.0.0.1:{port}"))
        .env("DATABASE_URL", "sqlite://otlp.db?mode=rwc")
        .env_remove("DATABASE_SCHEMA")
        .env_remove("DEMO_MODE")
        .env(
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            format!("http://{collector_addr}"),
        )
        .env("OTEL_BSP_SCHEDULE_DELAY", "100")
        .env("RUST_LOG", "info,sqlx=warn")
        .current_dir(&dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("starting screening serve");

    let client = reqwest::Client::new();
    let request_id = format!("otlp-check-{}", uuid::Uuid::now_v7());
    let deadline = Instant::now() + Duration::from_secs(60);
    let found = loop {
        let _ = client
            .get(format!("http://127.0.0.1:{port}/sign-in"))
            .header("x-request-id", &request_id)
            .send()
            .await;
        let found = received.lock().is_ok_and(|r| {
            r.iter().any(|body| {
                contains(body, request_id.as_bytes())
                    && contains(body, b"screening")
                    && contains(body, b"request")
            })
        });
        if found || Instant::now() > deadline {
            break found;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(found, "no span with the request id reached the collector");
}
