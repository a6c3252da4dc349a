//! Assessment records: what was done at an assessment clinic and its outcome, one record
//! per appointment (`domain::assessment` holds the rules).
//!
//! Recording a final outcome closes the episode through `shared::episode::close` with the
//! outcome's end code; "Awaiting pathology" keeps it at assessment, on the office's
//! "Awaiting pathology" list, until the outcome is recorded again with the pathology
//! result. The first recording ends the appointment as "Screened" (she attended and was
//! assessed). That move is written here, not through `apply_action_in`: a screen's
//! `AppointmentEnded` opens a reading case, and an assessment is not read. The move still
//! records `AppointmentStatusChanged` (the worklist follows it), and every recording
//! records `AssessmentOutcomeRecorded`.

use crate::audit::AuditAction;
use crate::outbox::{self, Tx};
use crate::shared::appointment::{clinic_now, insert_history, require_runner};
use crate::shared::episode::{self, Closing};
use crate::shared::follow_up::{Move, move_in};
use crate::sql::{self, parse_date, parse_enum, parse_id, parse_json, parse_ts};
use crate::write::AuditRow;
use crate::{Actor, Result, Scope, Store, StoreError, new_id};
use domain::assessment::{
    AssessmentOutcome, AssessmentRecord, BreastWork, CancerDetails, MdmOutcome, OutcomeKind,
    Recording, check_recording,
};
use domain::end_code::EndCode;
use domain::events::{AppointmentStatusChanged, AssessmentOutcomeRecorded, DomainEvent};
use domain::follow_up::FollowUpState;
use domain::ids::{AppointmentId, AssessmentId, EpisodeId, ParticipantId};
use domain::{AppointmentAction, AppointmentStatus, ClinicType, EpisodeOutcome, EpisodeStage};
use serde::{Deserialize, Serialize};
use sqlx::FromRow;
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;

/// A recorded assessment.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Assessment {
    pub id: AssessmentId,
    pub appointment_id: AppointmentId,
    pub episode_id: EpisodeId,
    pub participant_id: ParticipantId,
    /// The day she was assessed (the clinic's day).
    #[schema(value_type = String, format = Date)]
    pub assessed_on: Date,
    /// What was done and the outcome.
    pub record: AssessmentRecord,
    /// The end code the outcome closed the episode with; none while pathology is awaited.
    pub end_code: Option<EndCode>,
    pub recorded_by_name: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub recorded_at: OffsetDateTime,
    /// Send it back with the pathology outcome: a recording based on an older one is refused.
    pub version: i64,
}

/// An appointment as assessment sees it: where it is, the episode, the record if any, and
/// whether an assessment can be recorded now.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AssessmentContext {
    pub appointment_id: AppointmentId,
    pub participant_id: ParticipantId,
    pub participant_name: String,
    pub nhs_number: String,
    pub clinic_type: ClinicType,
    #[schema(value_type = String, format = Date)]
    pub clinic_date: Date,
    pub appointment_status: AppointmentStatus,
    pub episode_id: EpisodeId,
    pub episode_stage: EpisodeStage,
    pub episode_end_code: Option<EndCode>,
    #[schema(value_type = Option<String>, format = Date)]
    pub next_test_due: Option<Date>,
    pub assessment: Option<Assessment>,
    /// Why an assessment cannot be recorded now; none when it can.
    pub cannot_record: Option<String>,
}

/// One episode on the office's "Awaiting pathology" list.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AwaitingPathology {
    pub assessment_id: AssessmentId,
    pub appointment_id: AppointmentId,
    pub episode_id: EpisodeId,
    pub participant_id: ParticipantId,
    pub participant_name: String,
    pub nhs_number: String,
    #[schema(value_type = String, format = Date)]
    pub assessed_on: Date,
    pub recorded_by_name: String,
}

