//! Assessment's use cases, shared by the pages and the API.

use crate::application::{Caller, Failure};
use domain::Permission;
use domain::assessment::{AssessmentRecord, days_waiting};
use domain::ids::AppointmentId;
use store::{AssessmentContext, AwaitingPathology, Store};
use time::Date;

/// Record an assessment (or, after "Awaiting pathology", the pathology outcome).
#[derive(Debug, Clone)]
pub struct RecordAssessment {
    pub appointment_id: AppointmentId,
    pub record: AssessmentRecord,
    /// The record's version the caller saw; none for a first recording.
    pub version: Option<i64>,
}

/// One row of the "Awaiting pathology" list, with how long it has waited.
#[derive(Debug, Clone)]
pub struct Waiting {
    pub item: AwaitingPathology,
    pub days_waiting: i64,
}

/// The appointment as assessment sees it (anyone who may view records).
#[tracing::instrument(skip_all, fields(appointment_id = %appointment_id))]
pub async fn view(
    store: &Store,
    caller: &Caller,
    appointment_id: AppointmentId,
) -> Result<AssessmentContext, Failure> {
    caller.require(Permission::ViewRecords)?;
    Ok(store
        .assessment_context(caller.scope, appointment_id)
        .await?)
}

/// Records the assessment: the clinical roles that run appointments only. The store checks
/// the rules (`domain::assessment`) and closes the episode in the same transaction.
#[tracing::instrument(skip_all, fields(appointment_id = %cmd.appointment_id))]
pub async fn record(
    store: &Store,
    caller: &Caller,
    cmd: RecordAssessment,
) -> Result<AssessmentContext, Failure> {
    caller.require(Permission::RecordAssessment)?;
    Ok(store
        .record_assessment(
            caller.scope,
            &caller.actor,
            cmd.appointment_id,
            &cmd.record,
            cmd.version,
        )
        .await?)
}

/// The open episodes awaiting pathology, longest waiting first.
#[tracing::instrument(skip_all)]
pub async fn awaiting_pathology(
    store: &Store,
    caller: &Caller,
    today: Date,
) -> Result<Vec<Waiting>, Failure> {
    caller.require(Permission::ViewRecords)?;
    Ok(store
        .awaiting_pathology(caller.scope)
        .await?
        .into_iter()
        .map(|item| Waiting {
            days_waiting: days_waiting(item.assessed_on, today),
            item,
        })
        .collect())
}

/// The way to an appointment's assessment from its page: none unless the appointment is in
/// an assessment clinic; the label says what the page will do.
#[tracing::instrument(skip_all, fields(appointment_id = %appointment_id))]
pub async fn link(
    store: &Store,
    caller: &Caller,
    appointment_id: AppointmentId,
) -> Result<Option<(String, &'static str)>, Failure> {
    let ctx = view(store, caller, appointment_id).await?;
    if ctx.clinic_type != domain::ClinicType::Assessment {
        return Ok(None);
    }
    let recordable = ctx.cannot_record.is_none()
        && domain::role::any_grants(&caller.roles, Permission::RecordAssessment);
    let label = match (&ctx.assessment, recordable) {
        (None, true) => "Record assessment",
        (Some(_), true) => "Record the pathology outcome",
        (Some(_), false) => "View assessment",
        (None, false) => return Ok(None),
    };
    Ok(Some((
        format!("/appointments/{appointment_id}/assessment"),
        label,
    )))
}
