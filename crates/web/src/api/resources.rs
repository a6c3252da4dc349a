//! The appointment resources over JSON: booking, one appointment, and its status actions.

use super::ApiCaller;
use super::problem::{ApiJson, Problem};
use crate::http::extract::IdPath;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use domain::ids::AppointmentId;
use domain::{AppointmentAction, AppointmentStatus, Permission};
use serde::{Deserialize, Serialize};
use store::{AppointmentDetail, NewAppointment};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

type ApiResult<T> = Result<T, Problem>;

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
    Ok((StatusCode::CREATED, Json(Created { id: id.into() })))
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
    IdPath(id): IdPath<AppointmentId>,
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
    pub id: domain::ids::AppointmentId,
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
    IdPath(id): IdPath<AppointmentId>,
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
    IdPath(id): IdPath<AppointmentId>,
    ApiJson(req): ApiJson<ActionRequest>,
) -> ApiResult<Json<StatusResult>> {
    act(&state, &caller, id, req.action, req.expected_version).await
}

async fn act(
    state: &AppState,
    caller: &ApiCaller,
    id: domain::ids::AppointmentId,
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

/// Appointments: each route with its OpenAPI entry. (The clinic and participant reads are
/// in their features; these belong with the appointment workflow.)
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(book_appointment))
        .routes(routes!(get_appointment))
        .routes(routes!(check_in))
        .routes(routes!(appointment_action))
}
