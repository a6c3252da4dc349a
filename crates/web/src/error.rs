//! One error type for pages, mapped to a response people can act on.

use crate::present::{ErrorPage, Layout};
use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("Page not found")]
    NotFound,
    /// Not an error for the person: the page they asked for is not the one to show now
    /// (for example a workflow step someone else is running, or one not yet unlocked).
    #[error("See {0}")]
    Detour(String),
    #[error("You do not have permission to do this")]
    Forbidden,
    #[error("{0}")]
    BadRequest(String),
    /// A request body the service would not take: too large (413) or too slow to arrive
    /// (408).
    #[error("{1}")]
    Body(StatusCode, String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Template(#[from] askama::Error),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

pub type PageResult<T = Response> = Result<T, AppError>;

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound | AppError::Store(StoreError::NotFound) => StatusCode::NOT_FOUND,
            AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::Detour(_) => StatusCode::SEE_OTHER,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Body(status, _) => *status,
            // A refusal (someone else is running the appointment, a clinic that cannot
            // close yet) says why, like a conflict: it is not a fault of the service.
            AppError::Store(
                StoreError::Transition(_) | StoreError::Conflict(_) | StoreError::Refused(_),
            ) => StatusCode::CONFLICT,
            AppError::Store(
                StoreError::Invalid(_) | StoreError::Duplicate(_) | StoreError::NotAllowed(_),
            ) => StatusCode::UNPROCESSABLE_ENTITY,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl AppError {
    /// Why a page form's body could not be read: over `limit` bytes, or not all there
    /// before the body read timeout (`server::Limits`).
    pub fn unreadable_body(error: &axum::Error) -> AppError {
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
        while let Some(e) = source {
            if e.is::<http_body_util::LengthLimitError>() {
                return AppError::Body(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "The form was too large".to_owned(),
                );
            }
            source = e.source();
        }
        AppError::Body(
            StatusCode::REQUEST_TIMEOUT,
            "The form did not arrive in time. Nothing was saved: try again.".to_owned(),
        )
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Detour(to) = &self {
            return axum::response::Redirect::to(to).into_response();
        }
        let status = self.status();
        let (title, message) = match status {
            StatusCode::NOT_FOUND => (
                "Page not found".to_owned(),
                "If you typed the web address, check it is correct. If you pasted the web address, check you copied the entire address.".to_owned(),
            ),
            StatusCode::INTERNAL_SERVER_ERROR => {
                tracing::error!(error = ?self, "request failed");
                (
                    "Sorry, there is a problem with the service".to_owned(),
                    "Try again later. Nothing you entered was saved.".to_owned(),
                )
            }
            StatusCode::FORBIDDEN => ("You do not have permission to do this".to_owned(), self.to_string()),
            _ => ("This could not be done".to_owned(), self.to_string()),
        };
        let page = ErrorPage {
            layout: Layout::new(title.clone(), None, false),
            title,
            message,
            summary: status == StatusCode::UNPROCESSABLE_ENTITY,
        };
        match page.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(_) => (status, page.message).into_response(),
        }
    }
}
