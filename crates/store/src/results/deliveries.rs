//! How each result reaches people (issue 13, ADR 28): one delivery per result and channel,
//! the participant's letter and the GP message. They are made in the transaction that
//! issues the result, so no result is ever without its deliveries or a reason why not;
//! a superseded or withdrawn result cancels those not yet made. `domain::delivery` holds
//! the states and their moves; every move is kept in `result_delivery_history`.
//!
//! The senders (the `results` crate) claim due deliveries with a lease, so instances
//! sharing the database never send one twice, and record what came of each.

use super::{RESULT_FIELDS, ResultRecord, ResultRow};
use crate::outbox::Tx;
use crate::sql::{self, parse_date, parse_enum, parse_id, parse_json, parse_ts};
use crate::{Actor, Backend, Result, Scope, Store, StoreError, new_id};
use domain::delivery::{Channel, DeliveryEvent, DeliveryState, NO_PRACTICE};
use domain::ids::{ParticipantId, ProviderId};
use domain::results::ResultKind;
use domain::{AppointmentStatus, ClinicStatus, CommunicationPreference};
use serde::Serialize;
use sqlx::FromRow;
use time::{Date, Duration, OffsetDateTime};
use utoipa::ToSchema;
use uuid::Uuid;

/// How long a sender's claim keeps other instances off a delivery.
const LEASE: Duration = Duration::minutes(5);

/// The states of a delivery still to be made (`DeliveryState::is_pending`).
pub(super) const PENDING: [DeliveryState; 2] = [DeliveryState::Queued, DeliveryState::Retrying];

/// One delivery of one result version.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeliveryRecord {
    pub id: Uuid,
    pub result_id: Uuid,
    pub result_version: i64,
    pub result_kind: ResultKind,
    pub participant_id: ParticipantId,
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

pub(super) const DELIVERY_FIELDS: &str = "d.id, d.result_id, r.version, r.kind, d.participant_id, p.first_name, p.last_name, \
     p.nhs_number, d.channel, d.state, d.reason, d.gp_practice_code, d.hold_clinic_id, d.reissue_of, d.attempts, \
     d.last_error, d.mesh_mailbox, d.mesh_message_id, d.print_batch_id, d.sha256, d.queued_at, d.sent_at, \
     d.delivered_at, d.acknowledged_at \
     FROM result_deliveries d JOIN results r ON r.id = d.result_id AND r.provider_id = d.provider_id \
     JOIN participants p ON p.id = d.participant_id AND p.provider_id = d.provider_id";

/// One delivery with its result version and participant ([`DELIVERY_FIELDS`]), as stored.
#[derive(FromRow)]
pub(super) struct DeliveryRow {
    id: String,
    result_id: String,
    version: i64,
    kind: String,
    participant_id: String,
    first_name: String,
    last_name: String,
    nhs_number: String,
    channel: String,
    state: String,
    reason: String,
    gp_practice_code: String,
    hold_clinic_id: Option<String>,
    reissue_of: Option<String>,
    attempts: i64,
    last_error: Option<String>,
    mesh_mailbox: Option<String>,
    mesh_message_id: Option<String>,
    print_batch_id: Option<String>,
    sha256: Option<String>,
    queued_at: String,
    sent_at: Option<String>,
    delivered_at: Option<String>,
    acknowledged_at: Option<String>,
}

impl TryFrom<DeliveryRow> for DeliveryRecord {
    type Error = StoreError;
    fn try_from(r: DeliveryRow) -> Result<Self> {
        Ok(DeliveryRecord {
            id: parse_id(&r.id)?,
            result_id: parse_id(&r.result_id)?,
            result_version: r.version,
            result_kind: parse_enum(&r.kind)?,
            participant_id: parse_id(&r.participant_id)?,
            participant_name: format!("{} {}", r.first_name, r.last_name),
            nhs_number: r.nhs_number,
            channel: parse_enum(&r.channel)?,
            state: parse_enum(&r.state)?,
            reason: r.reason,
            gp_practice_code: r.gp_practice_code,
            hold_clinic_id: r.hold_clinic_id.as_deref().map(parse_id).transpose()?,
            reissue_of: r.reissue_of.as_deref().map(parse_id).transpose()?,
            attempts: r.attempts,
            last_error: r.last_error,
            mesh_mailbox: r.mesh_mailbox,
            mesh_message_id: r.mesh_message_id,
            print_batch_id: r.print_batch_id.as_deref().map(parse_id).transpose()?,
            sha256: r.sha256,
            queued_at: parse_ts(&r.queued_at)?,
            sent_at: r.sent_at.as_deref().map(parse_ts).transpose()?,
            delivered_at: r.delivered_at.as_deref().map(parse_ts).transpose()?,
            acknowledged_at: r.acknowledged_at.as_deref().map(parse_ts).transpose()?,
        })
    }
}

