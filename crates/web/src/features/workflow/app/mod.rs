//! The workflow's use cases and the step rules both adapters share.
//!
//! The worklist item is issued by the write that makes the images step reachable (ADR 19):
//! confirming identity, saving the medical information, choosing the room, and the first
//! answer of the images step (for an appointment that reached the step before this rule).
//! Reading the images step never issues it.

pub mod endings;
pub mod images;

pub use images::images_record;

use crate::application::{Caller, Failure};
use domain::ids::AppointmentId;
use domain::imaging::{ImagingContext, RequestedViews};
use domain::medical::MedicalInformation;
use domain::workflow::{IdentityCheck, SectionDocument};
use domain::{AppointmentStatus, Permission};
use store::{Room, Scope, Store, Workflow, WorklistItem};
use uuid::Uuid;

/// The four steps, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    Identity,
    Medical,
    Images,
    Check,
}

impl Step {
    pub const ALL: [Step; 4] = [Step::Identity, Step::Medical, Step::Images, Step::Check];

    pub const fn label(self) -> &'static str {
        match self {
            Step::Identity => "Confirm identity",
            Step::Medical => "Review medical information",
            Step::Images => "Take mammogram images",
            Step::Check => "Check information",
        }
    }

    pub const fn path(self) -> &'static str {
        match self {
            Step::Identity => "identity",
            Step::Medical => "medical-information",
            Step::Images => "images",
            Step::Check => "check",
        }
    }

    pub fn href(self, id: AppointmentId) -> String {
        format!("/appointments/{id}/{}", self.path())
    }
}

/// Whether the participant's identity has been confirmed.
pub fn identity_confirmed(wf: &Workflow) -> bool {
    wf.sections
        .identity
        .as_ref()
        .is_some_and(|s| s.data.confirmed)
}

/// Whether a step's answers are complete.
pub fn step_done(wf: &Workflow, step: Step) -> bool {
    match step {
        Step::Identity => identity_confirmed(wf),
        Step::Medical => wf
            .sections
            .medical
            .as_ref()
            .is_some_and(|s| s.data.all_reviewed),
        Step::Images => wf.sections.images.as_ref().is_some_and(|s| s.data.valid),
        Step::Check => false,
    }
}

/// A step is open once every step before it is done.
pub fn step_unlocked(wf: &Workflow, step: Step) -> bool {
    Step::ALL
        .iter()
        .take_while(|s| **s < step)
        .all(|s| step_done(wf, *s))
}

/// The first step not yet done: where "Resume appointment" goes.
pub fn current_step(wf: &Workflow) -> Step {
    Step::ALL
        .into_iter()
        .find(|s| !step_done(wf, *s))
        .unwrap_or(Step::Check)
}

/// The room the images are taken in (the appointment's, else the user's usual room at
/// the clinic's location, else the first room there), and the rooms offered (those at the
/// clinic's location, or every room if it has none).
pub async fn rooms(
    store: &Store,
    scope: Scope,
    user_id: Option<Uuid>,
    wf: &Workflow,
) -> Result<(Option<Room>, Vec<Room>), Failure> {
    let location_id = store
        .clinic(scope, wf.appointment.clinic_id)
        .await?
        .location_id;
    rooms_at(store, scope, user_id, wf.room.as_ref(), location_id).await
}

/// [`rooms`], from the appointment's room and its clinic's location.
async fn rooms_at(
    store: &Store,
    scope: Scope,
    user_id: Option<Uuid>,
    chosen: Option<&Room>,
    location_id: Uuid,
) -> Result<(Option<Room>, Vec<Room>), Failure> {
    let all = store.rooms(scope).await?;
    let here: Vec<Room> = all
        .iter()
        .filter(|r| r.location_id == location_id)
        .cloned()
        .collect();
    let offered = if here.is_empty() { all } else { here };
    let current = match chosen {
        Some(room) => Some(room.clone()),
        None => {
            let preferred = match user_id {
                Some(user_id) => store.preferred_room(scope, user_id).await?,
                None => None,
            };
            preferred
                .and_then(|p| offered.iter().find(|r| r.id == p))
                .or_else(|| offered.first())
                .cloned()
        }
    };
    Ok((current, offered))
}

/// Issues (or brings up to date) the worklist item if the appointment, in progress, can
/// now take images: earlier steps done and a room known (chosen, or the user's usual
/// room). Idempotent: an item already issued for that room is left as it is. Called at
/// the end of every write that can make the images step reachable; it reads only what
/// decides that ([`Store::images_gate`], one query), and the rooms only when it is so.
#[tracing::instrument(skip_all, fields(appointment_id = %id))]
pub async fn issue_worklist_if_reachable(
    store: &Store,
    caller: &Caller,
    id: AppointmentId,
) -> Result<Option<WorklistItem>, Failure> {
    let gate = store.images_gate(caller.scope, id).await?;
    // The same rule as `step_unlocked(wf, Step::Images)`: identity confirmed, medical
    // information all reviewed.
    let reachable = gate.status == AppointmentStatus::InProgress
        && gate.identity_confirmed
        && gate.medical_reviewed;
    if !reachable {
        return Ok(None);
    }
    let room = match gate.room {
        Some(room) => room,
        None => {
            let (room, _) = rooms_at(
                store,
                caller.scope,
                caller.user_id(),
                None,
                gate.clinic_location_id,
            )
            .await?;
            let Some(room) = room else {
                return Ok(None);
            };
            room
        }
    };
    Ok(store.issue_worklist_item(caller.scope, id, &room).await?)
}

