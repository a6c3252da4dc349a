//! Talking to the central service (ADR 11): the delivery worker that empties the event
//! queue in order, the worklist puller, and the health echo.

use crate::db::{self, Db};
use crate::dimse::{self, Assembler, Command, field};
use crate::scp::VERIFICATION;
use dicom_ul::ClientAssociationOptions;
use dicom_ul::Pdu;
use gateway_protocol::{
    EVENTS_PATH, EchoEvent, EventBody, GatewayEvent, QUEUE_DEPTH_HEADER, WORKLIST_PATH,
    WorklistPage, WorklistQuery,
};
use rand::Rng;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{Notify, watch};

/// How to reach the central service.
#[derive(Clone)]
pub struct Central {
    pub base_url: String,
    pub token: String,
    pub client: reqwest::Client,
}

impl Central {
    pub fn new(base_url: &str, token: &str) -> anyhow::Result<Central> {
        Ok(Central {
            base_url: base_url.trim_end_matches('/').to_owned(),
            token: token.to_owned(),
            client: reqwest::Client::builder()
                .connect_timeout(Duration::from_secs(10))
                .timeout(Duration::from_secs(60))
                .build()?,
        })
    }
}

/// What happened to one delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Delivered,
    Permanent(u16),
    Retry(String),
}

/// ADR 11: 200/201 delivered; 401, 408, 429 and 5xx retried; any other 4xx permanent.
pub fn classify(status: u16) -> Outcome {
    match status {
        200..=299 => Outcome::Delivered,
        401 | 408 | 429 => Outcome::Retry(format!("HTTP {status}")),
        400..=499 => Outcome::Permanent(status),
        _ => Outcome::Retry(format!("HTTP {status}")),
    }
}

/// Backoff before attempt `attempts + 1`: 1 s doubling to 60 s, with jitter (50-100%).
pub fn backoff(attempts: i64, jitter: f64) -> Duration {
    let base = 2f64.powi(attempts.clamp(0, 6) as i32).min(60.0);
    Duration::from_secs_f64(base * (0.5 + 0.5 * jitter.clamp(0.0, 1.0)))
}

fn depth(db: &Db) -> i64 {
    db.connect().and_then(|c| db::queue_depth(&c)).unwrap_or(0)
}

/// Delivers queued events one at a time, oldest first, until `stop` turns true.
pub async fn deliver(db: Db, central: Central, wake: Arc<Notify>, mut stop: watch::Receiver<bool>) {
    let url = format!("{}/api/v1{EVENTS_PATH}", central.base_url);
    let mut conn = match db.connect() {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "delivery: the gateway database cannot be opened");
            return;
        }
    };
    loop {
        if *stop.borrow() {
            return;
        }
        let head = match db::head(&conn) {
            Ok(h) => h,
            Err(e) => {
                tracing::error!(error = %e, "delivery: cannot read the queue");
                None
            }
        };
        let Some(event) = head else {
            tokio::select! {
                _ = wake.notified() => {}
                _ = tokio::time::sleep(Duration::from_secs(5)) => {}
                _ = stop.changed() => {}
            }
            continue;
        };
        if event.pending_thumbnail {
            // Its thumbnail is being made: the worker wakes us when it is done.
            tokio::select! {
                _ = wake.notified() => {}
                _ = tokio::time::sleep(Duration::from_millis(250)) => {}
                _ = stop.changed() => {}
            }
            continue;
        }
        let wait = event.next_attempt_ms - db::now_ms();
        if wait > 0 {
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(wait as u64)) => {}
                _ = stop.changed() => {}
            }
            continue;
        }
        let queue_depth = db::queue_depth(&conn).unwrap_or(0);
        let result = central
            .client
            .post(&url)
            .bearer_auth(&central.token)
            .header(QUEUE_DEPTH_HEADER, queue_depth.to_string())
            .header("Content-Type", "application/json")
            .body(event.body.clone())
            .send()
            .await;
        let outcome = match result {
            Ok(resp) => {
                let status = resp.status().as_u16();
                match classify(status) {
                    Outcome::Permanent(s) => {
                        let text = resp.text().await.unwrap_or_default();
                        tracing::error!(id = event.id, kind = event.kind, status = s, body = %text, "event refused: dead letter");
                        if let Err(e) = db::dead_letter(&mut conn, &event, Some(s), &text) {
                            tracing::error!(error = %e, "delivery: cannot move to dead letters");
                        }
                        continue;
                    }
                    o => o,
                }
            }
            Err(e) => Outcome::Retry(e.to_string()),
        };
        match outcome {
            Outcome::Delivered => {
                if let Err(e) = db::delivered(&conn, event.seq) {
                    tracing::error!(error = %e, "delivery: cannot remove a delivered event");
                } else {
                    tracing::debug!(id = event.id, kind = event.kind, "event delivered");
                }
            }
            Outcome::Retry(why) => {
                let delay = backoff(event.attempts, rand::thread_rng().r#gen::<f64>());
                tracing::warn!(id = event.id, attempts = event.attempts + 1, error = %why, retry_in_ms = delay.as_millis() as u64, "delivery failed");
                let next = db::now_ms() + delay.as_millis() as i64;
                if let Err(e) = db::retry_later(&conn, event.seq, next, &why) {
                    tracing::error!(error = %e, "delivery: cannot record the retry");
                }
            }
            Outcome::Permanent(_) => {}
        }
    }
}

