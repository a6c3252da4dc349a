//! Results: one record per result an episode gives, the single source that the
//! participant's letter and the GP message are rendered from (issue 13).
//! `domain::results` holds the rules.
//!
//! Results are made by a subscriber, in the transaction of the change that sets an
//! episode's outcome or closes it, so no result is ever missing for an outcome that stands.
//! The same result recorded twice in one change (reading sets the outcome and closes the
//! episode) is made once. A correction of the end code supersedes the latest result with a
//! new version, or withdraws it when the new end code gives none. Undoing "did not attend"
//! or "attended not screened" withdraws the result that ending made.

mod deliveries;
mod office;

pub use deliveries::{DeliveryChange, DeliveryRecord, Outgoing};
pub use office::{DeliveryHistoryEntry, FailsafeItem, PrintBatch, Reconciliation};

use crate::audit::{self, AuditAction};
use crate::outbox::{Delivery, Handled, Subscriber, Tx};
use crate::sql::{self, parse_date, parse_enum, parse_id, parse_ts};
use crate::write::AuditRow;
use crate::{Actor, Result, Scope, Store, StoreError, new_id};
use domain::end_code::EndCode;
use domain::episode::EpisodeOutcome;
use domain::events::{DomainEvent, kind};
use domain::ids::{EpisodeId, ParticipantId};
use domain::results::{
    NextResult, ResultKind, ResultSource, ResultState, default_coding, next_result,
};
use serde::Serialize;
use sqlx::FromRow;
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;
use uuid::Uuid;

/// A SNOMED CT concept as the result was coded with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ResultCode {
    pub code: String,
    pub display: String,
}

/// One version of a result.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ResultRecord {
    pub id: Uuid,
    pub episode_id: EpisodeId,
    pub participant_id: ParticipantId,
    /// The participant's name and NHS number (for the office's lists).
    pub participant_name: String,
    pub nhs_number: String,
    /// What the result says.
    pub kind: ResultKind,
    pub version: i64,
    /// The version this one supersedes.
    pub supersedes_id: Option<Uuid>,
    pub state: ResultState,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub superseded_at: Option<OffsetDateTime>,
    /// The episode's outcome and end code when it was made.
    pub outcome: Option<EpisodeOutcome>,
    pub end_code: Option<EndCode>,
    #[schema(value_type = Option<String>, format = Date)]
    pub next_test_due: Option<Date>,
    pub reason: String,
    /// The participant's plain-language summary.
    pub summary: String,
    /// The GP message's plain-language text.
    pub gp_text: String,
    /// The participant letter's template.
    pub letter_template: String,
    /// The SNOMED CT finding, where the mapping has one (otherwise the text alone).
    pub finding: Option<ResultCode>,
    /// The SNOMED CT procedure, when she was screened.
    pub procedure: Option<ResultCode>,
    pub issued_by_name: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

/// The result's fields as [`ResultRow`] reads them (results `r`, participants `p`).
pub(crate) const RESULT_FIELDS: &str = "r.id, r.episode_id, r.participant_id, p.first_name, p.last_name, p.nhs_number, \
     r.kind, r.version, r.supersedes_id, r.state, r.superseded_at, r.outcome, r.end_code, r.next_test_due, \
     r.reason, r.summary, r.gp_text, r.letter_template, r.finding_code, r.finding_display, \
     r.procedure_code, r.procedure_display, r.issued_by_name, r.created_at";
const FROM_RESULTS: &str = "FROM results r JOIN participants p ON p.id = r.participant_id AND p.provider_id = r.provider_id";

/// A SNOMED CT concept's code and display, if coded.
fn code(code: Option<String>, display: Option<String>) -> Option<ResultCode> {
    code.map(|c| ResultCode {
        code: c,
        display: display.unwrap_or_default(),
    })
}

/// A result version with its participant ([`RESULT_FIELDS`]), as stored.
#[derive(FromRow)]
struct ResultRow {
    id: String,
    episode_id: String,
    participant_id: String,
    first_name: String,
    last_name: String,
    nhs_number: String,
    kind: String,
    version: i64,
    supersedes_id: Option<String>,
    state: String,
    superseded_at: Option<String>,
    outcome: Option<String>,
    end_code: Option<String>,
    next_test_due: Option<String>,
    reason: String,
    summary: String,
    gp_text: String,
    letter_template: String,
    finding_code: Option<String>,
    finding_display: Option<String>,
    procedure_code: Option<String>,
    procedure_display: Option<String>,
    issued_by_name: String,
    created_at: String,
}

