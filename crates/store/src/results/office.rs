//! The office's side of result deliveries: print batches, her letters and GP messages,
//! the failsafe list and what the office does about it (resolve, send again, re-issue),
//! and the daily count that reconciles.

use super::deliveries::{
    DELIVERY_FIELDS, DeliveryChange, DeliveryRecord, DeliveryRow, PENDING, history, move_delivery,
    queue,
};
use crate::audit::AuditAction;
use crate::sql::{self, parse_enum, parse_id, parse_ts};
use crate::write::AuditRow;
use crate::{Actor, FieldError, Result, Scope, Store, StoreError};
use domain::delivery::{Channel, DeliveryEvent, DeliveryState, FailsafeReason, failsafe};
use domain::ids::ParticipantId;
use serde::Serialize;
use sqlx::FromRow;
use std::collections::BTreeMap;
use time::{Date, Duration, OffsetDateTime};
use utoipa::ToSchema;
use uuid::Uuid;

/// Why a delivery is on the office's failsafe list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FailsafeItem {
    pub reason: FailsafeReason,
    pub delivery: DeliveryRecord,
}

/// A day's print batch: one PDF of letters and its manifest in the print folder.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PrintBatch {
    pub id: Uuid,
    pub file_name: String,
    pub letter_count: i64,
    pub page_count: i64,
    pub sha256: String,
    pub created_by_name: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

/// The daily count that reconciles: every result issued in the window has a letter and a
/// GP message, or a reason why not.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct Reconciliation {
    #[schema(value_type = String, format = Date)]
    pub date: Option<Date>,
    /// Result versions issued that day.
    pub results: i64,
    /// Letters and GP messages of those results, by state (the stored value).
    pub letters: BTreeMap<String, i64>,
    pub gp_messages: BTreeMap<String, i64>,
    /// Results with no letter, or no GP message, at all: always 0 unless something is wrong.
    pub without_letter: i64,
    pub without_gp_message: i64,
}

/// A history row of one delivery.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeliveryHistoryEntry {
    pub state: DeliveryState,
    pub detail: String,
    pub actor_name: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub at: OffsetDateTime,
}

/// A print batch, as stored.
#[derive(FromRow)]
struct PrintBatchRow {
    id: String,
    file_name: String,
    letter_count: i64,
    page_count: i64,
    sha256: String,
    created_by_name: String,
    created_at: String,
}

impl TryFrom<PrintBatchRow> for PrintBatch {
    type Error = StoreError;
    fn try_from(r: PrintBatchRow) -> Result<Self> {
        Ok(PrintBatch {
            id: parse_id(&r.id)?,
            file_name: r.file_name,
            letter_count: r.letter_count,
            page_count: r.page_count,
            sha256: r.sha256,
            created_by_name: r.created_by_name,
            created_at: parse_ts(&r.created_at)?,
        })
    }
}

/// A history row of one delivery, as stored.
#[derive(FromRow)]
struct DeliveryHistoryRow {
    state: String,
    detail: String,
    actor_name: String,
    created_at: String,
}

impl TryFrom<DeliveryHistoryRow> for DeliveryHistoryEntry {
    type Error = StoreError;
    fn try_from(r: DeliveryHistoryRow) -> Result<Self> {
        Ok(DeliveryHistoryEntry {
            state: parse_enum(&r.state)?,
            detail: r.detail,
            actor_name: r.actor_name,
            at: parse_ts(&r.created_at)?,
        })
    }
}

/// One group of the day's deliveries by channel and state, as stored.
#[derive(FromRow)]
struct DeliveryCountRow {
    channel: String,
    state: String,
    n: i64,
}

