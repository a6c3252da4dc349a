//! Result use cases: a participant's results, and the office's queue.

use crate::application::{Caller, Failure};
use domain::Permission;
use store::{ResultRecord, Store};
use uuid::Uuid;

/// The most results the office's queue shows at once.
pub const QUEUE_LIMIT: i64 = 200;

/// Every version of the participant's results, newest first (the view is audited).
#[tracing::instrument(skip_all, fields(participant_id = %participant_id))]
pub async fn participant_results(
    store: &Store,
    caller: &Caller,
    participant_id: Uuid,
) -> Result<Vec<ResultRecord>, Failure> {
    caller.require(Permission::ViewRecords)?;
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
