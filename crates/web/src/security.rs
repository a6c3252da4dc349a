//! Security headers on every response, and CSRF protection on every state-changing page
//! request: the session's token, and a request that comes from this service's own pages
//! (`Origin`, `Sec-Fetch-Site`).

use crate::auth::routes::constant_time_eq;
use crate::auth::{Auth, read_cookie};
use crate::config::Config;
use crate::error::AppError;
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Cookie holding the double-submit token for forms shown before sign-in.
pub const ANON_CSRF_COOKIE: &str = "screening_csrf";
const MAX_FORM_BYTES: usize = 256 * 1024;

pub async fn headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
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
    // Over plain HTTP the header means nothing to browsers, and promising HTTPS from a
    // local or test address would lock it out.
    if state.config.https() {
        set(
            h,
            "strict-transport-security",
            "max-age=31536000; includeSubDomains",
        );
    }
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
pub async fn csrf_guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    if from_another_site(&state.config, req.headers()) {
        return csrf_refused();
    }
    let expected = match req.extensions().get::<Auth>() {
        Some(Auth::SignedIn(user)) => Some(user.csrf_token.clone()),
        _ => read_cookie(&state.config, req.headers(), ANON_CSRF_COOKIE)
            .filter(|v| !v.is_empty())
            .map(str::to_owned),
    };
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_FORM_BYTES).await {
        Ok(b) => b,
        Err(e) => return AppError::unreadable_body(&e).into_response(),
    };
    let pairs = form_pairs(&bytes);
    let submitted = parts
        .headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .or_else(|| {
            pairs
                .iter()
                .find(|(k, _)| k == "csrf_token")
                .map(|(_, v)| v.as_str())
        });
    let ok = match (expected, submitted) {
        (Some(e), Some(s)) => constant_time_eq(e.as_bytes(), s.as_bytes()),
        _ => false,
    };
    if !ok {
        return csrf_refused();
    }
    // Every page form passes here: text with a control character is refused before any
    // handler reads it (PostgreSQL cannot store a NUL; no field means one).
    if pairs.iter().any(|(k, v)| {
        k.chars()
            .chain(v.chars())
            .any(crate::http::forbidden_character)
    }) {
        return AppError::Body(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            "The form holds a character that cannot be typed (a control character). Nothing was saved: remove it and try again.".to_owned(),
        )
        .into_response();
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// Whether the browser says a state-changing request was sent by another site.
///
/// - `Sec-Fetch-Site` decides when it is there. Only the browser can set it, and anything
///   other than `same-origin` or `none` (typed or bookmarked) is another site.
/// - Otherwise (older browsers) an `Origin` decides: it must be the service's public
///   address or the host the request was sent to.
/// - `Origin: null` says nothing: the service's own pages send it, because their
///   `Referrer-Policy` is `no-referrer`.
/// - Requests with neither header (scripts) rely on the CSRF token alone.
fn from_another_site(config: &Config, headers: &HeaderMap) -> bool {
    let value = |name: header::HeaderName| headers.get(name).map(|v| v.to_str().unwrap_or(""));
    if let Some(site) = value(header::HeaderName::from_static("sec-fetch-site")) {
        return !matches!(site, "same-origin" | "none");
    }
    let Some(origin) = value(header::ORIGIN).filter(|o| *o != "null") else {
        return false;
    };
    if origin.eq_ignore_ascii_case(config.public_origin()) {
        return false;
    }
    let host = value(header::HOST).unwrap_or("");
    let same_host = origin.split_once("://").is_some_and(|(scheme, rest)| {
        matches!(scheme, "http" | "https") && !host.is_empty() && rest.eq_ignore_ascii_case(host)
    });
    !same_host
}

/// A URL-encoded form's names and values (none for any other body).
fn form_pairs(body: &[u8]) -> Vec<(String, String)> {
    serde_html_form::from_bytes::<Vec<(String, String)>>(body).unwrap_or_default()
}

fn csrf_refused() -> Response {
    let mut res = AppError::BadRequest(
        "This form has expired or was not sent from this service. Go back, reload the page and try again.".to_owned(),
    )
    .into_response();
    *res.status_mut() = axum::http::StatusCode::FORBIDDEN;
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_from_another_site_is_told_apart_from_the_services_own() {
        let mut config = Config::local("sqlite::memory:");
        config.public_url = "https://screening.example.nhs.uk/".to_owned();
        let cases: &[(&[(&str, &str)], bool)] = &[
            // Scripts and older browsers send neither header: the token decides.
            (&[], false),
            (&[("sec-fetch-site", "same-origin")], false),
            (&[("sec-fetch-site", "none")], false),
            (&[("sec-fetch-site", "same-site")], true),
            (&[("sec-fetch-site", "cross-site")], true),
            (&[("origin", "https://screening.example.nhs.uk")], false),
            (&[("origin", "HTTPS://Screening.Example.NHS.uk")], false),
            (
                &[("origin", "https://screening.example.nhs.uk.evil.example")],
                true,
            ),
            (&[("origin", "http://screening.example.nhs.uk")], true),
            // The service's own forms under `Referrer-Policy: no-referrer`.
            (&[("origin", "null")], false),
            (
                &[("origin", "null"), ("sec-fetch-site", "same-origin")],
                false,
            ),
            (
                &[("origin", "null"), ("sec-fetch-site", "cross-site")],
                true,
            ),
            // A browser's own word outranks the origin.
            (
                &[
                    ("origin", "https://attacker.example"),
                    ("sec-fetch-site", "same-origin"),
                ],
                false,
            ),
            (&[("origin", "https://attacker.example")], true),
            // Reached at another address (tests, a proxy): the host it was sent to.
            (
                &[
                    ("origin", "http://127.0.0.1:4000"),
                    ("host", "127.0.0.1:4000"),
                ],
                false,
            ),
            (
                &[
                    ("origin", "http://127.0.0.1:4001"),
                    ("host", "127.0.0.1:4000"),
                ],
                true,
            ),
            (
                &[
                    ("origin", "ftp://127.0.0.1:4000"),
                    ("host", "127.0.0.1:4000"),
                ],
                true,
            ),
            (&[("origin", "http://127.0.0.1:4000")], true),
            (
                &[
                    ("origin", "https://screening.example.nhs.uk"),
                    ("sec-fetch-site", "cross-site"),
                ],
                true,
            ),
        ];
        for (headers, refused) in cases {
            let mut map = HeaderMap::new();
            for (name, value) in *headers {
                map.insert(
                    header::HeaderName::from_static(name),
                    HeaderValue::from_static(value),
                );
            }
            assert_eq!(from_another_site(&config, &map), *refused, "{headers:?}");
        }
    }

    #[test]
    fn the_public_address_gives_the_origin_and_whether_it_is_https() {
        for (url, origin, https) in [
            (
                "https://screening.example.nhs.uk/",
                "https://screening.example.nhs.uk",
                true,
            ),
            (
                "https://a.example:8443/base/path",
                "https://a.example:8443",
                true,
            ),
            ("HTTPS://a.example", "HTTPS://a.example", true),
            ("http://localhost:8000", "http://localhost:8000", false),
        ] {
            let mut config = Config::local("sqlite::memory:");
            config.public_url = url.to_owned();
            assert_eq!(config.public_origin(), origin, "{url}");
            assert_eq!(config.https(), https, "{url}");
        }
    }
}
