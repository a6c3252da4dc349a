//! Property-based fuzzing of the ingest path: parse, validate, extract the metadata and make
//! the thumbnail of arbitrary and mutated data sets. Malformed input must come back as a
//! refusal (a DIMSE status and comment), never a panic.
//!
//! `PROPTEST_CASES=20000 cargo test -p gateway --test fuzz` runs a longer campaign.

use dicom_core::{DataElement, PrimitiveValue, VR};
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;
use dicom_transfer_syntax_registry::entries::{
    EXPLICIT_VR_LITTLE_ENDIAN, IMPLICIT_VR_LITTLE_ENDIAN,
};
use gateway::dimse::{Assembler, Command};
use gateway::ingest;
use proptest::prelude::*;

const EXPLICIT: &str = "1.2.840.10008.1.2.1";
const IMPLICIT: &str = "1.2.840.10008.1.2";

fn valid(rows: u16, cols: u16, mono1: bool, sigmoid: bool, explicit: bool) -> Vec<u8> {
    let mut o = InMemDicomObject::new_empty();
    let s = |o: &mut InMemDicomObject, t, vr, v: &str| {
        o.put(DataElement::new(t, vr, PrimitiveValue::from(v)));
    };
    s(
        &mut o,
        tags::SOP_CLASS_UID,
        VR::UI,
        ingest::MG_FOR_PRESENTATION,
    );
    s(&mut o, tags::SOP_INSTANCE_UID, VR::UI, "1.2.3.4.5");
    s(&mut o, tags::STUDY_INSTANCE_UID, VR::UI, "1.2.3.4");
    s(&mut o, tags::SERIES_INSTANCE_UID, VR::UI, "1.2.3.4.1");
    s(&mut o, tags::PATIENT_ID, VR::LO, "9990001234");
    s(&mut o, tags::PATIENT_NAME, VR::PN, "TESTER^JANE");
    s(
        &mut o,
        tags::PRESENTATION_INTENT_TYPE,
        VR::CS,
        "FOR PRESENTATION",
    );
    s(&mut o, tags::IMAGE_LATERALITY, VR::CS, "L");
    s(&mut o, tags::VIEW_POSITION, VR::CS, "CC");
    s(&mut o, tags::KVP, VR::DS, "29");
    s(
        &mut o,
        tags::ACQUISITION_DATE_TIME,
        VR::DT,
        "20261125093000",
    );
    s(
        &mut o,
        tags::PHOTOMETRIC_INTERPRETATION,
        VR::CS,
        if mono1 { "MONOCHROME1" } else { "MONOCHROME2" },
    );
    s(&mut o, tags::WINDOW_CENTER, VR::DS, "2048\\1024");
    s(&mut o, tags::WINDOW_WIDTH, VR::DS, "4096\\2048");
    if sigmoid {
        s(&mut o, tags::VOILUT_FUNCTION, VR::CS, "SIGMOID");
    }
    for (t, v) in [
        (tags::ROWS, rows),
        (tags::COLUMNS, cols),
        (tags::BITS_ALLOCATED, 16),
        (tags::BITS_STORED, 12),
        (tags::HIGH_BIT, 11),
        (tags::PIXEL_REPRESENTATION, 0),
        (tags::SAMPLES_PER_PIXEL, 1),
    ] {
        o.put(DataElement::new(t, VR::US, PrimitiveValue::from(v)));
    }
    let n = rows as usize * cols as usize;
    let px: Vec<u8> = (0..n)
        .flat_map(|i| ((i * 37 % 4096) as u16).to_le_bytes())
        .collect();
    o.put(DataElement::new(
        tags::PIXEL_DATA,
        VR::OW,
        PrimitiveValue::from(px),
    ));
    let mut out = Vec::new();
    let ts = if explicit {
        EXPLICIT_VR_LITTLE_ENDIAN.erased()
    } else {
        IMPLICIT_VR_LITTLE_ENDIAN.erased()
    };
    o.write_dataset_with_ts(&mut out, &ts).unwrap();
    out
}