const CONTEXT_SELECT: &str = "SELECT a.id, a.status, a.version, a.participant_id, a.episode_id, a.follow_up_id, \
     c.clinic_type, c.clinic_date, e.stage, e.end_code, e.next_test_due, p.first_name, p.last_name, p.nhs_number \
     FROM appointments a \
     JOIN clinics c ON c.id = a.clinic_id AND c.provider_id = a.provider_id \
     JOIN episodes e ON e.id = a.episode_id AND e.provider_id = a.provider_id \
     JOIN participants p ON p.id = a.participant_id AND p.provider_id = a.provider_id \
     WHERE a.id = $1 AND a.provider_id = $2";

const ASSESSMENT_SELECT: &str = "SELECT id, appointment_id, episode_id, participant_id, assessed_on, work, outcome, \
     early_recall_interval, invasiveness, size_band, grade, nodal_status, mdm_date, mdm_outcome, end_code, \
     recorded_by_name, recorded_at, version FROM assessments WHERE provider_id = $1 AND appointment_id = $2";

/// The per-breast work as stored.
#[derive(Serialize, Deserialize)]
struct Work {
    right: BreastWork,
    left: BreastWork,
}

/// The appointment with its clinic, episode and participant ([`CONTEXT_SELECT`]), as stored.
#[derive(FromRow)]
struct ContextRow {
    id: String,
    status: String,
    version: i64,
    participant_id: String,
    episode_id: String,
    follow_up_id: Option<String>,
    clinic_type: String,
    clinic_date: String,
    stage: String,
    end_code: Option<String>,
    next_test_due: Option<String>,
    first_name: String,
    last_name: String,
    nhs_number: String,
}

/// An assessment ([`ASSESSMENT_SELECT`]), as stored.
#[derive(FromRow)]
struct AssessmentRow {
    id: String,
    appointment_id: String,
    episode_id: String,
    participant_id: String,
    assessed_on: String,
    work: String,
    outcome: String,
    early_recall_interval: Option<String>,
    invasiveness: Option<String>,
    size_band: Option<String>,
    grade: Option<String>,
    nodal_status: Option<String>,
    mdm_date: Option<String>,
    mdm_outcome: Option<String>,
    end_code: Option<String>,
    recorded_by_name: String,
    recorded_at: String,
    version: i64,
}

impl TryFrom<AssessmentRow> for Assessment {
    type Error = StoreError;
    fn try_from(r: AssessmentRow) -> Result<Self> {
        let work: Work = parse_json(&r.work)?;
        let kind: OutcomeKind = parse_enum(&r.outcome)?;
        let outcome = match kind {
            OutcomeKind::NormalBenign => AssessmentOutcome::NormalBenign,
            OutcomeKind::AwaitingPathology => AssessmentOutcome::AwaitingPathology,
            OutcomeKind::ReferredToSymptomatic => AssessmentOutcome::ReferredToSymptomatic,
            OutcomeKind::EarlyRecall => AssessmentOutcome::EarlyRecall {
                interval: r
                    .early_recall_interval
                    .as_deref()
                    .map(parse_enum)
                    .transpose()?
                    .ok_or_else(|| StoreError::Corrupt("early recall without interval".into()))?,
            },
            OutcomeKind::CancerDiagnosed => AssessmentOutcome::CancerDiagnosed(CancerDetails {
                invasiveness: r.invasiveness.as_deref().map(parse_enum).transpose()?,
                size_band: r.size_band.as_deref().map(parse_enum).transpose()?,
                grade: r.grade.as_deref().map(parse_enum).transpose()?,
                nodal_status: r.nodal_status.as_deref().map(parse_enum).transpose()?,
            }),
        };
        let mdm = match r.mdm_date {
            Some(d) => Some(MdmOutcome {
                date: parse_date(&d)?,
                outcome: r.mdm_outcome.unwrap_or_default(),
            }),
            None => None,
        };
        Ok(Assessment {
            id: parse_id(&r.id)?,
            appointment_id: parse_id(&r.appointment_id)?,
            episode_id: parse_id(&r.episode_id)?,
            participant_id: parse_id(&r.participant_id)?,
            assessed_on: parse_date(&r.assessed_on)?,
            record: AssessmentRecord {
                right: work.right,
                left: work.left,
                outcome,
                mdm,
            },
            end_code: r.end_code.as_deref().map(parse_enum).transpose()?,
            recorded_by_name: r.recorded_by_name,
            recorded_at: parse_ts(&r.recorded_at)?,
            version: r.version,
        })
    }
}

