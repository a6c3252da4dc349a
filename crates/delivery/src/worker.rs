//! The results timer inside the service: every `send_interval` it sends due GP messages
//! and reads acknowledgements, and once a day after `print_batch_at` (London time) it
//! makes each provider's print batch. It starts with the application state and stops when
//! the last copy is dropped. Several instances may run it at once: deliveries are claimed.

use crate::send::{Transport, send_due};
use crate::{Settings, acks, print};
use std::sync::Arc;
use store::{Actor, Store};
use tokio::task::JoinHandle;

/// How many GP messages one tick sends at most.
const SEND_BATCH: i64 = 500;

/// Aborts the worker when dropped.
pub struct Worker(JoinHandle<()>);

impl Drop for Worker {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The transport the settings describe.
pub fn transport(settings: &Settings) -> Result<Transport, mesh::MeshError> {
    Ok(match (settings.mesh_client()?, &settings.mesh) {
        (Some(client), Some(m)) => Transport::Mesh {
            client,
            workflow_id: m.workflow_id.clone(),
        },
        _ => Transport::Local(settings.gp_outbox_dir.clone()),
    })
}

/// Starts the worker on the current Tokio runtime (none outside one).
pub fn start(store: Store, settings: Settings) -> Option<Arc<Worker>> {
    let runtime = tokio::runtime::Handle::try_current().ok()?;
    let transport = match transport(&settings) {
        Ok(t) => t,
        Err(e) => {
            tracing::error!(error = %e, "results: MESH is set up wrongly; GP messages are not sent");
            return None;
        }
    };
    let task = runtime.spawn(async move {
        let mut ticks = tokio::time::interval(
            settings
                .send_interval
                .max(std::time::Duration::from_secs(1)),
        );
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            tick(&store, &settings, &transport).await;
        }
    });
    Some(Arc::new(Worker(task)))
}

/// One round: send, read acknowledgements, and make the print batches that are due.
pub async fn tick(store: &Store, settings: &Settings, transport: &Transport) {
    loop {
        match send_due(store, transport, SEND_BATCH).await {
            Ok(r) if r.sent + r.retrying + r.failed + r.undeliverable == SEND_BATCH as usize => {
                continue;
            }
            Ok(_) => break,
            Err(e) => {
                tracing::error!(error = %e, "results: sending GP messages failed");
                break;
            }
        }
    }
    if let Transport::Mesh { client, .. } = transport
        && let Err(e) = acks::poll(store, client).await
    {
        tracing::warn!(error = %e, "results: reading acknowledgements failed");
    }
    let now = time::OffsetDateTime::now_utc();
    if domain::dates::london_datetime(now).time() < settings.print_batch_at {
        return;
    }
    let providers = match store.providers_with_letters_due_for_batch(now).await {
        Ok(p) => p,
        Err(e) => {
            tracing::error!(error = %e, "results: could not list letters due");
            return;
        }
    };
    let actor = Actor::system("daily print batch");
    for scope in providers {
        if let Err(e) = print::run(store, scope, &actor, &settings.print_dir).await {
            tracing::error!(error = %e, provider = %scope.provider_id, "results: print batch failed");
        }
    }
}
