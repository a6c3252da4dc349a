//! The ingest path of one received image: parse, validate, extract the metadata, make the
//! thumbnail, and store the file durably. Every step returns a [`Refusal`] (a DIMSE
//! failure status with an ErrorComment) for bad input; none of them panics.

use crate::dimse::status;
use crate::thumbnail::{self, Display, Pixels, VoiFunction};
use base64::Engine as _;
use dicom_core::Tag;
use dicom_dictionary_std::tags;
use dicom_encoding::transfer_syntax::TransferSyntaxIndex;
use dicom_object::meta::FileMetaTableBuilder;
use dicom_object::{FileDicomObject, InMemDicomObject};
use dicom_pixeldata::PixelDecoder;
use dicom_transfer_syntax_registry::TransferSyntaxRegistry;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;
use time::OffsetDateTime;

pub const MG_FOR_PRESENTATION: &str = "1.2.840.10008.5.1.4.1.1.1.2";
pub const MG_FOR_PROCESSING: &str = "1.2.840.10008.5.1.4.1.1.1.2.1";
pub const BREAST_TOMOSYNTHESIS: &str = "1.2.840.10008.5.1.4.1.1.13.1.3";
/// The storage SOP classes the gateway accepts.
pub const STORAGE_SOP_CLASSES: [&str; 3] =
    [MG_FOR_PRESENTATION, MG_FOR_PROCESSING, BREAST_TOMOSYNTHESIS];

pub const IMPLICIT_VR_LE: &str = "1.2.840.10008.1.2";

/// Our implementation class UID (2.25 + a fixed UUID) and version name.
pub const IMPLEMENTATION_CLASS_UID: &str = "2.25.206011245356383393738416384424624766193";
pub const IMPLEMENTATION_VERSION_NAME: &str = "SCREENING_GW_1";

/// Why an image was refused, as the C-STORE response will say it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub status: u16,
    pub comment: String,
}