impl TryFrom<ResultRow> for ResultRecord {
    type Error = StoreError;
    fn try_from(r: ResultRow) -> Result<Self> {
        Ok(ResultRecord {
            id: parse_id(&r.id)?,
            episode_id: parse_id(&r.episode_id)?,
            participant_id: parse_id(&r.participant_id)?,
            participant_name: format!("{} {}", r.first_name, r.last_name),
            nhs_number: r.nhs_number,
            kind: parse_enum(&r.kind)?,
            version: r.version,
            supersedes_id: r.supersedes_id.as_deref().map(parse_id).transpose()?,
            state: parse_enum(&r.state)?,
            superseded_at: r.superseded_at.as_deref().map(parse_ts).transpose()?,
            outcome: r.outcome.as_deref().map(parse_enum).transpose()?,
            end_code: r.end_code.as_deref().map(parse_enum).transpose()?,
            next_test_due: r
                .next_test_due
                .filter(|s| !s.is_empty())
                .map(|s| parse_date(&s))
                .transpose()?,
            reason: r.reason,
            summary: r.summary,
            gp_text: r.gp_text,
            letter_template: r.letter_template,
            finding: code(r.finding_code, r.finding_display),
            procedure: code(r.procedure_code, r.procedure_display),
            issued_by_name: r.issued_by_name,
            created_at: parse_ts(&r.created_at)?,
        })
    }
}

impl Store {
    /// A participant's results, every version, newest first. Scoped: empty for a
    /// participant of another provider (callers that must answer "not found" check her
    /// first).
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, participant_id = %participant_id))]
    pub async fn participant_results(
        &self,
        scope: Scope,
        participant_id: ParticipantId,
    ) -> Result<Vec<ResultRecord>> {
        sqlx::query_as::<_, ResultRow>(&format!(
            "SELECT {RESULT_FIELDS} {FROM_RESULTS} WHERE r.provider_id = $1 AND r.participant_id = $2 \
             ORDER BY r.created_at DESC, r.id DESC"
        ))
        .bind(sql::id(scope.provider_id))
        .bind(sql::id(participant_id))
        .fetch_all(self.pool())
        .await?
        .into_iter()
        .map(TryInto::try_into)
        .collect()
    }

    /// The office's results queue: current results, newest first (at most `limit`).
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id))]
    pub async fn current_results(&self, scope: Scope, limit: i64) -> Result<Vec<ResultRecord>> {
        sqlx::query_as::<_, ResultRow>(&format!(
            "SELECT {RESULT_FIELDS} {FROM_RESULTS} WHERE r.provider_id = $1 AND r.state = $2 \
             ORDER BY r.created_at DESC, r.id DESC LIMIT $3"
        ))
        .bind(sql::id(scope.provider_id))
        .bind(ResultState::Current.as_str())
        .bind(limit)
        .fetch_all(self.pool())
        .await?
        .into_iter()
        .map(TryInto::try_into)
        .collect()
    }
}

/// How one result kind is coded in GP messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ResultCoding {
    pub kind: ResultKind,
    /// The finding's concept, or none: the result travels as text.
    pub finding: Option<ResultCode>,
    /// The procedure's concept, or none.
    pub procedure: Option<ResultCode>,
    /// Whether a system administrator changed it from the reference's codes.
    pub changed: bool,
    pub updated_by_name: Option<String>,
}

/// A change to one kind's coding; `None` clears a part (text only).
#[derive(Debug, Clone)]
pub struct CodingChange {
    pub finding: Option<ResultCode>,
    pub procedure: Option<ResultCode>,
}

fn from_default(kind: ResultKind) -> ResultCoding {
    let c = default_coding(kind);
    let code = |s: domain::results::Snomed| ResultCode {
        code: s.code.to_owned(),
        display: s.display.to_owned(),
    };
    ResultCoding {
        kind,
        finding: c.finding.map(code),
        procedure: c.procedure.map(code),
        changed: false,
        updated_by_name: None,
    }
}

