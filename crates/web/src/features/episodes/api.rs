//! Episodes over JSON: the participant's timeline, closing an episode and correcting its
//! end code.

use super::app::{self, EndEpisode};
use crate::api::{ApiCaller, ApiJson, Problem};
use crate::http::extract::IdPath;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use domain::end_code::EndCode;
use domain::ids::{EpisodeId, ParticipantId};
use serde::{Deserialize, Serialize};
use store::{EpisodeEnd, Timeline};
use time::Date;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

type ApiResult<T> = Result<T, Problem>;

/// An end code with the reason for it.
#[derive(Deserialize, ToSchema)]
pub struct EndCodeRequest {
    pub end_code: EndCode,
    /// Why (required).
    pub reason: String,
}

/// The episode as it ended.
#[derive(Serialize, ToSchema)]
pub struct EpisodeEnded {
    pub episode_id: EpisodeId,
    pub end_code: EndCode,
    /// When she is next due for a test (none: not invited).
    #[schema(value_type = Option<String>, format = Date)]
    pub next_test_due: Option<Date>,
}

/// The participant's whole pathway: every episode with its appointments, image reading,
/// follow-up requests, outcome, end code and next test due.
#[utoipa::path(get, path = "/participants/{id}/timeline", params(("id" = Uuid, Path)), responses(
    (status = 200, body = Timeline),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
pub async fn timeline(
    State(state): State<AppState>,
    caller: ApiCaller,
    IdPath(id): IdPath<ParticipantId>,
) -> ApiResult<Json<Timeline>> {
    Ok(Json(
        app::timeline(&state.store, &caller.caller(), id).await?,
    ))
}

async fn end(
    state: &AppState,
    caller: &ApiCaller,
    episode_id: EpisodeId,
    how: EpisodeEnd,
    req: EndCodeRequest,
) -> ApiResult<Json<EpisodeEnded>> {
    let next_test_due = app::end_episode(
        &state.store,
        &caller.caller(),
        EndEpisode {
            episode_id,
            how,
            end_code: req.end_code,
            reason: &req.reason,
        },
    )
    .await?;
    Ok(Json(EpisodeEnded {
        episode_id,
        end_code: req.end_code,
        next_test_due,
    }))
}

/// Close an open episode that nobody will complete (did not attend, opted out, no
/// result), with a reason. Refused while an appointment is still to happen, and for end
/// codes set by the step that decides them (reading, assessment, ceasing).
#[utoipa::path(post, path = "/episodes/{id}/close", params(("id" = Uuid, Path)), request_body = EndCodeRequest, responses(
    (status = 200, body = EpisodeEnded),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
pub async fn close(
    State(state): State<AppState>,
    caller: ApiCaller,
    IdPath(id): IdPath<EpisodeId>,
    ApiJson(req): ApiJson<EndCodeRequest>,
) -> ApiResult<Json<EpisodeEnded>> {
    end(&state, &caller, id, EpisodeEnd::Close, req).await
}

/// Correct a closed episode's end code, with a reason. The episode is not edited: the
/// correction is a new entry in its history and supersedes the old end code (results and
/// reports take the latest).
#[utoipa::path(post, path = "/episodes/{id}/end-code", params(("id" = Uuid, Path)), request_body = EndCodeRequest, responses(
    (status = 200, body = EpisodeEnded),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
pub async fn correct(
    State(state): State<AppState>,
    caller: ApiCaller,
    IdPath(id): IdPath<EpisodeId>,
    ApiJson(req): ApiJson<EndCodeRequest>,
) -> ApiResult<Json<EpisodeEnded>> {
    end(&state, &caller, id, EpisodeEnd::Correct, req).await
}

/// The episode routes, each with its OpenAPI entry.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(timeline))
        .routes(routes!(close))
        .routes(routes!(correct))
}
