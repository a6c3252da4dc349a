//! The wire format both ways: each checked-in golden document reads as the expected value,
//! and that value writes back byte for byte; then what ADR 11 says about older and newer
//! peers (unknown fields ignored, missing optional fields read as null).

use gateway_protocol::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use time::macros::datetime;
use uuid::Uuid;

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Reads `name`, checks it is `expected`, and checks `expected` writes `name` exactly.
fn golden<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(name: &str, expected: &T) {
    let text = fixture(name);
    let read: T = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(&read, expected, "{name} reads as expected");
    let written = serde_json::to_string_pretty(expected).expect("serialize");
    assert_eq!(
        written,
        text.trim_end(),
        "{name} is written back byte for byte"
    );
    // And the compact form (what actually travels) means the same.
    let compact = serde_json::to_string(expected).expect("serialize");
    let again: T = serde_json::from_str(&compact).expect("compact reads back");
    assert_eq!(&again, expected);
}

fn id(n: u32) -> Uuid {
    Uuid::parse_str(&format!("0192f0c4-0000-7000-8000-{n:012x}")).expect("uuid")
}

fn s(v: &str) -> Option<String> {
    Some(v.to_owned())
}

fn full_item() -> WorklistItem {
    WorklistItem {
        id: id(1).to_string(),
        appointment_id: Some(id(2).to_string()),
        revision: 3,
        status: WorklistStatus::Scheduled,
        accession_number: s("ACC0001"),
        study_instance_uid: s("2.25.1234"),
        requested_procedure_id: s("ACC0001"),
        requested_procedure_description: s("Screening mammography"),
        scheduled_step_id: s("ACC0001"),
        scheduled_step_description: s("Screening mammography"),
        station_ae_title: s("MAMMO1"),
        modality: s("MG"),
        scheduled_start: s("2026-11-25T09:00:00"),
        patient_id: s("9990001234"),
        patient_name: s("LAST^FIRST"),
        birth_date: s("19700131"),
        sex: s("F"),
    }
}

#[test]
fn worklist_page() {
    let page = WorklistPage {
        cursor: "42".to_owned(),
        items: vec![
            full_item(),
            WorklistItem {
                id: id(3).to_string(),
                revision: 7,
                status: WorklistStatus::Cancelled,
                ..WorklistItem::default()
            },
        ],
    };
    golden("worklist_page.json", &page);
    assert!(page.items[0].is_live());
    assert!(!page.items[1].is_live());
}

fn image() -> ImageEvent {
    ImageEvent {
        sop_instance_uid: "2.25.1234.1.1".to_owned(),
        sop_class_uid: s("1.2.840.10008.5.1.4.1.1.1.2"),
        study_instance_uid: s("2.25.1234"),
        series_instance_uid: s("2.25.1234.1"),
        accession_number: s("ACC0001"),
        patient_id: s("9990001234"),
        patient_name: s("LAST^FIRST"),
        laterality: s("R"),
        view_position: s("CC"),
        implant_displaced: false,
        implant_present: Some(false),
        presentation_intent: s("FOR PRESENTATION"),
        tomosynthesis: false,
        operator_name: s("OPERATOR^ANNE"),
        acquired_at: s("2026-11-25T09:30:12Z"),
        kvp: Some(28.0),
        exposure_uas: Some(56000.0),
        entrance_dose_mgy: Some(4.2),
        organ_dose_mgy: Some(1.35),
        thickness_mm: Some(52.0),
        compression_n: Some(110.5),
        anode: s("W"),
        filter: s("RHODIUM"),
        manufacturer: s("ACME"),
        model: s("Mammo 3000"),
        station_name: s("MAMMO1"),
        device_serial: s("123"),
        rows: Some(4096),
        columns: Some(3328),
        bits_stored: Some(14),
        photometric: s("MONOCHROME2"),
        transfer_syntax: s("1.2.840.10008.1.2.1"),
        received_at: s("2026-11-25T09:31:02Z"),
        thumbnail: Some(Thumbnail {
            media_type: "image/png".to_owned(),
            width: Some(205),
            height: Some(256),
            data_base64: "iVBORw0KGgo=".to_owned(),
        }),
    }
}

