//! How many messages a second the client sends to a running MESH (normally mesh-sandbox).
//!
//! Start a sandbox (from the repository root, after `scripts/install-test-deps.sh`):
//!
//! ```sh
//! mkdir -p /tmp/mesh-data
//! AUTH_MODE=full STORE_MODE=file MAILBOXES_DATA_DIR=/tmp/mesh-data \
//!     .venv/bin/uvicorn mesh_sandbox.api:app --port 8700 --log-level warning
//! ```
//!
//! then
//!
//! ```sh
//! cargo run --release -p mesh --example send_rate -- [--url http://127.0.0.1:8700] \
//!     [--count 500] [--size 30000] [--concurrency 1]
//! ```
//!
//! It sends `count` messages of `size` bytes from X26ABC1 to X26ABC2 (workflow
//! TEST_WORKFLOW), `concurrency` at a time, and prints the rate. The messages stay in
//! X26ABC2's inbox.

use std::time::{Duration, Instant};

use mesh::{MeshClient, MeshConfig, MeshError, OutgoingMessage};

struct Args {
    url: String,
    count: usize,
    size: usize,
    concurrency: usize,
}

fn args() -> Result<Args, String> {
    let mut args = Args {
        url: "http://127.0.0.1:8700".into(),
        count: 500,
        size: 30_000,
        concurrency: 1,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number = || {
            value
                .parse::<usize>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| format!("{flag} {value}: not a positive number"))
        };
        match flag.as_str() {
            "--url" => args.url = value.clone(),
            "--count" => args.count = number()?,
            "--size" => args.size = number()?,
            "--concurrency" => args.concurrency = number()?,
            _ => return Err(format!("unknown argument {flag}")),
        }
    }
    Ok(args)
}

async fn send_one(client: &MeshClient, body: &[u8], i: usize, run: u128) -> Result<(), MeshError> {
    let local_id = format!("send-rate-{run}-{i}");
    client
        .send(&OutgoingMessage {
            to: "X26ABC2",
            workflow_id: "TEST_WORKFLOW",
            subject: "send rate",
            local_id: &local_id,
            file_name: "results.json",
            content_type: "application/json",
            body,
        })
        .await
        .map(|_| ())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = args()?;
    let client = MeshClient::new(MeshConfig {
        timeout: Duration::from_secs(30),
        ..MeshConfig::new(&args.url, "X26ABC1", "password", "Banana")
    })?;
    client.handshake().await?;
    let body: Vec<u8> = (0..args.size).map(|i| b'a' + (i % 26) as u8).collect();
    let run = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_millis();

    let started = Instant::now();
    let mut next = 0;
    let mut tasks = tokio::task::JoinSet::new();
    while next < args.count || !tasks.is_empty() {
        while next < args.count && tasks.len() < args.concurrency {
            let (client, body, i) = (client.clone(), body.clone(), next);
            tasks.spawn(async move { send_one(&client, &body, i, run).await });
            next += 1;
        }
        if let Some(done) = tasks.join_next().await {
            done??;
        }
    }
    let elapsed = started.elapsed();
    println!(
        "sent {} messages of {} bytes ({} at a time) in {:.2} s: {:.1} messages/s",
        args.count,
        args.size,
        args.concurrency,
        elapsed.as_secs_f64(),
        args.count as f64 / elapsed.as_secs_f64()
    );
    Ok(())
}
