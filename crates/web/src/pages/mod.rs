//! Server-rendered pages. Each handler parses, calls the store, and renders a presenter.

mod appointments;
pub(crate) mod gateways;
pub(crate) mod office;
pub(crate) mod reading;
pub(crate) mod workflow;

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
        .route("/appointments/{id}", get(appointments::show))
        .route("/appointments/{id}/{action}", post(appointments::act))
        .route("/appointments/{id}/workflow", get(workflow::resume))
        .route(
            "/appointments/{id}/identity",
            get(workflow::identity::show).post(workflow::identity::confirm),
        )
        .route("/appointments/{id}/notes", post(workflow::notes::add))
        .route(
            "/appointments/{id}/medical-information",
            get(workflow::medical::show).post(workflow::medical::act),
        )
        .route(
            "/appointments/{id}/medical-information/{page}",
            get(workflow::medical::page_show).post(workflow::medical::page_submit),
        )
        .route(
            "/appointments/{id}/medical-information/{list}/{key}",
            get(workflow::medical::item_show).post(workflow::medical::item_submit),
        )
        .route(
            "/appointments/{id}/medical-information/{list}/new/{kind}",
            get(workflow::medical::new_item_show).post(workflow::medical::new_item_submit),
        )
        .route(
            "/appointments/{id}/images",
            get(workflow::images::show).post(workflow::images::choose),
        )
        .route(
            "/appointments/{id}/images/room",
            get(workflow::images::room_form).post(workflow::images::room_save),
        )
        .route(
            "/appointments/{id}/images/counts",
            get(workflow::images::counts_form).post(workflow::images::counts_save),
        )
        .route(
            "/appointments/{id}/images/repeats",
            get(workflow::images::repeats_form).post(workflow::images::repeats_save),
        )
        .route(
            "/appointments/{id}/images/details",
            get(workflow::images::details_form).post(workflow::images::details_save),
        )
        .route(
            "/appointments/{id}/check",
            get(workflow::check::show).post(workflow::check::complete),
        )
        .route(
            "/appointments/{id}/images/live",
            get(workflow::auto_images::live),
        )
        .route(
            "/appointments/{id}/images/confirm",
            post(workflow::auto_images::confirm),
        )
        .route(
            "/appointments/{id}/images/manual",
            post(workflow::auto_images::manual),
        )
        .route(
            "/received-images/{id}/thumbnail",
            get(workflow::auto_images::thumbnail),
        )
        .route(
            "/appointments/{id}/cancel",
            get(office::cancel_form).post(office::cancel),
        )
        .route(
            "/appointments/{id}/attended-not-screened",
            get(office::ans_details_form).post(office::ans_details),
        )
        .route(
            "/appointments/{id}/exit",
            get(workflow::ending::exit_form).post(workflow::ending::exit),
        )
        .route(
            "/appointments/{id}/cannot-proceed",
            get(workflow::ending::cannot_proceed_form).post(workflow::ending::cannot_proceed),
        )
        .route("/reading", get(reading::dashboard))
        .route("/reading/sessions", post(reading::start_session))
        .route("/reading/sessions/{sid}", get(reading::session))
        .route(
            "/reading/sessions/{sid}/next",
            get(reading::next_page).post(reading::next),
        )
        .route(
            "/reading/sessions/{sid}/finish",
            post(reading::finish_session),
        )
        .route("/reading/sessions/{sid}/finalise", post(reading::finalise))
        .route("/reading/sessions/{sid}/cases/{cid}", get(reading::case))
        .route(
            "/reading/sessions/{sid}/cases/{cid}/opinion",
            post(reading::choose_read),
        )
        .route(
            "/reading/sessions/{sid}/cases/{cid}/arbitration",
            get(reading::arbitration_question).post(reading::choose_arbitration),
        )
        .route(
            "/reading/sessions/{sid}/cases/{cid}/arbitrate",
            post(reading::arbitrate),
        )
        .route(
            "/reading/sessions/{sid}/cases/{cid}/skip",
            post(reading::skip),
        )
        .route(
            "/reading/sessions/{sid}/cases/{cid}/defer",
            get(reading::defer_form).post(reading::defer_save),
        )
        .route(
            "/reading/sessions/{sid}/cases/{cid}/priors",
            get(reading::priors_form).post(reading::priors_save),
        )
        .route(
            "/reading/sessions/{sid}/cases/{cid}/{purpose}/details",
            get(reading::details_form).post(reading::details_save),
        )
        .route(
            "/reading/sessions/{sid}/cases/{cid}/{purpose}/technical-recall",
            get(reading::technical_form).post(reading::technical_save),
        )
        .route(
            "/reading/sessions/{sid}/cases/{cid}/{purpose}/assessment",
            get(reading::assessment_form).post(reading::assessment_save),
        )
        .route(
            "/reading/sessions/{sid}/cases/{cid}/{purpose}/annotations/{breast}",
            get(reading::annotation_form).post(reading::annotation_save),
        )
        .route(
            "/reading/sessions/{sid}/cases/{cid}/{purpose}/annotations/{breast}/remove",
            post(reading::annotation_remove),
        )
        .route(
            "/reading/sessions/{sid}/cases/{cid}/{purpose}/confirm",
            get(reading::confirm_form).post(reading::confirm),
        )
        .route("/reading/holds", get(reading::holds))
        .route("/reading/cases/{cid}/unflag", post(reading::unflag))
        .route("/reading/cases/{cid}/priors", post(reading::priors_status))
        .route("/reading/outcomes", get(reading::outcomes))
        .route("/reading/overdue", get(reading::overdue))
        .route("/reading/performance", get(reading::performance))
        .route(
            "/reading/settings",
            get(reading::settings_form).post(reading::settings_save),
        );
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

    /// The appointment version the page was shown at.
    pub fn version(&self) -> Result<i64, AppError> {
        self.get("version")
            .and_then(|v| v.trim().parse().ok())
            .ok_or_else(|| {
                AppError::BadRequest(
                    "The form is missing its version: reload the page and try again.".to_owned(),
                )
            })
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
