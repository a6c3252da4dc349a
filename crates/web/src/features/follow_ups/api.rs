//! Follow-up requests over JSON: the office's lists, one request and its status, booking
//! it, the failsafe list, and the office's settings.

use super::app::{self, BookFollowUp, SetStatus};
use crate::api::{ApiCaller, ApiJson, Problem};
use crate::http::extract::IdPath;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use domain::Permission;
use domain::follow_up::{FollowUpKind, FollowUpState};
use domain::ids::{AppointmentId, ClinicId, FollowUpId};
use serde::{Deserialize, Serialize};
use store::{BookableSlot, FollowUp, FollowUpDetail, OfficeSettings};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

type ApiResult<T> = Result<T, Problem>;

/// Free slots a request can be booked into.
#[derive(Serialize, ToSchema)]
pub struct BookableSlots {
    pub follow_up_id: FollowUpId,
    /// In date and time order, at most 40, in upcoming clinics of the type the request is
    /// booked into (screening for recalls and reschedules, assessment for referrals).
    pub slots: Vec<BookableSlot>,
}

/// Where to book a request.
#[derive(Deserialize, ToSchema)]
pub struct BookingRequest {
    pub clinic_id: ClinicId,
    pub slot_id: Uuid,
}

/// The appointment a request was booked into.
#[derive(Serialize, ToSchema)]
pub struct Booked {
    pub follow_up_id: FollowUpId,
    pub appointment_id: AppointmentId,
}

/// Free slots a follow-up request can be booked into.
#[utoipa::path(get, path = "/follow-ups/{id}/slots", params(("id" = Uuid, Path)), responses(
    (status = 200, body = BookableSlots),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
pub async fn slots(
    State(state): State<AppState>,
    caller: ApiCaller,
    IdPath(id): IdPath<FollowUpId>,
) -> ApiResult<Json<BookableSlots>> {
    let (_, slots) = app::slots_for(&state.store, &caller.caller(), id, state.today()).await?;
    Ok(Json(BookableSlots {
        follow_up_id: id,
        slots,
    }))
}

/// Book a follow-up request (a technical recall, more images, an assessment referral, a
/// reschedule) into a clinic slot. The appointment belongs to the request's own episode;
/// a recall asks only for the views requested. The request moves to booked, then to done
/// when she attends, or back to open (and onto the failsafe list) if she does not.
#[utoipa::path(post, path = "/follow-ups/{id}/booking", params(("id" = Uuid, Path)), request_body = BookingRequest, responses(
    (status = 201, body = Booked),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
pub async fn book(
    State(state): State<AppState>,
    caller: ApiCaller,
    IdPath(id): IdPath<FollowUpId>,
    ApiJson(req): ApiJson<BookingRequest>,
) -> ApiResult<(StatusCode, Json<Booked>)> {
    let appointment_id = app::book(
        &state.store,
        &caller.caller(),
        BookFollowUp {
            follow_up_id: id,
            clinic_id: req.clinic_id,
            slot_id: req.slot_id,
        },
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(Booked {
            follow_up_id: id,
            appointment_id,
        }),
    ))
}

/// The failsafe list: technical recalls, recalls for more images and assessment referrals
/// whose booked appointment the participant did not attend, open again, oldest first.
#[utoipa::path(get, path = "/follow-ups/failsafe", responses((status = 200, body = Vec<FollowUp>)))]
pub async fn failsafe(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> ApiResult<Json<Vec<FollowUp>>> {
    Ok(Json(app::failsafe(&state.store, &caller.caller()).await?))
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

/// The kind and the states a list query asks for, and whether only overdue ones.
fn list_filter(q: &FollowUpQuery) -> ApiResult<(FollowUpKind, Vec<FollowUpState>, bool)> {
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
    Ok((kind, states, overdue_only))
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
    // Refused before the query is looked at.
    caller.require(Permission::ViewRecords)?;
    let (kind, states, overdue_only) = list_filter(&q)?;
    let list = app::requests(&state.store, &caller.caller(), kind, &states).await?;
    let today = state.today();
    Ok(Json(
        list.requests
            .into_iter()
            .map(|f| {
                let age = app::age_of(&f, today, list.overdue_days);
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
    IdPath(id): IdPath<FollowUpId>,
) -> ApiResult<Json<FollowUpDetail>> {
    Ok(Json(app::detail(&state.store, &caller.caller(), id).await?))
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
    IdPath(id): IdPath<FollowUpId>,
    ApiJson(req): ApiJson<FollowUpStatusRequest>,
) -> ApiResult<Json<FollowUpDetail>> {
    let cmd = SetStatus {
        follow_up_id: id,
        to: req.status,
        reason: req.reason,
    };
    Ok(Json(
        app::set_status(&state.store, &caller.caller(), cmd).await?,
    ))
}

/// The office's settings: when an open follow-up request is overdue.
#[utoipa::path(get, path = "/office/settings", responses((status = 200, body = OfficeSettings)))]
pub async fn get_office_settings(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> ApiResult<Json<OfficeSettings>> {
    Ok(Json(app::settings(&state.store, &caller.caller()).await?))
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
    Ok(Json(
        app::set_settings(&state.store, &caller.caller(), &req).await?,
    ))
}

/// The follow-up routes, each with its OpenAPI entry.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(slots))
        .routes(routes!(book))
        .routes(routes!(failsafe))
        .routes(routes!(follow_ups))
        .routes(routes!(get_follow_up))
        .routes(routes!(set_follow_up_status))
        .routes(routes!(get_office_settings, put_office_settings))
}
