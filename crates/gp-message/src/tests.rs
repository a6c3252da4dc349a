use base64::Engine as _;
use domain::results::{ResultKind, default_coding};
use serde_json::{Value, json};
use time::macros::{date, datetime};
use uuid::Uuid;

use crate::*;

/// A PDF-ish payload with every byte value, so base64 is exercised fully.
fn pdf() -> Vec<u8> {
    let mut bytes = b"%PDF-1.7\n".to_vec();
    bytes.extend(0..=255u8);
    bytes
}

fn office() -> Organisation {
    Organisation {
        ods_code: "LAV".to_owned(),
        name: "West of London Breast Screening".to_owned(),
    }
}

fn practice() -> Organisation {
    Organisation {
        ods_code: "A81001".to_owned(),
        name: "The Densham Surgery".to_owned(),
    }
}

/// A result of `kind`, coded with the domain's default mapping.
fn sample(kind: ResultKind, pdf: &[u8]) -> GpResult<'_> {
    let coding = default_coding(kind);
    GpResult {
        bundle_id: Uuid::now_v7(),
        result_id: Uuid::now_v7(),
        version: 1,
        supersedes: None,
        issued: datetime!(2026-12-07 10:15:00 UTC),
        nhs_number: "9434765919".to_owned(),
        family_name: "Jones".to_owned(),
        given_name: "Ann".to_owned(),
        date_of_birth: date!(1970 - 03 - 01),
        gp_practice: practice(),
        sender: office(),
        kind,
        text: kind.gp_text().to_owned(),
        finding: coding.finding.map(Coding::from),
        procedure: coding.procedure.map(Coding::from),
        next_test_due: Some(date!(2029 - 12 - 01)),
        letter_pdf: pdf,
    }
}

fn entry<'v>(bundle: &'v Value, resource_type: &str) -> &'v Value {
    bundle["entry"]
        .as_array()
        .and_then(|entries| {
            entries
                .iter()
                .map(|e| &e["resource"])
                .find(|r| r["resourceType"] == resource_type)
        })
        .unwrap_or_else(|| panic!("no {resource_type} in {bundle}"))
}

fn codes(concept: &Value) -> Vec<&str> {
    concept["coding"]
        .as_array()
        .map(|c| c.iter().filter_map(|c| c["code"].as_str()).collect())
        .unwrap_or_default()
}

#[test]
fn every_result_kind_carries_its_default_codes_or_its_text_only() {
    use ResultKind as R;
    // (kind, finding, procedure): the reference's codes only; the rest travel as text.
    let table = [
        (R::Normal, Some("171175005"), Some("268547008")),
        (R::NormalPartialMammography, None, Some("268547008")),
        (R::TechnicalRecall, None, Some("268547008")),
        (R::RecallForMoreImages, None, Some("268547008")),
        (R::RecallForAssessment, None, Some("268547008")),
        (R::DidNotAttend, None, None),
        (R::AttendedNotScreened, None, None),
        (R::AssessmentNormal, None, Some("268547008")),
        (R::EarlyRecall, None, Some("268547008")),
        (R::ReferredForTreatment, None, Some("268547008")),
        (R::ReferredToSymptomatic, None, Some("268547008")),
    ];
    assert!(
        R::ALL.iter().all(|k| table.iter().any(|(t, ..)| t == k)),
        "every result kind has a row"
    );
    let pdf = pdf();
    for (kind, finding, procedure) in table {
        let coding = default_coding(kind);
        assert_eq!(coding.finding.map(|s| s.code), finding, "{kind:?} mapping");
        assert_eq!(
            coding.procedure.map(|s| s.code),
            procedure,
            "{kind:?} mapping"
        );

        let msg = sample(kind, &pdf);
        let b = bundle(&msg);
        let observation = entry(&b, "Observation");
        let report = entry(&b, "DiagnosticReport");
        assert_eq!(
            codes(&observation["code"]),
            finding.into_iter().collect::<Vec<_>>(),
            "{kind:?}"
        );
        assert_eq!(observation["code"]["text"], kind.gp_text(), "{kind:?}");
        assert_eq!(observation["valueString"], kind.gp_text(), "{kind:?}");
        assert_eq!(report["conclusion"], kind.gp_text(), "{kind:?}");
        assert_eq!(
            codes(&report["code"]),
            procedure.into_iter().collect::<Vec<_>>(),
            "{kind:?}"
        );
        match finding {
            Some(code) => {
                assert_eq!(report["conclusionCode"][0]["coding"][0]["code"], code);
                assert_eq!(
                    observation["code"]["coding"][0]["system"],
                    "http://snomed.info/sct"
                );
                assert_eq!(
                    observation["code"]["coding"][0]["display"],
                    "Breast neoplasm screening normal (finding)"
                );
            }
            // Text only: no coding element at all, never an empty or made-up one.
            None => {
                assert!(observation["code"].get("coding").is_none(), "{kind:?}");
                assert!(report.get("conclusionCode").is_none(), "{kind:?}");
            }
        }
        let summary = summarise(&to_bytes(&msg)).expect("our own message reads back");
        assert_eq!(summary.finding_code.as_deref(), finding, "{kind:?}");
        assert_eq!(summary.text, kind.gp_text());
    }
}

