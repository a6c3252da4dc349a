//! Feature slices. Each feature folder holds its application layer (`app`: the use
//! cases), and the two adapters over it: `pages` (HTML) and `api` (JSON, `/api/v1`).
//! Neither adapter imports the other (ADR 19; `crates/screening/tests/structure.rs`).

pub mod assessment;
pub mod audit;
pub mod clinics;
pub mod closing;
pub mod deliveries;
pub mod episodes;
pub mod follow_ups;
pub mod gateways;
pub mod participants;
pub mod reading;
pub mod results;
pub mod screening_status;
pub mod workflow;

use crate::state::AppState;

/// The page routes of the feature folders that declare their own.
pub fn page_routes() -> axum::Router<AppState> {
    axum::Router::new()
        .merge(assessment::pages::routes())
        .merge(audit::pages::routes())
        .merge(clinics::pages::routes())
        .merge(closing::pages::routes())
        .merge(deliveries::pages::routes())
        .merge(episodes::pages::routes())
        .merge(follow_ups::pages::routes())
        .merge(reading::pages::routes())
        .merge(gateways::pages::routes())
        .merge(participants::pages::routes())
        .merge(results::pages::routes())
        .merge(screening_status::pages::routes())
        .merge(workflow::pages::routes())
}

/// The API routes of the feature folders that declare their own, each with its OpenAPI
/// entry.
pub fn api_routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    utoipa_axum::router::OpenApiRouter::new()
        .merge(assessment::api::router())
        .merge(clinics::api::router())
        .merge(closing::api::router())
        .merge(deliveries::api::router())
        .merge(episodes::api::router())
        .merge(follow_ups::api::router())
        .merge(reading::api::router())
        .merge(gateways::api::router())
        .merge(participants::api::router())
        .merge(results::api::router())
        .merge(screening_status::api::router())
        .merge(workflow::api::router())
}
