//! The screening status JSON API, under `/api/v1/participants/{id}/...`.

use super::app::{self, StatusCommand};
use crate::api::ApiJson;
use crate::api::{ApiCaller, Problem};
use crate::http::extract::IdPath;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use domain::ceasing::{Cease, CeaseReason, DeferAnswers, DeferralReason, VhrAnswers, VhrBasis};
use domain::ids::ParticipantId;
use serde::Deserialize;
use store::ScreeningStatusRecord;
use time::Date;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

type ApiResult<T> = Result<T, Problem>;

/// The routes, each with its OpenAPI entry.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_status))
        .routes(routes!(cease))
        .routes(routes!(reinstate))
        .routes(routes!(defer))
        .routes(routes!(set_very_high_risk, remove_very_high_risk))
        .routes(routes!(mri_referral))
}

/// "Cease from routine screening".
#[derive(Debug, Deserialize, ToSchema)]
pub struct CeaseRequest {
    pub reason: Option<CeaseReason>,
    /// Informed choice: the day the signed form was received (required for it).
    #[schema(value_type = Option<String>, format = Date)]
    #[serde(default)]
    pub signed_form_received_on: Option<Date>,
    /// Best interests decision: who decided (required for it).
    #[serde(default)]
    pub decided_by: String,
    #[serde(default)]
    pub details: String,
}

/// A change that needs only a reason in words.
#[derive(Debug, Deserialize, ToSchema, IntoParams)]
pub struct ReasonRequest {
    /// Why (for a reinstatement, for example "Opt back in").
    #[serde(default)]
    pub reason: String,
}

/// "Defer".
#[derive(Debug, Deserialize, ToSchema)]
pub struct DeferRequest {
    pub reason: Option<DeferralReason>,
    /// Required for "other".
    #[serde(default)]
    pub details: String,
    /// Not invited before this day: tomorrow to 12 months ahead.
    #[schema(value_type = Option<String>, format = Date)]
    #[serde(default)]
    pub until: Option<Date>,
}

/// "Mark as very high risk".
#[derive(Debug, Deserialize, ToSchema)]
pub struct VeryHighRiskRequest {
    pub basis: Option<VhrBasis>,
    /// Required for "other".
    #[serde(default)]
    pub details: String,
    /// The day her very high risk was confirmed (today or before).
    #[schema(value_type = Option<String>, format = Date)]
    #[serde(default)]
    pub confirmed_on: Option<Date>,
}

/// "Record MRI referral".
#[derive(Debug, Deserialize, ToSchema)]
pub struct MriReferralRequest {
    /// What the office is to arrange (the MRI service, timing in her cycle).
    #[serde(default)]
    pub details: String,
}

async fn run(
    state: &AppState,
    caller: &ApiCaller,
    id: ParticipantId,
    command: StatusCommand,
) -> ApiResult<Json<ScreeningStatusRecord>> {
    Ok(Json(
        app::change(&state.store, &caller.caller(), id, command).await?,
    ))
}

/// A participant's screening status (routine, ceased, deferred, under treatment; very high
/// risk) with its history. Recorded in the audit log as a view of her record.
#[utoipa::path(get, path = "/participants/{id}/screening-status", params(("id" = Uuid, Path)), responses(
    (status = 200, body = ScreeningStatusRecord),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
async fn get_status(
    State(state): State<AppState>,
    caller: ApiCaller,
    IdPath(id): IdPath<ParticipantId>,
) -> ApiResult<Json<ScreeningStatusRecord>> {
    let record = app::status(&state.store, &caller.caller(), id).await?;
    state
        .store
        .record_view(&caller.actor(), "participant", id, Some(id))
        .await?;
    Ok(Json(record))
}

/// Cease a participant from screening: no routine or very high risk booking until she is
/// reinstated. Closes her open episode ("Ceased from routine screening"); refused (422)
/// while an appointment of hers is booked or running.
#[utoipa::path(post, path = "/participants/{id}/screening-status/cease", params(("id" = Uuid, Path)), request_body = CeaseRequest, responses(
    (status = 200, body = ScreeningStatusRecord),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
