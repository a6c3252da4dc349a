//! An appointment's received images: the images step's capture, quarantine and
//! attachment, detaching, switching to manual, and discrepancies.

use super::*;
use crate::write::AuditRow;
use domain::ids::AppointmentId;

/// An appointment's image recording mode, as stored.
#[derive(FromRow)]
struct ImageModeRow {
    mode: String,
    reason: String,
}

/// A worklist item's change number and the last its gateway collected, as stored.
#[derive(FromRow)]
struct CollectedRow {
    seq: i64,
    worklist_acked_seq: i64,
}

/// An image's thumbnail, as stored.
#[derive(FromRow)]
struct ThumbnailRow {
    thumbnail_media_type: Option<String>,
    thumbnail_base64: Option<String>,
}

/// The appointment a quarantined image's keys name, with its participant, as stored.
#[derive(FromRow)]
struct CandidateRow {
    appointment_id: String,
    first_name: String,
    last_name: String,
    nhs_number: String,
}

impl TryFrom<&CandidateRow> for QuarantineCandidate {
    type Error = StoreError;
    fn try_from(r: &CandidateRow) -> Result<Self> {
        Ok(QuarantineCandidate {
            appointment_id: parse_id(&r.appointment_id)?,
            participant_name: format!("{} {}", r.first_name, r.last_name),
            nhs_number: r.nhs_number.clone(),
        })
    }
}

/// The image an office user detaches from its appointment, as stored.
#[derive(FromRow)]
struct DetachedImageRow {
    appointment_id: Option<String>,
    sop_instance_uid: String,
}

/// A discrepancy with its appointment's participant, as stored.
#[derive(FromRow)]
struct DiscrepancyRow {
    id: String,
    appointment_id: String,
    kind: String,
    detail: String,
    created_at: String,
    resolved_by_name: Option<String>,
    resolved_at: Option<String>,
    resolution: Option<String>,
    first_name: String,
    last_name: String,
    nhs_number: String,
}

impl TryFrom<DiscrepancyRow> for DiscrepancyRecord {
    type Error = StoreError;
    fn try_from(r: DiscrepancyRow) -> Result<Self> {
        let kind: DiscrepancyKind = parse_enum(&r.kind)?;
        Ok(DiscrepancyRecord {
            id: parse_id(&r.id)?,
            appointment_id: parse_id(&r.appointment_id)?,
            participant_name: format!("{} {}", r.first_name, r.last_name),
            nhs_number: r.nhs_number,
            kind,
            kind_label: kind.label().to_owned(),
            detail: r.detail,
            created_at: parse_ts(&r.created_at)?,
            resolved_by_name: r.resolved_by_name,
            resolved_at: nonempty_ts(r.resolved_at)?,
            resolution: r.resolution,
        })
    }
}

/// A discrepancy being resolved, with its appointment's participant, as stored.
#[derive(FromRow)]
struct ResolvingRow {
    resolved_at: Option<String>,
    participant_id: String,
}

