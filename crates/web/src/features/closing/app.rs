//! Clinic closing use cases, shared by the pages and the API.

use crate::application::{Caller, Failure};
use domain::ending::{CloseBlocker, CloseGroup};
use domain::ids::ClinicId;
use domain::{AppointmentAction, AppointmentStatus, Permission};
use store::{ClinicAppointmentRow, ClinicSummary, Store};

/// What the close page shows: the clinic, its appointments, and what stops it closing
/// (each with the appointment it concerns).
pub struct CloseView {
    pub clinic: ClinicSummary,
    pub appointments: Vec<ClinicAppointmentRow>,
    pub blockers: Vec<(domain::ids::AppointmentId, CloseBlocker)>,
}

/// The clinic as the office closes it.
#[tracing::instrument(skip_all, fields(clinic_id = %clinic_id))]
pub async fn view(
    store: &Store,
    caller: &Caller,
    clinic_id: ClinicId,
) -> Result<CloseView, Failure> {
    caller.require(Permission::ManageAppointments)?;
    let (clinic, appointments, blockers) = tokio::try_join!(
        store.clinic(caller.scope, clinic_id),
        store.clinic_appointments(caller.scope, clinic_id),
        store.close_blockers(caller.scope, clinic_id)
    )?;
    Ok(CloseView {
        clinic,
        appointments,
        blockers,
    })
}

/// The status a group's participants are in and the move that marks them all at once;
/// none for a group whose appointments are ended one by one (those in progress).
fn bulk_move(group: CloseGroup) -> Option<(AppointmentStatus, AppointmentAction)> {
    match (group, group.bulk_action()) {
        (CloseGroup::CheckedInNotScreened, Some(a)) => Some((AppointmentStatus::CheckedIn, a)),
        (CloseGroup::DidNotCheckIn, Some(a)) => Some((AppointmentStatus::Scheduled, a)),
        _ => None,
    }
}

/// The bulk actions: every checked-in participant not yet screened marked attended not
/// screened, or everyone who did not check in marked did not attend. Returns how many
/// changed, or none when `group` is not marked in bulk (nothing changed).
#[tracing::instrument(skip_all, fields(clinic_id = %clinic_id, group = group.as_str()))]
pub async fn mark_all(
    store: &Store,
    caller: &Caller,
    clinic_id: ClinicId,
    group: CloseGroup,
) -> Result<Option<usize>, Failure> {
    caller.require(Permission::ManageAppointments)?;
    let Some((from, action)) = bulk_move(group) else {
        return Ok(None);
    };
    Ok(Some(
        store
            .bulk_action(caller.scope, &caller.actor, clinic_id, from, action)
            .await?,
    ))
}

/// Closes the clinic; the store refuses while anyone lacks a final outcome.
#[tracing::instrument(skip_all, fields(clinic_id = %clinic_id))]
pub async fn close(store: &Store, caller: &Caller, clinic_id: ClinicId) -> Result<(), Failure> {
    caller.require(Permission::ManageAppointments)?;
    Ok(store
        .close_clinic(caller.scope, &caller.actor, clinic_id)
        .await?)
}
