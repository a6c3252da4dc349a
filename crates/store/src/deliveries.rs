//! How each result reaches people (issue 13, ADR 28): one delivery per result and channel,
//! the participant's letter and the GP message. They are made in the transaction that
//! issues the result, so no result is ever without its deliveries or a reason why not;
//! a superseded or withdrawn result cancels those not yet made. `domain::delivery` holds
//! the states and their moves; every move is kept in `result_delivery_history`.
//!
//! The senders (the `results` crate) claim due deliveries with a lease, so instances
//! sharing the database never send one twice, and record what came of each.

use crate::audit::{self, AuditAction};
use crate::outbox::Tx;
use crate::results::{RESULT_FIELDS, ResultRecord, from_row as result_from_row};
use crate::sql::{self, parse_date, parse_enum, parse_id, parse_json, parse_ts};
use crate::{Actor, Backend, FieldError, Result, Scope, Store, StoreError, new_id};
use domain::CommunicationPreference;
use domain::delivery::{
    Channel, DeliveryEvent, DeliveryState, FailsafeReason, NO_PRACTICE, failsafe,
};
use domain::results::ResultKind;
use serde::Serialize;
use sqlx::Row;
use std::collections::BTreeMap;
use time::{Date, Duration, OffsetDateTime};
use utoipa::ToSchema;
use uuid::Uuid;

/// How long a sender's claim keeps other instances off a delivery.
const LEASE: Duration = Duration::minutes(5);

/// One delivery of one result version.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeliveryRecord {
    pub id: Uuid,
    pub result_id: Uuid,
    pub result_version: i64,
    pub result_kind: ResultKind,
    pub participant_id: Uuid,
    pub participant_name: String,
    pub nhs_number: String,
    pub channel: Channel,
    pub state: DeliveryState,
    /// Why it was not sent, failed or was resolved; a re-issue's reason.
    pub reason: String,
    pub gp_practice_code: String,
    /// Held until this clinic is closed ("did not attend").
    pub hold_clinic_id: Option<Uuid>,
    pub reissue_of: Option<Uuid>,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub mesh_mailbox: Option<String>,
    pub mesh_message_id: Option<String>,
    pub print_batch_id: Option<Uuid>,
    pub sha256: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub queued_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub sent_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub delivered_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub acknowledged_at: Option<OffsetDateTime>,
}

const DELIVERY_FIELDS: &str = "d.id, d.result_id, r.version, r.kind, d.participant_id, p.first_name, p.last_name, \
     p.nhs_number, d.channel, d.state, d.reason, d.gp_practice_code, d.hold_clinic_id, d.reissue_of, d.attempts, \
     d.last_error, d.mesh_mailbox, d.mesh_message_id, d.print_batch_id, d.sha256, d.queued_at, d.sent_at, \
     d.delivered_at, d.acknowledged_at \
     FROM result_deliveries d JOIN results r ON r.id = d.result_id AND r.provider_id = d.provider_id \
     JOIN participants p ON p.id = d.participant_id AND p.provider_id = d.provider_id";

fn opt_text(r: &sqlx::any::AnyRow, name: &str) -> Result<Option<String>> {
    Ok(r.try_get::<Option<String>, _>(name)?)
}

fn opt_uuid(r: &sqlx::any::AnyRow, name: &str) -> Result<Option<Uuid>> {
    opt_text(r, name)?.map(|s| parse_id(&s)).transpose()
}

fn opt_ts(r: &sqlx::any::AnyRow, name: &str) -> Result<Option<OffsetDateTime>> {
    opt_text(r, name)?.map(|s| parse_ts(&s)).transpose()
}

