//! The GP result message (issue 13, ADR 27): one breast screening result as a FHIR R4
//! message Bundle for the participant's registered practice, in the shape of GP Connect
//! "Send Document" over MESH, and the practice's ITK3-style business acknowledgement.
//!
//! - [`bundle`] / [`to_bytes`] render a [`GpResult`]: a MessageHeader, then the
//!   DiagnosticReport (with the participant letter as a PDF), the Observation, the Patient
//!   and the two Organizations.
//! - [`summarise`] reads one of our own result messages back (tests, the office's outbox).
//! - [`business_ack`] writes the acknowledgement a practice sends back, and [`parse_ack`]
//!   reads one.
//!
//! Pure: no I/O and no clock. Every id in a message is the bundle id or derived from it, so
//! the same input renders to the same bytes.
//!
//! # Identifiers this service owns
//! - `https://screening.example.nhs.uk/Id/result` ([`RESULT_ID_SYSTEM`]): our result record
//!   id, on DiagnosticReport.identifier. Each version of a result is its own record.
//! - `https://screening.example.nhs.uk/StructureDefinition/result-version`
//!   ([`RESULT_VERSION_EXTENSION`]): the result's version (1, then 2 for a correction...)
//!   as a positiveInt extension on the DiagnosticReport.
//! - `https://screening.example.nhs.uk/StructureDefinition/replaces-result`
//!   ([`REPLACES_EXTENSION`]): on a correction, the result record id it replaces, as an
//!   Identifier in the result id system.
//!
//! Codes are never invented: a finding without a SNOMED CT mapping travels as text only.

mod ack;
mod fhir;
mod read;
mod result;
#[cfg(test)]
mod tests;

pub use ack::{business_ack, parse_ack};
pub use read::summarise;
pub use result::{bundle, to_bytes};

/// The base of the identifiers and extensions this service defines (the same host as its
/// problem types).
pub const BASE_URL: &str = "https://screening.example.nhs.uk";
/// The identifier system of our result record ids (DiagnosticReport.identifier).
pub const RESULT_ID_SYSTEM: &str = "https://screening.example.nhs.uk/Id/result";
/// The extension carrying a result's version on the DiagnosticReport.
pub const RESULT_VERSION_EXTENSION: &str =
    "https://screening.example.nhs.uk/StructureDefinition/result-version";
/// The extension naming the result record a correction replaces.
pub const REPLACES_EXTENSION: &str =
    "https://screening.example.nhs.uk/StructureDefinition/replaces-result";

/// A SNOMED CT concept: its id and its display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coding {
    pub code: String,
    pub display: String,
}

impl From<domain::results::Snomed> for Coding {
    fn from(s: domain::results::Snomed) -> Coding {
        Coding {
            code: s.code.to_owned(),
            display: s.display.to_owned(),
        }
    }
}

/// An organisation by its ODS code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organisation {
    pub ods_code: String,
    pub name: String,
}

/// One result, as sent to the participant's GP practice.
#[derive(Clone, PartialEq, Eq)]
pub struct GpResult<'a> {
    /// Bundle.id and the MessageHeader's id (the two are the same): unique per sending, so
    /// a resend after a transient error gets a new one.
    pub bundle_id: uuid::Uuid,
    /// Our result record id: DiagnosticReport.identifier in [`RESULT_ID_SYSTEM`].
    pub result_id: uuid::Uuid,
    /// The result's version; above 1 it is a correction.
    pub version: i64,
    /// The result record this one replaces. With it the DiagnosticReport and Observation
    /// are "corrected" (else "final") and carry the [`REPLACES_EXTENSION`] and a note.
    pub supersedes: Option<uuid::Uuid>,
    pub issued: time::OffsetDateTime,
    /// 10 digits, no spaces.
    pub nhs_number: String,
    pub family_name: String,
    pub given_name: String,
    pub date_of_birth: time::Date,
    /// The recipient: the registered practice.
    pub gp_practice: Organisation,
    /// The breast screening office.
    pub sender: Organisation,
    pub kind: domain::results::ResultKind,
    /// The plain-language text, as issued (`ResultKind::gp_text` when it was made).
    pub text: String,
    /// The SNOMED CT finding, when mapped; `None` sends the text only.
    pub finding: Option<Coding>,
    /// The SNOMED CT procedure (268547008) when she was screened.
    pub procedure: Option<Coding>,
    pub next_test_due: Option<time::Date>,
    /// The participant letter, attached as the report's PDF.
    pub letter_pdf: &'a [u8],
}

impl std::fmt::Debug for GpResult<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GpResult")
            .field("bundle_id", &self.bundle_id)
            .field("result_id", &self.result_id)
            .field("version", &self.version)
            .field("supersedes", &self.supersedes)
            .field("kind", &self.kind)
            .field("finding", &self.finding)
            .field("procedure", &self.procedure)
            .field(
                "letter_pdf",
                &format_args!("{} bytes", self.letter_pdf.len()),
            )
            .finish_non_exhaustive()
    }
}

/// A MessageHeader.response code (R4 `response-code`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AckCode {
    /// Accepted and filed.
    Ok,
    /// Not filed for now; send again later (a new bundle id).
    TransientError,
    /// Rejected for its content; sending it again unchanged is pointless.
    FatalError,
}

impl AckCode {
    pub const ALL: [AckCode; 3] = [AckCode::Ok, AckCode::TransientError, AckCode::FatalError];

    /// The FHIR code.
    pub const fn as_str(self) -> &'static str {
        match self {
            AckCode::Ok => "ok",
            AckCode::TransientError => "transient-error",
            AckCode::FatalError => "fatal-error",
        }
    }

    /// The FHIR code's value, or `None` for anything else.
    pub fn from_code(code: &str) -> Option<AckCode> {
        AckCode::ALL.into_iter().find(|c| c.as_str() == code)
    }
}

/// A business acknowledgement, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ack {
    /// The bundle (and MessageHeader) id of the result message acknowledged.
    pub original_bundle_id: uuid::Uuid,
    pub code: AckCode,
}

/// One of our result messages, read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub bundle_id: uuid::Uuid,
    pub result_id: uuid::Uuid,
    pub version: i64,
    pub nhs_number: String,
    /// The Observation's SNOMED CT finding code, if it has one.
    pub finding_code: Option<String>,
    /// The DiagnosticReport's conclusion: the plain-language text.
    pub text: String,
    /// The DiagnosticReport's status: "final" or "corrected".
    pub status: String,
}

/// Why bytes could not be read as an acknowledgement or a result message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GpMessageError {
    #[error("not JSON: {0}")]
    NotJson(String),
    #[error("not a FHIR Bundle (resourceType is {0})")]
    NotABundle(String),
    #[error("not a message Bundle (Bundle.type is {0})")]
    NotAMessage(String),
    #[error("the message's first entry is not a MessageHeader")]
    NoMessageHeader,
    #[error("the MessageHeader has no response, so this is not an acknowledgement")]
    NoResponse,
    #[error("{what} {value:?} is not a UUID")]
    BadIdentifier { what: &'static str, value: String },
    #[error("unknown response code {0:?} (expected ok, transient-error or fatal-error)")]
    UnknownCode(String),
    #[error("the message has no {0}")]
    Missing(&'static str),
    #[error("{what} {value:?} is not valid")]
    Invalid { what: &'static str, value: String },
}
