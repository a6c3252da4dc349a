//! Reading message Bundles back: lenient about what it does not need, precise about what
//! it does. Works on `serde_json::Value`, so a peer's extra elements are ignored and a
//! missing one is named in the error.

use serde_json::Value;
use uuid::Uuid;

use crate::fhir::{NHS_NUMBER, SNOMED};
use crate::{GpMessageError as E, RESULT_ID_SYSTEM, RESULT_VERSION_EXTENSION, Summary};

/// A message Bundle, checked: JSON, a Bundle, of type "message", whose first entry is a
/// MessageHeader (FHIR's rule for messages).
pub(crate) struct Message {
    pub bundle: Value,
}

impl Message {
    pub fn parse(bytes: &[u8]) -> Result<Message, E> {
        let bundle: Value = serde_json::from_slice(bytes).map_err(|e| E::NotJson(e.to_string()))?;
        match str_at(&bundle, "/resourceType") {
            Some("Bundle") => {}
            other => return Err(E::NotABundle(shown(other))),
        }
        match str_at(&bundle, "/type") {
            Some("message") => {}
            other => return Err(E::NotAMessage(shown(other))),
        }
        let message = Message { bundle };
        match message.header() {
            Some(h) if str_at(h, "/resourceType") == Some("MessageHeader") => Ok(message),
            _ => Err(E::NoMessageHeader),
        }
    }

    /// The first entry's resource: the MessageHeader, once parsed.
    pub fn header(&self) -> Option<&Value> {
        self.bundle.pointer("/entry/0/resource")
    }

    /// The first resource of a type.
    pub fn first(&self, resource_type: &str) -> Option<&Value> {
        self.bundle
            .get("entry")?
            .as_array()?
            .iter()
            .filter_map(|e| e.get("resource"))
            .find(|r| str_at(r, "/resourceType") == Some(resource_type))
    }
}

pub(crate) fn str_at<'v>(v: &'v Value, pointer: &str) -> Option<&'v str> {
    v.pointer(pointer)?.as_str()
}

/// A missing or non-string value, for an error message.
fn shown(v: Option<&str>) -> String {
    v.map_or_else(|| "missing".to_owned(), |s| format!("{s:?}"))
}

/// A UUID, bare or as `urn:uuid:...`.
pub(crate) fn uuid(what: &'static str, value: Option<&str>) -> Result<Uuid, E> {
    let value = value.ok_or(E::Missing(what))?;
    let bare = value.strip_prefix("urn:uuid:").unwrap_or(value);
    Uuid::parse_str(bare).map_err(|_| E::BadIdentifier {
        what,
        value: value.to_owned(),
    })
}

/// The value of the first element of `list` (an array at `pointer` in `v`) whose `system`
/// (or `url`) is `system`.
fn by_system<'v>(v: &'v Value, pointer: &str, key: &str, system: &str) -> Option<&'v Value> {
    v.pointer(pointer)?
        .as_array()?
        .iter()
        .find(|item| item.get(key).and_then(Value::as_str) == Some(system))
}

/// Reads one of our result messages back: what the office's outbox shows, and what tests
/// check. Refuses anything that is not a result message made by [`crate::bundle`] (or one
/// shaped like it).
pub fn summarise(bytes: &[u8]) -> Result<Summary, E> {
    let message = Message::parse(bytes)?;
    let bundle_id = uuid("Bundle.id", str_at(&message.bundle, "/id"))?;
    let report = message
        .first("DiagnosticReport")
        .ok_or(E::Missing("DiagnosticReport"))?;
    let result_id = uuid(
        "DiagnosticReport result identifier",
        by_system(report, "/identifier", "system", RESULT_ID_SYSTEM)
            .and_then(|i| i.get("value"))
            .and_then(Value::as_str),
    )?;
    let version = by_system(report, "/extension", "url", RESULT_VERSION_EXTENSION)
        .and_then(|e| e.get("valuePositiveInt"))
        .ok_or(E::Missing("DiagnosticReport result version"))?;
    let version = version.as_i64().ok_or_else(|| E::Invalid {
        what: "DiagnosticReport result version",
        value: version.to_string(),
    })?;
    let status = str_at(report, "/status")
        .ok_or(E::Missing("DiagnosticReport.status"))?
        .to_owned();
    let text = str_at(report, "/conclusion")
        .ok_or(E::Missing("DiagnosticReport.conclusion"))?
        .to_owned();
    let patient = message.first("Patient").ok_or(E::Missing("Patient"))?;
    let nhs_number = by_system(patient, "/identifier", "system", NHS_NUMBER)
        .and_then(|i| i.get("value"))
        .and_then(Value::as_str)
        .ok_or(E::Missing("Patient NHS number"))?
        .to_owned();
    let observation = message
        .first("Observation")
        .ok_or(E::Missing("Observation"))?;
    let finding_code = by_system(observation, "/code/coding", "system", SNOMED)
        .and_then(|c| c.get("code"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    Ok(Summary {
        bundle_id,
        result_id,
        version,
        nhs_number,
        finding_code,
        text,
        status,
    })
}