impl Store {
    /// Records a print batch and moves its letters into it (only those still queued).
    pub async fn record_print_batch(
        &self,
        scope: Scope,
        actor: &Actor,
        batch: &PrintBatch,
        letters: &[(Uuid, String)],
    ) -> Result<()> {
        let p = sql::id(scope.provider_id);
        let now = sql::now();
        let mut write = self.begin_change().await?;
        let tx = write.tx();
        sqlx::query(
            "INSERT INTO print_batches (id, provider_id, file_name, letter_count, page_count, sha256, created_by_name, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(sql::id(batch.id))
        .bind(&p)
        .bind(&batch.file_name)
        .bind(batch.letter_count)
        .bind(batch.page_count)
        .bind(&batch.sha256)
        .bind(&actor.name)
        .bind(sql::ts(batch.created_at))
        .execute(&mut **tx)
        .await?;
        for (id, sha) in letters {
            let moved = sqlx::query(
                "UPDATE result_deliveries SET state = $6, print_batch_id = $1, sha256 = $2, sent_at = $3, \
                 claimed_until = NULL, updated_at = $3 WHERE id = $4 AND provider_id = $5 AND state = $7",
            )
            .bind(sql::id(batch.id))
            .bind(sha)
            .bind(sql::ts(now))
            .bind(sql::id(*id))
            .bind(&p)
            .bind(DeliveryState::Printed.as_str())
            .bind(DeliveryState::Queued.as_str())
            .execute(&mut **tx)
            .await?;
            if moved.rows_affected() == 1 {
                history(
                    tx,
                    &p,
                    &sql::id(*id),
                    DeliveryState::Printed,
                    &format!("In print batch {}", batch.file_name),
                    &actor.name,
                    now,
                )
                .await?;
            }
        }
        write.commit_audited(AuditRow::new(actor, AuditAction::Create, "print_batch", batch.id, None, serde_json::json!({ "file": batch.file_name, "letters": batch.letter_count, "sha256": batch.sha256 }))).await?;
        Ok(())
    }

    /// The provider's print batches, newest first.
    pub async fn print_batches(&self, scope: Scope, limit: i64) -> Result<Vec<PrintBatch>> {
        sqlx::query_as::<_, PrintBatchRow>(
            "SELECT id, file_name, letter_count, page_count, sha256, created_by_name, created_at FROM print_batches \
             WHERE provider_id = $1 ORDER BY created_at DESC LIMIT $2",
        )
        .bind(sql::id(scope.provider_id))
        .bind(limit)
        .fetch_all(self.pool())
        .await?
        .into_iter()
        .map(TryInto::try_into)
        .collect()
    }

    /// A participant's deliveries, newest first. Scoped: empty for another provider's.
    pub async fn participant_deliveries(
        &self,
        scope: Scope,
        participant_id: ParticipantId,
    ) -> Result<Vec<DeliveryRecord>> {
        self.deliveries_where(
            "d.provider_id = $1 AND d.participant_id = $2 ORDER BY d.queued_at DESC, d.id DESC",
            scope,
            Some(sql::id(participant_id)),
        )
        .await
    }

    /// The provider's GP messages, newest first (the local outbox the office browses when
    /// no MESH is set up, and the messages sent when it is).
    pub async fn gp_messages(&self, scope: Scope, limit: i64) -> Result<Vec<DeliveryRecord>> {
        self.deliveries_where(
            &format!(
                "d.provider_id = $1 AND d.channel = $2 ORDER BY d.queued_at DESC, d.id DESC LIMIT {}",
                limit.clamp(1, 1000)
            ),
            scope,
            Some(Channel::GpMessage.as_str().to_owned()),
        )
        .await
    }

    /// One delivery. `NotFound` for another provider's.
    pub async fn delivery(&self, scope: Scope, id: Uuid) -> Result<DeliveryRecord> {
        self.deliveries_where("d.provider_id = $1 AND d.id = $2", scope, Some(sql::id(id)))
            .await?
            .into_iter()
            .next()
            .ok_or(StoreError::NotFound)
    }

    /// The deliveries `filter` selects, with the provider bound at `$1` and `second`, if
    /// any, at `$2`.
    async fn deliveries_where(
        &self,
        filter: &str,
        scope: Scope,
        second: Option<String>,
    ) -> Result<Vec<DeliveryRecord>> {
        let sql = format!("SELECT {DELIVERY_FIELDS} WHERE {filter}");
        let mut q = sqlx::query_as::<_, DeliveryRow>(&sql).bind(sql::id(scope.provider_id));
        if let Some(second) = second {
            q = q.bind(second);
        }
        q.fetch_all(self.pool())
            .await?
            .into_iter()
            .map(TryInto::try_into)
            .collect()
    }

    /// A delivery's history, oldest first.
    pub async fn delivery_history(
        &self,
        scope: Scope,
        id: Uuid,
    ) -> Result<Vec<DeliveryHistoryEntry>> {
        sqlx::query_as::<_, DeliveryHistoryRow>(
            "SELECT state, detail, actor_name, created_at FROM result_delivery_history \
             WHERE provider_id = $1 AND delivery_id = $2 ORDER BY created_at, id",
        )
        .bind(sql::id(scope.provider_id))
        .bind(sql::id(id))
        .fetch_all(self.pool())
        .await?
        .into_iter()
        .map(TryInto::try_into)
        .collect()
    }

    /// The office's failsafe list: failed and undeliverable deliveries, GP messages not
    /// acknowledged after `ack_days`, and deliveries still not made after as long. Oldest
    /// first.
    pub async fn failsafe_list(&self, scope: Scope, ack_days: i64) -> Result<Vec<FailsafeItem>> {
        let now = sql::now();
        let before = sql::ts(now - Duration::days(ack_days));
        // What `domain::delivery::failsafe` lists: failed, sent (and not acknowledged) long
        // ago, still to be made long after it was queued.
        const FAILED: [DeliveryState; 2] = [DeliveryState::Failed, DeliveryState::Undeliverable];
        const SENT: [DeliveryState; 2] = [DeliveryState::Sent, DeliveryState::Delivered];
        let sql = format!(
            "SELECT {DELIVERY_FIELDS} WHERE d.provider_id = $1 AND (d.state IN ({failed}) \
             OR (d.state IN ({sent}) AND d.sent_at <= $2) \
             OR (d.state IN ({pending}) AND d.queued_at <= $2)) \
             ORDER BY d.queued_at, d.id LIMIT 500",
            failed = sql::placeholders(3, &FAILED),
            sent = sql::placeholders(3 + FAILED.len(), &SENT),
            pending = sql::placeholders(3 + FAILED.len() + SENT.len(), &PENDING),
        );
        let mut q = sqlx::query_as::<_, DeliveryRow>(&sql)
            .bind(sql::id(scope.provider_id))
            .bind(&before);
        for s in FAILED.iter().chain(&SENT).chain(&PENDING) {
            q = q.bind(s.as_str());
        }
        let rows = q.fetch_all(self.pool()).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let d = DeliveryRecord::try_from(r)?;
            if let Some(reason) = failsafe(d.state, d.queued_at, d.sent_at, now, ack_days) {
                out.push(FailsafeItem {
                    reason,
                    delivery: d,
                });
            }
        }
        Ok(out)
    }

