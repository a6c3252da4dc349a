//! Sends due GP messages: over MESH to the practice's mailbox (found by endpoint lookup of
//! its ODS code and the workflow id), or, with no MESH set up, into a local outbox folder.
//!
//! Exactly once: the MESH local id is the delivery's id, the same on every attempt. After
//! a failure that may have reached MESH (no answer, a server error), the next attempt
//! first asks MESH for a message with that local id and records it as sent instead of
//! sending it again. A refused connection certainly sent nothing.

use crate::{Error, render, sha256_hex, write_whole};
use domain::delivery::{DeliveryEvent, MAX_ATTEMPTS};
use std::collections::HashMap;
use std::path::PathBuf;
use store::{Actor, DeliveryChange, Outgoing, Store};
use time::OffsetDateTime;

/// Where GP messages go.
#[derive(Clone)]
pub enum Transport {
    Mesh {
        client: mesh::MeshClient,
        workflow_id: String,
    },
    /// No MESH: each message is written to `<dir>/<practice>/<delivery id>.json`.
    Local(PathBuf),
}

/// What one run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SendReport {
    pub sent: usize,
    pub retrying: usize,
    pub failed: usize,
    pub undeliverable: usize,
}

/// The mailbox id recorded for messages put in the local outbox.
pub const LOCAL_MAILBOX: &str = "local outbox";

/// Sends up to `limit` due GP messages. A failure to record an outcome is returned; a
/// failure to send is recorded on the delivery (retry, failed or undeliverable).
pub async fn send_due(
    store: &Store,
    transport: &Transport,
    limit: i64,
) -> Result<SendReport, Error> {
    let due = store.claim_due_gp_messages(limit).await?;
    let actor = Actor::system("results sender");
    let mut report = SendReport::default();
    let mut mailboxes: HashMap<String, Option<String>> = HashMap::new();
    for o in &due {
        let (event, change) = match attempt(transport, o, &mut mailboxes).await {
            Ok(done) => done,
            Err(e) => {
                tracing::warn!(delivery = %o.delivery_id, error = %e, "results: could not prepare a GP message");
                failure(o, &e.to_string(), true)
            }
        };
        match event {
            DeliveryEvent::Accepted => report.sent += 1,
            DeliveryEvent::Transient => report.retrying += 1,
            DeliveryEvent::NotOnMesh => report.undeliverable += 1,
            _ => report.failed += 1,
        }
        let scope = store::Scope {
            provider_id: o.provider_id,
        };
        match store
            .record_delivery(scope, &actor, o.delivery_id, event, change)
            .await
        {
            Ok(_) => {}
            // The result changed while it was being sent: the new version follows.
            Err(store::StoreError::Conflict(why)) => {
                tracing::info!(delivery = %o.delivery_id, %why, "results: delivery moved meanwhile")
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(report)
}

/// A retry, or giving up after the last attempt (or at once when retrying cannot help).
fn failure(o: &Outgoing, error: &str, retryable: bool) -> (DeliveryEvent, DeliveryChange) {
    let attempt = o.attempts + 1;
    if retryable && attempt < MAX_ATTEMPTS {
        let wait = mesh::backoff(u32::try_from(attempt).unwrap_or(u32::MAX));
        let wait = time::Duration::try_from(wait).unwrap_or(time::Duration::HOUR);
        (
            DeliveryEvent::Transient,
            DeliveryChange {
                detail: format!("Attempt {attempt} failed; trying again: {error}"),
                error: Some(error.to_owned()),
                next_attempt_at: Some(OffsetDateTime::now_utc() + wait),
                ..DeliveryChange::default()
            },
        )
    } else {
        (
            DeliveryEvent::GaveUp,
            DeliveryChange {
                detail: format!("Not sent after {attempt} attempts: {error}"),
                error: Some(error.to_owned()),
                ..DeliveryChange::default()
            },
        )
    }
}

async fn attempt(
    transport: &Transport,
    o: &Outgoing,
    mailboxes: &mut HashMap<String, Option<String>>,
) -> Result<(DeliveryEvent, DeliveryChange), Error> {
    let local_id = o.delivery_id.to_string();
    match transport {
        Transport::Local(dir) => {
            let body = render::gp_message_with_letter(o)?;
            let path = dir
                .join(safe_name(&o.gp_practice_code))
                .join(format!("{local_id}.json"));
            write_whole(&path, &body)?;
            Ok((
                DeliveryEvent::Accepted,
                DeliveryChange {
                    detail: format!("Put in the local outbox ({})", path.display()),
                    mesh_mailbox: Some(LOCAL_MAILBOX.to_owned()),
                    mesh_message_id: Some(format!("local-{local_id}")),
                    sha256: Some(sha256_hex(&body)),
                    ..DeliveryChange::default()
                },
            ))
        }
        Transport::Mesh {
            client,
            workflow_id,
        } => {
            // An earlier attempt may have reached MESH without an answer: never send twice.
            if o.attempts > 0 {
                match client.find_by_local_id(&local_id).await {
                    Ok(Some(message_id)) => {
                        return Ok((
                            DeliveryEvent::Accepted,
                            DeliveryChange {
                                detail: "Found in MESH: an earlier attempt had arrived".into(),
                                mesh_message_id: Some(message_id),
                                ..DeliveryChange::default()
                            },
                        ));
                    }
                    Ok(None) => {}
                    Err(e) => return Ok(failure(o, &e.to_string(), e.is_retryable())),
                }
            }
            let practice = o.gp_practice_code.trim().to_owned();
            let mailbox = match mailboxes.get(&practice) {
                Some(found) => found.clone(),
                None => match client.lookup(&practice, workflow_id).await {
                    Ok(found) => {
                        mailboxes.insert(practice.clone(), found.clone());
                        found
                    }
                    Err(e) => return Ok(failure(o, &e.to_string(), e.is_retryable())),
                },
            };
            let Some(mailbox) = mailbox else {
                return Ok((
                    DeliveryEvent::NotOnMesh,
                    DeliveryChange {
                        detail: format!(
                            "Practice {practice} has no MESH mailbox for {workflow_id}: print and post the result"
                        ),
                        ..DeliveryChange::default()
                    },
                ));
            };
            let body = render::gp_message_with_letter(o)?;
            let sent = client
                .send(&mesh::OutgoingMessage {
                    to: &mailbox,
                    workflow_id,
                    subject: "Breast screening result",
                    local_id: &local_id,
                    file_name: &format!("{local_id}.json"),
                    content_type: "application/fhir+json",
                    body: &body,
                })
                .await;
            Ok(match sent {
                Ok(message_id) => (
                    DeliveryEvent::Accepted,
                    DeliveryChange {
                        detail: format!("Sent to {mailbox}"),
                        mesh_mailbox: Some(mailbox),
                        mesh_message_id: Some(message_id),
                        sha256: Some(sha256_hex(&body)),
                        ..DeliveryChange::default()
                    },
                ),
                Err(e) => failure(o, &e.to_string(), e.is_retryable()),
            })
        }
    }
}

/// A practice code as a folder name: letters and digits only.
fn safe_name(code: &str) -> String {
    let s: String = code.chars().filter(char::is_ascii_alphanumeric).collect();
    if s.is_empty() {
        "unknown".to_owned()
    } else {
        s
    }
}
