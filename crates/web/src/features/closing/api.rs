//! Clinic closing over JSON: the close page's bulk actions and closing the clinic.

use super::app;
use crate::api::{ApiCaller, ApiJson, Problem};
use crate::http::extract::IdPath;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use domain::Permission;
use domain::ending::CloseGroup;
use domain::ids::ClinicId;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

type ApiResult<T> = Result<T, Problem>;

#[derive(Deserialize, ToSchema)]
pub struct BulkRequest {
    /// checked_in_not_screened or did_not_check_in
    pub group: String,
}

#[derive(Serialize, ToSchema)]
pub struct BulkResult {
    pub changed: usize,
}

fn not_a_bulk_group() -> Problem {
    Problem::invalid_fields(vec![(
        "group".to_owned(),
        "Must be checked_in_not_screened or did_not_check_in".to_owned(),
    )])
}

/// The close page's bulk actions: mark every checked-in participant not yet screened as
/// attended not screened, or everyone who did not check in as did not attend.
#[utoipa::path(post, path = "/clinics/{id}/close/bulk", params(("id" = Uuid, Path)), request_body = BulkRequest, responses(
    (status = 200, body = BulkResult),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
pub async fn bulk(
    State(state): State<AppState>,
    caller: ApiCaller,
    IdPath(id): IdPath<ClinicId>,
    ApiJson(req): ApiJson<BulkRequest>,
) -> ApiResult<Json<BulkResult>> {
    // Refused before the body is looked at, as the other writes are.
    caller.require(Permission::ManageAppointments)?;
    let group: CloseGroup = req.group.parse().map_err(|_| not_a_bulk_group())?;
    let changed = app::mark_all(&state.store, &caller.caller(), id, group)
        .await?
        .ok_or_else(not_a_bulk_group)?;
    Ok(Json(BulkResult { changed }))
}

/// Close a clinic. Refused while any participant has no final outcome, or an attended not
/// screened has no reasons recorded.
#[utoipa::path(post, path = "/clinics/{id}/close", params(("id" = Uuid, Path)), responses(
    (status = 204),
    (status = 409, body = Problem, content_type = "application/problem+json"),
))]
pub async fn close(
    State(state): State<AppState>,
    caller: ApiCaller,
    IdPath(id): IdPath<ClinicId>,
) -> ApiResult<StatusCode> {
    app::close(&state.store, &caller.caller(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The clinic closing routes, each with its OpenAPI entry.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(close))
        .routes(routes!(bulk))
}
