//! Appointments and their append-only status history.

use crate::audit::{self, AuditAction};
use crate::participants::{PARTICIPANT_COLUMNS, participant_from};
use crate::sql::{self, parse_date, parse_enum, parse_id, parse_ts};
use crate::{Actor, Backend, Participant, Result, Scope, Store, StoreError, new_id};
use domain::{
    AppointmentAction, AppointmentStatus, EpisodeOutcome, EpisodeStage, EpisodeType, LocationKind,
    Session,
};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewAppointment {
    pub clinic_id: Uuid,
    pub slot_id: Uuid,
    pub participant_id: Uuid,
    #[schema(value_type = String, example = "routine")]
    pub episode_type: EpisodeType,
}

/// One row of an appointment's status history.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatusChange {
    pub status: AppointmentStatus,
    pub action: Option<AppointmentAction>,
    pub changed_by: Option<Uuid>,
    pub changed_by_name: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub changed_at: OffsetDateTime,
}

/// An appointment with everything its page shows.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AppointmentDetail {
    pub id: Uuid,
    pub status: AppointmentStatus,
    /// Increases with every change; send it back to refuse a change based on stale data.
    pub version: i64,
    pub clinic_id: Uuid,
    #[schema(value_type = String, format = Date)]
    pub clinic_date: Date,
    pub clinic_session: Session,
    pub starts_at: String,
    pub duration_minutes: i64,
    pub location_name: String,
    pub location_kind: LocationKind,
    pub episode_id: Uuid,
    pub episode_type: EpisodeType,
    pub episode_stage: EpisodeStage,
    pub episode_outcome: Option<EpisodeOutcome>,
    pub participant: Participant,
    /// Oldest first.
    pub history: Vec<StatusChange>,
}

impl AppointmentDetail {
    /// Who moved the appointment into its current status (who is running it, when in
    /// progress).
    pub fn current_holder(&self) -> Option<&StatusChange> {
        self.history.last()
    }
}

