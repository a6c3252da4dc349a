//! Participants over JSON: search, add, one participant, her appointments, and her special
//! appointment.

use super::app::{self, SetSupport};
use crate::api::{ApiCaller, ApiJson, Problem};
use crate::http::extract::IdPath;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use domain::ids::ParticipantId;
use serde::Deserialize;
use store::{NewParticipant, Participant, ParticipantAppointment};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

type ApiResult<T> = Result<T, Problem>;

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
    let query = q.q.as_deref().unwrap_or_default();
    Ok(Json(
        app::search(&state.store, &caller.caller(), query, 100).await?,
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
    let p = app::create(&state.store, &caller.caller(), new, state.today()).await?;
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
    IdPath(id): IdPath<ParticipantId>,
) -> ApiResult<Json<Participant>> {
    Ok(Json(app::view(&state.store, &caller.caller(), id).await?))
}

/// A participant's appointments with this provider, earliest first.
#[utoipa::path(get, path = "/participants/{id}/appointments", params(("id" = Uuid, Path)), responses(
    (status = 200, body = Vec<ParticipantAppointment>),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
pub async fn participant_appointments(
    State(state): State<AppState>,
    caller: ApiCaller,
    IdPath(id): IdPath<ParticipantId>,
) -> ApiResult<Json<Vec<ParticipantAppointment>>> {
    Ok(Json(
        app::appointments(&state.store, &caller.caller(), id).await?,
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
    IdPath(id): IdPath<ParticipantId>,
    ApiJson(req): ApiJson<SupportRequest>,
) -> ApiResult<Json<Participant>> {
    let cmd = SetSupport {
        participant_id: id,
        clear: req.reasons.is_empty(),
        reasons: req.reasons,
        temporary: req.temporary,
    };
    Ok(Json(
        app::set_support(&state.store, &caller.caller(), cmd).await?,
    ))
}

/// The participant routes, each with its OpenAPI entry.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(search_participants, create_participant))
        .routes(routes!(get_participant))
        .routes(routes!(participant_appointments))
        .routes(routes!(set_special_appointment))
}
