//! Security headers on every response, and CSRF protection on every state-changing page
//! request.

use crate::auth::routes::constant_time_eq;
use crate::auth::{Auth, read_cookie};
use crate::error::AppError;
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Cookie holding the double-submit token for forms shown before sign-in.
pub const ANON_CSRF_COOKIE: &str = "screening_csrf";
const MAX_FORM_BYTES: usize = 256 * 1024;

pub async fn headers(req: Request, next: Next) -> Response {
    let is_static = req.uri().path().starts_with("/static/");
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, name: &'static str, value: &'static str| {
        h.insert(name, HeaderValue::from_static(value));
    };
    set(
        h,
        "content-security-policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self' https://assets.nhs.uk; \
         connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
    );
    set(h, "x-content-type-options", "nosniff");
    set(h, "x-frame-options", "DENY");
    set(h, "referrer-policy", "no-referrer");
    set(
        h,
        "strict-transport-security",
        "max-age=31536000; includeSubDomains",
    );
    set(
        h,
        "permissions-policy",
        "camera=(), microphone=(), geolocation=(), payment=()",
    );
    set(h, "cross-origin-opener-policy", "same-origin");
    if !is_static && !h.contains_key(header::CACHE_CONTROL) {
        set(h, "cache-control", "no-store");
    }
    res
}

/// Refuses POST, PUT, PATCH and DELETE unless the form carries the session's CSRF token
/// (or, before sign-in, the double-submit cookie's value). Nothing runs on refusal.
pub async fn csrf_guard(State(_state): State<AppState>, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let expected = match req.extensions().get::<Auth>() {
        Some(Auth::SignedIn(user)) => Some(user.csrf_token.clone()),
        _ => read_cookie(req.headers(), ANON_CSRF_COOKIE)
            .filter(|v| !v.is_empty())
            .map(str::to_owned),
    };
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_FORM_BYTES).await {
        Ok(b) => b,
        Err(_) => return AppError::BadRequest("The form was too large".to_owned()).into_response(),
    };
    let submitted = parts
        .headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| form_urlencoded_value(&bytes, "csrf_token"));
    let ok = match (expected, submitted) {
        (Some(e), Some(s)) => constant_time_eq(e.as_bytes(), s.as_bytes()),
        _ => false,
    };
    if !ok {
        return csrf_refused();
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

fn form_urlencoded_value(body: &[u8], key: &str) -> Option<String> {
    serde_html_form::from_bytes::<Vec<(String, String)>>(body)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v)
}

fn csrf_refused() -> Response {
    let mut res = AppError::BadRequest(
        "This form has expired or was not sent from this service. Go back, reload the page and try again.".to_owned(),
    )
    .into_response();
    *res.status_mut() = axum::http::StatusCode::FORBIDDEN;
    res
}
