//! The business acknowledgement: the practice system's answer to a result message, as an
//! ITK3-style response. A message Bundle whose MessageHeader (event ITK008M "ITK
//! Response") has a `response` naming the original message and saying ok, transient-error
//! or fatal-error; an error carries an OperationOutcome that says why (R4 requires the
//! narrative for a fatal error).

use time::OffsetDateTime;
use uuid::Uuid;

use crate::fhir::{self, *};
use crate::read::{Message, str_at, uuid};
use crate::result::{organisation_ref, organization};
use crate::{Ack, AckCode, GpMessageError as E, Organisation};

/// An acknowledgement of `original_bundle_id` from the practice to the office, as the
/// practice's system sends it. The demo practice and the tests answer with it.
pub fn business_ack(
    original_bundle_id: Uuid,
    from_practice: &Organisation,
    to: &Organisation,
    ok: AckCode,
    ack_id: Uuid,
    at: OffsetDateTime,
) -> serde_json::Value {
    let practice_id = derived_id(ack_id, 1);
    let office_id = derived_id(ack_id, 2);
    let outcome_id = derived_id(ack_id, 3);
    let outcome = outcome(ok).map(|(severity, code, diagnostics)| OperationOutcome {
        id: outcome_id.to_string(),
        meta: Meta::profile(profile::OPERATION_OUTCOME),
        issue: vec![Issue {
            severity,
            code,
            diagnostics: diagnostics.to_owned(),
        }],
    });
    let header = MessageHeader {
        id: ack_id.to_string(),
        meta: Meta::profile(profile::MESSAGE_HEADER),
        event_coding: Coding::new(ITK_MESSAGE_EVENT, "ITK008M", "ITK Response"),
        destination: vec![Destination {
            name: to.name.clone(),
            endpoint: ods_endpoint(&to.ods_code),
            receiver: organisation_ref(office_id, to),
        }],
        sender: organisation_ref(practice_id, from_practice),
        source: Source {
            name: from_practice.name.clone(),
            endpoint: ods_endpoint(&from_practice.ods_code),
        },
        response: Some(Response {
            // Our result message's MessageHeader id, which is its bundle id.
            identifier: original_bundle_id.to_string(),
            code: ok.as_str(),
            details: outcome.as_ref().map(|_| Reference::to(outcome_id)),
        }),
        focus: Vec::new(),
    };
    let mut entry = vec![Entry {
        full_url: urn(ack_id),
        resource: Resource::MessageHeader(header),
    }];
    if let Some(outcome) = outcome {
        entry.push(Entry {
            full_url: urn(outcome_id),
            resource: Resource::OperationOutcome(outcome),
        });
    }
    entry.push(Entry {
        full_url: urn(practice_id),
        resource: Resource::Organization(organization(practice_id, from_practice)),
    });
    entry.push(Entry {
        full_url: urn(office_id),
        resource: Resource::Organization(organization(office_id, to)),
    });
    let bundle = Bundle {
        resource_type: "Bundle",
        id: ack_id.to_string(),
        identifier: Identifier::new(URI_IDENTIFIER, &urn(ack_id)),
        kind: "message",
        timestamp: fhir::instant(at),
        entry,
    };
    serde_json::to_value(bundle).unwrap_or(serde_json::Value::Null)
}

/// An error's OperationOutcome issue: severity, issue type and what it means.
fn outcome(code: AckCode) -> Option<(&'static str, &'static str, &'static str)> {
    match code {
        AckCode::Ok => None,
        AckCode::TransientError => Some((
            "error",
            "transient",
            "The practice system could not file the result for now; send it again later.",
        )),
        AckCode::FatalError => Some((
            "fatal",
            "processing",
            "The practice system rejected the result message; sending it again unchanged will not help.",
        )),
    }
}

/// Reads a business acknowledgement. Anything else (not JSON, not a message Bundle, a
/// message without a response, a response that names no UUID or has an unknown code) is a
/// specific error; it never panics.
pub fn parse_ack(bytes: &[u8]) -> Result<Ack, E> {
    let message = Message::parse(bytes)?;
    let response = message
        .header()
        .and_then(|h| h.get("response"))
        .ok_or(E::NoResponse)?;
    // R4 writes the id as a string; R5 as an Identifier, read here too.
    const WHAT: &str = "MessageHeader.response.identifier";
    let identifier = match response.get("identifier") {
        None => return Err(E::Missing(WHAT)),
        Some(v) => v
            .as_str()
            .or_else(|| str_at(v, "/value"))
            .ok_or_else(|| E::BadIdentifier {
                what: WHAT,
                value: v.to_string(),
            })?,
    };
    let original_bundle_id = uuid(WHAT, Some(identifier))?;
    let code = str_at(response, "/code").ok_or(E::Missing("MessageHeader.response.code"))?;
    let code = AckCode::from_code(code).ok_or_else(|| E::UnknownCode(code.to_owned()))?;
    Ok(Ack {
        original_bundle_id,
        code,
    })
}
