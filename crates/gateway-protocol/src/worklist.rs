//! The worklist (pull): `GET /api/v1/gateway/worklist?after=<cursor>&wait=<seconds>`.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The worklist request's query.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct WorklistQuery {
    /// The cursor from the previous answer; absent for every live item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    /// Seconds (0-25) to hold the request open until something changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait: Option<u64>,
}

/// The worklist answer: every item created or changed after the cursor asked with, oldest
/// change first, and the cursor to ask with next time.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorklistPage {
    /// Send as `after` next time (opaque to the gateway; a decimal change number today).
    /// Required: a page without one could not be acknowledged.
    pub cursor: String,
    #[serde(default)]
    pub items: Vec<WorklistItem>,
}

/// A worklist item, as the central service sends it and the gateway keeps it (keyed by
/// `id`, a newer `revision` replacing an older one).
///
/// Drift resolved here: the central service wrote every field as a plain string and the
/// gateway read all but four as optional. The wire type is the gateway's reading, because
/// that is the one a newer or older central service must satisfy: `id` and `status` are
/// required, and every DICOM value may be absent (`null`), which C-FIND tells apart from an
/// empty value. `id` stays a string (the gateway treats it as an opaque key; the central
/// service sends a UUID). `revision` is an `i64`, the change counter's type in both
/// databases (SQLite INTEGER, PostgreSQL BIGINT).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
// Named apart from the staff API's `WorklistItem` (the central service's own view of it).
#[cfg_attr(feature = "openapi", schema(as = GatewayWorklistItem))]
pub struct WorklistItem {
    /// The item's id (a UUID from the central service).
    pub id: String,
    /// The appointment the item is for (a UUID).
    #[serde(default)]
    pub appointment_id: Option<String>,
    /// Higher replaces lower.
    pub revision: i64,
    /// "scheduled", "in_progress", "completed", "discontinued" or "cancelled".
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "scheduled"))]
    pub status: WorklistStatus,
    /// At most 16 characters.
    #[serde(default)]
    pub accession_number: Option<String>,
    /// `2.25.<decimal of a UUID>`.
    #[serde(default)]
    pub study_instance_uid: Option<String>,
    #[serde(default)]
    pub requested_procedure_id: Option<String>,
    #[serde(default)]
    pub requested_procedure_description: Option<String>,
    #[serde(default)]
    pub scheduled_step_id: Option<String>,
    #[serde(default)]
    pub scheduled_step_description: Option<String>,
    #[serde(default)]
    pub station_ae_title: Option<String>,
    #[serde(default)]
    pub modality: Option<String>,
    /// Local (Europe/London) date and time without offset, `YYYY-MM-DDTHH:MM:SS`, as
    /// DICOM DA/TM are.
    #[serde(default)]
    pub scheduled_start: Option<String>,
    /// The NHS number.
    #[serde(default)]
    pub patient_id: Option<String>,
    /// DICOM person name, `LAST^FIRST`.
    #[serde(default)]
    pub patient_name: Option<String>,
    /// `YYYYMMDD`.
    #[serde(default)]
    pub birth_date: Option<String>,
    /// "F", "M" or "O".
    #[serde(default)]
    pub sex: Option<String>,
}

impl WorklistItem {
    /// Only scheduled and in-progress items answer C-FIND.
    pub fn is_live(&self) -> bool {
        self.status.is_live()
    }
}

/// A worklist item's status. Written as its snake_case value. A value this side does not
/// know (from a newer peer) is kept as written in [`WorklistStatus::Other`], so it survives
/// being stored and sent on, and is never live.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum WorklistStatus {
    Scheduled,
    InProgress,
    Completed,
    Discontinued,
    Cancelled,
    /// A value this side does not know.
    Other(String),
}

impl WorklistStatus {
    /// The value on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            WorklistStatus::Scheduled => "scheduled",
            WorklistStatus::InProgress => "in_progress",
            WorklistStatus::Completed => "completed",
            WorklistStatus::Discontinued => "discontinued",
            WorklistStatus::Cancelled => "cancelled",
            WorklistStatus::Other(s) => s,
        }
    }

    /// Whether the modality can still find the item (scheduled or in progress).
    pub fn is_live(&self) -> bool {
        matches!(self, WorklistStatus::Scheduled | WorklistStatus::InProgress)
    }
}

/// No status: never live (what an item read from nothing has).
impl Default for WorklistStatus {
    fn default() -> Self {
        WorklistStatus::Other(String::new())
    }
}

impl From<&str> for WorklistStatus {
    fn from(s: &str) -> Self {
        match s {
            "scheduled" => WorklistStatus::Scheduled,
            "in_progress" => WorklistStatus::InProgress,
            "completed" => WorklistStatus::Completed,
            "discontinued" => WorklistStatus::Discontinued,
            "cancelled" => WorklistStatus::Cancelled,
            other => WorklistStatus::Other(other.to_owned()),
        }
    }
}

impl From<String> for WorklistStatus {
    fn from(s: String) -> Self {
        match WorklistStatus::from(s.as_str()) {
            WorklistStatus::Other(_) => WorklistStatus::Other(s),
            known => known,
        }
    }
}

impl std::fmt::Display for WorklistStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for WorklistStatus {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for WorklistStatus {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(WorklistStatus::from)
    }
}
