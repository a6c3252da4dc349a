//! The audit log: an append-only record of who created, changed, deleted or viewed what.
//! This module is the only writer, and it only inserts. The database refuses updates and
//! deletes as well (triggers installed at migration), so a bug elsewhere cannot rewrite it.

use crate::sql::{self, parse_id, parse_ts};
use crate::{Actor, Backend, Result, Store};
use domain::ids::{ParticipantId, ProviderId};
use serde::Serialize;
use sqlx::{Any, AnyConnection, Executor};
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;
use uuid::Uuid;

/// What was done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    Create,
    Update,
    Delete,
    View,
}

impl AuditAction {
    pub const fn as_str(self) -> &'static str {
        match self {
            AuditAction::Create => "create",
            AuditAction::Update => "update",
            AuditAction::Delete => "delete",
            AuditAction::View => "view",
        }
    }
    fn parse(s: &str) -> Self {
        match s {
            "create" => AuditAction::Create,
            "update" => AuditAction::Update,
            "delete" => AuditAction::Delete,
            _ => AuditAction::View,
        }
    }
}

/// One audit row, as stored.
#[derive(sqlx::FromRow)]
struct EntryRow {
    id: String,
    occurred_at: String,
    provider_id: Option<String>,
    user_id: Option<String>,
    actor: String,
    action: String,
    entity_type: String,
    entity_id: String,
    participant_id: Option<String>,
    snapshot: String,
}

impl TryFrom<EntryRow> for AuditEntry {
    type Error = crate::StoreError;
    fn try_from(r: EntryRow) -> Result<Self> {
        let opt_id = |id: Option<String>| -> Result<Option<Uuid>> {
            id.as_deref().map(parse_id).transpose()
        };
        Ok(AuditEntry {
            id: parse_id(&r.id)?,
            occurred_at: parse_ts(&r.occurred_at)?,
            provider_id: opt_id(r.provider_id)?.map(ProviderId::from),
            user_id: opt_id(r.user_id)?,
            actor: r.actor,
            action: AuditAction::parse(&r.action),
            entity_type: r.entity_type,
            entity_id: r.entity_id,
            participant_id: opt_id(r.participant_id)?.map(ParticipantId::from),
            // A snapshot that is not JSON shows as null rather than hiding the row.
            snapshot: serde_json::from_str(&r.snapshot).unwrap_or(serde_json::Value::Null),
        })
    }
}

/// One audit row.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditEntry {
    pub id: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub occurred_at: OffsetDateTime,
    pub provider_id: Option<ProviderId>,
    pub user_id: Option<Uuid>,
    pub actor: String,
    pub action: AuditAction,
    pub entity_type: String,
    pub entity_id: String,
    pub participant_id: Option<ParticipantId>,
    /// The values as they were after the change (empty for views).
    #[schema(value_type = Object)]
    pub snapshot: serde_json::Value,
}

/// Which audit rows to list. Empty fields do not filter.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub user_id: Option<Uuid>,
    pub participant_id: Option<ParticipantId>,
    pub from: Option<Date>,
    pub to: Option<Date>,
    pub limit: i64,
}

