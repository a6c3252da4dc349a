//! Results over JSON.

use super::app;
use crate::api::{ApiCaller, Problem};
use crate::http::extract::IdPath;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use store::ResultRecord;
use utoipa_axum::{router::OpenApiRouter, routes};

type ApiResult<T> = Result<T, Problem>;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(participant_results))
        .routes(routes!(queue))
}

/// Every version of the participant's results, newest first: what each says, its
/// plain-language summary and GP text, its coding, and whether it stands.
#[utoipa::path(get, path = "/participants/{id}/results", params(("id" = Uuid, Path)), responses(
    (status = 200, body = Vec<ResultRecord>),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
pub async fn participant_results(
    State(state): State<AppState>,
    caller: ApiCaller,
    IdPath(id): IdPath,
) -> ApiResult<Json<Vec<ResultRecord>>> {
    Ok(Json(
        app::participant_results(&state.store, &caller.caller(), id).await?,
    ))
}

/// The office's results queue: current results, newest first (at most 200).
#[utoipa::path(get, path = "/results", responses(
    (status = 200, body = Vec<ResultRecord>),
))]
pub async fn queue(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> ApiResult<Json<Vec<ResultRecord>>> {
    Ok(Json(app::queue(&state.store, &caller.caller()).await?))
}