impl Refusal {
    fn mismatch(comment: impl Into<String>) -> Refusal {
        Refusal {
            status: status::DATASET_MISMATCH,
            comment: comment.into(),
        }
    }
    fn cannot_understand(comment: impl Into<String>) -> Refusal {
        Refusal {
            status: status::CANNOT_UNDERSTAND,
            comment: comment.into(),
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:#06X}: {}", self.status, self.comment)
    }
}

/// The `image` event's fields and thumbnail (ADR 11): the protocol crate's types.
pub use gateway_protocol::{ImageEvent, Thumbnail};

/// A parsed and validated image, ready to be stored.
pub struct Parsed {
    pub object: FileDicomObject<InMemDicomObject>,
    pub metadata: ImageEvent,
}

fn text(obj: &InMemDicomObject, tag: Tag) -> Option<String> {
    let e = obj.element_opt(tag).ok().flatten()?;
    let s = e.to_str().ok()?;
    let s = s.trim_matches(|c: char| c == '\0' || c.is_whitespace());
    if s.is_empty() {
        None
    } else {
        Some(s.to_owned())
    }
}

fn first_text(obj: &InMemDicomObject, tag: Tag) -> Option<String> {
    text(obj, tag).map(|s| s.split('\\').next().unwrap_or_default().trim().to_owned())
}

fn number(obj: &InMemDicomObject, tag: Tag) -> Option<f64> {
    first_text(obj, tag)?
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
}

fn numbers(obj: &InMemDicomObject, tag: Tag) -> Vec<f64> {
    text(obj, tag)
        .map(|s| {
            s.split('\\')
                .filter_map(|v| v.trim().parse::<f64>().ok())
                .filter(|v| v.is_finite())
                .collect()
        })
        .unwrap_or_default()
}

fn int(obj: &InMemDicomObject, tag: Tag) -> Option<i64> {
    let e = obj.element_opt(tag).ok().flatten()?;
    e.to_int::<i64>().ok()
}

fn items(obj: &InMemDicomObject, tag: Tag) -> &[InMemDicomObject] {
    match obj.element_opt(tag) {
        Ok(Some(e)) => e.items().unwrap_or(&[]),
        _ => &[],
    }
}

/// A UID usable as a file name and in the database: digits and dots, at most 64 long.
pub fn valid_uid(uid: &str) -> bool {
    !uid.is_empty()
        && uid.len() <= 64
        && uid.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && !uid.starts_with('.')
        && !uid.ends_with('.')
        && !uid.contains("..")
}

fn required_uid(obj: &InMemDicomObject, tag: Tag, name: &str) -> Result<String, Refusal> {
    let v = text(obj, tag).ok_or_else(|| {
        Refusal::mismatch(format!("missing {name} ({:04X},{:04X})", tag.0, tag.1))
    })?;
    if !valid_uid(&v) {
        return Err(Refusal::mismatch(format!("{name} is not a valid UID")));
    }
    Ok(v)
}

fn implant_displaced(obj: &InMemDicomObject) -> bool {
    let is_displaced = |m: &InMemDicomObject| {
        let code = text(m, tags::CODE_VALUE).unwrap_or_default();
        let meaning = text(m, tags::CODE_MEANING)
            .unwrap_or_default()
            .to_ascii_lowercase();
        code == "R-102D5" || code == "396975000" || meaning.contains("implant displaced")
    };
    items(obj, tags::VIEW_MODIFIER_CODE_SEQUENCE)
        .iter()
        .any(is_displaced)
        || items(obj, tags::VIEW_CODE_SEQUENCE).iter().any(|v| {
            items(v, tags::VIEW_MODIFIER_CODE_SEQUENCE)
                .iter()
                .any(is_displaced)
        })
}

/// Europe/London's offset from UTC in hours at a local date and time: British Summer Time
/// runs from 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of
/// October.
pub fn london_offset_hours(date: time::Date, t: time::Time) -> i8 {
    let last_sunday = |month: time::Month| -> Option<time::Date> {
        let mut d = time::Date::from_calendar_date(date.year(), month, 31).ok()?;
        while d.weekday() != time::Weekday::Sunday {
            d = d.previous_day()?;
        }
        Some(d)
    };
    let (Some(start), Some(end)) = (
        last_sunday(time::Month::March),
        last_sunday(time::Month::October),
    ) else {
        return 0;
    };
    let one = time::Time::from_hms(1, 0, 0).unwrap_or(time::Time::MIDNIGHT);
    let two = time::Time::from_hms(2, 0, 0).unwrap_or(time::Time::MIDNIGHT);
    let local = time::PrimitiveDateTime::new(date, t);
    let bst_starts = time::PrimitiveDateTime::new(start, one); // 01:00 GMT local
    let bst_ends = time::PrimitiveDateTime::new(end, two); // 02:00 BST local
    if local >= bst_starts && local < bst_ends {
        1
    } else {
        0
    }
}

/// Parses DICOM DA + TM (or a DT) into RFC 3339, using `offset` ("+HHMM") when the image
/// gives one and Europe/London otherwise.
pub fn dicom_datetime(dt: &str, offset: Option<&str>) -> Option<String> {
    let dt = dt.trim();
    let (body, dt_offset) = match dt.find(['+', '-']) {
        Some(i) => (&dt[..i], Some(&dt[i..])),
        None => (dt, None),
    };
    let digits: String = body.chars().take_while(|c| c.is_ascii_digit()).collect();
    if digits.len() < 8 {
        return None;
    }
    let num = |r: std::ops::Range<usize>, default: u32| -> Option<u32> {
        if digits.len() >= r.end {
            digits[r].parse().ok()
        } else {
            Some(default)
        }
    };
    let year = num(0..4, 0)? as i32;
    let month = time::Month::try_from(num(4..6, 1)? as u8).ok()?;
    let day = num(6..8, 1)? as u8;
    let (h, m, s) = (
        num(8..10, 0)? as u8,
        num(10..12, 0)? as u8,
        num(12..14, 0)? as u8,
    );
    let frac: String = body
        .split_once('.')
        .map(|(_, f)| {
            f.chars()
                .take_while(|c| c.is_ascii_digit())
                .take(6)
                .collect()
        })
        .unwrap_or_default();
    let micros: u32 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<6}").parse().ok()?
    };
    let date = time::Date::from_calendar_date(year, month, day).ok()?;
    let t = time::Time::from_hms_micro(h, m, s.min(59), micros).ok()?;
    let off = match dt_offset.or(offset) {
        Some(o) if o.len() == 5 => {
            let sign = if o.starts_with('-') { -1 } else { 1 };
            let oh: i8 = o[1..3].parse().ok()?;
            let om: i8 = o[3..5].parse().ok()?;
            time::UtcOffset::from_hms(sign * oh, sign * om, 0).ok()?
        }
        _ => time::UtcOffset::from_hms(london_offset_hours(date, t), 0, 0).ok()?,
    };
    let odt = time::PrimitiveDateTime::new(date, t).assume_offset(off);
    odt.format(&time::format_description::well_known::Rfc3339)
        .ok()
}