/// Writes one audit row inside the caller's transaction, so the change and its record
/// commit or roll back together.
pub(crate) async fn record<'c, E>(
    exec: E,
    actor: &Actor,
    action: AuditAction,
    entity_type: &str,
    entity_id: impl Into<Uuid>,
    participant_id: Option<ParticipantId>,
    snapshot: &serde_json::Value,
) -> Result<()>
where
    E: Executor<'c, Database = Any>,
{
    sqlx::query(
        "INSERT INTO audit_log (id, occurred_at, provider_id, user_id, actor, action, \
         entity_type, entity_id, participant_id, snapshot) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(sql::id(crate::new_id()))
    .bind(sql::ts(sql::now()))
    .bind(actor.provider_id.map(sql::id))
    .bind(actor.user_id.map(sql::id))
    .bind(&actor.name)
    .bind(action.as_str())
    .bind(entity_type)
    .bind(sql::id(entity_id))
    .bind(participant_id.map(sql::id))
    .bind(snapshot.to_string())
    .execute(exec)
    .await?;
    Ok(())
}

impl Store {
    /// Records that `actor` viewed a record belonging to `participant_id`.
    #[tracing::instrument(skip_all, fields(user = actor.user_id.map(tracing::field::display), entity_id = %entity_id, participant_id = participant_id.map(tracing::field::display)))]
    pub async fn record_view(
        &self,
        actor: &Actor,
        entity_type: &str,
        entity_id: impl Into<Uuid> + std::fmt::Display,
        participant_id: Option<ParticipantId>,
    ) -> Result<()> {
        let entity_id: Uuid = entity_id.into();
        let null = serde_json::Value::Null;
        match self.backend() {
            Backend::Sqlite => {
                record(
                    self.writer(),
                    actor,
                    AuditAction::View,
                    entity_type,
                    entity_id,
                    participant_id,
                    &null,
                )
                .await
            }
            Backend::Postgres => {
                // Views are the busiest writes by far (every record opened). On PostgreSQL
                // they commit without waiting for the WAL flush: a crash of the database
                // server itself can lose the last fraction of a second of view entries,
                // never a change (see docs/adr/0009).
                let mut tx = self.writer().begin().await?;
                sqlx::query("SET LOCAL synchronous_commit TO OFF")
                    .execute(&mut *tx)
                    .await?;
                record(
                    &mut *tx,
                    actor,
                    AuditAction::View,
                    entity_type,
                    entity_id,
                    participant_id,
                    &null,
                )
                .await?;
                tx.commit().await?;
                Ok(())
            }
        }
    }

    /// Lists audit rows, newest first. For system administrators: not provider-scoped.
    #[tracing::instrument(skip_all)]
    pub async fn audit_entries(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>> {
        let from = filter.from.map(sql::date).unwrap_or_default();
        // Dates compare as text prefixes of instants: the day after `to` bounds it.
        let to = filter
            .to
            .and_then(|d| d.next_day())
            .map(sql::date)
            .unwrap_or_else(|| "9999".to_owned());
        let rows = sqlx::query_as::<_, EntryRow>(
            "SELECT id, occurred_at, provider_id, user_id, actor, action, entity_type, \
             entity_id, participant_id, snapshot FROM audit_log \
             WHERE ($1 = '' OR user_id = $1) AND ($2 = '' OR participant_id = $2) \
             AND occurred_at >= $3 AND occurred_at < $4 \
             ORDER BY occurred_at DESC, id DESC LIMIT $5",
        )
        .bind(filter.user_id.map(sql::id).unwrap_or_default())
        .bind(filter.participant_id.map(sql::id).unwrap_or_default())
        .bind(from)
        .bind(to)
        .bind(filter.limit.clamp(1, 1000))
        .fetch_all(self.pool())
        .await?;
        rows.into_iter().map(TryInto::try_into).collect()
    }
}

const APPEND_ONLY: [&str; 5] = [
    "audit_log",
    "appointment_status_history",
    "episode_history",
    "participant_status_history",
    "result_delivery_history",
];

/// Makes the database itself refuse UPDATE and DELETE on the append-only tables.
pub(crate) async fn protect_append_only_tables(
    conn: &mut AnyConnection,
    backend: Backend,
) -> Result<()> {
    match backend {
        Backend::Sqlite => {
            for table in APPEND_ONLY {
                for op in ["UPDATE", "DELETE"] {
                    let name = format!("{table}_no_{}", op.to_lowercase());
                    conn.execute(
                        format!(
                            "CREATE TRIGGER IF NOT EXISTS {name} BEFORE {op} ON {table} \
                             BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
                        )
                        .as_str(),
                    )
                    .await?;
                }
            }
        }
        Backend::Postgres => {
            conn.execute(
                "CREATE OR REPLACE FUNCTION refuse_append_only_change() RETURNS trigger \
                 LANGUAGE plpgsql AS $$ BEGIN \
                 RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$",
            )
            .await?;
            for table in APPEND_ONLY {
                conn.execute(
                    format!(
                        "CREATE OR REPLACE TRIGGER {table}_append_only \
                         BEFORE UPDATE OR DELETE ON {table} \
                         FOR EACH ROW EXECUTE FUNCTION refuse_append_only_change()"
                    )
                    .as_str(),
                )
                .await?;
                // TRUNCATE fires no row triggers: refuse it too.
                conn.execute(
                    format!(
                        "CREATE OR REPLACE TRIGGER {table}_no_truncate \
                         BEFORE TRUNCATE ON {table} \
                         FOR EACH STATEMENT EXECUTE FUNCTION refuse_append_only_change()"
                    )
                    .as_str(),
                )
                .await?;
            }
        }
    }
    Ok(())
}
