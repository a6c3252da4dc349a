//! Errors as RFC 9457 problem details (`application/problem+json`).

use crate::http::forbidden_character;
use axum::Json;
use axum::extract::FromRequest;
use axum::extract::rejection::JsonRejection;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use store::{FieldError, StoreError};
use utoipa::ToSchema;

/// A problem detail object.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// For validation problems: each field and what is wrong with it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ProblemField>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemField {
    /// The request field, as named in the request body or query.
    pub field: String,
    pub message: String,
}

impl Problem {
    pub fn new(status: StatusCode, kind: &str, title: &str, detail: Option<String>) -> Self {
        Problem {
            kind: format!("https://screening.example.nhs.uk/problems/{kind}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail,
            errors: Vec::new(),
        }
    }
    pub fn not_found() -> Self {
        Problem::new(StatusCode::NOT_FOUND, "not-found", "Not found", None)
    }
    pub fn unauthorized() -> Self {
        Problem::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Authentication required",
            Some("Send a valid API token as 'Authorization: Bearer <token>'".to_owned()),
        )
    }
    pub fn forbidden() -> Self {
        Problem::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "Not permitted",
            Some("Your roles do not allow this action".to_owned()),
        )
    }
    pub fn invalid(errors: Vec<FieldError>) -> Self {
        Problem::invalid_fields(
            errors
                .into_iter()
                .map(|e| (e.field.into_owned(), e.message.into_owned()))
                .collect(),
        )
    }

    /// A validation problem from (field, message) pairs.
    pub fn invalid_fields(errors: Vec<(String, String)>) -> Self {
        let mut p = Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation",
            "The request has invalid fields",
            Some(
                errors
                    .iter()
                    .map(|(f, m)| format!("{f}: {m}"))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
        );
        p.errors = errors
            .into_iter()
            .map(|(field, message)| ProblemField { field, message })
            .collect();
        p
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let unauthorized = status == StatusCode::UNAUTHORIZED;
        let mut res = (status, Json(self)).into_response();
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if unauthorized {
            res.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        res
    }
}

impl From<StoreError> for Problem {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Problem::not_found(),
            StoreError::Invalid(errors) => Problem::invalid(errors),
            StoreError::Transition(t) => Problem::new(
                StatusCode::CONFLICT,
                "status-change-refused",
                "Status change not allowed",
                Some(t.to_string()),
            ),
            StoreError::Refused(msg) => Problem::new(
                StatusCode::CONFLICT,
                "refused",
                "Not allowed now",
                Some(msg),
            ),
            StoreError::NotAllowed(msg) => Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "not-allowed",
                "Not allowed in this state",
                Some(msg),
            ),
            StoreError::Conflict(msg) => Problem::new(
                StatusCode::CONFLICT,
                "conflict",
                "Changed by someone else",
                Some(msg),
            ),
            StoreError::Duplicate(msg) => Problem::new(
                StatusCode::CONFLICT,
                "duplicate",
                "Already exists",
                Some(msg),
            ),
            other => {
                tracing::error!(error = ?other, "API request failed");
                Problem::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "Internal error",
                    None,
                )
            }
        }
    }
}

/// What a field holding a control character is told.
pub const CONTROL_CHARACTERS: &str =
    "must not contain control characters (only line breaks and tabs are allowed in text)";

fn json_content_type(headers: &axum::http::HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// The fields (dotted paths, `[n]` for array items) whose text, or whose key, holds a
/// forbidden character.
fn control_characters(value: &serde_json::Value, path: &str, found: &mut Vec<String>) {
    use serde_json::Value;
    match value {
        Value::String(s) if s.chars().any(forbidden_character) => found.push(path.to_owned()),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                control_characters(item, &format!("{path}[{i}]"), found);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                let field = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                if key.chars().any(forbidden_character) {
                    found.push(field.clone());
                }
                control_characters(item, &field, found);
            }
        }
        _ => {}
    }
}

/// A JSON body whose rejection is a problem response naming what was wrong: 415 without a
/// JSON content type, 413 over the route's body limit, 400 for JSON that does not parse,
/// and 422 for a body that does not fit the request type or holds a control character.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Problem;
    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        if !json_content_type(req.headers()) {
            return Err(Problem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "The request body could not be read",
                Some("Expected request with `Content-Type: application/json`".to_owned()),
            ));
        }
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|rejection| {
                let too_large = rejection.status() == StatusCode::PAYLOAD_TOO_LARGE;
                Problem::new(
                    rejection.status(),
                    if too_large {
                        "body-too-large"
                    } else {
                        "unreadable-body"
                    },
                    "The request body could not be read",
                    Some(rejection.body_text()),
                )
            })?;
        // Text with control characters is refused before anything reads it (PostgreSQL
        // cannot store a NUL, and no field of ours means one).
        if let Ok(value) = serde_json::from_slice::<serde_json::Value>(&bytes) {
            let mut found = Vec::new();
            control_characters(&value, "", &mut found);
            if !found.is_empty() {
                return Err(Problem::invalid_fields(
                    found
                        .into_iter()
                        .map(|field| (field, CONTROL_CHARACTERS.to_owned()))
                        .collect(),
                ));
            }
        }
        match Json::<T>::from_bytes(&bytes) {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(rejection) => {
                let (status, kind) = match &rejection {
                    JsonRejection::MissingJsonContentType(_) => {
                        (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type")
                    }
                    JsonRejection::JsonSyntaxError(_) => {
                        (StatusCode::BAD_REQUEST, "malformed-json")
                    }
                    _ => (StatusCode::UNPROCESSABLE_ENTITY, "invalid-body"),
                };
                Err(Problem::new(
                    status,
                    kind,
                    "The request body could not be read",
                    Some(rejection.body_text()),
                ))
            }
        }
    }
}
