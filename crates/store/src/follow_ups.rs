//! The office's follow-up requests: their states (open, booked, done, cancelled) with an
//! append-only history of every move, and the office's settings (when an open request is
//! overdue).

use crate::audit::AuditAction;
use crate::outbox::{Delivery, Handled, Subscriber, Tx};
use crate::shared::follow_up::{Move, NewFollowUpRow, insert_follow_up, move_in};
use crate::sql::{self, parse_date, parse_enum, parse_id, parse_ts};
use crate::write::AuditRow;
use crate::{Actor, FollowUp, Result, Scope, Store, StoreError};
use domain::AppointmentStatus;
use domain::events::{DomainEvent, kind};
use domain::follow_up::{DEFAULT_OVERDUE_DAYS, FollowUpKind, FollowUpState, validate_overdue_days};
use domain::ids::{AppointmentId, FollowUpId};
use serde::Serialize;
use sqlx::FromRow;
use time::OffsetDateTime;
use utoipa::ToSchema;

/// One move of a follow-up request.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FollowUpChange {
    pub status: FollowUpState,
    pub reason: String,
    pub changed_by_name: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub changed_at: OffsetDateTime,
}

/// A follow-up request with every move it has made, oldest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FollowUpDetail {
    #[serde(flatten)]
    pub request: FollowUp,
    pub history: Vec<FollowUpChange>,
}

/// The office's settings for one provider.
#[derive(Debug, Clone, Serialize, serde::Deserialize, ToSchema)]
pub struct OfficeSettings {
    /// An open follow-up request is tagged "Overdue" once it has been open for more than
    /// this many days (1 to 365; default 14).
    pub follow_up_overdue_days: i64,
}

impl Default for OfficeSettings {
    fn default() -> Self {
        OfficeSettings {
            follow_up_overdue_days: DEFAULT_OVERDUE_DAYS,
        }
    }
}

pub(crate) const LIST_COLUMNS: &str = "f.id, f.kind, f.timescale, f.note, f.status, f.participant_id, p.first_name, p.last_name, p.nhs_number, \
     f.appointment_id, c.clinic_date, f.created_by_name, f.created_at, f.details, f.episode_id, f.views, \
     f.booked_appointment_id, bc.clinic_date AS booked_date, b.status AS booked_status \
     FROM follow_up_requests f \
     JOIN participants p ON p.id = f.participant_id AND p.provider_id = f.provider_id \
     JOIN appointments a ON a.id = f.appointment_id AND a.provider_id = f.provider_id \
     JOIN clinics c ON c.id = a.clinic_id AND c.provider_id = f.provider_id \
     LEFT JOIN appointments b ON b.id = f.booked_appointment_id AND b.provider_id = f.provider_id \
     LEFT JOIN clinics bc ON bc.id = b.clinic_id AND bc.provider_id = f.provider_id";

/// A follow-up request with its participant and appointments ([`LIST_COLUMNS`]), as stored.
#[derive(FromRow)]
struct FollowUpRow {
    id: String,
    kind: String,
    timescale: String,
    note: String,
    status: String,
    participant_id: String,
    first_name: String,
    last_name: String,
    nhs_number: String,
    appointment_id: String,
    clinic_date: String,
    created_by_name: String,
    created_at: String,
    details: String,
    episode_id: String,
    views: String,
    booked_appointment_id: Option<String>,
    booked_date: Option<String>,
    booked_status: Option<String>,
}

impl TryFrom<FollowUpRow> for FollowUp {
    type Error = StoreError;
    fn try_from(r: FollowUpRow) -> Result<Self> {
        Ok(FollowUp {
            id: parse_id(&r.id)?,
            kind: r.kind,
            timescale: r.timescale,
            note: r.note,
            status: r.status,
            participant_id: parse_id(&r.participant_id)?,
            participant_name: format!("{} {}", r.first_name, r.last_name),
            nhs_number: r.nhs_number,
            appointment_id: parse_id(&r.appointment_id)?,
            appointment_date: parse_date(&r.clinic_date)?,
            created_by_name: r.created_by_name,
            created_at: parse_ts(&r.created_at)?,
            details: r.details,
            episode_id: parse_id(&r.episode_id)?,
            views: crate::shared::follow_up::parse_views(&r.views)?,
            booked_appointment_id: r
                .booked_appointment_id
                .as_deref()
                .map(parse_id)
                .transpose()?,
            booked_date: r.booked_date.as_deref().map(parse_date).transpose()?,
            booked_status: r.booked_status.as_deref().map(parse_enum).transpose()?,
        })
    }
}

