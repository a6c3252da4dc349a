//! What every feature that changes an appointment needs, in the caller's transaction: the
//! status move with its rules (`apply_action_in`), who is running it, the conflict message
//! for a stale version, the episode's outcome on an ending, the step documents and the
//! version bump. Feature modules use these; none calls another feature's module.

use crate::audit::{self, AuditAction};
use crate::outbox::{self, Tx};
use crate::sql::{self, parse_date, parse_enum, parse_id, parse_ts};
use crate::{Actor, Result, Scope, StoreError, new_id};
use domain::events::{
    AppointmentEnded, AppointmentEndingUndone, AppointmentStatusChanged, DomainEvent,
    EpisodeOutcomeSet,
};
use domain::ids::AppointmentId;
use domain::{AppointmentAction, AppointmentStatus, EpisodeOutcome, EpisodeStage};
use uuid::Uuid;

/// Now on the clinics' clock: the date and time the rules about clinic days compare with,
/// the same reckoning as the service's "today".
pub(crate) fn clinic_now() -> time::PrimitiveDateTime {
    domain::dates::london_datetime(sql::now())
}

/// The statuses of an appointment still to happen or running: every status that is not
/// final. Bound as an `IN (…)` list (`sql::placeholders`).
pub(crate) const PENDING: [AppointmentStatus; 4] = [
    AppointmentStatus::Scheduled,
    AppointmentStatus::CheckedIn,
    AppointmentStatus::InProgress,
    AppointmentStatus::Paused,
];

/// "09:00" as a time of day.
fn parse_hhmm(s: &str) -> Result<time::Time> {
    let f = time::macros::format_description!("[hour]:[minute]");
    time::Time::parse(s, &f).map_err(|e| StoreError::Corrupt(format!("time {s:?}: {e}")))
}

/// Writes an ending's outcome on the episode, closes it with its end code when the outcome
/// ends the round (`EndCode::for_outcome`; otherwise the round stays open for another
/// appointment), and keeps the change in the episode's history, in the caller's
/// transaction.
pub(crate) async fn close_episode(
    tx: &mut Tx,
    scope: Scope,
    actor: &Actor,
    episode_id: &str,
    outcome: EpisodeOutcome,
    reason: &str,
    at: &str,
) -> Result<()> {
    let p = sql::id(scope.provider_id);
    let stage = if let Some(end_code) = domain::end_code::EndCode::for_outcome(outcome) {
        let episode_id = parse_id(episode_id)?;
        // Details recorded after an ending (the reasons of an attended not screened, then
        // "No, request opt out") change the outcome of an episode the ending closed: a
        // correction, kept in the history beside the first closure.
        let correction =
            super::episode::facts(tx, scope, episode_id).await?.stage == EpisodeStage::Closed;
        super::episode::close(
            tx,
            scope,
            actor,
            super::episode::Closing {
                episode_id,
                end_code,
                outcome: Some(outcome),
                reason,
                closed_on: clinic_now().date(),
                correction,
            },
        )
        .await?;
        EpisodeStage::Closed
    } else {
        sqlx::query(
            "UPDATE episodes SET outcome = $1, stage = $2, closed_on = NULL WHERE id = $3 AND provider_id = $4",
        )
        .bind(outcome.as_str())
        .bind(EpisodeStage::Scheduled.as_str())
        .bind(episode_id)
        .bind(&p)
        .execute(&mut **tx)
        .await?;
        sqlx::query(
            "INSERT INTO episode_history (id, provider_id, episode_id, stage, outcome, next_test_due, reason, changed_by_name, changed_at) \
             VALUES ($1, $2, $3, $4, $5, NULL, $6, $7, $8)",
        )
        .bind(sql::id(new_id()))
        .bind(&p)
        .bind(episode_id)
        .bind(EpisodeStage::Scheduled.as_str())
        .bind(outcome.as_str())
        .bind(reason)
        .bind(&actor.name)
        .bind(at)
        .execute(&mut **tx)
        .await?;
        EpisodeStage::Scheduled
    };
    let participant_id: String = sqlx::query_scalar(
        "SELECT participant_id FROM episodes WHERE id = $1 AND provider_id = $2",
    )
    .bind(episode_id)
    .bind(&p)
    .fetch_one(&mut **tx)
    .await?;
    outbox::record(
        tx,
        scope,
        actor,
        DomainEvent::EpisodeOutcomeSet(EpisodeOutcomeSet {
            provider_id: scope.provider_id,
            episode_id: parse_id(episode_id)?,
            participant_id: parse_id(&participant_id)?,
            outcome,
            stage,
            next_test_due: None,
            reason: reason.to_owned(),
        }),
    )
    .await?;
    Ok(())
}

