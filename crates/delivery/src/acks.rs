//! Acknowledgements. The practice's system answers each GP message with a business
//! acknowledgement (a FHIR message naming our bundle, which is the delivery's id) in our
//! MESH inbox; MESH's tracking says when the practice's mailbox downloaded what we sent
//! (the infrastructure acknowledgement), or that it gave up.

use crate::Error;
use domain::delivery::DeliveryEvent;
use store::{Actor, DeliveryChange, Store, StoreError};

/// What one poll did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct AckReport {
    pub acknowledged: usize,
    pub refused: usize,
    pub downloaded: usize,
    pub undeliverable: usize,
    /// Inbox messages that were not acknowledgements of ours (logged and cleared).
    pub unknown: usize,
}

/// Reads our inbox and the tracking of sent messages, and records what they say.
pub async fn poll(store: &Store, client: &mesh::MeshClient) -> Result<AckReport, Error> {
    let actor = Actor::system("MESH acknowledgements");
    let mut report = AckReport::default();
    for message_id in client.inbox().await? {
        let message = client.download(&message_id).await?;
        // MESH's own error report (not collected in time, refused by the recipient): the
        // message it names has failed.
        if let Some(mesh_report) = &message.report {
            let linked = match &mesh_report.linked_message_id {
                Some(linked) => store.delivery_by_message(linked).await?,
                None => None,
            };
            if let Some((scope, delivery)) = linked {
                let change = DeliveryChange {
                    detail: format!(
                        "MESH reported it undelivered: {}",
                        mesh_report
                            .status_description
                            .as_deref()
                            .unwrap_or("no reason given")
                    ),
                    ..DeliveryChange::default()
                };
                match store
                    .record_delivery(scope, &actor, delivery, DeliveryEvent::GaveUp, change)
                    .await
                {
                    Ok(_) => report.undeliverable += 1,
                    Err(StoreError::Conflict(_)) => {}
                    Err(e) => return Err(e.into()),
                }
            } else {
                report.unknown += 1;
            }
            client.acknowledge(&message_id).await?;
            continue;
        }
        match gp_message::parse_ack(&message.body) {
            Ok(ack) => {
                let (event, detail) = match ack.code {
                    gp_message::AckCode::Ok => (
                        DeliveryEvent::AcknowledgedOk,
                        format!("Acknowledged by the practice ({})", message.from),
                    ),
                    code => (
                        DeliveryEvent::AcknowledgedError,
                        format!(
                            "Refused by the practice ({}): {}",
                            message.from,
                            code.as_str()
                        ),
                    ),
                };
                match store.delivery_scope(ack.original_bundle_id).await? {
                    Some(scope) => {
                        let change = DeliveryChange {
                            detail,
                            ..DeliveryChange::default()
                        };
                        match store
                            .record_delivery(scope, &actor, ack.original_bundle_id, event, change)
                            .await
                        {
                            Ok(_) => {
                                if event == DeliveryEvent::AcknowledgedOk {
                                    report.acknowledged += 1;
                                } else {
                                    report.refused += 1;
                                }
                            }
                            // Already acknowledged (a repeat): nothing to do.
                            Err(StoreError::Conflict(_)) => {}
                            Err(e) => return Err(e.into()),
                        }
                    }
                    None => report.unknown += 1,
                }
            }
            Err(e) => {
                tracing::warn!(%message_id, from = %message.from, error = %e, "results: an inbox message is not an acknowledgement of ours");
                report.unknown += 1;
            }
        }
        // Taken: MESH removes it from the inbox.
        client.acknowledge(&message_id).await?;
    }
    for (scope, delivery, message_id) in store.unacknowledged_gp_messages(200).await? {
        if message_id.starts_with("local-") {
            continue;
        }
        let tracking = match client.track(&message_id).await {
            Ok(t) => t,
            Err(e) => {
                tracing::debug!(%message_id, error = %e, "results: no tracking yet");
                continue;
            }
        };
        let (event, detail) = match tracking.status {
            mesh::TrackingStatus::Acknowledged => (
                DeliveryEvent::Downloaded,
                "Downloaded by the practice's mailbox".to_owned(),
            ),
            mesh::TrackingStatus::Undeliverable | mesh::TrackingStatus::Error => (
                DeliveryEvent::GaveUp,
                format!(
                    "MESH could not deliver it: {}",
                    tracking
                        .status_description
                        .as_deref()
                        .unwrap_or("no reason given")
                ),
            ),
            _ => continue,
        };
        let change = DeliveryChange {
            detail,
            ..DeliveryChange::default()
        };
        match store
            .record_delivery(scope, &actor, delivery, event, change)
            .await
        {
            Ok(_) if event == DeliveryEvent::Downloaded => report.downloaded += 1,
            Ok(_) => report.undeliverable += 1,
            Err(StoreError::Conflict(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(report)
}