/// One episode awaiting pathology, as stored.
#[derive(FromRow)]
struct AwaitingPathologyRow {
    id: String,
    appointment_id: String,
    episode_id: String,
    participant_id: String,
    assessed_on: String,
    recorded_by_name: String,
    first_name: String,
    last_name: String,
    nhs_number: String,
}

impl TryFrom<AwaitingPathologyRow> for AwaitingPathology {
    type Error = StoreError;
    fn try_from(r: AwaitingPathologyRow) -> Result<Self> {
        Ok(AwaitingPathology {
            assessment_id: parse_id(&r.id)?,
            appointment_id: parse_id(&r.appointment_id)?,
            episode_id: parse_id(&r.episode_id)?,
            participant_id: parse_id(&r.participant_id)?,
            participant_name: format!("{} {}", r.first_name, r.last_name),
            nhs_number: r.nhs_number,
            assessed_on: parse_date(&r.assessed_on)?,
            recorded_by_name: r.recorded_by_name,
        })
    }
}

/// The appointment's row with its clinic, episode and participant, and its assessment.
struct Loaded {
    row: ContextRow,
    assessment: Option<Assessment>,
}

async fn load(tx: &mut Tx, scope: Scope, appointment_id: AppointmentId) -> Result<Loaded> {
    let p = sql::id(scope.provider_id);
    let row = sqlx::query_as::<_, ContextRow>(CONTEXT_SELECT)
        .bind(sql::id(appointment_id))
        .bind(&p)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(StoreError::NotFound)?;
    let assessment = sqlx::query_as::<_, AssessmentRow>(ASSESSMENT_SELECT)
        .bind(&p)
        .bind(sql::id(appointment_id))
        .fetch_optional(&mut **tx)
        .await?
        .map(Assessment::try_from)
        .transpose()?;
    Ok(Loaded { row, assessment })
}

impl Loaded {
    fn context(self) -> Result<AssessmentContext> {
        let r = self.row;
        let clinic_type: ClinicType = parse_enum(&r.clinic_type)?;
        let appointment_status: AppointmentStatus = parse_enum(&r.status)?;
        let episode_stage: EpisodeStage = parse_enum(&r.stage)?;
        let cannot_record = check_recording(
            clinic_type,
            appointment_status,
            episode_stage,
            self.assessment.as_ref().map(|a| a.record.outcome.kind()),
        )
        .err()
        .map(str::to_owned);
        Ok(AssessmentContext {
            appointment_id: parse_id(&r.id)?,
            participant_id: parse_id(&r.participant_id)?,
            participant_name: format!("{} {}", r.first_name, r.last_name),
            nhs_number: r.nhs_number,
            clinic_type,
            clinic_date: parse_date(&r.clinic_date)?,
            appointment_status,
            episode_id: parse_id(&r.episode_id)?,
            episode_stage,
            episode_end_code: r.end_code.as_deref().map(parse_enum).transpose()?,
            next_test_due: r.next_test_due.as_deref().map(parse_date).transpose()?,
            assessment: self.assessment,
            cannot_record,
        })
    }
}

/// The conflict error for a recording based on an older version, naming who recorded.
fn stale(a: &Assessment) -> StoreError {
    let at = a
        .recorded_at
        .format(time::macros::format_description!("[hour]:[minute]"))
        .unwrap_or_default();
    StoreError::Conflict(format!(
        "{} recorded this assessment at {at} (UTC), after you opened it. Nothing you entered was saved: check the latest record and try again.",
        a.recorded_by_name
    ))
}

