//! Episode use cases: closing an episode by hand, correcting a closed one's end code, and
//! the participant's timeline.

use crate::application::{Caller, Failure};
use domain::Permission;
use domain::end_code::EndCode;
use domain::ids::{EpisodeId, ParticipantId};
use store::{EpisodeEnd, Store};
use time::Date;

/// Close an open episode (`EpisodeEnd::Close`, one of `EndCode::MANUAL`) or correct a
/// closed one's end code (`EpisodeEnd::Correct`), with a reason.
pub struct EndEpisode<'a> {
    pub episode_id: EpisodeId,
    pub how: EpisodeEnd,
    pub end_code: EndCode,
    pub reason: &'a str,
}

/// Ends or corrects the episode; returns the next test due that follows.
#[tracing::instrument(skip_all, fields(episode_id = %cmd.episode_id))]
pub async fn end_episode(
    store: &Store,
    caller: &Caller,
    cmd: EndEpisode<'_>,
) -> Result<Option<Date>, Failure> {
    caller.require(Permission::ManageAppointments)?;
    Ok(store
        .end_episode(
            caller.scope,
            &caller.actor,
            cmd.episode_id,
            cmd.how,
            cmd.end_code,
            cmd.reason,
        )
        .await?)
}

/// The participant's whole pathway, newest episode first (the view is audited).
#[tracing::instrument(skip_all, fields(participant_id = %participant_id))]
pub async fn timeline(
    store: &Store,
    caller: &Caller,
    participant_id: ParticipantId,
) -> Result<store::Timeline, Failure> {
    caller.require(Permission::ViewRecords)?;
    // Not found for another provider's participant.
    store.participant(caller.scope, participant_id).await?;
    let timeline = store.timeline(caller.scope, participant_id).await?;
    store
        .record_view(
            &caller.actor,
            "participant_timeline",
            participant_id,
            Some(participant_id),
        )
        .await?;
    Ok(timeline)
}
