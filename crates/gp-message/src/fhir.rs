//! The subset of FHIR R4 that the result message and the acknowledgement use, as typed
//! structs serialised with serde. Field names follow the R4 JSON format; optional elements
//! are left out rather than written as `null`, and empty lists are left out (FHIR forbids
//! empty arrays).
//!
//! Only what this crate writes is modelled. Reading goes through `serde_json::Value` (see
//! `read.rs`), so a peer's extra elements never stop us reading an acknowledgement.

use serde::Serialize;
use time::{Date, OffsetDateTime, UtcOffset};
use uuid::Uuid;

/// SNOMED CT.
pub const SNOMED: &str = "http://snomed.info/sct";
/// NHS number identifiers.
pub const NHS_NUMBER: &str = "https://fhir.nhs.uk/Id/nhs-number";
/// ODS organisation codes.
pub const ODS: &str = "https://fhir.nhs.uk/Id/ods-organization-code";
/// Identifiers that are URIs (here `urn:uuid:...`).
pub const URI_IDENTIFIER: &str = "urn:ietf:rfc:3986";
/// The ITK3 message events (NHS England). GP Connect Send Document fixes `ITK007C` for the
/// document and `ITK008M` for every ITK3 response.
pub const ITK_MESSAGE_EVENT: &str = "https://fhir.nhs.uk/STU3/CodeSystem/ITK-MessageEvent-2";
/// HL7 v2 table 0074, diagnostic service sections (DiagnosticReport.category).
pub const V2_0074: &str = "http://terminology.hl7.org/CodeSystem/v2-0074";

/// UK Core R4 profiles (meta.profile).
pub mod profile {
    pub const MESSAGE_HEADER: &str =
        "https://fhir.hl7.org.uk/StructureDefinition/UKCore-MessageHeader";
    pub const DIAGNOSTIC_REPORT: &str =
        "https://fhir.hl7.org.uk/StructureDefinition/UKCore-DiagnosticReport";
    pub const OBSERVATION: &str = "https://fhir.hl7.org.uk/StructureDefinition/UKCore-Observation";
    pub const PATIENT: &str = "https://fhir.hl7.org.uk/StructureDefinition/UKCore-Patient";
    pub const ORGANIZATION: &str =
        "https://fhir.hl7.org.uk/StructureDefinition/UKCore-Organization";
    pub const OPERATION_OUTCOME: &str =
        "https://fhir.hl7.org.uk/StructureDefinition/UKCore-OperationOutcome";
}

/// `urn:uuid:<id>`, the fullUrl of an entry and the reference to it.
pub fn urn(id: Uuid) -> String {
    format!("urn:uuid:{id}")
}

/// The ITK3 address of an organisation, as MessageHeader source and destination endpoints.
pub fn ods_endpoint(ods_code: &str) -> String {
    format!("urn:nhs-uk:addressing:ods:{ods_code}")
}

/// A FHIR `instant`: UTC, to the millisecond. An instant too close to the end of the
/// calendar to be moved to UTC keeps its own offset (whole minutes only).
pub fn instant(at: OffsetDateTime) -> String {
    let at = at.checked_to_offset(UtcOffset::UTC).unwrap_or(at);
    let (h, m, _) = at.offset().as_hms();
    let offset = if at.offset().is_utc() {
        "Z".to_owned()
    } else {
        let sign = if at.offset().is_negative() { '-' } else { '+' };
        format!("{sign}{:02}:{:02}", h.unsigned_abs(), m.unsigned_abs())
    };
    format!(
        "{}T{:02}:{:02}:{:02}.{:03}{offset}",
        date(at.date()),
        at.hour(),
        at.minute(),
        at.second(),
        at.millisecond()
    )
}

