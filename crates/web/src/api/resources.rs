//! API handlers: parse, check the caller's permission, call the store, return JSON.

use super::ApiCaller;
use super::problem::{ApiJson, Problem};
use crate::http::extract::IdPath;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use domain::{AppointmentAction, AppointmentStatus, ClinicTab, Permission};
use serde::{Deserialize, Serialize};
use store::{
    AppointmentDetail, ClinicAppointmentRow, ClinicSummary, NewAppointment, NewParticipant,
    Participant, ParticipantAppointment, TabCounts,
};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

type ApiResult<T> = Result<T, Problem>;

#[derive(Deserialize, IntoParams)]
pub struct ClinicListQuery {
    /// today, upcoming, completed or all (default today).
    tab: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ClinicList {
    pub tab: String,
    pub counts: TabCounts,
    pub clinics: Vec<ClinicSummary>,
}

/// List clinics under one tab of the clinic list, with the count for every tab.
#[utoipa::path(get, path = "/clinics", params(ClinicListQuery), responses(
    (status = 200, body = ClinicList),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
pub async fn list_clinics(
    State(state): State<AppState>,
    caller: ApiCaller,
    Query(q): Query<ClinicListQuery>,
) -> ApiResult<Json<ClinicList>> {
    caller.require(Permission::ViewRecords)?;
    let tab = match q.tab.as_deref() {
        None => ClinicTab::Today,
        Some(t) => t.parse().map_err(|_| {
            Problem::invalid(vec![store::FieldError::new(
                "tab",
                "Must be one of today, upcoming, completed, all",
            )])
        })?,
    };
    let today = state.today();
    let counts = state.store.clinic_tab_counts(caller.scope(), today).await?;
    let clinics = state.store.clinics(caller.scope(), tab, today).await?;
    Ok(Json(ClinicList {
        tab: tab.as_str().to_owned(),
        counts,
        clinics,
    }))
}

/// One clinic.
#[utoipa::path(get, path = "/clinics/{id}", params(("id" = Uuid, Path)), responses(
    (status = 200, body = ClinicSummary),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
pub async fn get_clinic(
    State(state): State<AppState>,
    caller: ApiCaller,
    IdPath(id): IdPath,
) -> ApiResult<Json<ClinicSummary>> {
    caller.require(Permission::ViewRecords)?;
    Ok(Json(state.store.clinic(caller.scope(), id).await?))
}

/// A clinic's appointments, in slot order.
#[utoipa::path(get, path = "/clinics/{id}/appointments", params(("id" = Uuid, Path)), responses(
    (status = 200, body = Vec<ClinicAppointmentRow>),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
pub async fn clinic_appointments(
    State(state): State<AppState>,
    caller: ApiCaller,
    IdPath(id): IdPath,
) -> ApiResult<Json<Vec<ClinicAppointmentRow>>> {
    caller.require(Permission::ViewRecords)?;
    // One query; another provider's clinic is not found.
    Ok(Json(state.store.clinic_day(caller.scope(), id).await?.1))
}

#[derive(Serialize, ToSchema)]
pub struct Created {
    pub id: Uuid,
}

/// Book a participant into a free slot: opens a screening episode, or continues the
/// participant's open one (after did not attend, a cancellation, a recall); a second open
/// episode, or a second appointment still to happen, is refused on `participant_id`.
#[utoipa::path(post, path = "/appointments", request_body = NewAppointment, responses(
    (status = 201, body = Created),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
pub async fn book_appointment(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(new): ApiJson<NewAppointment>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    caller.require(Permission::ManageAppointments)?;
    let id = state
        .store
        .create_appointment(caller.scope(), &caller.actor(), new)
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// One appointment with its participant and status history. Recorded in the audit log as
/// a view of the participant's record.
#[utoipa::path(get, path = "/appointments/{id}", params(("id" = Uuid, Path)), responses(
    (status = 200, body = AppointmentDetail),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
pub async fn get_appointment(
    State(state): State<AppState>,
    caller: ApiCaller,
    IdPath(id): IdPath,
) -> ApiResult<Json<AppointmentDetail>> {
    caller.require(Permission::ViewRecords)?;
    let a = state.store.appointment(caller.scope(), id).await?;
    state
        .store
        .record_view(&caller.actor(), "appointment", a.id, Some(a.participant.id))
        .await?;
    Ok(Json(a))
}

#[derive(Serialize, ToSchema)]
pub struct StatusResult {
    pub id: Uuid,
    pub status: AppointmentStatus,
}

/// Check a participant in.
#[utoipa::path(post, path = "/appointments/{id}/check-in", params(("id" = Uuid, Path)), responses(
    (status = 200, body = StatusResult),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json"),
))]
pub async fn check_in(
    State(state): State<AppState>,
    caller: ApiCaller,
    IdPath(id): IdPath,
) -> ApiResult<Json<StatusResult>> {
    act(&state, &caller, id, AppointmentAction::CheckIn, None).await
}

#[derive(Deserialize, ToSchema)]
pub struct ActionRequest {
    /// check_in, start, pause, resume, revert_to_checked_in, screen, partially_screen,
    /// attended_not_screened, did_not_attend, cancel, request_reschedule,
    /// undo_did_not_attend, undo_cancel.
    #[schema(value_type = String, example = "start")]
    pub action: AppointmentAction,
    /// The version you last saw; the action is refused if the appointment changed since.
    pub expected_version: Option<i64>,
}