/// A result kind's coding a system administrator changed ([`CODING_COLUMNS`]), as stored.
#[derive(FromRow)]
struct CodingRow {
    kind: String,
    finding_code: Option<String>,
    finding_display: Option<String>,
    procedure_code: Option<String>,
    procedure_display: Option<String>,
    updated_by_name: Option<String>,
}

fn coding_from_row(kind: ResultKind, r: CodingRow) -> ResultCoding {
    ResultCoding {
        kind,
        finding: code(r.finding_code, r.finding_display),
        procedure: code(r.procedure_code, r.procedure_display),
        changed: true,
        updated_by_name: r.updated_by_name,
    }
}

const CODING_COLUMNS: &str =
    "kind, finding_code, finding_display, procedure_code, procedure_display, updated_by_name";

/// The coding a result of `kind` is issued with, inside the change's transaction.
async fn coding_in(tx: &mut Tx, kind: ResultKind) -> Result<ResultCoding> {
    let row = sqlx::query_as::<_, CodingRow>(&format!(
        "SELECT {CODING_COLUMNS} FROM result_codings WHERE kind = $1"
    ))
    .bind(kind.as_str())
    .fetch_optional(&mut **tx)
    .await?;
    Ok(match row {
        Some(r) => coding_from_row(kind, r),
        None => from_default(kind),
    })
}

impl Store {
    /// How every result kind is coded now.
    #[tracing::instrument(skip_all)]
    pub async fn result_codings(&self) -> Result<Vec<ResultCoding>> {
        let mut rows =
            sqlx::query_as::<_, CodingRow>(&format!("SELECT {CODING_COLUMNS} FROM result_codings"))
                .fetch_all(self.pool())
                .await?;
        let mut out = Vec::with_capacity(ResultKind::ALL.len());
        for kind in ResultKind::ALL {
            let row = rows
                .iter()
                .position(|r| r.kind == kind.as_str())
                .map(|i| rows.swap_remove(i));
            out.push(match row {
                Some(r) => coding_from_row(*kind, r),
                None => from_default(*kind),
            });
        }
        Ok(out)
    }

    /// Sets how results of `kind` are coded from now on (a system administrator's change,
    /// audited with the old and new codes). Results already issued keep their codes.
    #[tracing::instrument(skip_all, fields(kind = %kind.as_str()))]
    pub async fn set_result_coding(
        &self,
        actor: &Actor,
        kind: ResultKind,
        change: CodingChange,
    ) -> Result<ResultCoding> {
        let part = |c: &Option<ResultCode>| {
            (
                c.as_ref().map(|c| c.code.trim().to_owned()),
                c.as_ref().map(|c| c.display.trim().to_owned()),
            )
        };
        let (fc, fd) = part(&change.finding);
        let (pc, pd) = part(&change.procedure);
        let mut errors = Vec::new();
        for (name, code, display) in [("finding", &fc, &fd), ("procedure", &pc, &pd)] {
            if let Err(e) =
                domain::results::check_concept(name, code.as_deref(), display.as_deref())
            {
                errors.extend(e);
            }
        }
        if !errors.is_empty() {
            return Err(crate::StoreError::Invalid(errors));
        }
        let mut write = self.begin_change().await?;
        let tx = write.tx();
        let before = coding_in(tx, kind).await?;
        sqlx::query(
            "INSERT INTO result_codings (kind, finding_code, finding_display, procedure_code, procedure_display, \
             updated_by_name, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (kind) DO UPDATE SET finding_code = excluded.finding_code, \
             finding_display = excluded.finding_display, procedure_code = excluded.procedure_code, \
             procedure_display = excluded.procedure_display, updated_by_name = excluded.updated_by_name, \
             updated_at = excluded.updated_at",
        )
        .bind(kind.as_str())
        .bind(fc.filter(|c| !c.is_empty()))
        .bind(fd.filter(|d| !d.is_empty()))
        .bind(pc.filter(|c| !c.is_empty()))
        .bind(pd.filter(|d| !d.is_empty()))
        .bind(&actor.name)
        .bind(sql::ts(OffsetDateTime::now_utc()))
        .execute(&mut **tx)
        .await?;
        let after = coding_in(tx, kind).await?;
        let audit = AuditRow::new(
            actor,
            AuditAction::Update,
            "result_coding",
            new_id(),
            None,
            serde_json::json!({ "kind": kind.as_str(), "before": before, "after": after }),
        );
        write.commit_audited(audit).await?;
        Ok(after)
    }
}

