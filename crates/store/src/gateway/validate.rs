//! Matching an event to its appointment, and checking the events gateways send.

use super::*;

/// The appointment a worklist key names, with its participant's NHS number, as stored.
#[derive(FromRow)]
struct MatchRow {
    appointment_id: String,
    nhs_number: String,
}

/// Finds the appointment an image or MPPS event belongs to, by the domain's rule.
pub(super) async fn find_match(
    tx: &mut Tx<'_>,
    scope: Scope,
    keys: &ImageKeys<'_>,
) -> Result<MatchOutcome<domain::ids::AppointmentId>> {
    let p = sql::id(scope.provider_id);
    let lookup = |column: &'static str| {
        format!(
            "SELECT w.appointment_id, pt.nhs_number FROM worklist_items w \
             JOIN appointments a ON a.id = w.appointment_id AND a.provider_id = w.provider_id \
             JOIN participants pt ON pt.id = a.participant_id AND pt.provider_id = w.provider_id \
             WHERE w.provider_id = $1 AND w.{column} = $2"
        )
    };
    let mut found = Vec::new();
    for (column, value) in [
        ("study_instance_uid", keys.study_instance_uid),
        ("accession_number", keys.accession_number),
    ] {
        let candidate = match value.map(str::trim).filter(|v| !v.is_empty()) {
            Some(v) => sqlx::query_as::<_, MatchRow>(&lookup(column))
                .bind(&p)
                .bind(v)
                .fetch_optional(&mut **tx)
                .await?
                .map(|r| {
                    Ok::<_, StoreError>(Candidate {
                        appointment: parse_id(&r.appointment_id)?,
                        nhs_number: r.nhs_number,
                    })
                })
                .transpose()?,
            None => None,
        };
        found.push(candidate);
    }
    Ok(match_image(keys, found[0].as_ref(), found[1].as_ref()))
}

pub(super) fn check_len(
    errors: &mut Vec<crate::FieldError>,
    field: &'static str,
    value: &Option<String>,
    max: usize,
) {
    if value.as_ref().is_some_and(|v| v.chars().count() > max) {
        errors.push(crate::FieldError::new(
            field,
            format!("must be at most {max} characters"),
        ));
    }
}

/// Checks an image event; returns the decoded thumbnail's size in bytes, if any.
pub(super) fn validate_image(e: &ImageEvent) -> Result<()> {
    let mut errors = Vec::new();
    let uid_ok = |s: &str| {
        !s.is_empty() && s.len() <= 64 && s.chars().all(|c| c.is_ascii_digit() || c == '.')
    };
    if !uid_ok(e.sop_instance_uid.trim()) {
        errors.push(crate::FieldError::new(
            "sop_instance_uid",
            "must be a DICOM UID (digits and dots, at most 64 characters)".to_owned(),
        ));
    }
    for (field, v) in [
        ("study_instance_uid", &e.study_instance_uid),
        ("series_instance_uid", &e.series_instance_uid),
        ("sop_class_uid", &e.sop_class_uid),
    ] {
        if let Some(v) = nonempty(v)
            && !uid_ok(v)
        {
            errors.push(crate::FieldError::new(
                field,
                "must be a DICOM UID (digits and dots, at most 64 characters)".to_owned(),
            ));
        }
    }
    check_len(&mut errors, "accession_number", &e.accession_number, 16);
    check_len(&mut errors, "patient_id", &e.patient_id, 64);
    check_len(&mut errors, "patient_name", &e.patient_name, 324);
    check_len(&mut errors, "laterality", &e.laterality, 16);
    check_len(&mut errors, "view_position", &e.view_position, 16);
    for (field, v) in [
        ("kvp", e.kvp),
        ("exposure_uas", e.exposure_uas),
        ("entrance_dose_mgy", e.entrance_dose_mgy),
        ("organ_dose_mgy", e.organ_dose_mgy),
        ("thickness_mm", e.thickness_mm),
        ("compression_n", e.compression_n),
    ] {
        if v.is_some_and(|v| !v.is_finite() || v < 0.0) {
            errors.push(crate::FieldError::new(
                field,
                "must be a number of at least 0".to_owned(),
            ));
        }
    }
    for (field, v) in [
        ("acquired_at", &e.acquired_at),
        ("received_at", &e.received_at),
    ] {
        if let Some(v) = nonempty(v)
            && OffsetDateTime::parse(v, &time::format_description::well_known::Rfc3339).is_err()
        {
            errors.push(crate::FieldError::new(
                field,
                "must be an RFC 3339 date and time".to_owned(),
            ));
        }
    }
    if let Some(t) = &e.thumbnail {
        if !matches!(t.media_type.as_str(), "image/png" | "image/jpeg") {
            errors.push(crate::FieldError::new(
                "thumbnail.media_type",
                "must be image/png or image/jpeg".to_owned(),
            ));
        }
        match BASE64.decode(t.data_base64.as_bytes()) {
            Ok(bytes) if !bytes.is_empty() && bytes.len() <= 4 * 1024 * 1024 => {}
            Ok(_) => errors.push(crate::FieldError::new(
                "thumbnail.data_base64",
                "must hold between 1 byte and 4 MB".to_owned(),
            )),
            Err(_) => errors.push(crate::FieldError::new(
                "thumbnail.data_base64",
                "is not base64".to_owned(),
            )),
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(StoreError::Invalid(errors))
    }
}

pub(super) fn validate_mpps(e: &MppsEvent) -> Result<MppsStatus> {
    let mut errors = Vec::new();
    if nonempty(&e.mpps_instance_uid).is_none() {
        errors.push(crate::FieldError::new(
            "mpps_instance_uid",
            "is required".to_owned(),
        ));
    }
    check_len(&mut errors, "mpps_instance_uid", &e.mpps_instance_uid, 64);
    check_len(&mut errors, "accession_number", &e.accession_number, 16);
    check_len(&mut errors, "patient_id", &e.patient_id, 64);
    let status = nonempty(&e.status).and_then(|s| s.parse::<MppsStatus>().ok());
    if status.is_none() {
        errors.push(crate::FieldError::new(
            "status",
            "must be IN PROGRESS, COMPLETED or DISCONTINUED".to_owned(),
        ));
    }
    match status {
        Some(s) if errors.is_empty() => Ok(s),
        _ => Err(StoreError::Invalid(errors)),
    }
}