fn delivery_from_row(r: &sqlx::any::AnyRow) -> Result<DeliveryRecord> {
    Ok(DeliveryRecord {
        id: parse_id(&r.try_get::<String, _>("id")?)?,
        result_id: parse_id(&r.try_get::<String, _>("result_id")?)?,
        result_version: r.try_get("version")?,
        result_kind: parse_enum(&r.try_get::<String, _>("kind")?)?,
        participant_id: parse_id(&r.try_get::<String, _>("participant_id")?)?,
        participant_name: format!(
            "{} {}",
            r.try_get::<String, _>("first_name")?,
            r.try_get::<String, _>("last_name")?
        ),
        nhs_number: r.try_get("nhs_number")?,
        channel: parse_enum(&r.try_get::<String, _>("channel")?)?,
        state: parse_enum(&r.try_get::<String, _>("state")?)?,
        reason: r.try_get("reason")?,
        gp_practice_code: r.try_get("gp_practice_code")?,
        hold_clinic_id: opt_uuid(r, "hold_clinic_id")?,
        reissue_of: opt_uuid(r, "reissue_of")?,
        attempts: r.try_get("attempts")?,
        last_error: opt_text(r, "last_error")?,
        mesh_mailbox: opt_text(r, "mesh_mailbox")?,
        mesh_message_id: opt_text(r, "mesh_message_id")?,
        print_batch_id: opt_uuid(r, "print_batch_id")?,
        sha256: opt_text(r, "sha256")?,
        queued_at: parse_ts(&r.try_get::<String, _>("queued_at")?)?,
        sent_at: opt_ts(r, "sent_at")?,
        delivered_at: opt_ts(r, "delivered_at")?,
        acknowledged_at: opt_ts(r, "acknowledged_at")?,
    })
}

/// Everything a sender needs to render a delivery: the result as issued, the participant's
/// details and preferences, and the office it comes from.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub delivery_id: Uuid,
    pub provider_id: Uuid,
    pub channel: Channel,
    pub state: DeliveryState,
    pub attempts: i64,
    pub mesh_message_id: Option<String>,
    pub result: ResultRecord,
    /// When the version this one supersedes was issued (the letter says it replaces it).
    pub supersedes_issued_at: Option<OffsetDateTime>,
    pub first_name: String,
    pub last_name: String,
    pub date_of_birth: Date,
    /// Address lines, town and postcode, the empty ones left out.
    pub address: Vec<String>,
    pub communication_preferences: Vec<CommunicationPreference>,
    pub gp_practice_code: String,
    pub provider_code: String,
    pub provider_name: String,
}

fn outgoing_query(filter: &str) -> String {
    format!(
        "SELECT {RESULT_FIELDS}, d.id AS delivery_id, d.provider_id AS delivery_provider, d.channel, \
         d.state AS delivery_state, d.attempts, d.mesh_message_id, d.gp_practice_code, prev.created_at AS prev_created_at, \
         p.date_of_birth, p.address_line_1, p.address_line_2, p.town, p.postcode, p.communication_preferences, \
         pr.code AS provider_code, pr.name AS provider_name \
         FROM result_deliveries d JOIN results r ON r.id = d.result_id AND r.provider_id = d.provider_id \
         JOIN participants p ON p.id = d.participant_id AND p.provider_id = d.provider_id \
         JOIN providers pr ON pr.id = d.provider_id \
         LEFT JOIN results prev ON prev.id = r.supersedes_id AND prev.provider_id = r.provider_id \
         WHERE {filter}"
    )
}

