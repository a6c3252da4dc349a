//! Image reading: cases (opened when an appointment ends Screened or Partially screened),
//! the provider's reading settings, sessions, reads, holds (deferrals and priors),
//! arbitration, and the result each concluded case writes onto its episode.
//!
//! The rules are `domain::reading`'s; this module loads what they need, asks them, and
//! writes the answer with its audit row in one transaction.

use crate::audit::{self, AuditAction};
use crate::outbox::{self, Delivery, Handled, Subscriber, Tx};
use crate::sql::{self, parse_date, parse_enum, parse_id, parse_json, parse_ts};
use crate::{Actor, Result, Scope, Store, StoreError, new_id};
use domain::AppointmentStatus;
use domain::episode::{EpisodeStage, EpisodeType};
use domain::events::{CaseConcluded, DomainEvent, EpisodeOutcomeSet, NeededFollowUp, kind};
use domain::follow_up::FollowUpKind;
use domain::imaging::{Breast, Completeness};
use domain::reading::{
    ArbitrationDecision, ArbitrationPolicy, CaseHolder, CaseReads, FinalisationPolicy,
    FollowUpNeeded, Opinion, OpinionKind, PriorsStatus, Read, ReadSlot, ReaderId, ReadingContext,
    ReadingRules, ReadingState, ReadingWindow, SessionKind, SessionResult,
};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;
use time::{Date, Duration, OffsetDateTime};
use utoipa::ToSchema;
use uuid::Uuid;

/// How long a reader keeps a case they opened in a session before others may take it.
const CLAIM: Duration = Duration::minutes(20);

fn reader(id: Uuid) -> ReaderId {
    ReaderId(id.as_u128())
}

fn reader_uuid(id: ReaderId) -> Uuid {
    Uuid::from_u128(id.0)
}

fn user_of(actor: &Actor) -> Result<Uuid> {
    actor
        .user_id
        .ok_or_else(|| StoreError::Refused("Only a signed-in reader can do this".to_owned()))
}

// ---------------------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------------------

/// A provider's reading settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ReadingSettings {
    /// Blind double reading: the 2nd reader cannot see the 1st opinion until both are in.
    pub blinded: bool,
    /// discordant_only, all_recalls or all_non_normal.
    #[schema(value_type = String)]
    pub arbitration_policy: ArbitrationPolicy,
    /// Minutes a reader may change their opinion before it is final (0: final at once).
    pub finalisation_delay_minutes: u32,
    /// Days from screening by which reading must be done.
    pub window_days: u16,
    /// "Due soon" with this many days left or fewer.
    pub due_soon_days: u16,
    /// "Urgent" with this many days left or fewer.
    pub urgent_days: u16,
}

impl Default for ReadingSettings {
    fn default() -> Self {
        let rules = ReadingRules::default();
        let window = ReadingWindow::default();
        ReadingSettings {
            blinded: rules.blinded,
            arbitration_policy: rules.arbitration,
            finalisation_delay_minutes: 0,
            window_days: window.window_days,
            due_soon_days: window.due_soon_days,
            urgent_days: window.urgent_days,
        }
    }
}

impl ReadingSettings {
    pub fn rules(&self) -> ReadingRules {
        ReadingRules {
            blinded: self.blinded,
            arbitration: self.arbitration_policy,
            finalisation: FinalisationPolicy {
                delay: Duration::minutes(i64::from(self.finalisation_delay_minutes)),
            },
        }
    }

    pub fn window(&self) -> ReadingWindow {
        ReadingWindow {
            window_days: self.window_days,
            due_soon_days: self.due_soon_days,
            urgent_days: self.urgent_days,
        }
    }

    /// What is wrong with these settings, field by field.
    pub fn validate(&self) -> Result<()> {
        let mut errors = Vec::new();
        if self.finalisation_delay_minutes > 7 * 24 * 60 {
            errors.push(domain::validation::FieldError::new(
                "finalisation_delay_minutes",
                "The finalisation delay must be 10080 minutes (7 days) or fewer",
            ));
        }
        if !(1..=60).contains(&self.window_days) {
            errors.push(domain::validation::FieldError::new(
                "window_days",
                "The reading window must be between 1 and 60 days",
            ));
        }
        if self.urgent_days > self.due_soon_days || self.due_soon_days >= self.window_days {
            errors.push(domain::validation::FieldError::new(
                "due_soon_days",
                "'Urgent' must be fewer days than 'Due soon', and 'Due soon' fewer than the window",
            ));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(StoreError::Invalid(errors))
        }
    }
}

// ---------------------------------------------------------------------------------------
// Cases
// ---------------------------------------------------------------------------------------

/// A reading case with who it is for.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReadingCase {
    pub id: Uuid,
    pub appointment_id: Uuid,
    pub participant_id: Uuid,
    pub participant_name: String,
    pub nhs_number: String,
    #[schema(value_type = String, format = Date)]
    pub screened_on: Date,
    #[schema(value_type = String)]
    pub state: ReadingState,
    /// deferred or priors, while held back from reading.
    pub held: Option<String>,
    #[schema(value_type = String)]
    pub priors_status: PriorsStatus,
    #[schema(value_type = String)]
    pub completeness: Completeness,
    pub clinic_id: Option<Uuid>,
    /// The episode outcome, once concluded.
    pub outcome: Option<String>,
}

const CASE_COLUMNS: &str = "r.id, r.appointment_id, r.participant_id, p.first_name, p.last_name, p.nhs_number, \
     r.screened_on, r.state, r.held, r.priors_status, r.completeness, r.clinic_id, r.outcome";

const CASE_FROM: &str = "FROM reading_cases r JOIN participants p ON p.id = r.participant_id AND p.provider_id = r.provider_id";

fn case_from(r: &AnyRow) -> Result<ReadingCase> {
    Ok(ReadingCase {
        id: parse_id(&r.try_get::<String, _>("id")?)?,
        appointment_id: parse_id(&r.try_get::<String, _>("appointment_id")?)?,
        participant_id: parse_id(&r.try_get::<String, _>("participant_id")?)?,
        participant_name: format!(
            "{} {}",
            r.try_get::<String, _>("first_name")?,
            r.try_get::<String, _>("last_name")?
        ),
        nhs_number: r.try_get("nhs_number")?,
        screened_on: parse_date(&r.try_get::<String, _>("screened_on")?)?,
        state: parse_enum(&r.try_get::<String, _>("state")?)?,
        held: r.try_get("held")?,
        priors_status: parse_enum(&r.try_get::<String, _>("priors_status")?)?,
        completeness: parse_enum(&r.try_get::<String, _>("completeness")?)?,
        clinic_id: r
            .try_get::<Option<String>, _>("clinic_id")?
            .map(|s| parse_id(&s))
            .transpose()?,
        outcome: r.try_get("outcome")?,
    })
}

/// How image reading reacts to other features' events. Both run in the ending's
/// transaction: a screen must never be committed without the case that gets it read, and
/// the case must be there as soon as "Complete screening" returns (ADR 18).
pub(crate) const SUBSCRIBERS: &[Subscriber] = &[
    Subscriber {
        name: "reading.open_case",
        kinds: &[kind::APPOINTMENT_ENDED],
        delivery: Delivery::InTransaction,
        handle: open_case_on_ended,
    },
    Subscriber {
        name: "reading.completeness",
        kinds: &[kind::SCREEN_COMPLETED],
        delivery: Delivery::InTransaction,
        handle: completeness_on_screen,
    },
];

/// Every screen is read: the case opens as the appointment ends screened or partially
/// screened. Does nothing if the appointment already has its case.
fn open_case_on_ended<'a>(tx: &'a mut Tx, actor: &'a Actor, event: &'a DomainEvent) -> Handled<'a> {
    Box::pin(async move {
        let DomainEvent::AppointmentEnded(e) = event else {
            return Ok(());
        };
        if !matches!(
            e.status,
            AppointmentStatus::Screened | AppointmentStatus::PartiallyScreened
        ) {
            return Ok(());
        }
        let scope = Scope {
            provider_id: e.provider_id,
        };
        let existing = sqlx::query(
            "SELECT 1 FROM reading_cases WHERE appointment_id = $1 AND provider_id = $2",
        )
        .bind(sql::id(e.appointment_id))
        .bind(sql::id(scope.provider_id))
        .fetch_optional(&mut **tx)
        .await?;
        if existing.is_some() {
            return Ok(());
        }
        open_case(tx, scope, actor, e.appointment_id).await
    })
}

fn completeness_on_screen<'a>(
    tx: &'a mut Tx,
    _actor: &'a Actor,
    event: &'a DomainEvent,
) -> Handled<'a> {
    Box::pin(async move {
        let DomainEvent::ScreenCompleted(e) = event else {
            return Ok(());
        };
        let scope = Scope {
            provider_id: e.provider_id,
        };
        set_completeness(tx, scope, e.appointment_id, e.completeness).await
    })
}