impl Store {
    /// Books a participant into a free slot of a clinic, opening a screening episode.
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, user = actor.user_id.map(tracing::field::display)))]
    pub async fn create_appointment(
        &self,
        scope: Scope,
        actor: &Actor,
        new: NewAppointment,
    ) -> Result<Uuid> {
        let mut tx = self.begin_write().await?;
        let p = sql::id(scope.provider_id);
        let clinic = sqlx::query(
            "SELECT clinic_date, status FROM clinics WHERE id = $1 AND provider_id = $2",
        )
        .bind(sql::id(new.clinic_id))
        .bind(&p)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| not_found_as_invalid(e, "clinic_id", "No such clinic"))?;
        let clinic_date: String = clinic.try_get("clinic_date")?;
        domain::appointment::can_book(parse_enum(&clinic.try_get::<String, _>("status")?)?)?;
        // Lock the slot until commit, so that two bookings of one slot at the same moment
        // queue up and the second sees the first below. (SQLite's write transactions are
        // already serial, and it has no FOR UPDATE.)
        let lock = match self.backend() {
            Backend::Postgres => " FOR UPDATE",
            Backend::Sqlite => "",
        };
        sqlx::query(&format!(
            "SELECT id FROM slots WHERE id = $1 AND clinic_id = $2 AND provider_id = $3{lock}"
        ))
        .bind(sql::id(new.slot_id))
        .bind(sql::id(new.clinic_id))
        .bind(&p)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| not_found_as_invalid(e, "slot_id", "No such slot in this clinic"))?;
        let taken = sqlx::query(
            "SELECT 1 FROM appointments WHERE slot_id = $1 AND provider_id = $2 \
             AND status NOT IN ('cancelled', 'reschedule_requested')",
        )
        .bind(sql::id(new.slot_id))
        .bind(&p)
        .fetch_optional(&mut *tx)
        .await?;
        if taken.is_some() {
            return Err(StoreError::invalid(
                "slot_id",
                "This slot is already booked",
            ));
        }
        // One open episode per participant: continue the round, or refuse.
        let open_episode = crate::rounds::episode_for_booking(
            &mut tx,
            self.backend(),
            scope,
            new.participant_id,
            new.episode_type,
        )
        .await?;
        let now = sql::ts(sql::now());
        let episode_id = open_episode.unwrap_or_else(new_id);
        if open_episode.is_none() {
            sqlx::query(
                "INSERT INTO episodes (id, provider_id, participant_id, episode_type, stage, outcome, opened_on, closed_on, created_at) \
                 VALUES ($1, $2, $3, $4, 'scheduled', NULL, $5, NULL, $6)",
            )
            .bind(sql::id(episode_id))
            .bind(&p)
            .bind(sql::id(new.participant_id))
            .bind(new.episode_type.as_str())
            .bind(&clinic_date)
            .bind(&now)
            .execute(&mut *tx)
            .await?;
        }
        let id = new_id();
        sqlx::query(
            "INSERT INTO appointments (id, provider_id, clinic_id, slot_id, participant_id, episode_id, status, \
             status_changed_at, version, created_at, last_changed_by_name, last_changed_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 'scheduled', $7, 1, $7, $8, $7)",
        )
        .bind(sql::id(id))
        .bind(&p)
        .bind(sql::id(new.clinic_id))
        .bind(sql::id(new.slot_id))
        .bind(sql::id(new.participant_id))
        .bind(sql::id(episode_id))
        .bind(&now)
        .bind(&actor.name)
        .execute(&mut *tx)
        .await?;
        insert_history(
            &mut tx,
            scope,
            actor,
            id,
            AppointmentStatus::Scheduled,
            None,
            &now,
        )
        .await?;
        let snapshot = serde_json::json!({
            "clinic_id": new.clinic_id, "slot_id": new.slot_id, "participant_id": new.participant_id,
            "episode_id": episode_id, "episode_type": new.episode_type, "status": AppointmentStatus::Scheduled,
        });
        audit::record(
            &mut *tx,
            actor,
            AuditAction::Create,
            "appointment",
            id,
            Some(new.participant_id),
            &snapshot,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, id = %id))]
    pub async fn appointment(&self, scope: Scope, id: Uuid) -> Result<AppointmentDetail> {
        let p = sql::id(scope.provider_id);
        let row = sqlx::query(
            "SELECT a.id, a.status, a.version, a.participant_id, a.clinic_id, c.clinic_date, c.session, \
             s.starts_at, s.duration_minutes, l.name AS location_name, l.kind AS location_kind, \
             e.id AS episode_id, e.episode_type, e.stage, e.outcome \
             FROM appointments a \
             JOIN clinics c ON c.id = a.clinic_id AND c.provider_id = a.provider_id \
             JOIN slots s ON s.id = a.slot_id AND s.provider_id = a.provider_id \
             JOIN locations l ON l.id = c.location_id AND l.provider_id = a.provider_id \
             JOIN episodes e ON e.id = a.episode_id AND e.provider_id = a.provider_id \
             WHERE a.id = $1 AND a.provider_id = $2",
        )
        .bind(sql::id(id))
        .bind(&p)
        .fetch_one(self.pool())
        .await?;
        let participant_id = row.try_get::<String, _>("participant_id")?;
        let participant = participant_from(
            &sqlx::query(&format!(
                "SELECT {PARTICIPANT_COLUMNS} FROM participants WHERE id = $1 AND provider_id = $2"
            ))
            .bind(&participant_id)
            .bind(&p)
            .fetch_one(self.pool())
            .await?,
        )?;
        Ok(AppointmentDetail {
            id,
            status: parse_enum(&row.try_get::<String, _>("status")?)?,
            version: row.try_get("version")?,
            clinic_id: parse_id(&row.try_get::<String, _>("clinic_id")?)?,
            clinic_date: parse_date(&row.try_get::<String, _>("clinic_date")?)?,
            clinic_session: parse_enum(&row.try_get::<String, _>("session")?)?,
            starts_at: row.try_get("starts_at")?,
            duration_minutes: row.try_get("duration_minutes")?,
            location_name: row.try_get("location_name")?,
            location_kind: parse_enum(&row.try_get::<String, _>("location_kind")?)?,
            episode_id: parse_id(&row.try_get::<String, _>("episode_id")?)?,
            episode_type: parse_enum(&row.try_get::<String, _>("episode_type")?)?,
            episode_stage: parse_enum(&row.try_get::<String, _>("stage")?)?,
            episode_outcome: row
                .try_get::<Option<String>, _>("outcome")?
                .as_deref()
                .map(parse_enum)
                .transpose()?,
            participant,
            history: self.status_history(scope, id).await?,
        })
    }

    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, appointment_id = %appointment_id))]
    pub async fn status_history(
        &self,
        scope: Scope,
        appointment_id: Uuid,
    ) -> Result<Vec<StatusChange>> {
        let rows = sqlx::query(
            "SELECT status, action, changed_by, changed_by_name, changed_at FROM appointment_status_history \
             WHERE provider_id = $1 AND appointment_id = $2 ORDER BY changed_at, id",
        )
        .bind(sql::id(scope.provider_id))
        .bind(sql::id(appointment_id))
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(StatusChange {
                    status: parse_enum(&r.try_get::<String, _>("status")?)?,
                    action: r
                        .try_get::<Option<String>, _>("action")?
                        .as_deref()
                        .map(parse_enum)
                        .transpose()?,
                    changed_by: r
                        .try_get::<Option<String>, _>("changed_by")?
                        .as_deref()
                        .map(parse_id)
                        .transpose()?,
                    changed_by_name: r.try_get("changed_by_name")?,
                    changed_at: parse_ts(&r.try_get::<String, _>("changed_at")?)?,
                })
            })
            .collect()
    }

    /// Applies an action to an appointment if the rules allow it from its current status.
    /// With `expected_version`, a change made meanwhile by someone else is refused, naming
    /// who made it. Either the status, its history row, the episode stage and the audit row
    /// all change, or none.
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, user = actor.user_id.map(tracing::field::display), id = %id))]
    pub async fn apply_action(
        &self,
        scope: Scope,
        actor: &Actor,
        id: Uuid,
        action: AppointmentAction,
        expected_version: Option<i64>,
    ) -> Result<AppointmentStatus> {
        let mut tx = self.begin_write().await?;
        let to = apply_action_in(&mut tx, scope, actor, id, action, expected_version, None).await?;
        tx.commit().await?;
        Ok(to)
    }
}

