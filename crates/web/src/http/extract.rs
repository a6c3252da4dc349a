//! Path extractors for record ids. A path segment that is not a UUID names no record, so
//! it is "not found" — as problem details in the API, as the HTML "Page not found" page
//! in the pages — rather than axum's plain-text 400.

use crate::api::Problem;
use crate::error::AppError;
use axum::extract::{FromRequestParts, Path, RawPathParams};
use axum::http::request::Parts;
use uuid::Uuid;

/// Parses one path segment as an id of the kind the route names (a typed id from
/// `domain::ids`, or a bare UUID).
fn parse<T: From<Uuid>>(segment: &str) -> Option<T> {
    Uuid::parse_str(segment).ok().map(T::from)
}

/// The one `{id}` of an API path, as the id type the route names (`IdPath<AppointmentId>`).
/// Rejects with a problem+json 404.
#[derive(Debug, Clone, Copy)]
pub struct IdPath<T = Uuid>(pub T);

impl<S: Send + Sync, T: From<Uuid>> FromRequestParts<S> for IdPath<T> {
    type Rejection = Problem;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(segment) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| Problem::not_found())?;
        parse(&segment).map(IdPath).ok_or_else(Problem::not_found)
    }
}

/// The one `{id}` of a page path, as the id type the route names (`PageId<ClinicId>`).
/// Rejects with the HTML "Page not found" page.
#[derive(Debug, Clone, Copy)]
pub struct PageId<T = Uuid>(pub T);

impl<S: Send + Sync, T: From<Uuid>> FromRequestParts<S> for PageId<T> {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(segment) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| AppError::NotFound)?;
        parse(&segment).map(PageId).ok_or(AppError::NotFound)
    }
}

/// The two ids of a nested page path, its first two parameters in order (`{sid}` and
/// `{cid}` of `/reading/sessions/{sid}/cases/{cid}/...`); parameters after them are left
/// to other extractors. Rejects with the HTML "Page not found" page, as [`PageId`] does.
#[derive(Debug, Clone, Copy)]
pub struct PageIds<A = Uuid, B = Uuid>(pub A, pub B);

impl<S: Send + Sync, A: From<Uuid>, B: From<Uuid>> FromRequestParts<S> for PageIds<A, B> {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let params = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|_| AppError::NotFound)?;
        let mut segments = params.iter().map(|(_, segment)| segment);
        let first = segments.next().and_then(parse::<A>);
        let second = segments.next().and_then(parse::<B>);
        match (first, second) {
            (Some(first), Some(second)) => Ok(PageIds(first, second)),
            _ => Err(AppError::NotFound),
        }
    }
}

/// A page's submitted form parsed into `T` (serde, with `serde_html_form` so repeated
/// names — checkboxes — fill a `Vec`). A body that is too large or does not fit `T` gets
/// the HTML "bad request" page, as the name/value reader did; fields that a person can
/// leave empty or get wrong belong in `T` as `Option`/`String` and are checked by the use
/// case, so their errors show on the form.
#[derive(Debug, Clone)]
pub struct PageForm<T>(pub T);

/// The most a page form may carry.
const PAGE_FORM_LIMIT: usize = 256 * 1024;

impl<S: Send + Sync, T: serde::de::DeserializeOwned> axum::extract::FromRequest<S> for PageForm<T> {
    type Rejection = AppError;
    async fn from_request(req: axum::extract::Request, _: &S) -> Result<Self, Self::Rejection> {
        let bytes = axum::body::to_bytes(req.into_body(), PAGE_FORM_LIMIT)
            .await
            .map_err(|e| AppError::unreadable_body(&e))?;
        serde_html_form::from_bytes::<T>(&bytes)
            .map(PageForm)
            .map_err(|_| AppError::BadRequest("The form could not be read".to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::extract::FromRequest;

    #[derive(Debug, serde::Deserialize)]
    struct Checks {
        version: i64,
        #[serde(default)]
        breast: Vec<String>,
        note: Option<String>,
    }

    async fn parse(body: &'static str) -> Result<Checks, AppError> {
        let req = axum::http::Request::builder()
            .method("POST")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(axum::body::Body::from(body))
            .map_err(|_| AppError::NotFound)?;
        PageForm::<Checks>::from_request(req, &())
            .await
            .map(|f| f.0)
    }

    #[tokio::test]
    async fn repeated_names_fill_a_list_and_a_bad_form_is_a_bad_request() {
        let ok = parse("version=3&breast=left&breast=right").await;
        assert!(
            matches!(&ok, Ok(c) if c.version == 3 && c.breast == ["left", "right"] && c.note.is_none()),
            "{ok:?}"
        );
        for bad in ["version=three", "breast=left"] {
            assert!(
                matches!(parse(bad).await, Err(AppError::BadRequest(_))),
                "{bad}"
            );
        }
    }
}
