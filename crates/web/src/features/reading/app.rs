//! Image reading's use cases, shared by the pages and the API, and the reading rules both
//! adapters need. Each use case checks the caller's permission and runs its store calls;
//! the store asks `domain::reading` and writes the audit rows in the same transaction.

use crate::application::{Caller, Failure};
use crate::features::workflow::app::information;
use domain::Permission;
use domain::ids::{CaseId, ClinicId};
use domain::reading::{
    ArbitrationDecision, Opinion, Period, PriorsStatus, ReadingContext, SessionKind,
};
use store::{
    CaseDetail, CaseHold, FollowUp, MammographerStats, NewArbitration, OverdueCase, ReadRecorded,
    ReaderStats, ReadingSettings, ReceivedImage, Store, Workflow,
};
use time::Date;
use uuid::Uuid;

/// What the reading rules need to know about the screen: whether the participant reported
/// significant symptoms.
pub fn context_of(wf: &Workflow) -> ReadingContext {
    let significant = !information(wf).significant_symptoms().is_empty();
    ReadingContext {
        has_significant_symptoms: significant,
    }
}

/// The kinds of follow-up request a reading result raises.
pub const OUTCOME_KINDS: [&str; 3] = ["technical_recall", "assessment_referral", "more_images"];

/// The reading context of a case's screen, from its appointment's workflow.
async fn context(
    store: &Store,
    caller: &Caller,
    case_id: CaseId,
) -> Result<ReadingContext, Failure> {
    let case = store.reading_case(caller.scope, case_id).await?;
    let wf = store.workflow(caller.scope, case.appointment_id).await?;
    Ok(context_of(&wf))
}

// --- Sessions ---------------------------------------------------------------------------

/// Start a reading session (the store ends the reader's previous one).
#[derive(Debug, Clone)]
pub struct StartSession {
    pub kind: SessionKind,
    /// One of `domain::reading::SESSION_SIZES`.
    pub size: u8,
    /// The clinic to read, for a clinic session.
    pub clinic_id: Option<ClinicId>,
}

/// Starts a session for the calling reader; its id.
#[tracing::instrument(skip_all, fields(kind = cmd.kind.as_str()))]
pub async fn start_session(
    store: &Store,
    caller: &Caller,
    cmd: StartSession,
) -> Result<Uuid, Failure> {
    caller.require(Permission::ReadImages)?;
    Ok(store
        .start_session(
            caller.scope,
            &caller.actor,
            cmd.kind,
            cmd.clinic_id,
            cmd.size,
        )
        .await?)
}

/// Settles the reads due and claims the session's next case: the one the reader has open,
/// or the oldest they may read that nobody else has open. None when the session is done.
#[tracing::instrument(skip_all, fields(session_id = %session_id))]
pub async fn next_case(
    store: &Store,
    caller: &Caller,
    session_id: Uuid,
) -> Result<Option<CaseId>, Failure> {
    caller.require(Permission::ReadImages)?;
    Ok(store
        .next_case(caller.scope, &caller.actor, session_id)
        .await?)
}

/// Ends a session; the case open in it, if any, is skipped.
#[tracing::instrument(skip_all, fields(session_id = %session_id))]
pub async fn finish_session(
    store: &Store,
    caller: &Caller,
    session_id: Uuid,
) -> Result<(), Failure> {
    caller.require(Permission::ReadImages)?;
    Ok(store
        .finish_session(caller.scope, &caller.actor, session_id)
        .await?)
}

/// Makes every pending read of the caller's final now; how many became final.
#[tracing::instrument(skip_all)]
pub async fn finalise(store: &Store, caller: &Caller) -> Result<usize, Failure> {
    caller.require(Permission::ReadImages)?;
    Ok(store.finalise_reads(caller.scope, &caller.actor).await?)
}

// --- A case -----------------------------------------------------------------------------

/// A case opened in one of the reader's sessions, with what its pages show beside it.
#[derive(Debug, Clone)]
pub struct OpenCase {
    pub detail: CaseDetail,
    pub wf: Workflow,
    /// Images received from the gateway for the appointment (none when recorded manually).
    pub images: Vec<ReceivedImage>,
}