/// Apply any status action the caller's roles allow. A screen is recorded only by
/// completing the appointment (`/appointments/{id}/complete`): `screen` and
/// `partially_screen` are refused here with a 422 problem.
#[utoipa::path(post, path = "/appointments/{id}/actions", params(("id" = Uuid, Path)), request_body = ActionRequest, responses(
    (status = 200, body = StatusResult),
    (status = 422, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json"),
))]
pub async fn appointment_action(
    State(state): State<AppState>,
    caller: ApiCaller,
    IdPath(id): IdPath,
    ApiJson(req): ApiJson<ActionRequest>,
) -> ApiResult<Json<StatusResult>> {
    act(&state, &caller, id, req.action, req.expected_version).await
}

async fn act(
    state: &AppState,
    caller: &ApiCaller,
    id: Uuid,
    action: AppointmentAction,
    expected_version: Option<i64>,
) -> ApiResult<Json<StatusResult>> {
    caller.require(action.permission())?;
    action
        .requestable()
        .map_err(|e| store::StoreError::NotAllowed(e.0))?;
    let status = state
        .store
        .apply_action(
            caller.scope(),
            &caller.actor(),
            id,
            action,
            expected_version,
        )
        .await?;
    Ok(Json(StatusResult { id, status }))
}

#[derive(Deserialize, IntoParams)]
pub struct SearchQuery {
    /// Name or NHS number.
    q: Option<String>,
}

/// Find participants by name or NHS number.
#[utoipa::path(get, path = "/participants", params(SearchQuery), responses((status = 200, body = Vec<Participant>)))]
pub async fn search_participants(
    State(state): State<AppState>,
    caller: ApiCaller,
    Query(q): Query<SearchQuery>,
) -> ApiResult<Json<Vec<Participant>>> {
    caller.require(Permission::ViewRecords)?;
    Ok(Json(
        state
            .store
            .search_participants(caller.scope(), q.q.as_deref().unwrap_or_default(), 100)
            .await?,
    ))
}

/// Add a participant. Every invalid field is reported at once.
#[utoipa::path(post, path = "/participants", request_body = NewParticipant, responses(
    (status = 201, body = Participant),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
pub async fn create_participant(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(new): ApiJson<NewParticipant>,
) -> ApiResult<(StatusCode, Json<Participant>)> {
    caller.require(Permission::ManageAppointments)?;
    let p = state
        .store
        .create_participant(caller.scope(), &caller.actor(), new, state.today())
        .await?;
    Ok((StatusCode::CREATED, Json(p)))
}

/// One participant's record. Recorded in the audit log as a view.
#[utoipa::path(get, path = "/participants/{id}", params(("id" = Uuid, Path)), responses(
    (status = 200, body = Participant),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
pub async fn get_participant(
    State(state): State<AppState>,
    caller: ApiCaller,
    IdPath(id): IdPath,
) -> ApiResult<Json<Participant>> {
    caller.require(Permission::ViewRecords)?;
    let p = state.store.participant(caller.scope(), id).await?;
    state
        .store
        .record_view(&caller.actor(), "participant", p.id, Some(p.id))
        .await?;
    Ok(Json(p))
}

/// A participant's appointments with this provider, earliest first.
#[utoipa::path(get, path = "/participants/{id}/appointments", params(("id" = Uuid, Path)), responses(
    (status = 200, body = Vec<ParticipantAppointment>),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
pub async fn participant_appointments(
    State(state): State<AppState>,
    caller: ApiCaller,
    IdPath(id): IdPath,
) -> ApiResult<Json<Vec<ParticipantAppointment>>> {
    caller.require(Permission::ViewRecords)?;
    state.store.participant(caller.scope(), id).await?;
    Ok(Json(
        state
            .store
            .participant_appointments(caller.scope(), id)
            .await?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct SupportRequest {
    /// Each reason with the support needed; empty to record that no special appointment is
    /// needed any more.
    pub reasons: Vec<store::SupportNeed>,
    /// "Are any of these reasons temporary?" (required when there are reasons).
    pub temporary: Option<bool>,
}

/// Record why a participant needs a special appointment ("Why does {name} need additional
/// support?"), or clear it.
#[utoipa::path(put, path = "/participants/{id}/special-appointment", params(("id" = Uuid, Path)), request_body = SupportRequest, responses(
    (status = 200, body = Participant),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
pub async fn set_special_appointment(
    State(state): State<AppState>,
    caller: ApiCaller,
    IdPath(id): IdPath,
    ApiJson(req): ApiJson<SupportRequest>,
) -> ApiResult<Json<Participant>> {
    caller.require(Permission::CheckIn)?;
    if !req.reasons.is_empty() {
        let given: Vec<_> = req
            .reasons
            .iter()
            .map(|s| (s.reason, s.details.clone()))
            .collect();
        domain::medical::validate_support(&given, req.temporary).map_err(|errors| {
            Problem::invalid_fields(
                errors
                    .into_iter()
                    .map(|e| (e.field.into_owned(), e.message.into_owned()))
                    .collect(),
            )
        })?;
    }
    let p = state
        .store
        .set_support(
            caller.scope(),
            &caller.actor(),
            id,
            &req.reasons,
            req.temporary.unwrap_or(false),
        )
        .await?;
    Ok(Json(p))
}

/// Clinics, appointments and participants: each route with its OpenAPI entry.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_clinics))
        .routes(routes!(get_clinic))
        .routes(routes!(clinic_appointments))
        .routes(routes!(book_appointment))
        .routes(routes!(get_appointment))
        .routes(routes!(check_in))
        .routes(routes!(appointment_action))
        .routes(routes!(search_participants, create_participant))
        .routes(routes!(get_participant))
        .routes(routes!(participant_appointments))
        .routes(routes!(set_special_appointment))
}