fn outgoing_from_row(r: &sqlx::any::AnyRow) -> Result<Outgoing> {
    let result = result_from_row(r)?;
    let address = ["address_line_1", "address_line_2", "town", "postcode"]
        .iter()
        .map(|c| r.try_get::<String, _>(*c))
        .collect::<std::result::Result<Vec<_>, _>>()?
        .into_iter()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    Ok(Outgoing {
        delivery_id: parse_id(&r.try_get::<String, _>("delivery_id")?)?,
        provider_id: parse_id(&r.try_get::<String, _>("delivery_provider")?)?,
        channel: parse_enum(&r.try_get::<String, _>("channel")?)?,
        state: parse_enum(&r.try_get::<String, _>("delivery_state")?)?,
        attempts: r.try_get("attempts")?,
        mesh_message_id: opt_text(r, "mesh_message_id")?,
        supersedes_issued_at: opt_ts(r, "prev_created_at")?,
        first_name: r.try_get("first_name")?,
        last_name: r.try_get("last_name")?,
        date_of_birth: parse_date(&r.try_get::<String, _>("date_of_birth")?)?,
        address,
        communication_preferences: parse_json(
            &r.try_get::<String, _>("communication_preferences")?,
        )?,
        gp_practice_code: r.try_get("gp_practice_code")?,
        provider_code: r.try_get("provider_code")?,
        provider_name: r.try_get("provider_name")?,
        result,
    })
}

/// What a sender records with a move.
#[derive(Debug, Clone, Default)]
pub struct DeliveryChange {
    /// Shown in the delivery's history (and kept as the reason when it fails or is resolved).
    pub detail: String,
    pub error: Option<String>,
    pub next_attempt_at: Option<OffsetDateTime>,
    pub mesh_mailbox: Option<String>,
    pub mesh_message_id: Option<String>,
    pub sha256: Option<String>,
}

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