/// Pulls worklist changes with a long poll, keeps them locally, and remembers the cursor.
pub async fn pull_worklist(
    db: Db,
    central: Central,
    mut stop: watch::Receiver<bool>,
    wait_seconds: u32,
) {
    let mut failures: i64 = 0;
    loop {
        if *stop.borrow() {
            return;
        }
        let cursor = db
            .connect()
            .ok()
            .and_then(|c| db::get_state(&c, "worklist_cursor").ok().flatten());
        let query = WorklistQuery {
            after: cursor,
            wait: Some(u64::from(wait_seconds)),
        };
        let req = central
            .client
            .get(format!("{}/api/v1{WORKLIST_PATH}", central.base_url))
            .bearer_auth(&central.token)
            .header(QUEUE_DEPTH_HEADER, depth(&db).to_string())
            .timeout(Duration::from_secs(wait_seconds as u64 + 30))
            .query(&query);
        let result = tokio::select! {
            r = req.send() => r,
            _ = stop.changed() => return,
        };
        let page = match result {
            Ok(resp) if resp.status().is_success() => {
                resp.json::<WorklistPage>().await.map_err(|e| e.to_string())
            }
            Ok(resp) if resp.status() == reqwest::StatusCode::BAD_REQUEST => {
                // Central does not know our cursor: start again from every live item.
                if let Ok(c) = db.connect() {
                    let _ = c.execute("DELETE FROM state WHERE key = 'worklist_cursor'", []);
                }
                Err("HTTP 400: the cursor was refused; starting again from every live item".into())
            }
            Ok(resp) => Err(format!("HTTP {}", resp.status())),
            Err(e) => Err(e.to_string()),
        };
        match page {
            Ok(page) => {
                failures = 0;
                // The items and the cursor that acknowledges them, in one transaction: the
                // cursor is never ahead of what is stored (ADR 11).
                let stored = db.connect().and_then(|mut c| {
                    let tx = c.transaction()?;
                    for item in &page.items {
                        db::upsert_worklist_item(&tx, item)?;
                    }
                    db::set_state(&tx, "worklist_cursor", &page.cursor)?;
                    tx.commit()
                });
                match stored {
                    Ok(()) if !page.items.is_empty() => {
                        tracing::info!(items = page.items.len(), "worklist updated")
                    }
                    Ok(()) => {}
                    Err(e) => {
                        tracing::error!(error = %e, "worklist: cannot store items");
                        tokio::select! {
                            _ = tokio::time::sleep(Duration::from_secs(5)) => {}
                            _ = stop.changed() => return,
                        }
                    }
                }
            }
            Err(e) => {
                let delay = backoff(failures, rand::thread_rng().r#gen::<f64>());
                failures += 1;
                tracing::warn!(error = %e, retry_in_ms = delay.as_millis() as u64, "worklist pull failed");
                tokio::select! {
                    _ = tokio::time::sleep(delay) => {}
                    _ = stop.changed() => return,
                }
            }
        }
    }
}

/// One C-ECHO round trip as an SCU; returns the time it took.
pub fn echo(addr: &str, called_ae: &str, calling_ae: &str) -> anyhow::Result<Duration> {
    let start = Instant::now();
    let mut assoc = ClientAssociationOptions::new()
        .with_abstract_syntax(VERIFICATION)
        .calling_ae_title(calling_ae.to_owned())
        .called_ae_title(called_ae.to_owned())
        .connection_timeout(Duration::from_secs(5))
        .read_timeout(Duration::from_secs(10))
        .establish(addr)?;
    let pc = assoc
        .presentation_contexts()
        .first()
        .map(|p| p.id)
        .ok_or_else(|| anyhow::anyhow!("verification was not accepted"))?;
    let rq = Command {
        field: field::C_ECHO_RQ,
        message_id: Some(1),
        sop_class_uid: Some(VERIFICATION.into()),
        ..Default::default()
    };
    for pdu in dimse::message_pdus(pc, &rq, None, assoc.acceptor_max_pdu_length()) {
        assoc.send(&pdu)?;
    }
    let mut asm = Assembler::new();
    let rsp = loop {
        match assoc.receive()? {
            Pdu::PData { data } => {
                let mut done = None;
                for pdv in data {
                    if let Some(m) = asm.push(pdv)? {
                        done = Some(m);
                    }
                }
                if let Some(m) = done {
                    break m;
                }
            }
            other => anyhow::bail!("unexpected {}", other.short_description()),
        }
    };
    let _ = assoc.release();
    anyhow::ensure!(
        rsp.command.field == field::C_ECHO_RSP && rsp.command.status == Some(0),
        "C-ECHO answered {:?}",
        rsp.command.status
    );
    Ok(start.elapsed())
}

/// Every `every`, echoes the gateway's own listener and queues an `echo` event.
pub async fn health(
    db: Db,
    wake: Arc<Notify>,
    addr: String,
    ae: String,
    every: Duration,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.changed() => return,
        }
        let (a, ae2) = (addr.clone(), ae.clone());
        let result = tokio::task::spawn_blocking(move || echo(&a, &ae2, &ae2)).await;
        let mut echo = match result {
            Ok(Ok(d)) => EchoEvent {
                ok: true,
                round_trip_ms: Some(u32::try_from(d.as_millis()).unwrap_or(u32::MAX)),
                ..EchoEvent::default()
            },
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "health echo failed");
                EchoEvent {
                    error: Some(e.to_string()),
                    ..EchoEvent::default()
                }
            }
            Err(e) => EchoEvent {
                error: Some(e.to_string()),
                ..EchoEvent::default()
            },
        };
        // Dead letters travel with the health report, so the central service can show them.
        let dead_letters = db
            .connect()
            .and_then(|c| db::dead_letter_count(&c))
            .unwrap_or(0);
        echo.dead_letters = Some(u64::try_from(dead_letters).unwrap_or(0));
        let event = GatewayEvent {
            id: uuid::Uuid::now_v7(),
            occurred_at: time::OffsetDateTime::now_utc(),
            body: EventBody::Echo(echo),
        };
        let id = event.id.to_string();
        let queued = match serde_json::to_string(&event) {
            Ok(body) => db
                .connect()
                .and_then(|c| db::enqueue(&c, &id, "echo", &body)),
            Err(e) => {
                tracing::error!(error = %e, "health: cannot write the echo event");
                continue;
            }
        };
        match queued {
            Ok(()) => wake.notify_one(),
            Err(e) => tracing::error!(error = %e, "health: cannot queue the echo event"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_classified_as_the_adr_says() {
        assert_eq!(classify(201), Outcome::Delivered);
        assert_eq!(classify(200), Outcome::Delivered);
        assert_eq!(classify(422), Outcome::Permanent(422));
        assert_eq!(classify(404), Outcome::Permanent(404));
        assert!(matches!(classify(401), Outcome::Retry(_)));
        assert!(matches!(classify(408), Outcome::Retry(_)));
        assert!(matches!(classify(429), Outcome::Retry(_)));
        assert!(matches!(classify(503), Outcome::Retry(_)));
    }

    #[test]
    fn backoff_doubles_to_a_minute_with_jitter() {
        assert_eq!(backoff(0, 1.0), Duration::from_secs(1));
        assert_eq!(backoff(1, 1.0), Duration::from_secs(2));
        assert_eq!(backoff(5, 1.0), Duration::from_secs(32));
        assert_eq!(backoff(6, 1.0), Duration::from_secs(60));
        assert_eq!(backoff(50, 1.0), Duration::from_secs(60));
        assert_eq!(backoff(0, 0.0), Duration::from_millis(500));
    }
}
