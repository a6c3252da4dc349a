//! The office's gateway pages: "Image gateways" (connection state, quarantine,
//! discrepancies) in `overview`, and an appointment's received images in `received`.

mod overview;
mod received;

use crate::state::AppState;
use axum::Router;
use axum::routing::{get, post};

/// What failed on a page: (row id, message, what was typed).
type Failed = Option<(String, String, String)>;

/// The pages' routes (behind the session and CSRF layers).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/image-gateways", get(overview::show))
        .route("/received-images/{id}/quarantine", post(overview::settle))
        .route("/image-gateways/appointments/{id}", get(received::received))
        .route("/received-images/{id}/detach", post(received::detach))
        .route("/image-discrepancies/{id}/resolve", post(overview::resolve))
}
