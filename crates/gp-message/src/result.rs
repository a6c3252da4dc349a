//! The result message: a FHIR R4 Bundle of type "message".
//!
//! | # | entry | what it says |
//! |---|-------|--------------|
//! | 1 | MessageHeader | ITK007C "ITK GP Connect Send Document"; source and sender the office, destination the practice (ODS address), focus the DiagnosticReport |
//! | 2 | DiagnosticReport | status final or corrected; category RAD; code the screening procedure when screened, else text; conclusion the text; conclusionCode the finding when mapped; the letter as a base64 PDF in presentedForm; our result id, version and any replaced result |
//! | 3 | Observation | the finding code and the text, or the text only; valueString the text; next test due as a component; a note on a correction |
//! | 4 | Patient | NHS number, official name, birth date, registered practice |
//! | 5 | Organization | the office (sender), ODS code |
//! | 6 | Organization | the practice (recipient), ODS code |
//!
//! The PDF is carried once, in DiagnosticReport.presentedForm: no Binary or
//! DocumentReference beside it (ADR 27 says why).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::fhir::{self, *};
use crate::{GpResult, Organisation, REPLACES_EXTENSION, RESULT_ID_SYSTEM};

/// The ids of a message's resources: the MessageHeader's is the bundle id, the others are
/// derived from it.
struct Ids {
    header: uuid::Uuid,
    report: uuid::Uuid,
    observation: uuid::Uuid,
    patient: uuid::Uuid,
    sender: uuid::Uuid,
    practice: uuid::Uuid,
}

impl Ids {
    fn of(bundle_id: uuid::Uuid) -> Ids {
        Ids {
            header: bundle_id,
            report: derived_id(bundle_id, 1),
            observation: derived_id(bundle_id, 2),
            patient: derived_id(bundle_id, 3),
            sender: derived_id(bundle_id, 4),
            practice: derived_id(bundle_id, 5),
        }
    }
}

/// The result message as a FHIR R4 message Bundle (see the module table for its entries).
pub fn bundle(msg: &GpResult) -> serde_json::Value {
    // Serialising these plain structs cannot fail; `Null` is never reached.
    serde_json::to_value(message(msg)).unwrap_or(serde_json::Value::Null)
}

/// [`bundle`] as compact JSON bytes, ready for MESH.
pub fn to_bytes(msg: &GpResult) -> Vec<u8> {
    serde_json::to_vec(&message(msg)).unwrap_or_default()
}

fn message(msg: &GpResult) -> Bundle {
    let ids = Ids::of(msg.bundle_id);
    let issued = fhir::instant(msg.issued);
    let entries = [
        (ids.header, Resource::MessageHeader(header(msg, &ids))),
        (
            ids.report,
            Resource::DiagnosticReport(report(msg, &ids, &issued)),
        ),
        (
            ids.observation,
            Resource::Observation(observation(msg, &ids, &issued)),
        ),
        (ids.patient, Resource::Patient(patient(msg, &ids))),
        (
            ids.sender,
            Resource::Organization(organization(ids.sender, &msg.sender)),
        ),
        (
            ids.practice,
            Resource::Organization(organization(ids.practice, &msg.gp_practice)),
        ),
    ];
    Bundle {
        resource_type: "Bundle",
        id: msg.bundle_id.to_string(),
        identifier: Identifier::new(URI_IDENTIFIER, &urn(msg.bundle_id)),
        kind: "message",
        // Pure: the message is stamped with the result's issue time, not a clock.
        timestamp: issued,
        entry: entries
            .into_iter()
            .map(|(id, resource)| Entry {
                full_url: urn(id),
                resource,
            })
            .collect(),
    }
}

/// A reference to an organisation entry, with its ODS code beside it.
pub(crate) fn organisation_ref(id: uuid::Uuid, org: &Organisation) -> Reference {
    Reference {
        reference: Some(urn(id)),
        identifier: Some(Identifier::new(ODS, &org.ods_code)),
        display: Some(org.name.clone()),
    }
}

pub(crate) fn organization(id: uuid::Uuid, org: &Organisation) -> Organization {
    Organization {
        id: id.to_string(),
        meta: Meta::profile(profile::ORGANIZATION),
        identifier: vec![Identifier::new(ODS, &org.ods_code)],
        name: org.name.clone(),
    }
}

fn header(msg: &GpResult, ids: &Ids) -> MessageHeader {
    MessageHeader {
        id: ids.header.to_string(),
        meta: Meta::profile(profile::MESSAGE_HEADER),
        event_coding: Coding::new(ITK_MESSAGE_EVENT, "ITK007C", "ITK GP Connect Send Document"),
        destination: vec![Destination {
            name: msg.gp_practice.name.clone(),
            endpoint: ods_endpoint(&msg.gp_practice.ods_code),
            receiver: organisation_ref(ids.practice, &msg.gp_practice),
        }],
        sender: organisation_ref(ids.sender, &msg.sender),
        source: Source {
            name: msg.sender.name.clone(),
            endpoint: ods_endpoint(&msg.sender.ods_code),
        },
        response: None,
        focus: vec![Reference::to(ids.report)],
    }
}

