//! Appointments and their append-only status history.

use crate::audit::AuditAction;
use crate::shared::appointment::{apply_action_in, insert_history};
use crate::sql::{self, parse_date, parse_enum, parse_id, parse_ts};
use crate::write::AuditRow;
use crate::{Actor, Backend, Participant, Result, Scope, Store, StoreError, new_id};
use domain::ids::{AppointmentId, ClinicId, EpisodeId, FollowUpId, ParticipantId};
use domain::{
    AppointmentAction, AppointmentStatus, EpisodeOutcome, EpisodeStage, EpisodeType, LocationKind,
    Session,
};
use serde::{Deserialize, Serialize};
use sqlx::FromRow;
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewAppointment {
    pub clinic_id: ClinicId,
    pub slot_id: Uuid,
    pub participant_id: ParticipantId,
    #[schema(value_type = String, example = "routine")]
    pub episode_type: EpisodeType,
    /// The follow-up request this booking answers (a technical recall, more images, an
    /// assessment referral, a reschedule): the appointment then belongs to the request's
    /// own episode (whose type it keeps), and the request is marked booked.
    #[serde(default)]
    pub follow_up_id: Option<FollowUpId>,
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

/// A status history row as stored; [`StatusChange`] is made from it.
#[derive(sqlx::FromRow)]
struct StatusChangeRow {
    status: String,
    action: Option<String>,
    changed_by: Option<String>,
    changed_by_name: String,
    changed_at: String,
}

impl TryFrom<StatusChangeRow> for StatusChange {
    type Error = StoreError;
    fn try_from(r: StatusChangeRow) -> Result<Self> {
        Ok(StatusChange {
            status: parse_enum(&r.status)?,
            action: r.action.as_deref().map(parse_enum).transpose()?,
            changed_by: r.changed_by.as_deref().map(parse_id).transpose()?,
            changed_by_name: r.changed_by_name,
            changed_at: parse_ts(&r.changed_at)?,
        })
    }
}

/// An appointment with everything its page shows.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AppointmentDetail {
    pub id: AppointmentId,
    pub status: AppointmentStatus,
    /// Increases with every change; send it back to refuse a change based on stale data.
    pub version: i64,
    pub clinic_id: ClinicId,
    #[schema(value_type = String, format = Date)]
    pub clinic_date: Date,
    pub clinic_session: Session,
    pub starts_at: String,
    pub duration_minutes: i64,
    pub location_name: String,
    pub location_kind: LocationKind,
    pub episode_id: EpisodeId,
    pub episode_type: EpisodeType,
    pub episode_stage: EpisodeStage,
    pub episode_outcome: Option<EpisodeOutcome>,
    pub participant: Participant,
    /// Oldest first.
    pub history: Vec<StatusChange>,
    /// The type of clinic (screening or assessment).
    pub clinic_type: domain::ClinicType,
    /// The follow-up request this appointment was booked for (a recall, a referral).
    pub follow_up: Option<AnsweredFollowUp>,
}

/// The follow-up request an appointment answers.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AnsweredFollowUp {
    pub id: FollowUpId,
    pub kind: domain::follow_up::FollowUpKind,
    /// For a recall, the standard views it asks for (empty: the standard set).
    pub views: Vec<domain::imaging::View>,
}

/// The appointment query's row, as stored.
#[derive(sqlx::FromRow)]
struct AppointmentRow {
    status: String,
    version: i64,
    participant_id: String,
    clinic_id: String,
    clinic_date: String,
    session: String,
    starts_at: String,
    duration_minutes: i64,
    location_name: String,
    location_kind: String,
    episode_id: String,
    episode_type: String,
    stage: String,
    outcome: Option<String>,
    clinic_type: String,
    follow_up_id: Option<String>,
    follow_up_kind: Option<String>,
    follow_up_views: Option<String>,
}