    /// The office resolves a delivery on its failsafe list by other means (posted to the
    /// practice, telephoned), with a note; audited.
    pub async fn resolve_delivery(
        &self,
        scope: Scope,
        actor: &Actor,
        id: Uuid,
        note: &str,
    ) -> Result<DeliveryRecord> {
        let note = required_note(note, "note", "Enter what was done instead")?;
        self.office_move(scope, actor, id, DeliveryEvent::OfficeResolved, &note)
            .await
    }

    /// The office sends a failed or undeliverable GP message again; audited.
    pub async fn retry_delivery(
        &self,
        scope: Scope,
        actor: &Actor,
        id: Uuid,
    ) -> Result<DeliveryRecord> {
        self.office_move(
            scope,
            actor,
            id,
            DeliveryEvent::OfficeRetry,
            "Sent again by the office",
        )
        .await
    }

    async fn office_move(
        &self,
        scope: Scope,
        actor: &Actor,
        id: Uuid,
        event: DeliveryEvent,
        detail: &str,
    ) -> Result<DeliveryRecord> {
        let mut write = self.begin_change().await?;
        let tx = write.tx();
        let change = DeliveryChange {
            detail: detail.to_owned(),
            next_attempt_at: Some(sql::now()),
            ..DeliveryChange::default()
        };
        // Audited with the move.
        move_delivery(tx, scope, actor, id, event, &change).await?;
        write.commit().await?;
        self.delivery(scope, id).await
    }

