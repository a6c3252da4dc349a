//! Closing a clinic: every appointment needs a final outcome first, and the office's
//! bulk actions for those who never arrived or never got screened.

use crate::audit::AuditAction;
use crate::outbox::Tx;
use crate::shared::appointment::{
    apply_action_in, bump_version, close_episode, stale, upsert_section,
};
use crate::shared::follow_up::{NewFollowUpRow, insert_follow_up};
use crate::sql::{self, parse_enum, parse_id};
use crate::write::AuditRow;
use crate::{Actor, Result, Scope, Store, StoreError};
use domain::ending::{CloseBlocker, can_close};
use domain::ids::{AppointmentId, ClinicId};
use domain::workflow::{SectionDocument, SectionKind};
use domain::{AppointmentAction, AppointmentStatus, ClinicStatus};

/// Each appointment of a clinic with its status and whether an attended-not-screened
/// outcome has its details recorded, in slot order.
async fn outcomes(
    tx: &mut Tx,
    scope: Scope,
    clinic_id: ClinicId,
) -> Result<Vec<(AppointmentId, AppointmentStatus, bool)>> {
    let rows = sqlx::query_as::<_, (String, String, i64)>(
        "SELECT a.id, a.status, (SELECT COUNT(*) FROM appointment_sections e WHERE e.appointment_id = a.id \
         AND e.provider_id = a.provider_id AND e.section = $3) AS has_details \
         FROM appointments a JOIN slots s ON s.id = a.slot_id AND s.provider_id = a.provider_id \
         WHERE a.provider_id = $1 AND a.clinic_id = $2 ORDER BY s.starts_at",
    )
    .bind(sql::id(scope.provider_id))
    .bind(sql::id(clinic_id))
    .bind(SectionKind::Ending.as_str())
    .fetch_all(&mut **tx)
    .await?;
    rows.iter()
        .map(|(id, status, has_details)| Ok((parse_id(id)?, parse_enum(status)?, *has_details > 0)))
        .collect()
}

/// The outcome and follow-up request of an attended-not-screened appointment whose reasons
/// are recorded after it ended (the bulk path at closing). Does nothing already done.
async fn record_ending_follow_up(
    tx: &mut Tx,
    scope: Scope,
    actor: &Actor,
    id: AppointmentId,
    answer: &domain::ending::AttendedNotScreened,
) -> Result<()> {
    let p = sql::id(scope.provider_id);
    let (episode_id, participant_id, current) =
        sqlx::query_as::<_, (String, String, Option<String>)>(
            "SELECT a.episode_id, a.participant_id, e.outcome FROM appointments a \
         JOIN episodes e ON e.id = a.episode_id AND e.provider_id = a.provider_id \
         WHERE a.id = $1 AND a.provider_id = $2",
        )
        .bind(sql::id(id))
        .bind(&p)
        .fetch_one(&mut **tx)
        .await?;
    if let Some(outcome) =
        domain::episode::ending_outcome(AppointmentStatus::AttendedNotScreened, answer.reschedule)
        && current.as_deref() != Some(outcome.as_str())
    {
        close_episode(
            tx,
            scope,
            actor,
            &episode_id,
            outcome,
            "Why the appointment did not proceed was recorded",
            &sql::ts(sql::now()),
        )
        .await?;
    }
    let Some(kind) = answer.reschedule.and_then(|d| d.follow_up()) else {
        return Ok(());
    };
    let open = sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) AS n FROM follow_up_requests WHERE provider_id = $1 AND appointment_id = $2 \
         AND kind = $3 AND status IN ($4, $5)",
    )
    .bind(&p)
    .bind(sql::id(id))
    .bind(kind.as_str())
    .bind(domain::follow_up::FollowUpState::Open.as_str())
    .bind(domain::follow_up::FollowUpState::Booked.as_str())
    .fetch_one(&mut **tx)
    .await?;
    if open > 0 {
        return Ok(());
    }
    let timescale = answer
        .reschedule
        .filter(|d| d.reschedules())
        .map(|d| d.label())
        .unwrap_or_default();
    insert_follow_up(
        tx,
        scope,
        actor,
        NewFollowUpRow {
            participant_id: parse_id(&participant_id)?,
            episode_id: parse_id(&episode_id)?,
            appointment_id: id,
            kind: kind.as_str(),
            timescale,
            note: &answer.reasons_summary(),
            details: "",
            reading_case_id: None,
            views: &[],
        },
    )
    .await
}