/// Step 1: confirm the participant's identity.
pub struct ConfirmIdentity {
    pub appointment_id: AppointmentId,
    pub expected_version: i64,
}

/// Confirms identity; returns the new appointment version.
#[tracing::instrument(skip_all, fields(appointment_id = %cmd.appointment_id))]
pub async fn confirm_identity(
    store: &Store,
    caller: &Caller,
    cmd: ConfirmIdentity,
) -> Result<i64, Failure> {
    caller.require(Permission::RunAppointment)?;
    let version = store
        .save_section(
            caller.scope,
            &caller.actor,
            cmd.appointment_id,
            store::SectionUpdate {
                document: &SectionDocument::Identity(IdentityCheck { confirmed: true }),
                images_taken: None,
            },
            cmd.expected_version,
        )
        .await?;
    issue_worklist_if_reachable(store, caller, cmd.appointment_id).await?;
    Ok(version)
}

/// Step 3: the room the images are taken in.
pub struct SetRoom {
    pub appointment_id: AppointmentId,
    pub room_id: Uuid,
    pub expected_version: i64,
}

/// Sets the room (remembered as the user's usual room) and issues the worklist item for
/// it if the images step is reachable; returns the new appointment version.
#[tracing::instrument(skip_all, fields(appointment_id = %cmd.appointment_id, room_id = %cmd.room_id))]
pub async fn set_room(store: &Store, caller: &Caller, cmd: SetRoom) -> Result<i64, Failure> {
    caller.require(Permission::RunAppointment)?;
    let version = store
        .set_room(
            caller.scope,
            &caller.actor,
            cmd.appointment_id,
            cmd.room_id,
            cmd.expected_version,
        )
        .await?;
    issue_worklist_if_reachable(store, caller, cmd.appointment_id).await?;
    Ok(version)
}

/// Step 2: the whole medical document, already checked with
/// [`MedicalInformation::validate`].
pub struct SaveMedical<'a> {
    pub appointment_id: AppointmentId,
    pub info: &'a MedicalInformation,
    pub expected_version: i64,
}

/// Saves the whole medical document (with `all_reviewed`, which the step status reads).
/// Once everything is reviewed the images step is reachable: the worklist item is issued.
#[tracing::instrument(skip_all, fields(appointment_id = %cmd.appointment_id))]
pub async fn save_medical(
    store: &Store,
    caller: &Caller,
    cmd: SaveMedical<'_>,
) -> Result<i64, Failure> {
    caller.require(Permission::RunAppointment)?;
    let mut info = cmd.info.clone();
    info.normalise();
    let all_reviewed = info.all_reviewed();
    let version = store
        .save_section(
            caller.scope,
            &caller.actor,
            cmd.appointment_id,
            store::SectionUpdate {
                document: &SectionDocument::Medical(info.into_document()),
                images_taken: None,
            },
            cmd.expected_version,
        )
        .await?;
    if all_reviewed {
        issue_worklist_if_reachable(store, caller, cmd.appointment_id).await?;
    }
    Ok(version)
}

/// This appointment's medical information: what it has saved, or else what the
/// participant's previous appointment saved, carried forward for confirmation.
pub fn information(wf: &Workflow) -> MedicalInformation {
    if let Some(saved) = &wf.sections.medical {
        return saved.data.information.clone();
    }
    if let Some(carried) = &wf.carried_medical {
        return MedicalInformation::carried_from(&carried.data, carried.recorded_on);
    }
    MedicalInformation::default()
}

/// Which breasts are expected to be imaged and whether there are implants, from the
/// medical information recorded in this appointment (or carried forward into it), and for
/// a recall appointment the views the recall asks for.
pub fn imaging_context(wf: &Workflow) -> ImagingContext {
    let context = information(wf).imaging_context();
    match requested_views(wf) {
        Some(views) => context.recalling(views),
        None => context,
    }
}

/// The views a recall appointment asks for: a technical recall's or a recall for more
/// images' named views; `None` for a screen (or a recall that named none: the standard
/// set).
pub fn requested_views(wf: &Workflow) -> Option<RequestedViews> {
    use domain::follow_up::FollowUpKind;
    wf.appointment
        .follow_up
        .as_ref()
        .filter(|f| {
            matches!(
                f.kind,
                FollowUpKind::TechnicalRecall | FollowUpKind::MoreImages
            )
        })
        .and_then(|f| RequestedViews::of(f.views.iter().copied()))
}