/// A FHIR `date`: `YYYY-MM-DD`.
pub fn date(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

#[derive(Debug, Clone, Serialize)]
pub struct Bundle {
    #[serde(rename = "resourceType")]
    pub resource_type: &'static str,
    pub id: String,
    pub identifier: Identifier,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub timestamp: String,
    pub entry: Vec<Entry>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    pub full_url: String,
    pub resource: Resource,
}

/// One entry's resource, tagged with its `resourceType`.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "resourceType")]
pub enum Resource {
    MessageHeader(MessageHeader),
    DiagnosticReport(DiagnosticReport),
    Observation(Observation),
    Patient(Patient),
    Organization(Organization),
    OperationOutcome(OperationOutcome),
}

#[derive(Debug, Clone, Serialize)]
pub struct Meta {
    pub profile: Vec<&'static str>,
}

impl Meta {
    pub fn profile(url: &'static str) -> Option<Meta> {
        Some(Meta { profile: vec![url] })
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Coding {
    pub system: String,
    pub code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
}

impl Coding {
    pub fn new(system: &str, code: &str, display: &str) -> Coding {
        Coding {
            system: system.to_owned(),
            code: code.to_owned(),
            display: Some(display.to_owned()),
        }
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct CodeableConcept {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub coding: Vec<Coding>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

impl CodeableConcept {
    pub fn text(text: &str) -> CodeableConcept {
        CodeableConcept {
            coding: Vec::new(),
            text: Some(text.to_owned()),
        }
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Identifier {
    #[serde(rename = "use", skip_serializing_if = "Option::is_none")]
    pub use_: Option<&'static str>,
    pub system: String,
    pub value: String,
}

impl Identifier {
    pub fn new(system: &str, value: &str) -> Identifier {
        Identifier {
            use_: None,
            system: system.to_owned(),
            value: value.to_owned(),
        }
    }
}

/// A reference to an entry by its fullUrl, with the business identifier beside it where
/// a receiver may route or match on it (an organisation's ODS code).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Reference {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identifier: Option<Identifier>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
}

impl Reference {
    pub fn to(id: Uuid) -> Reference {
        Reference {
            reference: Some(urn(id)),
            ..Reference::default()
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Extension {
    pub url: &'static str,
    #[serde(flatten)]
    pub value: ExtensionValue,
}

#[derive(Debug, Clone, Serialize)]
pub enum ExtensionValue {
    #[serde(rename = "valuePositiveInt")]
    PositiveInt(u32),
    #[serde(rename = "valueIdentifier")]
    Identifier(Identifier),
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Attachment {
    pub content_type: &'static str,
    pub data: String,
    pub size: u64,
    pub title: String,
    pub creation: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Annotation {
    pub text: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageHeader {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    pub event_coding: Coding,
    pub destination: Vec<Destination>,
    pub sender: Reference,
    pub source: Source,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response: Option<Response>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub focus: Vec<Reference>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Destination {
    pub name: String,
    pub endpoint: String,
    pub receiver: Reference,
}

#[derive(Debug, Clone, Serialize)]
pub struct Source {
    pub name: String,
    pub endpoint: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Response {
    /// The MessageHeader id of the message answered (R4: an `id`, not an Identifier).
    pub identifier: String,
    pub code: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<Reference>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DiagnosticReport {
    pub id: String,
    pub meta: Option<Meta>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
    pub identifier: Vec<Identifier>,
    pub status: &'static str,
    pub category: Vec<CodeableConcept>,
    pub code: CodeableConcept,
    pub subject: Reference,
    pub issued: String,
    pub performer: Vec<Reference>,
    pub result: Vec<Reference>,
    pub conclusion: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conclusion_code: Vec<CodeableConcept>,
    pub presented_form: Vec<Attachment>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Observation {
    pub id: String,
    pub meta: Option<Meta>,
    pub status: &'static str,
    pub code: CodeableConcept,
    pub subject: Reference,
    pub issued: String,
    pub performer: Vec<Reference>,
    pub value_string: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub note: Vec<Annotation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub component: Vec<Component>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Component {
    pub code: CodeableConcept,
    pub value_date_time: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Patient {
    pub id: String,
    pub meta: Option<Meta>,
    pub identifier: Vec<Identifier>,
    pub name: Vec<HumanName>,
    pub birth_date: String,
    pub general_practitioner: Vec<Reference>,
}

#[derive(Debug, Clone, Serialize)]
pub struct HumanName {
    #[serde(rename = "use")]
    pub use_: &'static str,
    pub family: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub given: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Organization {
    pub id: String,
    pub meta: Option<Meta>,
    pub identifier: Vec<Identifier>,
    pub name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct OperationOutcome {
    pub id: String,
    pub meta: Option<Meta>,
    pub issue: Vec<Issue>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Issue {
    pub severity: &'static str,
    pub code: &'static str,
    pub diagnostics: String,
}

/// The id of the `n`th resource of a message, derived from the bundle id so the same
/// message always renders to the same bytes: the bundle id's bytes with the last one
/// changed by `n`, marked as a version 8 (custom) UUID so it never equals a v7 bundle id.
pub fn derived_id(bundle_id: Uuid, n: u8) -> Uuid {
    let mut bytes = *bundle_id.as_bytes();
    bytes[15] ^= n;
    uuid::Builder::from_custom_bytes(bytes).into_uuid()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn instants_are_utc_to_the_millisecond_and_dates_have_four_digit_years() {
        let table = [
            (
                datetime!(2026-12-07 14:48:30.123456 +01:00),
                "2026-12-07T13:48:30.123Z",
            ),
            (datetime!(2026-01-01 00:00 UTC), "2026-01-01T00:00:00.000Z"),
            // Cannot move to UTC without leaving the calendar: keeps its offset.
            (
                datetime!(-9999-01-01 00:00 +01:30),
                "-9999-01-01T00:00:00.000+01:30",
            ),
        ];
        for (at, expected) in table {
            assert_eq!(instant(at), expected, "{at}");
        }
        assert_eq!(date(date!(0950 - 03 - 04)), "0950-03-04");
    }

    #[test]
    fn derived_ids_differ_from_the_bundle_and_each_other() {
        let bundle = Uuid::now_v7();
        let ids: Vec<Uuid> = (0..8).map(|n| derived_id(bundle, n)).collect();
        for (i, id) in ids.iter().enumerate() {
            assert_ne!(*id, bundle);
            assert_eq!(id.get_version_num(), 8);
            assert!(ids[i + 1..].iter().all(|other| other != id));
        }
        assert_eq!(derived_id(bundle, 3), derived_id(bundle, 3));
    }
}
