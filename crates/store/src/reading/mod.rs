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
use domain::ids::{AppointmentId, CaseId, ClinicId, EpisodeId, ParticipantId};
use domain::imaging::{Breast, Completeness};
use domain::reading::{
    ArbitrationDecision, ArbitrationPolicy, CaseHolder, CaseReads, DraftPurpose,
    FinalisationPolicy, FollowUpNeeded, HoldKind, HoldRelease, Opinion, OpinionKind, PriorsStatus,
    Read, ReadSlot, ReaderId, ReadingContext, ReadingRules, ReadingState, ReadingWindow,
    SessionKind, SessionResult,
};
use serde::{Deserialize, Serialize};
use sqlx::FromRow;
use sqlx::any::AnyRow;
use time::{Date, Duration, OffsetDateTime};
use utoipa::ToSchema;
use uuid::Uuid;

mod cases;
mod conclude;
mod reads;
mod rows;
mod sessions;

use conclude::settle;
use rows::{
    CaseStateRow, EpisodeSummaryRow, HoldRow, OpenCaseRow, ReadOrArbitrationRow, ReadingCaseRow,
    SettingsRow,
};

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
    pub id: CaseId,
    pub appointment_id: AppointmentId,
    pub participant_id: ParticipantId,
    pub participant_name: String,
    pub nhs_number: String,
    #[schema(value_type = String, format = Date)]
    pub screened_on: Date,
    pub state: ReadingState,
    /// deferred or priors, while held back from reading.
    pub held: Option<String>,
    pub priors_status: PriorsStatus,
    pub completeness: Completeness,
    pub clinic_id: Option<ClinicId>,
    /// The episode outcome, once concluded.
    pub outcome: Option<String>,
}

const CASE_COLUMNS: &str = "r.id, r.appointment_id, r.participant_id, p.first_name, p.last_name, p.nhs_number, \
     r.screened_on, r.state, r.held, r.priors_status, r.completeness, r.clinic_id, r.outcome";

const CASE_FROM: &str = "FROM reading_cases r JOIN participants p ON p.id = r.participant_id AND p.provider_id = r.provider_id";

/// A case from a row holding [`CASE_COLUMNS`] (and perhaps more).
fn case_from(r: &AnyRow) -> Result<ReadingCase> {
    ReadingCaseRow::from_row(r)?.try_into()
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
async fn open_case(
    tx: &mut Tx,
    scope: Scope,
    actor: &Actor,
    appointment_id: AppointmentId,
) -> Result<()> {
    let row = sqlx::query_as::<_, OpenCaseRow>(
        "SELECT a.episode_id, a.participant_id, a.clinic_id, c.clinic_date FROM appointments a \
         JOIN clinics c ON c.id = a.clinic_id AND c.provider_id = a.provider_id \
         WHERE a.id = $1 AND a.provider_id = $2",
    )
    .bind(sql::id(appointment_id))
    .bind(sql::id(scope.provider_id))
    .fetch_one(&mut **tx)
    .await?;
    let id = new_id();
    let participant_id = row.participant_id;
    // The day the images were taken, never the clinic's planned date.
    let screened_on = sql::date(crate::dates::screening_date(tx, scope, appointment_id).await?);
    sqlx::query(
        "INSERT INTO reading_cases (id, provider_id, appointment_id, episode_id, participant_id, screened_on, state, created_at, clinic_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(sql::id(id))
    .bind(sql::id(scope.provider_id))
    .bind(sql::id(appointment_id))
    .bind(row.episode_id)
    .bind(&participant_id)
    .bind(&screened_on)
    .bind(ReadingState::AwaitingFirstRead.as_str())
    .bind(sql::ts(sql::now()))
    .bind(row.clinic_id)
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
    appointment_id: AppointmentId,
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

/// The states of a case without a result: every state but concluded.
const UNFINISHED: [ReadingState; 4] = [
    ReadingState::AwaitingFirstRead,
    ReadingState::AwaitingSecondRead,
    ReadingState::AwaitingFinalisation,
    ReadingState::AwaitingArbitration,
];

/// A case past its reading window, and who holds it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OverdueCase {
    #[serde(flatten)]
    pub case: ReadingCase,
    /// Days since the last day of the window (1 the day after it).
    pub days_past_window: i64,
    /// deferred, awaiting_priors, claimed, awaiting_finalisation or queue.
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
    pub case_id: CaseId,
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
    pub kind: SessionKind,
    pub clinic_id: Option<ClinicId>,
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
    pub fn current(&self) -> Option<CaseId> {
        self.cases
            .iter()
            .find(|c| c.result.is_none())
            .map(|c| c.case_id)
    }
}

/// A reading session's settings and whether it has ended.
#[derive(Debug, Clone, Copy)]
pub struct SessionHeader {
    pub kind: SessionKind,
    pub clinic_id: Option<ClinicId>,
    pub size: i64,
    pub ended: bool,
}

/// Where a session is, for "next case".
struct SessionProgress {
    kind: SessionKind,
    clinic_id: Option<ClinicId>,
    size: i64,
    ended: bool,
    current: Option<CaseId>,
    done: i64,
    offered: i64,
}

/// A read as the pages show it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReadView {
    pub slot: ReadSlot,
    pub reader_id: Uuid,
    pub reader_name: String,
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
    pub decision: ArbitrationDecision,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub recorded_at: OffsetDateTime,
}

/// A hold on a case: a deferral or a request for priors.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseHold {
    pub id: Uuid,
    pub case_id: CaseId,
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
    pub priors_status: PriorsStatus,
}

