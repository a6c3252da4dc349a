//! Follow-up requests for the office, as any feature raises them.

use crate::audit::{self, AuditAction};
use crate::outbox::{self, Tx};
use crate::shared::appointment::PENDING;
use crate::sql;
use crate::{Actor, Result, Scope, StoreError, new_id};
use domain::events::{DomainEvent, FollowUpRaised};
use domain::follow_up::FollowUpState;
use domain::ids::{AppointmentId, CaseId, EpisodeId, FollowUpId, ParticipantId};
use domain::imaging::View;

/// A follow-up request to record: from the end of an appointment or a reading result.
pub(crate) struct NewFollowUpRow<'a> {
    pub participant_id: ParticipantId,
    pub episode_id: EpisodeId,
    pub appointment_id: AppointmentId,
    pub kind: &'a str,
    pub timescale: &'a str,
    pub note: &'a str,
    pub details: &'a str,
    pub reading_case_id: Option<CaseId>,
    /// The standard views a recall asks for (none: the standard set).
    pub views: &'a [View],
}

/// Views as stored: "rmlo,lcc".
pub(crate) fn views_text(views: &[View]) -> String {
    views
        .iter()
        .map(|v| v.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// Views as stored back; unknown values are a corrupt row.
pub(crate) fn parse_views(text: &str) -> Result<Vec<View>> {
    text.split(',')
        .filter(|v| !v.is_empty())
        .map(crate::sql::parse_enum)
        .collect()
}

/// Records an open follow-up request for the office, with its audit row, in the caller's
/// transaction.
pub(crate) async fn insert_follow_up(
    tx: &mut Tx,
    scope: Scope,
    actor: &Actor,
    f: NewFollowUpRow<'_>,
) -> Result<()> {
    let fid: FollowUpId = new_id().into();
    sqlx::query(
        "INSERT INTO follow_up_requests (id, provider_id, participant_id, episode_id, appointment_id, kind, timescale, note, \
         status, created_by_name, created_at, details, reading_case_id, views) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(sql::id(fid))
    .bind(sql::id(scope.provider_id))
    .bind(sql::id(f.participant_id))
    .bind(sql::id(f.episode_id))
    .bind(sql::id(f.appointment_id))
    .bind(f.kind)
    .bind(f.timescale)
    .bind(f.note)
    .bind(FollowUpState::Open.as_str())
    .bind(&actor.name)
    .bind(sql::ts(sql::now()))
    .bind(f.details)
    .bind(f.reading_case_id.map(sql::id))
    .bind(views_text(f.views))
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "INSERT INTO follow_up_history (id, provider_id, follow_up_id, status, reason, changed_by, changed_by_name, changed_at) \
         VALUES ($1, $2, $3, $4, '', $5, $6, $7)",
    )
    .bind(sql::id(new_id()))
    .bind(sql::id(scope.provider_id))
    .bind(sql::id(fid))
    .bind(FollowUpState::Open.as_str())
    .bind(actor.user_id.map(sql::id))
    .bind(&actor.name)
    .bind(sql::ts(sql::now()))
    .execute(&mut **tx)
    .await?;
    audit::record(
        &mut **tx,
        actor,
        AuditAction::Create,
        "follow_up_request",
        fid,
        Some(f.participant_id),
        &serde_json::json!({ "kind": f.kind, "timescale": f.timescale, "note": f.note, "details": f.details }),
    )
    .await?;
    outbox::record(
        tx,
        scope,
        actor,
        DomainEvent::FollowUpRaised(FollowUpRaised {
            provider_id: scope.provider_id,
            follow_up_id: fid,
            participant_id: f.participant_id,
            episode_id: f.episode_id,
            appointment_id: f.appointment_id,
            kind: crate::sql::parse_enum(f.kind)?,
            reading_case_id: f.reading_case_id,
        }),
    )
    .await?;
    Ok(())
}

/// One request's move from one state to another.
pub(crate) struct Move {
    pub id: FollowUpId,
    pub participant_id: ParticipantId,
    pub from: FollowUpState,
    pub to: FollowUpState,
}

/// Moves one request, with its history row and audit row, in the caller's transaction.
pub(crate) async fn move_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    scope: Scope,
    actor: &Actor,
    m: Move,
    reason: &str,
) -> Result<()> {
    let Move {
        id,
        participant_id,
        from,
        to,
    } = m;
    let now = sql::ts(sql::now());
    let done = sqlx::query(
        "UPDATE follow_up_requests SET status = $1, status_changed_at = $2, status_changed_by_name = $3, status_reason = $4 \
         WHERE id = $5 AND provider_id = $6 AND status = $7",
    )
    .bind(to.as_str())
    .bind(&now)
    .bind(&actor.name)
    .bind(reason)
    .bind(sql::id(id))
    .bind(sql::id(scope.provider_id))
    .bind(from.as_str())
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(StoreError::Conflict(
            "This request was changed by someone else at the same moment. Check it and try again."
                .to_owned(),
        ));
    }
    sqlx::query(
        "INSERT INTO follow_up_history (id, provider_id, follow_up_id, status, reason, changed_by, changed_by_name, changed_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(sql::id(new_id()))
    .bind(sql::id(scope.provider_id))
    .bind(sql::id(id))
    .bind(to.as_str())
    .bind(reason)
    .bind(actor.user_id.map(sql::id))
    .bind(&actor.name)
    .bind(&now)
    .execute(&mut **tx)
    .await?;
    audit::record(
        &mut **tx,
        actor,
        AuditAction::Update,
        "follow_up_request",
        id,
        Some(participant_id),
        &serde_json::json!({ "status": to.as_str(), "previous_status": from.as_str(), "reason": reason }),
    )
    .await
}

/// A follow-up request about to be booked, as read in the booking's transaction.
pub(crate) struct Bookable {
    pub episode_id: EpisodeId,
}

/// Checks that request `id` can be booked for `participant_id` into a clinic of
/// `clinic_type` (open, of a kind booked into that type of clinic, its episode still open
/// with no other appointment to come), in the booking's transaction. Refusals are field
/// errors: nothing is changed.
pub(crate) async fn bookable(
    tx: &mut Tx,
    scope: Scope,
    id: FollowUpId,
    participant_id: ParticipantId,
    clinic_type: domain::ClinicType,
) -> Result<Bookable> {
    /// The request and its episode, as stored.
    #[derive(sqlx::FromRow)]
    struct BookableRow {
        kind: String,
        status: String,
        participant_id: String,
        episode_id: String,
        stage: String,
        pending: i64,
    }
    let p = sql::id(scope.provider_id);
    let query = format!(
        "SELECT f.kind, f.status, f.participant_id, f.episode_id, e.stage, \
         (SELECT COUNT(*) FROM appointments a WHERE a.provider_id = f.provider_id AND a.episode_id = f.episode_id \
          AND a.status IN ({pending})) AS pending \
         FROM follow_up_requests f JOIN episodes e ON e.id = f.episode_id AND e.provider_id = f.provider_id \
         WHERE f.id = $1 AND f.provider_id = $2",
        pending = sql::placeholders(3, &PENDING)
    );
    let mut q = sqlx::query_as::<_, BookableRow>(&query)
        .bind(sql::id(id))
        .bind(&p);
    for s in PENDING {
        q = q.bind(s.as_str());
    }
    let row = q
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| StoreError::invalid("follow_up_id", "No such follow-up request"))?;
    let kind: domain::follow_up::FollowUpKind = crate::sql::parse_enum(&row.kind)?;
    let state: FollowUpState = crate::sql::parse_enum(&row.status)?;
    if crate::sql::parse_id::<ParticipantId>(&row.participant_id)? != participant_id {
        return Err(StoreError::invalid(
            "participant_id",
            "This follow-up request is for another participant",
        ));
    }
    kind.check_booking(state, clinic_type)
        .map_err(StoreError::Invalid)?;
    let stage: domain::EpisodeStage = crate::sql::parse_enum(&row.stage)?;
    if stage == domain::EpisodeStage::Closed {
        return Err(StoreError::invalid(
            "follow_up_id",
            "This request's screening episode is closed: it cannot be booked",
        ));
    }
    if row.pending > 0 {
        return Err(StoreError::invalid(
            "follow_up_id",
            "This participant already has an appointment to come in this episode: change or cancel it instead",
        ));
    }
    Ok(Bookable {
        episode_id: crate::sql::parse_id(&row.episode_id)?,
    })
}

/// Marks request `id` booked into `appointment_id` (on `clinic_date`), with its history and
/// audit rows, in the booking's transaction.
pub(crate) async fn mark_booked(
    tx: &mut Tx,
    scope: Scope,
    actor: &Actor,
    id: FollowUpId,
    participant_id: ParticipantId,
    appointment_id: AppointmentId,
    clinic_date: time::Date,
) -> Result<()> {
    sqlx::query(
        "UPDATE follow_up_requests SET booked_appointment_id = $1 WHERE id = $2 AND provider_id = $3",
    )
    .bind(sql::id(appointment_id))
    .bind(sql::id(id))
    .bind(sql::id(scope.provider_id))
    .execute(&mut **tx)
    .await?;
    move_in(
        tx,
        scope,
        actor,
        Move {
            id,
            participant_id,
            from: FollowUpState::Open,
            to: FollowUpState::Booked,
        },
        &format!("Booked for {}", domain::medical::format_date(clinic_date)),
    )
    .await
}