/// How results react to other features' events.
pub(crate) const SUBSCRIBERS: &[Subscriber] = &[
    // In the change's transaction: an outcome that stands always has its result, and a
    // result never outlives the outcome it came from (no lag, no dead delivery between
    // them). One or two small writes per change.
    Subscriber {
        name: "results.from_episode",
        kinds: &[
            kind::EPISODE_OUTCOME_SET,
            kind::EPISODE_CLOSED,
            kind::APPOINTMENT_ENDING_UNDONE,
        ],
        delivery: Delivery::InTransaction,
        handle: from_episode,
    },
];

/// An episode's current result, as stored.
#[derive(FromRow)]
struct LatestRow {
    id: String,
    kind: String,
    version: i64,
}

/// The episode's current result: its id, kind and version.
async fn latest(tx: &mut Tx, p: &str, episode: &str) -> Result<Option<(String, ResultKind, i64)>> {
    let row = sqlx::query_as::<_, LatestRow>(
        "SELECT id, kind, version FROM results WHERE provider_id = $1 AND episode_id = $2 AND state = $3 \
         ORDER BY created_at DESC, id DESC LIMIT 1",
    )
    .bind(p)
    .bind(episode)
    .bind(ResultState::Current.as_str())
    .fetch_optional(&mut **tx)
    .await?;
    row.map(|r| Ok((r.id, parse_enum(&r.kind)?, r.version)))
        .transpose()
}

/// What an event says about the episode's result.
struct Change<'a> {
    provider_id: domain::ids::ProviderId,
    episode_id: EpisodeId,
    participant_id: ParticipantId,
    outcome: Option<EpisodeOutcome>,
    end_code: Option<EndCode>,
    next_test_due: Option<Date>,
    reason: &'a str,
    correction: bool,
}

fn from_episode<'a>(tx: &'a mut Tx, actor: &'a Actor, event: &'a DomainEvent) -> Handled<'a> {
    Box::pin(async move {
        let change = match event {
            DomainEvent::EpisodeOutcomeSet(e) => Change {
                provider_id: e.provider_id,
                episode_id: e.episode_id,
                participant_id: e.participant_id,
                outcome: Some(e.outcome),
                end_code: None,
                next_test_due: e.next_test_due,
                reason: &e.reason,
                correction: false,
            },
            DomainEvent::EpisodeClosed(e) => Change {
                provider_id: e.provider_id,
                episode_id: e.episode_id,
                participant_id: e.participant_id,
                outcome: e.outcome,
                end_code: Some(e.end_code),
                next_test_due: e.next_test_due,
                reason: &e.reason,
                correction: e.correction,
            },
            DomainEvent::AppointmentEndingUndone(e) => {
                let p = sql::id(e.provider_id);
                let episode = sql::id(e.episode_id);
                if let Some((id, kind, _)) = latest(tx, &p, &episode).await?
                    && domain::results::on_ending_undone(Some(kind)) == NextResult::Withdraw
                {
                    retire(tx, &p, &id, ResultState::Withdrawn).await?;
                    deliveries::on_retired(tx, &p, &id, actor).await?;
                    audit_result(tx, e.participant_id, actor, &id, "withdrawn").await?;
                }
                return Ok(());
            }
            _ => return Ok(()),
        };
        apply(tx, actor, &change).await
    })
}

