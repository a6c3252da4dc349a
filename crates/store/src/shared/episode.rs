//! Closing an episode, in the caller's transaction: the one place an episode gets its end
//! code, its closing day and its next test due (`domain::end_code`), with a history row
//! and an `EpisodeClosed` event. Reading, appointment endings, assessment, ceasing and the
//! office's own closures all come through here.

use crate::outbox::{self, Tx};
use crate::sql::{self, parse_date, parse_enum, parse_id};
use crate::{Actor, Result, Scope, StoreError, new_id};
use domain::end_code::{DueBasis, EndCode};
use domain::episode::{EpisodeOutcome, EpisodeStage, EpisodeType};
use domain::events::{DomainEvent, EpisodeClosed};
use domain::ids::{EpisodeId, ParticipantId};
use sqlx::FromRow;
use time::Date;

/// An episode about to close.
#[derive(Debug, Clone)]
pub(crate) struct Closing<'a> {
    pub episode_id: EpisodeId,
    pub end_code: EndCode,
    /// The outcome written with the closure (reading's or an ending's); `None` keeps the
    /// outcome the episode has.
    pub outcome: Option<EpisodeOutcome>,
    pub reason: &'a str,
    pub closed_on: Date,
    /// A correction of a closed episode's end code rather than a first closure.
    pub correction: bool,
}

/// What the closing episode is, as read in its transaction.
#[derive(Debug, Clone)]
pub(crate) struct EpisodeFacts {
    pub participant_id: ParticipantId,
    pub stage: EpisodeStage,
    pub episode_type: EpisodeType,
    pub end_code: Option<EndCode>,
    pub outcome: Option<EpisodeOutcome>,
    pub date_of_birth: Date,
    /// The round's first offered appointment (its earliest clinic date), if any.
    pub first_offered: Option<Date>,
    pub opened_on: Date,
    pub closed_on: Option<Date>,
}

/// The closing episode's facts, as stored.
#[derive(FromRow)]
struct FactsRow {
    participant_id: String,
    stage: String,
    episode_type: String,
    end_code: Option<String>,
    outcome: Option<String>,
    date_of_birth: String,
    first_offered: Option<String>,
    opened_on: String,
    closed_on: Option<String>,
}

impl TryFrom<FactsRow> for EpisodeFacts {
    type Error = StoreError;
    fn try_from(r: FactsRow) -> Result<Self> {
        Ok(EpisodeFacts {
            participant_id: parse_id(&r.participant_id)?,
            stage: parse_enum(&r.stage)?,
            episode_type: parse_enum(&r.episode_type)?,
            end_code: r.end_code.as_deref().map(parse_enum).transpose()?,
            outcome: r.outcome.as_deref().map(parse_enum).transpose()?,
            date_of_birth: parse_date(&r.date_of_birth)?,
            first_offered: r.first_offered.as_deref().map(parse_date).transpose()?,
            opened_on: parse_date(&r.opened_on)?,
            closed_on: r.closed_on.as_deref().map(parse_date).transpose()?,
        })
    }
}

/// Reads the facts a closure needs, locking nothing but reading inside the transaction.
pub(crate) async fn facts(
    tx: &mut Tx,
    scope: Scope,
    episode_id: EpisodeId,
) -> Result<EpisodeFacts> {
    sqlx::query_as::<_, FactsRow>(
        "SELECT e.participant_id, e.stage, e.episode_type, e.end_code, e.outcome, e.opened_on, e.closed_on, p.date_of_birth, \
         (SELECT MIN(c.clinic_date) FROM appointments a \
          JOIN clinics c ON c.id = a.clinic_id AND c.provider_id = a.provider_id \
          WHERE a.episode_id = e.id AND a.provider_id = e.provider_id) AS first_offered \
         FROM episodes e JOIN participants p ON p.id = e.participant_id AND p.provider_id = e.provider_id \
         WHERE e.id = $1 AND e.provider_id = $2",
    )
    .bind(sql::id(episode_id))
    .bind(sql::id(scope.provider_id))
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(StoreError::NotFound)?
    .try_into()
}

/// Closes the episode (or corrects a closed one's end code) with its next test due, keeps
/// the change in its history and records `EpisodeClosed`; returns the next test due.
/// A first closure of an episode that is already closed is refused: closed episodes are
/// changed only by a correction.
pub(crate) async fn close(
    tx: &mut Tx,
    scope: Scope,
    actor: &Actor,
    closing: Closing<'_>,
) -> Result<Option<Date>> {
    let facts = facts(tx, scope, closing.episode_id).await?;
    if !closing.correction && facts.stage == EpisodeStage::Closed {
        return Err(StoreError::NotAllowed(
            "This episode is already closed: correct its end code instead".to_owned(),
        ));
    }
    // A correction keeps the day the episode closed; a first closure sets it.
    let closed_on = match (closing.correction, facts.closed_on) {
        (true, Some(day)) => day,
        _ => closing.closed_on,
    };
    let next_test_due = closing.end_code.next_test_due(DueBasis {
        first_offered: facts.first_offered.unwrap_or(facts.opened_on),
        episode_type: facts.episode_type,
        date_of_birth: facts.date_of_birth,
        closed_on,
    });
    let outcome = closing.outcome.or(facts.outcome);
    let p = sql::id(scope.provider_id);
    let e = sql::id(closing.episode_id);
    sqlx::query(
        "UPDATE episodes SET stage = $1, outcome = $2, end_code = $3, end_reason = $4, next_test_due = $5, \
         closed_on = $6 WHERE id = $7 AND provider_id = $8",
    )
    .bind(EpisodeStage::Closed.as_str())
    .bind(outcome.map(EpisodeOutcome::as_str))
    .bind(closing.end_code.as_str())
    .bind(closing.reason)
    .bind(next_test_due.map(sql::date))
    .bind(sql::date(closed_on))
    .bind(&e)
    .bind(&p)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "INSERT INTO episode_history (id, provider_id, episode_id, stage, outcome, next_test_due, end_code, reason, changed_by_name, changed_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(sql::id(new_id()))
    .bind(&p)
    .bind(&e)
    .bind(EpisodeStage::Closed.as_str())
    .bind(outcome.map(EpisodeOutcome::as_str))
    .bind(next_test_due.map(sql::date))
    .bind(closing.end_code.as_str())
    .bind(closing.reason)
    .bind(&actor.name)
    .bind(sql::ts(sql::now()))
    .execute(&mut **tx)
    .await?;
    outbox::record(
        tx,
        scope,
        actor,
        DomainEvent::EpisodeClosed(EpisodeClosed {
            provider_id: scope.provider_id,
            episode_id: closing.episode_id,
            participant_id: facts.participant_id,
            end_code: closing.end_code,
            outcome,
            closed_on,
            next_test_due,
            reason: closing.reason.to_owned(),
            correction: closing.correction,
        }),
    )
    .await?;
    Ok(next_test_due)
}
