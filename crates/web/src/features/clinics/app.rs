//! Clinic use cases.

use crate::application::{Caller, Failure};
use domain::ids::ClinicId;
use domain::{ClinicTab, Permission};
use store::{ClinicAppointmentRow, ClinicSummary, NewClinic, Store, TabCounts};
use time::Date;

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

/// The clinics under one tab of the clinic list (as of `today`), with every tab's count.
#[tracing::instrument(skip_all, fields(tab = tab.as_str()))]
pub async fn list(
    store: &Store,
    caller: &Caller,
    tab: ClinicTab,
    today: Date,
) -> Result<(TabCounts, Vec<ClinicSummary>), Failure> {
    caller.require(Permission::ViewRecords)?;
    let counts = store.clinic_tab_counts(caller.scope, today).await?;
    let clinics = store.clinics(caller.scope, tab, today).await?;
    Ok((counts, clinics))
}

/// One clinic.
#[tracing::instrument(skip_all, fields(clinic_id = %clinic_id))]
pub async fn get(
    store: &Store,
    caller: &Caller,
    clinic_id: ClinicId,
) -> Result<ClinicSummary, Failure> {
    caller.require(Permission::ViewRecords)?;
    Ok(store.clinic(caller.scope, clinic_id).await?)
}

/// A clinic's appointments, in slot order.
#[tracing::instrument(skip_all, fields(clinic_id = %clinic_id))]
pub async fn appointments(
    store: &Store,
    caller: &Caller,
    clinic_id: ClinicId,
) -> Result<Vec<ClinicAppointmentRow>, Failure> {
    caller.require(Permission::ViewRecords)?;
    // One query; another provider's clinic is not found.
    Ok(store.clinic_day(caller.scope, clinic_id).await?.1)
}
