//! Server-rendered pages. Each handler parses, calls the store, and renders a presenter.

mod audit;
mod clinics;
mod closing;
pub(crate) mod gateways;
pub(crate) mod office;
mod participants;
mod special;

use crate::auth::{Auth, routes as auth_routes};
use crate::error::{AppError, PageResult};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::Extension;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use uuid::Uuid;

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
        .route("/auth/oidc/callback", get(auth_routes::oidc_callback))
        .route("/clinics", get(clinics::list))
        .route("/clinics/{id}", get(clinics::show))
        .route("/image-gateways", get(gateways::show))
        .route("/received-images/{id}/quarantine", post(gateways::settle))
        .route("/image-gateways/appointments/{id}", get(gateways::received))
        .route("/received-images/{id}/detach", post(gateways::detach))
        .route("/image-discrepancies/{id}/resolve", post(gateways::resolve))
        .route("/follow-ups", get(office::follow_ups))
        .route(
            "/follow-ups/settings",
            get(office::settings_form).post(office::settings_save),
        )
        .route(
            "/follow-ups/{id}",
            get(office::follow_up_form).post(office::follow_up_update),
        )
        .route(
            "/participants/{id}/special-appointment",
            get(special::form).post(special::save),
        )
        .route(
            "/clinics/{id}/close",
            get(closing::show).post(closing::close),
        )
        .route("/clinics/{id}/close/bulk", post(closing::bulk))
        .route("/participants", get(participants::search))
        .route("/participants/{id}", get(participants::show))
        .route("/admin/audit", get(audit::list));
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

/// Ids in paths: anything that is not a UUID is simply not found.
pub fn parse_id(s: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(s).map_err(|_| AppError::NotFound)
}

/// A submitted form as its name/value pairs, in order, keeping repeated names (checkboxes).
pub struct FormPairs(pub Vec<(String, String)>);

impl FormPairs {
    /// The first value of a field.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a repeated field.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

impl<S: Send + Sync> axum::extract::FromRequest<S> for FormPairs {
    type Rejection = AppError;
    async fn from_request(req: axum::extract::Request, _: &S) -> Result<Self, Self::Rejection> {
        let bytes = axum::body::to_bytes(req.into_body(), 256 * 1024)
            .await
            .map_err(|_| AppError::BadRequest("The form was too large".to_owned()))?;
        serde_html_form::from_bytes::<Vec<(String, String)>>(&bytes)
            .map(FormPairs)
            .map_err(|_| AppError::BadRequest("The form could not be read".to_owned()))
    }
}
