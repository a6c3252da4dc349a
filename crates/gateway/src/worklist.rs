//! Modality Worklist C-FIND: matching a query identifier against the local copy of the
//! worklist, and building each match's response with only the keys that were asked for.

use crate::db::WorklistItem;
use dicom_core::value::DataSetSequence;
use dicom_core::{DataElement, Length, PrimitiveValue, Tag, VR, dicom_value};
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;
use gateway_protocol::WorklistStatus;

/// Universal matching (empty value) or a value to match.
fn query_value(e: &dicom_object::mem::InMemElement) -> Option<String> {
    let s = e.to_str().ok()?;
    let s = s.trim_matches(|c: char| c == '\0' || c == ' ');
    if s.is_empty() {
        None
    } else {
        Some(s.to_owned())
    }
}

/// `*` matches any run of characters, `?` any one character.
pub fn wildcard_match(pattern: &str, value: &str, ignore_case: bool) -> bool {
    let norm = |s: &str| -> Vec<char> {
        if ignore_case {
            s.to_uppercase().chars().collect()
        } else {
            s.chars().collect()
        }
    };
    let (p, v) = (norm(pattern), norm(value));
    let (mut pi, mut vi) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while vi < v.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == v[vi]) {
            pi += 1;
            vi += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, vi));
            pi += 1;
        } else if let Some((sp, sv)) = star {
            pi = sp + 1;
            vi = sv + 1;
            star = Some((sp, sv + 1));
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

fn norm_time(t: &str) -> String {
    t.split('.').next().unwrap_or_default().replace(':', "")
}

/// Single value or range (`a-b`, `-b`, `a-`) matching of DA or TM values.
pub fn range_match(query: &str, value: &str, is_time: bool) -> bool {
    let value = if is_time {
        norm_time(value)
    } else {
        value.to_owned()
    };
    let fix = |s: &str, upper: bool| -> String {
        let s = if is_time {
            norm_time(s.trim())
        } else {
            s.trim().to_owned()
        };
        if is_time {
            let pad = if upper { '9' } else { '0' };
            let mut s = s;
            while s.len() < 6 {
                s.push(pad);
            }
            s
        } else {
            s
        }
    };
    match query.split_once('-') {
        Some((a, b)) => {
            let lower_ok = a.trim().is_empty() || value >= fix(a, false);
            let upper_ok = b.trim().is_empty() || value <= fix(b, true);
            lower_ok && upper_ok
        }
        None => {
            if is_time {
                // A single time matches the value to the precision given.
                let q = norm_time(query.trim());
                value.starts_with(&q)
            } else {
                value == query.trim()
            }
        }
    }
}

fn date_of(item: &WorklistItem) -> Option<String> {
    let s = item.scheduled_start.as_deref()?;
    let d: String = s
        .split('T')
        .next()?
        .chars()
        .filter(|c| c.is_ascii_digit())
        .collect();
    (d.len() == 8).then_some(d)
}

fn time_of(item: &WorklistItem) -> Option<String> {
    let s = item.scheduled_start.as_deref()?;
    let t: String = s
        .split_once('T')?
        .1
        .chars()
        .filter(|c| c.is_ascii_digit())
        .collect();
    (t.len() >= 4).then_some(t)
}

/// The value an item has for a top-level key.
fn top_value(item: &WorklistItem, tag: Tag) -> Option<String> {
    match tag {
        tags::PATIENT_NAME => item.patient_name.clone(),
        tags::PATIENT_ID => item.patient_id.clone(),
        tags::PATIENT_BIRTH_DATE => item.birth_date.clone(),
        tags::PATIENT_SEX => item.sex.clone(),
        tags::ACCESSION_NUMBER => item.accession_number.clone(),
        tags::STUDY_INSTANCE_UID => item.study_instance_uid.clone(),
        tags::REQUESTED_PROCEDURE_ID => item.requested_procedure_id.clone(),
        tags::REQUESTED_PROCEDURE_DESCRIPTION => item.requested_procedure_description.clone(),
        _ => None,
    }
}

/// The value an item has for a key inside the Scheduled Procedure Step Sequence.
fn step_value(item: &WorklistItem, tag: Tag) -> Option<String> {
    match tag {
        tags::MODALITY => item.modality.clone(),
        tags::SCHEDULED_STATION_AE_TITLE => item.station_ae_title.clone(),
        tags::SCHEDULED_PROCEDURE_STEP_START_DATE => date_of(item),
        tags::SCHEDULED_PROCEDURE_STEP_START_TIME => time_of(item),
        tags::SCHEDULED_PROCEDURE_STEP_ID => item.scheduled_step_id.clone(),
        tags::SCHEDULED_PROCEDURE_STEP_DESCRIPTION => item.scheduled_step_description.clone(),
        tags::SCHEDULED_PROCEDURE_STEP_STATUS => Some(
            if item.status == WorklistStatus::InProgress {
                "STARTED"
            } else {
                "SCHEDULED"
            }
            .to_owned(),
        ),
        _ => None,
    }
}

fn key_matches(tag: Tag, query: &str, value: Option<String>) -> bool {
    let Some(value) = value else {
        // A key we hold no value for constrains nothing we know; one we should hold
        // (and don't) fails the match.
        return !is_known(tag);
    };
    match tag {
        tags::SCHEDULED_PROCEDURE_STEP_START_DATE | tags::PATIENT_BIRTH_DATE => {
            range_match(query, &value, false)
        }
        tags::SCHEDULED_PROCEDURE_STEP_START_TIME => range_match(query, &value, true),
        tags::PATIENT_NAME => wildcard_match(query, &value, true),
        _ => wildcard_match(query, &value, false),
    }
}

fn is_known(tag: Tag) -> bool {
    matches!(
        tag,
        tags::PATIENT_NAME
            | tags::PATIENT_ID
            | tags::PATIENT_BIRTH_DATE
            | tags::PATIENT_SEX
            | tags::ACCESSION_NUMBER
            | tags::STUDY_INSTANCE_UID
            | tags::REQUESTED_PROCEDURE_ID
            | tags::MODALITY
            | tags::SCHEDULED_STATION_AE_TITLE
            | tags::SCHEDULED_PROCEDURE_STEP_START_DATE
            | tags::SCHEDULED_PROCEDURE_STEP_START_TIME
            | tags::SCHEDULED_PROCEDURE_STEP_ID
    )
}

/// Whether an item matches the query identifier.
pub fn matches(query: &InMemDicomObject, item: &WorklistItem) -> bool {
    if !item.is_live() {
        return false;
    }
    for e in query.iter() {
        let tag = e.header().tag;
        if tag == tags::SPECIFIC_CHARACTER_SET || tag.group() == 0x0002 {
            continue;
        }
        if tag == tags::SCHEDULED_PROCEDURE_STEP_SEQUENCE {
            if let Some(step) = e.items().and_then(|i| i.first()) {
                for se in step.iter() {
                    if let Some(q) = query_value(se)
                        && !key_matches(se.header().tag, &q, step_value(item, se.header().tag))
                    {
                        return false;
                    }
                }
            }
            continue;
        }
        if let Some(q) = query_value(e)
            && !key_matches(tag, &q, top_value(item, tag))
        {
            return false;
        }
    }
    true
}

fn element(tag: Tag, vr: VR, value: Option<String>) -> DataElement<InMemDicomObject> {
    match value {
        Some(v) => DataElement::new(tag, vr, PrimitiveValue::from(v)),
        None => DataElement::new(tag, vr, PrimitiveValue::Empty),
    }
}

/// The response identifier for a match: every key asked for (empty when we hold no value),
/// the SPS sequence with the step keys asked for, and SpecificCharacterSet ISO_IR 192.
pub fn response(query: &InMemDicomObject, item: &WorklistItem) -> InMemDicomObject {
    let mut out = InMemDicomObject::new_empty();
    out.put(DataElement::new(
        tags::SPECIFIC_CHARACTER_SET,
        VR::CS,
        dicom_value!(Strs, ["ISO_IR 192"]),
    ));
    for e in query.iter() {
        let tag = e.header().tag;
        let vr = e.header().vr();
        if tag == tags::SPECIFIC_CHARACTER_SET || tag.group() == 0x0002 {
            continue;
        }
        if tag == tags::SCHEDULED_PROCEDURE_STEP_SEQUENCE {
            let mut step_out = InMemDicomObject::new_empty();
            if let Some(step) = e.items().and_then(|i| i.first()) {
                for se in step.iter() {
                    let st = se.header().tag;
                    step_out.put(element(st, se.header().vr(), step_value(item, st)));
                }
            }
            out.put(DataElement::new(
                tag,
                VR::SQ,
                DataSetSequence::new(vec![step_out], Length::UNDEFINED),
            ));
            continue;
        }
        if vr == VR::SQ {
            // A sequence we hold nothing for: return it empty.
            out.put(DataElement::new(
                tag,
                VR::SQ,
                DataSetSequence::<InMemDicomObject>::new(vec![], Length::UNDEFINED),
            ));
            continue;
        }
        out.put(element(tag, vr, top_value(item, tag)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item() -> WorklistItem {
        WorklistItem {
            id: "w1".into(),
            revision: 1,
            status: "scheduled".into(),
            accession_number: Some("ACC0001".into()),
            study_instance_uid: Some("2.25.1".into()),
            station_ae_title: Some("MAMMO1".into()),
            modality: Some("MG".into()),
            scheduled_start: Some("2026-11-25T09:30:00".into()),
            patient_id: Some("9990001234".into()),
            patient_name: Some("SMITH^JANE".into()),
            birth_date: Some("19700131".into()),
            sex: Some("F".into()),
            ..Default::default()
        }
    }

    fn query(top: &[(Tag, VR, &str)], step: &[(Tag, VR, &str)]) -> InMemDicomObject {
        let mut q = InMemDicomObject::new_empty();
        for (t, vr, v) in top {
            q.put(element(*t, *vr, (!v.is_empty()).then(|| v.to_string())));
        }
        let mut s = InMemDicomObject::new_empty();
        for (t, vr, v) in step {
            s.put(element(*t, *vr, (!v.is_empty()).then(|| v.to_string())));
        }
        q.put(DataElement::new(
            tags::SCHEDULED_PROCEDURE_STEP_SEQUENCE,
            VR::SQ,
            DataSetSequence::new(vec![s], Length::UNDEFINED),
        ));
        q
    }

    #[test]
    fn wildcards() {
        assert!(wildcard_match("SMITH*", "SMITH^JANE", true));
        assert!(wildcard_match("sm?th*", "SMITH^JANE", true));
        assert!(wildcard_match("*JANE", "SMITH^JANE", false));
        assert!(!wildcard_match("JONES*", "SMITH^JANE", true));
        assert!(wildcard_match("*", "", false));
        assert!(!wildcard_match("?", "", false));
        assert!(wildcard_match("a*b*c", "axxbyyc", false));
    }

    #[test]
    fn ranges() {
        assert!(range_match("20261125", "20261125", false));
        assert!(range_match("20261124-20261126", "20261125", false));
        assert!(range_match("-20261125", "20261125", false));
        assert!(range_match("20261126-", "20261127", false));
        assert!(!range_match("20261126-", "20261125", false));
        assert!(range_match("0900-1000", "093000", true));
        assert!(range_match("0900-0930", "093000", true));
        assert!(!range_match("1000-", "093000", true));
        assert!(range_match("09", "093000", true));
    }

    #[test]
    fn matching_keys() {
        let i = item();
        let q = query(
            &[(tags::PATIENT_NAME, VR::PN, "SMITH*")],
            &[(tags::MODALITY, VR::CS, "MG")],
        );
        assert!(matches(&q, &i));
        let q = query(&[(tags::PATIENT_ID, VR::LO, "9990001235")], &[]);
        assert!(!matches(&q, &i));
        let q = query(
            &[],
            &[
                (
                    tags::SCHEDULED_PROCEDURE_STEP_START_DATE,
                    VR::DA,
                    "20261125-20261126",
                ),
                (tags::SCHEDULED_STATION_AE_TITLE, VR::AE, "MAMMO1"),
            ],
        );
        assert!(matches(&q, &i));
        let q = query(
            &[],
            &[(
                tags::SCHEDULED_PROCEDURE_STEP_START_DATE,
                VR::DA,
                "-20261124",
            )],
        );
        assert!(!matches(&q, &i));
        let q = query(&[(tags::ACCESSION_NUMBER, VR::SH, "ACC0001")], &[]);
        assert!(matches(&q, &i));
        let mut done = item();
        done.status = "completed".into();
        assert!(!matches(&query(&[], &[]), &done));
    }

    #[test]
    fn response_has_only_requested_keys() {
        let q = query(
            &[
                (tags::PATIENT_NAME, VR::PN, ""),
                (tags::PATIENT_ID, VR::LO, ""),
                (tags::REFERRING_PHYSICIAN_NAME, VR::PN, ""),
            ],
            &[(tags::SCHEDULED_PROCEDURE_STEP_START_DATE, VR::DA, "")],
        );
        let r = response(&q, &item());
        let s = |t| r.element(t).unwrap().to_str().unwrap().trim().to_string();
        assert_eq!(s(tags::PATIENT_NAME), "SMITH^JANE");
        assert_eq!(s(tags::PATIENT_ID), "9990001234");
        assert_eq!(s(tags::SPECIFIC_CHARACTER_SET), "ISO_IR 192");
        assert_eq!(s(tags::REFERRING_PHYSICIAN_NAME), "");
        assert!(r.element(tags::ACCESSION_NUMBER).is_err());
        let step = &r
            .element(tags::SCHEDULED_PROCEDURE_STEP_SEQUENCE)
            .unwrap()
            .items()
            .unwrap()[0];
        assert_eq!(
            step.element(tags::SCHEDULED_PROCEDURE_STEP_START_DATE)
                .unwrap()
                .to_str()
                .unwrap(),
            "20261125"
        );
        assert!(step.element(tags::MODALITY).is_err());
    }
}