impl Store {
    /// Everything the images step needs about an appointment's automatic capture.
    /// `room` is the room the images are taken in (the gateway is the one serving it).
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, appointment_id = %appointment_id))]
    pub async fn image_capture(
        &self,
        scope: Scope,
        appointment_id: AppointmentId,
        room: Option<&Room>,
    ) -> Result<ImageCapture> {
        let p = sql::id(scope.provider_id);
        let gateway = match room {
            Some(r) => self.room_gateway(scope, r.id).await?,
            None => None,
        };
        let mode = sqlx::query_as::<_, ImageModeRow>(
            "SELECT mode, reason FROM appointment_image_modes WHERE provider_id = $1 AND appointment_id = $2",
        )
        .bind(&p)
        .bind(sql::id(appointment_id))
        .fetch_optional(self.pool())
        .await?;
        let (manual_mode, manual_reason) = match mode {
            Some(r) => (r.mode == RecordingMethod::Manual.as_str(), Some(r.reason)),
            None => (false, None),
        };
        let mut status = None;
        for r in sqlx::query_scalar::<_, String>(
            "SELECT status FROM gateway_mpps WHERE provider_id = $1 AND appointment_id = $2 ORDER BY updated_at",
        )
        .bind(&p)
        .bind(sql::id(appointment_id))
        .fetch_all(self.pool())
        .await?
        {
            status = Some(merge_mpps(status, parse_enum(&r)?));
        }
        let collected = sqlx::query_as::<_, CollectedRow>(
            "SELECT w.seq, g.worklist_acked_seq FROM worklist_items w \
             JOIN gateway_rooms gr ON gr.room_id = w.room_id AND gr.provider_id = w.provider_id \
             JOIN gateways g ON g.id = gr.gateway_id AND g.provider_id = w.provider_id \
             WHERE w.provider_id = $1 AND w.appointment_id = $2",
        )
        .bind(&p)
        .bind(sql::id(appointment_id))
        .fetch_optional(self.pool())
        .await?;
        let on_worklist = match collected {
            Some(r) => r.seq <= r.worklist_acked_seq,
            None => false,
        };
        Ok(ImageCapture {
            gateway,
            manual_mode,
            manual_reason,
            on_worklist,
            worklist_item: self.worklist_item(scope, appointment_id).await?,
            mpps_status: status,
            images: self.appointment_images(scope, appointment_id).await?,
        })
    }

    /// The images attached to an appointment, oldest first, without thumbnail bytes (fetch
    /// those with [`Store::image_thumbnail`]). For the images step and the reading case.
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, appointment_id = %appointment_id))]
    pub async fn appointment_images(
        &self,
        scope: Scope,
        appointment_id: AppointmentId,
    ) -> Result<Vec<ReceivedImage>> {
        sqlx::query_as::<_, ImageRow>(&format!(
            "SELECT {IMAGE_COLUMNS} FROM gateway_images WHERE provider_id = $1 AND appointment_id = $2 \
             ORDER BY stored_at, id"
        ))
        .bind(sql::id(scope.provider_id))
        .bind(sql::id(appointment_id))
        .fetch_all(self.pool())
        .await?
        .into_iter()
        .map(TryInto::try_into)
        .collect()
    }

    /// An image's thumbnail (media type and bytes), within the provider.
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, image_id = %image_id))]
    pub async fn image_thumbnail(&self, scope: Scope, image_id: Uuid) -> Result<(String, Vec<u8>)> {
        let row = sqlx::query_as::<_, ThumbnailRow>(
            "SELECT thumbnail_media_type, thumbnail_base64 FROM gateway_images WHERE id = $1 AND provider_id = $2",
        )
        .bind(sql::id(image_id))
        .bind(sql::id(scope.provider_id))
        .fetch_one(self.pool())
        .await?;
        let (Some(media), Some(data)) = (row.thumbnail_media_type, row.thumbnail_base64) else {
            return Err(StoreError::NotFound);
        };
        let bytes = BASE64
            .decode(data.as_bytes())
            .map_err(|e| StoreError::Corrupt(format!("thumbnail: {e}")))?;
        Ok((media, bytes))
    }

    /// Images waiting in quarantine (never attached automatically), oldest first.
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id))]
    pub async fn quarantined_images(&self, scope: Scope) -> Result<Vec<ReceivedImage>> {
        sqlx::query_as::<_, ImageRow>(&format!(
            "SELECT {IMAGE_COLUMNS} FROM gateway_images WHERE provider_id = $1 AND quarantine_status = $2 \
             ORDER BY stored_at, id"
        ))
        .bind(sql::id(scope.provider_id))
        .bind(QuarantineStatus::Open.as_str())
        .fetch_all(self.pool())
        .await?
        .into_iter()
        .map(TryInto::try_into)
        .collect()
    }

    /// The one appointment a quarantined image's keys name, if they name exactly one.
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, image_id = %image_id))]
    pub async fn quarantine_candidate(
        &self,
        scope: Scope,
        image_id: Uuid,
    ) -> Result<Option<QuarantineCandidate>> {
        let rows = sqlx::query_as::<_, CandidateRow>(
            "SELECT DISTINCT w.appointment_id, pt.first_name, pt.last_name, pt.nhs_number FROM gateway_images gi \
             JOIN worklist_items w ON w.provider_id = gi.provider_id \
               AND (w.study_instance_uid = gi.study_instance_uid OR w.accession_number = gi.accession_number) \
             JOIN appointments a ON a.id = w.appointment_id AND a.provider_id = w.provider_id \
             JOIN participants pt ON pt.id = a.participant_id AND pt.provider_id = w.provider_id \
             WHERE gi.id = $1 AND gi.provider_id = $2 AND gi.quarantine_status = $3",
        )
        .bind(sql::id(image_id))
        .bind(sql::id(scope.provider_id))
        .bind(QuarantineStatus::Open.as_str())
        .fetch_all(self.pool())
        .await?;
        match rows.as_slice() {
            [r] => Ok(Some(r.try_into()?)),
            _ => Ok(None),
        }
    }

    /// Ends a quarantine, deliberately: attaches the image to the appointment its keys name
    /// (`attach`), or keeps it out of every record. Either way who did it, when and why are
    /// recorded, and the audit log keeps it. Refused for an image no longer in quarantine.
    ///
    /// An image whose PatientID is not the participant's NHS number (or one detached before
    /// as a different participant's) is not attached at once: the request is recorded and
    /// a different person must confirm it ([`Store::confirm_quarantine_attachment`]).
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, user = actor.user_id.map(tracing::field::display), image_id = %image_id))]
    pub async fn settle_quarantined_image(
        &self,
        scope: Scope,
        actor: &Actor,
        image_id: Uuid,
        attach: bool,
        reason: &str,
    ) -> Result<Settlement> {
        let reason = domain::gateway::validate_resolution(reason)
            .map_err(|_| StoreError::invalid("reason", "Enter why"))?;
        // Another provider's image is not found, whatever is asked of it.
        sqlx::query("SELECT id FROM gateway_images WHERE id = $1 AND provider_id = $2")
            .bind(sql::id(image_id))
            .bind(sql::id(scope.provider_id))
            .fetch_one(self.pool())
            .await?;
        let candidate = if attach {
            Some(self.attach_candidate(scope, image_id).await?)
        } else {
            None
        };
        let mut write = self.begin_change().await?;
        let tx = write.tx();
        let row = open_quarantined(tx, scope, image_id).await?;
        if let Some(c) = &candidate {
            let patient_id = row.patient_id.clone();
            let detached = row.detached_from.is_some();
            if domain::gateway::attachment_needs_second_person(
                patient_id.as_deref(),
                &c.nhs_number,
                detached,
            ) {
                if let Some(by) = &row.attach_requested_by_name {
                    let same = row
                        .attach_requested_by
                        .as_ref()
                        .is_some_and(|u| Some(u) == actor.user_id.map(sql::id).as_ref());
                    return Err(StoreError::Refused(if same {
                        domain::gateway::SAME_PERSON_CONFIRMS.to_owned()
                    } else {
                        format!(
                            "{by} has already asked for this image to be attached. Confirm the attachment, or keep the image out of all records."
                        )
                    }));
                }
                if actor.user_id.is_none() {
                    return Err(StoreError::Refused(
                        "Only a signed-in person can ask for an image to be attached.".to_owned(),
                    ));
                }
                let now = sql::now();
                sqlx::query(
                    "UPDATE gateway_images SET attach_requested_for = $1, attach_requested_by = $2, \
                     attach_requested_by_name = $3, attach_requested_at = $4, attach_request_reason = $5 \
                     WHERE id = $6 AND provider_id = $7 AND quarantine_status = $8",
                )
                .bind(sql::id(c.appointment_id))
                .bind(actor.user_id.map(sql::id))
                .bind(&actor.name)
                .bind(sql::ts(now))
                .bind(&reason)
                .bind(sql::id(image_id))
                .bind(sql::id(scope.provider_id))
                .bind(QuarantineStatus::Open.as_str())
                .execute(&mut **tx)
                .await?;
                let participant_id = participant_of(tx, scope, c.appointment_id).await?;
                write
                    .commit_audited(AuditRow::new(
                        actor,
                        AuditAction::Update,
                        "quarantined_image",
                        image_id,
                        Some(participant_id),
                        serde_json::json!({
                            "outcome": "attachment_requested",
                            "appointment_id": c.appointment_id,
                            "sop_instance_uid": row.sop_instance_uid,
                            "patient_id": patient_id,
                            "nhs_number": c.nhs_number,
                            "reason": reason,
                        }),
                    ))
                    .await?;
                return Ok(Settlement::AwaitingConfirmation);
            }
        }
        let appointment = candidate.as_ref().map(|c| c.appointment_id);
        let participant_id = match appointment {
            Some(a) => Some(participant_of(tx, scope, a).await?),
            None => None,
        };
        let resolved = if attach {
            QuarantineStatus::Attached
        } else {
            QuarantineStatus::Dismissed
        };
        sqlx::query(
            "UPDATE gateway_images SET appointment_id = $1, quarantine_status = $2, quarantine_resolved_by_name = $3, \
             quarantine_resolved_at = $4 WHERE id = $5 AND provider_id = $6 AND quarantine_status = $7",
        )
        .bind(appointment.map(sql::id))
        .bind(resolved.as_str())
        .bind(&actor.name)
        .bind(sql::ts(sql::now()))
        .bind(sql::id(image_id))
        .bind(sql::id(scope.provider_id))
        .bind(QuarantineStatus::Open.as_str())
        .execute(&mut **tx)
        .await?;
        audit::record(
            &mut **tx,
            actor,
            AuditAction::Update,
            "quarantined_image",
            image_id,
            participant_id,
            &serde_json::json!({
                "outcome": resolved,
                "appointment_id": appointment,
                "sop_instance_uid": row.sop_instance_uid,
                "reason": reason,
            }),
        )
        .await?;
        if let Some(a) = appointment {
            reconcile_in(tx, scope, a).await?;
        }
        write.commit().await?;
        Ok(match appointment {
            Some(a) => Settlement::Attached(a),
            None => Settlement::Dismissed,
        })
    }

    /// The one appointment a quarantined image may be attached to, or a refusal.
    async fn attach_candidate(&self, scope: Scope, image_id: Uuid) -> Result<QuarantineCandidate> {
        self.quarantine_candidate(scope, image_id)
            .await?
            .ok_or_else(|| {
                StoreError::Refused(
                    "This image does not name exactly one appointment, so it cannot be attached."
                        .to_owned(),
                )
            })
    }

    /// The second person's check: attaches a quarantined image someone else asked to
    /// attach, recording both people. Refused for the person who asked, for an image
    /// nobody asked to attach, and when the image now names another appointment.
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, user = actor.user_id.map(tracing::field::display), image_id = %image_id))]
    pub async fn confirm_quarantine_attachment(
        &self,
        scope: Scope,
        actor: &Actor,
        image_id: Uuid,
        reason: &str,
    ) -> Result<AppointmentId> {
        let reason = domain::gateway::validate_resolution(reason)
            .map_err(|_| StoreError::invalid("reason", "Enter why"))?;
        sqlx::query("SELECT id FROM gateway_images WHERE id = $1 AND provider_id = $2")
            .bind(sql::id(image_id))
            .bind(sql::id(scope.provider_id))
            .fetch_one(self.pool())
            .await?;
        let candidate = self.attach_candidate(scope, image_id).await?;
        let mut write = self.begin_change().await?;
        let tx = write.tx();
        let row = open_quarantined(tx, scope, image_id).await?;
        domain::gateway::may_confirm(
            row.attach_requested_by.as_ref(),
            actor.user_id.map(sql::id).as_ref(),
        )
        .map_err(|m| StoreError::Refused(m.to_owned()))?;
        if row.attach_requested_for.as_deref() != Some(sql::id(candidate.appointment_id).as_str()) {
            return Err(StoreError::Refused(
                "This image now names a different appointment from the one the attachment was asked for. Ask again."
                    .to_owned(),
            ));
        }
        let requester: String = row.attach_requested_by_name.clone().unwrap_or_default();
        let a = candidate.appointment_id;
        let participant_id = participant_of(tx, scope, a).await?;
        sqlx::query(
            "UPDATE gateway_images SET appointment_id = $1, quarantine_status = $2, quarantine_resolved_by_name = $3, \
             quarantine_resolved_at = $4 WHERE id = $5 AND provider_id = $6 AND quarantine_status = $7",
        )
        .bind(sql::id(a))
        .bind(QuarantineStatus::Attached.as_str())
        .bind(format!("{requester}, confirmed by {}", actor.name))
        .bind(sql::ts(sql::now()))
        .bind(sql::id(image_id))
        .bind(sql::id(scope.provider_id))
        .bind(QuarantineStatus::Open.as_str())
        .execute(&mut **tx)
        .await?;
        audit::record(
            &mut **tx,
            actor,
            AuditAction::Update,
            "quarantined_image",
            image_id,
            Some(participant_id),
            &serde_json::json!({
                "outcome": "attached",
                "appointment_id": a,
                "sop_instance_uid": row.sop_instance_uid,
                "requested_by": requester,
                "request_reason": row.attach_request_reason,
                "confirmed_by": actor.name,
                "reason": reason,
            }),
        )
        .await?;
        reconcile_in(tx, scope, a).await?;
        write.commit().await?;
        Ok(a)
    }

    /// "These are a different participant's images": takes an attached image off its
    /// appointment and puts it back in quarantine, so it leaves the appointment's images,
    /// the reading case's thumbnails and every count made from them. Who, when and why are
    /// recorded on the image and in the audit log; an ended appointment is reconciled
    /// again. Returns the appointment it was detached from.
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, user = actor.user_id.map(tracing::field::display), image_id = %image_id))]
    pub async fn detach_image(
        &self,
        scope: Scope,
        actor: &Actor,
        image_id: Uuid,
        reason: &str,
    ) -> Result<AppointmentId> {
        let reason = domain::gateway::validate_resolution(reason).map_err(|_| {
            StoreError::invalid(
                "reason",
                "Enter why these are a different participant's images",
            )
        })?;
        let mut write = self.begin_change().await?;
        let tx = write.tx();
        let row = sqlx::query_as::<_, DetachedImageRow>(
            "SELECT appointment_id, sop_instance_uid FROM gateway_images WHERE id = $1 AND provider_id = $2",
        )
        .bind(sql::id(image_id))
        .bind(sql::id(scope.provider_id))
        .fetch_one(&mut **tx)
        .await?;
        let Some(a) = row.appointment_id.as_deref().map(parse_id).transpose()? else {
            return Err(StoreError::Refused(
                "This image is not attached to an appointment.".to_owned(),
            ));
        };
        let participant_id = participant_of(tx, scope, a).await?;
        let now = sql::ts(sql::now());
        sqlx::query(
            "UPDATE gateway_images SET appointment_id = NULL, quarantine_status = $8, quarantine_reason = $1, \
             quarantine_resolved_by_name = NULL, quarantine_resolved_at = NULL, attach_requested_for = NULL, \
             attach_requested_by = NULL, attach_requested_by_name = NULL, attach_requested_at = NULL, \
             attach_request_reason = NULL, detached_from = $2, detached_by_name = $3, detached_at = $4, detach_reason = $5 \
             WHERE id = $6 AND provider_id = $7 AND appointment_id = $2",
        )
        .bind(QuarantineReason::DifferentParticipant.as_str())
        .bind(sql::id(a))
        .bind(&actor.name)
        .bind(&now)
        .bind(&reason)
        .bind(sql::id(image_id))
        .bind(sql::id(scope.provider_id))
        .bind(QuarantineStatus::Open.as_str())
        .execute(&mut **tx)
        .await?;
        audit::record(
            &mut **tx,
            actor,
            AuditAction::Update,
            "received_image",
            image_id,
            Some(participant_id),
            &serde_json::json!({
                "outcome": "detached",
                "appointment_id": a,
                "sop_instance_uid": row.sop_instance_uid,
                "reason": reason,
            }),
        )
        .await?;
        reconcile_in(tx, scope, a).await?;
        write.commit().await?;
        Ok(a)
    }

    /// How many images the gateway has delivered for an appointment (counted or not).
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, appointment_id = %appointment_id))]
    pub async fn received_image_count(
        &self,
        scope: Scope,
        appointment_id: AppointmentId,
    ) -> Result<i64> {
        Ok(sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) AS n FROM gateway_images WHERE provider_id = $1 AND appointment_id = $2",
        )
        .bind(sql::id(scope.provider_id))
        .bind(sql::id(appointment_id))
        .fetch_one(self.pool())
        .await?)
    }

    /// One received image, within the provider (attached or not).
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, image_id = %image_id))]
    pub async fn received_image(&self, scope: Scope, image_id: Uuid) -> Result<ReceivedImage> {
        sqlx::query_as::<_, ImageRow>(&format!(
            "SELECT {IMAGE_COLUMNS} FROM gateway_images WHERE id = $1 AND provider_id = $2"
        ))
        .bind(sql::id(image_id))
        .bind(sql::id(scope.provider_id))
        .fetch_one(self.pool())
        .await?
        .try_into()
    }

    /// "Switch to manual image mode": this appointment's images are recorded by hand from
    /// now on. `reason` says why (which troubleshooting case).
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, user = actor.user_id.map(tracing::field::display), appointment_id = %appointment_id))]
    pub async fn switch_to_manual(
        &self,
        scope: Scope,
        actor: &Actor,
        appointment_id: AppointmentId,
        reason: &str,
    ) -> Result<()> {
        let mut write = self.begin_change().await?;
        let tx = write.tx();
        let participant_id = sqlx::query_scalar::<_, String>(
            "SELECT participant_id FROM appointments WHERE id = $1 AND provider_id = $2",
        )
        .bind(sql::id(appointment_id))
        .bind(sql::id(scope.provider_id))
        .fetch_one(&mut **tx)
        .await?;
        require_runner(tx, scope, actor, appointment_id).await?;
        let now = sql::ts(sql::now());
        let done = sqlx::query(
            "UPDATE appointment_image_modes SET mode = $1, reason = $2, changed_by_name = $3, changed_at = $4 \
             WHERE provider_id = $5 AND appointment_id = $6",
        )
        .bind(RecordingMethod::Manual.as_str())
        .bind(reason)
        .bind(&actor.name)
        .bind(&now)
        .bind(sql::id(scope.provider_id))
        .bind(sql::id(appointment_id))
        .execute(&mut **tx)
        .await?;
        if done.rows_affected() == 0 {
            sqlx::query(
                "INSERT INTO appointment_image_modes (appointment_id, provider_id, mode, reason, changed_by_name, changed_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(sql::id(appointment_id))
            .bind(sql::id(scope.provider_id))
            .bind(RecordingMethod::Manual.as_str())
            .bind(reason)
            .bind(&actor.name)
            .bind(&now)
            .execute(&mut **tx)
            .await?;
        }
        write
            .commit_audited(AuditRow::new(
                actor,
                AuditAction::Update,
                "appointment_image_mode",
                appointment_id,
                Some(parse_id(&participant_id)?),
                serde_json::json!({ "mode": RecordingMethod::Manual, "reason": reason }),
            ))
            .await?;
        Ok(())
    }

    /// Discrepancies, open ones only or all, oldest first.
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id))]
    pub async fn image_discrepancies(
        &self,
        scope: Scope,
        open_only: bool,
    ) -> Result<Vec<DiscrepancyRecord>> {
        let filter = if open_only {
            " AND d.resolved_at IS NULL"
        } else {
            ""
        };
        sqlx::query_as::<_, DiscrepancyRow>(&format!(
            "SELECT d.id, d.appointment_id, d.kind, d.detail, d.created_at, d.resolved_by_name, d.resolved_at, \
             d.resolution, p.first_name, p.last_name, p.nhs_number FROM image_discrepancies d \
             JOIN appointments a ON a.id = d.appointment_id AND a.provider_id = d.provider_id \
             JOIN participants p ON p.id = a.participant_id AND p.provider_id = d.provider_id \
             WHERE d.provider_id = $1{filter} ORDER BY d.created_at, d.id"
        ))
        .bind(sql::id(scope.provider_id))
        .fetch_all(self.pool())
        .await?
        .into_iter()
        .map(TryInto::try_into)
        .collect()
    }

    /// Resolves a discrepancy, recording who and how. Resolving one already resolved is
    /// refused.
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, user = actor.user_id.map(tracing::field::display), id = %id))]
    pub async fn resolve_discrepancy(
        &self,
        scope: Scope,
        actor: &Actor,
        id: Uuid,
        resolution: &str,
    ) -> Result<()> {
        let resolution = domain::gateway::validate_resolution(resolution)
            .map_err(|m| StoreError::invalid("resolution", m))?;
        let mut write = self.begin_change().await?;
        let tx = write.tx();
        let row = sqlx::query_as::<_, ResolvingRow>(
            "SELECT d.resolved_at, a.participant_id FROM image_discrepancies d \
             JOIN appointments a ON a.id = d.appointment_id AND a.provider_id = d.provider_id \
             WHERE d.id = $1 AND d.provider_id = $2",
        )
        .bind(sql::id(id))
        .bind(sql::id(scope.provider_id))
        .fetch_one(&mut **tx)
        .await?;
        if row.resolved_at.is_some() {
            return Err(StoreError::Refused(
                "This discrepancy has already been resolved.".to_owned(),
            ));
        }
        sqlx::query(
            "UPDATE image_discrepancies SET resolved_by = $1, resolved_by_name = $2, resolved_at = $3, resolution = $4 \
             WHERE id = $5 AND provider_id = $6 AND resolved_at IS NULL",
        )
        .bind(actor.user_id.map(sql::id))
        .bind(&actor.name)
        .bind(sql::ts(sql::now()))
        .bind(&resolution)
        .bind(sql::id(id))
        .bind(sql::id(scope.provider_id))
        .execute(&mut **tx)
        .await?;
        write
            .commit_audited(AuditRow::new(
                actor,
                AuditAction::Update,
                "image_discrepancy",
                id,
                Some(parse_id(&row.participant_id)?),
                serde_json::json!({ "resolution": resolution }),
            ))
            .await?;
        Ok(())
    }
}
