//! Ending an appointment over JSON: complete, cannot proceed, discard, cancel, and the
//! reasons of one already attended not screened.

use super::{Saved, VersionedRequest, require_step};
use crate::api::{ApiCaller, ApiJson, Problem};
use crate::features::workflow::app::{self, Step};
use crate::http::extract::IdPath;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use domain::ending::{AttendedNotScreened, Cancellation};
use domain::ids::AppointmentId;
use domain::{AppointmentStatus, Permission};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

type ApiResult<T> = Result<T, Problem>;

fn invalid(errors: Vec<domain::ending::FieldError>) -> Problem {
    Problem::invalid_fields(
        errors
            .into_iter()
            .map(|e| (e.field.into_owned(), e.message.into_owned()))
            .collect(),
    )
}

#[derive(Serialize, ToSchema)]
pub struct Ended {
    pub id: AppointmentId,
    pub status: AppointmentStatus,
}

#[derive(Deserialize, ToSchema)]
pub struct CannotProceedRequest {
    /// `{ "reasons": [["consent_withdrawn", "details"]], "reschedule": "within_6_weeks" }`
    pub answer: AttendedNotScreened,
    pub expected_version: i64,
}

/// "Appointment cannot proceed": end as attended not screened, with the reasons and the
/// reschedule decision (a reschedule request goes on the office's list). Refused once any
/// image has been taken.
#[utoipa::path(post, path = "/appointments/{id}/cannot-proceed", params(("id" = Uuid, Path)), request_body = CannotProceedRequest, responses(
    (status = 200, body = Ended),
    (status = 409, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
pub async fn cannot_proceed(
    State(state): State<AppState>,
    caller: ApiCaller,
    IdPath(id): IdPath<AppointmentId>,
    ApiJson(req): ApiJson<CannotProceedRequest>,
) -> ApiResult<Json<Ended>> {
    caller.require(Permission::RunAppointment)?;
    req.answer.validate().map_err(invalid)?;
    let status = state
        .store
        .finish_appointment(
            caller.scope(),
            &caller.actor(),
            id,
            req.expected_version,
            app::endings::attended_not_screened_finish(&req.answer),
        )
        .await?;
    Ok(Json(Ended { id, status }))
}

#[derive(Deserialize, ToSchema)]
pub struct CancelRequest {
    /// `{ "reason": "unable_to_attend", "details": "", "reschedule": "more_than_6_weeks" }`
    pub cancellation: Cancellation,
    pub expected_version: i64,
}

/// Cancel a scheduled appointment, or request it be rescheduled, with the reason.
#[utoipa::path(post, path = "/appointments/{id}/cancel", params(("id" = Uuid, Path)), request_body = CancelRequest, responses(
    (status = 200, body = Ended),
    (status = 409, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
pub async fn cancel(
    State(state): State<AppState>,
    caller: ApiCaller,
    IdPath(id): IdPath<AppointmentId>,
    ApiJson(req): ApiJson<CancelRequest>,
) -> ApiResult<Json<Ended>> {
    caller.require(Permission::ManageAppointments)?;
    req.cancellation.validate().map_err(invalid)?;
    let finish =
        app::endings::cancellation_finish(&req.cancellation).ok_or_else(|| invalid(Vec::new()))?;
    let status = state
        .store
        .finish_appointment(
            caller.scope(),
            &caller.actor(),
            id,
            req.expected_version,
            finish,
        )
        .await?;
    Ok(Json(Ended { id, status }))
}

/// Record why an appointment already marked attended not screened did not proceed.
#[utoipa::path(post, path = "/appointments/{id}/attended-not-screened", params(("id" = Uuid, Path)), request_body = CannotProceedRequest, responses(
    (status = 200, body = Saved),
    (status = 409, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
pub async fn attended_not_screened_details(
    State(state): State<AppState>,
    caller: ApiCaller,
    IdPath(id): IdPath<AppointmentId>,
    ApiJson(req): ApiJson<CannotProceedRequest>,
) -> ApiResult<Json<Saved>> {
    caller.require(Permission::ManageAppointments)?;
    req.answer.validate().map_err(invalid)?;
    let version = state
        .store
        .record_ending_details(
            caller.scope(),
            &caller.actor(),
            id,
            &req.answer,
            req.expected_version,
        )
        .await?;
    Ok(Json(Saved { version }))
}

/// "Complete screening": ends the appointment as Screened or Partially screened from the
/// saved images record, with the IR(ME)R exposure record, and a recall request for the
/// office when the mammographer asked for more images.
#[utoipa::path(post, path = "/appointments/{id}/complete", params(("id" = Uuid, Path)), request_body = VersionedRequest, responses(
    (status = 200, body = Ended),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json"),
))]
pub async fn complete(
    State(state): State<AppState>,
    caller: ApiCaller,
    IdPath(id): IdPath<AppointmentId>,
    ApiJson(req): ApiJson<VersionedRequest>,
) -> ApiResult<Json<Ended>> {
    caller.require(Permission::RunAppointment)?;
    let wf = state.store.workflow(caller.scope(), id).await?;
    require_step(&wf, Step::Check)?;
    let mut finish = app::endings::completion(&wf, &caller.0.name).map_err(|e| {
        Problem::new(
            axum::http::StatusCode::BAD_REQUEST,
            "cannot-complete",
            "The appointment cannot be completed",
            Some(e.to_string()),
        )
    })?;
    app::images::add_received_doses(&state.store, caller.scope(), &wf, &mut finish).await?;
    let status = state
        .store
        .finish_appointment(
            caller.scope(),
            &caller.actor(),
            id,
            req.expected_version,
            finish,
        )
        .await?;
    Ok(Json(Ended { id, status }))
}

/// "Discard changes and revert status to 'Checked in'": only before any image is taken,
/// by the mammographer running the appointment. The step answers are removed (the audit
/// log keeps them).
#[utoipa::path(post, path = "/appointments/{id}/discard", params(("id" = Uuid, Path)), request_body = VersionedRequest, responses(
    (status = 200, body = Ended),
    (status = 409, body = Problem, content_type = "application/problem+json"),
))]
pub async fn discard(
    State(state): State<AppState>,
    caller: ApiCaller,
    IdPath(id): IdPath<AppointmentId>,
    ApiJson(req): ApiJson<VersionedRequest>,
) -> ApiResult<Json<Ended>> {
    caller.require(Permission::RunAppointment)?;
    let status = state
        .store
        .discard_and_revert(caller.scope(), &caller.actor(), id, req.expected_version)
        .await?;
    Ok(Json(Ended { id, status }))
}

/// The endings: each route with its OpenAPI entry.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(cannot_proceed))
        .routes(routes!(cancel))
        .routes(routes!(complete))
        .routes(routes!(discard))
        .routes(routes!(attended_not_screened_details))
}
