//! Assessment's JSON adapter: `GET/PUT /api/v1/appointments/{id}/assessment` and
//! `GET /api/v1/assessment/awaiting-pathology`, each declared with its OpenAPI entry.

use super::app;
use crate::api::{ApiCaller, ApiJson, Problem};
use crate::http::extract::IdPath;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use domain::assessment::AssessmentRecord;
use domain::ids::AppointmentId;
use serde::{Deserialize, Serialize};
use store::{AssessmentContext, AwaitingPathology};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The routes, with their OpenAPI entries.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_assessment, put_assessment))
        .routes(routes!(awaiting_pathology))
}

/// An assessment to record: what was done per breast, the outcome (tagged by `outcome`)
/// and the multidisciplinary meeting's outcome.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AssessmentRequest {
    /// The record's `version` as last read; omit for a first recording. Recording the
    /// pathology outcome after "Awaiting pathology" must send it.
    #[serde(default)]
    pub version: Option<i64>,
    #[serde(flatten)]
    pub record: AssessmentRecord,
}

/// The episodes whose assessment awaits pathology, longest waiting first.
#[derive(Debug, Serialize, ToSchema)]
pub struct AwaitingPathologyList {
    pub items: Vec<AwaitingPathologyItem>,
}

/// One episode awaiting pathology.
#[derive(Debug, Serialize, ToSchema)]
pub struct AwaitingPathologyItem {
    #[serde(flatten)]
    pub item: AwaitingPathology,
    /// Whole days since the assessment.
    pub days_waiting: i64,
}

/// An appointment's assessment: the record (null until one is recorded), the episode's
/// stage and end code, and why an assessment cannot be recorded now (null when it can).
#[utoipa::path(get, path = "/appointments/{id}/assessment", params(("id" = Uuid, Path)), responses(
    (status = 200, body = AssessmentContext),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
async fn get_assessment(
    State(state): State<AppState>,
    caller: ApiCaller,
    IdPath(id): IdPath<AppointmentId>,
) -> Result<Json<AssessmentContext>, Problem> {
    Ok(Json(app::view(&state.store, &caller.caller(), id).await?))
}

/// Records the assessment of an appointment in an assessment clinic (clinical users). A
/// final outcome closes the episode with its end code; "awaiting_pathology" keeps it at
/// assessment until the outcome is recorded again. Refused (422, nothing changed) for a
/// screening appointment, a participant not checked in, a closed episode, or invalid
/// answers (`errors` name the fields).
#[utoipa::path(put, path = "/appointments/{id}/assessment", params(("id" = Uuid, Path)),
    request_body = AssessmentRequest,
    responses(
        (status = 200, body = AssessmentContext),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
async fn put_assessment(
    State(state): State<AppState>,
    caller: ApiCaller,
    IdPath(id): IdPath<AppointmentId>,
    ApiJson(req): ApiJson<AssessmentRequest>,
) -> Result<Json<AssessmentContext>, Problem> {
    let cmd = app::RecordAssessment {
        appointment_id: id,
        record: req.record,
        version: req.version,
    };
    Ok(Json(
        app::record(&state.store, &caller.caller(), cmd).await?,
    ))
}

/// The office's "Awaiting pathology" list.
#[utoipa::path(get, path = "/assessment/awaiting-pathology", responses(
    (status = 200, body = AwaitingPathologyList),
))]
async fn awaiting_pathology(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<AwaitingPathologyList>, Problem> {
    let items = app::awaiting_pathology(&state.store, &caller.caller(), state.today())
        .await?
        .into_iter()
        .map(|w| AwaitingPathologyItem {
            item: w.item,
            days_waiting: w.days_waiting,
        })
        .collect();
    Ok(Json(AwaitingPathologyList { items }))
}