impl Store {
    /// What stops a clinic closing, per appointment id (empty when it can close).
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, clinic_id = %clinic_id))]
    pub async fn close_blockers(
        &self,
        scope: Scope,
        clinic_id: ClinicId,
    ) -> Result<Vec<(AppointmentId, CloseBlocker)>> {
        let mut tx = self.pool().begin().await?;
        self.clinic(scope, clinic_id).await?;
        let all = outcomes(&mut tx, scope, clinic_id).await?;
        tx.rollback().await?;
        let pairs: Vec<_> = all.iter().map(|(_, s, d)| (*s, *d)).collect();
        Ok(match can_close(&pairs) {
            Ok(()) => Vec::new(),
            Err(blockers) => blockers
                .into_iter()
                .map(|b| (all[b.index()].0, b))
                .collect(),
        })
    }

    /// Applies `action` to every appointment of the clinic now in `from` (the close page's
    /// bulk actions). All or nothing. Returns how many changed.
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, user = actor.user_id.map(tracing::field::display), clinic_id = %clinic_id))]
    pub async fn bulk_action(
        &self,
        scope: Scope,
        actor: &Actor,
        clinic_id: ClinicId,
        from: AppointmentStatus,
        action: AppointmentAction,
    ) -> Result<usize> {
        self.delivering(async {
            let mut write = self.begin_change().await?;
            let tx = write.tx();
            let clinic_status: String =
                sqlx::query_scalar("SELECT status FROM clinics WHERE id = $1 AND provider_id = $2")
                    .bind(sql::id(clinic_id))
                    .bind(sql::id(scope.provider_id))
                    .fetch_one(&mut **tx)
                    .await?;
            if clinic_status == ClinicStatus::Closed.as_str() {
                return Err(StoreError::Refused("This clinic is closed.".to_owned()));
            }
            let targets: Vec<AppointmentId> = outcomes(tx, scope, clinic_id)
                .await?
                .into_iter()
                .filter(|(_, s, _)| *s == from)
                .map(|(id, _, _)| id)
                .collect();
            for id in &targets {
                apply_action_in(tx, scope, actor, *id, action, None, None).await?;
            }
            write.commit().await?;
            Ok(targets.len())
        })
        .await
    }

    /// Closes the clinic if every appointment has a final outcome (and every attended not
    /// screened its details); otherwise refuses and changes nothing.
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, user = actor.user_id.map(tracing::field::display), clinic_id = %clinic_id))]
    pub async fn close_clinic(
        &self,
        scope: Scope,
        actor: &Actor,
        clinic_id: ClinicId,
    ) -> Result<()> {
        let mut write = self.begin_change().await?;
        let tx = write.tx();
        let clinic_status: String =
            sqlx::query_scalar("SELECT status FROM clinics WHERE id = $1 AND provider_id = $2")
                .bind(sql::id(clinic_id))
                .bind(sql::id(scope.provider_id))
                .fetch_one(&mut **tx)
                .await?;
        if clinic_status == ClinicStatus::Closed.as_str() {
            return Ok(());
        }
        let all = outcomes(tx, scope, clinic_id).await?;
        let pairs: Vec<_> = all.iter().map(|(_, s, d)| (*s, *d)).collect();
        if can_close(&pairs).is_err() {
            return Err(StoreError::Refused(
                domain::ending::CLOSE_CLINIC_BLOCKED.to_owned(),
            ));
        }
        sqlx::query("UPDATE clinics SET status = $3 WHERE id = $1 AND provider_id = $2")
            .bind(sql::id(clinic_id))
            .bind(sql::id(scope.provider_id))
            .bind(ClinicStatus::Closed.as_str())
            .execute(&mut **tx)
            .await?;
        write
            .commit_audited(AuditRow::new(
                actor,
                AuditAction::Update,
                "clinic",
                clinic_id,
                None,
                serde_json::json!({ "status": ClinicStatus::Closed }),
            ))
            .await?;
        Ok(())
    }

    /// Records why an appointment already marked attended not screened (for example by a
    /// bulk action at closing) did not proceed.
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, user = actor.user_id.map(tracing::field::display), id = %id))]
    pub async fn record_ending_details(
        &self,
        scope: Scope,
        actor: &Actor,
        id: AppointmentId,
        answer: &domain::ending::AttendedNotScreened,
        expected_version: i64,
    ) -> Result<i64> {
        let mut write = self.begin_change().await?;
        let tx = write.tx();
        let (status, version, participant_id, changed_by, changed_at) =
            sqlx::query_as::<_, (String, i64, String, String, String)>(
                "SELECT status, version, participant_id, last_changed_by_name, last_changed_at FROM appointments WHERE id = $1 AND provider_id = $2",
            )
        .bind(sql::id(id))
        .bind(sql::id(scope.provider_id))
        .fetch_one(&mut **tx)
        .await?;
        let status: AppointmentStatus = parse_enum(&status)?;
        if status != AppointmentStatus::AttendedNotScreened {
            return Err(StoreError::Refused(format!(
                "This appointment is {}: details of why it did not proceed are recorded only for attended not screened.",
                status.label().to_lowercase()
            )));
        }
        if version != expected_version {
            return Err(stale(&changed_by, &changed_at));
        }
        let data = SectionDocument::Ending(answer.clone()).to_json();
        upsert_section(tx, scope, actor, id, SectionKind::Ending, &data).await?;
        // Marked attended not screened in bulk at closing: the answers now given decide the
        // episode's outcome ("No, request opt out") and the request the office acts on.
        record_ending_follow_up(tx, scope, actor, id, answer).await?;
        let version = bump_version(tx, scope, actor, id, expected_version).await?;
        write
            .commit_audited(AuditRow::new(
                actor,
                AuditAction::Create,
                "appointment_ending",
                id,
                Some(parse_id(&participant_id)?),
                &data,
            ))
            .await?;
        Ok(version)
    }
}