/// The whole ingest path short of the disk: parse, validate, extract, thumbnail.
fn ingest_bytes(bytes: &[u8], ts: &str) -> Result<(), ingest::Refusal> {
    let parsed = ingest::parse(bytes, ts, None, None)?;
    if ingest::wants_thumbnail(&parsed.metadata) {
        ingest::make_thumbnail(&parsed, 64)?;
    }
    Ok(())
}

#[test]
fn the_valid_seed_is_accepted() {
    for explicit in [true, false] {
        let b = valid(20, 16, true, true, explicit);
        ingest_bytes(&b, if explicit { EXPLICIT } else { IMPLICIT }).unwrap();
    }
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Truncate(usize),
    Insert(usize, Vec<u8>),
    Overwrite(usize, u32),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Flip(i, b)),
        any::<usize>().prop_map(Mutation::Truncate),
        (
            any::<usize>(),
            proptest::collection::vec(any::<u8>(), 1..16)
        )
            .prop_map(|(i, v)| Mutation::Insert(i, v)),
        // Lengths and values that matter: 0, odd, undefined, huge.
        (
            any::<usize>(),
            prop_oneof![
                Just(0u32),
                Just(1),
                Just(0xFFFF_FFFF),
                Just(0x7FFF_FFFF),
                any::<u32>()
            ]
        )
            .prop_map(|(i, v)| Mutation::Overwrite(i, v)),
    ]
}

fn apply(mut b: Vec<u8>, ms: &[Mutation]) -> Vec<u8> {
    for m in ms {
        if b.is_empty() {
            break;
        }
        let n = b.len();
        match m {
            Mutation::Flip(i, x) => b[i % n] ^= x | 1,
            Mutation::Truncate(i) => b.truncate(i % n),
            Mutation::Insert(i, v) => {
                let at = i % n;
                b.splice(at..at, v.iter().copied());
            }
            Mutation::Overwrite(i, v) => {
                let at = i % n;
                for (k, byte) in v.to_le_bytes().iter().enumerate() {
                    if at + k < b.len() {
                        b[at + k] = *byte;
                    }
                }
            }
        }
    }
    b
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048), explicit in any::<bool>()) {
        let _ = ingest_bytes(&bytes, if explicit { EXPLICIT } else { IMPLICIT });
        let _ = Command::decode(&bytes);
    }

    #[test]
    fn mutated_images_never_panic(
        rows in 1u16..40, cols in 1u16..40, mono1 in any::<bool>(), sigmoid in any::<bool>(),
        explicit in any::<bool>(), ms in proptest::collection::vec(mutation(), 1..6),
    ) {
        let bytes = apply(valid(rows, cols, mono1, sigmoid, explicit), &ms);
        let r = ingest_bytes(&bytes, if explicit { EXPLICIT } else { IMPLICIT });
        if let Err(refusal) = r {
            prop_assert!(refusal.status != 0 && !refusal.comment.is_empty());
        }
    }

    #[test]
    fn mutated_command_sets_never_panic(ms in proptest::collection::vec(mutation(), 1..4), split in 1usize..64) {
        let c = Command {
            field: gateway::dimse::field::C_STORE_RQ,
            message_id: Some(1),
            sop_class_uid: Some(ingest::MG_FOR_PRESENTATION.into()),
            sop_instance_uid: Some("1.2.3".into()),
            has_data_set: true,
            ..Default::default()
        };
        let bytes = apply(c.encode(), &ms);
        let _ = Command::decode(&bytes);
        let mut asm = Assembler::new();
        for (i, chunk) in bytes.chunks(split).enumerate() {
            let _ = asm.push(dicom_ul::pdu::PDataValue {
                presentation_context_id: 1,
                value_type: if i % 3 == 2 { dicom_ul::pdu::PDataValueType::Data } else { dicom_ul::pdu::PDataValueType::Command },
                is_last: (i + 1) * split >= bytes.len(),
                data: chunk.to_vec(),
            });
        }
    }
}
