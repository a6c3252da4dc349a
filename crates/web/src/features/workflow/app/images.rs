//! Step 3's record, shared by the manual pages, the automatic flow and the API: how the
//! images record is saved and read back, and the record and doses that come from the
//! images a gateway sent.
//!
//! The saved images section is a [`ImagesDocument`]: the normalised record, whether it is
//! valid, the room and how it was recorded.

use super::imaging_context;
use domain::gateway::{RecordingMethod, add_received_exposures, received_counts};
use domain::imaging::{
    Derivation, ImageDose, ImagesRecord, ImagingContext, StandardSetAnswer, derive, validate,
};
use domain::workflow::{ImagesDocument, SectionDocument};
use store::{Actor, ImageCapture, ReceivedImage, Scope, Store, Workflow};

/// The images record saved for this appointment, if any.
pub fn images_record(wf: &Workflow) -> Option<ImagesRecord> {
    Some(wf.sections.images.as_ref()?.data.record.clone())
}

/// Whether the step is complete: the record passes every domain check. "No images taken"
/// is never complete here: that appointment cannot proceed, it does not go on to "Check
/// information".
pub fn is_valid(record: &ImagesRecord, context: &ImagingContext) -> bool {
    record.standard_set != StandardSetAnswer::NoImages && validate(record, context).is_ok()
}

/// How the saved record was made: "Automatic" once the images received were confirmed,
/// "Manual" otherwise.
pub fn recording_method(wf: &Workflow) -> RecordingMethod {
    wf.sections
        .images
        .as_ref()
        .map_or(RecordingMethod::Manual, |s| s.data.method)
}

/// Saves `record` (normalised) as the appointment's images section, with whether it is
/// valid and the room, and the number of images taken. The one way the record is saved,
/// by the pages and the API alike. Returns the new version and what the record means.
/// Keeps the recording method already saved.
pub async fn save_record(
    store: &Store,
    scope: Scope,
    actor: &Actor,
    wf: &Workflow,
    record: &ImagesRecord,
    expected_version: i64,
) -> store::Result<(i64, Derivation)> {
    save_record_as(store, scope, actor, wf, record, expected_version, None).await
}

/// [`save_record`], setting the recording method when `method` is given.
pub async fn save_record_as(
    store: &Store,
    scope: Scope,
    actor: &Actor,
    wf: &Workflow,
    record: &ImagesRecord,
    expected_version: i64,
    method: Option<RecordingMethod>,
) -> store::Result<(i64, Derivation)> {
    let context = imaging_context(wf);
    let record = record.normalised();
    let derivation = derive(&record, &context);
    let document = SectionDocument::Images(ImagesDocument {
        valid: is_valid(&record, &context),
        record,
        room_id: wf.room.as_ref().map(|r| r.id),
        method: method.unwrap_or_else(|| recording_method(wf)),
    });
    let version = store
        .save_section(
            scope,
            actor,
            wf.appointment.id,
            store::SectionUpdate {
                document: &document,
                images_taken: Some(i64::from(derivation.total_images)),
            },
            expected_version,
        )
        .await?;
    Ok((version, derivation))
}

/// Why someone switched to manual image mode (the troubleshooting cases).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ManualReason {
    NotOnWorklist,
    GatewayNotConnected,
    DifferentParticipant,
    WrongNumber,
    IncorrectLabels,
    Other,
}

impl ManualReason {
    pub const ALL: [ManualReason; 6] = [
        ManualReason::NotOnWorklist,
        ManualReason::GatewayNotConnected,
        ManualReason::DifferentParticipant,
        ManualReason::WrongNumber,
        ManualReason::IncorrectLabels,
        ManualReason::Other,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            ManualReason::NotOnWorklist => "not_on_worklist",
            ManualReason::GatewayNotConnected => "gateway_not_connected",
            ManualReason::DifferentParticipant => "different_participant",
            ManualReason::WrongNumber => "wrong_number",
            ManualReason::IncorrectLabels => "incorrect_labels",
            ManualReason::Other => "other",
        }
    }

    pub const fn label(self) -> &'static str {
        match self {
            ManualReason::NotOnWorklist => "The participant has not been added to the worklist",
            ManualReason::GatewayNotConnected => "The image gateway is not connected",
            ManualReason::DifferentParticipant => "A different participant's images are displayed",
            ManualReason::WrongNumber => "The wrong number of images are displayed",
            ManualReason::IncorrectLabels => "Images have incorrect labels",
            ManualReason::Other => "Other",
        }
    }

    pub fn parse(s: &str) -> Option<ManualReason> {
        ManualReason::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim())
    }
}