#[test]
fn the_bundle_is_a_message_whose_header_comes_first_and_whose_references_resolve() {
    let pdf = pdf();
    let msg = sample(ResultKind::RecallForAssessment, &pdf);
    let b = bundle(&msg);
    assert_eq!(b["resourceType"], "Bundle");
    assert_eq!(b["type"], "message");
    assert_eq!(b["id"], msg.bundle_id.to_string());
    assert_eq!(
        b["identifier"]["value"],
        format!("urn:uuid:{}", msg.bundle_id)
    );
    assert_eq!(b["timestamp"], "2026-12-07T10:15:00.000Z");
    let entries = b["entry"].as_array().expect("entries");
    let types: Vec<&str> = entries
        .iter()
        .filter_map(|e| e["resource"]["resourceType"].as_str())
        .collect();
    assert_eq!(
        types,
        [
            "MessageHeader",
            "DiagnosticReport",
            "Observation",
            "Patient",
            "Organization",
            "Organization"
        ]
    );
    // fullUrl is urn:uuid:<id>, unique, and every reference points at one of them.
    let mut urls: Vec<&str> = Vec::new();
    for e in entries {
        let url = e["fullUrl"].as_str().expect("fullUrl");
        assert_eq!(
            url,
            format!("urn:uuid:{}", e["resource"]["id"].as_str().expect("id"))
        );
        assert!(!urls.contains(&url), "{url} twice");
        urls.push(url);
    }
    let mut references = Vec::new();
    collect_references(&b, &mut references);
    assert_eq!(references.len(), 9, "{references:?}");
    for r in &references {
        assert!(urls.contains(&r.as_str()), "{r} does not resolve");
    }

    let header = &entries[0]["resource"];
    assert_eq!(header["id"], msg.bundle_id.to_string());
    assert_eq!(header["eventCoding"]["code"], "ITK007C");
    assert_eq!(header["focus"][0]["reference"], entries[1]["fullUrl"]);
    assert_eq!(
        header["destination"][0]["endpoint"],
        "urn:nhs-uk:addressing:ods:A81001"
    );
    let receiver = &header["destination"][0]["receiver"];
    assert_eq!(
        receiver["identifier"],
        json!({"system": "https://fhir.nhs.uk/Id/ods-organization-code", "value": "A81001"})
    );
    assert_eq!(receiver["reference"], entries[5]["fullUrl"]);
    assert_eq!(header["sender"]["reference"], entries[4]["fullUrl"]);
    assert_eq!(
        header["source"]["endpoint"],
        "urn:nhs-uk:addressing:ods:LAV"
    );
    for (i, ods) in [(4, "LAV"), (5, "A81001")] {
        assert_eq!(
            entries[i]["resource"]["identifier"][0]["system"],
            "https://fhir.nhs.uk/Id/ods-organization-code"
        );
        assert_eq!(entries[i]["resource"]["identifier"][0]["value"], ods);
    }

    let report = &entries[1]["resource"];
    assert_eq!(report["status"], "final");
    assert_eq!(report["subject"]["reference"], entries[3]["fullUrl"]);
    assert_eq!(report["result"][0]["reference"], entries[2]["fullUrl"]);
    assert_eq!(report["issued"], "2026-12-07T10:15:00.000Z");
    assert_eq!(
        report["identifier"][0],
        json!({"use": "official", "system": RESULT_ID_SYSTEM, "value": msg.result_id.to_string()})
    );
    assert!(
        report["extension"]
            .as_array()
            .expect("extensions")
            .iter()
            .all(|e| e["url"] != REPLACES_EXTENSION),
        "a first version replaces nothing"
    );
    assert_eq!(
        entries[2]["resource"]["component"][0]["valueDateTime"],
        "2029-12-01"
    );
}