#[test]
fn image_event_with_its_thumbnail() {
    let event = GatewayEvent {
        id: id(0xa1),
        occurred_at: datetime!(2026-11-25 09:31:02 UTC),
        body: EventBody::Image(Box::new(image())),
    };
    golden("event_image.json", &event);
    assert_eq!(event.body.kind(), "image");
}

#[test]
fn image_event_whose_thumbnail_is_still_being_made() {
    // A compressed tomosynthesis object: no thumbnail key at all until one is added.
    let event = GatewayEvent {
        id: id(0xa2),
        occurred_at: datetime!(2026-11-25 09:31:03 UTC),
        body: EventBody::Image(Box::new(ImageEvent {
            sop_instance_uid: "2.25.1234.1.2".to_owned(),
            sop_class_uid: s("1.2.840.10008.5.1.4.1.1.13.1.3"),
            study_instance_uid: s("2.25.1234"),
            series_instance_uid: s("2.25.1234.2"),
            patient_id: s("9990001234"),
            laterality: s("L"),
            view_position: s("MLO"),
            implant_displaced: true,
            tomosynthesis: true,
            rows: Some(2048),
            columns: Some(1664),
            bits_stored: Some(12),
            photometric: s("MONOCHROME1"),
            transfer_syntax: s("1.2.840.10008.1.2.4.90"),
            received_at: s("2026-11-25T09:31:03Z"),
            ..ImageEvent::default()
        })),
    };
    golden("event_image_deferred.json", &event);
}

#[test]
fn mpps_events() {
    let created = MppsEvent {
        mpps_instance_uid: s("2.25.999"),
        status: s("IN PROGRESS"),
        study_instance_uid: s("2.25.1234"),
        accession_number: s("ACC0001"),
        patient_id: s("9990001234"),
        performed_series: None,
        discontinuation_reason: None,
    };
    golden(
        "event_mpps_created.json",
        &GatewayEvent {
            id: id(0xb1),
            occurred_at: datetime!(2026-11-25 09:29:00 UTC),
            body: EventBody::Mpps(created.clone()),
        },
    );
    golden(
        "event_mpps_completed.json",
        &GatewayEvent {
            id: id(0xb2),
            occurred_at: datetime!(2026-11-25 09:40:00 UTC),
            body: EventBody::Mpps(MppsEvent {
                status: s("COMPLETED"),
                performed_series: Some(vec![PerformedSeries {
                    series_instance_uid: s("2.25.1234.1"),
                    sop_instance_uids: vec!["2.25.1234.1.1".to_owned(), "2.25.1234.1.2".to_owned()],
                }]),
                ..created
            }),
        },
    );
}

#[test]
fn echo_events() {
    golden(
        "event_echo_ok.json",
        &GatewayEvent {
            id: id(0xc1),
            occurred_at: datetime!(2026-11-25 09:00:00 UTC),
            body: EventBody::Echo(EchoEvent {
                ok: true,
                round_trip_ms: Some(4),
                error: None,
                dead_letters: Some(0),
            }),
        },
    );
    golden(
        "event_echo_failed.json",
        &GatewayEvent {
            id: id(0xc2),
            occurred_at: datetime!(2026-11-25 09:01:00 UTC),
            body: EventBody::Echo(EchoEvent {
                ok: false,
                round_trip_ms: None,
                error: s("connection refused"),
                dead_letters: Some(2),
            }),
        },
    );
}