/// Opens the reading case for a screened appointment, inside the caller's transaction.
async fn open_case(tx: &mut Tx, scope: Scope, actor: &Actor, appointment_id: Uuid) -> Result<()> {
    let row = sqlx::query(
        "SELECT a.episode_id, a.participant_id, a.clinic_id, c.clinic_date FROM appointments a \
         JOIN clinics c ON c.id = a.clinic_id AND c.provider_id = a.provider_id \
         WHERE a.id = $1 AND a.provider_id = $2",
    )
    .bind(sql::id(appointment_id))
    .bind(sql::id(scope.provider_id))
    .fetch_one(&mut **tx)
    .await?;
    let id = new_id();
    let participant_id: String = row.try_get("participant_id")?;
    // The day the images were taken, never the clinic's planned date.
    let screened_on = sql::date(crate::dates::screening_date(tx, scope, appointment_id).await?);
    sqlx::query(
        "INSERT INTO reading_cases (id, provider_id, appointment_id, episode_id, participant_id, screened_on, state, created_at, clinic_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(sql::id(id))
    .bind(sql::id(scope.provider_id))
    .bind(sql::id(appointment_id))
    .bind(row.try_get::<String, _>("episode_id")?)
    .bind(&participant_id)
    .bind(&screened_on)
    .bind(ReadingState::AwaitingFirstRead.as_str())
    .bind(sql::ts(sql::now()))
    .bind(row.try_get::<String, _>("clinic_id")?)
    .execute(&mut **tx)
    .await?;
    let snapshot = serde_json::json!({ "appointment_id": appointment_id, "screened_on": screened_on, "state": ReadingState::AwaitingFirstRead });
    audit::record(
        &mut **tx,
        actor,
        AuditAction::Create,
        "reading_case",
        id,
        Some(parse_id(&participant_id)?),
        &snapshot,
    )
    .await
}

/// Records what the images record meant (complete, partial, recall requested) on the
/// appointment's reading case, inside the caller's transaction.
async fn set_completeness(
    tx: &mut Tx,
    scope: Scope,
    appointment_id: Uuid,
    completeness: Completeness,
) -> Result<()> {
    sqlx::query(
        "UPDATE reading_cases SET completeness = $1 WHERE appointment_id = $2 AND provider_id = $3",
    )
    .bind(completeness.as_str())
    .bind(sql::id(appointment_id))
    .bind(sql::id(scope.provider_id))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The counts on the reader dashboard.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct ReadingCounts {
    pub awaiting_first_read: i64,
    pub awaiting_second_read: i64,
    pub awaiting_finalisation: i64,
    pub awaiting_arbitration: i64,
    pub awaiting_priors: i64,
    pub deferred: i64,
    /// Cases this reader could be given now, 1st reads.
    pub available_first_reads: i64,
    /// Cases this reader could be given now, 2nd reads (not cases they read first).
    pub available_second_reads: i64,
    /// Cases past their reading window without a result, held ones included.
    pub overdue: i64,
}

/// The states of a case without a result.
const UNFINISHED: &str = "'awaiting_first_read', 'awaiting_second_read', 'awaiting_finalisation', 'awaiting_arbitration'";

/// A case past its reading window, and who holds it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OverdueCase {
    #[serde(flatten)]
    pub case: ReadingCase,
    /// Days since the last day of the window (1 the day after it).
    pub days_past_window: i64,
    /// deferred, awaiting_priors, claimed, awaiting_finalisation or queue.
    #[schema(value_type = String)]
    pub holder: CaseHolder,
    /// The holder as staff read it ("Deferred by", "Claimed by", ...).
    pub holder_label: String,
    /// Who: the reader who deferred it, requested priors, has it open or gave the read
    /// awaiting finalisation; none when it waits in the queue.
    pub held_by: Option<String>,
}

/// One case as a session lists it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SessionCase {
    pub case_id: Uuid,
    pub position: i64,
    pub participant_name: String,
    pub nhs_number: String,
    /// read, skipped, deferred, priors_requested, arbitrated; none for the current case.
    pub result: Option<String>,
    /// The result as staff read it ("Skipped", "Priors requested").
    pub result_label: Option<String>,
    /// The label of this reader's opinion, when they read it.
    pub opinion: Option<String>,
    /// Whether this reader may still change that opinion.
    pub changeable: bool,
}

/// A reading session.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReadingSession {
    pub id: Uuid,
    pub reader_id: Uuid,
    #[schema(value_type = String)]
    pub kind: SessionKind,
    pub clinic_id: Option<Uuid>,
    pub size: i64,
    pub ended: bool,
    pub cases: Vec<SessionCase>,
}

impl ReadingSession {
    /// Cases done (skipped ones do not count).
    pub fn done(&self) -> i64 {
        self.cases
            .iter()
            .filter(|c| {
                c.result
                    .as_deref()
                    .and_then(|r| r.parse::<SessionResult>().ok())
                    .is_some_and(SessionResult::counts_as_done)
            })
            .count() as i64
    }

    /// The case being read now (offered, no result yet).
    pub fn current(&self) -> Option<Uuid> {
        self.cases
            .iter()
            .find(|c| c.result.is_none())
            .map(|c| c.case_id)
    }
}

/// Why a case is held back from reading.
#[derive(Clone, Copy)]
enum Hold {
    Deferred,
    Priors,
}

/// A reading session's settings and whether it has ended.
#[derive(Debug, Clone, Copy)]
pub struct SessionHeader {
    pub kind: SessionKind,
    pub clinic_id: Option<Uuid>,
    pub size: i64,
    pub ended: bool,
}

/// Where a session is, for "next case".
struct SessionProgress {
    kind: SessionKind,
    clinic_id: Option<Uuid>,
    size: i64,
    ended: bool,
    current: Option<Uuid>,
    done: i64,
    offered: i64,
}

/// A read as the pages show it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReadView {
    #[schema(value_type = String)]
    pub slot: ReadSlot,
    pub reader_id: Uuid,
    pub reader_name: String,
    #[schema(value_type = Object)]
    pub opinion: Opinion,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub given_at: OffsetDateTime,
    pub is_final: bool,
}

/// The arbitration as the pages show it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ArbitrationView {
    pub arbitrator_names: Vec<String>,
    #[schema(value_type = Object)]
    pub decision: ArbitrationDecision,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub recorded_at: OffsetDateTime,
}

/// A hold on a case: a deferral or a request for priors.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseHold {
    pub id: Uuid,
    pub case_id: Uuid,
    /// deferred or priors.
    pub kind: String,
    pub reason: String,
    pub requested_by_name: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub requested_at: OffsetDateTime,
    pub released_by_name: Option<String>,
    pub released_how: Option<String>,
    pub participant_name: String,
    pub nhs_number: String,
    #[schema(value_type = String, format = Date)]
    pub screened_on: Date,
    #[schema(value_type = String)]
    pub priors_status: PriorsStatus,
}

/// Everything about one case the case page needs from reading (the appointment's own
/// record comes from [`Store::workflow`]).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseDetail {
    pub case: ReadingCase,
    pub episode_id: Uuid,
    #[schema(value_type = String)]
    pub episode_type: EpisodeType,
    /// The reads this viewer may see (the 1st hidden while blinded).
    pub reads: Vec<ReadView>,
    /// Whether a 1st read exists that is hidden from this viewer.
    pub first_read_hidden: bool,
    pub arbitration: Option<ArbitrationView>,
    /// Which read this viewer would give now, or why they cannot.
    #[schema(value_type = Option<String>)]
    pub can_read: std::result::Result<ReadSlot, String>,
    /// Whether this viewer may change their own read now.
    pub can_change: bool,
    /// The warning for an arbitrator who read the case.
    pub arbitrator_warning: Option<String>,
    pub holds: Vec<CaseHold>,
    /// Previous episodes of the participant: (opened on, type, outcome).
    pub previous_episodes: Vec<PreviousEpisode>,
    /// The provider's reading settings the detail was worked out with.
    #[serde(skip)]
    pub settings: ReadingSettings,
}

/// An earlier episode of the participant.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PreviousEpisode {
    #[schema(value_type = String, format = Date)]
    pub opened_on: Date,
    #[schema(value_type = String)]
    pub episode_type: EpisodeType,
    pub outcome: Option<String>,
}

/// What recording a read did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReadRecorded {
    #[schema(value_type = String)]
    pub slot: ReadSlot,
    /// The case's state afterwards.
    #[schema(value_type = String)]
    pub state: ReadingState,
    /// The episode outcome, when this read concluded the case.
    pub outcome: Option<String>,
}

/// The arbitration to record.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewArbitration {
    /// Everyone present; the recording user is always included.
    #[serde(default)]
    pub arbitrators: Vec<Uuid>,
    #[schema(value_type = Object)]
    pub decision: ArbitrationDecision,
}

struct CaseRow {
    id: Uuid,
    participant_id: Uuid,
    appointment_id: Uuid,
    episode_id: Uuid,
    state: ReadingState,
    screened_on: Date,
    completeness: Completeness,
    concluded: bool,
    held: Option<String>,
    priors_status: PriorsStatus,
}

async fn case_row<'c, E>(exec: E, scope: Scope, case_id: Uuid) -> Result<CaseRow>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    let r = sqlx::query(
        "SELECT id, participant_id, appointment_id, episode_id, state, screened_on, completeness, concluded_at, held, priors_status \
         FROM reading_cases WHERE id = $1 AND provider_id = $2",
    )
    .bind(sql::id(case_id))
    .bind(sql::id(scope.provider_id))
    .fetch_optional(exec)
    .await?
    .ok_or(StoreError::NotFound)?;
    Ok(CaseRow {
        id: parse_id(&r.try_get::<String, _>("id")?)?,
        participant_id: parse_id(&r.try_get::<String, _>("participant_id")?)?,
        appointment_id: parse_id(&r.try_get::<String, _>("appointment_id")?)?,
        episode_id: parse_id(&r.try_get::<String, _>("episode_id")?)?,
        state: parse_enum(&r.try_get::<String, _>("state")?)?,
        screened_on: parse_date(&r.try_get::<String, _>("screened_on")?)?,
        completeness: parse_enum(&r.try_get::<String, _>("completeness")?)?,
        concluded: r.try_get::<Option<String>, _>("concluded_at")?.is_some(),
        held: r.try_get("held")?,
        priors_status: parse_enum(&r.try_get::<String, _>("priors_status")?)?,
    })
}

/// The case's reads and arbitration, with the readers' names.
async fn load_reads<'c, E>(
    exec: E,
    scope: Scope,
    case_id: Uuid,
) -> Result<(CaseReads, Vec<(ReadSlot, String)>, Option<Vec<String>>)>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    // One query for reads and the arbitration: a UNION keeps it to one round trip.
    let rows = sqlx::query(
        "SELECT 'read' AS what, slot, reader_id AS who, reader_name AS names, opinion, given_at AS at, finalised_early, given_blind \
         FROM reads WHERE case_id = $1 AND provider_id = $2 \
         UNION ALL SELECT 'arbitration', '', arbitrators, arbitrator_names, decision, recorded_at, 0, 1 \
         FROM arbitrations WHERE case_id = $1 AND provider_id = $2",
    )
    .bind(sql::id(case_id))
    .bind(sql::id(scope.provider_id))
    .fetch_all(exec)
    .await?;
    let mut case = CaseReads::default();
    let mut names = Vec::new();
    let mut arbitrator_names = None;
    for r in &rows {
        let what: String = r.try_get("what")?;
        let at = parse_ts(&r.try_get::<String, _>("at")?)?;
        if what == "read" {
            let slot: ReadSlot = parse_enum(&r.try_get::<String, _>("slot")?)?;
            let read = Read {
                reader_id: reader(parse_id(&r.try_get::<String, _>("who")?)?),
                opinion: parse_json(&r.try_get::<String, _>("opinion")?)?,
                at,
                finalised_early: r.try_get::<i64, _>("finalised_early")? != 0,
                given_blind: r.try_get::<i64, _>("given_blind")? != 0,
            };
            names.push((slot, r.try_get::<String, _>("names")?));
            match slot {
                ReadSlot::First => case.first = Some(read),
                ReadSlot::Second => case.second = Some(read),
            }
        } else {
            let ids: Vec<Uuid> = parse_json(&r.try_get::<String, _>("who")?)?;
            arbitrator_names = Some(parse_json(&r.try_get::<String, _>("names")?)?);
            case.arbitration = Some(domain::reading::Arbitration {
                arbitrators: ids.into_iter().map(reader).collect(),
                decision: parse_json(&r.try_get::<String, _>("opinion")?)?,
                at,
            });
        }
    }
    Ok((case, names, arbitrator_names))
}

impl Store {
    /// The provider's reading settings (the defaults until someone saves them).
    pub async fn reading_settings(&self, scope: Scope) -> Result<ReadingSettings> {
        settings_in(self.pool(), scope).await
    }