/// A request to move, with its state and participant, as stored.
#[derive(FromRow)]
struct MoveRow {
    id: String,
    status: String,
    participant_id: String,
}

/// A request booked into an appointment, with that appointment's clinic date, as stored.
#[derive(FromRow)]
struct BookedRow {
    id: String,
    participant_id: String,
    clinic_date: String,
}

/// How many requests of one kind, as stored.
#[derive(FromRow)]
struct KindCountRow {
    kind: String,
    n: i64,
}

/// One move of a request, as stored.
#[derive(FromRow)]
struct FollowUpChangeRow {
    status: String,
    reason: String,
    changed_by_name: String,
    changed_at: String,
}

impl TryFrom<FollowUpChangeRow> for FollowUpChange {
    type Error = StoreError;
    fn try_from(r: FollowUpChangeRow) -> Result<Self> {
        Ok(FollowUpChange {
            status: parse_enum(&r.status)?,
            reason: r.reason,
            changed_by_name: r.changed_by_name,
            changed_at: parse_ts(&r.changed_at)?,
        })
    }
}

/// A request's state and participant, as stored.
#[derive(FromRow)]
struct StatusRow {
    status: String,
    participant_id: String,
}

/// Cancels every open or booked reschedule or opt-out request an appointment's ending
/// raised (when that ending is undone), in the caller's transaction.
pub(crate) async fn cancel_follow_ups_of(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    scope: Scope,
    actor: &Actor,
    appointment_id: AppointmentId,
    reason: &str,
) -> Result<()> {
    let rows = sqlx::query_as::<_, MoveRow>(
        "SELECT id, status, participant_id FROM follow_up_requests WHERE provider_id = $1 AND appointment_id = $2 \
         AND kind IN ($3, $4) AND status IN ($5, $6)",
    )
    .bind(sql::id(scope.provider_id))
    .bind(sql::id(appointment_id))
    .bind(FollowUpKind::Reschedule.as_str())
    .bind(FollowUpKind::OptOut.as_str())
    .bind(FollowUpState::Open.as_str())
    .bind(FollowUpState::Booked.as_str())
    .fetch_all(&mut **tx)
    .await?;
    for r in rows {
        let m = Move {
            id: parse_id(&r.id)?,
            participant_id: parse_id(&r.participant_id)?,
            from: parse_enum(&r.status)?,
            to: FollowUpState::Cancelled,
        };
        move_in(tx, scope, actor, m, reason).await?;
    }
    Ok(())
}

/// How the office's follow-up requests react to other features' events.
pub(crate) const SUBSCRIBERS: &[Subscriber] = &[
    // A result without its recall or referral request would leave the participant
    // without one: raised with the result, in its transaction.
    Subscriber {
        name: "follow_ups.from_reading",
        kinds: &[kind::CASE_CONCLUDED],
        delivery: Delivery::InTransaction,
        handle: raise_from_reading,
    },
    // A booked request follows its appointment: done once she attended, back to be booked
    // (and on the failsafe list) if she did not attend or the appointment was cancelled,
    // booked again if that ending is undone. In the ending's transaction, so the office's
    // lists never show a booked request whose appointment has ended.
    Subscriber {
        name: "follow_ups.booked_appointment",
        kinds: &[kind::APPOINTMENT_ENDED, kind::APPOINTMENT_ENDING_UNDONE],
        delivery: Delivery::InTransaction,
        handle: follow_booked_appointment,
    },
    // Tidying the office's list when an ending is undone need not hold up the undo.
    Subscriber {
        name: "follow_ups.cancel_on_undo",
        kinds: &[kind::APPOINTMENT_ENDING_UNDONE],
        delivery: Delivery::AfterCommit,
        handle: cancel_on_undo,
    },
];