/// Undoing did not attend or a cancellation reopens the episode (no outcome, scheduled).
/// The follow-up requests the ending raised are cancelled by the follow-ups feature, on
/// `AppointmentEndingUndone`.
async fn reopen_episode(
    tx: &mut Tx,
    scope: Scope,
    actor: &Actor,
    episode_id: &str,
    at: &str,
) -> Result<()> {
    let p = sql::id(scope.provider_id);
    sqlx::query(
        "UPDATE episodes SET outcome = NULL, stage = $1, closed_on = NULL WHERE id = $2 AND provider_id = $3",
    )
    .bind(EpisodeStage::Scheduled.as_str())
    .bind(episode_id)
    .bind(&p)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "INSERT INTO episode_history (id, provider_id, episode_id, stage, outcome, next_test_due, reason, changed_by_name, changed_at) \
         VALUES ($1, $2, $3, $4, NULL, NULL, $5, $6, $7)",
    )
    .bind(sql::id(new_id()))
    .bind(&p)
    .bind(episode_id)
    .bind(EpisodeStage::Scheduled.as_str())
    .bind("Appointment outcome undone")
    .bind(&actor.name)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The person running an in-progress or paused appointment: whoever last started or
/// resumed it.
pub(crate) async fn runner(
    tx: &mut Tx,
    scope: Scope,
    id: AppointmentId,
) -> Result<Option<(Option<Uuid>, String)>> {
    let row = sqlx::query_as::<_, (Option<String>, String)>(
        "SELECT changed_by, changed_by_name FROM appointment_status_history \
         WHERE provider_id = $1 AND appointment_id = $2 AND status = $3 \
         ORDER BY changed_at DESC, id DESC LIMIT 1",
    )
    .bind(sql::id(scope.provider_id))
    .bind(sql::id(id))
    .bind(AppointmentStatus::InProgress.as_str())
    .fetch_optional(&mut **tx)
    .await?;
    row.map(|(changed_by, name)| Ok((changed_by.as_deref().map(parse_id).transpose()?, name)))
        .transpose()
}

/// Refuses a change to an appointment someone else is running.
pub(crate) async fn require_runner(
    tx: &mut Tx,
    scope: Scope,
    actor: &Actor,
    id: AppointmentId,
) -> Result<()> {
    if let Some((runner_id, runner_name)) = runner(tx, scope, id).await?
        && runner_id != actor.user_id
    {
        return Err(StoreError::Refused(format!(
            "{runner_name} is running this appointment. Only they can change it until they pause it."
        )));
    }
    Ok(())
}

/// The conflict error for a stale version, naming who changed the appointment.
pub(crate) fn stale(changed_by: &str, changed_at: &str) -> StoreError {
    let when = parse_ts(changed_at).ok().and_then(|t| {
        t.format(time::macros::format_description!("[hour]:[minute]"))
            .ok()
    });
    let who = if changed_by.is_empty() {
        "Someone else"
    } else {
        changed_by
    };
    StoreError::Conflict(match when {
        Some(at) => format!(
            "{who} changed this appointment at {at} (UTC), after you opened it. Nothing you entered was saved: check the latest details and try again."
        ),
        None => format!(
            "{who} changed this appointment after you opened it. Nothing you entered was saved: check the latest details and try again."
        ),
    })
}

/// What an appointment action reads of the appointment and its clinic, as stored.
#[derive(sqlx::FromRow)]
struct ActionRow {
    status: String,
    version: i64,
    participant_id: String,
    episode_id: String,
    slot_id: String,
    images_taken: i64,
    last_changed_by_name: String,
    last_changed_at: String,
    clinic_date: String,
    clinic_starts_at: String,
    clinic_status: String,
}

