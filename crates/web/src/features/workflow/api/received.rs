//! The automatic image flow of an appointment over JSON: the images a gateway sent,
//! "Confirm all images received", and "Switch to manual image mode".

use super::require_step;
use crate::api::{ApiCaller, ApiJson, Problem};
use crate::features::workflow::app::{Step, images};
use crate::http::extract::IdPath;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use domain::Permission;
use domain::ids::AppointmentId;
use serde::{Deserialize, Serialize};
use store::ImageCapture;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

type ApiResult<T> = Result<T, Problem>;

/// An appointment's automatic image capture (the write that makes the images step
/// reachable issues the worklist item): the gateway, the worklist item, the
/// performed step, the images received and what they add up to.
#[derive(Serialize, ToSchema)]
pub struct CaptureView {
    #[serde(flatten)]
    pub capture: ImageCapture,
    /// Whether the automatic flow applies (a gateway serves the room, not switched to
    /// manual).
    pub automatic: bool,
    /// Counted images per view ("RCC": 1, ...), other views and unlabelled images.
    pub counts: CaptureCounts,
    /// Total organ (mean glandular) dose of the counted images (mGy), when every one reported it.
    pub total_organ_dose_mgy: Option<f64>,
}

/// The images received, counted.
#[derive(Serialize, ToSchema)]
pub struct CaptureCounts {
    /// Counted images per standard view that has any ("RCC": 1, ...).
    pub views: std::collections::BTreeMap<String, i64>,
    /// Images of other (non-standard) views, by view.
    pub other_views: std::collections::BTreeMap<String, i64>,
    /// Images the gateway could not label with a view.
    pub unlabelled: i64,
    pub total: i64,
}

fn capture_view(capture: ImageCapture) -> CaptureView {
    let c = capture.counts();
    let counts = CaptureCounts {
        views: c
            .counts
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(v, n)| (v.label().to_owned(), i64::from(n)))
            .collect(),
        other_views: c
            .other
            .iter()
            .map(|(v, n)| (v.clone(), i64::from(*n)))
            .collect(),
        unlabelled: c.unlabelled.into(),
        total: c.total.into(),
    };
    CaptureView {
        automatic: capture.automatic(),
        total_organ_dose_mgy: images::total_dose(&capture.images),
        counts,
        capture,
    }
}

/// The automatic image capture of an appointment.
#[utoipa::path(get, path = "/appointments/{id}/received-images", params(("id" = Uuid, Path)), responses(
    (status = 200, body = CaptureView),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
pub async fn received_images(
    State(state): State<AppState>,
    caller: ApiCaller,
    IdPath(id): IdPath<AppointmentId>,
) -> ApiResult<Json<CaptureView>> {
    caller.require(Permission::ViewRecords)?;
    let wf = state.store.workflow(caller.scope(), id).await?;
    // Only reads: the worklist item is issued by the write that makes the images step
    // reachable (ADR 19).
    let capture = state
        .store
        .image_capture(caller.scope(), wf.appointment.id, wf.room.as_ref())
        .await?;
    Ok(Json(capture_view(capture)))
}

#[derive(Deserialize, ToSchema)]
pub struct ConfirmRequest {
    /// The appointment version you last saw.
    pub expected_version: i64,
}

#[derive(Serialize, ToSchema)]
pub struct Confirmed {
    pub version: i64,
    pub total_images: u16,
    /// Views with 2 or more images: answer whether the additional images were repeats
    /// with `PUT /appointments/{id}/images` (the record's `repeats`).
    pub views_needing_repeats: Vec<String>,
}

/// "Confirm all images received": records the counts per view from the images received
/// (the image recording method becomes Automatic). Needs the appointment's room set.
#[utoipa::path(post, path = "/appointments/{id}/images/confirm-received", params(("id" = Uuid, Path)), request_body = ConfirmRequest, responses(
    (status = 200, body = Confirmed),
    (status = 409, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
pub async fn confirm_received(
    State(state): State<AppState>,
    caller: ApiCaller,
    IdPath(id): IdPath<AppointmentId>,
    ApiJson(req): ApiJson<ConfirmRequest>,
) -> ApiResult<Json<Confirmed>> {
    caller.require(Permission::RunAppointment)?;
    let wf = state.store.workflow(caller.scope(), id).await?;
    require_step(&wf, Step::Images)?;
    let capture = state
        .store
        .image_capture(caller.scope(), wf.appointment.id, wf.room.as_ref())
        .await?;
    let record = images::record_from_capture(&wf, &capture)
        .map_err(|m| Problem::invalid_fields(vec![("images".to_owned(), m.to_owned())]))?;
    let (version, derivation) = images::save_record_as(
        &state.store,
        caller.scope(),
        &caller.actor(),
        &wf,
        &record,
        req.expected_version,
        Some(domain::gateway::RecordingMethod::Automatic),
    )
    .await?;
    Ok(Json(Confirmed {
        version,
        total_images: derivation.total_images,
        views_needing_repeats: record
            .views_needing_repeats()
            .into_iter()
            .map(|(v, _)| v.label().to_owned())
            .collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct ManualModeRequest {
    /// Why: "not_on_worklist", "different_participant", "wrong_number", "incorrect_labels",
    /// "gateway_not_connected" or "other".
    pub reason: String,
}

/// "Switch to manual image mode" for this appointment.
#[utoipa::path(post, path = "/appointments/{id}/images/manual-mode", params(("id" = Uuid, Path)), request_body = ManualModeRequest, responses(
    (status = 204),
    (status = 409, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
pub async fn manual_mode(
    State(state): State<AppState>,
    caller: ApiCaller,
    IdPath(id): IdPath<AppointmentId>,
    ApiJson(req): ApiJson<ManualModeRequest>,
) -> ApiResult<StatusCode> {
    caller.require(Permission::RunAppointment)?;
    let reason = images::ManualReason::parse(&req.reason).ok_or_else(|| {
        Problem::invalid_fields(vec![(
            "reason".to_owned(),
            "must be one of the reasons listed".to_owned(),
        )])
    })?;
    let wf = state.store.workflow(caller.scope(), id).await?;
    require_step(&wf, Step::Images)?;
    state
        .store
        .switch_to_manual(
            caller.scope(),
            &caller.actor(),
            wf.appointment.id,
            reason.as_str(),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The automatic image flow: each route with its OpenAPI entry.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(received_images))
        .routes(routes!(confirm_received))
        .routes(routes!(manual_mode))
}