fn collect_references(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("reference", Value::String(r)) => out.push(r.clone()),
                    _ => collect_references(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_references(v, out)),
        _ => {}
    }
}

#[test]
fn a_correction_is_corrected_and_names_the_result_it_replaces() {
    let pdf = pdf();
    let replaced = Uuid::now_v7();
    let table = [(None, 1, "final"), (Some(replaced), 2, "corrected")];
    for (supersedes, version, status) in table {
        let msg = GpResult {
            version,
            supersedes,
            ..sample(ResultKind::ReferredForTreatment, &pdf)
        };
        let b = bundle(&msg);
        let report = entry(&b, "DiagnosticReport");
        let observation = entry(&b, "Observation");
        assert_eq!(report["status"], status);
        assert_eq!(observation["status"], status);
        let link = report["extension"]
            .as_array()
            .and_then(|e| e.iter().find(|e| e["url"] == REPLACES_EXTENSION));
        match supersedes {
            Some(old) => {
                assert_eq!(
                    link.map(|l| &l["valueIdentifier"]),
                    Some(&json!({"system": RESULT_ID_SYSTEM, "value": old.to_string()}))
                );
                let note = observation["note"][0]["text"].as_str().expect("a note");
                assert!(note.contains(&old.to_string()), "{note}");
            }
            None => {
                assert!(link.is_none());
                assert!(observation.get("note").is_none());
            }
        }
        let summary = summarise(&to_bytes(&msg)).expect("reads back");
        assert_eq!(
            (summary.version, summary.status.as_str()),
            (version, status)
        );
        assert_eq!(summary.result_id, msg.result_id);
        assert_eq!(summary.bundle_id, msg.bundle_id);
    }
}

