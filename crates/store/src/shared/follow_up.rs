//! Follow-up requests for the office, as any feature raises them.

use crate::audit::{self, AuditAction};
use crate::outbox::{self, Tx};
use crate::sql;
use crate::{Actor, Result, Scope, new_id};
use domain::events::{DomainEvent, FollowUpRaised};
use uuid::Uuid;

/// A follow-up request to record: from the end of an appointment or a reading result.
pub(crate) struct NewFollowUpRow<'a> {
    pub participant_id: Uuid,
    pub episode_id: Uuid,
    pub appointment_id: Uuid,
    pub kind: &'a str,
    pub timescale: &'a str,
    pub note: &'a str,
    pub details: &'a str,
    pub reading_case_id: Option<Uuid>,
}

/// Records an open follow-up request for the office, with its audit row, in the caller's
/// transaction.
pub(crate) async fn insert_follow_up(
    tx: &mut Tx,
    scope: Scope,
    actor: &Actor,
    f: NewFollowUpRow<'_>,
) -> Result<()> {
    let fid = new_id();
    sqlx::query(
        "INSERT INTO follow_up_requests (id, provider_id, participant_id, episode_id, appointment_id, kind, timescale, note, \
         status, created_by_name, created_at, details, reading_case_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'open', $9, $10, $11, $12)",
    )
    .bind(sql::id(fid))
    .bind(sql::id(scope.provider_id))
    .bind(sql::id(f.participant_id))
    .bind(sql::id(f.episode_id))
    .bind(sql::id(f.appointment_id))
    .bind(f.kind)
    .bind(f.timescale)
    .bind(f.note)
    .bind(&actor.name)
    .bind(sql::ts(sql::now()))
    .bind(f.details)
    .bind(f.reading_case_id.map(sql::id))
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "INSERT INTO follow_up_history (id, provider_id, follow_up_id, status, reason, changed_by, changed_by_name, changed_at) \
         VALUES ($1, $2, $3, 'open', '', $4, $5, $6)",
    )
    .bind(sql::id(new_id()))
    .bind(sql::id(scope.provider_id))
    .bind(sql::id(fid))
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