/// Everything a sender needs to render a delivery: the result as issued, the participant's
/// details and preferences, and the office it comes from.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub delivery_id: Uuid,
    pub provider_id: ProviderId,
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

/// A delivery with what rendering it needs ([`outgoing_query`]), as stored.
#[derive(FromRow)]
struct OutgoingRow {
    #[sqlx(flatten)]
    result: ResultRow,
    delivery_id: String,
    delivery_provider: String,
    channel: String,
    delivery_state: String,
    attempts: i64,
    mesh_message_id: Option<String>,
    prev_created_at: Option<String>,
    first_name: String,
    last_name: String,
    date_of_birth: String,
    address_line_1: String,
    address_line_2: String,
    town: String,
    postcode: String,
    communication_preferences: String,
    gp_practice_code: String,
    provider_code: String,
    provider_name: String,
}

impl TryFrom<OutgoingRow> for Outgoing {
    type Error = StoreError;
    fn try_from(r: OutgoingRow) -> Result<Self> {
        let result = r.result.try_into()?;
        let address = [r.address_line_1, r.address_line_2, r.town, r.postcode]
            .into_iter()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect();
        Ok(Outgoing {
            delivery_id: parse_id(&r.delivery_id)?,
            provider_id: parse_id(&r.delivery_provider)?,
            channel: parse_enum(&r.channel)?,
            state: parse_enum(&r.delivery_state)?,
            attempts: r.attempts,
            mesh_message_id: r.mesh_message_id,
            supersedes_issued_at: r.prev_created_at.as_deref().map(parse_ts).transpose()?,
            first_name: r.first_name,
            last_name: r.last_name,
            date_of_birth: parse_date(&r.date_of_birth)?,
            address,
            communication_preferences: parse_json(&r.communication_preferences)?,
            gp_practice_code: r.gp_practice_code,
            provider_code: r.provider_code,
            provider_name: r.provider_name,
            result,
        })
    }
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

pub(super) async fn history(
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
pub(super) async fn queue(
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
    participant: ParticipantId,
    episode: &str,
    kind: ResultKind,
    actor: &Actor,
) -> Result<()> {
    let who = sql::id(participant);
    let practice = sqlx::query_scalar::<_, String>(
        "SELECT gp_practice_code FROM participants WHERE id = $1 AND provider_id = $2",
    )
    .bind(&who)
    .bind(p)
    .fetch_one(&mut **tx)
    .await?;
    let hold = if kind == ResultKind::DidNotAttend {
        sqlx::query_scalar::<_, String>(
            "SELECT a.clinic_id FROM appointments a JOIN clinics c ON c.id = a.clinic_id AND c.provider_id = a.provider_id \
             WHERE a.provider_id = $1 AND a.episode_id = $2 AND a.status = $3 \
             ORDER BY c.clinic_date DESC LIMIT 1",
        )
        .bind(p)
        .bind(episode)
        .bind(AppointmentStatus::DidNotAttend.as_str())
        .fetch_optional(&mut **tx)
        .await?
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

/// A delivery's channel and state, as stored.
#[derive(FromRow)]
struct ChannelStateRow {
    channel: String,
    state: String,
}

/// A delivery still to be made, as stored.
#[derive(FromRow)]
struct PendingRow {
    id: String,
    channel: String,
    state: String,
}

/// Cancels the deliveries of a superseded or withdrawn result that are not yet made (those
/// made stay as they are: the new version, if any, goes out as a correction).
pub(crate) async fn on_retired(tx: &mut Tx, p: &str, result: &str, actor: &Actor) -> Result<()> {
    let now = sql::now();
    let query = format!(
        "SELECT id, channel, state FROM result_deliveries WHERE provider_id = $1 AND result_id = $2 \
         AND state IN ({})",
        sql::placeholders(3, &PENDING)
    );
    let mut q = sqlx::query_as::<_, PendingRow>(&query).bind(p).bind(result);
    for s in PENDING {
        q = q.bind(s.as_str());
    }
    let rows = q.fetch_all(&mut **tx).await?;
    for r in rows {
        let id = r.id;
        let channel: Channel = parse_enum(&r.channel)?;
        let from: DeliveryState = parse_enum(&r.state)?;
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
/// or its day has passed (as `domain::clinic` counts a clinic finished). The caller binds
/// today's date at placeholder `today`, and `ClinicStatus::FINISHED` in order from
/// placeholder `finished`.
fn not_held(today: &str, finished: usize) -> String {
    let finished = sql::placeholders(finished, &ClinicStatus::FINISHED);
    format!(
        "(d.hold_clinic_id IS NULL OR EXISTS (SELECT 1 FROM clinics c WHERE c.id = d.hold_clinic_id \
         AND c.provider_id = d.provider_id AND (c.status IN ({finished}) OR c.clinic_date < {today})))"
    )
}

/// A delivery's id and provider, as stored.
#[derive(FromRow)]
struct DeliveryKeyRow {
    id: String,
    provider_id: String,
}

/// A GP message sent and not yet acknowledged, as stored.
#[derive(FromRow)]
struct UnacknowledgedRow {
    id: String,
    provider_id: String,
    mesh_message_id: String,
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
        // $1 to $4, then the pending states, the finished clinic statuses and the provider.
        let finished_at = 5 + PENDING.len();
        let provider = if scope.is_some() {
            format!(
                " AND d.provider_id = ${}",
                finished_at + ClinicStatus::FINISHED.len()
            )
        } else {
            String::new()
        };
        let mut write = self.begin_change().await?;
        let tx = write.tx();
        let sql = format!(
            "SELECT d.id FROM result_deliveries d WHERE d.channel = $1 AND d.state IN ({pending}) \
             AND d.next_attempt_at <= $2 AND (d.claimed_until IS NULL OR d.claimed_until < $2) AND {held}{provider} \
             ORDER BY d.next_attempt_at, d.id LIMIT $4{lock}",
            pending = sql::placeholders(5, &PENDING),
            held = not_held("$3", finished_at),
        );
        let mut q = sqlx::query_scalar::<_, String>(&sql)
            .bind(channel.as_str())
            .bind(sql::ts(now))
            .bind(&today)
            .bind(limit);
        for s in PENDING {
            q = q.bind(s.as_str());
        }
        for s in ClinicStatus::FINISHED {
            q = q.bind(s.as_str());
        }
        if let Some(s) = scope {
            q = q.bind(sql::id(s.provider_id));
        }
        let ids = q.fetch_all(&mut **tx).await?;
        if ids.is_empty() {
            write.rollback().await?;
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
            update.execute(&mut **tx).await?;
            let marks = (0..chunk.len())
                .map(|i| format!("${}", i + 1))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = outgoing_query(&format!("d.id IN ({marks})"));
            let mut select = sqlx::query_as::<_, OutgoingRow>(&sql);
            for id in chunk {
                select = select.bind(id);
            }
            for r in select.fetch_all(&mut **tx).await? {
                out.push(Outgoing::try_from(r)?);
            }
        }
        write.commit().await?;
        out.sort_by_key(|o| (o.provider_id, o.result.created_at, o.delivery_id));
        Ok(out)
    }

    /// The providers due their daily print batch at `now`: letters waiting (not held) and
    /// no batch made yet today (London time).
    pub async fn providers_with_letters_due_for_batch(
        &self,
        now: OffsetDateTime,
    ) -> Result<Vec<Scope>> {
        let today = domain::dates::london_date(now);
        let (start, _) = domain::dates::london_day_bounds(today);
        let sql = format!(
            "SELECT DISTINCT d.provider_id FROM result_deliveries d WHERE d.channel = $3 AND d.state = $4 \
             AND {held} AND NOT EXISTS (SELECT 1 FROM print_batches b WHERE b.provider_id = d.provider_id \
             AND b.created_at >= $2)",
            held = not_held("$1", 5),
        );
        let mut q = sqlx::query_scalar::<_, String>(&sql)
            .bind(sql::date(today))
            .bind(sql::ts(start))
            .bind(Channel::Letter.as_str())
            .bind(DeliveryState::Queued.as_str());
        for s in ClinicStatus::FINISHED {
            q = q.bind(s.as_str());
        }
        q.fetch_all(self.pool())
            .await?
            .iter()
            .map(|p| {
                Ok(Scope {
                    provider_id: parse_id(p)?,
                })
            })
            .collect()
    }

    /// One delivery with what rendering it needs (the office's preview, a GP message view).
    pub async fn outgoing(&self, scope: Scope, delivery_id: Uuid) -> Result<Outgoing> {
        sqlx::query_as::<_, OutgoingRow>(&outgoing_query("d.id = $1 AND d.provider_id = $2"))
            .bind(sql::id(delivery_id))
            .bind(sql::id(scope.provider_id))
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound)?
            .try_into()
    }

    /// The provider a delivery belongs to (to match an acknowledgement from MESH, which
    /// names only our message).
    pub async fn delivery_scope(&self, delivery_id: Uuid) -> Result<Option<Scope>> {
        let provider = sqlx::query_scalar::<_, String>(
            "SELECT provider_id FROM result_deliveries WHERE id = $1",
        )
        .bind(sql::id(delivery_id))
        .fetch_optional(self.pool())
        .await?;
        provider
            .map(|p| {
                Ok(Scope {
                    provider_id: parse_id(&p)?,
                })
            })
            .transpose()
    }

    /// The delivery a MESH message id belongs to.
    pub async fn delivery_by_message(&self, message_id: &str) -> Result<Option<(Scope, Uuid)>> {
        let row = sqlx::query_as::<_, DeliveryKeyRow>(
            "SELECT id, provider_id FROM result_deliveries WHERE mesh_message_id = $1 LIMIT 1",
        )
        .bind(message_id)
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| {
            Ok((
                Scope {
                    provider_id: parse_id(&r.provider_id)?,
                },
                parse_id(&r.id)?,
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
        let mut write = self.begin_change().await?;
        let tx = write.tx();
        let state = move_delivery(tx, scope, actor, delivery_id, event, &change).await?;
        write.commit().await?;
        Ok(state)
    }

    /// The GP messages sent and not yet acknowledged (to ask MESH where they are).
    pub async fn unacknowledged_gp_messages(
        &self,
        limit: i64,
    ) -> Result<Vec<(Scope, Uuid, String)>> {
        sqlx::query_as::<_, UnacknowledgedRow>(
            "SELECT id, provider_id, mesh_message_id FROM result_deliveries \
             WHERE channel = $2 AND state = $3 AND mesh_message_id IS NOT NULL \
             ORDER BY sent_at LIMIT $1",
        )
        .bind(limit)
        .bind(Channel::GpMessage.as_str())
        .bind(DeliveryState::Sent.as_str())
        .fetch_all(self.pool())
        .await?
        .into_iter()
        .map(|r| {
            Ok((
                Scope {
                    provider_id: parse_id(&r.provider_id)?,
                },
                parse_id(&r.id)?,
                r.mesh_message_id,
            ))
        })
        .collect()
    }
}

pub(super) async fn move_delivery(
    tx: &mut Tx,
    scope: Scope,
    actor: &Actor,
    id: Uuid,
    event: DeliveryEvent,
    change: &DeliveryChange,
) -> Result<DeliveryState> {
    let p = sql::id(scope.provider_id);
    let did = sql::id(id);
    let row = sqlx::query_as::<_, ChannelStateRow>(
        "SELECT channel, state FROM result_deliveries WHERE id = $1 AND provider_id = $2",
    )
    .bind(&did)
    .bind(&p)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(StoreError::NotFound)?;
    let channel: Channel = parse_enum(&row.channel)?;
    let from: DeliveryState = parse_enum(&row.state)?;
    let to = from.after(channel, event).map_err(|e| {
        StoreError::Conflict(format!(
            "This {} is {} and cannot be changed that way ({e})",
            channel.label().to_lowercase(),
            from.label().to_lowercase()
        ))
    })?;
    let now = sql::now();
    // The time of the move, bound at $10 (as `updated_at`).
    let stamp = |col: &str| format!(", {col} = $10");
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
    // Every send, acknowledgement, failure and the office's actions are in the audit log
    // too, with who (or which part of the service) did it.
    crate::audit::record(
        &mut **tx,
        actor,
        crate::audit::AuditAction::Update,
        "result_delivery",
        id,
        None,
        &serde_json::json!({ "event": format!("{event:?}"), "from": from.as_str(), "to": to.as_str(), "detail": detail }),
    )
    .await?;
    Ok(to)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pending_is_every_state_still_to_be_made() {
        let pending: Vec<DeliveryState> = DeliveryState::ALL
            .iter()
            .copied()
            .filter(|s| s.is_pending())
            .collect();
        assert_eq!(PENDING.to_vec(), pending);
    }
}
