//! The screening status use cases: read the status, and each change the office makes
//! (office staff and administrators: `Permission::ManageScreeningStatus`). Each change is
//! one store transaction, audited, and returns the status as it now is.

use crate::application::{Caller, Failure};
use domain::Permission;
use domain::ceasing::{Cease, DeferAnswers, VhrAnswers};
use domain::ids::ParticipantId;
use store::{ScreeningStatusRecord, Store};

/// A change to a participant's screening status.
#[derive(Debug, Clone)]
pub enum StatusCommand {
    /// "Cease from routine screening".
    Cease(Cease),
    /// "Reinstate", with the reason (for example "Opt back in").
    Reinstate { reason: String },
    /// "Defer".
    Defer(DeferAnswers),
    /// "Mark as very high risk".
    SetVeryHighRisk(VhrAnswers),
    /// "Remove very high risk", with the reason.
    RemoveVeryHighRisk { reason: String },
    /// "Record MRI referral": a follow-up request for the office.
    RecordMriReferral { details: String },
}

impl StatusCommand {
    /// The stored name of the change, as the pages' success banner names it.
    pub const fn name(&self) -> &'static str {
        match self {
            StatusCommand::Cease(_) => "ceased",
            StatusCommand::Reinstate { .. } => "reinstated",
            StatusCommand::Defer(_) => "deferred",
            StatusCommand::SetVeryHighRisk(_) => "vhr_set",
            StatusCommand::RemoveVeryHighRisk { .. } => "vhr_removed",
            StatusCommand::RecordMriReferral { .. } => "mri_referral",
        }
    }
}

/// A participant's screening status with its history (anyone who sees records).
#[tracing::instrument(skip_all, fields(participant_id = %participant_id))]
pub async fn status(
    store: &Store,
    caller: &Caller,
    participant_id: ParticipantId,
) -> Result<ScreeningStatusRecord, Failure> {
    caller.require(Permission::ViewRecords)?;
    Ok(store.screening_status(caller.scope, participant_id).await?)
}

/// Makes one change; returns the status as it now is. Refusals (the rules of
/// `domain::ceasing`, another provider's participant) change nothing.
#[tracing::instrument(skip_all, fields(participant_id = %participant_id, change = command.name()))]
pub async fn change(
    store: &Store,
    caller: &Caller,
    participant_id: ParticipantId,
    command: StatusCommand,
) -> Result<ScreeningStatusRecord, Failure> {
    caller.require(Permission::ManageScreeningStatus)?;
    let (scope, actor) = (caller.scope, &caller.actor);
    match &command {
        StatusCommand::Cease(c) => {
            store
                .cease_participant(scope, actor, participant_id, c)
                .await
        }
        StatusCommand::Reinstate { reason } => {
            store
                .reinstate_participant(scope, actor, participant_id, reason)
                .await
        }
        StatusCommand::Defer(d) => {
            store
                .defer_participant(scope, actor, participant_id, d)
                .await
        }
        StatusCommand::SetVeryHighRisk(v) => {
            store
                .set_very_high_risk(scope, actor, participant_id, v)
                .await
        }
        StatusCommand::RemoveVeryHighRisk { reason } => {
            store
                .remove_very_high_risk(scope, actor, participant_id, reason)
                .await
        }
        StatusCommand::RecordMriReferral { details } => {
            store
                .record_mri_referral(scope, actor, participant_id, details)
                .await
        }
    }?;
    Ok(store.screening_status(scope, participant_id).await?)
}
