//! Follow-up booking use cases.

use crate::application::{Caller, Failure};
use domain::Permission;
use store::{BookableSlot, FollowUp, FollowUpDetail, NewAppointment, Store, StoreError};
use time::Date;
use uuid::Uuid;

/// How many free slots the booking page and the API offer at once.
pub const SLOTS_OFFERED: i64 = 40;

/// Book follow-up request `follow_up_id` into `slot_id` of `clinic_id`.
pub struct BookFollowUp {
    pub follow_up_id: Uuid,
    pub clinic_id: Uuid,
    pub slot_id: Uuid,
}

/// The request and the free slots it can be booked into (upcoming clinics of the type
/// its kind is booked into, from `today`); none for a request that is not booked into a
/// clinic.
#[tracing::instrument(skip_all, fields(follow_up_id = %follow_up_id))]
pub async fn slots_for(
    store: &Store,
    caller: &Caller,
    follow_up_id: Uuid,
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
pub async fn book(store: &Store, caller: &Caller, cmd: BookFollowUp) -> Result<Uuid, Failure> {
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