async fn cease(
    State(state): State<AppState>,
    caller: ApiCaller,
    IdPath(id): IdPath<ParticipantId>,
    ApiJson(req): ApiJson<CeaseRequest>,
) -> ApiResult<Json<ScreeningStatusRecord>> {
    let command = StatusCommand::Cease(Cease {
        reason: req.reason,
        signed_form_received_on: req.signed_form_received_on,
        decided_by: req.decided_by,
        details: req.details,
    });
    run(&state, &caller, id, command).await
}

/// Reinstate a ceased, deferred or under-treatment participant, with a reason.
#[utoipa::path(post, path = "/participants/{id}/screening-status/reinstate", params(("id" = Uuid, Path)), request_body = ReasonRequest, responses(
    (status = 200, body = ScreeningStatusRecord),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
async fn reinstate(
    State(state): State<AppState>,
    caller: ApiCaller,
    IdPath(id): IdPath<ParticipantId>,
    ApiJson(req): ApiJson<ReasonRequest>,
) -> ApiResult<Json<ScreeningStatusRecord>> {
    run(
        &state,
        &caller,
        id,
        StatusCommand::Reinstate { reason: req.reason },
    )
    .await
}

/// Defer a participant's screening until a day (tomorrow to 12 months ahead).
#[utoipa::path(post, path = "/participants/{id}/screening-status/defer", params(("id" = Uuid, Path)), request_body = DeferRequest, responses(
    (status = 200, body = ScreeningStatusRecord),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
async fn defer(
    State(state): State<AppState>,
    caller: ApiCaller,
    IdPath(id): IdPath<ParticipantId>,
    ApiJson(req): ApiJson<DeferRequest>,
) -> ApiResult<Json<ScreeningStatusRecord>> {
    let command = StatusCommand::Defer(DeferAnswers {
        reason: req.reason,
        details: req.details,
        until: req.until,
    });
    run(&state, &caller, id, command).await
}

/// Mark a participant as very high risk: screened every year (book as very high risk).
#[utoipa::path(put, path = "/participants/{id}/screening-status/very-high-risk", params(("id" = Uuid, Path)), request_body = VeryHighRiskRequest, responses(
    (status = 200, body = ScreeningStatusRecord),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
async fn set_very_high_risk(
    State(state): State<AppState>,
    caller: ApiCaller,
    IdPath(id): IdPath<ParticipantId>,
    ApiJson(req): ApiJson<VeryHighRiskRequest>,
) -> ApiResult<Json<ScreeningStatusRecord>> {
    let command = StatusCommand::SetVeryHighRisk(VhrAnswers {
        basis: req.basis,
        details: req.details,
        confirmed_on: req.confirmed_on,
    });
    run(&state, &caller, id, command).await
}

/// Remove the very high risk flag, with a reason (query `reason`).
#[utoipa::path(delete, path = "/participants/{id}/screening-status/very-high-risk", params(("id" = Uuid, Path), ReasonRequest), responses(
    (status = 200, body = ScreeningStatusRecord),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
async fn remove_very_high_risk(
    State(state): State<AppState>,
    caller: ApiCaller,
    IdPath(id): IdPath<ParticipantId>,
    Query(req): Query<ReasonRequest>,
) -> ApiResult<Json<ScreeningStatusRecord>> {
    run(
        &state,
        &caller,
        id,
        StatusCommand::RemoveVeryHighRisk { reason: req.reason },
    )
    .await
}

/// Record an MRI referral for a very high risk participant: an open follow-up request of
/// kind `mri_referral` for the office.
#[utoipa::path(post, path = "/participants/{id}/screening-status/mri-referral", params(("id" = Uuid, Path)), request_body = MriReferralRequest, responses(
    (status = 201, body = ScreeningStatusRecord),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
async fn mri_referral(
    State(state): State<AppState>,
    caller: ApiCaller,
    IdPath(id): IdPath<ParticipantId>,
    ApiJson(req): ApiJson<MriReferralRequest>,
) -> ApiResult<(StatusCode, Json<ScreeningStatusRecord>)> {
    let command = StatusCommand::RecordMriReferral {
        details: req.details,
    };
    Ok((
        StatusCode::CREATED,
        run(&state, &caller, id, command).await?,
    ))
}
