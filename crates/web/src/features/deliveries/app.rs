//! Delivery use cases. Looking is audited (a preview of a letter or a GP message is a view
//! of her record); every change is audited by the store.

use crate::application::{Caller, Failure};
use domain::Permission;
use domain::ids::ParticipantId;
use store::{
    DeliveryHistoryEntry, DeliveryRecord, FailsafeItem, PrintBatch, Reconciliation, Store,
    StoreError,
};
use time::Date;
use uuid::Uuid;

/// The most GP messages and print batches a list shows at once.
pub const LIST_LIMIT: i64 = 200;

/// A delivery and its history.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct DeliveryDetail {
    pub delivery: DeliveryRecord,
    pub history: Vec<DeliveryHistoryEntry>,
}

/// A participant's deliveries, newest first (the view is audited).
pub async fn participant_deliveries(
    store: &Store,
    caller: &Caller,
    participant_id: ParticipantId,
) -> Result<Vec<DeliveryRecord>, Failure> {
    caller.require(Permission::ViewRecords)?;
    store.participant(caller.scope, participant_id).await?;
    let out = store
        .participant_deliveries(caller.scope, participant_id)
        .await?;
    store
        .record_view(
            &caller.actor,
            "result_deliveries",
            participant_id,
            Some(participant_id),
        )
        .await?;
    Ok(out)
}

/// One delivery with its history (audited).
pub async fn detail(store: &Store, caller: &Caller, id: Uuid) -> Result<DeliveryDetail, Failure> {
    caller.require(Permission::ViewRecords)?;
    let delivery = store.delivery(caller.scope, id).await?;
    let history = store.delivery_history(caller.scope, id).await?;
    store
        .record_view(
            &caller.actor,
            "result_delivery",
            id,
            Some(delivery.participant_id),
        )
        .await?;
    Ok(DeliveryDetail { delivery, history })
}

/// What a preview shows: the letter (PDF) or the GP message (FHIR JSON).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preview {
    Letter,
    GpMessage,
}

/// Renders the delivery's letter or GP message as it goes out (audited as a preview).
pub async fn preview(
    store: &Store,
    caller: &Caller,
    id: Uuid,
    what: Preview,
) -> Result<Vec<u8>, Failure> {
    caller.require(Permission::ViewRecords)?;
    let outgoing = store.outgoing(caller.scope, id).await?;
    let participant = outgoing.result.participant_id;
    let rendered = tokio::task::spawn_blocking(move || match what {
        Preview::Letter => delivery::render::letter_pdf(&outgoing),
        Preview::GpMessage => delivery::render::gp_message_with_letter(&outgoing),
    })
    .await
    .map_err(|e| StoreError::Corrupt(format!("rendering stopped: {e}")))?
    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let kind = match what {
        Preview::Letter => "letter_preview",
        Preview::GpMessage => "gp_message_preview",
    };
    store
        .record_view(&caller.actor, kind, id, Some(participant))
        .await?;
    Ok(rendered)
}

/// Re-issues a letter, with the reason (the office's work).
pub async fn reissue(
    store: &Store,
    caller: &Caller,
    id: Uuid,
    reason: &str,
) -> Result<DeliveryRecord, Failure> {
    caller.require(Permission::ManageResults)?;
    Ok(store
        .reissue_letter(caller.scope, &caller.actor, id, reason)
        .await?)
}

/// Resolves a failsafe item by other means, with a note.
pub async fn resolve(
    store: &Store,
    caller: &Caller,
    id: Uuid,
    note: &str,
) -> Result<DeliveryRecord, Failure> {
    caller.require(Permission::ManageResults)?;
    Ok(store
        .resolve_delivery(caller.scope, &caller.actor, id, note)
        .await?)
}

/// Sends a failed or undeliverable GP message again.
pub async fn retry(store: &Store, caller: &Caller, id: Uuid) -> Result<DeliveryRecord, Failure> {
    caller.require(Permission::ManageResults)?;
    Ok(store
        .retry_delivery(caller.scope, &caller.actor, id)
        .await?)
}

/// The failsafe list (audited).
pub async fn failsafe(
    store: &Store,
    caller: &Caller,
    ack_days: i64,
) -> Result<Vec<FailsafeItem>, Failure> {
    caller.require(Permission::ViewRecords)?;
    let list = store.failsafe_list(caller.scope, ack_days).await?;
    store
        .record_view(
            &caller.actor,
            "results_failsafe",
            caller.scope.provider_id,
            None,
        )
        .await?;
    Ok(list)
}

/// The provider's GP messages, newest first (audited).
pub async fn gp_messages(store: &Store, caller: &Caller) -> Result<Vec<DeliveryRecord>, Failure> {
    caller.require(Permission::ViewRecords)?;
    let list = store.gp_messages(caller.scope, LIST_LIMIT).await?;
    store
        .record_view(&caller.actor, "gp_messages", caller.scope.provider_id, None)
        .await?;
    Ok(list)
}

/// The provider's print batches, newest first.
pub async fn print_batches(store: &Store, caller: &Caller) -> Result<Vec<PrintBatch>, Failure> {
    caller.require(Permission::ViewRecords)?;
    Ok(store.print_batches(caller.scope, LIST_LIMIT).await?)
}

/// Makes the print batch now, rather than at the day's set time. `None`: no letters due.
pub async fn make_print_batch(
    store: &Store,
    caller: &Caller,
    settings: &delivery::Settings,
) -> Result<Option<PrintBatch>, Failure> {
    caller.require(Permission::ManageResults)?;
    delivery::print::run(store, caller.scope, &caller.actor, &settings.print_dir)
        .await
        .map_err(|e| match e {
            delivery::Error::Store(e) => Failure::Store(e),
            other => Failure::Store(StoreError::Corrupt(other.to_string())),
        })
}

/// The day's count.
pub async fn reconciliation(
    store: &Store,
    caller: &Caller,
    date: Date,
) -> Result<Reconciliation, Failure> {
    caller.require(Permission::ViewRecords)?;
    Ok(store.reconciliation(caller.scope, date).await?)
}
