use domain::TransitionError;
pub use domain::validation::FieldError;

/// Everything the store can refuse or fail with. Refusals change nothing.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The record does not exist, or belongs to another provider (the two are deliberately
    /// indistinguishable).
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Transition(#[from] TransitionError),
    /// The rules refuse this change now (for example, someone else is running the
    /// appointment). Nothing was changed.
    #[error("{0}")]
    Refused(String),
    /// Someone else changed the record first.
    #[error("{0}")]
    Conflict(String),
    /// The rules never allow this change in the state the record is in (for example
    /// checking in for a clinic on a later day, or a screen without completing the
    /// appointment). Nothing was changed.
    #[error("{0}")]
    NotAllowed(String),
    /// A value that must be unique is already taken.
    #[error("{0}")]
    Duplicate(String),
    /// One or more fields failed validation.
    #[error("{}", .0.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldError>),
    #[error("store configuration: {0}")]
    Config(String),
    /// A stored value could not be read back as its type.
    #[error("corrupt stored value: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Database(sqlx::Error),
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl From<domain::NotAllowed> for StoreError {
    fn from(e: domain::NotAllowed) -> Self {
        StoreError::NotAllowed(e.0)
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                StoreError::Duplicate(db.message().to_owned())
            }
            _ => StoreError::Database(e),
        }
    }
}

impl StoreError {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        StoreError::Invalid(vec![FieldError::new(field, message.into())])
    }
}