/// The images record that "Confirm all images received" saves: the counts per view of the
/// counted images, keeping the repeats answers and additional details already given.
pub fn record_from_capture(
    wf: &Workflow,
    capture: &ImageCapture,
) -> Result<ImagesRecord, &'static str> {
    let counts = capture.counts();
    if counts.total == 0 {
        return Err("No images have been received yet");
    }
    if !counts.over_limit.is_empty() {
        return Err(
            "More than 9 images of one view were received: switch to manual image mode and record them by hand",
        );
    }
    let mut record = images_record(wf)
        .filter(|r| r.standard_set == StandardSetAnswer::No)
        .unwrap_or_else(|| ImagesRecord::with_counts(counts.counts));
    record.standard_set = StandardSetAnswer::No;
    record.counts = counts.counts;
    Ok(record)
}

/// The dose of an image, in mGy: its organ (mean glandular) dose.
pub fn dose(image: &ReceivedImage) -> Option<f64> {
    image.organ_dose_mgy
}

/// The total organ dose of the counted images (mGy), if every one reported it.
pub fn total_dose(images: &[ReceivedImage]) -> Option<f64> {
    let counted: Vec<&ReceivedImage> = images.iter().filter(|i| i.counted).collect();
    if counted.is_empty() {
        return None;
    }
    counted.iter().map(|i| dose(i)).sum()
}

/// For a record made from the images received: adds each counted image's dose, the total,
/// and the operators the images name to the IR(ME)R exposure record saved at completion.
pub async fn add_received_doses(
    store: &Store,
    scope: Scope,
    wf: &Workflow,
    finish: &mut store::Finish,
) -> store::Result<()> {
    if recording_method(wf) != RecordingMethod::Automatic {
        return Ok(());
    }
    let Some(SectionDocument::Exposure(exposure)) = finish.record.as_mut() else {
        return Ok(());
    };
    let images = store.appointment_images(scope, wf.appointment.id).await?;
    let counted: Vec<&ReceivedImage> = images.iter().filter(|i| i.counted).collect();
    // Every exposure counts, whatever its view code (ML, XCCL, unlabelled): in the IR(ME)R
    // total and in the mammographer's images.
    let received = received_counts(
        &counted
            .iter()
            .map(|i| i.received_view())
            .collect::<Vec<_>>(),
    );
    add_received_exposures(exposure, &received);
    if let Some(tally) = finish.tally.as_mut() {
        tally.images = i64::from(exposure.total_exposures);
    }
    exposure.image_doses = counted
        .iter()
        .map(|i| ImageDose {
            sop_instance_uid: i.sop_instance_uid.clone(),
            view: i.view.clone(),
            organ_dose_mgy: i.organ_dose_mgy,
            entrance_dose_mgy: i.entrance_dose_mgy,
        })
        .collect();
    exposure.total_organ_dose_mgy = total_dose(&images);
    exposure.operators_on_images = operators_on(&counted);
    exposure.recording_method = RecordingMethod::Automatic;
    Ok(())
}

/// The operators the images name, each once, in the order first seen.
fn operators_on(images: &[&ReceivedImage]) -> Vec<String> {
    let mut operators: Vec<String> = Vec::new();
    for i in images {
        if let Some(op) = i.metadata.get("operator_name").and_then(|o| o.as_str())
            && !op.trim().is_empty()
            && !operators.iter().any(|o| o == op.trim())
        {
            operators.push(op.trim().to_owned());
        }
    }
    operators
}

/// Whether images have been taken for the appointment: recorded by hand, or any received
/// from the gateway (`domain::ending::images_taken`). The exit page then offers only
/// pausing, and "Appointment cannot proceed" is refused.
pub async fn images_taken(store: &Store, scope: Scope, wf: &Workflow) -> store::Result<bool> {
    let received = store.received_image_count(scope, wf.appointment.id).await?;
    Ok(domain::ending::images_taken(wf.images_taken, received))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_reasons_read_back() {
        for r in ManualReason::ALL {
            assert_eq!(ManualReason::parse(r.as_str()), Some(r));
        }
        assert_eq!(ManualReason::parse("teleport"), None);
    }
}
