//! Result use cases: a participant's results, the office's queue, and the coding of
//! results in GP messages.

use crate::application::{Caller, Failure};
use domain::Permission;
use domain::ids::ParticipantId;
use domain::results::ResultKind;
use store::{CodingChange, ResultCoding, ResultRecord, Store};

/// The most results the office's queue shows at once.
pub const QUEUE_LIMIT: i64 = 200;

/// Every version of the participant's results, newest first (the view is audited).
#[tracing::instrument(skip_all, fields(participant_id = %participant_id))]
pub async fn participant_results(
    store: &Store,
    caller: &Caller,
    participant_id: ParticipantId,
) -> Result<Vec<ResultRecord>, Failure> {
    caller.require(Permission::ViewRecords)?;
    // Not found for another provider's participant.
    store.participant(caller.scope, participant_id).await?;
    let results = store
        .participant_results(caller.scope, participant_id)
        .await?;
    store
        .record_view(
            &caller.actor,
            "participant_results",
            participant_id,
            Some(participant_id),
        )
        .await?;
    Ok(results)
}

/// The office's queue: current results, newest first (the view is audited).
#[tracing::instrument(skip_all)]
pub async fn queue(store: &Store, caller: &Caller) -> Result<Vec<ResultRecord>, Failure> {
    caller.require(Permission::ViewRecords)?;
    let results = store.current_results(caller.scope, QUEUE_LIMIT).await?;
    store
        .record_view(
            &caller.actor,
            "results_queue",
            caller.scope.provider_id,
            None,
        )
        .await?;
    Ok(results)
}

/// Refuses unless the caller is a system administrator (the coding is national).
/// How every result kind is coded in GP messages (system administrators only).
#[tracing::instrument(skip_all)]
pub async fn codings(store: &Store, caller: &Caller) -> Result<Vec<ResultCoding>, Failure> {
    caller.require_system_admin(store).await?;
    Ok(store.result_codings().await?)
}

/// Changes how results of `kind` are coded from now on (system administrators only;
/// audited; results already issued keep their codes).
#[tracing::instrument(skip_all, fields(kind = %kind.as_str()))]
pub async fn set_coding(
    store: &Store,
    caller: &Caller,
    kind: ResultKind,
    change: CodingChange,
) -> Result<ResultCoding, Failure> {
    caller.require_system_admin(store).await?;
    Ok(store.set_result_coding(&caller.actor, kind, change).await?)
}