impl AppointmentRow {
    fn into_detail(
        self,
        id: AppointmentId,
        participant: Participant,
        history: Vec<StatusChange>,
    ) -> Result<AppointmentDetail> {
        // The joined request's columns are NOT NULL: missing with an id, the row is corrupt.
        let joined = |value: Option<String>, column: &str| {
            value.ok_or_else(|| StoreError::Corrupt(format!("follow-up request without {column}")))
        };
        let follow_up = match self.follow_up_id {
            Some(fid) => Some(AnsweredFollowUp {
                id: parse_id(&fid)?,
                kind: parse_enum(&joined(self.follow_up_kind, "kind")?)?,
                views: crate::shared::follow_up::parse_views(&joined(
                    self.follow_up_views,
                    "views",
                )?)?,
            }),
            None => None,
        };
        Ok(AppointmentDetail {
            id,
            status: parse_enum(&self.status)?,
            version: self.version,
            clinic_id: parse_id(&self.clinic_id)?,
            clinic_date: parse_date(&self.clinic_date)?,
            clinic_session: parse_enum(&self.session)?,
            starts_at: self.starts_at,
            duration_minutes: self.duration_minutes,
            location_name: self.location_name,
            location_kind: parse_enum(&self.location_kind)?,
            episode_id: parse_id(&self.episode_id)?,
            episode_type: parse_enum(&self.episode_type)?,
            episode_stage: parse_enum(&self.stage)?,
            episode_outcome: self.outcome.as_deref().map(parse_enum).transpose()?,
            participant,
            history,
            clinic_type: parse_enum(&self.clinic_type)?,
            follow_up,
        })
    }
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
    ) -> Result<AppointmentId> {
        let mut write = self.begin_change().await?;
        let tx = write.tx();
        let p = sql::id(scope.provider_id);
        let (clinic_date, clinic_status, clinic_type) = sqlx::query_as::<_, (String, String, String)>(
            "SELECT clinic_date, status, clinic_type FROM clinics WHERE id = $1 AND provider_id = $2",
        )
        .bind(sql::id(new.clinic_id))
        .bind(&p)
        .fetch_one(&mut **tx)
        .await
        .map_err(|e| not_found_as_invalid(e, "clinic_id", "No such clinic"))?;
        domain::appointment::can_book(parse_enum(&clinic_status)?)?;
        crate::shared::screening_status::check_booking(
            tx,
            scope,
            new.participant_id,
            new.episode_type,
            new.follow_up_id.is_some(),
        )
        .await?;
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
        .fetch_one(&mut **tx)
        .await
        .map_err(|e| not_found_as_invalid(e, "slot_id", "No such slot in this clinic"))?;
        let taken = sqlx::query(
            "SELECT 1 FROM appointments WHERE slot_id = $1 AND provider_id = $2 \
             AND status NOT IN ($3, $4)",
        )
        .bind(sql::id(new.slot_id))
        .bind(&p)
        .bind(AppointmentStatus::Cancelled.as_str())
        .bind(AppointmentStatus::RescheduleRequested.as_str())
        .fetch_optional(&mut **tx)
        .await?;
        if taken.is_some() {
            return Err(StoreError::invalid(
                "slot_id",
                "This slot is already booked",
            ));
        }
        // A follow-up is booked into its own episode; otherwise one open episode per
        // participant: continue the round, or refuse.
        let open_episode = match new.follow_up_id {
            Some(follow_up_id) => Some(
                crate::shared::follow_up::bookable(
                    tx,
                    scope,
                    follow_up_id,
                    new.participant_id,
                    parse_enum(&clinic_type)?,
                )
                .await?
                .episode_id,
            ),
            None => {
                crate::rounds::episode_for_booking(
                    tx,
                    self.backend(),
                    scope,
                    new.participant_id,
                    new.episode_type,
                )
                .await?
            }
        };
        let now = sql::ts(sql::now());
        let episode_id = open_episode.unwrap_or_else(|| new_id().into());
        if open_episode.is_none() {
            sqlx::query(
                "INSERT INTO episodes (id, provider_id, participant_id, episode_type, stage, outcome, opened_on, closed_on, created_at) \
                 VALUES ($1, $2, $3, $4, $7, NULL, $5, NULL, $6)",
            )
            .bind(sql::id(episode_id))
            .bind(&p)
            .bind(sql::id(new.participant_id))
            .bind(new.episode_type.as_str())
            .bind(&clinic_date)
            .bind(&now)
            .bind(EpisodeStage::Scheduled.as_str())
            .execute(&mut **tx)
            .await?;
        }
        let id: AppointmentId = new_id().into();
        sqlx::query(
            "INSERT INTO appointments (id, provider_id, clinic_id, slot_id, participant_id, episode_id, status, \
             status_changed_at, version, created_at, last_changed_by_name, last_changed_at, follow_up_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $10, $7, 1, $7, $8, $7, $9)",
        )
        .bind(sql::id(id))
        .bind(&p)
        .bind(sql::id(new.clinic_id))
        .bind(sql::id(new.slot_id))
        .bind(sql::id(new.participant_id))
        .bind(sql::id(episode_id))
        .bind(&now)
        .bind(&actor.name)
        .bind(new.follow_up_id.map(sql::id))
        .bind(AppointmentStatus::Scheduled.as_str())
        .execute(&mut **tx)
        .await?;
        if let Some(follow_up_id) = new.follow_up_id {
            crate::shared::follow_up::mark_booked(
                tx,
                scope,
                actor,
                follow_up_id,
                new.participant_id,
                id,
                parse_date(&clinic_date)?,
            )
            .await?;
        }
        insert_history(
            tx,
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
            "follow_up_id": new.follow_up_id,
        });
        write
            .commit_audited(AuditRow::new(
                actor,
                AuditAction::Create,
                "appointment",
                id,
                Some(new.participant_id),
                snapshot,
            ))
            .await?;
        Ok(id)
    }

    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, id = %id))]
    pub async fn appointment(&self, scope: Scope, id: AppointmentId) -> Result<AppointmentDetail> {
        let p = sql::id(scope.provider_id);
        let row = sqlx::query(
            "SELECT a.id, a.status, a.version, a.participant_id, a.clinic_id, c.clinic_date, c.session, \
             s.starts_at, s.duration_minutes, l.name AS location_name, l.kind AS location_kind, \
             e.id AS episode_id, e.episode_type, e.stage, e.outcome, c.clinic_type, \
             f.id AS follow_up_id, f.kind AS follow_up_kind, f.views AS follow_up_views \
             FROM appointments a \
             JOIN clinics c ON c.id = a.clinic_id AND c.provider_id = a.provider_id \
             JOIN slots s ON s.id = a.slot_id AND s.provider_id = a.provider_id \
             JOIN locations l ON l.id = c.location_id AND l.provider_id = a.provider_id \
             JOIN episodes e ON e.id = a.episode_id AND e.provider_id = a.provider_id \
             LEFT JOIN follow_up_requests f ON f.id = a.follow_up_id AND f.provider_id = a.provider_id \
             WHERE a.id = $1 AND a.provider_id = $2",
        )
        .bind(sql::id(id))
        .bind(&p)
        .fetch_one(self.pool())
        .await?;
        let row = AppointmentRow::from_row(&row)?;
        let participant = self
            .participant(scope, parse_id(&row.participant_id)?)
            .await?;
        let history = self.status_history(scope, id).await?;
        row.into_detail(id, participant, history)
    }

    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, appointment_id = %appointment_id))]
    pub async fn status_history(
        &self,
        scope: Scope,
        appointment_id: AppointmentId,
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
            .map(|r| StatusChangeRow::from_row(r)?.try_into())
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
        id: AppointmentId,
        action: AppointmentAction,
        expected_version: Option<i64>,
    ) -> Result<AppointmentStatus> {
        self.delivering(async {
            let mut write = self.begin_change().await?;
            let tx = write.tx();
            let to = apply_action_in(tx, scope, actor, id, action, expected_version, None).await?;
            write.commit().await?;
            Ok(to)
        })
        .await
    }
}

/// A missing referenced record is the caller's mistake (a field error); any other failure
/// stays what it is.
fn not_found_as_invalid(e: sqlx::Error, field: &'static str, message: &str) -> StoreError {
    match e {
        sqlx::Error::RowNotFound => StoreError::invalid(field, message),
        other => other.into(),
    }
}