impl Store {
    /// The appointment as assessment sees it (not found for another provider's).
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, appointment_id = %appointment_id))]
    pub async fn assessment_context(
        &self,
        scope: Scope,
        appointment_id: AppointmentId,
    ) -> Result<AssessmentContext> {
        let mut tx = self.pool.begin().await?;
        let loaded = load(&mut tx, scope, appointment_id).await?;
        tx.commit().await?;
        loaded.context()
    }

    /// Records an assessment for an appointment in an assessment clinic, in one
    /// transaction: the rules of `domain::assessment` first (nothing is changed when they
    /// refuse), then the record and its history row, the appointment's end on the first
    /// recording, the episode's closure with the outcome's end code (or, awaiting
    /// pathology, its stage "At assessment"), the `AssessmentOutcomeRecorded` event and the
    /// audit row. `expected_version` is the record's version the caller saw (none for a
    /// first recording). Returns the appointment as it now is.
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, user = actor.user_id.map(tracing::field::display), appointment_id = %appointment_id))]
    pub async fn record_assessment(
        &self,
        scope: Scope,
        actor: &Actor,
        appointment_id: AppointmentId,
        record: &AssessmentRecord,
        expected_version: Option<i64>,
    ) -> Result<AssessmentContext> {
        let today = clinic_now().date();
        let mut write = self.begin_change().await?;
        let tx = write.tx();
        let loaded = load(tx, scope, appointment_id).await?;
        let r = &loaded.row;
        let status: AppointmentStatus = parse_enum(&r.status)?;
        let recording = check_recording(
            parse_enum(&r.clinic_type)?,
            status,
            parse_enum(&r.stage)?,
            loaded.assessment.as_ref().map(|a| a.record.outcome.kind()),
        )
        .map_err(|m| StoreError::NotAllowed(m.to_owned()))?;
        record.validate(today).map_err(StoreError::Invalid)?;
        if let Some(existing) = &loaded.assessment
            && expected_version != Some(existing.version)
        {
            return Err(stale(existing));
        }
        let episode_id = parse_id(&r.episode_id)?;
        let participant_id = parse_id(&r.participant_id)?;
        let assessed_on = parse_date(&r.clinic_date)?;
        if recording == Recording::Completes {
            end_appointment(tx, scope, actor, r, status).await?;
        }
        let end_code = record.outcome.end_code();
        let saved = save(
            tx,
            scope,
            actor,
            Saving {
                appointment_id,
                episode_id,
                participant_id,
                assessed_on,
                record,
                end_code,
                existing: loaded.assessment.as_ref(),
            },
        )
        .await?;
        let reason = format!("Assessment outcome: {}", record.outcome.describe());
        match end_code {
            Some(end_code) => {
                episode::close(
                    tx,
                    scope,
                    actor,
                    Closing {
                        episode_id,
                        end_code,
                        outcome: matches!(record.outcome, AssessmentOutcome::EarlyRecall { .. })
                            .then_some(EpisodeOutcome::EarlyRecall),
                        reason: &reason,
                        closed_on: today,
                        correction: false,
                    },
                )
                .await?;
            }
            None => keep_at_assessment(tx, scope, actor, episode_id, &reason).await?,
        }
        outbox::record(
            tx,
            scope,
            actor,
            DomainEvent::AssessmentOutcomeRecorded(AssessmentOutcomeRecorded {
                provider_id: scope.provider_id,
                assessment_id: saved,
                appointment_id,
                episode_id,
                participant_id,
                outcome: record.outcome.kind(),
                end_code,
            }),
        )
        .await?;
        write
            .commit_audited(AuditRow::new(
                actor,
                if loaded.assessment.is_some() {
                    AuditAction::Update
                } else {
                    AuditAction::Create
                },
                "assessment",
                saved,
                Some(participant_id),
                serde_json::json!({
                    "appointment_id": appointment_id,
                    "record": record,
                    "end_code": end_code,
                    "previous_outcome": loaded.assessment.as_ref().map(|a| a.record.outcome.kind()),
                }),
            ))
            .await?;
        self.assessment_context(scope, appointment_id).await
    }

    /// The provider's open episodes whose assessment awaits pathology, longest waiting first.
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id))]
    pub async fn awaiting_pathology(&self, scope: Scope) -> Result<Vec<AwaitingPathology>> {
        sqlx::query_as::<_, AwaitingPathologyRow>(
            "SELECT s.id, s.appointment_id, s.episode_id, s.participant_id, s.assessed_on, s.recorded_by_name, \
             p.first_name, p.last_name, p.nhs_number FROM assessments s \
             JOIN episodes e ON e.id = s.episode_id AND e.provider_id = s.provider_id \
             JOIN participants p ON p.id = s.participant_id AND p.provider_id = s.provider_id \
             WHERE s.provider_id = $1 AND s.outcome = $2 AND e.stage <> $3 \
             ORDER BY s.assessed_on, s.recorded_at LIMIT 500",
        )
        .bind(sql::id(scope.provider_id))
        .bind(OutcomeKind::AwaitingPathology.as_str())
        .bind(EpisodeStage::Closed.as_str())
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(AwaitingPathology::try_from)
        .collect()
    }
}