#[test]
fn the_patient_carries_her_nhs_number_name_birth_date_and_practice() {
    let pdf = pdf();
    let msg = sample(ResultKind::Normal, &pdf);
    let b = bundle(&msg);
    let patient = entry(&b, "Patient");
    assert_eq!(
        patient["identifier"],
        json!([{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9434765919"}])
    );
    assert_eq!(
        patient["name"],
        json!([{"use": "official", "family": "Jones", "given": ["Ann"]}])
    );
    assert_eq!(patient["birthDate"], "1970-03-01");
    assert_eq!(
        patient["generalPractitioner"][0]["identifier"]["value"],
        "A81001"
    );
    assert_eq!(
        summarise(&to_bytes(&msg)).map(|s| s.nhs_number),
        Ok("9434765919".to_owned())
    );
}

#[test]
fn the_letter_travels_as_a_base64_pdf_and_comes_back_byte_for_byte() {
    let table: [&[u8]; 3] = [&pdf(), b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", b"%PDF"];
    for letter in table {
        let msg = sample(ResultKind::Normal, letter);
        let b = bundle(&msg);
        let form = &entry(&b, "DiagnosticReport")["presentedForm"][0];
        assert_eq!(form["contentType"], "application/pdf");
        assert_eq!(form["size"], letter.len());
        let data = form["data"].as_str().expect("data");
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(data)
            .expect("base64");
        assert_eq!(decoded, letter);
    }
}

#[test]
fn the_next_test_due_is_a_component_only_when_there_is_one() {
    let pdf = pdf();
    for due in [Some(date!(2029 - 12 - 01)), None] {
        let msg = GpResult {
            next_test_due: due,
            ..sample(ResultKind::Normal, &pdf)
        };
        let b = bundle(&msg);
        let component = entry(&b, "Observation").get("component");
        match due {
            Some(_) => {
                let c = component.expect("a component");
                assert_eq!(c[0]["valueDateTime"], "2029-12-01");
                assert_eq!(c[0]["code"]["text"], "Next breast screening test due");
            }
            None => assert!(component.is_none()),
        }
    }
}

#[test]
fn a_blank_text_falls_back_to_the_kinds_wording_and_a_blank_given_name_is_left_out() {
    let pdf = pdf();
    let msg = GpResult {
        text: "  ".to_owned(),
        given_name: String::new(),
        ..sample(ResultKind::DidNotAttend, &pdf)
    };
    let b = bundle(&msg);
    assert_eq!(
        entry(&b, "DiagnosticReport")["conclusion"],
        ResultKind::DidNotAttend.gp_text()
    );
    assert!(entry(&b, "Patient")["name"][0].get("given").is_none());
}

#[test]
fn the_same_result_renders_to_the_same_compact_bytes() {
    let pdf = pdf();
    let msg = sample(ResultKind::TechnicalRecall, &pdf);
    let bytes = to_bytes(&msg);
    assert_eq!(bytes, to_bytes(&msg));
    assert!(!bytes.contains(&b'\n'), "compact");
    assert_eq!(
        serde_json::from_slice::<Value>(&bytes).ok(),
        Some(bundle(&msg))
    );
}

#[test]
fn an_acknowledgement_round_trips_for_each_code() {
    let original = Uuid::now_v7();
    for code in AckCode::ALL {
        let ack_id = Uuid::now_v7();
        let ack = business_ack(
            original,
            &practice(),
            &office(),
            code,
            ack_id,
            datetime!(2026-12-07 11:00 UTC),
        );
        assert_eq!(ack["type"], "message");
        assert_eq!(ack["id"], ack_id.to_string());
        let header = &ack["entry"][0]["resource"];
        assert_eq!(header["eventCoding"]["code"], "ITK008M");
        assert_eq!(header["response"]["identifier"], original.to_string());
        assert_eq!(header["response"]["code"], code.as_str());
        assert_eq!(header["sender"]["identifier"]["value"], "A81001");
        assert_eq!(
            header["destination"][0]["receiver"]["identifier"]["value"],
            "LAV"
        );
        let outcome = header["response"].get("details");
        assert_eq!(outcome.is_some(), code != AckCode::Ok, "{code:?}");
        if let Some(details) = outcome {
            assert_eq!(details["reference"], ack["entry"][1]["fullUrl"]);
            assert_eq!(
                ack["entry"][1]["resource"]["resourceType"],
                "OperationOutcome"
            );
        }
        let bytes = serde_json::to_vec(&ack).expect("JSON");
        assert_eq!(
            parse_ack(&bytes),
            Ok(Ack {
                original_bundle_id: original,
                code
            })
        );
    }
}

#[test]
fn parse_ack_refuses_anything_but_an_acknowledgement_with_a_specific_error() {
    let pdf = pdf();
    let result = to_bytes(&sample(ResultKind::Normal, &pdf));
    let ack = |response: Value| {
        json!({
            "resourceType": "Bundle", "type": "message",
            "entry": [{"resource": {"resourceType": "MessageHeader", "response": response}}]
        })
        .to_string()
        .into_bytes()
    };
    type Check = fn(&GpMessageError) -> bool;
    let table: Vec<(Vec<u8>, Check)> = vec![
        (b"".to_vec(), |e| matches!(e, GpMessageError::NotJson(_))),
        (b"\xff\xfe garbage".to_vec(), |e| {
            matches!(e, GpMessageError::NotJson(_))
        }),
        (b"[1, 2]".to_vec(), |e| {
            matches!(e, GpMessageError::NotABundle(v) if v == "missing")
        }),
        (br#"{"resourceType": "Patient"}"#.to_vec(), |e| {
            matches!(e, GpMessageError::NotABundle(v) if v == "\"Patient\"")
        }),
        (
            br#"{"resourceType": "Bundle", "type": "document"}"#.to_vec(),
            |e| matches!(e, GpMessageError::NotAMessage(v) if v == "\"document\""),
        ),
        (
            br#"{"resourceType": "Bundle", "type": "message", "entry": []}"#.to_vec(),
            |e| matches!(e, GpMessageError::NoMessageHeader),
        ),
        (
            br#"{"resourceType": "Bundle", "type": "message", "entry": [{"resource": {"resourceType": "Patient"}}]}"#
                .to_vec(),
            |e| matches!(e, GpMessageError::NoMessageHeader),
        ),
        // Our own result message is a message, but not an answer to one.
        (result.clone(), |e| matches!(e, GpMessageError::NoResponse)),
        (ack(json!({"identifier": "not-a-uuid", "code": "ok"})), |e| {
            matches!(e, GpMessageError::BadIdentifier { value, .. } if value == "not-a-uuid")
        }),
        (ack(json!({"identifier": 42, "code": "ok"})), |e| {
            matches!(e, GpMessageError::BadIdentifier { value, .. } if value == "42")
        }),
        (ack(json!({"code": "ok"})), |e| {
            matches!(e, GpMessageError::Missing("MessageHeader.response.identifier"))
        }),
        (
            ack(json!({"identifier": Uuid::nil().to_string(), "code": "maybe"})),
            |e| matches!(e, GpMessageError::UnknownCode(c) if c == "maybe"),
        ),
        (
            ack(json!({"identifier": Uuid::nil().to_string()})),
            |e| matches!(e, GpMessageError::Missing("MessageHeader.response.code")),
        ),
    ];
    for (bytes, check) in table {
        let got = parse_ack(&bytes);
        let shown = String::from_utf8_lossy(&bytes)
            .chars()
            .take(80)
            .collect::<String>();
        match got {
            Err(e) => {
                assert!(check(&e), "{shown}: {e:?}");
                assert!(!e.to_string().is_empty());
            }
            Ok(ack) => panic!("{shown}: accepted as {ack:?}"),
        }
    }
    // An R5-style Identifier and a urn:uuid are read too.
    let id = Uuid::now_v7();
    for identifier in [
        json!({"value": format!("urn:uuid:{id}")}),
        json!(id.to_string()),
    ] {
        assert_eq!(
            parse_ack(&ack(
                json!({"identifier": identifier, "code": "fatal-error"})
            )),
            Ok(Ack {
                original_bundle_id: id,
                code: AckCode::FatalError
            })
        );
    }
}

#[test]
fn truncated_or_corrupted_messages_never_panic() {
    let pdf = pdf();
    let result = to_bytes(&sample(ResultKind::Normal, &pdf));
    let ack = serde_json::to_vec(&business_ack(
        Uuid::now_v7(),
        &practice(),
        &office(),
        AckCode::Ok,
        Uuid::now_v7(),
        datetime!(2026-12-07 11:00 UTC),
    ))
    .expect("JSON");
    for bytes in [&result, &ack] {
        for cut in (0..bytes.len()).step_by(7) {
            let _ = parse_ack(&bytes[..cut]);
            let _ = summarise(&bytes[..cut]);
        }
        for i in (0..bytes.len()).step_by(13) {
            let mut corrupted = bytes.clone();
            corrupted[i] = b'"';
            let _ = parse_ack(&corrupted);
            let _ = summarise(&corrupted);
        }
    }
}

#[test]
fn summarise_refuses_what_is_not_one_of_our_result_messages() {
    let ack = serde_json::to_vec(&business_ack(
        Uuid::now_v7(),
        &practice(),
        &office(),
        AckCode::Ok,
        Uuid::now_v7(),
        datetime!(2026-12-07 11:00 UTC),
    ))
    .expect("JSON");
    assert_eq!(
        summarise(&ack),
        Err(GpMessageError::Missing("DiagnosticReport"))
    );
    assert!(matches!(summarise(b"{"), Err(GpMessageError::NotJson(_))));
    let pdf = pdf();
    let mut b = bundle(&sample(ResultKind::Normal, &pdf));
    b["entry"][1]["resource"]["identifier"][0]["value"] = json!("R-123");
    assert!(matches!(
        summarise(b.to_string().as_bytes()),
        Err(GpMessageError::BadIdentifier { value, .. }) if value == "R-123"
    ));
}
