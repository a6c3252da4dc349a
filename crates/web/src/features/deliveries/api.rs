//! Result deliveries over JSON: where each letter and GP message is, previews, re-issue,
//! the failsafe list, print batches and the daily count.

use super::app::{self, DeliveryDetail, Preview};
use crate::api::{ApiCaller, ApiJson, Problem};
use crate::http::extract::IdPath;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use domain::ids::ParticipantId;
use serde::Deserialize;
use store::{DeliveryRecord, FailsafeItem, FieldError, PrintBatch, Reconciliation};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

type ApiResult<T> = Result<T, Problem>;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(participant_deliveries))
        .routes(routes!(detail))
        .routes(routes!(letter))
        .routes(routes!(gp_message))
        .routes(routes!(reissue))
        .routes(routes!(resolve))
        .routes(routes!(retry))
        .routes(routes!(failsafe))
        .routes(routes!(gp_messages))
        .routes(routes!(print_batches, make_print_batch))
        .routes(routes!(reconciliation))
}

/// A PDF document.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct Pdf(#[allow(dead_code)] Vec<u8>);

/// A FHIR R4 message bundle: the GP message as sent (its resources are FHIR's own).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct FhirBundle {
    #[schema(rename = "resourceType")]
    resource_type: String,
    id: String,
    #[schema(rename = "type")]
    kind: String,
    timestamp: String,
    entry: Vec<FhirEntry>,
}

/// One resource of the bundle: MessageHeader, DiagnosticReport, Observation, Patient or
/// Organization.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct FhirEntry {
    #[schema(rename = "fullUrl")]
    full_url: String,
    resource: serde_json::Value,
}

/// Why the letter is sent again.
#[derive(Deserialize, ToSchema)]
pub struct ReissueRequest {
    pub reason: String,
}

/// What was done instead (posted to the practice, telephoned).
#[derive(Deserialize, ToSchema)]
pub struct ResolveRequest {
    pub note: String,
}

/// Every letter and GP message of the participant's results, newest first.
#[utoipa::path(get, path = "/participants/{id}/deliveries", params(("id" = Uuid, Path)), responses(
    (status = 200, body = Vec<DeliveryRecord>),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
pub async fn participant_deliveries(
    State(state): State<AppState>,
    caller: ApiCaller,
    IdPath(id): IdPath<ParticipantId>,
) -> ApiResult<Json<Vec<DeliveryRecord>>> {
    Ok(Json(
        app::participant_deliveries(&state.store, &caller.caller(), id).await?,
    ))
}

/// One letter or GP message and its history.
#[utoipa::path(get, path = "/deliveries/{id}", params(("id" = Uuid, Path)), responses(
    (status = 200, body = DeliveryDetail),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
pub async fn detail(
    State(state): State<AppState>,
    caller: ApiCaller,
    IdPath(id): IdPath,
) -> ApiResult<Json<DeliveryDetail>> {
    Ok(Json(app::detail(&state.store, &caller.caller(), id).await?))
}

/// The participant's letter as it is printed (a tagged PDF). Audited as a preview.
#[utoipa::path(get, path = "/deliveries/{id}/letter", params(("id" = Uuid, Path)), responses(
    (status = 200, description = "The letter", body = Pdf, content_type = "application/pdf"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
pub async fn letter(
    State(state): State<AppState>,
    caller: ApiCaller,
    IdPath(id): IdPath,
) -> ApiResult<Response> {
    let pdf = app::preview(&state.store, &caller.caller(), id, Preview::Letter).await?;
    Ok(([(header::CONTENT_TYPE, "application/pdf")], pdf).into_response())
}

/// The GP message as it is sent: a FHIR R4 message bundle with the letter attached.
/// Audited as a preview.
#[utoipa::path(get, path = "/deliveries/{id}/gp-message", params(("id" = Uuid, Path)), responses(
    (status = 200, description = "The FHIR message bundle", body = FhirBundle, content_type = "application/fhir+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
pub async fn gp_message(
    State(state): State<AppState>,
    caller: ApiCaller,
    IdPath(id): IdPath,
) -> ApiResult<Response> {
    let body = app::preview(&state.store, &caller.caller(), id, Preview::GpMessage).await?;
    Ok(([(header::CONTENT_TYPE, "application/fhir+json")], body).into_response())
}

/// Re-issues a letter: a new letter of the same result, in the next print batch, with the
/// reason. Audited.
#[utoipa::path(post, path = "/deliveries/{id}/reissue", params(("id" = Uuid, Path)), request_body = ReissueRequest, responses(
    (status = 201, body = DeliveryRecord),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
pub async fn reissue(
    State(state): State<AppState>,
    caller: ApiCaller,
    IdPath(id): IdPath,
    ApiJson(req): ApiJson<ReissueRequest>,
) -> ApiResult<(axum::http::StatusCode, Json<DeliveryRecord>)> {
    let d = app::reissue(&state.store, &caller.caller(), id, &req.reason).await?;
    Ok((axum::http::StatusCode::CREATED, Json(d)))
}

/// Resolves a failsafe item by other means, with a note. Audited.
#[utoipa::path(post, path = "/deliveries/{id}/resolve", params(("id" = Uuid, Path)), request_body = ResolveRequest, responses(
    (status = 200, body = DeliveryRecord),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
pub async fn resolve(
    State(state): State<AppState>,
    caller: ApiCaller,
    IdPath(id): IdPath,
    ApiJson(req): ApiJson<ResolveRequest>,
) -> ApiResult<Json<DeliveryRecord>> {
    Ok(Json(
        app::resolve(&state.store, &caller.caller(), id, &req.note).await?,
    ))
}

/// Sends a failed or undeliverable GP message again. Audited.
#[utoipa::path(post, path = "/deliveries/{id}/retry", params(("id" = Uuid, Path)), responses(
    (status = 200, body = DeliveryRecord),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json"),
))]
pub async fn retry(
    State(state): State<AppState>,
    caller: ApiCaller,
    IdPath(id): IdPath,
) -> ApiResult<Json<DeliveryRecord>> {
    Ok(Json(app::retry(&state.store, &caller.caller(), id).await?))
}