/// Ends the attended appointment as "Screened", with its history row and status event, and
/// marks the follow-up request it was booked for done.
async fn end_appointment(
    tx: &mut Tx,
    scope: Scope,
    actor: &Actor,
    r: &ContextRow,
    from: AppointmentStatus,
) -> Result<()> {
    let id = parse_id(&r.id)?;
    if matches!(
        from,
        AppointmentStatus::InProgress | AppointmentStatus::Paused
    ) {
        require_runner(tx, scope, actor, id).await?;
    }
    let to = AppointmentStatus::Screened;
    let now = sql::ts(sql::now());
    let done = sqlx::query(
        "UPDATE appointments SET status = $1, status_changed_at = $2, version = version + 1, \
         last_changed_by_name = $3, last_changed_at = $2 WHERE id = $4 AND provider_id = $5 AND version = $6",
    )
    .bind(to.as_str())
    .bind(&now)
    .bind(&actor.name)
    .bind(sql::id(id))
    .bind(sql::id(scope.provider_id))
    .bind(r.version)
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(StoreError::Conflict(
            "This appointment was changed by someone else at the same moment. Check it and try again.".to_owned(),
        ));
    }
    insert_history(
        tx,
        scope,
        actor,
        id,
        to,
        Some(AppointmentAction::Screen),
        &now,
    )
    .await?;
    outbox::record(
        tx,
        scope,
        actor,
        DomainEvent::AppointmentStatusChanged(AppointmentStatusChanged {
            provider_id: scope.provider_id,
            appointment_id: id,
            from,
            to,
            action: AppointmentAction::Screen,
        }),
    )
    .await?;
    if let Some(follow_up) = &r.follow_up_id {
        let booked = sqlx::query(
            "SELECT 1 FROM follow_up_requests WHERE id = $1 AND provider_id = $2 AND status = $3",
        )
        .bind(follow_up)
        .bind(sql::id(scope.provider_id))
        .bind(FollowUpState::Booked.as_str())
        .fetch_optional(&mut **tx)
        .await?;
        if booked.is_some() {
            let m = Move {
                id: parse_id(follow_up)?,
                participant_id: parse_id(&r.participant_id)?,
                from: FollowUpState::Booked,
                to: FollowUpState::Done,
            };
            move_in(tx, scope, actor, m, "Assessment recorded").await?;
        }
    }
    Ok(())
}

/// Awaiting pathology: the episode stays open at assessment, with a history row.
async fn keep_at_assessment(
    tx: &mut Tx,
    scope: Scope,
    actor: &Actor,
    episode_id: EpisodeId,
    reason: &str,
) -> Result<()> {
    let p = sql::id(scope.provider_id);
    let e = sql::id(episode_id);
    sqlx::query("UPDATE episodes SET stage = $1 WHERE id = $2 AND provider_id = $3")
        .bind(EpisodeStage::AtAssessment.as_str())
        .bind(&e)
        .bind(&p)
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "INSERT INTO episode_history (id, provider_id, episode_id, stage, outcome, next_test_due, reason, changed_by_name, changed_at) \
         SELECT $1, provider_id, id, stage, outcome, NULL, $2, $3, $4 FROM episodes WHERE id = $5 AND provider_id = $6",
    )
    .bind(sql::id(new_id()))
    .bind(reason)
    .bind(&actor.name)
    .bind(sql::ts(sql::now()))
    .bind(&e)
    .bind(&p)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// What one recording writes.
