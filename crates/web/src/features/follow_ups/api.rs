//! Follow-up booking over JSON.

use super::app::{self, BookFollowUp};
use crate::api::{ApiCaller, ApiJson, Problem};
use crate::http::extract::IdPath;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use store::{BookableSlot, FollowUp};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

type ApiResult<T> = Result<T, Problem>;

/// Free slots a request can be booked into.
#[derive(Serialize, ToSchema)]
pub struct BookableSlots {
    pub follow_up_id: Uuid,
    /// In date and time order, at most 40, in upcoming clinics of the type the request is
    /// booked into (screening for recalls and reschedules, assessment for referrals).
    pub slots: Vec<BookableSlot>,
}

/// Where to book a request.
#[derive(Deserialize, ToSchema)]
pub struct BookingRequest {
    pub clinic_id: Uuid,
    pub slot_id: Uuid,
}

/// The appointment a request was booked into.
#[derive(Serialize, ToSchema)]
pub struct Booked {
    pub follow_up_id: Uuid,
    pub appointment_id: Uuid,
}

/// Free slots a follow-up request can be booked into.
#[utoipa::path(get, path = "/follow-ups/{id}/slots", params(("id" = Uuid, Path)), responses(
    (status = 200, body = BookableSlots),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
pub async fn slots(
    State(state): State<AppState>,
    caller: ApiCaller,
    IdPath(id): IdPath,
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
    IdPath(id): IdPath,
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

/// The follow-up booking routes, each with its OpenAPI entry.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(slots))
        .routes(routes!(book))
        .routes(routes!(failsafe))
}