    /// Saves the provider's reading settings.
    pub async fn save_reading_settings(
        &self,
        scope: Scope,
        actor: &Actor,
        settings: ReadingSettings,
    ) -> Result<()> {
        settings.validate()?;
        let mut tx = self.begin_write().await?;
        let p = sql::id(scope.provider_id);
        sqlx::query("DELETE FROM reading_settings WHERE provider_id = $1")
            .bind(&p)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO reading_settings (provider_id, blinded, arbitration_policy, finalisation_delay_minutes, window_days, due_soon_days, urgent_days, updated_by_name, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&p)
        .bind(i64::from(settings.blinded))
        .bind(settings.arbitration_policy.as_str())
        .bind(i64::from(settings.finalisation_delay_minutes))
        .bind(i64::from(settings.window_days))
        .bind(i64::from(settings.due_soon_days))
        .bind(i64::from(settings.urgent_days))
        .bind(&actor.name)
        .bind(sql::ts(sql::now()))
        .execute(&mut *tx)
        .await?;
        audit::record(
            &mut *tx,
            actor,
            AuditAction::Update,
            "reading_settings",
            scope.provider_id,
            None,
            &serde_json::to_value(settings).unwrap_or_default(),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The provider's reading cases in a state, oldest screening first (the reading order).
    pub async fn reading_cases(
        &self,
        scope: Scope,
        state: ReadingState,
        limit: i64,
    ) -> Result<Vec<ReadingCase>> {
        let rows = sqlx::query(&format!(
            "SELECT {CASE_COLUMNS} {CASE_FROM} \
             WHERE r.provider_id = $1 AND r.state = $2 ORDER BY r.screened_on, r.id LIMIT $3"
        ))
        .bind(sql::id(scope.provider_id))
        .bind(state.as_str())
        .bind(limit.clamp(1, 1000))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(case_from).collect()
    }

    /// One reading case.
    pub async fn reading_case(&self, scope: Scope, case_id: Uuid) -> Result<ReadingCase> {
        let row = sqlx::query(&format!(
            "SELECT {CASE_COLUMNS} {CASE_FROM} WHERE r.id = $1 AND r.provider_id = $2"
        ))
        .bind(sql::id(case_id))
        .bind(sql::id(scope.provider_id))
        .fetch_optional(self.pool())
        .await?
        .ok_or(StoreError::NotFound)?;
        case_from(&row)
    }

    /// The reading case opened for an appointment, if any.
    pub async fn reading_case_for_appointment(
        &self,
        scope: Scope,
        appointment_id: Uuid,
    ) -> Result<Option<ReadingCase>> {
        let row = sqlx::query(&format!(
            "SELECT {CASE_COLUMNS} {CASE_FROM} WHERE r.appointment_id = $1 AND r.provider_id = $2"
        ))
        .bind(sql::id(appointment_id))
        .bind(sql::id(scope.provider_id))
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(case_from).transpose()
    }

    /// Moves on every case of the provider whose pending read has become final since it
    /// was given, in batches of up to 200, each in its own transaction. Cheap when there
    /// are none (one indexed look-up). The service's timer calls it for every provider
    /// ([`Store::settle_due_reads_everywhere`]); the dashboard and "next case" call it too,
    /// so a reader never waits for the timer.
    pub async fn settle_due_reads(&self, scope: Scope, now: OffsetDateTime) -> Result<usize> {
        let mut settled = 0;
        loop {
            let due = sqlx::query(
                "SELECT id FROM reading_cases WHERE provider_id = $1 AND state = 'awaiting_finalisation' AND finalises_at <= $2 \
                 ORDER BY finalises_at, id LIMIT 200",
            )
            .bind(sql::id(scope.provider_id))
            .bind(sql::ts(now))
            .fetch_all(self.pool())
            .await?;
            if due.is_empty() {
                return Ok(settled);
            }
            let actor = Actor::system("Reading finalisation");
            let mut tx = self.begin_write().await?;
            let settings = settings_in(&mut *tx, scope).await?;
            let mut moved = 0;
            for r in &due {
                let id = parse_id(&r.try_get::<String, _>("id")?)?;
                let (state, _) = settle(&mut tx, scope, &actor, &settings, id, now).await?;
                if state != ReadingState::AwaitingFinalisation {
                    moved += 1;
                }
            }
            tx.commit().await?;
            settled += moved;
            // A batch that moved nothing (its reads were changed since, so they are not
            // due after all) would be found again: stop rather than loop.
            if due.len() < 200 || moved == 0 {
                return Ok(settled);
            }
        }
    }

    /// Settles due reads for every provider, each in its own scope and transactions (the
    /// service's timer, so results are written on time whether or not anyone opens a
    /// reading page). A provider whose settling fails is logged and the others still run.
    /// Returns how many cases moved on, per provider code.
    pub async fn settle_due_reads_everywhere(
        &self,
        now: OffsetDateTime,
    ) -> Result<Vec<(String, usize)>> {
        let mut out = Vec::new();
        for provider in self.providers().await? {
            let scope = Scope {
                provider_id: provider.id,
            };
            match self.settle_due_reads(scope, now).await {
                Ok(0) => {}
                Ok(n) => {
                    tracing::info!(provider = %provider.code, cases = n, "reading: settled reads that became final");
                    out.push((provider.code, n));
                }
                Err(e) => {
                    tracing::error!(provider = %provider.code, error = %e, "reading: settling due reads failed");
                }
            }
        }
        Ok(out)
    }

    /// The reader dashboard's counts, for `reader`, with the cases overdue on `today`.
    pub async fn reading_counts(
        &self,
        scope: Scope,
        reader_id: Uuid,
        today: Date,
    ) -> Result<ReadingCounts> {
        let now = sql::now();
        self.settle_due_reads(scope, now).await?;
        let p = sql::id(scope.provider_id);
        let rows = sqlx::query(
            "SELECT state, held, COUNT(*) AS n FROM reading_cases WHERE provider_id = $1 \
             AND state IN ('awaiting_first_read', 'awaiting_second_read', 'awaiting_finalisation', 'awaiting_arbitration') \
             GROUP BY state, held",
        )
        .bind(&p)
        .fetch_all(self.pool())
        .await?;
        let mut counts = ReadingCounts::default();
        for r in &rows {
            let state: String = r.try_get("state")?;
            let held: Option<String> = r.try_get("held")?;
            let n: i64 = r.try_get("n")?;
            match held.as_deref() {
                Some("deferred") => counts.deferred += n,
                Some(_) => counts.awaiting_priors += n,
                None => match state.as_str() {
                    "awaiting_first_read" => counts.awaiting_first_read += n,
                    "awaiting_second_read" => counts.awaiting_second_read += n,
                    "awaiting_finalisation" => counts.awaiting_finalisation += n,
                    _ => counts.awaiting_arbitration += n,
                },
            }
        }
        let mine = sqlx::query(
            "SELECT COUNT(*) AS n FROM reading_cases WHERE provider_id = $1 AND state = 'awaiting_second_read' \
             AND held IS NULL AND first_reader_id = $2",
        )
        .bind(&p)
        .bind(sql::id(reader_id))
        .fetch_one(self.pool())
        .await?;
        counts.available_first_reads = counts.awaiting_first_read;
        counts.available_second_reads =
            counts.awaiting_second_read - mine.try_get::<i64, _>("n")?;
        let window = settings_in(self.pool(), scope).await?.window();
        let overdue = sqlx::query(&format!(
            "SELECT COUNT(*) AS n FROM reading_cases WHERE provider_id = $1 AND state IN ({UNFINISHED}) AND screened_on < $2"
        ))
        .bind(&p)
        .bind(sql::date(window.overdue_before(today)))
        .fetch_one(self.pool())
        .await?;
        counts.overdue = overdue.try_get("n")?;
        Ok(counts)
    }

    /// Every case past its reading window on `today` without a result, oldest screening
    /// first, with who holds it (deferred by, awaiting priors requested by, claimed by, a
    /// read awaiting finalisation by, or nobody). Held cases are included: holding a case
    /// does not stop its window.
    pub async fn overdue_cases(&self, scope: Scope, today: Date) -> Result<Vec<OverdueCase>> {
        let now = sql::now();
        let window = self.reading_settings(scope).await?.window();
        let p = sql::id(scope.provider_id);
        let rows = sqlx::query(&format!(
            "SELECT {CASE_COLUMNS}, r.claimed_until, cu.name AS claimed_by_name, \
             (SELECT h.requested_by_name FROM case_holds h WHERE h.case_id = r.id AND h.provider_id = r.provider_id \
              AND h.released_at IS NULL AND h.kind = CASE WHEN r.held = 'deferred' THEN 'deferred' ELSE 'priors' END \
              ORDER BY h.requested_at DESC LIMIT 1) AS held_by_name, \
             (SELECT d.reader_name FROM reads d WHERE d.case_id = r.id AND d.provider_id = r.provider_id \
              ORDER BY d.given_at DESC LIMIT 1) AS last_reader_name \
             {CASE_FROM} LEFT JOIN users cu ON cu.id = r.claimed_by \
             WHERE r.provider_id = $1 AND r.state IN ({UNFINISHED}) AND r.screened_on < $2 \
             ORDER BY r.screened_on, r.id LIMIT 1000"
        ))
        .bind(&p)
        .bind(sql::date(window.overdue_before(today)))
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let case = case_from(r)?;
                let claimed_until = r
                    .try_get::<Option<String>, _>("claimed_until")?
                    .map(|t| parse_ts(&t))
                    .transpose()?;
                let holder = domain::reading::case_holder(
                    case.state,
                    case.held.as_deref(),
                    claimed_until,
                    now,
                );
                let held_by = match holder {
                    CaseHolder::Deferred | CaseHolder::AwaitingPriors => {
                        r.try_get::<Option<String>, _>("held_by_name")?
                    }
                    CaseHolder::Claimed => r.try_get::<Option<String>, _>("claimed_by_name")?,
                    CaseHolder::AwaitingFinalisation => {
                        r.try_get::<Option<String>, _>("last_reader_name")?
                    }
                    CaseHolder::Queue => None,
                };
                Ok(OverdueCase {
                    days_past_window: (today - case.screened_on).whole_days()
                        - i64::from(window.window_days),
                    holder,
                    holder_label: holder.label().to_owned(),
                    held_by,
                    case,
                })
            })
            .collect()
    }

