//! Follow-up use cases: the office's lists of requests, one request and what has happened
//! to it, booking it into a clinic, the failsafe list, and the office's settings.

use crate::application::{Caller, Failure};
use domain::Permission;
use domain::follow_up::{Age, FollowUpKind, FollowUpState};
use domain::ids::{ClinicId, FollowUpId};
use store::{
    BookableSlot, FollowUp, FollowUpDetail, NewAppointment, OfficeSettings, Store, StoreError,
};
use time::Date;
use uuid::Uuid;

/// How many free slots the booking page and the API offer at once.
pub const SLOTS_OFFERED: i64 = 40;

/// Book follow-up request `follow_up_id` into `slot_id` of `clinic_id`.
pub struct BookFollowUp {
    pub follow_up_id: FollowUpId,
    pub clinic_id: ClinicId,
    pub slot_id: Uuid,
}

/// The request and the free slots it can be booked into (upcoming clinics of the type
/// its kind is booked into, from `today`); none for a request that is not booked into a
/// clinic.
#[tracing::instrument(skip_all, fields(follow_up_id = %follow_up_id))]
pub async fn slots_for(
    store: &Store,
    caller: &Caller,
    follow_up_id: FollowUpId,
    today: Date,
) -> Result<(FollowUpDetail, Vec<BookableSlot>), Failure> {
    caller.require(Permission::ViewRecords)?;
    let detail = store.follow_up(caller.scope, follow_up_id).await?;
    let kind: domain::follow_up::FollowUpKind = detail
        .request
        .kind
        .parse()
        .map_err(|e: domain::UnknownValue| StoreError::Corrupt(e.to_string()))?;
    let slots = match kind.books_into() {
        Some(clinic_type) => {
            store
                .bookable_slots(caller.scope, clinic_type, today, SLOTS_OFFERED)
                .await?
        }
        None => Vec::new(),
    };
    Ok((detail, slots))
}

/// Books the request into the slot: a new appointment in the request's own episode (a
/// recall asks only for the views requested), and the request marked booked. Returns the
/// new appointment's id.
#[tracing::instrument(skip_all, fields(follow_up_id = %cmd.follow_up_id))]
pub async fn book(
    store: &Store,
    caller: &Caller,
    cmd: BookFollowUp,
) -> Result<domain::ids::AppointmentId, Failure> {
    caller.require(Permission::ManageAppointments)?;
    let request = store
        .follow_up(caller.scope, cmd.follow_up_id)
        .await?
        .request;
    let episode_type = store
        .episode_brief(caller.scope, request.episode_id)
        .await?
        .episode_type;
    Ok(store
        .create_appointment(
            caller.scope,
            &caller.actor,
            NewAppointment {
                clinic_id: cmd.clinic_id,
                slot_id: cmd.slot_id,
                participant_id: request.participant_id,
                episode_type,
                follow_up_id: Some(cmd.follow_up_id),
            },
        )
        .await?)
}

/// The failsafe list: recalls and referrals whose booked appointment she did not attend.
pub async fn failsafe(store: &Store, caller: &Caller) -> Result<Vec<FollowUp>, Failure> {
    caller.require(Permission::ViewRecords)?;
    Ok(store.failsafe_follow_ups(caller.scope).await?)
}

/// Age and overdue of an open request on `today` (none once it is booked, done or
/// cancelled).
pub fn age_of(f: &FollowUp, today: Date, overdue_days: i64) -> Option<Age> {
    (f.status == FollowUpState::Open.as_str())
        .then(|| Age::of(f.created_at.date(), today, overdue_days))
}

/// The requests of one kind in the given states, oldest first, with the office's overdue
/// threshold (days) that their ages are measured against.
pub struct Requests {
    pub overdue_days: i64,
    pub requests: Vec<FollowUp>,
}

/// The office's list of one kind of request in `states`.
#[tracing::instrument(skip_all, fields(kind = kind.as_str()))]
pub async fn requests(
    store: &Store,
    caller: &Caller,
    kind: FollowUpKind,
    states: &[FollowUpState],
) -> Result<Requests, Failure> {
    caller.require(Permission::ViewRecords)?;
    let settings = store.office_settings(caller.scope).await?;
    let requests = store.follow_ups_in(caller.scope, kind, states).await?;
    Ok(Requests {
        overdue_days: settings.follow_up_overdue_days,
        requests,
    })
}

/// How many requests of each kind are in `states` (kinds with none may be missing).
#[tracing::instrument(skip_all)]
pub async fn counts(
    store: &Store,
    caller: &Caller,
    states: &[FollowUpState],
) -> Result<Vec<(FollowUpKind, usize)>, Failure> {
    caller.require(Permission::ViewRecords)?;
    Ok(store.follow_up_counts(caller.scope, states).await?)
}

/// One request with every move it has made.
#[tracing::instrument(skip_all, fields(follow_up_id = %follow_up_id))]
pub async fn detail(
    store: &Store,
    caller: &Caller,
    follow_up_id: FollowUpId,
) -> Result<FollowUpDetail, Failure> {
    caller.require(Permission::ViewRecords)?;
    Ok(store.follow_up(caller.scope, follow_up_id).await?)
}

/// Mark request `follow_up_id` booked, done, or cancelled with a reason.
pub struct SetStatus {
    pub follow_up_id: FollowUpId,
    pub to: FollowUpState,
    pub reason: String,
}

/// Moves the request (the store checks the move and that a cancellation says why) and
/// returns it as it now is.
#[tracing::instrument(skip_all, fields(follow_up_id = %cmd.follow_up_id, to = cmd.to.as_str()))]
pub async fn set_status(
    store: &Store,
    caller: &Caller,
    cmd: SetStatus,
) -> Result<FollowUpDetail, Failure> {
    caller.require(Permission::ManageAppointments)?;
    store
        .set_follow_up_status(
            caller.scope,
            &caller.actor,
            cmd.follow_up_id,
            cmd.to,
            &cmd.reason,
        )
        .await?;
    Ok(store.follow_up(caller.scope, cmd.follow_up_id).await?)
}

/// The office's settings: when an open request is overdue.
#[tracing::instrument(skip_all)]
pub async fn settings(store: &Store, caller: &Caller) -> Result<OfficeSettings, Failure> {
    caller.require(Permission::ViewRecords)?;
    Ok(store.office_settings(caller.scope).await?)
}

/// Changes the office's settings (checked by the store) and returns them as saved.
#[tracing::instrument(skip_all)]
pub async fn set_settings(
    store: &Store,
    caller: &Caller,
    settings: &OfficeSettings,
) -> Result<OfficeSettings, Failure> {
    caller.require(Permission::ConfigureProvider)?;
    store
        .set_office_settings(caller.scope, &caller.actor, settings)
        .await?;
    Ok(store.office_settings(caller.scope).await?)
}
