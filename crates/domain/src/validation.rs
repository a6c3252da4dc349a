//! Field-level validation errors shared by every rule that checks a form or an API body.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

/// One problem with a form answer: the field it belongs to and the message shown beside it
/// (and in the error summary). `field` is the name of the struct field (or, for per-reason
/// details, `"{reason value}_details"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct FieldError {
    /// The field the error belongs to.
    pub field: Cow<'static, str>,
    /// The message to show, in the NHS error message style.
    pub message: Cow<'static, str>,
}

impl FieldError {
    /// An error for `field` with `message`.
    pub fn new(field: impl Into<Cow<'static, str>>, message: impl Into<Cow<'static, str>>) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Collects field errors in the order the fields appear on the form.
#[derive(Debug, Default)]
pub(crate) struct Errors(Vec<FieldError>);

impl Errors {
    pub(crate) fn add(
        &mut self,
        field: impl Into<Cow<'static, str>>,
        message: impl Into<Cow<'static, str>>,
    ) {
        self.0.push(FieldError::new(field, message));
    }

    pub(crate) fn finish(self) -> Result<(), Vec<FieldError>> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self.0)
        }
    }
}

/// Whether free text is empty once surrounding whitespace is ignored.
pub(crate) fn is_blank(text: &str) -> bool {
    text.trim().is_empty()
}
