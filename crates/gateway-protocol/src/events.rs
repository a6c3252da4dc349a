//! Events (push, at least once, idempotent): `POST /api/v1/gateway/events` with one
//! [`GatewayEvent`]; `201` stored or `200` already stored, both with an [`EventReceipt`];
//! a refusal is a [`Problem`].
//!
//! Drifts resolved here (the gateway and the central service had each their own copy):
//!
//! - `rows`, `columns`, `bits_stored`: the gateway sent `u32`/`u16`, the central service
//!   read `i64`. They are DICOM US values (0 to 65535), so `u16`; optional, because the
//!   central service needs none of them to file an image.
//! - `thumbnail.width` / `height`: `u32` against `Option<i64>`. A PNG or JPEG size is an
//!   unsigned 32-bit number, so `u32`; optional, as the central service only shows them.
//!   Both databases store them in a 64-bit integer column without loss.
//! - `implant_displaced`, `tomosynthesis`: always sent as `true`/`false` (ADR 11), read as
//!   optional and then as `false` when absent. Now `bool`, `false` when absent.
//! - `echo.ok`: likewise `bool`, `false` when absent; `round_trip_ms` is a `u32` (a C-ECHO
//!   answered after 49 days is not answered), `dead_letters` a `u64` count; the central
//!   service stores the round trip in a 64-bit column.
//! - Every other image and MPPS value stays optional text or number, as ADR 11 lets any of
//!   them be `null`; the central service checks them and names each bad field in a `422`.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

/// One event from a gateway. Its JSON Schema (a `oneOf` by `kind`, each alternative with
/// the envelope's fields) is written out in `crate::schema`, as client generators cannot
/// read the derive's flattened tagged union.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GatewayEvent {
    /// A UUID v7 the gateway makes: the idempotency key.
    pub id: Uuid,
    /// When it happened at the gateway (RFC 3339).
    #[serde(with = "time::serde::rfc3339")]
    pub occurred_at: OffsetDateTime,
    /// `kind` and the kind's own fields.
    #[serde(flatten)]
    pub body: EventBody,
}

/// What the event is about, by its `kind`: "image", "mpps" or "echo".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum EventBody {
    Image(Box<ImageEvent>),
    Mpps(MppsEvent),
    Echo(EchoEvent),
}

impl EventBody {
    /// The `kind` on the wire.
    pub const fn kind(&self) -> &'static str {
        match self {
            EventBody::Image(_) => "image",
            EventBody::Mpps(_) => "mpps",
            EventBody::Echo(_) => "echo",
        }
    }
}

/// An image the gateway stored: its DICOM metadata and, for For Presentation mammograms,
/// a thumbnail. Only `sop_instance_uid` is required.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct ImageEvent {
    /// Digits and dots, at most 64 characters.
    pub sop_instance_uid: String,
    pub sop_class_uid: Option<String>,
    pub study_instance_uid: Option<String>,
    pub series_instance_uid: Option<String>,
    /// At most 16 characters.
    pub accession_number: Option<String>,
    pub patient_id: Option<String>,
    pub patient_name: Option<String>,
    /// "L" or "R".
    pub laterality: Option<String>,
    /// "CC", "MLO", "ML", "LM", "XCCL", ...
    pub view_position: Option<String>,
    /// An implant-displaced (Eklund) view.
    pub implant_displaced: bool,
    pub implant_present: Option<bool>,
    /// "FOR PRESENTATION" or "FOR PROCESSING".
    pub presentation_intent: Option<String>,
    /// A breast tomosynthesis object.
    pub tomosynthesis: bool,
    pub operator_name: Option<String>,
    /// RFC 3339.
    pub acquired_at: Option<String>,
    pub kvp: Option<f64>,
    pub exposure_uas: Option<f64>,
    pub entrance_dose_mgy: Option<f64>,
    pub organ_dose_mgy: Option<f64>,
    pub thickness_mm: Option<f64>,
    pub compression_n: Option<f64>,
    pub anode: Option<String>,
    pub filter: Option<String>,
    pub manufacturer: Option<String>,
    pub model: Option<String>,
    pub station_name: Option<String>,
    pub device_serial: Option<String>,
    pub rows: Option<u16>,
    pub columns: Option<u16>,
    pub bits_stored: Option<u16>,
    pub photometric: Option<String>,
    pub transfer_syntax: Option<String>,
    /// When the gateway received it (RFC 3339).
    pub received_at: Option<String>,
    /// Left out (rather than `null`) when there is none, so the metadata the central
    /// service keeps without it reads the same.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thumbnail: Option<Thumbnail>,
}

/// A small rendering of an image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Thumbnail {
    /// "image/png" or "image/jpeg".
    pub media_type: String,
    #[serde(default)]
    pub width: Option<u32>,
    #[serde(default)]
    pub height: Option<u32>,
    /// At most 4 MB once decoded.
    pub data_base64: String,
}

/// A Modality Performed Procedure Step's state (N-CREATE or N-SET). Events for one MPPS
/// instance may arrive in any order relative to its images.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct MppsEvent {
    /// Required by the central service.
    pub mpps_instance_uid: Option<String>,
    /// "IN PROGRESS", "COMPLETED" or "DISCONTINUED"; required by the central service.
    pub status: Option<String>,
    pub study_instance_uid: Option<String>,
    pub accession_number: Option<String>,
    pub patient_id: Option<String>,
    /// `null` when this step did not say (the central service keeps what it had).
    pub performed_series: Option<Vec<PerformedSeries>>,
    pub discontinuation_reason: Option<String>,
}

/// A series the modality performed, and its images.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PerformedSeries {
    #[serde(default)]
    pub series_instance_uid: Option<String>,
    #[serde(default)]
    pub sop_instance_uids: Vec<String>,
}

/// The gateway's own C-ECHO round trip to its listener, sent every minute: it proves the
/// DICOM side works end to end.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct EchoEvent {
    pub ok: bool,
    /// `null` when the echo failed.
    pub round_trip_ms: Option<u32>,
    /// Why it failed (informative only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Events the gateway has dead-lettered so far (informative; they stay in the
    /// gateway's database).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dead_letters: Option<u64>,
}

/// What became of an event (`200` and `201` answers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventReceipt {
    /// false when it (or its image) was already stored: delivered all the same.
    pub stored: bool,
    /// "attached", "quarantined", "mpps", "echo", "duplicate".
    pub outcome: String,
    #[serde(default)]
    pub appointment_id: Option<Uuid>,
    #[serde(default)]
    pub quarantine_reason: Option<String>,
}

/// An RFC 9457 problem, as the central service refuses a request (`application/problem+json`).
/// The gateway keeps the body of a permanent refusal with the dead letter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// For validation problems (`422`): each field and what is wrong with it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ProblemField>,
}

/// One field of a validation problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProblemField {
    /// The field, as named in the request body (`thumbnail.media_type`).
    pub field: String,
    pub message: String,
}