/// The follow-up requests a concluded reading case asks for: technical recalls and
/// assessment referrals, and more images unless the mammographer's request already made
/// one at the end of the appointment.
fn raise_from_reading<'a>(tx: &'a mut Tx, actor: &'a Actor, event: &'a DomainEvent) -> Handled<'a> {
    Box::pin(async move {
        let DomainEvent::CaseConcluded(e) = event else {
            return Ok(());
        };
        let scope = Scope {
            provider_id: e.provider_id,
        };
        for f in &e.follow_ups {
            if f.kind == FollowUpKind::MoreImages {
                let open = sqlx::query_scalar::<_, i64>(
                    "SELECT COUNT(*) AS n FROM follow_up_requests WHERE provider_id = $1 AND appointment_id = $2 AND kind = $3",
                )
                .bind(sql::id(scope.provider_id))
                .bind(sql::id(e.appointment_id))
                .bind(FollowUpKind::MoreImages.as_str())
                .fetch_one(&mut **tx)
                .await?;
                if open > 0 {
                    continue;
                }
            }
            insert_follow_up(
                tx,
                scope,
                actor,
                NewFollowUpRow {
                    participant_id: e.participant_id,
                    episode_id: e.episode_id,
                    appointment_id: e.appointment_id,
                    kind: f.kind.as_str(),
                    timescale: "",
                    note: "",
                    details: &f.details,
                    reading_case_id: Some(e.case_id),
                    views: &f.views,
                },
            )
            .await?;
        }
        Ok(())
    })
}

/// Moves the request booked into the ended (or un-ended) appointment, if there is one.
fn follow_booked_appointment<'a>(
    tx: &'a mut Tx,
    actor: &'a Actor,
    event: &'a DomainEvent,
) -> Handled<'a> {
    Box::pin(async move {
        use domain::AppointmentStatus as S;
        let (provider_id, appointment_id, from, to, why) = match event {
            DomainEvent::AppointmentEnded(e) => {
                let (to, why) = match e.status {
                    S::Screened | S::PartiallyScreened => (FollowUpState::Done, "Attended"),
                    S::AttendedNotScreened => (FollowUpState::Done, "Attended, not screened"),
                    S::DidNotAttend => (FollowUpState::Open, "Did not attend"),
                    S::Cancelled | S::RescheduleRequested => {
                        (FollowUpState::Open, "Appointment cancelled")
                    }
                    S::Scheduled | S::CheckedIn | S::InProgress | S::Paused => return Ok(()),
                };
                (
                    e.provider_id,
                    e.appointment_id,
                    FollowUpState::Booked,
                    to,
                    why,
                )
            }
            DomainEvent::AppointmentEndingUndone(e) => (
                e.provider_id,
                e.appointment_id,
                FollowUpState::Open,
                FollowUpState::Booked,
                "Appointment outcome undone",
            ),
            _ => return Ok(()),
        };
        let scope = Scope { provider_id };
        let rows = sqlx::query_as::<_, BookedRow>(
            "SELECT f.id, f.participant_id, c.clinic_date FROM follow_up_requests f \
             JOIN appointments a ON a.id = f.booked_appointment_id AND a.provider_id = f.provider_id \
             JOIN clinics c ON c.id = a.clinic_id AND c.provider_id = a.provider_id \
             WHERE f.provider_id = $1 AND f.booked_appointment_id = $2 AND f.status = $3",
        )
        .bind(sql::id(provider_id))
        .bind(sql::id(appointment_id))
        .bind(from.as_str())
        .fetch_all(&mut **tx)
        .await?;
        for r in rows {
            let date = parse_date(&r.clinic_date)?;
            let m = Move {
                id: parse_id(&r.id)?,
                participant_id: parse_id(&r.participant_id)?,
                from,
                to,
            };
            let reason = format!(
                "{why}: appointment on {}",
                domain::medical::format_date(date)
            );
            move_in(tx, scope, actor, m, &reason).await?;
        }
        Ok(())
    })
}

/// Undoing did not attend or a cancellation cancels the reschedule and opt-out requests
/// the ending raised. Idempotent: only open or booked requests move.
fn cancel_on_undo<'a>(tx: &'a mut Tx, actor: &'a Actor, event: &'a DomainEvent) -> Handled<'a> {
    Box::pin(async move {
        let DomainEvent::AppointmentEndingUndone(e) = event else {
            return Ok(());
        };
        let scope = Scope {
            provider_id: e.provider_id,
        };
        cancel_follow_ups_of(
            tx,
            scope,
            actor,
            e.appointment_id,
            "The appointment's outcome was undone",
        )
        .await
    })
}