fn acquired_at(obj: &InMemDicomObject) -> Option<String> {
    let offset = text(obj, tags::TIMEZONE_OFFSET_FROM_UTC);
    if let Some(dt) = text(obj, tags::ACQUISITION_DATE_TIME) {
        return dicom_datetime(&dt, offset.as_deref());
    }
    for (d, t) in [
        (tags::ACQUISITION_DATE, tags::ACQUISITION_TIME),
        (tags::CONTENT_DATE, tags::CONTENT_TIME),
    ] {
        if let Some(d) = text(obj, d) {
            let t = text(obj, t).unwrap_or_default();
            return dicom_datetime(&format!("{d}{t}"), offset.as_deref());
        }
    }
    None
}

pub fn now_rfc3339() -> String {
    OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Parses and validates a C-STORE data set received in transfer syntax `ts_uid`. The SOP
/// class and instance must agree with the command's.
pub fn parse(
    data: &[u8],
    ts_uid: &str,
    command_sop_class: Option<&str>,
    command_sop_instance: Option<&str>,
) -> Result<Parsed, Refusal> {
    let ts = TransferSyntaxRegistry
        .get(ts_uid)
        .ok_or_else(|| Refusal::cannot_understand(format!("unknown transfer syntax {ts_uid}")))?;
    crate::bounds::check(data, ts_uid != IMPLICIT_VR_LE)
        .map_err(|e| Refusal::cannot_understand(format!("unreadable data set: {e}")))?;
    let obj = InMemDicomObject::read_dataset_with_ts(data, ts)
        .map_err(|e| Refusal::cannot_understand(format!("unreadable data set: {e}")))?;
    let sop_class_uid = required_uid(&obj, tags::SOP_CLASS_UID, "SOPClassUID")?;
    let sop_instance_uid = required_uid(&obj, tags::SOP_INSTANCE_UID, "SOPInstanceUID")?;
    if let Some(c) = command_sop_class
        && c != sop_class_uid
    {
        return Err(Refusal::mismatch("SOPClassUID differs from the command's"));
    }
    if let Some(i) = command_sop_instance
        && i != sop_instance_uid
    {
        return Err(Refusal::mismatch(
            "SOPInstanceUID differs from the command's",
        ));
    }
    if !STORAGE_SOP_CLASSES.contains(&sop_class_uid.as_str()) {
        return Err(Refusal {
            status: status::SOP_CLASS_NOT_SUPPORTED,
            comment: format!("SOP class {sop_class_uid} is not accepted"),
        });
    }
    let study_instance_uid = required_uid(&obj, tags::STUDY_INSTANCE_UID, "StudyInstanceUID")?;
    let series_instance_uid = required_uid(&obj, tags::SERIES_INSTANCE_UID, "SeriesInstanceUID")?;
    let patient_id = text(&obj, tags::PATIENT_ID)
        .ok_or_else(|| Refusal::mismatch("missing PatientID (0010,0020)"))?;
    let rows =
        int(&obj, tags::ROWS).ok_or_else(|| Refusal::mismatch("missing Rows (0028,0010)"))?;
    let columns =
        int(&obj, tags::COLUMNS).ok_or_else(|| Refusal::mismatch("missing Columns (0028,0011)"))?;
    if !(1..=65535).contains(&rows) || !(1..=65535).contains(&columns) {
        return Err(Refusal::mismatch("Rows and Columns must be 1 to 65535"));
    }
    let bits_allocated = int(&obj, tags::BITS_ALLOCATED)
        .ok_or_else(|| Refusal::mismatch("missing BitsAllocated (0028,0100)"))?;
    let bits_stored = int(&obj, tags::BITS_STORED)
        .ok_or_else(|| Refusal::mismatch("missing BitsStored (0028,0101)"))?;
    if !matches!(bits_allocated, 8 | 16) || !(1..=bits_allocated).contains(&bits_stored) {
        return Err(Refusal::mismatch(format!(
            "BitsAllocated {bits_allocated} / BitsStored {bits_stored} not supported"
        )));
    }
    let photometric = text(&obj, tags::PHOTOMETRIC_INTERPRETATION)
        .ok_or_else(|| Refusal::mismatch("missing PhotometricInterpretation (0028,0004)"))?;
    if photometric != "MONOCHROME1" && photometric != "MONOCHROME2" {
        return Err(Refusal::mismatch(format!(
            "PhotometricInterpretation {photometric} is not MONOCHROME1/2"
        )));
    }
    if obj.element_opt(tags::PIXEL_DATA).ok().flatten().is_none() {
        return Err(Refusal::mismatch("missing PixelData (7FE0,0010)"));
    }
    let metadata = ImageEvent {
        tomosynthesis: sop_class_uid == BREAST_TOMOSYNTHESIS,
        sop_instance_uid,
        sop_class_uid: Some(sop_class_uid),
        study_instance_uid: Some(study_instance_uid),
        series_instance_uid: Some(series_instance_uid),
        accession_number: text(&obj, tags::ACCESSION_NUMBER),
        patient_id: Some(patient_id),
        patient_name: text(&obj, tags::PATIENT_NAME),
        laterality: text(&obj, tags::IMAGE_LATERALITY).or_else(|| text(&obj, tags::LATERALITY)),
        view_position: text(&obj, tags::VIEW_POSITION),
        implant_displaced: implant_displaced(&obj),
        implant_present: text(&obj, tags::BREAST_IMPLANT_PRESENT).and_then(|v| match v.as_str() {
            "YES" => Some(true),
            "NO" => Some(false),
            _ => None,
        }),
        presentation_intent: text(&obj, tags::PRESENTATION_INTENT_TYPE),
        operator_name: first_text(&obj, tags::OPERATORS_NAME),
        acquired_at: acquired_at(&obj),
        kvp: number(&obj, tags::KVP),
        exposure_uas: number(&obj, tags::EXPOSURE_INU_AS),
        entrance_dose_mgy: number(&obj, tags::ENTRANCE_DOSE_INM_GY),
        organ_dose_mgy: number(&obj, tags::ORGAN_DOSE),
        thickness_mm: number(&obj, tags::BODY_PART_THICKNESS),
        compression_n: number(&obj, tags::COMPRESSION_FORCE),
        anode: text(&obj, tags::ANODE_TARGET_MATERIAL),
        filter: first_text(&obj, tags::FILTER_MATERIAL),
        manufacturer: text(&obj, tags::MANUFACTURER),
        model: text(&obj, tags::MANUFACTURER_MODEL_NAME),
        station_name: text(&obj, tags::STATION_NAME),
        device_serial: text(&obj, tags::DEVICE_SERIAL_NUMBER),
        // Checked above: 1 to 65535, and 1 to 16.
        rows: u16::try_from(rows).ok(),
        columns: u16::try_from(columns).ok(),
        bits_stored: u16::try_from(bits_stored).ok(),
        photometric: Some(photometric),
        transfer_syntax: Some(ts_uid.to_owned()),
        received_at: Some(now_rfc3339()),
        thumbnail: None,
    };
    let meta = FileMetaTableBuilder::new()
        .transfer_syntax(ts_uid)
        .implementation_class_uid(IMPLEMENTATION_CLASS_UID)
        .implementation_version_name(IMPLEMENTATION_VERSION_NAME);
    let object = obj
        .with_meta(meta)
        .map_err(|e| Refusal::cannot_understand(format!("file meta: {e}")))?;
    Ok(Parsed { object, metadata })
}

/// Whether an image gets a thumbnail: For Presentation mammograms only.
pub fn wants_thumbnail(m: &ImageEvent) -> bool {
    m.sop_class_uid.as_deref() == Some(MG_FOR_PRESENTATION)
        && m.presentation_intent.as_deref() != Some("FOR PROCESSING")
}

/// The display settings of an image: its first window (or its full range), rescale, VOI
/// function and inversion.
pub fn display_of(obj: &InMemDicomObject) -> Display {
    let slope = number(obj, tags::RESCALE_SLOPE)
        .filter(|s| *s != 0.0)
        .unwrap_or(1.0);
    let intercept = number(obj, tags::RESCALE_INTERCEPT).unwrap_or(0.0);
    let mono1 = text(obj, tags::PHOTOMETRIC_INTERPRETATION).as_deref() == Some("MONOCHROME1");
    let inverse = text(obj, tags::PRESENTATION_LUT_SHAPE).as_deref() == Some("INVERSE");
    // DX/MG images pair MONOCHROME1 with INVERSE; both mean the same single inversion.
    let invert = mono1 || inverse;
    let centers = numbers(obj, tags::WINDOW_CENTER);
    let widths = numbers(obj, tags::WINDOW_WIDTH);
    let function = first_text(obj, tags::VOILUT_FUNCTION)
        .map(|f| VoiFunction::parse(&f))
        .unwrap_or_default();
    match (centers.first(), widths.first()) {
        (Some(&c), Some(&w)) if w > 0.0 => Display {
            rescale_slope: slope,
            rescale_intercept: intercept,
            window_center: c,
            window_width: w,
            function,
            invert,
        },
        _ => {
            let bits = int(obj, tags::BITS_STORED).unwrap_or(16).clamp(1, 16) as u16;
            let signed = int(obj, tags::PIXEL_REPRESENTATION) == Some(1);
            Display::full_range(bits, signed, slope, intercept, invert)
        }
    }
}

/// Makes the thumbnail (PNG) of a parsed image; returns it with the time taken.
pub fn make_thumbnail(parsed: &Parsed, max_side: u32) -> Result<(Thumbnail, f64), Refusal> {
    thumbnail_of(
        &parsed.object,
        u32::from(parsed.metadata.rows.unwrap_or_default()),
        u32::from(parsed.metadata.columns.unwrap_or_default()),
        parsed.metadata.bits_stored.unwrap_or(16),
        max_side,
    )
}

/// Whether a transfer syntax carries compressed (encapsulated) pixel data: those images'
/// thumbnails are made after the C-STORE is answered (decoding takes a few hundred ms).
pub fn is_compressed(ts_uid: &str) -> bool {
    TransferSyntaxRegistry
        .get(ts_uid)
        .map(|ts| ts.is_encapsulated_pixel_data())
        .unwrap_or(false)
}

/// Makes the thumbnail of a stored file (a deferred thumbnail).
pub fn thumbnail_of_file(path: &Path, max_side: u32) -> Result<(Thumbnail, f64), Refusal> {
    let obj = dicom_object::open_file(path)
        .map_err(|e| Refusal::cannot_understand(format!("stored file unreadable: {e}")))?;
    let rows = int(&obj, tags::ROWS).unwrap_or(0).clamp(0, 65535) as u32;
    let columns = int(&obj, tags::COLUMNS).unwrap_or(0).clamp(0, 65535) as u32;
    let bits = int(&obj, tags::BITS_STORED).unwrap_or(16).clamp(1, 16) as u16;
    thumbnail_of(&obj, rows, columns, bits, max_side)
}

struct Dims {
    rows: u32,
    columns: u32,
    bits_stored: u16,
}

fn thumbnail_of(
    obj: &FileDicomObject<InMemDicomObject>,
    rows: u32,
    columns: u32,
    bits_stored: u16,
    max_side: u32,
) -> Result<(Thumbnail, f64), Refusal> {
    let start = Instant::now();
    let m = &Dims {
        rows,
        columns,
        bits_stored,
    };
    let signed = int(obj, tags::PIXEL_REPRESENTATION) == Some(1);
    // Native 16-bit pixel data as parsed: no decode, no copy.
    let native_words = match obj.element_opt(tags::PIXEL_DATA) {
        Ok(Some(e)) => match e.value() {
            dicom_core::value::Value::Primitive(dicom_core::PrimitiveValue::U16(w))
                if int(obj, tags::BITS_ALLOCATED) == Some(16)
                    && int(obj, tags::SAMPLES_PER_PIXEL).unwrap_or(1) == 1 =>
            {
                Some(&w[..])
            }
            _ => None,
        },
        _ => None,
    };
    let decoded;
    let pixels = match native_words {
        Some(words) => Pixels {
            data: &[],
            words: Some(words),
            rows: m.rows,
            columns: m.columns,
            bits_allocated: 16,
            bits_stored: m.bits_stored,
            signed,
        },
        None => {
            decoded = obj.decode_pixel_data_frame(0).map_err(|e| {
                Refusal::cannot_understand(format!("pixel data cannot be decoded: {e}"))
            })?;
            if decoded.samples_per_pixel() != 1 {
                return Err(Refusal::mismatch("SamplesPerPixel must be 1"));
            }
            Pixels {
                data: decoded.data(),
                words: None,
                rows: decoded.rows(),
                columns: decoded.columns(),
                bits_allocated: decoded.bits_allocated(),
                bits_stored: m.bits_stored,
                signed,
            }
        }
    };
    let display = display_of(obj);
    let img = thumbnail::render(&pixels, &display, max_side)
        .map_err(|e| Refusal::cannot_understand(e.to_string()))?;
    let png = thumbnail::encode_png(&img).map_err(|e| Refusal::cannot_understand(e.to_string()))?;
    let t = Thumbnail {
        media_type: "image/png".into(),
        width: Some(img.width),
        height: Some(img.height),
        data_base64: base64::engine::general_purpose::STANDARD.encode(png),
    };
    Ok((t, start.elapsed().as_secs_f64() * 1000.0))
}

/// Where an image's file lives under the storage directory.
pub fn file_path(storage_dir: &Path, m: &ImageEvent) -> PathBuf {
    storage_dir
        .join(m.study_instance_uid.as_deref().unwrap_or_default())
        .join(format!("{}.dcm", m.sop_instance_uid))
}

/// Writes the Part 10 file (preamble, meta group, then the data set exactly as received)
/// to a temporary name, fsyncs it, renames it into place and fsyncs the directory.
pub fn store_file(path: &Path, parsed: &Parsed, data_set: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| std::io::Error::other("the image path has no directory"))?;
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("image"),
        uuid::Uuid::now_v7()
    ));
    let result = (|| {
        let mut f = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&tmp)?);
        f.write_all(&[0u8; 128])?;
        f.write_all(b"DICM")?;
        parsed
            .object
            .meta()
            .write(&mut f)
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        f.write_all(data_set)?;
        let f = f.into_inner().map_err(|e| e.into_error())?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)?;
        std::fs::File::open(dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uids_must_be_digits_and_dots() {
        assert!(valid_uid("1.2.840.10008.1.1"));
        assert!(!valid_uid("../../etc/passwd"));
        assert!(!valid_uid("1..2"));
        assert!(!valid_uid(""));
        assert!(!valid_uid(&"1".repeat(65)));
    }

    #[test]
    fn datetimes_become_rfc3339_in_london_time() {
        // Winter: GMT.
        assert_eq!(
            dicom_datetime("20261125093012", None).as_deref(),
            Some("2026-11-25T09:30:12Z")
        );
        // Summer: BST.
        assert_eq!(
            dicom_datetime("20260701093012.5", None).as_deref(),
            Some("2026-07-01T09:30:12.5+01:00")
        );
        // An explicit offset wins.
        assert_eq!(
            dicom_datetime("20260701093012-0500", None).as_deref(),
            Some("2026-07-01T09:30:12-05:00")
        );
        assert_eq!(dicom_datetime("2026", None), None);
        assert_eq!(dicom_datetime("20261345", None), None);
    }

    #[test]
    fn british_summer_time_boundaries() {
        use time::macros::{date, time};
        assert_eq!(london_offset_hours(date!(2026 - 03 - 29), time!(00:59)), 0);
        assert_eq!(london_offset_hours(date!(2026 - 03 - 29), time!(02:30)), 1);
        assert_eq!(london_offset_hours(date!(2026 - 10 - 25), time!(01:59)), 1);
        assert_eq!(london_offset_hours(date!(2026 - 10 - 25), time!(02:00)), 0);
    }
}
