//! Clinics over JSON.

use super::app;
use crate::api::{ApiCaller, ApiJson, Problem};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use store::{ClinicSummary, NewClinic};
use utoipa_axum::{router::OpenApiRouter, routes};

/// Set up a clinic (screening or assessment) at one of the provider's sites, with
/// `slot_count` slots of `slot_minutes` from `starts_at`.
#[utoipa::path(post, path = "/clinics", request_body = NewClinic, responses(
    (status = 201, body = ClinicSummary),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
pub async fn create(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(new): ApiJson<NewClinic>,
) -> Result<(StatusCode, Json<ClinicSummary>), Problem> {
    let clinic = app::create(&state.store, &caller.caller(), new).await?;
    Ok((StatusCode::CREATED, Json(clinic)))
}

/// The clinic routes, each with its OpenAPI entry.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create))
}