    /// Starts a reading session for the signed-in reader.
    pub async fn start_session(
        &self,
        scope: Scope,
        actor: &Actor,
        kind: SessionKind,
        clinic_id: Option<Uuid>,
        size: u8,
    ) -> Result<Uuid> {
        let me = user_of(actor)?;
        if kind == SessionKind::Clinic && clinic_id.is_none() {
            return Err(StoreError::invalid(
                "clinic_id",
                "Select the clinic to read",
            ));
        }
        let id = new_id();
        let mut tx = self.begin_write().await?;
        if let Some(clinic) = clinic_id {
            sqlx::query("SELECT id FROM clinics WHERE id = $1 AND provider_id = $2")
                .bind(sql::id(clinic))
                .bind(sql::id(scope.provider_id))
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StoreError::NotFound)?;
        }
        // One open session per reader: starting another ends the last.
        sqlx::query(
            "UPDATE reading_sessions SET ended_at = $1 WHERE provider_id = $2 AND reader_id = $3 AND ended_at IS NULL",
        )
        .bind(sql::ts(sql::now()))
        .bind(sql::id(scope.provider_id))
        .bind(sql::id(me))
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO reading_sessions (id, provider_id, reader_id, kind, clinic_id, size, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(sql::id(id))
        .bind(sql::id(scope.provider_id))
        .bind(sql::id(me))
        .bind(kind.as_str())
        .bind(clinic_id.map(sql::id))
        .bind(i64::from(size))
        .bind(sql::ts(sql::now()))
        .execute(&mut *tx)
        .await?;
        audit::record(
            &mut *tx,
            actor,
            AuditAction::Create,
            "reading_session",
            id,
            None,
            &serde_json::json!({ "kind": kind, "clinic_id": clinic_id, "size": size }),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The reader's open session, if they have one.
    pub async fn open_session(&self, scope: Scope, reader_id: Uuid) -> Result<Option<Uuid>> {
        let row = sqlx::query(
            "SELECT id FROM reading_sessions WHERE provider_id = $1 AND reader_id = $2 AND ended_at IS NULL \
             ORDER BY created_at DESC LIMIT 1",
        )
        .bind(sql::id(scope.provider_id))
        .bind(sql::id(reader_id))
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| parse_id(&r.try_get::<String, _>("id")?))
            .transpose()
    }

    /// A session of the reader's, with its cases in order.
    pub async fn reading_session(
        &self,
        scope: Scope,
        reader_id: Uuid,
        session_id: Uuid,
    ) -> Result<ReadingSession> {
        let p = sql::id(scope.provider_id);
        let header = self.session_header(scope, reader_id, session_id).await?;
        let settings = self.reading_settings(scope).await?;
        let now = sql::now();
        let rows = sqlx::query(
            "SELECT s.case_id, s.position, s.result, p.first_name, p.last_name, p.nhs_number, \
             d.opinion_kind, d.given_at, d.finalised_early, r.state \
             FROM reading_session_cases s \
             JOIN reading_cases r ON r.id = s.case_id AND r.provider_id = s.provider_id \
             JOIN participants p ON p.id = r.participant_id AND p.provider_id = r.provider_id \
             LEFT JOIN reads d ON d.case_id = s.case_id AND d.provider_id = s.provider_id AND d.reader_id = $3 \
             WHERE s.session_id = $1 AND s.provider_id = $2 ORDER BY s.position",
        )
        .bind(sql::id(session_id))
        .bind(&p)
        .bind(sql::id(reader_id))
        .fetch_all(self.pool())
        .await?;
        let cases = rows
            .iter()
            .map(|r| {
                let kind: Option<String> = r.try_get("opinion_kind")?;
                let changeable = match r.try_get::<Option<String>, _>("given_at")? {
                    Some(at) => {
                        let early = r.try_get::<Option<i64>, _>("finalised_early")? == Some(1);
                        let state: ReadingState = parse_enum(&r.try_get::<String, _>("state")?)?;
                        !early
                            && state == ReadingState::AwaitingFinalisation
                            && now < parse_ts(&at)? + settings.rules().finalisation.delay
                    }
                    None => false,
                };
                Ok(SessionCase {
                    case_id: parse_id(&r.try_get::<String, _>("case_id")?)?,
                    position: r.try_get("position")?,
                    participant_name: format!(
                        "{} {}",
                        r.try_get::<String, _>("first_name")?,
                        r.try_get::<String, _>("last_name")?
                    ),
                    nhs_number: r.try_get("nhs_number")?,
                    result_label: r
                        .try_get::<Option<String>, _>("result")?
                        .map(|v| parse_enum::<SessionResult>(&v).map(|v| v.label().to_owned()))
                        .transpose()?,
                    result: r.try_get("result")?,
                    opinion: kind
                        .map(|k| parse_enum::<OpinionKind>(&k).map(|k| k.label().to_owned()))
                        .transpose()?,
                    changeable,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(ReadingSession {
            id: session_id,
            reader_id,
            kind: header.kind,
            clinic_id: header.clinic_id,
            size: header.size,
            ended: header.ended,
            cases,
        })
    }

    /// The case the reader should read next in their session: the one they have open, or
    /// the oldest they can read that nobody else has open. `None` when the session is
    /// complete or nothing is left to read (the session then ends).
    pub async fn next_case(
        &self,
        scope: Scope,
        actor: &Actor,
        session_id: Uuid,
    ) -> Result<Option<Uuid>> {
        let me = user_of(actor)?;
        let now = sql::now();
        self.settle_due_reads(scope, now).await?;
        let session = self.session_progress(scope, me, session_id).await?;
        if session.ended {
            return Ok(None);
        }
        if let Some(current) = session.current {
            return Ok(Some(current));
        }
        if session.done >= session.size {
            self.end_reading_session(scope, session_id).await?;
            return Ok(None);
        }
        let p = sql::id(scope.provider_id);
        let states = session
            .kind
            .states()
            .iter()
            .map(|s| format!("'{}'", s.as_str()))
            .collect::<Vec<_>>()
            .join(", ");
        let mut query = format!(
            "SELECT r.id FROM reading_cases r WHERE r.provider_id = $1 AND r.state IN ({states}) AND r.held IS NULL \
             AND (r.first_reader_id IS NULL OR r.first_reader_id <> $2) \
             AND (r.claimed_by IS NULL OR r.claimed_by = $2 OR r.claimed_until < $3) \
             AND NOT EXISTS (SELECT 1 FROM reading_session_cases s WHERE s.session_id = $4 AND s.case_id = r.id)"
        );
        if session.clinic_id.is_some() {
            query.push_str(" AND r.clinic_id = $5");
        }
        query.push_str(" ORDER BY r.screened_on, r.id LIMIT 5");
        // Another reader may claim a candidate between the look-up and the claim: try the
        // next one.
        let mut q = sqlx::query(&query)
            .bind(&p)
            .bind(sql::id(me))
            .bind(sql::ts(now))
            .bind(sql::id(session_id));
        if let Some(clinic) = session.clinic_id {
            q = q.bind(sql::id(clinic));
        }
        let candidates = q.fetch_all(self.pool()).await?;
        for c in &candidates {
            let case_id = parse_id(&c.try_get::<String, _>("id")?)?;
            let mut tx = self.begin_write().await?;
            if self.backend() == crate::Backend::Postgres {
                // A claim is a lease, not a record: if the database server itself crashed
                // and lost the last moment's claims, the cases would simply be offered
                // again. So it does not wait for the WAL flush (as view entries, ADR 9).
                sqlx::query("SET LOCAL synchronous_commit TO OFF")
                    .execute(&mut *tx)
                    .await?;
            }
            let claimed = sqlx::query(
                "UPDATE reading_cases SET claimed_by = $1, claimed_until = $2 WHERE id = $3 AND provider_id = $4 \
                 AND held IS NULL AND (claimed_by IS NULL OR claimed_by = $1 OR claimed_until < $5)",
            )
            .bind(sql::id(me))
            .bind(sql::ts(now + CLAIM))
            .bind(sql::id(case_id))
            .bind(&p)
            .bind(sql::ts(now))
            .execute(&mut *tx)
            .await?;
            if claimed.rows_affected() == 1 {
                sqlx::query(
                    "INSERT INTO reading_session_cases (session_id, provider_id, case_id, position, at) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(sql::id(session_id))
                .bind(&p)
                .bind(sql::id(case_id))
                .bind(session.offered + 1)
                .bind(sql::ts(now))
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                return Ok(Some(case_id));
            }
            tx.rollback().await?;
        }
        if candidates.is_empty() {
            self.end_reading_session(scope, session_id).await?;
        }
        Ok(None)
    }

    /// A session of the reader's, without its cases: NotFound for anyone else's.
    pub async fn session_header(
        &self,
        scope: Scope,
        reader_id: Uuid,
        session_id: Uuid,
    ) -> Result<SessionHeader> {
        let s = sqlx::query(
            "SELECT kind, clinic_id, size, ended_at FROM reading_sessions WHERE id = $1 AND provider_id = $2 AND reader_id = $3",
        )
        .bind(sql::id(session_id))
        .bind(sql::id(scope.provider_id))
        .bind(sql::id(reader_id))
        .fetch_optional(self.pool())
        .await?
        .ok_or(StoreError::NotFound)?;
        Ok(SessionHeader {
            kind: parse_enum(&s.try_get::<String, _>("kind")?)?,
            clinic_id: s
                .try_get::<Option<String>, _>("clinic_id")?
                .map(|c| parse_id(&c))
                .transpose()?,
            size: s.try_get("size")?,
            ended: s.try_get::<Option<String>, _>("ended_at")?.is_some(),
        })
    }

    /// Just what "next case" needs to know about a session of the reader's: one query for
    /// the session and one for its cases, without the names and opinions the session page
    /// shows.
    async fn session_progress(
        &self,
        scope: Scope,
        reader_id: Uuid,
        session_id: Uuid,
    ) -> Result<SessionProgress> {
        let p = sql::id(scope.provider_id);
        let header = self.session_header(scope, reader_id, session_id).await?;
        let rows = sqlx::query(
            "SELECT case_id, result FROM reading_session_cases WHERE session_id = $1 AND provider_id = $2 ORDER BY position",
        )
        .bind(sql::id(session_id))
        .bind(&p)
        .fetch_all(self.pool())
        .await?;
        let mut progress = SessionProgress {
            kind: header.kind,
            clinic_id: header.clinic_id,
            size: header.size,
            ended: header.ended,
            current: None,
            done: 0,
            offered: rows.len() as i64,
        };
        for r in &rows {
            match r.try_get::<Option<String>, _>("result")? {
                None => progress.current = Some(parse_id(&r.try_get::<String, _>("case_id")?)?),
                Some(result) => {
                    if parse_enum::<SessionResult>(&result)?.counts_as_done() {
                        progress.done += 1;
                    }
                }
            }
        }
        Ok(progress)
    }

    async fn end_reading_session(&self, scope: Scope, session_id: Uuid) -> Result<()> {
        sqlx::query(
            "UPDATE reading_sessions SET ended_at = $1 WHERE id = $2 AND provider_id = $3 AND ended_at IS NULL",
        )
        .bind(sql::ts(sql::now()))
        .bind(sql::id(session_id))
        .bind(sql::id(scope.provider_id))
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// Ends the reader's session now.
    pub async fn finish_session(
        &self,
        scope: Scope,
        actor: &Actor,
        session_id: Uuid,
    ) -> Result<()> {
        let me = user_of(actor)?;
        let session = self.reading_session(scope, me, session_id).await?;
        if let Some(current) = session.current() {
            self.session_result(
                scope,
                actor,
                Some(session_id),
                current,
                SessionResult::Skipped,
            )
            .await?;
        }
        self.end_reading_session(scope, session_id).await
    }

    /// Records what became of a case in a session, and lets others have it.
    async fn session_result(
        &self,
        scope: Scope,
        actor: &Actor,
        session_id: Option<Uuid>,
        case_id: Uuid,
        result: SessionResult,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        mark_session(&mut tx, scope, actor, session_id, case_id, result).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Skips a case: it goes back to the queue for others, and this session offers another.
    pub async fn skip_case(
        &self,
        scope: Scope,
        actor: &Actor,
        session_id: Uuid,
        case_id: Uuid,
    ) -> Result<()> {
        let me = user_of(actor)?;
        let session = self.reading_session(scope, me, session_id).await?;
        if !session.cases.iter().any(|c| c.case_id == case_id) {
            return Err(StoreError::NotFound);
        }
        self.session_result(
            scope,
            actor,
            Some(session_id),
            case_id,
            SessionResult::Skipped,
        )
        .await
    }

    /// Defers a case with a reason: it leaves every reading list until the office unflags it.
    pub async fn defer_case(
        &self,
        scope: Scope,
        actor: &Actor,
        session_id: Option<Uuid>,
        case_id: Uuid,
        reason: &str,
    ) -> Result<()> {
        let reason = domain::reading::validate_deferral_reason(reason)
            .map_err(|e| StoreError::Invalid(vec![e]))?;
        self.hold_case(scope, actor, session_id, case_id, Hold::Deferred, &reason)
            .await
    }

    /// A reader asks for prior mammograms: the case is held until they are received or
    /// marked not available.
    pub async fn request_priors(
        &self,
        scope: Scope,
        actor: &Actor,
        session_id: Option<Uuid>,
        case_id: Uuid,
        reason: &str,
    ) -> Result<()> {
        let reason = domain::reading::validate_priors_reason(reason)
            .map_err(|e| StoreError::Invalid(vec![e]))?;
        self.hold_case(scope, actor, session_id, case_id, Hold::Priors, &reason)
            .await
    }

    /// Holds a case back from reading (a deferral or a request for priors), recording why
    /// and letting go of the reader's claim.
    async fn hold_case(
        &self,
        scope: Scope,
        actor: &Actor,
        session_id: Option<Uuid>,
        case_id: Uuid,
        hold: Hold,
        reason: &str,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let case = case_row(&mut *tx, scope, case_id).await?;
        if case.concluded {
            return Err(StoreError::Refused(
                "This case has already been concluded".to_owned(),
            ));
        }
        let (kind, already, refusal, result) = match hold {
            Hold::Deferred => (
                "deferred",
                case.held.as_deref() == Some("deferred"),
                "This case has already been deferred",
                SessionResult::Deferred,
            ),
            Hold::Priors => (
                "priors",
                !case.priors_status.can_request(),
                "Prior mammograms have already been requested for this case",
                SessionResult::PriorsRequested,
            ),
        };
        if already {
            return Err(StoreError::Refused(refusal.to_owned()));
        }
        add_hold(&mut tx, scope, actor, &case, kind, reason).await?;
        // A deferral holds the case whatever else does; priors hold it unless deferred.
        sqlx::query(
            "UPDATE reading_cases SET held = CASE WHEN $1 = 'deferred' THEN 'deferred' ELSE COALESCE(held, 'priors') END, \
             priors_status = CASE WHEN $1 = 'priors' THEN $2 ELSE priors_status END, \
             claimed_by = NULL, claimed_until = NULL, version = version + 1 WHERE id = $3 AND provider_id = $4",
        )
        .bind(kind)
        .bind(PriorsStatus::PriorsRequired.as_str())
        .bind(sql::id(case_id))
        .bind(sql::id(scope.provider_id))
        .execute(&mut *tx)
        .await?;
        mark_session(&mut tx, scope, actor, session_id, case_id, result).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The office moves a case's priors on (requested, received, not available, not
    /// needed). Received, not available and not needed return it to reading.
    pub async fn set_priors_status(
        &self,
        scope: Scope,
        actor: &Actor,
        case_id: Uuid,
        to: PriorsStatus,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let case = case_row(&mut *tx, scope, case_id).await?;
        if !case.priors_status.next().contains(&to) {
            return Err(StoreError::Refused(format!(
                "Priors that are '{}' cannot be marked '{}'",
                case.priors_status.label(),
                to.label()
            )));
        }
        let p = sql::id(scope.provider_id);
        let now = sql::ts(sql::now());
        if !to.holds_case() {
            sqlx::query(
                "UPDATE case_holds SET released_by_name = $1, released_at = $2, released_how = $3 \
                 WHERE case_id = $4 AND provider_id = $5 AND kind = 'priors' AND released_at IS NULL",
            )
            .bind(&actor.name)
            .bind(&now)
            .bind(to.as_str())
            .bind(sql::id(case_id))
            .bind(&p)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query(
            "UPDATE reading_cases SET priors_status = $1, \
             held = CASE WHEN held = 'priors' AND $2 = 0 THEN NULL ELSE held END, version = version + 1 \
             WHERE id = $3 AND provider_id = $4",
        )
        .bind(to.as_str())
        .bind(i64::from(to.holds_case()))
        .bind(sql::id(case_id))
        .bind(&p)
        .execute(&mut *tx)
        .await?;
        audit::record(
            &mut *tx,
            actor,
            AuditAction::Update,
            "reading_case_priors",
            case_id,
            Some(case.participant_id),
            &serde_json::json!({ "from": case.priors_status, "to": to }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The office returns a deferred case to reading ("Unflag case").
    pub async fn unflag_case(&self, scope: Scope, actor: &Actor, case_id: Uuid) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let case = case_row(&mut *tx, scope, case_id).await?;
        if case.held.as_deref() != Some("deferred") {
            return Err(StoreError::Refused("This case is not deferred".to_owned()));
        }
        let p = sql::id(scope.provider_id);
        sqlx::query(
            "UPDATE case_holds SET released_by_name = $1, released_at = $2, released_how = 'unflagged' \
             WHERE case_id = $3 AND provider_id = $4 AND kind = 'deferred' AND released_at IS NULL",
        )
        .bind(&actor.name)
        .bind(sql::ts(sql::now()))
        .bind(sql::id(case_id))
        .bind(&p)
        .execute(&mut *tx)
        .await?;
        let held = if case.priors_status.holds_case() {
            Some("priors")
        } else {
            None
        };
        sqlx::query(
            "UPDATE reading_cases SET held = $1, version = version + 1 WHERE id = $2 AND provider_id = $3",
        )
        .bind(held)
        .bind(sql::id(case_id))
        .bind(&p)
        .execute(&mut *tx)
        .await?;
        audit::record(
            &mut *tx,
            actor,
            AuditAction::Update,
            "reading_case_deferral",
            case_id,
            Some(case.participant_id),
            &serde_json::json!({ "released_how": "unflagged" }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Open holds of one kind (deferred or priors), oldest first.
    pub async fn case_holds(&self, scope: Scope, kind: &str) -> Result<Vec<CaseHold>> {
        let rows = sqlx::query(
            &format!("{HOLD_SELECT} WHERE h.provider_id = $1 AND h.kind = $2 AND h.released_at IS NULL ORDER BY h.requested_at"),
        )
        .bind(sql::id(scope.provider_id))
        .bind(kind)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(hold_from).collect()
    }

    /// Everything the case page needs from reading, as `viewer` may see it.
    pub async fn case_detail(
        &self,
        scope: Scope,
        viewer: Uuid,
        case_id: Uuid,
    ) -> Result<CaseDetail> {
        let now = sql::now();
        let case = self.reading_case(scope, case_id).await?;
        let settings = self.reading_settings(scope).await?;
        let rules = settings.rules();
        let (reads, names, arbitrator_names) = load_reads(self.pool(), scope, case_id).await?;
        let me = reader(viewer);
        let visible = |slot| domain::reading::read_visible(&reads, slot, me, &rules, now);
        let mut views = Vec::new();
        for (slot, name) in &names {
            let read = match slot {
                ReadSlot::First => reads.first.as_ref(),
                ReadSlot::Second => reads.second.as_ref(),
            };
            let Some(read) = read else { continue };
            if !visible(*slot) {
                continue;
            }
            views.push(ReadView {
                slot: *slot,
                reader_id: reader_uuid(read.reader_id),
                reader_name: name.clone(),
                opinion: read.opinion.clone(),
                given_at: read.at,
                is_final: rules.finalisation.is_final(read, now),
            });
        }
        views.sort_by_key(|v| v.slot);
        let first_read_hidden = reads.first.is_some() && !visible(ReadSlot::First);
        let can_read =
            domain::reading::can_read(&reads, me, &rules, now).map_err(|r| r.label().to_owned());
        let can_change = domain::reading::can_change(&reads, me, &rules, now);
        let arbitrator_warning = domain::reading::arbitrator_warning(&reads, me).map(str::to_owned);
        let arbitration = match (&reads.arbitration, arbitrator_names) {
            (Some(a), Some(names)) => Some(ArbitrationView {
                arbitrator_names: names,
                decision: a.decision.clone(),
                recorded_at: a.at,
            }),
            _ => None,
        };
        let holds = sqlx::query(&format!(
            "{HOLD_SELECT} WHERE h.provider_id = $1 AND h.case_id = $2 ORDER BY h.requested_at"
        ))
        .bind(sql::id(scope.provider_id))
        .bind(sql::id(case_id))
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(hold_from)
        .collect::<Result<Vec<_>>>()?;
        let episode = sqlx::query(
            "SELECT e.id, e.episode_type FROM reading_cases r JOIN episodes e ON e.id = r.episode_id AND e.provider_id = r.provider_id \
             WHERE r.id = $1 AND r.provider_id = $2",
        )
        .bind(sql::id(case_id))
        .bind(sql::id(scope.provider_id))
        .fetch_one(self.pool())
        .await?;
        let episode_id = parse_id(&episode.try_get::<String, _>("id")?)?;
        let previous_episodes = sqlx::query(
            "SELECT opened_on, episode_type, outcome FROM episodes WHERE provider_id = $1 AND participant_id = $2 AND id <> $3 \
             ORDER BY opened_on DESC LIMIT 10",
        )
        .bind(sql::id(scope.provider_id))
        .bind(sql::id(case.participant_id))
        .bind(sql::id(episode_id))
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|r| {
            Ok(PreviousEpisode {
                opened_on: parse_date(&r.try_get::<String, _>("opened_on")?)?,
                episode_type: parse_enum(&r.try_get::<String, _>("episode_type")?)?,
                outcome: r
                    .try_get::<Option<String>, _>("outcome")?
                    .map(|o| {
                        parse_enum::<domain::episode::EpisodeOutcome>(&o)
                            .map(|o| o.label().to_owned())
                    })
                    .transpose()?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        Ok(CaseDetail {
            case,
            episode_id,
            episode_type: parse_enum(&episode.try_get::<String, _>("episode_type")?)?,
            reads: views,
            first_read_hidden,
            arbitration,
            can_read,
            can_change,
            arbitrator_warning,
            holds,
            previous_episodes,
            settings,
        })
    }

    /// Saves a reader's opinion in progress (before "Confirm your opinion").
    pub async fn save_opinion_draft(
        &self,
        scope: Scope,
        actor: &Actor,
        case_id: Uuid,
        purpose: &str,
        opinion: &Opinion,
    ) -> Result<()> {
        let me = user_of(actor)?;
        let mut tx = self.begin_write().await?;
        case_row(&mut *tx, scope, case_id).await?;
        sqlx::query(
            "DELETE FROM opinion_drafts WHERE case_id = $1 AND user_id = $2 AND purpose = $3 AND provider_id = $4",
        )
        .bind(sql::id(case_id))
        .bind(sql::id(me))
        .bind(purpose)
        .bind(sql::id(scope.provider_id))
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO opinion_drafts (provider_id, case_id, user_id, purpose, opinion, updated_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(sql::id(scope.provider_id))
        .bind(sql::id(case_id))
        .bind(sql::id(me))
        .bind(purpose)
        .bind(sql::json(opinion))
        .bind(sql::ts(sql::now()))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The reader's opinion in progress, if any.
    pub async fn opinion_draft(
        &self,
        scope: Scope,
        user_id: Uuid,
        case_id: Uuid,
        purpose: &str,
    ) -> Result<Option<Opinion>> {
        let row = sqlx::query(
            "SELECT opinion FROM opinion_drafts WHERE case_id = $1 AND user_id = $2 AND purpose = $3 AND provider_id = $4",
        )
        .bind(sql::id(case_id))
        .bind(sql::id(user_id))
        .bind(purpose)
        .bind(sql::id(scope.provider_id))
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| parse_json(&r.try_get::<String, _>("opinion")?))
            .transpose()
    }

    /// Records the signed-in reader's opinion of a case: a new 1st or 2nd read, or a change
    /// to their own read while it is not yet final. Validates it, refuses a reader who
    /// cannot read the case (and one who gave the other read), and, when this concludes the
    /// case, writes the result onto the episode.
    pub async fn record_read(
        &self,
        scope: Scope,
        actor: &Actor,
        session_id: Option<Uuid>,
        case_id: Uuid,
        opinion: &Opinion,
        context: &ReadingContext,
    ) -> Result<ReadRecorded> {
        let me = user_of(actor)?;
        opinion.validate(context).map_err(StoreError::Invalid)?;
        let now = sql::now();
        let mut tx = self.begin_write().await?;
        let case = case_row(&mut *tx, scope, case_id).await?;
        if case.held.is_some() {
            return Err(StoreError::Refused(
                "This case is held back from reading (deferred or awaiting priors)".to_owned(),
            ));
        }
        let settings = settings_in(&mut *tx, scope).await?;
        let rules = settings.rules();
        let (reads, _, _) = load_reads(&mut *tx, scope, case_id).await?;
        let p = sql::id(scope.provider_id);
        // A reader who gave a read may change it only while the domain allows (not final;
        // a blind read is never shown the other opinion before it is final).
        let change = domain::reading::change_allowed(&reads, reader(me), &rules, now);
        let slot = if let Some(change) = change {
            let slot = change.map_err(|why| StoreError::Refused(why.label().to_owned()))?;
            sqlx::query(
                "UPDATE reads SET opinion = $1, opinion_kind = $2, given_at = $3 WHERE case_id = $4 AND reader_id = $5 AND provider_id = $6",
            )
            .bind(sql::json(opinion))
            .bind(opinion.kind().as_str())
            .bind(sql::ts(now))
            .bind(sql::id(case_id))
            .bind(sql::id(me))
            .bind(&p)
            .execute(&mut *tx)
            .await?;
            slot
        } else {
            let slot = domain::reading::can_read(&reads, reader(me), &rules, now)
                .map_err(|r| StoreError::Refused(r.label().to_owned()))?;
            sqlx::query(
                "INSERT INTO reads (id, provider_id, case_id, slot, reader_id, reader_name, opinion_kind, opinion, given_at, session_id, given_blind) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(sql::id(new_id()))
            .bind(&p)
            .bind(sql::id(case_id))
            .bind(slot.as_str())
            .bind(sql::id(me))
            .bind(&actor.name)
            .bind(opinion.kind().as_str())
            .bind(sql::json(opinion))
            .bind(sql::ts(now))
            .bind(session_id.map(sql::id))
            .bind(i64::from(rules.blinded))
            .execute(&mut *tx)
            .await
            .map_err(|e| match StoreError::from(e) {
                StoreError::Duplicate(_) => StoreError::Refused(
                    "Another reader has just read this case".to_owned(),
                ),
                other => other,
            })?;
            let column = match slot {
                ReadSlot::First => "first_reader_id",
                ReadSlot::Second => "second_reader_id",
            };
            sqlx::query(&format!(
                "UPDATE reading_cases SET {column} = $1 WHERE id = $2 AND provider_id = $3"
            ))
            .bind(sql::id(me))
            .bind(sql::id(case_id))
            .bind(&p)
            .execute(&mut *tx)
            .await?;
            slot
        };
        sqlx::query(
            "DELETE FROM opinion_drafts WHERE case_id = $1 AND user_id = $2 AND purpose = 'read' AND provider_id = $3",
        )
        .bind(sql::id(case_id))
        .bind(sql::id(me))
        .bind(&p)
        .execute(&mut *tx)
        .await?;
        audit::record(
            &mut *tx,
            actor,
            AuditAction::Create,
            "read",
            case_id,
            Some(case.participant_id),
            &serde_json::json!({ "slot": slot, "opinion": opinion }),
        )
        .await?;
        mark_session(
            &mut tx,
            scope,
            actor,
            session_id,
            case_id,
            SessionResult::Read,
        )
        .await?;
        let (state, outcome) = settle(&mut tx, scope, actor, &settings, case_id, now).await?;
        tx.commit().await?;
        Ok(ReadRecorded {
            slot,
            state,
            outcome,
        })
    }

    /// Makes every pending read of the reader's final now ("Finalise opinions").
    pub async fn finalise_reads(&self, scope: Scope, actor: &Actor) -> Result<usize> {
        let me = user_of(actor)?;
        let now = sql::now();
        let mut tx = self.begin_write().await?;
        let rows = sqlx::query(
            "SELECT d.case_id FROM reads d JOIN reading_cases r ON r.id = d.case_id AND r.provider_id = d.provider_id \
             WHERE d.provider_id = $1 AND d.reader_id = $2 AND d.finalised_early = 0 AND r.state = 'awaiting_finalisation'",
        )
        .bind(sql::id(scope.provider_id))
        .bind(sql::id(me))
        .fetch_all(&mut *tx)
        .await?;
        let settings = settings_in(&mut *tx, scope).await?;
        for r in &rows {
            let case_id = parse_id(&r.try_get::<String, _>("case_id")?)?;
            sqlx::query(
                "UPDATE reads SET finalised_early = 1 WHERE case_id = $1 AND reader_id = $2 AND provider_id = $3",
            )
            .bind(sql::id(case_id))
            .bind(sql::id(me))
            .bind(sql::id(scope.provider_id))
            .execute(&mut *tx)
            .await?;
            settle(&mut tx, scope, actor, &settings, case_id, now).await?;
        }
        tx.commit().await?;
        Ok(rows.len())
    }

    /// Records the arbitration of a case awaiting it, and concludes the case.
    pub async fn record_arbitration(
        &self,
        scope: Scope,
        actor: &Actor,
        session_id: Option<Uuid>,
        case_id: Uuid,
        arbitration: &NewArbitration,
        context: &ReadingContext,
    ) -> Result<ReadRecorded> {
        let me = user_of(actor)?;
        let now = sql::now();
        let mut arbitrators = vec![me];
        for a in &arbitration.arbitrators {
            if !arbitrators.contains(a) {
                arbitrators.push(*a);
            }
        }
        let mut tx = self.begin_write().await?;
        let case = case_row(&mut *tx, scope, case_id).await?;
        if case.state != ReadingState::AwaitingArbitration {
            return Err(StoreError::Refused(
                "This case is not awaiting arbitration".to_owned(),
            ));
        }
        // Every arbitrator must be a reader at this provider.
        let mut names = Vec::new();
        for a in &arbitrators {
            let row = sqlx::query(
                "SELECT u.name FROM users u JOIN user_roles ur ON ur.user_id = u.id \
                 WHERE u.id = $1 AND ur.provider_id = $2 AND ur.role = 'reader'",
            )
            .bind(sql::id(*a))
            .bind(sql::id(scope.provider_id))
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| {
                StoreError::invalid(
                    "arbitrators",
                    "Select arbitrators who are image readers here",
                )
            })?;
            names.push(row.try_get::<String, _>("name")?);
        }
        let (reads, _, _) = load_reads(&mut *tx, scope, case_id).await?;
        let domain_arbitration = domain::reading::Arbitration {
            arbitrators: arbitrators.iter().map(|a| reader(*a)).collect(),
            decision: arbitration.decision.clone(),
            at: now,
        };
        domain_arbitration
            .validate(&reads, context)
            .map_err(StoreError::Invalid)?;
        sqlx::query(
            "INSERT INTO arbitrations (id, provider_id, case_id, arbitrators, arbitrator_names, decision, recorded_by, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(sql::id(new_id()))
        .bind(sql::id(scope.provider_id))
        .bind(sql::id(case_id))
        .bind(sql::json(&arbitrators))
        .bind(sql::json(&names))
        .bind(sql::json(&arbitration.decision))
        .bind(sql::id(me))
        .bind(sql::ts(now))
        .execute(&mut *tx)
        .await
        .map_err(|e| match StoreError::from(e) {
            StoreError::Duplicate(_) => {
                StoreError::Refused("This case has already been arbitrated".to_owned())
            }
            other => other,
        })?;
        sqlx::query(
            "DELETE FROM opinion_drafts WHERE case_id = $1 AND user_id = $2 AND purpose = 'arbitration' AND provider_id = $3",
        )
        .bind(sql::id(case_id))
        .bind(sql::id(me))
        .bind(sql::id(scope.provider_id))
        .execute(&mut *tx)
        .await?;
        audit::record(
            &mut *tx,
            actor,
            AuditAction::Create,
            "arbitration",
            case_id,
            Some(case.participant_id),
            &serde_json::json!({ "arbitrators": names, "decision": arbitration.decision }),
        )
        .await?;
        mark_session(
            &mut tx,
            scope,
            actor,
            session_id,
            case_id,
            SessionResult::Arbitrated,
        )
        .await?;
        let settings = settings_in(&mut *tx, scope).await?;
        let (state, outcome) = settle(&mut tx, scope, actor, &settings, case_id, now).await?;
        tx.commit().await?;
        Ok(ReadRecorded {
            slot: ReadSlot::Second,
            state,
            outcome,
        })
    }

    /// Clinics with cases still to be read (1st or 2nd), oldest first: (clinic id, date,
    /// location, cases waiting).
    pub async fn clinics_to_read(&self, scope: Scope) -> Result<Vec<(Uuid, Date, String, i64)>> {
        // Count per clinic on the cases' own index first, then name the clinics.
        let rows = sqlx::query(
            "SELECT c.id, c.clinic_date, l.name, g.n FROM \
             (SELECT clinic_id, COUNT(*) AS n FROM reading_cases WHERE provider_id = $1 \
              AND state IN ('awaiting_first_read', 'awaiting_second_read') AND held IS NULL GROUP BY clinic_id) g \
             JOIN clinics c ON c.id = g.clinic_id AND c.provider_id = $1 \
             JOIN locations l ON l.id = c.location_id AND l.provider_id = c.provider_id \
             ORDER BY c.clinic_date, c.id LIMIT 50",
        )
        .bind(sql::id(scope.provider_id))
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    parse_id(&r.try_get::<String, _>("id")?)?,
                    parse_date(&r.try_get::<String, _>("clinic_date")?)?,
                    r.try_get("name")?,
                    r.try_get("n")?,
                ))
            })
            .collect()
    }

    /// Keeps who is arbitrating with the signed-in reader while they give another outcome.
    pub async fn save_arbitration_panel(
        &self,
        scope: Scope,
        actor: &Actor,
        case_id: Uuid,
        panel: &[Uuid],
    ) -> Result<()> {
        let me = user_of(actor)?;
        let mut tx = self.begin_write().await?;
        case_row(&mut *tx, scope, case_id).await?;
        sqlx::query(
            "DELETE FROM opinion_drafts WHERE case_id = $1 AND user_id = $2 AND purpose = 'panel' AND provider_id = $3",
        )
        .bind(sql::id(case_id))
        .bind(sql::id(me))
        .bind(sql::id(scope.provider_id))
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO opinion_drafts (provider_id, case_id, user_id, purpose, opinion, updated_at) VALUES ($1, $2, $3, 'panel', $4, $5)",
        )
        .bind(sql::id(scope.provider_id))
        .bind(sql::id(case_id))
        .bind(sql::id(me))
        .bind(sql::json(&panel))
        .bind(sql::ts(sql::now()))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The panel kept by [`Store::save_arbitration_panel`] (empty when solo).
    pub async fn arbitration_panel(
        &self,
        scope: Scope,
        user_id: Uuid,
        case_id: Uuid,
    ) -> Result<Vec<Uuid>> {
        let row = sqlx::query(
            "SELECT opinion FROM opinion_drafts WHERE case_id = $1 AND user_id = $2 AND purpose = 'panel' AND provider_id = $3",
        )
        .bind(sql::id(case_id))
        .bind(sql::id(user_id))
        .bind(sql::id(scope.provider_id))
        .fetch_optional(self.pool())
        .await?;
        match row {
            Some(r) => parse_json(&r.try_get::<String, _>("opinion")?),
            None => Ok(Vec::new()),
        }
    }

    /// The readers at this provider (for choosing a panel).
    pub async fn readers(&self, scope: Scope) -> Result<Vec<(Uuid, String)>> {
        let rows = sqlx::query(
            "SELECT u.id, u.name FROM users u JOIN user_roles ur ON ur.user_id = u.id \
             WHERE ur.provider_id = $1 AND ur.role = 'reader' ORDER BY u.name",
        )
        .bind(sql::id(scope.provider_id))
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    parse_id(&r.try_get::<String, _>("id")?)?,
                    r.try_get("name")?,
                ))
            })
            .collect()
    }

    /// The episode's stage and outcome history, oldest first.
    pub async fn episode_history(
        &self,
        scope: Scope,
        episode_id: Uuid,
    ) -> Result<Vec<EpisodeChange>> {
        let rows = sqlx::query(
            "SELECT stage, outcome, next_test_due, reason, changed_by_name, changed_at FROM episode_history \
             WHERE provider_id = $1 AND episode_id = $2 ORDER BY changed_at",
        )
        .bind(sql::id(scope.provider_id))
        .bind(sql::id(episode_id))
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(EpisodeChange {
                    stage: parse_enum(&r.try_get::<String, _>("stage")?)?,
                    outcome: r
                        .try_get::<Option<String>, _>("outcome")?
                        .map(|o| parse_enum(&o))
                        .transpose()?,
                    next_test_due: r
                        .try_get::<Option<String>, _>("next_test_due")?
                        .map(|d| parse_date(&d))
                        .transpose()?,
                    reason: r.try_get("reason")?,
                    changed_by_name: r.try_get("changed_by_name")?,
                    changed_at: parse_ts(&r.try_get::<String, _>("changed_at")?)?,
                })
            })
            .collect()
    }
}

/// A participant's episode with its result.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EpisodeSummary {
    pub id: Uuid,
    #[schema(value_type = String, format = Date)]
    pub opened_on: Date,
    #[schema(value_type = String)]
    pub episode_type: EpisodeType,
    #[schema(value_type = String)]
    pub stage: EpisodeStage,
    #[schema(value_type = Option<String>)]
    pub outcome: Option<domain::episode::EpisodeOutcome>,
    #[schema(value_type = Option<String>, format = Date)]
    pub next_test_due: Option<Date>,
    pub history: Vec<EpisodeChange>,
}

impl Store {
    /// The participant's episodes, newest first, each with its history.
    pub async fn participant_episodes(
        &self,
        scope: Scope,
        participant_id: Uuid,
    ) -> Result<Vec<EpisodeSummary>> {
        let rows = sqlx::query(
            "SELECT id, opened_on, episode_type, stage, outcome, next_test_due FROM episodes \
             WHERE provider_id = $1 AND participant_id = $2 ORDER BY opened_on DESC, id DESC",
        )
        .bind(sql::id(scope.provider_id))
        .bind(sql::id(participant_id))
        .fetch_all(self.pool())
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let id = parse_id(&r.try_get::<String, _>("id")?)?;
            out.push(EpisodeSummary {
                id,
                opened_on: parse_date(&r.try_get::<String, _>("opened_on")?)?,
                episode_type: parse_enum(&r.try_get::<String, _>("episode_type")?)?,
                stage: parse_enum(&r.try_get::<String, _>("stage")?)?,
                outcome: r
                    .try_get::<Option<String>, _>("outcome")?
                    .map(|o| parse_enum(&o))
                    .transpose()?,
                next_test_due: r
                    .try_get::<Option<String>, _>("next_test_due")?
                    .map(|d| parse_date(&d))
                    .transpose()?,
                history: self.episode_history(scope, id).await?,
            });
        }
        Ok(out)
    }
}

/// One change of an episode's stage or outcome.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EpisodeChange {
    #[schema(value_type = String)]
    pub stage: EpisodeStage,
    #[schema(value_type = Option<String>)]
    pub outcome: Option<domain::episode::EpisodeOutcome>,
    #[schema(value_type = Option<String>, format = Date)]
    pub next_test_due: Option<Date>,
    pub reason: String,
    pub changed_by_name: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub changed_at: OffsetDateTime,
}

/// A hold with the case and participant it is about ([`hold_from`] reads it).
const HOLD_SELECT: &str = "SELECT h.id, h.case_id, h.kind, h.reason, h.requested_by_name, h.requested_at, \
     h.released_by_name, h.released_how, p.first_name, p.last_name, p.nhs_number, r.screened_on, r.priors_status \
     FROM case_holds h JOIN reading_cases r ON r.id = h.case_id AND r.provider_id = h.provider_id \
     JOIN participants p ON p.id = r.participant_id AND p.provider_id = r.provider_id";

fn hold_from(r: &AnyRow) -> Result<CaseHold> {
    Ok(CaseHold {
        id: parse_id(&r.try_get::<String, _>("id")?)?,
        case_id: parse_id(&r.try_get::<String, _>("case_id")?)?,
        kind: r.try_get("kind")?,
        reason: r.try_get("reason")?,
        requested_by_name: r.try_get("requested_by_name")?,
        requested_at: parse_ts(&r.try_get::<String, _>("requested_at")?)?,
        released_by_name: r.try_get("released_by_name")?,
        released_how: r.try_get("released_how")?,
        participant_name: format!(
            "{} {}",
            r.try_get::<String, _>("first_name")?,
            r.try_get::<String, _>("last_name")?
        ),
        nhs_number: r.try_get("nhs_number")?,
        screened_on: parse_date(&r.try_get::<String, _>("screened_on")?)?,
        priors_status: parse_enum(&r.try_get::<String, _>("priors_status")?)?,
    })
}

async fn settings_in<'c, E>(exec: E, scope: Scope) -> Result<ReadingSettings>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    let row = sqlx::query(
        "SELECT blinded, arbitration_policy, finalisation_delay_minutes, window_days, due_soon_days, urgent_days \
         FROM reading_settings WHERE provider_id = $1",
    )
    .bind(sql::id(scope.provider_id))
    .fetch_optional(exec)
    .await?;
    let Some(r) = row else {
        return Ok(ReadingSettings::default());
    };
    let small = |v: i64| u16::try_from(v).map_err(|e| StoreError::Corrupt(e.to_string()));
    Ok(ReadingSettings {
        blinded: r.try_get::<i64, _>("blinded")? != 0,
        arbitration_policy: parse_enum(&r.try_get::<String, _>("arbitration_policy")?)?,
        finalisation_delay_minutes: u32::try_from(
            r.try_get::<i64, _>("finalisation_delay_minutes")?,
        )
        .map_err(|e| StoreError::Corrupt(e.to_string()))?,
        window_days: small(r.try_get("window_days")?)?,
        due_soon_days: small(r.try_get("due_soon_days")?)?,
        urgent_days: small(r.try_get("urgent_days")?)?,
    })
}

async fn add_hold(
    tx: &mut Tx,
    scope: Scope,
    actor: &Actor,
    case: &CaseRow,
    kind: &str,
    reason: &str,
) -> Result<()> {
    let id = new_id();
    sqlx::query(
        "INSERT INTO case_holds (id, provider_id, case_id, kind, reason, requested_by_name, requested_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(sql::id(id))
    .bind(sql::id(scope.provider_id))
    .bind(sql::id(case.id))
    .bind(kind)
    .bind(reason)
    .bind(&actor.name)
    .bind(sql::ts(sql::now()))
    .execute(&mut **tx)
    .await?;
    audit::record(
        &mut **tx,
        actor,
        AuditAction::Create,
        "reading_case_hold",
        case.id,
        Some(case.participant_id),
        &serde_json::json!({ "kind": kind, "reason": reason }),
    )
    .await
}

/// Records what became of a case in a session (if it was read in one) and releases the
/// reader's claim on it.
async fn mark_session(
    tx: &mut Tx,
    scope: Scope,
    actor: &Actor,
    session_id: Option<Uuid>,
    case_id: Uuid,
    result: SessionResult,
) -> Result<()> {
    let p = sql::id(scope.provider_id);
    if let Some(session) = session_id {
        let done = sqlx::query(
            "UPDATE reading_session_cases SET result = $1, at = $2 WHERE session_id = $3 AND case_id = $4 AND provider_id = $5",
        )
        .bind(result.as_str())
        .bind(sql::ts(sql::now()))
        .bind(sql::id(session))
        .bind(sql::id(case_id))
        .bind(&p)
        .execute(&mut **tx)
        .await?;
        if done.rows_affected() == 0 {
            // Read outside the session's own offer (for example, straight from a list):
            // record it in the session so it counts.
            if let Some(user) = actor.user_id {
                let owns = sqlx::query(
                    "SELECT COUNT(*) AS n FROM reading_sessions WHERE id = $1 AND provider_id = $2 AND reader_id = $3",
                )
                .bind(sql::id(session))
                .bind(&p)
                .bind(sql::id(user))
                .fetch_one(&mut **tx)
                .await?;
                if owns.try_get::<i64, _>("n")? == 1 {
                    let pos = sqlx::query(
                        "SELECT COUNT(*) AS n FROM reading_session_cases WHERE session_id = $1 AND provider_id = $2",
                    )
                    .bind(sql::id(session))
                    .bind(&p)
                    .fetch_one(&mut **tx)
                    .await?;
                    sqlx::query(
                        "INSERT INTO reading_session_cases (session_id, provider_id, case_id, position, result, at) VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(sql::id(session))
                    .bind(&p)
                    .bind(sql::id(case_id))
                    .bind(pos.try_get::<i64, _>("n")? + 1)
                    .bind(result.as_str())
                    .bind(sql::ts(sql::now()))
                    .execute(&mut **tx)
                    .await?;
                }
            }
        }
    }
    sqlx::query(
        "UPDATE reading_cases SET claimed_by = NULL, claimed_until = NULL WHERE id = $1 AND provider_id = $2",
    )
    .bind(sql::id(case_id))
    .bind(&p)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Moves a case to the state its reads put it in, and concludes it (writing the result)
/// when they make a result. Returns the state and, when concluded now, the outcome.
async fn settle(
    tx: &mut Tx,
    scope: Scope,
    actor: &Actor,
    settings: &ReadingSettings,
    case_id: Uuid,
    now: OffsetDateTime,
) -> Result<(ReadingState, Option<String>)> {
    // Take the case's row lock first (PostgreSQL; SQLite's write transaction is already
    // exclusive), so two settlers (the timer and a reader's request) take turns and the
    // second sees the first's result instead of concluding the case twice.
    sqlx::query("UPDATE reading_cases SET version = version WHERE id = $1 AND provider_id = $2")
        .bind(sql::id(case_id))
        .bind(sql::id(scope.provider_id))
        .execute(&mut **tx)
        .await?;
    let case = case_row(&mut **tx, scope, case_id).await?;
    let rules = settings.rules();
    let (reads, _, _) = load_reads(&mut **tx, scope, case_id).await?;
    let state = domain::reading::next_state(&reads, &rules, now);
    let p = sql::id(scope.provider_id);
    // When a pending read becomes final: the latest read's time plus the delay.
    let finalises_at = [&reads.first, &reads.second]
        .into_iter()
        .flatten()
        .filter(|r| !rules.finalisation.is_final(r, now))
        .map(|r| rules.finalisation.finalises_at(r))
        .max();
    if state != case.state {
        sqlx::query(
            "UPDATE reading_cases SET state = $1, finalises_at = $2, version = version + 1 WHERE id = $3 AND provider_id = $4",
        )
        .bind(state.as_str())
        .bind(finalises_at.map(sql::ts))
        .bind(sql::id(case_id))
        .bind(&p)
        .execute(&mut **tx)
        .await?;
    } else if finalises_at.is_some() {
        sqlx::query(
            "UPDATE reading_cases SET finalises_at = $1 WHERE id = $2 AND provider_id = $3",
        )
        .bind(finalises_at.map(sql::ts))
        .bind(sql::id(case_id))
        .bind(&p)
        .execute(&mut **tx)
        .await?;
    }
    if state == ReadingState::AwaitingArbitration && case.state != state {
        sqlx::query("UPDATE reads SET arbitrated = 1 WHERE case_id = $1 AND provider_id = $2")
            .bind(sql::id(case_id))
            .bind(&p)
            .execute(&mut **tx)
            .await?;
    }
    if state != ReadingState::Concluded || case.concluded {
        return Ok((state, None));
    }
    let Some(final_opinion) = domain::reading::final_opinion(&reads, &rules, now) else {
        return Ok((state, None));
    };
    let outcome = conclude(tx, scope, actor, &case, final_opinion, now).await?;
    Ok((state, Some(outcome)))
}

/// Writes a concluded case's result: the episode's outcome, stage and next test due date
/// with a history row, and the follow-up requests the office acts on.
async fn conclude(
    tx: &mut Tx,
    scope: Scope,
    actor: &Actor,
    case: &CaseRow,
    final_opinion: &Opinion,
    now: OffsetDateTime,
) -> Result<String> {
    let p = sql::id(scope.provider_id);
    let episode =
        sqlx::query("SELECT episode_type FROM episodes WHERE id = $1 AND provider_id = $2")
            .bind(sql::id(case.episode_id))
            .bind(&p)
            .fetch_one(&mut **tx)
            .await?;
    let episode_type: EpisodeType = parse_enum(&episode.try_get::<String, _>("episode_type")?)?;
    let mut result = domain::reading::outcome(
        final_opinion,
        episode_type,
        case.completeness,
        case.screened_on,
    );
    if result.next_test_due.is_some() {
        // The national rule: from the round's first offered appointment, capped at 71.
        result.next_test_due =
            crate::dates::next_test_due(tx, scope, case.episode_id, episode_type, case.screened_on)
                .await?;
    }
    let ts = sql::ts(now);
    let closed_on =
        (result.stage == EpisodeStage::Closed).then(|| sql::date(domain::dates::london_date(now)));
    sqlx::query(
        "UPDATE episodes SET outcome = $1, stage = $2, next_test_due = $3, closed_on = COALESCE($4, closed_on) WHERE id = $5 AND provider_id = $6",
    )
    .bind(result.episode_outcome.as_str())
    .bind(result.stage.as_str())
    .bind(result.next_test_due.map(sql::date))
    .bind(closed_on)
    .bind(sql::id(case.episode_id))
    .bind(&p)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "INSERT INTO episode_history (id, provider_id, episode_id, stage, outcome, next_test_due, reason, changed_by_name, changed_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(sql::id(new_id()))
    .bind(&p)
    .bind(sql::id(case.episode_id))
    .bind(result.stage.as_str())
    .bind(result.episode_outcome.as_str())
    .bind(result.next_test_due.map(sql::date))
    .bind(format!("Image reading result: {}", final_opinion.label()))
    .bind(&actor.name)
    .bind(&ts)
    .execute(&mut **tx)
    .await?;
    outbox::record(
        tx,
        scope,
        actor,
        DomainEvent::EpisodeOutcomeSet(EpisodeOutcomeSet {
            provider_id: scope.provider_id,
            episode_id: case.episode_id,
            participant_id: case.participant_id,
            outcome: result.episode_outcome,
            stage: result.stage,
            next_test_due: result.next_test_due,
            reason: format!("Image reading result: {}", final_opinion.label()),
        }),
    )
    .await?;
    let follow_ups = result
        .follow_up
        .iter()
        .map(|follow_up| match follow_up {
            FollowUpNeeded::TechnicalRecall { .. } => NeededFollowUp {
                kind: FollowUpKind::TechnicalRecall,
                details: technical_recall_details(final_opinion),
            },
            FollowUpNeeded::AssessmentReferral { breasts } => NeededFollowUp {
                kind: FollowUpKind::AssessmentReferral,
                details: assessment_details(final_opinion, breasts),
            },
            FollowUpNeeded::MoreImages => NeededFollowUp {
                kind: FollowUpKind::MoreImages,
                details: "Images the mammographer could not take".to_owned(),
            },
        })
        .collect();
    // The office's follow-up requests are raised by the follow-ups feature, in this
    // transaction.
    outbox::record(
        tx,
        scope,
        actor,
        DomainEvent::CaseConcluded(CaseConcluded {
            provider_id: scope.provider_id,
            case_id: case.id,
            appointment_id: case.appointment_id,
            episode_id: case.episode_id,
            participant_id: case.participant_id,
            outcome: result.episode_outcome,
            final_opinion: final_opinion.kind(),
            follow_ups,
        }),
    )
    .await?;
    sqlx::query(
        "UPDATE reading_cases SET outcome = $1, concluded_at = $2, claimed_by = NULL, claimed_until = NULL, final_opinion_kind = $5 \
         WHERE id = $3 AND provider_id = $4",
    )
    .bind(result.episode_outcome.as_str())
    .bind(&ts)
    .bind(sql::id(case.id))
    .bind(&p)
    .bind(final_opinion.kind().as_str())
    .execute(&mut **tx)
    .await?;
    // What the statistics read without joining: each read's case result, and whether the
    // screen's images led to a technical recall.
    sqlx::query("UPDATE reads SET case_final_kind = $1 WHERE case_id = $2 AND provider_id = $3")
        .bind(final_opinion.kind().as_str())
        .bind(sql::id(case.id))
        .bind(&p)
        .execute(&mut **tx)
        .await?;
    if result.episode_outcome == domain::episode::EpisodeOutcome::TechnicalRecall {
        sqlx::query(
            "UPDATE image_records SET technical_recall = 1 WHERE appointment_id = $1 AND provider_id = $2",
        )
        .bind(sql::id(case.appointment_id))
        .bind(&p)
        .execute(&mut **tx)
        .await?;
    }
    audit::record(
        &mut **tx,
        actor,
        AuditAction::Update,
        "episode",
        case.episode_id,
        Some(case.participant_id),
        &serde_json::to_value(&result).unwrap_or_default(),
    )
    .await?;
    Ok(result.episode_outcome.as_str().to_owned())
}

/// "RMLO: Breast positioning; LCC: Other reason (motion)".
fn technical_recall_details(opinion: &Opinion) -> String {
    match opinion {
        Opinion::TechnicalRecall { views } => views
            .iter()
            .map(|v| {
                let details = v.details.trim();
                if details.is_empty() {
                    format!("{}: {}", v.view, v.reason.label())
                } else {
                    format!("{}: {} ({details})", v.view, v.reason.label())
                }
            })
            .collect::<Vec<_>>()
            .join("; "),
        _ => String::new(),
    }
}

/// "Right breast: Abnormal, recall for assessment".
fn assessment_details(opinion: &Opinion, breasts: &[Breast]) -> String {
    breasts
        .iter()
        .filter_map(|&b| {
            opinion
                .assessment(b)
                .map(|a| format!("{} breast: {}", b.label(), a.label()))
        })
        .collect::<Vec<_>>()
        .join("; ")
}
