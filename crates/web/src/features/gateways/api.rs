//! Image gateways over JSON. The gateway protocol (ADR 11): `GET /gateway/worklist` and
//! `POST /gateway/events`, authenticated by a gateway's own token; and the staff API for
//! the gateways, quarantined images, detaching and discrepancies.

use super::app::{self, Settle};
use crate::api::{ApiCaller, ApiJson, Problem};
use crate::http::extract::IdPath;
use crate::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::ids::AppointmentId;
use serde::{Deserialize, Serialize};
use store::{
    DiscrepancyRecord, EventReceipt, GatewayEvent, GatewayPrincipal, GatewayStatus, ReceivedImage,
};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

type ApiResult<T> = Result<T, Problem>;

/// The gateway making a request, from its bearer token. Every request also reports the
/// gateway's queue depth (`X-Gateway-Queue-Depth`), recorded with the time of contact.
pub struct GatewayCaller(pub GatewayPrincipal);

impl FromRequestParts<AppState> for GatewayCaller {
    type Rejection = Problem;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = crate::api::bearer_token(parts)?;
        let gw = state
            .store
            .gateway_by_token(token)
            .await?
            .ok_or_else(Problem::unauthorized)?;
        let depth = parts
            .headers
            .get(gateway_protocol::QUEUE_DEPTH_HEADER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<i64>().ok())
            .unwrap_or(0);
        crate::telemetry::record_caller(Some(gw.provider_id), None);
        state.store.gateway_contact(&gw, depth).await?;
        Ok(GatewayCaller(gw))
    }
}

// The worklist query and answer are the protocol crate's types (ADR 11, "One crate").
pub use gateway_protocol::{WorklistPage, WorklistQuery};

/// For gateways: worklist items created or changed after `after`, oldest change first.
#[utoipa::path(get, path = "/gateway/worklist", params(WorklistQuery), responses(
    (status = 200, body = WorklistPage),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
), security(("gateway" = [])))]
pub async fn worklist(
    State(state): State<AppState>,
    GatewayCaller(gw): GatewayCaller,
    Query(q): Query<WorklistQuery>,
) -> ApiResult<Json<WorklistPage>> {
    let after = match q.after.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => Some(s.parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(|| {
            Problem::new(
                StatusCode::BAD_REQUEST,
                "bad-cursor",
                "The cursor is not one this service gave",
                None,
            )
        })?),
        None => None,
    };
    let wait =
        std::time::Duration::from_secs(q.wait.unwrap_or(0).min(gateway_protocol::MAX_WAIT_SECONDS));
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let (cursor, items) = state.store.worklist_changes(&gw, after).await?;
        if !items.is_empty() || after.is_none() || tokio::time::Instant::now() >= deadline {
            return Ok(Json(WorklistPage {
                cursor: cursor.to_string(),
                items: items.iter().map(Into::into).collect(),
            }));
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
}

/// For gateways: one event (image, mpps or echo). `201` stored, `200` already stored.
#[utoipa::path(post, path = "/gateway/events", request_body(content = GatewayEvent, description = "An event as ADR 11 describes"), responses(
    (status = 201, body = EventReceipt),
    (status = 200, body = EventReceipt),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
), security(("gateway" = [])))]
pub async fn events(
    State(state): State<AppState>,
    GatewayCaller(gw): GatewayCaller,
    body: Bytes,
) -> ApiResult<Response> {
    let value: serde_json::Value = serde_json::from_slice(&body).map_err(|e| {
        Problem::new(
            StatusCode::BAD_REQUEST,
            "malformed-json",
            "The request body could not be read",
            Some(e.to_string()),
        )
    })?;
    let event: GatewayEvent = serde_json::from_value(value)
        .map_err(|e| Problem::invalid_fields(vec![("event".to_owned(), e.to_string())]))?;
    let receipt = state.store.record_gateway_event(&gw, &event).await?;
    let status = if receipt.stored {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(receipt)).into_response())
}