/// Opens a case in a session of the calling reader, and records that they viewed it.
#[tracing::instrument(skip_all, fields(session_id = %session_id, case_id = %case_id))]
pub async fn open_case(
    store: &Store,
    caller: &Caller,
    session_id: Uuid,
    case_id: CaseId,
) -> Result<OpenCase, Failure> {
    caller.require(Permission::ReadImages)?;
    // Only a person reads: a system has no sessions.
    let reader = caller.user_id().ok_or(Failure::Forbidden)?;
    let scope = caller.scope;
    // The session must be this reader's; the case and its appointment load beside it.
    let (_, detail) = tokio::try_join!(
        store.session_header(scope, reader, session_id),
        store.case_detail(scope, reader, case_id),
    )?;
    let appointment_id = detail.case.appointment_id;
    let (wf, images, ()) = tokio::try_join!(
        store.workflow(scope, appointment_id),
        store.appointment_images(scope, appointment_id),
        store.record_view(
            &caller.actor,
            "reading_case",
            case_id,
            Some(detail.case.participant_id)
        ),
    )?;
    Ok(OpenCase { detail, wf, images })
}

/// One case as the caller may see it (the 1st opinion hidden while blinded; a system
/// sees it as someone who has not read it); the view is recorded.
#[tracing::instrument(skip_all, fields(case_id = %case_id))]
pub async fn case(store: &Store, caller: &Caller, case_id: CaseId) -> Result<CaseDetail, Failure> {
    caller.require(Permission::ViewRecords)?;
    let viewer = caller.user_id().unwrap_or_default();
    let detail = store.case_detail(caller.scope, viewer, case_id).await?;
    store
        .record_view(
            &caller.actor,
            "reading_case",
            case_id,
            Some(detail.case.participant_id),
        )
        .await?;
    Ok(detail)
}

/// Keeps the opinion a reader is building (`purpose`: "read" or "arbitration") between
/// the pages that ask for it.
#[tracing::instrument(skip_all, fields(case_id = %case_id, purpose))]
pub async fn save_draft(
    store: &Store,
    caller: &Caller,
    case_id: CaseId,
    purpose: &str,
    opinion: &Opinion,
) -> Result<(), Failure> {
    caller.require(Permission::ReadImages)?;
    Ok(store
        .save_opinion_draft(caller.scope, &caller.actor, case_id, purpose, opinion)
        .await?)
}

/// Record the caller's opinion of a case.
#[derive(Debug, Clone)]
pub struct RecordRead {
    pub session_id: Option<Uuid>,
    pub case_id: CaseId,
    pub opinion: Opinion,
}

/// Records a read (or changes the caller's own read while it is not yet final), checked
/// against the screen's reading context.
#[tracing::instrument(skip_all, fields(case_id = %cmd.case_id))]
pub async fn record_read(
    store: &Store,
    caller: &Caller,
    cmd: RecordRead,
) -> Result<ReadRecorded, Failure> {
    caller.require(Permission::ReadImages)?;
    let context = context(store, caller, cmd.case_id).await?;
    Ok(store
        .record_read(
            caller.scope,
            &caller.actor,
            cmd.session_id,
            cmd.case_id,
            &cmd.opinion,
            &context,
        )
        .await?)
}

/// Record the arbitration of a case awaiting it.
#[derive(Debug, Clone)]
pub struct Arbitrate {
    pub session_id: Option<Uuid>,
    pub case_id: CaseId,
    /// Everyone else present (the caller is always an arbitrator).
    pub arbitrators: Vec<Uuid>,
    pub decision: ArbitrationDecision,
}

/// Records an arbitration, checked against the screen's reading context.
#[tracing::instrument(skip_all, fields(case_id = %cmd.case_id))]
pub async fn arbitrate(
    store: &Store,
    caller: &Caller,
    cmd: Arbitrate,
) -> Result<ReadRecorded, Failure> {
    caller.require(Permission::ReadImages)?;
    let context = context(store, caller, cmd.case_id).await?;
    Ok(store
        .record_arbitration(
            caller.scope,
            &caller.actor,
            cmd.session_id,
            cmd.case_id,
            &NewArbitration {
                arbitrators: cmd.arbitrators,
                decision: cmd.decision,
            },
            &context,
        )
        .await?)
}

/// Keeps who is present at an arbitration while its other outcome is being given.
#[tracing::instrument(skip_all, fields(case_id = %case_id))]
pub async fn save_panel(
    store: &Store,
    caller: &Caller,
    case_id: CaseId,
    panel: &[Uuid],
) -> Result<(), Failure> {
    caller.require(Permission::ReadImages)?;
    Ok(store
        .save_arbitration_panel(caller.scope, &caller.actor, case_id, panel)
        .await?)
}

/// Skips a case in a session: it goes back to the queue.
#[tracing::instrument(skip_all, fields(session_id = %session_id, case_id = %case_id))]
pub async fn skip(
    store: &Store,
    caller: &Caller,
    session_id: Uuid,
    case_id: CaseId,
) -> Result<(), Failure> {
    caller.require(Permission::ReadImages)?;
    Ok(store
        .skip_case(caller.scope, &caller.actor, session_id, case_id)
        .await?)
}