/// The failsafe list: failed and undeliverable deliveries, GP messages not acknowledged
/// in time, and deliveries not made in as long. Oldest first.
#[utoipa::path(get, path = "/results/failsafe", responses(
    (status = 200, body = Vec<FailsafeItem>),
))]
pub async fn failsafe(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> ApiResult<Json<Vec<FailsafeItem>>> {
    Ok(Json(
        app::failsafe(
            &state.store,
            &caller.caller(),
            state.config.results.ack_days,
        )
        .await?,
    ))
}

/// The GP messages, newest first (at most 200): with no MESH set up, the local outbox.
#[utoipa::path(get, path = "/results/gp-messages", responses(
    (status = 200, body = Vec<DeliveryRecord>),
))]
pub async fn gp_messages(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> ApiResult<Json<Vec<DeliveryRecord>>> {
    Ok(Json(
        app::gp_messages(&state.store, &caller.caller()).await?,
    ))
}

/// The print batches, newest first.
#[utoipa::path(get, path = "/print-batches", responses(
    (status = 200, body = Vec<PrintBatch>),
))]
pub async fn print_batches(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> ApiResult<Json<Vec<PrintBatch>>> {
    Ok(Json(
        app::print_batches(&state.store, &caller.caller()).await?,
    ))
}

/// Makes the print batch now (otherwise made daily). 201 with the batch, or 204 when no
/// letters are due.
#[utoipa::path(post, path = "/print-batches", responses(
    (status = 201, body = PrintBatch),
    (status = 204, description = "No letters are due"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
))]
pub async fn make_print_batch(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> ApiResult<Response> {
    Ok(
        match app::make_print_batch(&state.store, &caller.caller(), &state.config.results).await? {
            Some(b) => (axum::http::StatusCode::CREATED, Json(b)).into_response(),
            None => axum::http::StatusCode::NO_CONTENT.into_response(),
        },
    )
}

/// The day of the count.
#[derive(Deserialize, IntoParams)]
pub struct DayQuery {
    /// YYYY-MM-DD (London); today if left out.
    pub date: Option<String>,
}

/// The daily count that reconciles: results issued that day, their letters and GP
/// messages by state, and how many have none at all (always 0 unless something is wrong).
#[utoipa::path(get, path = "/results/reconciliation", params(DayQuery), responses(
    (status = 200, body = Reconciliation),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
pub async fn reconciliation(
    State(state): State<AppState>,
    caller: ApiCaller,
    Query(q): Query<DayQuery>,
) -> ApiResult<Json<Reconciliation>> {
    let date = match q.date.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        None => state.today(),
        Some(d) => time::Date::parse(d, time::macros::format_description!("[year]-[month]-[day]"))
            .map_err(|_| {
                Problem::invalid(vec![FieldError::new(
                    "date",
                    "Enter a date as YYYY-MM-DD, for example 2026-12-07".to_owned(),
                )])
            })?,
    };
    Ok(Json(
        app::reconciliation(&state.store, &caller.caller(), date).await?,
    ))
}
