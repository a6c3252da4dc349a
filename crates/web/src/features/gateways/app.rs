//! Gateway use cases for staff, shared by the pages and the API, and the PatientID rule the
//! reading pages show. (The gateway protocol itself acts for a gateway, not a person: its
//! handlers call the store with the gateway's own principal.)

use crate::application::{Caller, Failure};
use domain::Permission;
use domain::ids::AppointmentId;
use store::{
    AppointmentDetail, DiscrepancyRecord, GatewayStatus, Participant, QuarantineCandidate,
    ReceivedImage, Settlement, Store,
};
use uuid::Uuid;

/// The office's view: every gateway, each quarantined image with the appointment its keys
/// name (if any), and every discrepancy (open and resolved).
pub struct Overview {
    pub gateways: Vec<GatewayStatus>,
    pub quarantine: Vec<(ReceivedImage, Option<QuarantineCandidate>)>,
    pub discrepancies: Vec<DiscrepancyRecord>,
}

#[tracing::instrument(skip_all)]
pub async fn overview(store: &Store, caller: &Caller) -> Result<Overview, Failure> {
    caller.require(Permission::ViewRecords)?;
    let scope = caller.scope;
    let (gateways, quarantined, discrepancies) = tokio::try_join!(
        store.gateways(scope),
        store.quarantined_images(scope),
        store.image_discrepancies(scope, false)
    )?;
    let mut quarantine = Vec::with_capacity(quarantined.len());
    for image in quarantined {
        let candidate = store.quarantine_candidate(scope, image.id).await?;
        quarantine.push((image, candidate));
    }
    Ok(Overview {
        gateways,
        quarantine,
        discrepancies,
    })
}

/// The provider's gateways and their connection state.
#[tracing::instrument(skip_all)]
pub async fn gateways(store: &Store, caller: &Caller) -> Result<Vec<GatewayStatus>, Failure> {
    caller.require(Permission::ViewRecords)?;
    Ok(store.gateways(caller.scope).await?)
}

/// Images received but attached to no appointment.
#[tracing::instrument(skip_all)]
pub async fn quarantined(store: &Store, caller: &Caller) -> Result<Vec<ReceivedImage>, Failure> {
    caller.require(Permission::ViewRecords)?;
    Ok(store.quarantined_images(caller.scope).await?)
}

/// The discrepancies, the open ones only or all.
#[tracing::instrument(skip_all)]
pub async fn discrepancies(
    store: &Store,
    caller: &Caller,
    open_only: bool,
) -> Result<Vec<DiscrepancyRecord>, Failure> {
    caller.require(Permission::ViewRecords)?;
    Ok(store.image_discrepancies(caller.scope, open_only).await?)
}

/// Resolves a discrepancy, saying how (the store refuses an empty resolution).
#[tracing::instrument(skip_all, fields(discrepancy_id = %discrepancy_id))]
pub async fn resolve(
    store: &Store,
    caller: &Caller,
    discrepancy_id: Uuid,
    resolution: &str,
) -> Result<(), Failure> {
    caller.require(Permission::ManageAppointments)?;
    Ok(store
        .resolve_discrepancy(caller.scope, &caller.actor, discrepancy_id, resolution)
        .await?)
}

/// What to do with a quarantined image, and why.
pub struct Settle {
    pub image_id: Uuid,
    /// Attach it to the appointment its keys name (or ask for that, when its PatientID is
    /// not the participant's); otherwise keep it out of every record.
    pub attach: bool,
    pub reason: String,
}

/// Attaches a quarantined image or keeps it out of every record.
#[tracing::instrument(skip_all, fields(image_id = %cmd.image_id, attach = cmd.attach))]
pub async fn settle(store: &Store, caller: &Caller, cmd: Settle) -> Result<Settlement, Failure> {
    caller.require(Permission::ManageAppointments)?;
    Ok(store
        .settle_quarantined_image(
            caller.scope,
            &caller.actor,
            cmd.image_id,
            cmd.attach,
            &cmd.reason,
        )
        .await?)
}

/// The second person's check of an attachment someone else asked for; returns the
/// appointment the image is now attached to.
#[tracing::instrument(skip_all, fields(image_id = %image_id))]
pub async fn confirm_attachment(
    store: &Store,
    caller: &Caller,
    image_id: Uuid,
    reason: &str,
) -> Result<AppointmentId, Failure> {
    caller.require(Permission::ManageAppointments)?;
    Ok(store
        .confirm_quarantine_attachment(caller.scope, &caller.actor, image_id, reason)
        .await?)
}

/// Takes an attached image off its appointment, back into quarantine, as a different
/// participant's; returns the appointment it was taken off.
#[tracing::instrument(skip_all, fields(image_id = %image_id))]
pub async fn detach(
    store: &Store,
    caller: &Caller,
    image_id: Uuid,
    reason: &str,
) -> Result<AppointmentId, Failure> {
    caller.require(Permission::ManageAppointments)?;
    Ok(store
        .detach_image(caller.scope, &caller.actor, image_id, reason)
        .await?)
}

/// The appointment an image is attached to, if any.
#[tracing::instrument(skip_all, fields(image_id = %image_id))]
pub async fn attached_to(
    store: &Store,
    caller: &Caller,
    image_id: Uuid,
) -> Result<Option<AppointmentId>, Failure> {
    caller.require(Permission::ViewRecords)?;
    Ok(store
        .received_image(caller.scope, image_id)
        .await?
        .appointment_id)
}

/// An appointment and the images attached to it.
#[tracing::instrument(skip_all, fields(appointment_id = %appointment_id))]
pub async fn appointment_images(
    store: &Store,
    caller: &Caller,
    appointment_id: AppointmentId,
) -> Result<(AppointmentDetail, Vec<ReceivedImage>), Failure> {
    caller.require(Permission::ViewRecords)?;
    Ok(tokio::try_join!(
        store.appointment(caller.scope, appointment_id),
        store.appointment_images(caller.scope, appointment_id),
    )?)
}

/// A received image's thumbnail: its media type and bytes.
#[tracing::instrument(skip_all, fields(image_id = %image_id))]
pub async fn thumbnail(
    store: &Store,
    caller: &Caller,
    image_id: Uuid,
) -> Result<(String, Vec<u8>), Failure> {
    caller.require(Permission::ViewRecords)?;
    Ok(store.image_thumbnail(caller.scope, image_id).await?)
}

/// The warning a reading case shows when any of its images has a PatientID that is not
/// the participant's NHS number (attached by two people, or the participant's number
/// changed): never shown without it.
pub fn patient_id_warning(images: &[ReceivedImage], participant: &Participant) -> Option<String> {
    let n = images
        .iter()
        .filter(|i| {
            !domain::gateway::patient_id_matches(i.patient_id.as_deref(), &participant.nhs_number)
        })
        .count();
    (n > 0).then(|| {
        format!(
            "{n} {} a PatientID that is not {}'s NHS number ({}). Check on PACS that the images are hers before you read them.",
            if n == 1 { "image has" } else { "images have" },
            participant.full_name(),
            domain::nhs_number::format_digits(&participant.nhs_number)
        )
    })
}
