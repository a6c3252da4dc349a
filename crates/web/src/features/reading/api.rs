//! Image reading's JSON adapter: every action a reader or the office takes in the reading
//! pages, each route declared with its OpenAPI entry. Readers need the Reader role and a
//! token of their own (a system token has no person to record as the reader).

use super::app;
use crate::api::{ApiCaller, ApiJson, Problem};
use crate::application::Caller;
use crate::http::extract::IdPath;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use domain::Permission;
use domain::ids::{CaseId, ClinicId, ParticipantId};
use domain::reading::{
    ArbitrationDecision, Opinion, Period, PriorsStatus, ReadingState, SessionKind,
};
use serde::{Deserialize, Serialize};
use store::{
    CaseDetail, CaseHold, EpisodeSummary, FollowUp, MammographerStats, OverdueCase, ReadRecorded,
    ReaderStats, ReadingCase, ReadingCounts, ReadingSession, ReadingSettings,
};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

fn invalid(field: &str, message: &str) -> Problem {
    Problem::invalid_fields(vec![(field.to_owned(), message.to_owned())])
}

fn person(caller: &ApiCaller) -> Result<Uuid, Problem> {
    caller.0.user_id.ok_or_else(|| {
        Problem::new(
            StatusCode::FORBIDDEN,
            "person-required",
            "A person's token is needed",
            Some("Reading is recorded against a person: use a user's API token.".to_owned()),
        )
    })
}

/// The caller of a reader's use case: refused unless they may read images, then unless
/// the token is a person's, in that order.
fn reader(caller: &ApiCaller) -> Result<Caller, Problem> {
    caller.require(Permission::ReadImages)?;
    person(caller)?;
    Ok(caller.caller())
}

