//! One span per request, with its request id (`x-request-id`: the caller's when it sends a
//! sensible one, otherwise a new UUID v7), answered in the response header. Whoever
//! resolves the caller (session, API token, gateway token) records `provider` and `user`
//! on the current span; store calls open child spans. Only ids go on spans: never names,
//! NHS numbers or query strings, which may hold patient data.

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::http::header::HeaderName;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

/// The request id header.
pub static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// An incoming request id is kept when it is 1 to 128 visible ASCII characters (so it
/// cannot break a log line); otherwise the service makes one.
fn acceptable(v: &HeaderValue) -> bool {
    let b = v.as_bytes();
    !b.is_empty() && b.len() <= 128 && b.iter().all(|c| c.is_ascii_graphic())
}

/// The request span middleware (outermost layer).
pub async fn request_span(req: Request, next: Next) -> Response {
    let id = match req.headers().get(&REQUEST_ID).filter(|v| acceptable(v)) {
        Some(v) => v.clone(),
        None => {
            let mut buf = uuid::Uuid::encode_buffer();
            let text = uuid::Uuid::now_v7().hyphenated().encode_lower(&mut buf);
            HeaderValue::from_str(text).unwrap_or_else(|_| HeaderValue::from_static("unknown"))
        }
    };
    let span = tracing::info_span!(
        "request",
        method = %req.method(),
        path = req.uri().path(),
        request_id = id.to_str().unwrap_or_default(),
        provider = tracing::field::Empty,
        user = tracing::field::Empty,
        status = tracing::field::Empty,
    );
    let mut res = next.run(req).instrument(span.clone()).await;
    span.record("status", res.status().as_u16());
    res.headers_mut().insert(REQUEST_ID.clone(), id);
    res
}

/// Records who is calling on the request span (ids only).
pub fn record_caller(provider: Option<domain::ids::ProviderId>, user: Option<uuid::Uuid>) {
    let span = tracing::Span::current();
    if let Some(p) = provider {
        span.record("provider", tracing::field::display(p));
    }
    if let Some(u) = user {
        span.record("user", tracing::field::display(u));
    }
}
