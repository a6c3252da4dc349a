//! What every use case shares: who is asking ([`Caller`]) and how a use case fails
//! ([`Failure`]). Use cases live in each feature's `app` module (`features/*/app.rs`);
//! the pages and the JSON API are adapters over them and map a [`Failure`] to their own
//! error format (the HTML error page, or problem details).

use domain::{Permission, Role};
use store::{Actor, Scope, StoreError};

/// The person or system a use case acts for: the provider it is scoped to, the actor
/// the audit log names, and the roles that grant permissions.
#[derive(Debug, Clone)]
pub struct Caller {
    pub scope: Scope,
    pub actor: Actor,
    pub roles: Vec<Role>,
}

impl Caller {
    /// Refuses the use case unless one of the caller's roles grants `permission`.
    pub fn require(&self, permission: Permission) -> Result<(), Failure> {
        if domain::role::any_grants(&self.roles, permission) {
            Ok(())
        } else {
            Err(Failure::Forbidden)
        }
    }

    /// Refuses the use case unless the caller is a signed-in system administrator (the
    /// service-wide settings: result coding, the outbox's dead deliveries).
    pub async fn require_system_admin(&self, store: &store::Store) -> Result<(), Failure> {
        let Some(user_id) = self.actor.user_id else {
            return Err(Failure::Forbidden);
        };
        match store.user(user_id).await {
            Ok(u) if u.is_system_admin => Ok(()),
            Ok(_) | Err(StoreError::NotFound) => Err(Failure::Forbidden),
            Err(e) => Err(e.into()),
        }
    }

    /// The signed-in user, if a person (not a system) is asking.
    pub fn user_id(&self) -> Option<uuid::Uuid> {
        self.actor.user_id
    }
}

/// Why a use case did not happen.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// The caller's roles do not allow it.
    #[error("You do not have permission to do this")]
    Forbidden,
    /// The store refused or failed (not found, invalid, conflict, ...).
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<Failure> for crate::error::AppError {
    fn from(f: Failure) -> Self {
        match f {
            Failure::Forbidden => crate::error::AppError::Forbidden,
            Failure::Store(e) => e.into(),
        }
    }
}

impl From<Failure> for crate::api::Problem {
    fn from(f: Failure) -> Self {
        match f {
            Failure::Forbidden => crate::api::Problem::forbidden(),
            Failure::Store(e) => e.into(),
        }
    }
}
