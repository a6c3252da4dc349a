//! Participant use cases, shared by the pages and the API.

use crate::application::{Caller, Failure};
use domain::Permission;
use domain::ids::ParticipantId;
use store::{NewParticipant, Participant, ParticipantAppointment, Store, StoreError, SupportNeed};
use time::Date;

/// Record why participant `participant_id` needs a special appointment, or that she no
/// longer does.
#[derive(Debug, Clone)]
pub struct SetSupport {
    pub participant_id: ParticipantId,
    /// Clearing the special appointment: the (empty) reasons are not checked.
    pub clear: bool,
    pub reasons: Vec<SupportNeed>,
    /// "Are any of these reasons temporary?" (required when there are reasons).
    pub temporary: Option<bool>,
}

/// Participants whose name or NHS number matches `query`, at most `limit`.
#[tracing::instrument(skip_all)]
pub async fn search(
    store: &Store,
    caller: &Caller,
    query: &str,
    limit: i64,
) -> Result<Vec<Participant>, Failure> {
    caller.require(Permission::ViewRecords)?;
    Ok(store
        .search_participants(caller.scope, query, limit)
        .await?)
}

/// Adds a participant; every invalid field is reported at once.
#[tracing::instrument(skip_all)]
pub async fn create(
    store: &Store,
    caller: &Caller,
    new: NewParticipant,
    today: Date,
) -> Result<Participant, Failure> {
    caller.require(Permission::ManageAppointments)?;
    Ok(store
        .create_participant(caller.scope, &caller.actor, new, today)
        .await?)
}

/// One participant's record, recorded in the audit log as a view.
#[tracing::instrument(skip_all, fields(participant_id = %participant_id))]
pub async fn view(
    store: &Store,
    caller: &Caller,
    participant_id: ParticipantId,
) -> Result<Participant, Failure> {
    caller.require(Permission::ViewRecords)?;
    let p = store.participant(caller.scope, participant_id).await?;
    store
        .record_view(&caller.actor, "participant", p.id, Some(p.id))
        .await?;
    Ok(p)
}

/// A participant's appointments with this provider, earliest first (not found for
/// another provider's participant).
#[tracing::instrument(skip_all, fields(participant_id = %participant_id))]
pub async fn appointments(
    store: &Store,
    caller: &Caller,
    participant_id: ParticipantId,
) -> Result<Vec<ParticipantAppointment>, Failure> {
    caller.require(Permission::ViewRecords)?;
    store.participant(caller.scope, participant_id).await?;
    Ok(store
        .participant_appointments(caller.scope, participant_id)
        .await?)
}

/// Records the special appointment's reasons (checked by `domain::medical` first, so a
/// refusal names every field, including "no reason given"), or clears them.
#[tracing::instrument(skip_all, fields(participant_id = %cmd.participant_id))]
pub async fn set_support(
    store: &Store,
    caller: &Caller,
    cmd: SetSupport,
) -> Result<Participant, Failure> {
    caller.require(Permission::CheckIn)?;
    if !cmd.clear {
        let given: Vec<_> = cmd
            .reasons
            .iter()
            .map(|s| (s.reason, s.details.clone()))
            .collect();
        domain::medical::validate_support(&given, cmd.temporary).map_err(StoreError::Invalid)?;
    }
    Ok(store
        .set_support(
            caller.scope,
            &caller.actor,
            cmd.participant_id,
            &cmd.reasons,
            cmd.temporary.unwrap_or(false),
        )
        .await?)
}