/// "final", or "corrected" when the result replaces another.
fn status(msg: &GpResult) -> &'static str {
    if msg.supersedes.is_some() {
        "corrected"
    } else {
        "final"
    }
}

/// The plain-language text, never empty: a blank text falls back to the result kind's
/// wording (FHIR strings cannot be empty).
fn text(msg: &GpResult) -> String {
    if msg.text.trim().is_empty() {
        msg.kind.gp_text().to_owned()
    } else {
        msg.text.clone()
    }
}

fn snomed(c: &crate::Coding) -> Coding {
    Coding::new(SNOMED, &c.code, &c.display)
}

fn report(msg: &GpResult, ids: &Ids, issued: &str) -> DiagnosticReport {
    let mut extension = vec![Extension {
        url: crate::RESULT_VERSION_EXTENSION,
        // A positiveInt is 1 to 2^31 - 1; versions outside that (never made by the service)
        // are written as the nearest end.
        value: ExtensionValue::PositiveInt(
            u32::try_from(msg.version.clamp(1, i64::from(i32::MAX))).unwrap_or(1),
        ),
    }];
    if let Some(replaced) = msg.supersedes {
        extension.push(Extension {
            url: REPLACES_EXTENSION,
            value: ExtensionValue::Identifier(Identifier::new(
                RESULT_ID_SYSTEM,
                &replaced.to_string(),
            )),
        });
    }
    DiagnosticReport {
        id: ids.report.to_string(),
        meta: Meta::profile(profile::DIAGNOSTIC_REPORT),
        extension,
        identifier: vec![Identifier {
            use_: Some("official"),
            ..Identifier::new(RESULT_ID_SYSTEM, &msg.result_id.to_string())
        }],
        status: status(msg),
        category: vec![CodeableConcept {
            coding: vec![Coding::new(V2_0074, "RAD", "Radiology")],
            text: None,
        }],
        code: CodeableConcept {
            coding: msg.procedure.iter().map(snomed).collect(),
            text: Some("NHS breast screening result".to_owned()),
        },
        subject: Reference::to(ids.patient),
        issued: issued.to_owned(),
        performer: vec![organisation_ref(ids.sender, &msg.sender)],
        result: vec![Reference::to(ids.observation)],
        conclusion: text(msg),
        conclusion_code: msg
            .finding
            .iter()
            .map(|f| CodeableConcept {
                coding: vec![snomed(f)],
                text: Some(text(msg)),
            })
            .collect(),
        presented_form: vec![Attachment {
            content_type: "application/pdf",
            data: STANDARD.encode(msg.letter_pdf),
            size: u64::try_from(msg.letter_pdf.len()).unwrap_or(u64::MAX),
            title: "Breast screening result letter".to_owned(),
            creation: issued.to_owned(),
        }],
    }
}

fn observation(msg: &GpResult, ids: &Ids, issued: &str) -> Observation {
    Observation {
        id: ids.observation.to_string(),
        meta: Meta::profile(profile::OBSERVATION),
        status: status(msg),
        // The finding's code with the text beside it; no mapping, the text alone.
        code: CodeableConcept {
            coding: msg.finding.iter().map(snomed).collect(),
            text: Some(text(msg)),
        },
        subject: Reference::to(ids.patient),
        issued: issued.to_owned(),
        performer: vec![organisation_ref(ids.sender, &msg.sender)],
        value_string: text(msg),
        note: msg
            .supersedes
            .map(|replaced| Annotation {
                text: format!(
                    "Corrected result (version {}): replaces breast screening result {replaced}, \
                     which should no longer be relied on.",
                    msg.version
                ),
            })
            .into_iter()
            .collect(),
        component: msg
            .next_test_due
            .map(|due| Component {
                code: CodeableConcept::text("Next breast screening test due"),
                value_date_time: fhir::date(due),
            })
            .into_iter()
            .collect(),
    }
}

fn patient(msg: &GpResult, ids: &Ids) -> Patient {
    Patient {
        id: ids.patient.to_string(),
        meta: Meta::profile(profile::PATIENT),
        identifier: vec![Identifier::new(NHS_NUMBER, &msg.nhs_number)],
        name: vec![HumanName {
            use_: "official",
            family: msg.family_name.clone(),
            given: Some(msg.given_name.clone())
                .filter(|g| !g.trim().is_empty())
                .into_iter()
                .collect(),
        }],
        birth_date: fhir::date(msg.date_of_birth),
        general_practitioner: vec![organisation_ref(ids.practice, &msg.gp_practice)],
    }
}