async fn apply(tx: &mut Tx, actor: &Actor, c: &Change<'_>) -> Result<()> {
    let p = sql::id(c.provider_id);
    let episode = sql::id(c.episode_id);
    // Only a routine recall is told differently after assessment: ask only then.
    let assessed = c.end_code == Some(EndCode::RoutineRecall)
        && was_assessed(tx, &p, c.participant_id, &episode).await?;
    let kind = ResultKind::of(ResultSource {
        outcome: c.outcome,
        end_code: c.end_code,
        assessed,
    });
    if kind.is_none() && !c.correction {
        // Gives no result and corrects none: nothing to read or write.
        return Ok(());
    }
    let current = latest(tx, &p, &episode).await?;
    match next_result(current.as_ref().map(|(_, k, _)| *k), kind, c.correction) {
        NextResult::Unchanged => Ok(()),
        NextResult::Withdraw => {
            if let Some((id, _, _)) = current {
                retire(tx, &p, &id, ResultState::Withdrawn).await?;
                deliveries::on_retired(tx, &p, &id, actor).await?;
                audit_result(tx, c.participant_id, actor, &id, "withdrawn").await?;
            }
            Ok(())
        }
        NextResult::Issue | NextResult::Supersede => {
            let Some(kind) = kind else { return Ok(()) };
            let supersedes = match (&current, c.correction) {
                (Some((id, _, version)), true) => {
                    retire(tx, &p, id, ResultState::Superseded).await?;
                    deliveries::on_retired(tx, &p, id, actor).await?;
                    Some((id.clone(), *version))
                }
                _ => None,
            };
            let id = sql::id(new_id());
            let coding = coding_in(tx, kind).await?;
            sqlx::query(
                "INSERT INTO results (id, provider_id, episode_id, participant_id, kind, version, supersedes_id, state, \
                 outcome, end_code, next_test_due, reason, summary, gp_text, letter_template, finding_code, finding_display, \
                 procedure_code, procedure_display, issued_by_name, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)",
            )
            .bind(&id)
            .bind(&p)
            .bind(&episode)
            .bind(sql::id(c.participant_id))
            .bind(kind.as_str())
            .bind(supersedes.as_ref().map_or(1, |(_, v)| v + 1))
            .bind(supersedes.as_ref().map(|(s, _)| s.clone()))
            .bind(ResultState::Current.as_str())
            .bind(c.outcome.map(|o| o.as_str()))
            .bind(c.end_code.map(|e| e.as_str()))
            .bind(c.next_test_due.map(sql::date))
            .bind(c.reason)
            .bind(kind.summary())
            .bind(kind.gp_text())
            .bind(kind.letter())
            .bind(coding.finding.as_ref().map(|s| s.code.clone()))
            .bind(coding.finding.as_ref().map(|s| s.display.clone()))
            .bind(coding.procedure.as_ref().map(|s| s.code.clone()))
            .bind(coding.procedure.as_ref().map(|s| s.display.clone()))
            .bind(&actor.name)
            .bind(sql::ts(OffsetDateTime::now_utc()))
            .execute(&mut **tx)
            .await?;
            deliveries::on_issued(tx, &p, &id, c.participant_id, &episode, kind, actor).await?;
            let what = if supersedes.is_some() {
                "superseded"
            } else {
                "issued"
            };
            audit_result(tx, c.participant_id, actor, &id, what).await
        }
    }
}

/// Whether the participant was assessed in this episode (through the index by participant).
async fn was_assessed(
    tx: &mut Tx,
    p: &str,
    participant: ParticipantId,
    episode: &str,
) -> Result<bool> {
    Ok(sqlx::query(
        "SELECT id FROM assessments WHERE provider_id = $1 AND participant_id = $2 AND episode_id = $3 LIMIT 1",
    )
    .bind(p)
    .bind(sql::id(participant))
    .bind(episode)
    .fetch_optional(&mut **tx)
    .await?
    .is_some())
}

/// Marks a current result superseded or withdrawn.
async fn retire(tx: &mut Tx, p: &str, id: &str, state: ResultState) -> Result<()> {
    sqlx::query(
        "UPDATE results SET state = $1, superseded_at = $2 WHERE id = $3 AND provider_id = $4 AND state = $5",
    )
    .bind(state.as_str())
    .bind(sql::ts(OffsetDateTime::now_utc()))
    .bind(id)
    .bind(p)
    .bind(ResultState::Current.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn audit_result(
    tx: &mut Tx,
    participant_id: ParticipantId,
    actor: &Actor,
    id: &str,
    what: &str,
) -> Result<()> {
    audit::record(
        &mut **tx,
        actor,
        AuditAction::Update,
        "result",
        parse_id::<Uuid>(id)?,
        Some(participant_id),
        &serde_json::json!({ "result": what }),
    )
    .await
}
