//! The web service: server-rendered pages (NHS design system, working without JavaScript),
//! the versioned JSON API under `/api/v1`, sign-in (OpenID Connect, and personas in demo
//! mode), sessions, CSRF protection and security headers.
//!
//! Handlers are thin: they parse the request, call the store (which applies the domain
//! rules), and render a template or JSON.

pub mod api;
mod application;
mod auth;
mod config;
mod error;
mod features;
mod http;
mod outbox;
mod pages;
mod present;
mod security;
pub mod server;
mod settle;
mod state;
mod telemetry;

pub use config::{Config, OidcSettings};
pub use state::AppState;

use axum::Router;
use axum::middleware;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

/// Builds the whole application.
pub fn app(state: AppState) -> Router {
    let static_files = Router::new()
        .nest_service("/static", ServeDir::new(&state.config.static_dir))
        .layer(SetResponseHeaderLayer::overriding(
            axum::http::header::CACHE_CONTROL,
            axum::http::HeaderValue::from_static("public, max-age=3600"),
        ));
    let pages = pages::router(&state)
        .merge(outbox::page_routes())
        .merge(features::page_routes())
        .layer(middleware::from_fn_with_state(
            state.clone(),
            security::csrf_guard,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            auth::load_session,
        ));
    Router::new()
        .merge(pages)
        .nest("/api/v1", api::router(state.clone()))
        .merge(static_files)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            security::headers,
        ))
        .layer(middleware::from_fn(telemetry::request_span))
        .with_state(state)
}