#[test]
fn receipts() {
    golden(
        "receipt_attached.json",
        &EventReceipt {
            stored: true,
            outcome: "attached".to_owned(),
            appointment_id: Some(id(2)),
            quarantine_reason: None,
        },
    );
    golden(
        "receipt_duplicate.json",
        &EventReceipt {
            stored: false,
            outcome: "duplicate".to_owned(),
            appointment_id: None,
            quarantine_reason: None,
        },
    );
}

#[test]
fn validation_problem() {
    golden(
        "problem_invalid.json",
        &Problem {
            kind: "https://screening.example.nhs.uk/problems/validation".to_owned(),
            title: "The request has invalid fields".to_owned(),
            status: 422,
            detail: s("thumbnail.data_base64: is not base64"),
            errors: vec![ProblemField {
                field: "thumbnail.data_base64".to_owned(),
                message: "is not base64".to_owned(),
            }],
        },
    );
}

// ---------------------------------------------------------------------------------------
// Older and newer peers (ADR 11, "One crate")
// ---------------------------------------------------------------------------------------

/// Adds fields a newer peer might send, at the top level and inside nested objects.
fn with_newer_fields(mut v: serde_json::Value) -> serde_json::Value {
    fn add(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(o) => {
                for child in o.values_mut() {
                    add(child);
                }
                o.insert(
                    "added_in_a_later_version".into(),
                    serde_json::json!({"x": [1]}),
                );
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(add),
            _ => {}
        }
    }
    add(&mut v);
    v
}

#[test]
fn a_newer_peer_s_extra_fields_are_ignored() {
    for (name, check) in [
        (
            "worklist_page.json",
            read_as::<WorklistPage> as fn(serde_json::Value, &str),
        ),
        ("event_image.json", read_as::<GatewayEvent>),
        ("event_image_deferred.json", read_as::<GatewayEvent>),
        ("event_mpps_completed.json", read_as::<GatewayEvent>),
        ("event_echo_failed.json", read_as::<GatewayEvent>),
        ("receipt_attached.json", read_as::<EventReceipt>),
        ("problem_invalid.json", read_as::<Problem>),
    ] {
        let v: serde_json::Value = serde_json::from_str(&fixture(name)).expect("json");
        check(v, name);
    }

    fn read_as<T: DeserializeOwned + PartialEq + std::fmt::Debug>(
        v: serde_json::Value,
        name: &str,
    ) {
        let plain: T = serde_json::from_value(v.clone()).expect("plain");
        let newer: T = serde_json::from_value(with_newer_fields(v))
            .unwrap_or_else(|e| panic!("{name} with newer fields: {e}"));
        assert_eq!(newer, plain, "{name}");
    }
}

#[test]
fn an_older_peer_s_missing_optional_fields_read_as_null() {
    // The smallest worklist item and page a receiver accepts.
    let page: WorklistPage = serde_json::from_str(
        r#"{"cursor": "7", "items": [{"id": "w1", "revision": 1, "status": "in_progress"}]}"#,
    )
    .expect("minimal page");
    assert_eq!(
        page.items,
        [WorklistItem {
            id: "w1".to_owned(),
            revision: 1,
            status: WorklistStatus::InProgress,
            ..WorklistItem::default()
        }]
    );
    let empty: WorklistPage = serde_json::from_str(r#"{"cursor": "7"}"#).expect("no items");
    assert!(empty.items.is_empty());

    // The smallest events.
    let image: GatewayEvent = serde_json::from_str(
        r#"{"id": "0192f0c4-0000-7000-8000-0000000000a1", "occurred_at": "2026-11-25T09:31:02Z",
            "kind": "image", "sop_instance_uid": "2.25.1"}"#,
    )
    .expect("minimal image");
    assert_eq!(
        image.body,
        EventBody::Image(Box::new(ImageEvent {
            sop_instance_uid: "2.25.1".to_owned(),
            ..ImageEvent::default()
        }))
    );
    let thumb: Thumbnail =
        serde_json::from_str(r#"{"media_type": "image/jpeg", "data_base64": "AA=="}"#)
            .expect("thumbnail without its size");
    assert_eq!((thumb.width, thumb.height), (None, None));
    let mpps: GatewayEvent = serde_json::from_str(
        r#"{"id": "0192f0c4-0000-7000-8000-0000000000b1", "occurred_at": "2026-11-25T09:29:00+00:00",
            "kind": "mpps", "mpps_instance_uid": "2.25.9", "status": "COMPLETED"}"#,
    )
    .expect("minimal mpps");
    let EventBody::Mpps(m) = mpps.body else {
        panic!("mpps")
    };
    assert_eq!(m.performed_series, None, "absent means: keep what you had");
    let echo: GatewayEvent = serde_json::from_str(
        r#"{"id": "0192f0c4-0000-7000-8000-0000000000c1", "occurred_at": "2026-11-25T09:00:00Z",
            "kind": "echo"}"#,
    )
    .expect("minimal echo");
    assert_eq!(echo.body, EventBody::Echo(EchoEvent::default()));
    let receipt: EventReceipt =
        serde_json::from_str(r#"{"stored": true, "outcome": "echo"}"#).expect("minimal receipt");
    assert_eq!(receipt.appointment_id, None);
}

