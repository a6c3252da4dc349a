//! API for ending appointments and closing clinics: the same calls the pages make.

use super::ApiCaller;
use super::problem::{ApiJson, Problem};
use crate::http::extract::IdPath;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Query, State};
use domain::ending::CloseGroup;
use domain::follow_up::{FollowUpKind, FollowUpState};
use domain::{AppointmentStatus, Permission};
use serde::{Deserialize, Serialize};
use store::{FollowUp, FollowUpDetail, OfficeSettings};
use utoipa::{IntoParams, ToSchema};
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

/// The close page's bulk actions: mark every checked-in participant not yet screened as
/// attended not screened, or everyone who did not check in as did not attend.
#[utoipa::path(post, path = "/clinics/{id}/close/bulk", params(("id" = Uuid, Path)), request_body = BulkRequest, responses(
    (status = 200, body = BulkResult),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
pub async fn bulk(
    State(state): State<AppState>,
    caller: ApiCaller,
    IdPath(id): IdPath,
    ApiJson(req): ApiJson<BulkRequest>,
) -> ApiResult<Json<BulkResult>> {
    caller.require(Permission::ManageAppointments)?;
    let group: Option<CloseGroup> = req.group.parse().ok();
    let (from, action) = match group.and_then(|g| g.bulk_action().map(|a| (g, a))) {
        Some((CloseGroup::CheckedInNotScreened, a)) => (AppointmentStatus::CheckedIn, a),
        Some((CloseGroup::DidNotCheckIn, a)) => (AppointmentStatus::Scheduled, a),
        _ => {
            return Err(Problem::invalid_fields(vec![(
                "group".to_owned(),
                "Must be checked_in_not_screened or did_not_check_in".to_owned(),
            )]));
        }
    };
    let changed = state
        .store
        .bulk_action(caller.scope(), &caller.actor(), id, from, action)
        .await?;
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
    IdPath(id): IdPath,
) -> ApiResult<axum::http::StatusCode> {
    caller.require(Permission::ManageAppointments)?;
    state
        .store
        .close_clinic(caller.scope(), &caller.actor(), id)
        .await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

#[derive(Deserialize, IntoParams)]
pub struct FollowUpQuery {
    /// more_images (default), reschedule, technical_recall, assessment_referral or opt_out.
    kind: Option<String>,
    /// open (default), booked, done, cancelled, active (open and booked), or overdue (open
    /// past the office's threshold).
    status: Option<String>,
}

/// A follow-up request as listed: how long an open one has been open and whether it is
/// overdue (after the office's `follow_up_overdue_days`).
#[derive(Serialize, ToSchema)]
pub struct FollowUpItem {
    #[serde(flatten)]
    pub request: FollowUp,
    /// Whole days since it was raised (open requests only).
    pub open_days: Option<i64>,
    pub overdue: bool,
}

/// Follow-up requests for the office, oldest first.
#[utoipa::path(get, path = "/follow-ups", params(FollowUpQuery), responses(
    (status = 200, body = Vec<FollowUpItem>),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
pub async fn follow_ups(
    State(state): State<AppState>,
    caller: ApiCaller,
    Query(q): Query<FollowUpQuery>,
) -> ApiResult<Json<Vec<FollowUpItem>>> {
    caller.require(Permission::ViewRecords)?;
    let kind = match q.kind.as_deref() {
        None => FollowUpKind::MoreImages,
        Some(k) => k.parse().map_err(|_| {
            Problem::invalid_fields(vec![(
                "kind".to_owned(),
                "Must be more_images, reschedule, technical_recall, assessment_referral or opt_out"
                    .to_owned(),
            )])
        })?,
    };
    let overdue_only = q.status.as_deref() == Some("overdue");
    let states: Vec<FollowUpState> = match q.status.as_deref() {
        None | Some("overdue") => vec![FollowUpState::Open],
        Some("active") => vec![FollowUpState::Open, FollowUpState::Booked],
        Some(s) => vec![s.parse().map_err(|_| {
            Problem::invalid_fields(vec![(
                "status".to_owned(),
                "Must be open, booked, done, cancelled, active or overdue".to_owned(),
            )])
        })?],
    };
    let settings = state.store.office_settings(caller.scope()).await?;
    let today = state.today();
    Ok(Json(
        state
            .store
            .follow_ups_in(caller.scope(), kind, &states)
            .await?
            .into_iter()
            .map(|f| {
                let age = crate::pages::office::age_of(&f, today, settings.follow_up_overdue_days);
                FollowUpItem {
                    open_days: age.as_ref().map(|a| a.days),
                    overdue: age.is_some_and(|a| a.overdue),
                    request: f,
                }
            })
            .filter(|item| !overdue_only || item.overdue)
            .collect(),
    ))
}

/// One follow-up request with every move it has made.
#[utoipa::path(get, path = "/follow-ups/{id}", params(("id" = Uuid, Path)), responses(
    (status = 200, body = FollowUpDetail),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
pub async fn get_follow_up(
    State(state): State<AppState>,
    caller: ApiCaller,
    IdPath(id): IdPath,
) -> ApiResult<Json<FollowUpDetail>> {
    caller.require(Permission::ViewRecords)?;
    Ok(Json(state.store.follow_up(caller.scope(), id).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct FollowUpStatusRequest {
    /// booked, done or cancelled.
    #[schema(value_type = String, example = "booked")]
    pub status: FollowUpState,
    /// Why (required when cancelling).
    #[serde(default)]
    pub reason: String,
}

/// Mark a follow-up request booked, done, or cancelled with a reason. Allowed moves: open to
/// booked, done or cancelled; booked to done or cancelled.
#[utoipa::path(post, path = "/follow-ups/{id}/status", params(("id" = Uuid, Path)), request_body = FollowUpStatusRequest, responses(
    (status = 200, body = FollowUpDetail),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
pub async fn set_follow_up_status(
    State(state): State<AppState>,
    caller: ApiCaller,
    IdPath(id): IdPath,
    ApiJson(req): ApiJson<FollowUpStatusRequest>,
) -> ApiResult<Json<FollowUpDetail>> {
    caller.require(Permission::ManageAppointments)?;
    state
        .store
        .set_follow_up_status(caller.scope(), &caller.actor(), id, req.status, &req.reason)
        .await?;
    Ok(Json(state.store.follow_up(caller.scope(), id).await?))
}

/// The office's settings: when an open follow-up request is overdue.
#[utoipa::path(get, path = "/office/settings", responses((status = 200, body = OfficeSettings)))]
pub async fn get_office_settings(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> ApiResult<Json<OfficeSettings>> {
    caller.require(Permission::ViewRecords)?;
    Ok(Json(state.store.office_settings(caller.scope()).await?))
}

/// Change the office's settings.
#[utoipa::path(put, path = "/office/settings", request_body = OfficeSettings, responses(
    (status = 200, body = OfficeSettings),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
pub async fn put_office_settings(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(req): ApiJson<OfficeSettings>,
) -> ApiResult<Json<OfficeSettings>> {
    caller.require(Permission::ConfigureProvider)?;
    state
        .store
        .set_office_settings(caller.scope(), &caller.actor(), &req)
        .await?;
    Ok(Json(state.store.office_settings(caller.scope()).await?))
}

/// Endings, clinic closing and follow-ups: each route with its OpenAPI entry.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(close))
        .routes(routes!(bulk))
        .routes(routes!(follow_ups))
        .routes(routes!(get_follow_up))
        .routes(routes!(set_follow_up_status))
        .routes(routes!(get_office_settings, put_office_settings))
}
