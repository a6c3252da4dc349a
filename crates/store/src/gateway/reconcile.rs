//! Reconciling an ended appointment's images with what was recorded and performed.

use super::*;
use domain::ids::AppointmentId;
use domain::workflow::{SectionDocument, SectionKind};

/// The images recorded in the appointment's saved images step, and how.
pub(super) async fn recorded_in(
    tx: &mut Tx<'_>,
    scope: Scope,
    appointment_id: AppointmentId,
) -> Result<(Option<RecordingMethod>, Option<domain::imaging::ViewCounts>)> {
    let data = sqlx::query_scalar::<_, String>(
        "SELECT data FROM appointment_sections WHERE provider_id = $1 AND appointment_id = $2 AND section = $3",
    )
    .bind(sql::id(scope.provider_id))
    .bind(sql::id(appointment_id))
    .bind(SectionKind::Images.as_str())
    .fetch_optional(&mut **tx)
    .await?;
    let Some(data) = data else {
        return Ok((None, None));
    };
    match crate::shared::appointment::section_document(SectionKind::Images, &data)? {
        SectionDocument::Images(images) => {
            Ok((Some(images.method), Some(images.record.effective_counts())))
        }
        _ => Ok((None, None)),
    }
}

/// An appointment's status and when it last changed, as stored.
#[derive(FromRow)]
struct EndedRow {
    status: String,
    status_changed_at: String,
}

/// A received image, as reconciling counts it, as stored.
#[derive(FromRow)]
struct ReceivedRow {
    sop_instance_uid: String,
    view_code: String,
    counted: i64,
    stored_at: String,
}

/// A discrepancy already known of one kind, as stored.
#[derive(FromRow)]
struct KnownDiscrepancyRow {
    id: String,
    detail: String,
    resolved_at: Option<String>,
}

/// Works out an ended appointment's discrepancies and records any new one. An open
/// discrepancy of the same kind takes the new details; one already resolved with the same
/// details is not raised again.
pub(crate) async fn reconcile_in(
    tx: &mut Tx<'_>,
    scope: Scope,
    appointment_id: AppointmentId,
) -> Result<()> {
    let p = sql::id(scope.provider_id);
    let a = sqlx::query_as::<_, EndedRow>(
        "SELECT status, status_changed_at FROM appointments WHERE id = $1 AND provider_id = $2",
    )
    .bind(sql::id(appointment_id))
    .bind(&p)
    .fetch_one(&mut **tx)
    .await?;
    let status: AppointmentStatus = parse_enum(&a.status)?;
    if !status.is_final() {
        return Ok(());
    }
    let ended_at = a.status_changed_at;
    let any = sqlx::query(
        "SELECT 1 FROM gateway_images WHERE provider_id = $1 AND appointment_id = $2 \
         UNION ALL SELECT 1 FROM gateway_mpps WHERE provider_id = $1 AND appointment_id = $2 LIMIT 1",
    )
    .bind(&p)
    .bind(sql::id(appointment_id))
    .fetch_optional(&mut **tx)
    .await?;
    if any.is_none() {
        // Nothing arrived from a machine: nothing to reconcile.
        return Ok(());
    }
    let images = sqlx::query_as::<_, ReceivedRow>(
        "SELECT sop_instance_uid, view_code, counted, stored_at FROM gateway_images \
         WHERE provider_id = $1 AND appointment_id = $2",
    )
    .bind(&p)
    .bind(sql::id(appointment_id))
    .fetch_all(&mut **tx)
    .await?;
    let mut instances = BTreeSet::new();
    let mut views = Vec::new();
    let mut after_end: u16 = 0;
    for r in images {
        if r.counted != 0 {
            views.push(ReceivedView::from_code(&r.view_code));
        }
        if r.stored_at > ended_at {
            after_end = after_end.saturating_add(1);
        }
        instances.insert(r.sop_instance_uid);
    }
    let received = received_counts(&views);
    let (method, recorded) = recorded_in(tx, scope, appointment_id).await?;
    let mut performed: Option<BTreeSet<String>> = None;
    for r in sqlx::query_scalar::<_, String>(
        "SELECT performed_series FROM gateway_mpps WHERE provider_id = $1 AND appointment_id = $2 AND status = 'COMPLETED'",
    )
    .bind(&p)
    .bind(sql::id(appointment_id))
    .fetch_all(&mut **tx)
    .await?
    {
        let series: Vec<PerformedSeries> = sql::parse_json(&r)?;
        let set = performed.get_or_insert_with(BTreeSet::new);
        for s in series {
            set.extend(s.sop_instance_uids);
        }
    }
    let found = reconcile(&ReconcileInput {
        ended_as: status,
        method,
        recorded,
        received: &received,
        received_instances: &instances,
        received_after_end: after_end,
        performed_instances: performed.as_ref().filter(|s| !s.is_empty()),
    });
    for d in found {
        let rows = sqlx::query_as::<_, KnownDiscrepancyRow>(
            "SELECT id, detail, resolved_at FROM image_discrepancies \
             WHERE provider_id = $1 AND appointment_id = $2 AND kind = $3",
        )
        .bind(&p)
        .bind(sql::id(appointment_id))
        .bind(d.kind.as_str())
        .fetch_all(&mut **tx)
        .await?;
        let mut known = false;
        let mut open: Option<String> = None;
        for r in rows {
            if r.detail == d.detail {
                known = true;
            }
            if r.resolved_at.is_none() {
                open = Some(r.id);
            }
        }
        if known {
            continue;
        }
        match open {
            Some(id) => {
                sqlx::query(
                    "UPDATE image_discrepancies SET detail = $1 WHERE id = $2 AND provider_id = $3",
                )
                .bind(&d.detail)
                .bind(id)
                .bind(&p)
                .execute(&mut **tx)
                .await?;
            }
            None => {
                sqlx::query(
                    "INSERT INTO image_discrepancies (id, provider_id, appointment_id, kind, detail, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(sql::id(new_id()))
                .bind(&p)
                .bind(sql::id(appointment_id))
                .bind(d.kind.as_str())
                .bind(&d.detail)
                .bind(sql::ts(sql::now()))
                .execute(&mut **tx)
                .await?;
            }
        }
    }
    Ok(())
}