impl Store {
    /// Follow-up requests of one kind in any of `states`, oldest first.
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id))]
    pub async fn follow_ups_in(
        &self,
        scope: Scope,
        kind: FollowUpKind,
        states: &[FollowUpState],
    ) -> Result<Vec<FollowUp>> {
        if states.is_empty() {
            return Ok(Vec::new());
        }
        let placeholders = sql::placeholders(3, states);
        let query = format!(
            "SELECT {LIST_COLUMNS} WHERE f.provider_id = $1 AND f.kind = $2 AND f.status IN ({placeholders}) ORDER BY f.created_at, f.id"
        );
        let mut q = sqlx::query_as::<_, FollowUpRow>(&query)
            .bind(sql::id(scope.provider_id))
            .bind(kind.as_str());
        for s in states {
            q = q.bind(s.as_str());
        }
        q.fetch_all(self.pool())
            .await?
            .into_iter()
            .map(FollowUp::try_from)
            .collect()
    }

    /// How many requests of each kind are in one of `states`: the list page's tab counts,
    /// in one indexed query rather than every list loaded.
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id))]
    pub async fn follow_up_counts(
        &self,
        scope: Scope,
        states: &[FollowUpState],
    ) -> Result<Vec<(FollowUpKind, usize)>> {
        if states.is_empty() {
            return Ok(Vec::new());
        }
        let placeholders = sql::placeholders(2, states);
        let query = format!(
            "SELECT kind, COUNT(*) AS n FROM follow_up_requests \
             WHERE provider_id = $1 AND status IN ({placeholders}) GROUP BY kind"
        );
        let mut q = sqlx::query_as::<_, KindCountRow>(&query).bind(sql::id(scope.provider_id));
        for s in states {
            q = q.bind(s.as_str());
        }
        let rows = q.fetch_all(self.pool()).await?;
        let mut counts = Vec::with_capacity(rows.len());
        for r in rows {
            // A kind this build does not know (written by a newer one) is left out.
            if let Ok(kind) = r.kind.parse::<FollowUpKind>() {
                counts.push((kind, usize::try_from(r.n).unwrap_or(0)));
            }
        }
        Ok(counts)
    }

    /// One follow-up request with its history.
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, id = %id))]
    pub async fn follow_up(&self, scope: Scope, id: FollowUpId) -> Result<FollowUpDetail> {
        let request = sqlx::query_as::<_, FollowUpRow>(&format!(
            "SELECT {LIST_COLUMNS} WHERE f.id = $1 AND f.provider_id = $2"
        ))
        .bind(sql::id(id))
        .bind(sql::id(scope.provider_id))
        .fetch_one(self.pool())
        .await?
        .try_into()?;
        let history = sqlx::query_as::<_, FollowUpChangeRow>(
            "SELECT status, reason, changed_by_name, changed_at FROM follow_up_history \
             WHERE provider_id = $1 AND follow_up_id = $2 ORDER BY changed_at, id",
        )
        .bind(sql::id(scope.provider_id))
        .bind(sql::id(id))
        .fetch_all(self.pool())
        .await?
        .into_iter()
        .map(FollowUpChange::try_from)
        .collect::<Result<Vec<_>>>()?;
        Ok(FollowUpDetail { request, history })
    }

    /// Marks a follow-up request booked, done or cancelled (with a reason), if the rules
    /// allow the move from its current state. Returns the new state.
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, user = actor.user_id.map(tracing::field::display), id = %id))]
    pub async fn set_follow_up_status(
        &self,
        scope: Scope,
        actor: &Actor,
        id: FollowUpId,
        to: FollowUpState,
        reason: &str,
    ) -> Result<FollowUpState> {
        let reason = reason.trim();
        let mut write = self.begin_change().await?;
        let tx = write.tx();
        let row = sqlx::query_as::<_, StatusRow>(
            "SELECT status, participant_id FROM follow_up_requests WHERE id = $1 AND provider_id = $2",
        )
        .bind(sql::id(id))
        .bind(sql::id(scope.provider_id))
        .fetch_one(&mut **tx)
        .await?;
        let from: FollowUpState = parse_enum(&row.status)?;
        from.move_to(to, reason).map_err(StoreError::Invalid)?;
        let participant_id = parse_id(&row.participant_id)?;
        let m = Move {
            id,
            participant_id,
            from,
            to,
        };
        move_in(tx, scope, actor, m, reason).await?;
        write.commit().await?;
        Ok(to)
    }

    /// The office's settings (the defaults until the office changes them).
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id))]
    pub async fn office_settings(&self, scope: Scope) -> Result<OfficeSettings> {
        Ok(sqlx::query_scalar::<_, i64>(
            "SELECT follow_up_overdue_days FROM office_settings WHERE provider_id = $1",
        )
        .bind(sql::id(scope.provider_id))
        .fetch_optional(self.pool())
        .await?
        .map(|days| OfficeSettings {
            follow_up_overdue_days: days,
        })
        .unwrap_or_default())
    }

    /// Changes the office's settings, audited.
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, user = actor.user_id.map(tracing::field::display)))]
    pub async fn set_office_settings(
        &self,
        scope: Scope,
        actor: &Actor,
        settings: &OfficeSettings,
    ) -> Result<()> {
        validate_overdue_days(settings.follow_up_overdue_days).map_err(StoreError::Invalid)?;
        let mut write = self.begin_change().await?;
        let tx = write.tx();
        let now = sql::ts(sql::now());
        let done = sqlx::query(
            "UPDATE office_settings SET follow_up_overdue_days = $1, updated_by_name = $2, updated_at = $3 WHERE provider_id = $4",
        )
        .bind(settings.follow_up_overdue_days)
        .bind(&actor.name)
        .bind(&now)
        .bind(sql::id(scope.provider_id))
        .execute(&mut **tx)
        .await?;
        if done.rows_affected() == 0 {
            sqlx::query(
                "INSERT INTO office_settings (provider_id, follow_up_overdue_days, updated_by_name, updated_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(sql::id(scope.provider_id))
            .bind(settings.follow_up_overdue_days)
            .bind(&actor.name)
            .bind(&now)
            .execute(&mut **tx)
            .await?;
        }
        write
            .commit_audited(AuditRow::new(
                actor,
                AuditAction::Update,
                "office_settings",
                scope.provider_id,
                None,
                serde_json::to_value(settings).unwrap_or_default(),
            ))
            .await?;
        Ok(())
    }
}