pub(crate) async fn apply_action_in(
    tx: &mut Tx,
    scope: Scope,
    actor: &Actor,
    id: AppointmentId,
    action: AppointmentAction,
    expected_version: Option<i64>,
    outcome: Option<EpisodeOutcome>,
) -> Result<AppointmentStatus> {
    let p = sql::id(scope.provider_id);
    let row = sqlx::query_as::<_, ActionRow>(
        "SELECT a.status, a.version, a.participant_id, a.episode_id, a.slot_id, a.images_taken, \
         a.last_changed_by_name, a.last_changed_at, c.clinic_date, c.starts_at AS clinic_starts_at, \
         c.status AS clinic_status FROM appointments a \
         JOIN clinics c ON c.id = a.clinic_id AND c.provider_id = a.provider_id \
         WHERE a.id = $1 AND a.provider_id = $2",
    )
    .bind(sql::id(id))
    .bind(&p)
    .fetch_one(&mut **tx)
    .await?;
    let from: AppointmentStatus = parse_enum(&row.status)?;
    let version = row.version;
    if expected_version.is_some_and(|v| v != version) {
        return Err(stale(&row.last_changed_by_name, &row.last_changed_at));
    }
    let to = from.apply(action)?;
    let clinic = domain::ClinicTiming {
        date: parse_date(&row.clinic_date)?,
        starts_at: parse_hhmm(&row.clinic_starts_at)?,
        status: parse_enum(&row.clinic_status)?,
    };
    domain::appointment::action_allowed_at(action, &clinic, clinic_now())?;
    use AppointmentAction as A;
    if matches!(
        from,
        AppointmentStatus::InProgress | AppointmentStatus::Paused
    ) && matches!(
        action,
        A::Pause | A::Screen | A::PartiallyScreen | A::AttendedNotScreened | A::RevertToCheckedIn
    ) {
        require_runner(tx, scope, actor, id).await?;
    }
    if matches!(action, A::AttendedNotScreened | A::RevertToCheckedIn) {
        // Images recorded by hand, or any image the gateway delivered (automatic flow).
        let recorded = row.images_taken;
        let received = received_count_in(tx, scope, id).await?;
        if domain::ending::images_taken(recorded, received) {
            return Err(StoreError::Refused(if recorded > 0 {
                "Images have been taken, so this appointment can only be paused, not stopped or reverted.".to_owned()
            } else {
                "Images have been received from the x-ray machine for this appointment, so it can only be paused, not stopped or reverted. If they are a different participant's images, detach them first.".to_owned()
            }));
        }
    }
    if action == A::UndoCancel {
        // The slot may have been given to someone else since the cancellation.
        let rebooked = sqlx::query(
            "SELECT 1 FROM appointments WHERE slot_id = $1 AND provider_id = $2 AND id <> $3 \
             AND status NOT IN ($4, $5)",
        )
        .bind(&row.slot_id)
        .bind(&p)
        .bind(sql::id(id))
        .bind(AppointmentStatus::Cancelled.as_str())
        .bind(AppointmentStatus::RescheduleRequested.as_str())
        .fetch_optional(&mut **tx)
        .await?;
        if rebooked.is_some() {
            return Err(StoreError::Conflict(
                "This appointment's slot has been booked for someone else since it was cancelled. Book a new appointment instead."
                    .to_owned(),
            ));
        }
    }
    let now = sql::ts(sql::now());
    let done = sqlx::query(
        "UPDATE appointments SET status = $1, status_changed_at = $2, version = version + 1, \
         last_changed_by_name = $3, last_changed_at = $2 \
         WHERE id = $4 AND provider_id = $5 AND version = $6",
    )
    .bind(to.as_str())
    .bind(&now)
    .bind(&actor.name)
    .bind(sql::id(id))
    .bind(&p)
    .bind(version)
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(StoreError::Conflict(
            "This appointment was changed by someone else at the same moment. Check its status and try again.".to_owned(),
        ));
    }
    insert_history(tx, scope, actor, id, to, Some(action), &now).await?;
    // The worklist item follows the appointment (the gateway feature, in this transaction).
    outbox::record(
        tx,
        scope,
        actor,
        DomainEvent::AppointmentStatusChanged(AppointmentStatusChanged {
            provider_id: scope.provider_id,
            appointment_id: id,
            from,
            to,
            action,
        }),
    )
    .await?;
    if let Some(stage) = EpisodeStage::for_appointment_status(to) {
        sqlx::query("UPDATE episodes SET stage = $1 WHERE id = $2 AND provider_id = $3")
            .bind(stage.as_str())
            .bind(&row.episode_id)
            .bind(&p)
            .execute(&mut **tx)
            .await?;
    }
    // Every ending other than a screen writes the episode's outcome (a screen's comes from
    // reading); undoing one reopens the episode.
    let episode_id = row.episode_id;
    let participant_id = parse_id(&row.participant_id)?;
    let mut ending_outcome = None;
    if let Some(default) = domain::episode::ending_outcome(to, None) {
        let outcome = outcome.unwrap_or(default);
        close_episode(
            tx,
            scope,
            actor,
            &episode_id,
            outcome,
            &format!("Appointment ended: {}", to.label()),
            &now,
        )
        .await?;
        ending_outcome = Some(outcome);
    } else if matches!(action, A::UndoDidNotAttend | A::UndoCancel) {
        reopen_episode(tx, scope, actor, &episode_id, &now).await?;
        outbox::record(
            tx,
            scope,
            actor,
            DomainEvent::AppointmentEndingUndone(AppointmentEndingUndone {
                provider_id: scope.provider_id,
                appointment_id: id,
                episode_id: parse_id(&episode_id)?,
                participant_id,
                action,
            }),
        )
        .await?;
    }
    if to.is_final() {
        // Every screen is read: the reading feature opens the case in this transaction.
        // The gateway feature reconciles the images after the commit.
        outbox::record(
            tx,
            scope,
            actor,
            DomainEvent::AppointmentEnded(AppointmentEnded {
                provider_id: scope.provider_id,
                appointment_id: id,
                episode_id: parse_id(&episode_id)?,
                participant_id,
                status: to,
                outcome: ending_outcome,
            }),
        )
        .await?;
    }
    let snapshot = serde_json::json!({ "status": to, "action": action, "previous_status": from, "version": version + 1 });
    audit::record(
        &mut **tx,
        actor,
        AuditAction::Update,
        "appointment",
        id,
        Some(participant_id),
        &snapshot,
    )
    .await?;
    Ok(to)
}

