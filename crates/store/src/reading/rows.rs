//! The rows `reading`'s own queries read, as stored, and their conversions to the
//! module's types.

use super::*;
use sqlx::FromRow;

/// A reading case with its participant ([`CASE_COLUMNS`]), as stored.
#[derive(FromRow)]
pub(super) struct ReadingCaseRow {
    id: String,
    appointment_id: String,
    participant_id: String,
    first_name: String,
    last_name: String,
    nhs_number: String,
    screened_on: String,
    state: String,
    held: Option<String>,
    priors_status: String,
    completeness: String,
    clinic_id: Option<String>,
    outcome: Option<String>,
}

impl TryFrom<ReadingCaseRow> for ReadingCase {
    type Error = StoreError;
    fn try_from(r: ReadingCaseRow) -> Result<Self> {
        Ok(ReadingCase {
            id: parse_id(&r.id)?,
            appointment_id: parse_id(&r.appointment_id)?,
            participant_id: parse_id(&r.participant_id)?,
            participant_name: format!("{} {}", r.first_name, r.last_name),
            nhs_number: r.nhs_number,
            screened_on: parse_date(&r.screened_on)?,
            state: parse_enum(&r.state)?,
            held: r.held,
            priors_status: parse_enum(&r.priors_status)?,
            completeness: parse_enum(&r.completeness)?,
            clinic_id: r.clinic_id.as_deref().map(parse_id).transpose()?,
            outcome: r.outcome,
        })
    }
}

/// The screened appointment a case is opened for, as stored.
#[derive(FromRow)]
pub(super) struct OpenCaseRow {
    pub(super) episode_id: String,
    pub(super) participant_id: String,
    pub(super) clinic_id: String,
}

/// A reading case's own columns ([`case_row`]), as stored.
#[derive(FromRow)]
pub(super) struct CaseStateRow {
    id: String,
    participant_id: String,
    appointment_id: String,
    episode_id: String,
    state: String,
    screened_on: String,
    completeness: String,
    concluded_at: Option<String>,
    held: Option<String>,
    priors_status: String,
}

impl TryFrom<CaseStateRow> for CaseRow {
    type Error = StoreError;
    fn try_from(r: CaseStateRow) -> Result<Self> {
        Ok(CaseRow {
            id: parse_id(&r.id)?,
            participant_id: parse_id(&r.participant_id)?,
            appointment_id: parse_id(&r.appointment_id)?,
            episode_id: parse_id(&r.episode_id)?,
            state: parse_enum(&r.state)?,
            screened_on: parse_date(&r.screened_on)?,
            completeness: parse_enum(&r.completeness)?,
            concluded: r.concluded_at.is_some(),
            held: r.held,
            priors_status: parse_enum(&r.priors_status)?,
        })
    }
}

/// A read or the arbitration of a case ([`load_reads`]' UNION: `what` says which), as
/// stored.
#[derive(FromRow)]
pub(super) struct ReadOrArbitrationRow {
    pub(super) what: String,
    pub(super) slot: String,
    pub(super) who: String,
    pub(super) names: String,
    pub(super) opinion: String,
    pub(super) at: String,
    pub(super) finalised_early: i64,
    pub(super) given_blind: i64,
}

/// A participant's episode, as stored.
#[derive(FromRow)]
pub(super) struct EpisodeSummaryRow {
    id: String,
    opened_on: String,
    episode_type: String,
    stage: String,
    outcome: Option<String>,
    next_test_due: Option<String>,
    end_code: Option<String>,
    end_reason: String,
    closed_on: Option<String>,
}

/// The episode without its history, which the caller loads.
impl TryFrom<EpisodeSummaryRow> for EpisodeSummary {
    type Error = StoreError;
    fn try_from(r: EpisodeSummaryRow) -> Result<Self> {
        Ok(EpisodeSummary {
            id: parse_id(&r.id)?,
            opened_on: parse_date(&r.opened_on)?,
            episode_type: parse_enum(&r.episode_type)?,
            stage: parse_enum(&r.stage)?,
            outcome: r.outcome.as_deref().map(parse_enum).transpose()?,
            next_test_due: r.next_test_due.as_deref().map(parse_date).transpose()?,
            end_code: r.end_code.as_deref().map(parse_enum).transpose()?,
            end_reason: r.end_reason,
            closed_on: r.closed_on.as_deref().map(parse_date).transpose()?,
            history: Vec::new(),
        })
    }
}

/// A hold with its case and participant ([`HOLD_SELECT`]), as stored.
#[derive(FromRow)]
pub(super) struct HoldRow {
    id: String,
    case_id: String,
    kind: String,
    reason: String,
    requested_by_name: String,
    requested_at: String,
    released_by_name: Option<String>,
    released_how: Option<String>,
    first_name: String,
    last_name: String,
    nhs_number: String,
    screened_on: String,
    priors_status: String,
}

impl TryFrom<HoldRow> for CaseHold {
    type Error = StoreError;
    fn try_from(r: HoldRow) -> Result<Self> {
        Ok(CaseHold {
            id: parse_id(&r.id)?,
            case_id: parse_id(&r.case_id)?,
            kind: r.kind,
            reason: r.reason,
            requested_by_name: r.requested_by_name,
            requested_at: parse_ts(&r.requested_at)?,
            released_by_name: r.released_by_name,
            released_how: r.released_how,
            participant_name: format!("{} {}", r.first_name, r.last_name),
            nhs_number: r.nhs_number,
            screened_on: parse_date(&r.screened_on)?,
            priors_status: parse_enum(&r.priors_status)?,
        })
    }
}

/// A provider's reading settings, as stored.
#[derive(FromRow)]
pub(super) struct SettingsRow {
    blinded: i64,
    arbitration_policy: String,
    finalisation_delay_minutes: i64,
    window_days: i64,
    due_soon_days: i64,
    urgent_days: i64,
}

impl TryFrom<SettingsRow> for ReadingSettings {
    type Error = StoreError;
    fn try_from(r: SettingsRow) -> Result<Self> {
        let small = |v: i64| u16::try_from(v).map_err(|e| StoreError::Corrupt(e.to_string()));
        Ok(ReadingSettings {
            blinded: r.blinded != 0,
            arbitration_policy: parse_enum(&r.arbitration_policy)?,
            finalisation_delay_minutes: u32::try_from(r.finalisation_delay_minutes)
                .map_err(|e| StoreError::Corrupt(e.to_string()))?,
            window_days: small(r.window_days)?,
            due_soon_days: small(r.due_soon_days)?,
            urgent_days: small(r.urgent_days)?,
        })
    }
}
