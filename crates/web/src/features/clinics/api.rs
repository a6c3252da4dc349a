//! Clinics over JSON: the clinic list, one clinic and its appointments, and setting one up.

use super::app;
use crate::api::{ApiCaller, ApiJson, Problem};
use crate::http::extract::IdPath;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use domain::ClinicTab;
use domain::ids::ClinicId;
use serde::{Deserialize, Serialize};
use store::{ClinicAppointmentRow, ClinicSummary, NewClinic, TabCounts};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

type ApiResult<T> = Result<T, Problem>;

#[derive(Deserialize, IntoParams)]
pub struct ClinicListQuery {
    /// today, upcoming, completed or all (default today).
    tab: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ClinicList {
    pub tab: String,
    pub counts: TabCounts,
    pub clinics: Vec<ClinicSummary>,
}

/// List clinics under one tab of the clinic list, with the count for every tab.
#[utoipa::path(get, path = "/clinics", params(ClinicListQuery), responses(
    (status = 200, body = ClinicList),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
pub async fn list_clinics(
    State(state): State<AppState>,
    caller: ApiCaller,
    Query(q): Query<ClinicListQuery>,
) -> ApiResult<Json<ClinicList>> {
    let caller = caller.caller();
    // The permission is checked before the tab, as it always was: a caller without it
    // learns nothing about the query.
    caller.require(domain::Permission::ViewRecords)?;
    let tab = match q.tab.as_deref() {
        None => ClinicTab::Today,
        Some(t) => t.parse().map_err(|_| {
            Problem::invalid(vec![store::FieldError::new(
                "tab",
                "Must be one of today, upcoming, completed, all",
            )])
        })?,
    };
    let (counts, clinics) = app::list(&state.store, &caller, tab, state.today()).await?;
    Ok(Json(ClinicList {
        tab: tab.as_str().to_owned(),
        counts,
        clinics,
    }))
}

/// One clinic.
#[utoipa::path(get, path = "/clinics/{id}", params(("id" = Uuid, Path)), responses(
    (status = 200, body = ClinicSummary),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
pub async fn get_clinic(
    State(state): State<AppState>,
    caller: ApiCaller,
    IdPath(id): IdPath<ClinicId>,
) -> ApiResult<Json<ClinicSummary>> {
    Ok(Json(app::get(&state.store, &caller.caller(), id).await?))
}

/// A clinic's appointments, in slot order.
#[utoipa::path(get, path = "/clinics/{id}/appointments", params(("id" = Uuid, Path)), responses(
    (status = 200, body = Vec<ClinicAppointmentRow>),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
pub async fn clinic_appointments(
    State(state): State<AppState>,
    caller: ApiCaller,
    IdPath(id): IdPath<ClinicId>,
) -> ApiResult<Json<Vec<ClinicAppointmentRow>>> {
    Ok(Json(
        app::appointments(&state.store, &caller.caller(), id).await?,
    ))
}

/// Set up a clinic (screening or assessment) at one of the provider's sites, with
/// `slot_count` slots of `slot_minutes` from `starts_at`.
#[utoipa::path(post, path = "/clinics", request_body = NewClinic, responses(
    (status = 201, body = ClinicSummary),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
pub async fn create(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(new): ApiJson<NewClinic>,
) -> Result<(StatusCode, Json<ClinicSummary>), Problem> {
    let clinic = app::create(&state.store, &caller.caller(), new).await?;
    Ok((StatusCode::CREATED, Json(clinic)))
}

/// The clinic routes, each with its OpenAPI entry.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_clinics, create))
        .routes(routes!(get_clinic))
        .routes(routes!(clinic_appointments))
}