impl Store {
    /// The failsafe list: clinical follow-up requests (recalls, more images, assessment
    /// referrals) whose booked appointment she did not attend, so they are open again with
    /// their result still to come. Oldest first.
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id))]
    pub async fn failsafe_follow_ups(&self, scope: Scope) -> Result<Vec<FollowUp>> {
        let kinds: Vec<&str> = FollowUpKind::ALL
            .iter()
            .filter(|k| k.failsafe())
            .map(|k| k.as_str())
            .collect();
        let query = format!(
            "SELECT {LIST_COLUMNS} WHERE f.provider_id = $1 AND f.kind IN ({}) AND f.status = $2 \
             AND b.status = $3 ORDER BY f.created_at, f.id",
            sql::placeholders(4, &kinds)
        );
        let mut q = sqlx::query_as::<_, FollowUpRow>(&query)
            .bind(sql::id(scope.provider_id))
            .bind(FollowUpState::Open.as_str())
            .bind(AppointmentStatus::DidNotAttend.as_str());
        for kind in kinds {
            q = q.bind(kind);
        }
        q.fetch_all(self.pool())
            .await?
            .into_iter()
            .map(FollowUp::try_from)
            .collect()
    }

    /// Open follow-up requests of one kind ("more_images" or "reschedule"), oldest first.
    pub async fn follow_ups(&self, scope: Scope, kind: &str) -> Result<Vec<FollowUp>> {
        self.follow_ups_of(scope, &[kind]).await
    }

    /// Open follow-up requests of any of these kinds, oldest first: the office's list of
    /// outcomes that need an action.
    pub async fn follow_ups_of(&self, scope: Scope, kinds: &[&str]) -> Result<Vec<FollowUp>> {
        if kinds.is_empty() {
            return Ok(Vec::new());
        }
        let query = format!(
            "SELECT {LIST_COLUMNS} WHERE f.provider_id = $1 AND f.kind IN ({}) AND f.status = $2 ORDER BY f.created_at",
            sql::placeholders(3, kinds)
        );
        let mut q = sqlx::query_as::<_, FollowUpRow>(&query)
            .bind(sql::id(scope.provider_id))
            .bind(FollowUpState::Open.as_str());
        for kind in kinds {
            q = q.bind(*kind);
        }
        let rows = q.fetch_all(self.pool()).await?;
        rows.into_iter().map(FollowUp::try_from).collect()
    }
}