    /// Re-issues a letter: a new letter of the same result version, queued for the next
    /// print batch, naming the one it repeats and why; audited.
    pub async fn reissue_letter(
        &self,
        scope: Scope,
        actor: &Actor,
        id: Uuid,
        reason: &str,
    ) -> Result<DeliveryRecord> {
        let reason = required_note(reason, "reason", "Enter why the letter is sent again")?;
        let d = self.delivery(scope, id).await?;
        if d.channel != Channel::Letter {
            return Err(StoreError::Invalid(vec![FieldError::new(
                "delivery",
                "Only a letter can be re-issued; send a GP message again instead",
            )]));
        }
        if !domain::delivery::may_reissue(d.channel, d.state) {
            return Err(StoreError::Conflict(format!(
                "Only a printed letter can be re-issued; this one is {}",
                d.state.label().to_lowercase()
            )));
        }
        let p = sql::id(scope.provider_id);
        let mut write = self.begin_change().await?;
        let tx = write.tx();
        let new = queue(
            tx,
            &p,
            &sql::id(d.result_id),
            &sql::id(d.participant_id),
            Channel::Letter,
            DeliveryState::Queued,
            &format!("Re-issued: {reason}"),
            &d.gp_practice_code,
            None,
            Some(&sql::id(id)),
            &actor.name,
        )
        .await?;
        write
            .commit_audited(AuditRow::new(
                actor,
                AuditAction::Create,
                "result_delivery",
                new,
                Some(d.participant_id),
                serde_json::json!({ "reissue_of": id, "reason": reason }),
            ))
            .await?;
        self.delivery(scope, new).await
    }

    /// The day's count: results issued on `date` (London time) and their deliveries.
    pub async fn reconciliation(&self, scope: Scope, date: Date) -> Result<Reconciliation> {
        let (from, to) = domain::dates::london_day_bounds(date);
        let p = sql::id(scope.provider_id);
        let results: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM results WHERE provider_id = $1 AND created_at >= $2 AND created_at < $3",
        )
        .bind(&p)
        .bind(sql::ts(from))
        .bind(sql::ts(to))
        .fetch_one(self.pool())
        .await?;
        let mut out = Reconciliation {
            date: Some(date),
            results,
            ..Reconciliation::default()
        };
        for r in sqlx::query_as::<_, DeliveryCountRow>(
            "SELECT d.channel, d.state, COUNT(*) AS n FROM result_deliveries d JOIN results r \
             ON r.id = d.result_id AND r.provider_id = d.provider_id \
             WHERE d.provider_id = $1 AND r.created_at >= $2 AND r.created_at < $3 AND d.reissue_of IS NULL \
             GROUP BY d.channel, d.state",
        )
        .bind(&p)
        .bind(sql::ts(from))
        .bind(sql::ts(to))
        .fetch_all(self.pool())
        .await?
        {
            let channel: Channel = parse_enum(&r.channel)?;
            match channel {
                Channel::Letter => out.letters.insert(r.state, r.n),
                Channel::GpMessage => out.gp_messages.insert(r.state, r.n),
            };
        }
        for (channel, field) in [
            (Channel::Letter, &mut out.without_letter),
            (Channel::GpMessage, &mut out.without_gp_message),
        ] {
            *field = sqlx::query_scalar(
                "SELECT COUNT(*) FROM results r WHERE r.provider_id = $1 AND r.created_at >= $2 AND r.created_at < $3 \
                 AND NOT EXISTS (SELECT 1 FROM result_deliveries d WHERE d.provider_id = r.provider_id \
                 AND d.result_id = r.id AND d.channel = $4)",
            )
            .bind(&p)
            .bind(sql::ts(from))
            .bind(sql::ts(to))
            .bind(channel.as_str())
            .fetch_one(self.pool())
            .await?;
        }
        Ok(out)
    }
}

fn required_note(text: &str, field: &'static str, message: &'static str) -> Result<String> {
    let t = text.trim();
    if t.is_empty() {
        return Err(StoreError::Invalid(vec![FieldError::new(field, message)]));
    }
    if t.chars().count() > 500 {
        return Err(StoreError::Invalid(vec![FieldError::new(
            field,
            "Must be 500 characters or fewer",
        )]));
    }
    Ok(t.to_owned())
}
