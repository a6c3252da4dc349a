//! Server-rendered pages. Each handler parses, calls the store, and renders a presenter.

use crate::auth::{Auth, routes as auth_routes};
use crate::error::{AppError, PageResult};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::Extension;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};

pub fn router(state: &AppState) -> Router<AppState> {
    let mut router = Router::new()
        .route("/", get(home))
        .route("/sign-in", get(auth_routes::sign_in_page))
        .route("/sign-out", post(auth_routes::sign_out))
        .route(
            "/select-provider",
            get(auth_routes::select_provider_page).post(auth_routes::select_provider),
        )
        .route("/auth/oidc/start", get(auth_routes::oidc_start))
        .route("/auth/oidc/callback", get(auth_routes::oidc_callback));
    if state.config.demo_mode {
        router = router.route(
            "/sign-in/personas",
            get(auth_routes::personas_page).post(auth_routes::persona_sign_in),
        );
    }
    router.fallback(not_found)
}

async fn home(Extension(auth): Extension<Auth>) -> Response {
    match auth {
        // Readers who do not run clinics start at image reading.
        Auth::SignedIn(u)
            if u.can(domain::Permission::ReadImages)
                && !u.can(domain::Permission::RunAppointment) =>
        {
            Redirect::to("/reading").into_response()
        }
        Auth::SignedIn(_) => Redirect::to("/clinics").into_response(),
        Auth::Expired => Redirect::to("/sign-in?expired=1").into_response(),
        Auth::Anonymous => Redirect::to("/sign-in").into_response(),
    }
}

async fn not_found() -> AppError {
    AppError::NotFound
}

/// Field errors as (field, message) pairs, the shape the form templates list.
pub fn errors_of(errors: Vec<domain::validation::FieldError>) -> Vec<(String, String)> {
    errors
        .into_iter()
        .map(|e| (e.field.to_string(), e.message.to_string()))
        .collect()
}

/// The message for one field, if it has one.
pub fn find(errors: &[(String, String)], field: &str) -> Option<String> {
    errors
        .iter()
        .find(|(f, _)| f == field)
        .map(|(_, m)| m.clone())
}

/// A form page shown again with errors answers 422.
pub fn with_status(mut res: Response, errors: &[(String, String)]) -> Response {
    if !errors.is_empty() {
        *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    res
}

/// Renders a template as an HTML response.
pub fn render(t: impl Template) -> PageResult {
    Ok(Html(t.render()?).into_response())
}