#[test]
fn a_status_this_side_does_not_know_is_kept_and_never_live() {
    let item: WorklistItem =
        serde_json::from_str(r#"{"id": "w1", "revision": 2, "status": "on_hold"}"#).expect("item");
    assert_eq!(item.status, WorklistStatus::Other("on_hold".to_owned()));
    assert!(!item.is_live());
    let again = serde_json::to_value(&item).expect("serialize");
    assert_eq!(again["status"], "on_hold", "kept as written");
    for (text, status) in [
        ("scheduled", WorklistStatus::Scheduled),
        ("in_progress", WorklistStatus::InProgress),
        ("completed", WorklistStatus::Completed),
        ("discontinued", WorklistStatus::Discontinued),
        ("cancelled", WorklistStatus::Cancelled),
    ] {
        assert_eq!(WorklistStatus::from(text), status);
        assert_eq!(status.as_str(), text);
    }
}

#[test]
fn what_a_receiver_cannot_work_without_is_required() {
    for (what, json) in [
        (
            "event id",
            r#"{"occurred_at": "2026-11-25T09:00:00Z", "kind": "echo"}"#,
        ),
        (
            "occurred_at",
            r#"{"id": "0192f0c4-0000-7000-8000-0000000000c1", "kind": "echo"}"#,
        ),
        (
            "an RFC 3339 occurred_at",
            r#"{"id": "0192f0c4-0000-7000-8000-0000000000c1", "occurred_at": "yesterday", "kind": "echo"}"#,
        ),
        (
            "kind",
            r#"{"id": "0192f0c4-0000-7000-8000-0000000000c1", "occurred_at": "2026-11-25T09:00:00Z"}"#,
        ),
        (
            "a known kind",
            r#"{"id": "0192f0c4-0000-7000-8000-0000000000c1", "occurred_at": "2026-11-25T09:00:00Z", "kind": "x"}"#,
        ),
        (
            "a DICOM US row count",
            r#"{"id": "0192f0c4-0000-7000-8000-0000000000a1", "occurred_at": "2026-11-25T09:00:00Z", "kind": "image", "sop_instance_uid": "2.25.1", "rows": 70000}"#,
        ),
    ] {
        assert!(
            serde_json::from_str::<GatewayEvent>(json).is_err(),
            "an event needs {what}"
        );
    }
    assert!(serde_json::from_str::<WorklistPage>(r#"{"items": []}"#).is_err());
    assert!(serde_json::from_str::<WorklistItem>(r#"{"id": "w1", "revision": 1}"#).is_err());
    assert!(serde_json::from_str::<Thumbnail>(r#"{"media_type": "image/png"}"#).is_err());
}
