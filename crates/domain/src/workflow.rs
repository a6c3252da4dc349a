//! The saved steps of a screening appointment, as typed documents.
//!
//! Each appointment keeps at most one document per [`SectionKind`]: the answers of a step
//! (identity, medical information, images) or what its ending recorded (the IR(ME)R
//! exposure record, why it did not proceed, the cancellation). A document is stored as the
//! JSON of its own type beside its kind, and read back into that type: no reader looks a
//! field up by name.

use crate::ending::{AttendedNotScreened, Cancellation};
use crate::gateway::RecordingMethod;
use crate::imaging::{ExposureRecord, ImagesRecord};
use crate::medical::MedicalDocument;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

labelled_enum! {
    /// Which saved document of an appointment.
    pub enum SectionKind ("workflow section") {
        Identity => ("identity", "Confirm identity"),
        Medical => ("medical", "Review medical information"),
        Images => ("images", "Take mammogram images"),
        Exposure => ("exposure", "Exposure record"),
        Ending => ("ending", "Why the appointment did not proceed"),
        Cancellation => ("cancellation", "Cancellation"),
    }
}

/// Step 1, "Confirm identity".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IdentityCheck {
    /// The participant's identity was confirmed.
    pub confirmed: bool,
}

/// Step 3, "Take mammogram images": the record and what the service made of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImagesDocument {
    /// The record, normalised.
    pub record: ImagesRecord,
    /// The record passes every check for the appointment's imaging context.
    pub valid: bool,
    /// The room the images were taken in, when one was chosen.
    #[serde(default)]
    pub room_id: Option<Uuid>,
    /// Recorded by hand, or confirmed from the images the machine sent.
    #[serde(default = "manual")]
    pub method: RecordingMethod,
}

fn manual() -> RecordingMethod {
    RecordingMethod::Manual
}

/// One saved document of an appointment, typed by its kind.
#[derive(Debug, Clone, PartialEq)]
pub enum SectionDocument {
    Identity(IdentityCheck),
    Medical(MedicalDocument),
    Images(ImagesDocument),
    Exposure(ExposureRecord),
    Ending(AttendedNotScreened),
    Cancellation(Cancellation),
}

impl SectionDocument {
    /// Which section the document is saved as.
    pub const fn kind(&self) -> SectionKind {
        match self {
            SectionDocument::Identity(_) => SectionKind::Identity,
            SectionDocument::Medical(_) => SectionKind::Medical,
            SectionDocument::Images(_) => SectionKind::Images,
            SectionDocument::Exposure(_) => SectionKind::Exposure,
            SectionDocument::Ending(_) => SectionKind::Ending,
            SectionDocument::Cancellation(_) => SectionKind::Cancellation,
        }
    }

    /// The stored JSON: the document's own fields, without its kind.
    pub fn to_json(&self) -> serde_json::Value {
        let value = match self {
            SectionDocument::Identity(d) => serde_json::to_value(d),
            SectionDocument::Medical(d) => serde_json::to_value(d),
            SectionDocument::Images(d) => serde_json::to_value(d),
            SectionDocument::Exposure(d) => serde_json::to_value(d),
            SectionDocument::Ending(d) => serde_json::to_value(d),
            SectionDocument::Cancellation(d) => serde_json::to_value(d),
        };
        // Every document is plain data (string keys, no failing serializer).
        value.unwrap_or(serde_json::Value::Null)
    }

    /// Reads a stored document of `kind` back into its type.
    pub fn from_json(kind: SectionKind, value: serde_json::Value) -> serde_json::Result<Self> {
        Ok(match kind {
            SectionKind::Identity => SectionDocument::Identity(serde_json::from_value(value)?),
            SectionKind::Medical => SectionDocument::Medical(serde_json::from_value(value)?),
            SectionKind::Images => SectionDocument::Images(serde_json::from_value(value)?),
            SectionKind::Exposure => SectionDocument::Exposure(serde_json::from_value(value)?),
            SectionKind::Ending => SectionDocument::Ending(serde_json::from_value(value)?),
            SectionKind::Cancellation => {
                SectionDocument::Cancellation(serde_json::from_value(value)?)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ending::{CancelReason, RescheduleDecision};
    use crate::medical::MedicalInformation;
    use serde_json::json;

    #[test]
    fn kinds_have_stable_stored_values() {
        let cases = [
            (SectionKind::Identity, "identity"),
            (SectionKind::Medical, "medical"),
            (SectionKind::Images, "images"),
            (SectionKind::Exposure, "exposure"),
            (SectionKind::Ending, "ending"),
            (SectionKind::Cancellation, "cancellation"),
        ];
        assert_eq!(cases.len(), SectionKind::ALL.len());
        for (kind, stored) in cases {
            assert_eq!(kind.as_str(), stored);
            assert_eq!(stored.parse::<SectionKind>(), Ok(kind));
        }
        assert!("notes".parse::<SectionKind>().is_err());
    }

    #[test]
    fn each_document_reads_back_as_saved() {
        let documents = [
            SectionDocument::Identity(IdentityCheck { confirmed: true }),
            SectionDocument::Medical(MedicalInformation::default().into_document()),
            SectionDocument::Images(ImagesDocument {
                record: ImagesRecord::standard_set(),
                valid: true,
                room_id: Some(Uuid::nil()),
                method: RecordingMethod::Automatic,
            }),
            SectionDocument::Ending(AttendedNotScreened::default()),
            SectionDocument::Cancellation(Cancellation {
                reason: Some(CancelReason::ALL[0]),
                details: String::new(),
                reschedule: Some(RescheduleDecision::ALL[0]),
            }),
        ];
        for document in documents {
            let back = SectionDocument::from_json(document.kind(), document.to_json());
            assert_eq!(back.ok(), Some(document));
        }
    }

    #[test]
    fn documents_saved_before_the_types_still_read() {
        // (kind, stored JSON as earlier versions wrote it, what it must read as)
        let cases = [
            (
                SectionKind::Identity,
                json!({ "confirmed": true }),
                SectionDocument::Identity(IdentityCheck { confirmed: true }),
            ),
            (
                SectionKind::Medical,
                json!({ "all_reviewed": true }),
                SectionDocument::Medical(MedicalDocument {
                    information: MedicalInformation::default(),
                    all_reviewed: true,
                }),
            ),
            (
                SectionKind::Images,
                json!({ "record": ImagesRecord::standard_set(), "valid": true }),
                SectionDocument::Images(ImagesDocument {
                    record: ImagesRecord::standard_set(),
                    valid: true,
                    room_id: None,
                    method: RecordingMethod::Manual,
                }),
            ),
        ];
        for (kind, stored, expected) in cases {
            let read = SectionDocument::from_json(kind, stored);
            assert_eq!(read.ok(), Some(expected), "{kind:?}");
        }
    }

    #[test]
    fn a_document_of_the_wrong_shape_is_refused() {
        let cases = [
            (SectionKind::Identity, json!({ "confirmed": "yes" })),
            (SectionKind::Images, json!({ "valid": true })),
            (SectionKind::Medical, json!([1, 2])),
        ];
        for (kind, stored) in cases {
            assert!(
                SectionDocument::from_json(kind, stored).is_err(),
                "{kind:?}"
            );
        }
    }
}
