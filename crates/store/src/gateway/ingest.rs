//! Storing what gateways send: images and performed steps, quarantine, room assignment.

use super::*;
use domain::ids::AppointmentId;

/// A quarantined image, as an office user's settling of it reads it, as stored.
#[derive(FromRow)]
pub(super) struct QuarantinedRow {
    pub quarantine_status: Option<String>,
    pub sop_instance_uid: String,
    pub patient_id: Option<String>,
    pub detached_from: Option<String>,
    pub attach_requested_for: Option<String>,
    pub attach_requested_by: Option<String>,
    pub attach_requested_by_name: Option<String>,
    pub attach_request_reason: Option<String>,
}

/// A quarantined image's row; refused when no longer in quarantine (every change that
/// follows is guarded by the status being [`QuarantineStatus::Open`] too).
pub(super) async fn open_quarantined(
    tx: &mut Tx<'_>,
    scope: Scope,
    image_id: Uuid,
) -> Result<QuarantinedRow> {
    let row = sqlx::query_as::<_, QuarantinedRow>(
        "SELECT quarantine_status, sop_instance_uid, patient_id, detached_from, attach_requested_for, \
         attach_requested_by, attach_requested_by_name, attach_request_reason \
         FROM gateway_images WHERE id = $1 AND provider_id = $2",
    )
    .bind(sql::id(image_id))
    .bind(sql::id(scope.provider_id))
    .fetch_one(&mut **tx)
    .await?;
    if row.quarantine_status.as_deref() != Some(QuarantineStatus::Open.as_str()) {
        return Err(StoreError::Refused(
            "This image is no longer in quarantine.".to_owned(),
        ));
    }
    Ok(row)
}

pub(super) async fn participant_of(
    tx: &mut Tx<'_>,
    scope: Scope,
    appointment_id: AppointmentId,
) -> Result<domain::ids::ParticipantId> {
    parse_id(
        &sqlx::query_scalar::<_, String>(
            "SELECT participant_id FROM appointments WHERE id = $1 AND provider_id = $2",
        )
        .bind(sql::id(appointment_id))
        .bind(sql::id(scope.provider_id))
        .fetch_one(&mut **tx)
        .await?,
    )
}