#[derive(Deserialize, IntoParams)]
pub struct CasesQuery {
    /// awaiting_first_read (default), awaiting_second_read, awaiting_finalisation,
    /// awaiting_arbitration or concluded.
    state: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CaseView {
    #[serde(flatten)]
    pub case: ReadingCase,
    /// on_time, due_soon, urgent or overdue, against the provider's reading window.
    pub due: String,
}

/// Reading cases in one state, oldest screening first.
#[utoipa::path(get, path = "/reading/cases", params(CasesQuery), responses(
    (status = 200, body = Vec<CaseView>),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
pub async fn cases(
    State(state): State<AppState>,
    caller: ApiCaller,
    Query(q): Query<CasesQuery>,
) -> Result<Json<Vec<CaseView>>, Problem> {
    caller.require(Permission::ViewRecords)?;
    let reading_state = match q.state.as_deref() {
        None => ReadingState::AwaitingFirstRead,
        Some(s) => s.parse().map_err(|_| {
            invalid(
                "state",
                "Must be awaiting_first_read, awaiting_second_read, awaiting_finalisation, awaiting_arbitration or concluded",
            )
        })?,
    };
    let window = state.store.reading_settings(caller.scope()).await?.window();
    let today = state.today();
    let cases = state
        .store
        .reading_cases(caller.scope(), reading_state, 500)
        .await?;
    Ok(Json(
        cases
            .into_iter()
            .map(|case| CaseView {
                due: window.status(case.screened_on, today).as_str().to_owned(),
                case,
            })
            .collect(),
    ))
}

/// The reader dashboard's counts, for the caller.
#[utoipa::path(get, path = "/reading/dashboard", responses((status = 200, body = ReadingCounts)))]
pub async fn dashboard(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<ReadingCounts>, Problem> {
    caller.require(Permission::ViewRecords)?;
    let me = caller.0.user_id.unwrap_or_default();
    Ok(Json(
        state
            .store
            .reading_counts(caller.scope(), me, state.today())
            .await?,
    ))
}

/// Every case past its reading window without a result (deferred and awaiting priors ones
/// included), oldest screening first, with who holds it.
#[utoipa::path(get, path = "/reading/overdue", responses((status = 200, body = Vec<OverdueCase>)))]
pub async fn overdue(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<Vec<OverdueCase>>, Problem> {
    Ok(Json(
        app::overdue(&state.store, &caller.caller(), state.today()).await?,
    ))
}

/// One case as the caller may see it (the 1st opinion hidden while blinded).
#[utoipa::path(get, path = "/reading/cases/{id}", params(("id" = Uuid, Path)), responses(
    (status = 200, body = CaseDetail),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
pub async fn get_case(
    State(state): State<AppState>,
    caller: ApiCaller,
    IdPath(id): IdPath<CaseId>,
) -> Result<Json<CaseDetail>, Problem> {
    Ok(Json(app::case(&state.store, &caller.caller(), id).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct NewSession {
    /// first_reads, second_reads, custom, clinic or arbitration.
    kind: String,
    /// 10, 25 or 50.
    size: u8,
    /// For a clinic session.
    clinic_id: Option<ClinicId>,
}

#[derive(Serialize, ToSchema)]
pub struct Created {
    id: Uuid,
}

/// Starts a reading session (ending the caller's previous one).
#[utoipa::path(post, path = "/reading/sessions", request_body = NewSession, responses(
    (status = 201, body = Created),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
pub async fn start_session(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(body): ApiJson<NewSession>,
) -> Result<(StatusCode, Json<Created>), Problem> {
    let as_reader = reader(&caller)?;
    let kind: SessionKind = body.kind.parse().map_err(|_| {
        invalid(
            "kind",
            "Must be first_reads, second_reads, custom, clinic or arbitration",
        )
    })?;
    let size = domain::reading::parse_session_size(&body.size.to_string())
        .map_err(|e| invalid(&e.field, &e.message))?;
    let cmd = app::StartSession {
        kind,
        size,
        clinic_id: body.clinic_id,
    };
    let id = app::start_session(&state.store, &as_reader, cmd).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// One of the caller's sessions.
#[utoipa::path(get, path = "/reading/sessions/{id}", params(("id" = Uuid, Path)), responses((status = 200, body = ReadingSession)))]
pub async fn get_session(
    State(state): State<AppState>,
    caller: ApiCaller,
    IdPath(id): IdPath,
) -> Result<Json<ReadingSession>, Problem> {
    caller.require(Permission::ReadImages)?;
    let me = person(&caller)?;
    Ok(Json(
        state.store.reading_session(caller.scope(), me, id).await?,
    ))
}

#[derive(Serialize, ToSchema)]
pub struct NextCase {
    /// The case to read now; null when the session is complete.
    case_id: Option<CaseId>,
}

/// The next case of the session: the one the caller has open, or the oldest they can
/// read that nobody else has open.
#[utoipa::path(post, path = "/reading/sessions/{id}/next", params(("id" = Uuid, Path)), responses((status = 200, body = NextCase)))]
pub async fn next_case(
    State(state): State<AppState>,
    caller: ApiCaller,
    IdPath(id): IdPath,
) -> Result<Json<NextCase>, Problem> {
    let case_id = app::next_case(&state.store, &reader(&caller)?, id).await?;
    Ok(Json(NextCase { case_id }))
}

/// Ends the session (the open case, if any, is skipped).
#[utoipa::path(post, path = "/reading/sessions/{id}/finish", params(("id" = Uuid, Path)), responses((status = 204)))]
pub async fn finish_session(
    State(state): State<AppState>,
    caller: ApiCaller,
    IdPath(id): IdPath,
) -> Result<StatusCode, Problem> {
    app::finish_session(&state.store, &reader(&caller)?, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct Finalised {
    /// How many reads became final.
    reads: usize,
}

/// Makes every pending read of the caller's final now.
#[utoipa::path(post, path = "/reading/finalise", responses((status = 200, body = Finalised)))]
pub async fn finalise(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<Finalised>, Problem> {
    let reads = app::finalise(&state.store, &reader(&caller)?).await?;
    Ok(Json(Finalised { reads }))
}

#[derive(Deserialize, ToSchema)]
pub struct NewRead {
    session_id: Option<Uuid>,
    /// `{"opinion": "normal"}`, `{"opinion": "technical_recall", "views": [{"view":
    /// "rmlo", "reason": "breast_positioning", "details": ""}]}`, and so on. A normal
    /// opinion ("normal" or "normal_with_details") of a participant with significant
    /// symptoms needs `"symptoms_acknowledged": true`, or it is refused (422, field
    /// `symptoms_acknowledged`).
    opinion: Opinion,
}

/// Records the caller's opinion of a case (a new read, or a change to their own read
/// while it is not yet final: with blind reading the other opinion is shown only once the
/// caller's read is final, so a read is never changed after seeing it).
#[utoipa::path(post, path = "/reading/cases/{id}/reads", params(("id" = Uuid, Path)), request_body = NewRead, responses(
    (status = 201, body = ReadRecorded),
    (status = 409, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
pub async fn record_read(
    State(state): State<AppState>,
    caller: ApiCaller,
    IdPath(id): IdPath<CaseId>,
    ApiJson(body): ApiJson<NewRead>,
) -> Result<(StatusCode, Json<ReadRecorded>), Problem> {
    let cmd = app::RecordRead {
        session_id: body.session_id,
        case_id: id,
        opinion: body.opinion,
    };
    let recorded = app::record_read(&state.store, &reader(&caller)?, cmd).await?;
    Ok((StatusCode::CREATED, Json(recorded)))
}

#[derive(Deserialize, ToSchema)]
pub struct NewArbitrationBody {
    session_id: Option<Uuid>,
    /// Everyone else present (the caller is always an arbitrator).
    #[serde(default)]
    arbitrators: Vec<Uuid>,
    /// `{"decision": "agree_with_first"}`, `{"decision": "agree_with_second"}` or
    /// `{"decision": "other", "opinion": {...}}`.
    decision: ArbitrationDecision,
}

/// Records the arbitration of a case awaiting it.
#[utoipa::path(post, path = "/reading/cases/{id}/arbitration", params(("id" = Uuid, Path)), request_body = NewArbitrationBody, responses(
    (status = 201, body = ReadRecorded),
    (status = 409, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
pub async fn arbitrate(
    State(state): State<AppState>,
    caller: ApiCaller,
    IdPath(id): IdPath<CaseId>,
    ApiJson(body): ApiJson<NewArbitrationBody>,
) -> Result<(StatusCode, Json<ReadRecorded>), Problem> {
    let cmd = app::Arbitrate {
        session_id: body.session_id,
        case_id: id,
        arbitrators: body.arbitrators,
        decision: body.decision,
    };
    let recorded = app::arbitrate(&state.store, &reader(&caller)?, cmd).await?;
    Ok((StatusCode::CREATED, Json(recorded)))
}

#[derive(Deserialize, ToSchema)]
pub struct SessionRef {
    session_id: Uuid,
}

/// Skips a case in a session: it goes back to the queue and the session offers another.
#[utoipa::path(post, path = "/reading/cases/{id}/skip", params(("id" = Uuid, Path)), request_body = SessionRef, responses((status = 204)))]
pub async fn skip(
    State(state): State<AppState>,
    caller: ApiCaller,
    IdPath(id): IdPath<CaseId>,
    ApiJson(body): ApiJson<SessionRef>,
) -> Result<StatusCode, Problem> {
    app::skip(&state.store, &reader(&caller)?, body.session_id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct HoldBody {
    session_id: Option<Uuid>,
    /// Required to defer; optional for priors.
    #[serde(default)]
    reason: String,
}

/// Defers a case with a reason: no reading list offers it until the office unflags it.
#[utoipa::path(post, path = "/reading/cases/{id}/defer", params(("id" = Uuid, Path)), request_body = HoldBody, responses(
    (status = 204),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
pub async fn defer(
    State(state): State<AppState>,
    caller: ApiCaller,
    IdPath(id): IdPath<CaseId>,
    ApiJson(body): ApiJson<HoldBody>,
) -> Result<StatusCode, Problem> {
    let cmd = app::HoldCase {
        hold: app::Hold::Defer,
        session_id: body.session_id,
        case_id: id,
        reason: body.reason,
    };
    app::hold(&state.store, &reader(&caller)?, cmd).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Requests prior mammograms: the case is held until they are received or not available.
#[utoipa::path(post, path = "/reading/cases/{id}/priors", params(("id" = Uuid, Path)), request_body = HoldBody, responses((status = 204)))]
pub async fn request_priors(
    State(state): State<AppState>,
    caller: ApiCaller,
    IdPath(id): IdPath<CaseId>,
    ApiJson(body): ApiJson<HoldBody>,
) -> Result<StatusCode, Problem> {
    let cmd = app::HoldCase {
        hold: app::Hold::Priors,
        session_id: body.session_id,
        case_id: id,
        reason: body.reason,
    };
    app::hold(&state.store, &reader(&caller)?, cmd).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct PriorsStatusBody {
    /// requested, received, not_available or not_needed.
    status: String,
}

/// The office moves a case's priors on.
#[utoipa::path(put, path = "/reading/cases/{id}/priors-status", params(("id" = Uuid, Path)), request_body = PriorsStatusBody, responses(
    (status = 204),
    (status = 409, body = Problem, content_type = "application/problem+json"),
))]
pub async fn priors_status(
    State(state): State<AppState>,
    caller: ApiCaller,
    IdPath(id): IdPath<CaseId>,
    ApiJson(body): ApiJson<PriorsStatusBody>,
) -> Result<StatusCode, Problem> {
    caller.require(Permission::ManageAppointments)?;
    let to: PriorsStatus = body.status.parse().map_err(|_| {
        invalid(
            "status",
            "Must be requested, received, not_available or not_needed",
        )
    })?;
    app::set_priors_status(&state.store, &caller.caller(), id, to).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The office returns a deferred case to reading.
#[utoipa::path(post, path = "/reading/cases/{id}/unflag", params(("id" = Uuid, Path)), responses((status = 204)))]
pub async fn unflag(
    State(state): State<AppState>,
    caller: ApiCaller,
    IdPath(id): IdPath<CaseId>,
) -> Result<StatusCode, Problem> {
    app::unflag(&state.store, &caller.caller(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, IntoParams)]
pub struct HoldsQuery {
    /// deferred (default) or priors.
    kind: Option<String>,
}

/// Open deferrals or requests for priors, oldest first.
#[utoipa::path(get, path = "/reading/holds", params(HoldsQuery), responses((status = 200, body = Vec<CaseHold>)))]
pub async fn holds(
    State(state): State<AppState>,
    caller: ApiCaller,
    Query(q): Query<HoldsQuery>,
) -> Result<Json<Vec<CaseHold>>, Problem> {
    caller.require(Permission::ViewRecords)?;
    let kind = match q.kind.as_deref() {
        None | Some("deferred") => "deferred",
        Some("priors") => "priors",
        Some(_) => return Err(invalid("kind", "Must be deferred or priors")),
    };
    Ok(Json(
        app::holds(&state.store, &caller.caller(), kind).await?,
    ))
}

/// Every reading result that needs the office to act (appointments to book, referrals),
/// oldest first.
#[utoipa::path(get, path = "/reading/outcomes", responses((status = 200, body = Vec<FollowUp>)))]
pub async fn outcomes(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<Vec<FollowUp>>, Problem> {
    Ok(Json(app::outcomes(&state.store, &caller.caller()).await?))
}

#[derive(Deserialize, IntoParams)]
pub struct PerformanceQuery {
    /// 7, 28 (default) or 365 days.
    period: Option<String>,
    /// me (default) or office.
    who: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Performance {
    readers: Vec<ReaderStats>,
    mammographers: Vec<MammographerStats>,
}

/// Performance data for the caller, or for the whole office.
#[utoipa::path(get, path = "/reading/performance", params(PerformanceQuery), responses(
    (status = 200, body = Performance),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
pub async fn performance(
    State(state): State<AppState>,
    caller: ApiCaller,
    Query(q): Query<PerformanceQuery>,
) -> Result<Json<Performance>, Problem> {
    caller.require(Permission::ViewRecords)?;
    let period: Period = match q.period.as_deref() {
        None => Period::default(),
        Some(p) => p
            .parse()
            .map_err(|_| invalid("period", "Must be 7, 28 or 365"))?,
    };
    let who = match q.who.as_deref() {
        None | Some("me") => Some(person(&caller)?),
        Some("office") => None,
        Some(_) => return Err(invalid("who", "Must be me or office")),
    };
    let cmd = app::PerformanceOf {
        period,
        who,
        today: state.today(),
    };
    let (readers, mammographers) = app::performance(&state.store, &caller.caller(), cmd).await?;
    Ok(Json(Performance {
        readers,
        mammographers,
    }))
}

/// The provider's reading settings.
#[utoipa::path(get, path = "/reading/settings", responses((status = 200, body = ReadingSettings)))]
pub async fn get_settings(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<ReadingSettings>, Problem> {
    Ok(Json(app::settings(&state.store, &caller.caller()).await?))
}

/// Changes the provider's reading settings (Administrative role).
#[utoipa::path(put, path = "/reading/settings", request_body = ReadingSettings, responses(
    (status = 200, body = ReadingSettings),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
pub async fn put_settings(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(body): ApiJson<ReadingSettings>,
) -> Result<Json<ReadingSettings>, Problem> {
    app::save_settings(&state.store, &caller.caller(), body).await?;
    Ok(Json(body))
}

/// The participant's screening episodes with their results and history.
#[utoipa::path(get, path = "/participants/{id}/episodes", params(("id" = Uuid, Path)), responses((status = 200, body = Vec<EpisodeSummary>), (status = 404, description = "No such participant at the caller's provider")))]
pub async fn participant_episodes(
    State(state): State<AppState>,
    caller: ApiCaller,
    IdPath(id): IdPath<ParticipantId>,
) -> Result<Json<Vec<EpisodeSummary>>, Problem> {
    caller.require(Permission::ViewRecords)?;
    // Another provider's participant, or nobody: 404 (from the store), and no view is
    // recorded.
    let episodes = state.store.participant_episodes(caller.scope(), id).await?;
    state
        .store
        .record_view(&caller.actor(), "participant_episodes", id, Some(id))
        .await?;
    Ok(Json(episodes))
}

/// Image reading: each route with its OpenAPI entry.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(cases))
        .routes(routes!(dashboard))
        .routes(routes!(get_case))
        .routes(routes!(record_read))
        .routes(routes!(arbitrate))
        .routes(routes!(skip))
        .routes(routes!(defer))
        .routes(routes!(request_priors))
        .routes(routes!(priors_status))
        .routes(routes!(unflag))
        .routes(routes!(start_session))
        .routes(routes!(get_session))
        .routes(routes!(next_case))
        .routes(routes!(finish_session))
        .routes(routes!(finalise))
        .routes(routes!(holds))
        .routes(routes!(outcomes))
        .routes(routes!(overdue))
        .routes(routes!(performance))
        .routes(routes!(get_settings, put_settings))
        .routes(routes!(participant_episodes))
}