pub(crate) async fn insert_history(
    tx: &mut Tx,
    scope: Scope,
    actor: &Actor,
    appointment_id: AppointmentId,
    status: AppointmentStatus,
    action: Option<AppointmentAction>,
    at: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO appointment_status_history (id, provider_id, appointment_id, status, action, changed_by, \
         changed_by_name, changed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(sql::id(new_id()))
    .bind(sql::id(scope.provider_id))
    .bind(sql::id(appointment_id))
    .bind(status.as_str())
    .bind(action.map(|a| a.as_str()))
    .bind(actor.user_id.map(sql::id))
    .bind(&actor.name)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub(crate) async fn bump_version(
    tx: &mut Tx,
    scope: Scope,
    actor: &Actor,
    id: AppointmentId,
    expected: i64,
) -> Result<i64> {
    let done = sqlx::query(
        "UPDATE appointments SET version = version + 1, last_changed_by_name = $1, last_changed_at = $2 \
         WHERE id = $3 AND provider_id = $4 AND version = $5",
    )
    .bind(&actor.name)
    .bind(sql::ts(sql::now()))
    .bind(sql::id(id))
    .bind(sql::id(scope.provider_id))
    .bind(expected)
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(StoreError::Conflict("This appointment was changed by someone else at the same moment. Check it and try again.".to_owned()));
    }
    Ok(expected + 1)
}

/// Reads a stored section document into its type; one that does not read is corrupt.
pub(crate) fn section_document(
    kind: domain::workflow::SectionKind,
    data: &str,
) -> Result<domain::workflow::SectionDocument> {
    domain::workflow::SectionDocument::from_json(kind, sql::parse_json(data)?)
        .map_err(|e| StoreError::Corrupt(format!("{} section: {e}", kind.as_str())))
}

/// Writes one step document (`data`, a [`domain::workflow::SectionDocument`]'s JSON, made
/// once by the caller, who also audits it), replacing any earlier one of its kind.
pub(crate) async fn upsert_section(
    tx: &mut Tx,
    scope: Scope,
    actor: &Actor,
    id: AppointmentId,
    kind: domain::workflow::SectionKind,
    data: &serde_json::Value,
) -> Result<()> {
    let now = sql::ts(sql::now());
    let section = kind.as_str();
    let text = data.to_string();
    let updated = sqlx::query(
            "UPDATE appointment_sections SET data = $1, updated_by = $2, updated_by_name = $3, updated_at = $4 \
             WHERE provider_id = $5 AND appointment_id = $6 AND section = $7",
        )
        .bind(&text)
        .bind(actor.user_id.map(sql::id))
        .bind(&actor.name)
        .bind(&now)
        .bind(sql::id(scope.provider_id))
        .bind(sql::id(id))
        .bind(section)
        .execute(&mut **tx)
        .await?;
    if updated.rows_affected() == 0 {
        sqlx::query(
                "INSERT INTO appointment_sections (appointment_id, provider_id, section, data, updated_by, updated_by_name, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(sql::id(id))
            .bind(sql::id(scope.provider_id))
            .bind(section)
            .bind(&text)
            .bind(actor.user_id.map(sql::id))
            .bind(&actor.name)
            .bind(&now)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// How many images the gateway has delivered for an appointment (attached, counted or
/// not): with the images recorded by hand, what `domain::ending::images_taken` decides on.
pub(crate) async fn received_count_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    scope: Scope,
    appointment_id: AppointmentId,
) -> Result<i64> {
    Ok(sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) AS n FROM gateway_images WHERE provider_id = $1 AND appointment_id = $2",
    )
    .bind(sql::id(scope.provider_id))
    .bind(sql::id(appointment_id))
    .fetch_one(&mut **tx)
    .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pending_is_every_status_not_final() {
        let not_final: Vec<AppointmentStatus> = AppointmentStatus::ALL
            .iter()
            .copied()
            .filter(|s| !s.is_final())
            .collect();
        assert_eq!(PENDING.to_vec(), not_final);
    }
}