/// Now on the clinics' clock: the date and time the rules about clinic days compare with,
/// the same reckoning as the service's "today".
pub(crate) fn clinic_now() -> time::PrimitiveDateTime {
    domain::dates::london_datetime(sql::now())
}

/// "09:00" as a time of day.
fn parse_hhmm(s: &str) -> Result<time::Time> {
    let f = time::macros::format_description!("[hour]:[minute]");
    time::Time::parse(s, &f).map_err(|e| StoreError::Corrupt(format!("time {s:?}: {e}")))
}

/// Writes an ending's outcome on the episode, closes it when the outcome ends the round
/// (`EpisodeOutcome::closes_episode`; otherwise the round stays open for another
/// appointment), and keeps the change in the episode's history, in the caller's
/// transaction.
pub(crate) async fn close_episode(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    scope: Scope,
    actor: &Actor,
    episode_id: &str,
    outcome: EpisodeOutcome,
    reason: &str,
    at: &str,
) -> Result<()> {
    let p = sql::id(scope.provider_id);
    let stage = if outcome.closes_episode() {
        sqlx::query(
            "UPDATE episodes SET outcome = $1, stage = $2, closed_on = $3 WHERE id = $4 AND provider_id = $5",
        )
        .bind(outcome.as_str())
        .bind(EpisodeStage::Closed.as_str())
        .bind(sql::date(clinic_now().date()))
        .bind(episode_id)
        .bind(&p)
        .execute(&mut **tx)
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
        EpisodeStage::Scheduled
    };
    sqlx::query(
        "INSERT INTO episode_history (id, provider_id, episode_id, stage, outcome, next_test_due, reason, changed_by_name, changed_at) \
         VALUES ($1, $2, $3, $4, $5, NULL, $6, $7, $8)",
    )
    .bind(sql::id(new_id()))
    .bind(&p)
    .bind(episode_id)
    .bind(stage.as_str())
    .bind(outcome.as_str())
    .bind(reason)
    .bind(&actor.name)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Undoing did not attend or a cancellation reopens the episode (no outcome, scheduled) and
/// cancels the follow-up requests the ending raised.
async fn reopen_episode(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    scope: Scope,
    actor: &Actor,
    appointment_id: Uuid,
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
    crate::follow_ups::cancel_follow_ups_of(
        tx,
        scope,
        actor,
        appointment_id,
        "The appointment's outcome was undone",
    )
    .await
}

/// The person running an in-progress or paused appointment: whoever last started or
/// resumed it.
pub(crate) async fn runner(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    scope: Scope,
    id: Uuid,
) -> Result<Option<(Option<Uuid>, String)>> {
    let row = sqlx::query(
        "SELECT changed_by, changed_by_name FROM appointment_status_history \
         WHERE provider_id = $1 AND appointment_id = $2 AND status = 'in_progress' \
         ORDER BY changed_at DESC, id DESC LIMIT 1",
    )
    .bind(sql::id(scope.provider_id))
    .bind(sql::id(id))
    .fetch_optional(&mut **tx)
    .await?;
    row.map(|r| {
        Ok((
            r.try_get::<Option<String>, _>("changed_by")?
                .as_deref()
                .map(parse_id)
                .transpose()?,
            r.try_get("changed_by_name")?,
        ))
    })
    .transpose()
}

/// Refuses a change to an appointment someone else is running.
pub(crate) async fn require_runner(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    scope: Scope,
    actor: &Actor,
    id: Uuid,
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

pub(crate) async fn apply_action_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    scope: Scope,
    actor: &Actor,
    id: Uuid,
    action: AppointmentAction,
    expected_version: Option<i64>,
    outcome: Option<EpisodeOutcome>,
) -> Result<AppointmentStatus> {
    let p = sql::id(scope.provider_id);
    let row = sqlx::query(
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
    let from: AppointmentStatus = parse_enum(&row.try_get::<String, _>("status")?)?;
    let version: i64 = row.try_get("version")?;
    if expected_version.is_some_and(|v| v != version) {
        return Err(stale(
            &row.try_get::<String, _>("last_changed_by_name")?,
            &row.try_get::<String, _>("last_changed_at")?,
        ));
    }
    let to = from.apply(action)?;
    let clinic = domain::ClinicTiming {
        date: parse_date(&row.try_get::<String, _>("clinic_date")?)?,
        starts_at: parse_hhmm(&row.try_get::<String, _>("clinic_starts_at")?)?,
        status: parse_enum(&row.try_get::<String, _>("clinic_status")?)?,
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
        let recorded = row.try_get::<i64, _>("images_taken")?;
        let received = crate::gateway::received_count_in(tx, scope, id).await?;
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
             AND status NOT IN ('cancelled', 'reschedule_requested')",
        )
        .bind(row.try_get::<String, _>("slot_id")?)
        .bind(&p)
        .bind(sql::id(id))
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
    if matches!(
        to,
        AppointmentStatus::Screened | AppointmentStatus::PartiallyScreened
    ) {
        // Every screen is read: the case opens as the appointment ends.
        crate::reading::open_case(tx, scope, actor, id).await?;
    }
    // The worklist item follows the appointment; an ending is reconciled with the images.
    crate::gateway::on_status_change(tx, scope, id, to).await?;
    if let Some(stage) = EpisodeStage::for_appointment_status(to) {
        sqlx::query("UPDATE episodes SET stage = $1 WHERE id = $2 AND provider_id = $3")
            .bind(stage.as_str())
            .bind(row.try_get::<String, _>("episode_id")?)
            .bind(&p)
            .execute(&mut **tx)
            .await?;
    }
    // Every ending other than a screen writes the episode's outcome (a screen's comes from
    // reading); undoing one reopens the episode.
    let episode_id: String = row.try_get("episode_id")?;
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
    } else if matches!(action, A::UndoDidNotAttend | A::UndoCancel) {
        reopen_episode(tx, scope, actor, id, &episode_id, &now).await?;
    }
    let participant_id = parse_id(&row.try_get::<String, _>("participant_id")?)?;
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

async fn insert_history(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    scope: Scope,
    actor: &Actor,
    appointment_id: Uuid,
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

/// A missing referenced record is the caller's mistake (a field error); any other failure
/// stays what it is.
fn not_found_as_invalid(e: sqlx::Error, field: &'static str, message: &str) -> StoreError {
    match e {
        sqlx::Error::RowNotFound => StoreError::invalid(field, message),
        other => other.into(),
    }
}
