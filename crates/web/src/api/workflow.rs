//! API for running a screening appointment: the same calls the workflow pages make.

use super::ApiCaller;
use super::problem::{ApiJson, Problem};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use domain::Permission;
use serde::{Deserialize, Serialize};
use store::{Note, Workflow};
use utoipa::ToSchema;
use uuid::Uuid;

type ApiResult<T> = Result<T, Problem>;

fn parse_id(s: &str) -> ApiResult<Uuid> {
    Uuid::parse_str(s).map_err(|_| Problem::not_found())
}

/// The new version after a save: send it with the next change.
#[derive(Serialize, ToSchema)]
pub struct Saved {
    pub version: i64,
}

/// Everything recorded so far in an appointment's workflow.
#[utoipa::path(get, path = "/appointments/{id}/workflow", params(("id" = Uuid, Path)), responses(
    (status = 200, body = Workflow),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
pub async fn get_workflow(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<Workflow>> {
    caller.require(Permission::ViewRecords)?;
    let wf = state.store.workflow(caller.scope(), parse_id(&id)?).await?;
    state
        .store
        .record_view(
            &caller.actor(),
            "appointment",
            wf.appointment.id,
            Some(wf.appointment.participant.id),
        )
        .await?;
    Ok(Json(wf))
}

#[derive(Deserialize, ToSchema)]
pub struct VersionedRequest {
    /// The appointment version you last saw.
    pub expected_version: i64,
}

/// Step 1: confirm the participant's identity.
#[utoipa::path(post, path = "/appointments/{id}/identity", params(("id" = Uuid, Path)), request_body = VersionedRequest, responses(
    (status = 200, body = Saved),
    (status = 409, body = Problem, content_type = "application/problem+json"),
))]
pub async fn confirm_identity(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<VersionedRequest>,
) -> ApiResult<Json<Saved>> {
    caller.require(Permission::RunAppointment)?;
    let version = state
        .store
        .save_section(
            caller.scope(),
            &caller.actor(),
            parse_id(&id)?,
            store::SectionUpdate {
                section: "identity",
                data: &serde_json::json!({ "confirmed": true }),
                images_taken: None,
            },
            req.expected_version,
        )
        .await?;
    Ok(Json(Saved { version }))
}

#[derive(Deserialize, ToSchema)]
pub struct NoteRequest {
    pub note: String,
}

/// Add an appointment note.
#[utoipa::path(post, path = "/appointments/{id}/notes", params(("id" = Uuid, Path)), request_body = NoteRequest, responses(
    (status = 201, body = Note),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
pub async fn add_note(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<NoteRequest>,
) -> ApiResult<(axum::http::StatusCode, Json<Note>)> {
    caller.require(Permission::CheckIn)?;
    let note = state
        .store
        .add_note(caller.scope(), &caller.actor(), parse_id(&id)?, &req.note)
        .await?;
    Ok((axum::http::StatusCode::CREATED, Json(note)))
}

#[derive(Deserialize, ToSchema)]
pub struct RoomRequest {
    pub room_id: Uuid,
    pub expected_version: i64,
}

/// Set the room (and machine) the images are taken in; remembered for next time.
#[utoipa::path(put, path = "/appointments/{id}/room", params(("id" = Uuid, Path)), request_body = RoomRequest, responses(
    (status = 200, body = Saved),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
pub async fn set_room(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<RoomRequest>,
) -> ApiResult<Json<Saved>> {
    caller.require(Permission::RunAppointment)?;
    let version = state
        .store
        .set_room(
            caller.scope(),
            &caller.actor(),
            parse_id(&id)?,
            req.room_id,
            req.expected_version,
        )
        .await?;
    Ok(Json(Saved { version }))
}