pub(super) async fn assign_rooms(
    tx: &mut Tx<'_>,
    scope: Scope,
    gateway: Uuid,
    rooms: &[Uuid],
) -> Result<()> {
    for room in rooms {
        sqlx::query("SELECT id FROM rooms WHERE id = $1 AND provider_id = $2")
            .bind(sql::id(*room))
            .bind(sql::id(scope.provider_id))
            .fetch_one(&mut **tx)
            .await
            .map_err(|_| StoreError::invalid("rooms", "No such room"))?;
        sqlx::query("DELETE FROM gateway_rooms WHERE room_id = $1 AND provider_id = $2")
            .bind(sql::id(*room))
            .bind(sql::id(scope.provider_id))
            .execute(&mut **tx)
            .await?;
        sqlx::query(
            "INSERT INTO gateway_rooms (room_id, provider_id, gateway_id) VALUES ($1, $2, $3)",
        )
        .bind(sql::id(*room))
        .bind(sql::id(scope.provider_id))
        .bind(sql::id(gateway))
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// An image already stored, as a duplicate's receipt reads it, as stored.
#[derive(FromRow)]
struct KnownImageRow {
    appointment_id: Option<String>,
    quarantine_reason: Option<String>,
}

pub(super) async fn store_image(
    tx: &mut Tx<'_>,
    gw: &GatewayPrincipal,
    event: &GatewayEvent,
    image: &ImageEvent,
) -> Result<EventReceipt> {
    let scope = gw.scope();
    let p = sql::id(scope.provider_id);
    let sop = image.sop_instance_uid.trim();
    let known = sqlx::query_as::<_, KnownImageRow>(
        "SELECT appointment_id, quarantine_reason FROM gateway_images WHERE provider_id = $1 AND sop_instance_uid = $2",
    )
    .bind(&p)
    .bind(sop)
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(r) = known {
        return Ok(EventReceipt {
            stored: false,
            outcome: "duplicate".to_owned(),
            appointment_id: r.appointment_id.as_deref().map(parse_id).transpose()?,
            quarantine_reason: r.quarantine_reason,
        });
    }
    let keys = ImageKeys {
        study_instance_uid: nonempty(&image.study_instance_uid),
        accession_number: nonempty(&image.accession_number),
        patient_id: image.patient_id.as_deref(),
    };
    let outcome = find_match(tx, scope, &keys).await?;
    let (appointment, reason) = match outcome {
        MatchOutcome::Attach(a) => (Some(a), None),
        MatchOutcome::Quarantine(q) => (None, Some(q)),
    };
    let view = classify_view(
        image.laterality.as_deref(),
        image.view_position.as_deref(),
        image.implant_displaced,
    );
    let counted = counts_as_exposure(image.presentation_intent.as_deref(), image.tomosynthesis);
    let id = new_id();
    let thumb = image.thumbnail.as_ref();
    sqlx::query(
        "INSERT INTO gateway_images (id, provider_id, gateway_id, event_id, appointment_id, sop_instance_uid, \
         study_instance_uid, accession_number, patient_id, patient_name, view_code, counted, entrance_dose_mgy, \
         organ_dose_mgy, acquired_at, received_at, stored_at, metadata, thumbnail_media_type, thumbnail_base64, \
         thumbnail_width, thumbnail_height, quarantine_reason, quarantine_status) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24)",
    )
    .bind(sql::id(id))
    .bind(&p)
    .bind(sql::id(gw.gateway_id))
    .bind(sql::id(event.id))
    .bind(appointment.map(sql::id))
    .bind(sop)
    .bind(nonempty(&image.study_instance_uid))
    .bind(nonempty(&image.accession_number))
    .bind(image.patient_id.as_deref())
    .bind(image.patient_name.as_deref())
    .bind(view.code())
    .bind(i64::from(counted))
    .bind(image.entrance_dose_mgy)
    .bind(image.organ_dose_mgy)
    .bind(
        nonempty(&image.acquired_at)
            .and_then(|s| {
                OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
            })
            .map(sql::ts),
    )
    .bind(
        nonempty(&image.received_at)
            .and_then(|s| {
                OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
            })
            .map_or_else(|| sql::ts(event.occurred_at), sql::ts),
    )
    .bind(sql::ts(sql::now()))
    // The metadata document is the event without its thumbnail (kept in its own columns).
    .bind(sql::json(&ImageEvent {
        thumbnail: None,
        ..image.clone()
    }))
    .bind(thumb.map(|t| t.media_type.clone()))
    .bind(thumb.map(|t| t.data_base64.clone()))
    .bind(thumb.and_then(|t| t.width).map(i64::from))
    .bind(thumb.and_then(|t| t.height).map(i64::from))
    .bind(reason.map(|r| r.as_str()))
    .bind(reason.map(|_| QuarantineStatus::Open.as_str()))
    .execute(&mut **tx)
    .await?;
    let actor = Actor {
        user_id: None,
        name: format!("Gateway: {}", gw.name),
        provider_id: Some(gw.provider_id),
    };
    match appointment {
        Some(a) => {
            reconcile_in(tx, scope, a).await?;
        }
        None => {
            audit::record(
                &mut **tx,
                &actor,
                AuditAction::Create,
                "quarantined_image",
                id,
                None,
                &serde_json::json!({
                    "sop_instance_uid": sop,
                    "reason": reason.map(|r| r.as_str()),
                    "study_instance_uid": image.study_instance_uid,
                    "accession_number": image.accession_number,
                }),
            )
            .await?;
        }
    }
    Ok(EventReceipt {
        stored: true,
        outcome: if appointment.is_some() {
            "attached"
        } else {
            "quarantined"
        }
        .to_owned(),
        appointment_id: appointment.map(Uuid::from),
        quarantine_reason: reason.map(|r| r.as_str().to_owned()),
    })
}

/// A performed procedure step already stored, as stored.
#[derive(FromRow)]
struct MppsRow {
    status: String,
    study_instance_uid: Option<String>,
    accession_number: Option<String>,
    patient_id: Option<String>,
    performed_series: Option<String>,
    discontinuation_reason: Option<String>,
}

pub(super) async fn store_mpps(
    tx: &mut Tx<'_>,
    scope: Scope,
    event: &GatewayEvent,
    m: &MppsEvent,
) -> Result<EventReceipt> {
    let p = sql::id(scope.provider_id);
    let status = validate_mpps(m)?;
    let uid = nonempty(&m.mpps_instance_uid)
        .unwrap_or_default()
        .to_owned();
    let existing = sqlx::query_as::<_, MppsRow>(
        "SELECT status, appointment_id, study_instance_uid, accession_number, patient_id, performed_series, \
         discontinuation_reason FROM gateway_mpps WHERE provider_id = $1 AND mpps_instance_uid = $2",
    )
    .bind(&p)
    .bind(&uid)
    .fetch_optional(&mut **tx)
    .await?;
    // Keys from this event, else from earlier events of the same step (an N-SET need not
    // repeat them).
    let earlier = |col: fn(&MppsRow) -> &Option<String>| -> Option<String> {
        existing.as_ref().and_then(|r| col(r).clone())
    };
    let study = nonempty(&m.study_instance_uid)
        .map(str::to_owned)
        .or_else(|| earlier(|r| &r.study_instance_uid));
    let accession = nonempty(&m.accession_number)
        .map(str::to_owned)
        .or_else(|| earlier(|r| &r.accession_number));
    let patient = nonempty(&m.patient_id)
        .map(str::to_owned)
        .or_else(|| earlier(|r| &r.patient_id));
    let merged = merge_mpps(
        existing.as_ref().and_then(|r| r.status.parse().ok()),
        status,
    );
    let series = match &m.performed_series {
        Some(s) if !s.is_empty() => sql::json(s),
        _ => earlier(|r| &r.performed_series).unwrap_or_else(|| "[]".to_owned()),
    };
    let reason = nonempty(&m.discontinuation_reason)
        .map(str::to_owned)
        .or_else(|| earlier(|r| &r.discontinuation_reason));
    let outcome = find_match(
        tx,
        scope,
        &ImageKeys {
            study_instance_uid: study.as_deref(),
            accession_number: accession.as_deref(),
            patient_id: patient.as_deref(),
        },
    )
    .await?;
    let appointment = match outcome {
        MatchOutcome::Attach(a) => Some(a),
        MatchOutcome::Quarantine(_) => None,
    };
    let now = sql::ts(event.occurred_at.max(sql::now()));
    if existing.is_some() {
        sqlx::query(
            "UPDATE gateway_mpps SET status = $1, appointment_id = $2, study_instance_uid = $3, accession_number = $4, \
             patient_id = $5, performed_series = $6, discontinuation_reason = $7, updated_at = $8 \
             WHERE provider_id = $9 AND mpps_instance_uid = $10",
        )
        .bind(merged.as_str())
        .bind(appointment.map(sql::id))
        .bind(&study)
        .bind(&accession)
        .bind(&patient)
        .bind(&series)
        .bind(&reason)
        .bind(&now)
        .bind(&p)
        .bind(&uid)
        .execute(&mut **tx)
        .await?;
    } else {
        sqlx::query(
            "INSERT INTO gateway_mpps (mpps_instance_uid, provider_id, appointment_id, study_instance_uid, accession_number, \
             patient_id, status, performed_series, discontinuation_reason, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(&uid)
        .bind(&p)
        .bind(appointment.map(sql::id))
        .bind(&study)
        .bind(&accession)
        .bind(&patient)
        .bind(merged.as_str())
        .bind(&series)
        .bind(&reason)
        .bind(&now)
        .execute(&mut **tx)
        .await?;
    }
    if let Some(a) = appointment {
        sync_item(tx, scope, a, None, false).await?;
        reconcile_in(tx, scope, a).await?;
    }
    Ok(EventReceipt {
        stored: true,
        outcome: "mpps".to_owned(),
        appointment_id: appointment.map(Uuid::from),
        quarantine_reason: match outcome {
            MatchOutcome::Quarantine(q) => Some(q.as_str().to_owned()),
            MatchOutcome::Attach(_) => None,
        },
    })
}
