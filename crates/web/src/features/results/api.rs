//! Results over JSON.

use super::app;
use crate::api::{ApiCaller, ApiJson, Problem};
use crate::http::extract::IdPath;
use crate::state::AppState;
use axum::Json;
use axum::extract::Path;
use axum::extract::State;
use domain::ids::ParticipantId;
use domain::results::ResultKind;
use serde::Deserialize;
use store::{CodingChange, ResultCode, ResultCoding, ResultRecord};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

type ApiResult<T> = Result<T, Problem>;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(participant_results))
        .routes(routes!(queue))
        .routes(routes!(codings))
        .routes(routes!(set_coding))
}

/// A SNOMED CT concept: its id and its name.
#[derive(Deserialize, ToSchema)]
pub struct ConceptInput {
    pub code: String,
    pub display: String,
}

/// How a result kind is coded from now on: a finding and a procedure concept, each
/// optional (a result without a finding code travels as text).
#[derive(Deserialize, ToSchema)]
pub struct CodingRequest {
    #[serde(default)]
    pub finding: Option<ConceptInput>,
    #[serde(default)]
    pub procedure: Option<ConceptInput>,
}

fn concept(c: Option<ConceptInput>) -> Option<ResultCode> {
    c.map(|c| ResultCode {
        code: c.code,
        display: c.display,
    })
}

/// How every result kind is coded in GP messages (system administrators only).
#[utoipa::path(get, path = "/result-codes", responses(
    (status = 200, body = Vec<ResultCoding>),
    (status = 403, body = Problem, content_type = "application/problem+json"),
))]
pub async fn codings(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> ApiResult<Json<Vec<ResultCoding>>> {
    Ok(Json(app::codings(&state.store, &caller.caller()).await?))
}

/// Changes how one result kind is coded from now on (system administrators only,
/// audited). Each code must be a SNOMED CT concept id with a valid check digit, given
/// with its name. Results already issued keep their codes.
#[utoipa::path(put, path = "/result-codes/{kind}", params(("kind" = String, Path)), request_body = CodingRequest, responses(
    (status = 200, body = ResultCoding),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
pub async fn set_coding(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(kind): Path<String>,
    ApiJson(req): ApiJson<CodingRequest>,
) -> ApiResult<Json<ResultCoding>> {
    let kind: ResultKind = kind.parse().map_err(|_| Problem::not_found())?;
    let change = CodingChange {
        finding: concept(req.finding),
        procedure: concept(req.procedure),
    };
    Ok(Json(
        app::set_coding(&state.store, &caller.caller(), kind, change).await?,
    ))
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
    IdPath(id): IdPath<ParticipantId>,
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