async fn history(
    tx: &mut Tx,
    p: &str,
    delivery: &str,
    state: DeliveryState,
    detail: &str,
    actor: &str,
    now: OffsetDateTime,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO result_delivery_history (id, provider_id, delivery_id, state, detail, actor_name, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(sql::id(new_id()))
    .bind(p)
    .bind(delivery)
    .bind(state.as_str())
    .bind(detail)
    .bind(actor)
    .bind(sql::ts(now))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Queues one delivery (in the issuing or re-issuing transaction).
#[allow(clippy::too_many_arguments)]
async fn queue(
    tx: &mut Tx,
    p: &str,
    result: &str,
    participant: &str,
    channel: Channel,
    state: DeliveryState,
    reason: &str,
    practice: &str,
    hold_clinic: Option<&str>,
    reissue_of: Option<&str>,
    actor: &str,
) -> Result<Uuid> {
    let id = new_id();
    let now = sql::now();
    sqlx::query(
        "INSERT INTO result_deliveries (id, provider_id, result_id, participant_id, channel, state, reason, \
         gp_practice_code, hold_clinic_id, reissue_of, attempts, next_attempt_at, queued_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 0, $11, $11, $11)",
    )
    .bind(sql::id(id))
    .bind(p)
    .bind(result)
    .bind(participant)
    .bind(channel.as_str())
    .bind(state.as_str())
    .bind(reason)
    .bind(practice)
    .bind(hold_clinic)
    .bind(reissue_of)
    .bind(sql::ts(now))
    .execute(&mut **tx)
    .await?;
    let detail = if reason.is_empty() { "Queued" } else { reason };
    history(tx, p, &sql::id(id), state, detail, actor, now).await?;
    Ok(id)
}

/// Queues a new result's letter and GP message, in the transaction that issues it. A
/// "did not attend" result is held until its clinic is closed (she may yet arrive); a
/// participant with no registered practice gets no GP message, with the reason.
pub(crate) async fn on_issued(
    tx: &mut Tx,
    p: &str,
    result: &str,
    participant: Uuid,
    episode: &str,
    kind: ResultKind,
    actor: &Actor,
) -> Result<()> {
    let who = sql::id(participant);
    let practice: String =
        sqlx::query("SELECT gp_practice_code FROM participants WHERE id = $1 AND provider_id = $2")
            .bind(&who)
            .bind(p)
            .fetch_one(&mut **tx)
            .await?
            .try_get("gp_practice_code")?;
    let hold = if kind == ResultKind::DidNotAttend {
        sqlx::query(
            "SELECT a.clinic_id FROM appointments a JOIN clinics c ON c.id = a.clinic_id AND c.provider_id = a.provider_id \
             WHERE a.provider_id = $1 AND a.episode_id = $2 AND a.status = 'did_not_attend' \
             ORDER BY c.clinic_date DESC LIMIT 1",
        )
        .bind(p)
        .bind(episode)
        .fetch_optional(&mut **tx)
        .await?
        .map(|r| r.try_get::<String, _>("clinic_id"))
        .transpose()?
    } else {
        None
    };
    queue(
        tx,
        p,
        result,
        &who,
        Channel::Letter,
        DeliveryState::Queued,
        "",
        &practice,
        hold.as_deref(),
        None,
        &actor.name,
    )
    .await?;
    let practice = practice.trim();
    let (state, reason) = if practice.is_empty() {
        (DeliveryState::NotSent, NO_PRACTICE)
    } else {
        (DeliveryState::Queued, "")
    };
    queue(
        tx,
        p,
        result,
        &who,
        Channel::GpMessage,
        state,
        reason,
        practice,
        hold.as_deref(),
        None,
        &actor.name,
    )
    .await?;
    Ok(())
}

/// Cancels the deliveries of a superseded or withdrawn result that are not yet made (those
/// made stay as they are: the new version, if any, goes out as a correction).
pub(crate) async fn on_retired(tx: &mut Tx, p: &str, result: &str, actor: &Actor) -> Result<()> {
    let now = sql::now();
    let rows = sqlx::query(
        "SELECT id, channel, state FROM result_deliveries WHERE provider_id = $1 AND result_id = $2 \
         AND state IN ('queued', 'retrying')",
    )
    .bind(p)
    .bind(result)
    .fetch_all(&mut **tx)
    .await?;
    for r in rows {
        let id: String = r.try_get("id")?;
        let channel: Channel = parse_enum(&r.try_get::<String, _>("channel")?)?;
        let from: DeliveryState = parse_enum(&r.try_get::<String, _>("state")?)?;
        let Ok(to) = from.after(channel, DeliveryEvent::ResultChanged) else {
            continue;
        };
        sqlx::query(
            "UPDATE result_deliveries SET state = $1, reason = $2, claimed_until = NULL, updated_at = $3 \
             WHERE id = $4 AND provider_id = $5 AND state = $6",
        )
        .bind(to.as_str())
        .bind("The result was corrected or withdrawn before it was sent")
        .bind(sql::ts(now))
        .bind(&id)
        .bind(p)
        .bind(from.as_str())
        .execute(&mut **tx)
        .await?;
        history(
            tx,
            p,
            &id,
            to,
            "The result changed before it was sent",
            &actor.name,
            now,
        )
        .await?;
    }
    Ok(())
}

/// The condition that a delivery is not held: no hold, or its clinic is closed, cancelled
/// or its day has passed (as `domain::clinic` counts a clinic finished). `$today` is bound
/// by the caller.
fn not_held(today: &str) -> String {
    format!(
        "(d.hold_clinic_id IS NULL OR EXISTS (SELECT 1 FROM clinics c WHERE c.id = d.hold_clinic_id \
         AND c.provider_id = d.provider_id AND (c.status IN ('closed', 'cancelled') OR c.clinic_date < {today})))"
    )
}

impl Store {
    /// Claims up to `limit` GP messages due to be sent, at every provider, for this sender
    /// (a lease, so another instance does not take them too), and loads what rendering
    /// them needs.
    pub async fn claim_due_gp_messages(&self, limit: i64) -> Result<Vec<Outgoing>> {
        self.claim_due(None, Channel::GpMessage, limit).await
    }

    /// Claims up to `limit` of one provider's letters due for the print batch.
    pub async fn claim_due_letters(&self, scope: Scope, limit: i64) -> Result<Vec<Outgoing>> {
        self.claim_due(Some(scope), Channel::Letter, limit).await
    }

    async fn claim_due(
        &self,
        scope: Option<Scope>,
        channel: Channel,
        limit: i64,
    ) -> Result<Vec<Outgoing>> {
        let now = sql::now();
        let today = sql::date(domain::dates::london_date(now));
        let lock = match self.backend() {
            Backend::Postgres => " FOR UPDATE OF d SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let provider = if scope.is_some() {
            " AND d.provider_id = $5"
        } else {
            ""
        };
        let mut tx = self.begin_write().await?;
        let sql = format!(
            "SELECT d.id FROM result_deliveries d WHERE d.channel = $1 AND d.state IN ('queued', 'retrying') \
             AND d.next_attempt_at <= $2 AND (d.claimed_until IS NULL OR d.claimed_until < $2) AND {held}{provider} \
             ORDER BY d.next_attempt_at, d.id LIMIT $4{lock}",
            held = not_held("$3"),
        );
        let mut q = sqlx::query_scalar::<_, String>(&sql)
            .bind(channel.as_str())
            .bind(sql::ts(now))
            .bind(&today)
            .bind(limit);
        if let Some(s) = scope {
            q = q.bind(sql::id(s.provider_id));
        }
        let ids = q.fetch_all(&mut *tx).await?;
        if ids.is_empty() {
            tx.rollback().await?;
            return Ok(Vec::new());
        }
        let mut out = Vec::with_capacity(ids.len());
        // In chunks, to keep the bound parameters well under every backend's limit.
        for chunk in ids.chunks(500) {
            let marks = (0..chunk.len())
                .map(|i| format!("${}", i + 2))
                .collect::<Vec<_>>()
                .join(", ");
            let sql =
                format!("UPDATE result_deliveries SET claimed_until = $1 WHERE id IN ({marks})");
            let mut update = sqlx::query(&sql).bind(sql::ts(now + LEASE));
            for id in chunk {
                update = update.bind(id);
            }
            update.execute(&mut *tx).await?;
            let marks = (0..chunk.len())
                .map(|i| format!("${}", i + 1))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = outgoing_query(&format!("d.id IN ({marks})"));
            let mut select = sqlx::query(&sql);
            for id in chunk {
                select = select.bind(id);
            }
            for r in select.fetch_all(&mut *tx).await? {
                out.push(outgoing_from_row(&r)?);
            }
        }
        tx.commit().await?;
        out.sort_by_key(|o| (o.provider_id, o.result.created_at, o.delivery_id));
        Ok(out)
    }

    /// One delivery with what rendering it needs (the office's preview, a GP message view).
    pub async fn outgoing(&self, scope: Scope, delivery_id: Uuid) -> Result<Outgoing> {
        let row = sqlx::query(&outgoing_query("d.id = $1 AND d.provider_id = $2"))
            .bind(sql::id(delivery_id))
            .bind(sql::id(scope.provider_id))
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        outgoing_from_row(&row)
    }

    /// The provider a delivery belongs to (to match an acknowledgement from MESH, which
    /// names only our message).
    pub async fn delivery_scope(&self, delivery_id: Uuid) -> Result<Option<Scope>> {
        let row = sqlx::query("SELECT provider_id FROM result_deliveries WHERE id = $1")
            .bind(sql::id(delivery_id))
            .fetch_optional(self.pool())
            .await?;
        row.map(|r| {
            Ok(Scope {
                provider_id: parse_id(&r.try_get::<String, _>("provider_id")?)?,
            })
        })
        .transpose()
    }

    /// The delivery a MESH message id belongs to.
    pub async fn delivery_by_message(&self, message_id: &str) -> Result<Option<(Scope, Uuid)>> {
        let row = sqlx::query(
            "SELECT id, provider_id FROM result_deliveries WHERE mesh_message_id = $1 LIMIT 1",
        )
        .bind(message_id)
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| {
            Ok((
                Scope {
                    provider_id: parse_id(&r.try_get::<String, _>("provider_id")?)?,
                },
                parse_id(&r.try_get::<String, _>("id")?)?,
            ))
        })
        .transpose()
    }

    /// Records what happened to a delivery: the move `domain::delivery` allows from its
    /// state, or `Conflict` (it moved meanwhile, or the move is not allowed). Releases the
    /// sender's claim. Returns the new state.
    pub async fn record_delivery(
        &self,
        scope: Scope,
        actor: &Actor,
        delivery_id: Uuid,
        event: DeliveryEvent,
        change: DeliveryChange,
    ) -> Result<DeliveryState> {
        let mut tx = self.begin_write().await?;
        let state = move_delivery(&mut tx, scope, actor, delivery_id, event, &change).await?;
        tx.commit().await?;
        Ok(state)
    }

    /// The GP messages sent and not yet acknowledged (to ask MESH where they are).
    pub async fn unacknowledged_gp_messages(
        &self,
        limit: i64,
    ) -> Result<Vec<(Scope, Uuid, String)>> {
        sqlx::query(
            "SELECT id, provider_id, mesh_message_id FROM result_deliveries \
             WHERE channel = 'gp_message' AND state = 'sent' AND mesh_message_id IS NOT NULL \
             ORDER BY sent_at LIMIT $1",
        )
        .bind(limit)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|r| {
            Ok((
                Scope {
                    provider_id: parse_id(&r.try_get::<String, _>("provider_id")?)?,
                },
                parse_id(&r.try_get::<String, _>("id")?)?,
                r.try_get::<String, _>("mesh_message_id")?,
            ))
        })
        .collect()
    }

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
        let mut tx = self.begin_write().await?;
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
        .execute(&mut *tx)
        .await?;
        for (id, sha) in letters {
            let moved = sqlx::query(
                "UPDATE result_deliveries SET state = 'printed', print_batch_id = $1, sha256 = $2, sent_at = $3, \
                 claimed_until = NULL, updated_at = $3 WHERE id = $4 AND provider_id = $5 AND state = 'queued'",
            )
            .bind(sql::id(batch.id))
            .bind(sha)
            .bind(sql::ts(now))
            .bind(sql::id(*id))
            .bind(&p)
            .execute(&mut *tx)
            .await?;
            if moved.rows_affected() == 1 {
                history(
                    &mut tx,
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
        audit::record(
            &mut *tx,
            actor,
            AuditAction::Create,
            "print_batch",
            batch.id,
            None,
            &serde_json::json!({ "file": batch.file_name, "letters": batch.letter_count, "sha256": batch.sha256 }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The provider's print batches, newest first.
    pub async fn print_batches(&self, scope: Scope, limit: i64) -> Result<Vec<PrintBatch>> {
        sqlx::query(
            "SELECT id, file_name, letter_count, page_count, sha256, created_by_name, created_at FROM print_batches \
             WHERE provider_id = $1 ORDER BY created_at DESC LIMIT $2",
        )
        .bind(sql::id(scope.provider_id))
        .bind(limit)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|r| {
            Ok(PrintBatch {
                id: parse_id(&r.try_get::<String, _>("id")?)?,
                file_name: r.try_get("file_name")?,
                letter_count: r.try_get("letter_count")?,
                page_count: r.try_get("page_count")?,
                sha256: r.try_get("sha256")?,
                created_by_name: r.try_get("created_by_name")?,
                created_at: parse_ts(&r.try_get::<String, _>("created_at")?)?,
            })
        })
        .collect()
    }

    /// A participant's deliveries, newest first. Scoped: empty for another provider's.
    pub async fn participant_deliveries(
        &self,
        scope: Scope,
        participant_id: Uuid,
    ) -> Result<Vec<DeliveryRecord>> {
        self.deliveries_where(
            "d.provider_id = $1 AND d.participant_id = $2 ORDER BY d.queued_at DESC, d.id DESC",
            scope,
            Some(participant_id),
        )
        .await
    }

    /// The provider's GP messages, newest first (the local outbox the office browses when
    /// no MESH is set up, and the messages sent when it is).
    pub async fn gp_messages(&self, scope: Scope, limit: i64) -> Result<Vec<DeliveryRecord>> {
        self.deliveries_where(
            &format!(
                "d.provider_id = $1 AND d.channel = 'gp_message' ORDER BY d.queued_at DESC, d.id DESC LIMIT {}",
                limit.clamp(1, 1000)
            ),
            scope,
            None,
        )
        .await
    }

    /// One delivery. `NotFound` for another provider's.
    pub async fn delivery(&self, scope: Scope, id: Uuid) -> Result<DeliveryRecord> {
        self.deliveries_where("d.provider_id = $1 AND d.id = $2", scope, Some(id))
            .await?
            .into_iter()
            .next()
            .ok_or(StoreError::NotFound)
    }

    async fn deliveries_where(
        &self,
        filter: &str,
        scope: Scope,
        id: Option<Uuid>,
    ) -> Result<Vec<DeliveryRecord>> {
        let sql = format!("SELECT {DELIVERY_FIELDS} WHERE {filter}");
        let mut q = sqlx::query(&sql).bind(sql::id(scope.provider_id));
        if let Some(id) = id {
            q = q.bind(sql::id(id));
        }
        q.fetch_all(self.pool())
            .await?
            .iter()
            .map(delivery_from_row)
            .collect()
    }

    /// A delivery's history, oldest first.
    pub async fn delivery_history(
        &self,
        scope: Scope,
        id: Uuid,
    ) -> Result<Vec<DeliveryHistoryEntry>> {
        sqlx::query(
            "SELECT state, detail, actor_name, created_at FROM result_delivery_history \
             WHERE provider_id = $1 AND delivery_id = $2 ORDER BY created_at, id",
        )
        .bind(sql::id(scope.provider_id))
        .bind(sql::id(id))
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|r| {
            Ok(DeliveryHistoryEntry {
                state: parse_enum(&r.try_get::<String, _>("state")?)?,
                detail: r.try_get("detail")?,
                actor_name: r.try_get("actor_name")?,
                at: parse_ts(&r.try_get::<String, _>("created_at")?)?,
            })
        })
        .collect()
    }

    /// The office's failsafe list: failed and undeliverable deliveries, GP messages not
    /// acknowledged after `ack_days`, and deliveries still not made after as long. Oldest
    /// first.
    pub async fn failsafe_list(&self, scope: Scope, ack_days: i64) -> Result<Vec<FailsafeItem>> {
        let now = sql::now();
        let before = sql::ts(now - Duration::days(ack_days));
        let rows = sqlx::query(&format!(
            "SELECT {DELIVERY_FIELDS} WHERE d.provider_id = $1 AND (d.state IN ('failed', 'undeliverable') \
             OR (d.state IN ('sent', 'delivered') AND d.sent_at <= $2) \
             OR (d.state IN ('queued', 'retrying') AND d.queued_at <= $2)) \
             ORDER BY d.queued_at, d.id LIMIT 500"
        ))
        .bind(sql::id(scope.provider_id))
        .bind(&before)
        .fetch_all(self.pool())
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let d = delivery_from_row(r)?;
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
        let mut tx = self.begin_write().await?;
        let change = DeliveryChange {
            detail: detail.to_owned(),
            next_attempt_at: Some(sql::now()),
            ..DeliveryChange::default()
        };
        move_delivery(&mut tx, scope, actor, id, event, &change).await?;
        audit::record(
            &mut *tx,
            actor,
            AuditAction::Update,
            "result_delivery",
            id,
            None,
            &serde_json::json!({ "event": format!("{event:?}"), "detail": detail }),
        )
        .await?;
        tx.commit().await?;
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
        let p = sql::id(scope.provider_id);
        let mut tx = self.begin_write().await?;
        let new = queue(
            &mut tx,
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
        audit::record(
            &mut *tx,
            actor,
            AuditAction::Create,
            "result_delivery",
            new,
            Some(d.participant_id),
            &serde_json::json!({ "reissue_of": id, "reason": reason }),
        )
        .await?;
        tx.commit().await?;
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
        for r in sqlx::query(
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
            let channel: Channel = parse_enum(&r.try_get::<String, _>("channel")?)?;
            let n: i64 = r.try_get("n")?;
            let state: String = r.try_get("state")?;
            match channel {
                Channel::Letter => out.letters.insert(state, n),
                Channel::GpMessage => out.gp_messages.insert(state, n),
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

async fn move_delivery(
    tx: &mut Tx,
    scope: Scope,
    actor: &Actor,
    id: Uuid,
    event: DeliveryEvent,
    change: &DeliveryChange,
) -> Result<DeliveryState> {
    let p = sql::id(scope.provider_id);
    let did = sql::id(id);
    let row = sqlx::query(
        "SELECT channel, state FROM result_deliveries WHERE id = $1 AND provider_id = $2",
    )
    .bind(&did)
    .bind(&p)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(StoreError::NotFound)?;
    let channel: Channel = parse_enum(&row.try_get::<String, _>("channel")?)?;
    let from: DeliveryState = parse_enum(&row.try_get::<String, _>("state")?)?;
    let to = from.after(channel, event).map_err(|e| {
        StoreError::Conflict(format!(
            "This {} is {} and cannot be changed that way ({e})",
            channel.label().to_lowercase(),
            from.label().to_lowercase()
        ))
    })?;
    let now = sql::now();
    let stamp = |col: &str| format!(", {col} = '{}'", sql::ts(now));
    let mut extra = String::new();
    match event {
        DeliveryEvent::Accepted => extra.push_str(&stamp("sent_at")),
        DeliveryEvent::Downloaded => extra.push_str(&stamp("delivered_at")),
        DeliveryEvent::AcknowledgedOk => extra.push_str(&stamp("acknowledged_at")),
        _ => {}
    }
    let attempted = matches!(
        event,
        DeliveryEvent::Accepted
            | DeliveryEvent::Transient
            | DeliveryEvent::GaveUp
            | DeliveryEvent::NotOnMesh
    );
    let reason_changes = matches!(
        event,
        DeliveryEvent::GaveUp
            | DeliveryEvent::NotOnMesh
            | DeliveryEvent::AcknowledgedError
            | DeliveryEvent::OfficeResolved
    );
    let updated = sqlx::query(&format!(
        "UPDATE result_deliveries SET state = $1, attempts = attempts + $2, \
         next_attempt_at = COALESCE($3, next_attempt_at), last_error = COALESCE($4, last_error), \
         mesh_mailbox = COALESCE($5, mesh_mailbox), mesh_message_id = COALESCE($6, mesh_message_id), \
         sha256 = COALESCE($7, sha256), reason = CASE WHEN $8 = 1 THEN $9 ELSE reason END, \
         claimed_until = NULL, updated_at = $10{extra} \
         WHERE id = $11 AND provider_id = $12 AND state = $13"
    ))
    .bind(to.as_str())
    .bind(i64::from(attempted))
    .bind(change.next_attempt_at.map(sql::ts))
    .bind(change.error.as_deref())
    .bind(change.mesh_mailbox.as_deref())
    .bind(change.mesh_message_id.as_deref())
    .bind(change.sha256.as_deref())
    .bind(i64::from(reason_changes))
    .bind(&change.detail)
    .bind(sql::ts(now))
    .bind(&did)
    .bind(&p)
    .bind(from.as_str())
    .execute(&mut **tx)
    .await?;
    if updated.rows_affected() != 1 {
        return Err(StoreError::Conflict(
            "The delivery changed meanwhile; look again".into(),
        ));
    }
    let detail = if change.detail.is_empty() {
        to.label()
    } else {
        change.detail.as_str()
    };
    history(tx, &p, &did, to, detail, &actor.name, now).await?;
    Ok(to)
}
