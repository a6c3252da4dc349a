//! Path extractors for record ids. A path segment that is not a UUID names no record, so
//! it is "not found" — as problem details in the API, as the HTML "Page not found" page
//! in the pages — rather than axum's plain-text 400.

use crate::api::Problem;
use crate::error::AppError;
use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use uuid::Uuid;

/// Parses one path segment as an id.
fn parse(segment: &str) -> Option<Uuid> {
    Uuid::parse_str(segment).ok()
}

/// The one `{id}` of an API path. Rejects with a problem+json 404.
#[derive(Debug, Clone, Copy)]
pub struct IdPath(pub Uuid);

impl<S: Send + Sync> FromRequestParts<S> for IdPath {
    type Rejection = Problem;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(segment) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| Problem::not_found())?;
        parse(&segment).map(IdPath).ok_or_else(Problem::not_found)
    }
}

/// The one `{id}` of a page path. Rejects with the HTML "Page not found" page.
#[derive(Debug, Clone, Copy)]
pub struct PageId(pub Uuid);

impl<S: Send + Sync> FromRequestParts<S> for PageId {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(segment) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| AppError::NotFound)?;
        parse(&segment).map(PageId).ok_or(AppError::NotFound)
    }
}
