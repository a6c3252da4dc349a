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
    let row = sqlx::query(
        "SELECT data FROM appointment_sections WHERE provider_id = $1 AND appointment_id = $2 AND section = $3",
    )
    .bind(sql::id(scope.provider_id))
    .bind(sql::id(appointment_id))
    .bind(SectionKind::Images.as_str())
    .fetch_optional(&mut **tx)
    .await?;
    let Some(row) = row else {
        return Ok((None, None));
    };
    match crate::shared::appointment::section_document(
        SectionKind::Images,
        &row.try_get::<String, _>("data")?,
    )? {
        SectionDocument::Images(images) => {
            Ok((Some(images.method), Some(images.record.effective_counts())))
        }
        _ => Ok((None, None)),
    }
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
    let a = sqlx::query(
        "SELECT status, status_changed_at FROM appointments WHERE id = $1 AND provider_id = $2",
    )
    .bind(sql::id(appointment_id))
    .bind(&p)
    .fetch_one(&mut **tx)
    .await?;
    let status: AppointmentStatus = parse_enum(&a.try_get::<String, _>("status")?)?;
    if !status.is_final() {
        return Ok(());
    }
    let ended_at: String = a.try_get("status_changed_at")?;
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
    let images = sqlx::query(
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
    for r in &images {
        instances.insert(r.try_get::<String, _>("sop_instance_uid")?);
        if r.try_get::<i64, _>("counted")? != 0 {
            views.push(ReceivedView::from_code(
                &r.try_get::<String, _>("view_code")?,
            ));
        }
        if r.try_get::<String, _>("stored_at")? > ended_at {
            after_end = after_end.saturating_add(1);
        }
    }
    let received = received_counts(&views);
    let (method, recorded) = recorded_in(tx, scope, appointment_id).await?;
    let mut performed: Option<BTreeSet<String>> = None;
    for r in sqlx::query(
        "SELECT performed_series FROM gateway_mpps WHERE provider_id = $1 AND appointment_id = $2 AND status = 'COMPLETED'",
    )
    .bind(&p)
    .bind(sql::id(appointment_id))
    .fetch_all(&mut **tx)
    .await?
    {
        let series: Vec<PerformedSeries> =
            sql::parse_json(&r.try_get::<String, _>("performed_series")?)?;
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
        let rows = sqlx::query(
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
        for r in &rows {
            let resolved = r.try_get::<Option<String>, _>("resolved_at")?.is_some();
            if r.try_get::<String, _>("detail")? == d.detail {
                known = true;
            }
            if !resolved {
                open = Some(r.try_get("id")?);
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