// ---------------------------------------------------------------------------------------
// Staff: gateways, quarantine, discrepancies
// ---------------------------------------------------------------------------------------

/// The provider's gateways and their connection state.
#[utoipa::path(get, path = "/gateways", responses((status = 200, body = Vec<GatewayStatus>)))]
pub async fn gateways(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> ApiResult<Json<Vec<GatewayStatus>>> {
    Ok(Json(app::gateways(&state.store, &caller.caller()).await?))
}

/// Images in quarantine: received, not attached to any appointment.
#[utoipa::path(get, path = "/quarantined-images", responses((status = 200, body = Vec<ReceivedImage>)))]
pub async fn quarantined(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> ApiResult<Json<Vec<ReceivedImage>>> {
    Ok(Json(
        app::quarantined(&state.store, &caller.caller()).await?,
    ))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct DiscrepancyQuery {
    /// "open" (default) or "all".
    pub status: Option<String>,
}

/// Differences between the images recorded and the images received, for the office.
#[utoipa::path(get, path = "/image-discrepancies", params(DiscrepancyQuery), responses((status = 200, body = Vec<DiscrepancyRecord>)))]
pub async fn discrepancies(
    State(state): State<AppState>,
    caller: ApiCaller,
    Query(q): Query<DiscrepancyQuery>,
) -> ApiResult<Json<Vec<DiscrepancyRecord>>> {
    let open_only = q.status.as_deref() != Some("all");
    Ok(Json(
        app::discrepancies(&state.store, &caller.caller(), open_only).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct ResolveRequest {
    /// How it was resolved.
    pub resolution: String,
}

/// Resolves a discrepancy, recording who resolved it and how.
#[utoipa::path(post, path = "/image-discrepancies/{id}/resolve", params(("id" = Uuid, Path)), request_body = ResolveRequest, responses(
    (status = 204),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
pub async fn resolve(
    State(state): State<AppState>,
    caller: ApiCaller,
    IdPath(id): IdPath,
    ApiJson(req): ApiJson<ResolveRequest>,
) -> ApiResult<StatusCode> {
    app::resolve(&state.store, &caller.caller(), id, &req.resolution).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct SettleRequest {
    /// What was checked, and why the image belongs (or belongs to no appointment).
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct Settled {
    /// The appointment the image is now attached to (none when kept out of all records,
    /// or while the attachment waits for a second person).
    pub appointment_id: Option<AppointmentId>,
    /// The image's PatientID is not the participant's NHS number (or it was detached
    /// before as a different participant's): the attachment is asked for, and a different
    /// person must confirm it with `POST /quarantined-images/{id}/confirm-attach`.
    pub awaiting_confirmation: bool,
}

/// Attaches a quarantined image, deliberately, to the one appointment its
/// StudyInstanceUID or accession number names. Recorded with who, when and why. When the
/// image's PatientID is not the participant's NHS number, this only asks for the
/// attachment (202): a different person must confirm it.
#[utoipa::path(post, path = "/quarantined-images/{id}/attach", params(("id" = Uuid, Path)), request_body = SettleRequest, responses(
    (status = 200, body = Settled),
    (status = 202, body = Settled, description = "Asked for: a different person must confirm"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
pub async fn attach_quarantined(
    State(state): State<AppState>,
    caller: ApiCaller,
    IdPath(id): IdPath,
    ApiJson(req): ApiJson<SettleRequest>,
) -> ApiResult<(StatusCode, Json<Settled>)> {
    settle(state, caller, id, true, req.reason).await
}

/// The second person's check: confirms an attachment someone else asked for, recording
/// both. Refused (409) for the person who asked.
#[utoipa::path(post, path = "/quarantined-images/{id}/confirm-attach", params(("id" = Uuid, Path)), request_body = SettleRequest, responses(
    (status = 200, body = Settled),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
pub async fn confirm_attach_quarantined(
    State(state): State<AppState>,
    caller: ApiCaller,
    IdPath(id): IdPath,
    ApiJson(req): ApiJson<SettleRequest>,
) -> ApiResult<Json<Settled>> {
    let appointment_id =
        app::confirm_attachment(&state.store, &caller.caller(), id, &req.reason).await?;
    Ok(Json(Settled {
        appointment_id: Some(appointment_id),
        awaiting_confirmation: false,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct Detached {
    /// The appointment the image was taken off.
    pub appointment_id: AppointmentId,
}

/// "These are a different participant's images": takes an attached image off its
/// appointment and back into quarantine (it leaves the appointment's images, the reading
/// case's thumbnails and the counts). `reason` says why.
#[utoipa::path(post, path = "/received-images/{id}/detach", params(("id" = Uuid, Path)), request_body = SettleRequest, responses(
    (status = 200, body = Detached),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
pub async fn detach(
    State(state): State<AppState>,
    caller: ApiCaller,
    IdPath(id): IdPath,
    ApiJson(req): ApiJson<SettleRequest>,
) -> ApiResult<Json<Detached>> {
    let appointment_id = app::detach(&state.store, &caller.caller(), id, &req.reason).await?;
    Ok(Json(Detached { appointment_id }))
}

/// Keeps a quarantined image out of every record, saying why.
#[utoipa::path(post, path = "/quarantined-images/{id}/dismiss", params(("id" = Uuid, Path)), request_body = SettleRequest, responses(
    (status = 200, body = Settled),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
pub async fn dismiss_quarantined(
    State(state): State<AppState>,
    caller: ApiCaller,
    IdPath(id): IdPath,
    ApiJson(req): ApiJson<SettleRequest>,
) -> ApiResult<Json<Settled>> {
    Ok(settle(state, caller, id, false, req.reason).await?.1)
}

async fn settle(
    state: AppState,
    caller: ApiCaller,
    id: Uuid,
    attach: bool,
    reason: String,
) -> ApiResult<(StatusCode, Json<Settled>)> {
    let cmd = Settle {
        image_id: id,
        attach,
        reason,
    };
    let settled = app::settle(&state.store, &caller.caller(), cmd).await?;
    let waiting = settled == store::Settlement::AwaitingConfirmation;
    Ok((
        if waiting {
            StatusCode::ACCEPTED
        } else {
            StatusCode::OK
        },
        Json(Settled {
            appointment_id: settled.appointment_id(),
            awaiting_confirmation: waiting,
        }),
    ))
}

/// A received image's thumbnail (PNG or JPEG), within the caller's provider.
#[utoipa::path(get, path = "/received-images/{id}/thumbnail", params(("id" = Uuid, Path)), responses(
    (status = 200, description = "The thumbnail", body = Png, content_type = "image/png"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
pub async fn thumbnail(
    State(state): State<AppState>,
    caller: ApiCaller,
    IdPath(id): IdPath,
) -> ApiResult<Response> {
    let (media, bytes) = app::thumbnail(&state.store, &caller.caller(), id).await?;
    let media = if media == "image/png" {
        "image/png"
    } else {
        "image/jpeg"
    };
    Ok(([(header::CONTENT_TYPE, media)], bytes).into_response())
}

/// A PNG image, as bytes (only its schema is used: the handler sends the stored bytes).
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)]
pub struct Png(Vec<u8>);

/// The gateway protocol and the staff's gateway routes: each route with its OpenAPI entry.
pub fn router() -> OpenApiRouter<AppState> {
    // Image events carry thumbnails: a larger body limit for that one route.
    let events = OpenApiRouter::new()
        .routes(routes!(events))
        .layer(axum::extract::DefaultBodyLimit::max(16 * 1024 * 1024));
    OpenApiRouter::new()
        .routes(routes!(worklist))
        .merge(events)
        .routes(routes!(gateways))
        .routes(routes!(quarantined))
        .routes(routes!(thumbnail))
        .routes(routes!(attach_quarantined))
        .routes(routes!(dismiss_quarantined))
        .routes(routes!(confirm_attach_quarantined))
        .routes(routes!(detach))
        .routes(routes!(discrepancies))
        .routes(routes!(resolve))
}