/// Which read a viewer would give now (`slot`), or why they cannot (`refused`): exactly
/// one of the two is present.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CanRead {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slot: Option<ReadSlot>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refused: Option<String>,
}

fn can_read_json<S: serde::Serializer>(
    can_read: &std::result::Result<ReadSlot, String>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    let view = match can_read {
        Ok(slot) => CanRead {
            slot: Some(*slot),
            refused: None,
        },
        Err(why) => CanRead {
            slot: None,
            refused: Some(why.clone()),
        },
    };
    serde::Serialize::serialize(&view, s)
}

/// Everything about one case the case page needs from reading (the appointment's own
/// record comes from [`Store::workflow`]).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseDetail {
    pub case: ReadingCase,
    pub episode_id: EpisodeId,
    pub episode_type: EpisodeType,
    /// The reads this viewer may see (the 1st hidden while blinded).
    pub reads: Vec<ReadView>,
    /// Whether a 1st read exists that is hidden from this viewer.
    pub first_read_hidden: bool,
    pub arbitration: Option<ArbitrationView>,
    /// Which read this viewer would give now, or why they cannot.
    #[serde(serialize_with = "can_read_json")]
    #[schema(value_type = CanRead)]
    pub can_read: std::result::Result<ReadSlot, String>,
    /// Whether this viewer may change their own read now.
    pub can_change: bool,
    /// The warning for an arbitrator who read the case.
    pub arbitrator_warning: Option<String>,
    pub holds: Vec<CaseHold>,
    /// Previous episodes of the participant: (opened on, type, outcome).
    pub previous_episodes: Vec<PreviousEpisode>,
    /// The other reading cases of this episode: a recall's images are read in their own
    /// case, linked to the screen's by the episode, so the reader sees the whole set.
    pub episode_cases: Vec<LinkedCase>,
    /// The provider's reading settings the detail was worked out with.
    #[serde(skip)]
    pub settings: ReadingSettings,
}

/// Another reading case of the same episode.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LinkedCase {
    pub id: CaseId,
    pub appointment_id: AppointmentId,
    #[schema(value_type = String, format = Date)]
    pub screened_on: Date,
    /// The case's outcome label, once concluded.
    pub outcome: Option<String>,
}

/// An earlier episode of the participant.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PreviousEpisode {
    #[schema(value_type = String, format = Date)]
    pub opened_on: Date,
    pub episode_type: EpisodeType,
    pub outcome: Option<String>,
}

/// What recording a read did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReadRecorded {
    pub slot: ReadSlot,
    /// The case's state afterwards.
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
    pub decision: ArbitrationDecision,
}

struct CaseRow {
    id: CaseId,
    participant_id: ParticipantId,
    appointment_id: AppointmentId,
    episode_id: EpisodeId,
    state: ReadingState,
    screened_on: Date,
    completeness: Completeness,
    concluded: bool,
    held: Option<String>,
    priors_status: PriorsStatus,
}

async fn case_row<'c, E>(exec: E, scope: Scope, case_id: CaseId) -> Result<CaseRow>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    sqlx::query_as::<_, CaseStateRow>(
        "SELECT id, participant_id, appointment_id, episode_id, state, screened_on, completeness, concluded_at, held, priors_status \
         FROM reading_cases WHERE id = $1 AND provider_id = $2",
    )
    .bind(sql::id(case_id))
    .bind(sql::id(scope.provider_id))
    .fetch_optional(exec)
    .await?
    .ok_or(StoreError::NotFound)?
    .try_into()
}

