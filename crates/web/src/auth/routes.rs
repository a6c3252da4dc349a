//! Sign-in, sign-out and choosing a provider.

use super::oidc::PendingSignIn;
use super::{Auth, SESSION_COOKIE, SignedIn, cookie_header, read_cookie};
use crate::error::{AppError, PageResult};
use crate::pages::render;
use crate::present::Layout;
use crate::security::ANON_CSRF_COOKIE;
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::{Extension, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use store::{StoreError, User};
use uuid::Uuid;

const OIDC_COOKIE: &str = "screening_oidc";

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInPage {
    layout: Layout,
    expired: bool,
    oidc_enabled: bool,
    demo_mode: bool,
}

#[derive(Deserialize)]
pub struct SignInQuery {
    expired: Option<String>,
}

pub async fn sign_in_page(
    State(state): State<AppState>,
    Query(q): Query<SignInQuery>,
) -> PageResult {
    render(SignInPage {
        layout: Layout::new("Sign in", None, state.config.demo_mode),
        expired: q.expired.is_some(),
        oidc_enabled: state.oidc.is_some(),
        demo_mode: state.config.demo_mode,
    })
}

pub struct PersonaView {
    pub id: String,
    pub name: String,
    pub email: String,
    pub roles: String,
}

#[derive(Template)]
#[template(path = "personas.html")]
struct PersonasPage {
    layout: Layout,
    personas: Vec<PersonaView>,
}

/// Demo mode only: every user, to sign in as without a password.
pub async fn personas_page(State(state): State<AppState>, headers: HeaderMap) -> PageResult {
    let mut personas = Vec::new();
    for user in state.store.users().await? {
        let with_roles = state.store.user_with_roles(user.id).await?;
        let mut roles: Vec<String> = with_roles
            .roles
            .iter()
            .map(|(p, r)| format!("{} at {}", r.label(), p.name))
            .collect();
        if user.is_system_admin {
            roles.insert(0, "System administrator".to_owned());
        }
        personas.push(PersonaView {
            id: user.id.to_string(),
            name: user.name,
            email: user.email,
            roles: roles.join("; "),
        });
    }
    // Anonymous forms use a double-submit token: the same random value in a cookie and
    // in the form.
    let token = read_cookie(&state.config, &headers, ANON_CSRF_COOKIE)
        .map(str::to_owned)
        .unwrap_or_else(store::new_secret);
    let mut layout = Layout::new("Sign in as a demo user", None, true);
    layout.csrf_token = token.clone();
    let mut res = render(PersonasPage { layout, personas })?;
    res.headers_mut().append(
        header::SET_COOKIE,
        cookie_header(&state, ANON_CSRF_COOKIE, &token, Some(3600)),
    );
    Ok(res)
}

#[derive(Deserialize)]
pub struct PersonaForm {
    user_id: String,
}

pub async fn persona_sign_in(
    State(state): State<AppState>,
    Form(form): Form<PersonaForm>,
) -> PageResult {
    let id = Uuid::parse_str(&form.user_id)
        .map_err(|_| AppError::BadRequest("Choose a demo user".to_owned()))?;
    let user = state
        .store
        .user(id)
        .await
        .map_err(|_| AppError::BadRequest("Choose a demo user".to_owned()))?;
    start_session(&state, &user, "demo persona").await
}

/// Creates a session and sends the person on: straight to clinics when they work for one
/// provider, otherwise to choose one.
async fn start_session(state: &AppState, user: &User, method: &str) -> PageResult {
    let providers = state.store.user_with_roles(user.id).await?.providers();
    let provider = match providers.as_slice() {
        [only] => Some(only.id),
        _ => None,
    };
    let (secret, _) = state
        .store
        .create_session(user.id, provider, method)
        .await?;
    let to = if provider.is_some() {
        "/clinics"
    } else {
        "/select-provider"
    };
    let mut res = Redirect::to(to).into_response();
    let headers = res.headers_mut();
    headers.append(
        header::SET_COOKIE,
        cookie_header(state, SESSION_COOKIE, &secret, None),
    );
    headers.append(
        header::SET_COOKIE,
        cookie_header(state, ANON_CSRF_COOKIE, "", Some(0)),
    );
    Ok(res)
}

pub async fn sign_out(
    State(state): State<AppState>,
    Extension(auth): Extension<Auth>,
) -> PageResult {
    if let Auth::SignedIn(user) = auth {
        state.sessions.forget(&user.session_id);
        state.store.end_session(&user.session_id).await?;
    }
    let mut res = Redirect::to("/sign-in").into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        cookie_header(&state, SESSION_COOKIE, "", Some(0)),
    );
    Ok(res)
}