struct Saving<'a> {
    appointment_id: AppointmentId,
    episode_id: EpisodeId,
    participant_id: ParticipantId,
    assessed_on: Date,
    record: &'a AssessmentRecord,
    end_code: Option<EndCode>,
    existing: Option<&'a Assessment>,
}

/// Inserts or replaces the record (its version guarded) and appends its history row;
/// returns the record's id.
async fn save(tx: &mut Tx, scope: Scope, actor: &Actor, s: Saving<'_>) -> Result<AssessmentId> {
    let p = sql::id(scope.provider_id);
    let now = sql::ts(sql::now());
    let rec = s.record;
    let work = sql::json(&Work {
        right: rec.right.clone(),
        left: rec.left.clone(),
    });
    let (interval, cancer) = match &rec.outcome {
        AssessmentOutcome::EarlyRecall { interval } => (Some(interval.as_str()), None),
        AssessmentOutcome::CancerDiagnosed(c) => (None, Some(c)),
        _ => (None, None),
    };
    let id = s.existing.map_or_else(|| new_id().into(), |a| a.id);
    let values = [
        Some(work),
        Some(rec.outcome.kind().as_str().to_owned()),
        interval.map(str::to_owned),
        cancer
            .and_then(|c| c.invasiveness)
            .map(|v| v.as_str().to_owned()),
        cancer
            .and_then(|c| c.size_band)
            .map(|v| v.as_str().to_owned()),
        cancer.and_then(|c| c.grade).map(|v| v.as_str().to_owned()),
        cancer
            .and_then(|c| c.nodal_status)
            .map(|v| v.as_str().to_owned()),
        rec.mdm.as_ref().map(|m| sql::date(m.date)),
        rec.mdm.as_ref().map(|m| m.outcome.trim().to_owned()),
        s.end_code.map(|c| c.as_str().to_owned()),
    ];
    let query = match s.existing {
        Some(_) => {
            "UPDATE assessments SET work = $1, outcome = $2, early_recall_interval = $3, invasiveness = $4, \
             size_band = $5, grade = $6, nodal_status = $7, mdm_date = $8, mdm_outcome = $9, end_code = $10, \
             recorded_by = $11, recorded_by_name = $12, recorded_at = $13, version = version + 1 \
             WHERE id = $14 AND provider_id = $15 AND version = $16"
        }
        None => {
            "INSERT INTO assessments (work, outcome, early_recall_interval, invasiveness, size_band, grade, \
             nodal_status, mdm_date, mdm_outcome, end_code, recorded_by, recorded_by_name, recorded_at, id, provider_id, \
             version, appointment_id, episode_id, participant_id, assessed_on, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $13)"
        }
    };
    let mut q = sqlx::query(query);
    for v in values {
        q = q.bind(v);
    }
    q = q
        .bind(actor.user_id.map(sql::id))
        .bind(&actor.name)
        .bind(&now)
        .bind(sql::id(id))
        .bind(&p)
        .bind(s.existing.map_or(1, |a| a.version));
    if s.existing.is_none() {
        q = q
            .bind(sql::id(s.appointment_id))
            .bind(sql::id(s.episode_id))
            .bind(sql::id(s.participant_id))
            .bind(sql::date(s.assessed_on));
    }
    let done = q.execute(&mut **tx).await?;
    if done.rows_affected() != 1 {
        return Err(StoreError::Conflict(
            "This assessment was recorded by someone else at the same moment. Check it and try again."
                .to_owned(),
        ));
    }
    sqlx::query(
        "INSERT INTO assessment_history (id, provider_id, assessment_id, outcome, record, recorded_by, recorded_by_name, recorded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(sql::id(new_id()))
    .bind(&p)
    .bind(sql::id(id))
    .bind(rec.outcome.kind().as_str())
    .bind(sql::json(rec))
    .bind(actor.user_id.map(sql::id))
    .bind(&actor.name)
    .bind(&now)
    .execute(&mut **tx)
    .await?;
    Ok(id)
}