/// The case's reads and arbitration, with the readers' names.
async fn load_reads<'c, E>(
    exec: E,
    scope: Scope,
    case_id: CaseId,
) -> Result<(CaseReads, Vec<(ReadSlot, String)>, Option<Vec<String>>)>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    // One query for reads and the arbitration: a UNION keeps it to one round trip.
    let rows = sqlx::query_as::<_, ReadOrArbitrationRow>(
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
    for r in rows {
        let at = parse_ts(&r.at)?;
        if r.what == "read" {
            let slot: ReadSlot = parse_enum(&r.slot)?;
            let read = Read {
                reader_id: reader(parse_id(&r.who)?),
                opinion: parse_json(&r.opinion)?,
                at,
                finalised_early: r.finalised_early != 0,
                given_blind: r.given_blind != 0,
            };
            names.push((slot, r.names));
            match slot {
                ReadSlot::First => case.first = Some(read),
                ReadSlot::Second => case.second = Some(read),
            }
        } else {
            let ids: Vec<Uuid> = parse_json(&r.who)?;
            arbitrator_names = Some(parse_json(&r.names)?);
            case.arbitration = Some(domain::reading::Arbitration {
                arbitrators: ids.into_iter().map(reader).collect(),
                decision: parse_json(&r.opinion)?,
                at,
            });
        }
    }
    Ok((case, names, arbitrator_names))
}

/// A participant's episode with its result.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EpisodeSummary {
    pub id: EpisodeId,
    #[schema(value_type = String, format = Date)]
    pub opened_on: Date,
    pub episode_type: EpisodeType,
    pub stage: EpisodeStage,
    pub outcome: Option<domain::episode::EpisodeOutcome>,
    #[schema(value_type = Option<String>, format = Date)]
    pub next_test_due: Option<Date>,
    /// How the episode ended, once closed.
    pub end_code: Option<domain::end_code::EndCode>,
    /// Why it ended (the latest closure or correction).
    pub end_reason: String,
    #[schema(value_type = Option<String>, format = Date)]
    pub closed_on: Option<Date>,
    pub history: Vec<EpisodeChange>,
}

impl Store {
    /// The participant's episodes, newest first, each with its history. `NotFound` for
    /// another provider's participant or nobody (so that no view of her is recorded).
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, participant_id = %participant_id))]
    pub async fn participant_episodes(
        &self,
        scope: Scope,
        participant_id: ParticipantId,
    ) -> Result<Vec<EpisodeSummary>> {
        let rows = sqlx::query_as::<_, EpisodeSummaryRow>(
            "SELECT id, opened_on, episode_type, stage, outcome, next_test_due, end_code, end_reason, closed_on FROM episodes \
             WHERE provider_id = $1 AND participant_id = $2 ORDER BY opened_on DESC, id DESC",
        )
        .bind(sql::id(scope.provider_id))
        .bind(sql::id(participant_id))
        .fetch_all(self.pool())
        .await?;
        if rows.is_empty() {
            // Only a participant with no episode yet costs this second look.
            sqlx::query_scalar::<_, String>(
                "SELECT id FROM participants WHERE id = $1 AND provider_id = $2",
            )
            .bind(sql::id(participant_id))
            .bind(sql::id(scope.provider_id))
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        }
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let mut episode = EpisodeSummary::try_from(r)?;
            episode.history = self.episode_history(scope, episode.id).await?;
            out.push(episode);
        }
        Ok(out)
    }
}

/// One change of an episode's stage or outcome.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EpisodeChange {
    pub stage: EpisodeStage,
    pub outcome: Option<domain::episode::EpisodeOutcome>,
    #[schema(value_type = Option<String>, format = Date)]
    pub next_test_due: Option<Date>,
    /// The end code, on a closure or a correction.
    pub end_code: Option<domain::end_code::EndCode>,
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

/// A hold from a row holding [`HOLD_SELECT`]'s columns.
fn hold_from(r: &AnyRow) -> Result<CaseHold> {
    HoldRow::from_row(r)?.try_into()
}

async fn settings_in<'c, E>(exec: E, scope: Scope) -> Result<ReadingSettings>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    sqlx::query_as::<_, SettingsRow>(
        "SELECT blinded, arbitration_policy, finalisation_delay_minutes, window_days, due_soon_days, urgent_days \
         FROM reading_settings WHERE provider_id = $1",
    )
    .bind(sql::id(scope.provider_id))
    .fetch_optional(exec)
    .await?
    .map_or_else(|| Ok(ReadingSettings::default()), ReadingSettings::try_from)
}

async fn add_hold(
    tx: &mut Tx,
    scope: Scope,
    actor: &Actor,
    case: &CaseRow,
    kind: HoldKind,
    reason: &str,
) -> Result<()> {
    let id = new_id();
    sqlx::query(
        "INSERT INTO case_holds (id, provider_id, case_id, kind, reason, requested_by_name, requested_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(sql::id(id))
    .bind(sql::id(scope.provider_id))
    .bind(sql::id(case.id))
    .bind(kind.as_str())
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
    case_id: CaseId,
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
                let owns = sqlx::query_scalar::<_, i64>(
                    "SELECT COUNT(*) AS n FROM reading_sessions WHERE id = $1 AND provider_id = $2 AND reader_id = $3",
                )
                .bind(sql::id(session))
                .bind(&p)
                .bind(sql::id(user))
                .fetch_one(&mut **tx)
                .await?;
                if owns == 1 {
                    let pos = sqlx::query_scalar::<_, i64>(
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
                    .bind(pos + 1)
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
