//! Clinic use cases.

use crate::application::{Caller, Failure};
use domain::Permission;
use store::{ClinicSummary, NewClinic, Store};

/// Sets up a clinic (screening or assessment) at one of the provider's sites, with its
/// slots.
#[tracing::instrument(skip_all)]
pub async fn create(
    store: &Store,
    caller: &Caller,
    new: NewClinic,
) -> Result<ClinicSummary, Failure> {
    caller.require(Permission::ConfigureProvider)?;
    // The location must be this provider's: checked by the store's scoped insert.
    Ok(store
        .create_clinic(caller.scope, &caller.actor, new)
        .await?)
}