/// Why a reader holds a case back from reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hold {
    /// Something is wrong: the office reviews the case first. Needs a reason.
    Defer,
    /// Prior mammograms are needed: held until they arrive or are not available.
    Priors,
}

/// Hold a case back from reading.
#[derive(Debug, Clone)]
pub struct HoldCase {
    pub hold: Hold,
    pub session_id: Option<Uuid>,
    pub case_id: CaseId,
    pub reason: String,
}

/// Defers a case, or requests its priors.
#[tracing::instrument(skip_all, fields(case_id = %cmd.case_id, hold = ?cmd.hold))]
pub async fn hold(store: &Store, caller: &Caller, cmd: HoldCase) -> Result<(), Failure> {
    caller.require(Permission::ReadImages)?;
    let (scope, actor) = (caller.scope, &caller.actor);
    match cmd.hold {
        Hold::Defer => {
            store
                .defer_case(scope, actor, cmd.session_id, cmd.case_id, &cmd.reason)
                .await?
        }
        Hold::Priors => {
            store
                .request_priors(scope, actor, cmd.session_id, cmd.case_id, &cmd.reason)
                .await?
        }
    }
    Ok(())
}

// --- The office -------------------------------------------------------------------------

/// The office moves a case's priors on.
#[tracing::instrument(skip_all, fields(case_id = %case_id, to = to.as_str()))]
pub async fn set_priors_status(
    store: &Store,
    caller: &Caller,
    case_id: CaseId,
    to: PriorsStatus,
) -> Result<(), Failure> {
    caller.require(Permission::ManageAppointments)?;
    Ok(store
        .set_priors_status(caller.scope, &caller.actor, case_id, to)
        .await?)
}

/// The office returns a deferred case to reading.
#[tracing::instrument(skip_all, fields(case_id = %case_id))]
pub async fn unflag(store: &Store, caller: &Caller, case_id: CaseId) -> Result<(), Failure> {
    caller.require(Permission::ManageAppointments)?;
    Ok(store
        .unflag_case(caller.scope, &caller.actor, case_id)
        .await?)
}

/// Open deferrals ("deferred") or requests for priors ("priors"), oldest first.
#[tracing::instrument(skip_all, fields(kind))]
pub async fn holds(store: &Store, caller: &Caller, kind: &str) -> Result<Vec<CaseHold>, Failure> {
    caller.require(Permission::ViewRecords)?;
    Ok(store.case_holds(caller.scope, kind).await?)
}

/// Every reading result that needs the office to act, oldest first.
#[tracing::instrument(skip_all)]
pub async fn outcomes(store: &Store, caller: &Caller) -> Result<Vec<FollowUp>, Failure> {
    caller.require(Permission::ViewRecords)?;
    Ok(store.follow_ups_of(caller.scope, &OUTCOME_KINDS).await?)
}

/// Every case past its reading window without a result, with who holds it.
#[tracing::instrument(skip_all)]
pub async fn overdue(
    store: &Store,
    caller: &Caller,
    today: Date,
) -> Result<Vec<OverdueCase>, Failure> {
    caller.require(Permission::ViewRecords)?;
    Ok(store.overdue_cases(caller.scope, today).await?)
}

/// Performance data over a period: one person's (`who`), or the whole office's (none).
#[derive(Debug, Clone)]
pub struct PerformanceOf {
    pub period: Period,
    pub who: Option<Uuid>,
    pub today: Date,
}

/// The readers' rates and the mammographers' figures since the period began.
#[tracing::instrument(skip_all, fields(period = cmd.period.as_str(), office = cmd.who.is_none()))]
pub async fn performance(
    store: &Store,
    caller: &Caller,
    cmd: PerformanceOf,
) -> Result<(Vec<ReaderStats>, Vec<MammographerStats>), Failure> {
    caller.require(Permission::ViewRecords)?;
    let since = cmd.today - time::Duration::days(cmd.period.days());
    Ok(tokio::try_join!(
        store.reader_stats(caller.scope, since, cmd.who),
        store.mammographer_stats(caller.scope, since, cmd.who),
    )?)
}

/// The provider's reading settings.
#[tracing::instrument(skip_all)]
pub async fn settings(store: &Store, caller: &Caller) -> Result<ReadingSettings, Failure> {
    caller.require(Permission::ViewRecords)?;
    Ok(store.reading_settings(caller.scope).await?)
}

/// Changes the provider's reading settings (the store checks them).
#[tracing::instrument(skip_all)]
pub async fn save_settings(
    store: &Store,
    caller: &Caller,
    settings: ReadingSettings,
) -> Result<(), Failure> {
    caller.require(Permission::ConfigureProvider)?;
    Ok(store
        .save_reading_settings(caller.scope, &caller.actor, settings)
        .await?)
}