#[derive(Template)]
#[template(path = "select_provider.html")]
struct SelectProviderPage {
    layout: Layout,
    providers: Vec<store::Provider>,
    current: Option<domain::ids::ProviderId>,
}

pub async fn select_provider_page(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
) -> PageResult {
    if user.providers.is_empty() {
        return Err(AppError::Forbidden);
    }
    render(SelectProviderPage {
        layout: Layout::new(
            "Choose a breast screening service",
            Some(user.clone()),
            state.config.demo_mode,
        ),
        providers: user.providers.clone(),
        current: user.provider.as_ref().map(|p| p.id),
    })
}

#[derive(Deserialize)]
pub struct SelectProviderForm {
    provider_id: Option<String>,
}

pub async fn select_provider(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Form(form): Form<SelectProviderForm>,
) -> PageResult {
    let chosen = form
        .provider_id
        .as_deref()
        .and_then(|s| s.parse::<domain::ids::ProviderId>().ok())
        .filter(|id| user.providers.iter().any(|p| p.id == *id))
        .ok_or_else(|| {
            AppError::BadRequest(
                "Select the breast screening service you are working for".to_owned(),
            )
        })?;
    state
        .store
        .set_session_provider(&user.session_id, chosen)
        .await?;
    state.sessions.forget(&user.session_id);
    Ok(Redirect::to("/clinics").into_response())
}

pub async fn oidc_start(State(state): State<AppState>) -> PageResult {
    let oidc = state.oidc.clone().ok_or(AppError::NotFound)?;
    let (url, pending) = oidc.start();
    let mut res = Redirect::to(&url).into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        cookie_header(&state, OIDC_COOKIE, &pending.encode(), Some(600)),
    );
    Ok(res)
}

#[derive(Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

pub async fn oidc_callback(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<CallbackQuery>,
) -> Result<Response, AppError> {
    let oidc = state.oidc.clone().ok_or(AppError::NotFound)?;
    if let Some(error) = q.error {
        return Err(AppError::BadRequest(format!(
            "Sign-in was not completed ({error}). Try again."
        )));
    }
    let pending = read_cookie(&state.config, &headers, OIDC_COOKIE)
        .and_then(PendingSignIn::decode)
        .ok_or_else(|| {
            AppError::BadRequest(
                "Your sign-in took too long or was started elsewhere. Try again.".to_owned(),
            )
        })?;
    let (Some(code), Some(returned_state)) = (q.code, q.state) else {
        return Err(AppError::BadRequest(
            "The sign-in response was incomplete. Try again.".to_owned(),
        ));
    };
    if !constant_time_eq(returned_state.as_bytes(), pending.state.as_bytes()) {
        return Err(AppError::BadRequest(
            "The sign-in response did not match this browser. Try again.".to_owned(),
        ));
    }
    let identity = oidc.finish(&code, &pending).await.map_err(|e| {
        tracing::warn!(error = ?e, "OIDC sign-in failed");
        AppError::BadRequest("Sign-in could not be verified. Try again.".to_owned())
    })?;
    let user = match state
        .store
        .user_for_sign_in(&identity.subject, identity.email.as_deref())
        .await
    {
        Ok(u) => u,
        Err(StoreError::NotFound) => return Err(AppError::Forbidden),
        Err(e) => return Err(e.into()),
    };
    let mut res = start_session(&state, &user, "oidc").await?;
    res.headers_mut().append(
        header::SET_COOKIE,
        cookie_header(&state, OIDC_COOKIE, "", Some(0)),
    );
    Ok(res)
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
