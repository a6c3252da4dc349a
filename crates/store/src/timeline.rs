//! A participant's whole pathway, episode by episode: appointments, image reading,
//! follow-up requests, assessment and every change of the episode (outcome, closure, end code,
//! correction), in time order. Six queries whatever the number of episodes, each on an
//! index by provider and participant.

use crate::sql::{self, parse_date, parse_enum, parse_id, parse_json, parse_ts};
use crate::{Result, Scope, Store, StoreError};
use domain::assessment::AssessmentRecord;
use domain::end_code::EndCode;
use domain::episode::{EpisodeOutcome, EpisodeStage, EpisodeType};
use domain::ids::{AppointmentId, EpisodeId, FollowUpId, ParticipantId};
use serde::Serialize;
use sqlx::FromRow;
use std::collections::BTreeMap;
use time::{Date, OffsetDateTime, PrimitiveDateTime};
use utoipa::ToSchema;

/// What a timeline entry is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TimelineKind {
    /// An appointment (screening, recall or assessment) and what became of it.
    Appointment,
    /// The image reading of an appointment's images.
    Reading,
    /// A follow-up request for the office (a recall, a referral, ...).
    FollowUp,
    /// An assessment recorded: what was done per breast, the outcome, any MDM.
    Assessment,
    /// A change of the episode itself: its outcome, stage, closure or a correction.
    EpisodeChange,
}

/// One entry of the timeline.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TimelineEvent {
    /// When it happened (an appointment: its start time).
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub at: OffsetDateTime,
    pub kind: TimelineKind,
    /// "Screening appointment", "Image reading", "Technical recalls", "Closed: Routine
    /// recall".
    pub title: String,
    /// "Screened · 4 images · Breast Unit, 09:10".
    pub detail: String,
    pub appointment_id: Option<AppointmentId>,
    pub follow_up_id: Option<FollowUpId>,
}

/// One episode with its entries, oldest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TimelineEpisode {
    pub id: EpisodeId,
    pub episode_type: EpisodeType,
    pub stage: EpisodeStage,
    pub outcome: Option<EpisodeOutcome>,
    #[schema(value_type = String, format = Date)]
    pub opened_on: Date,
    #[schema(value_type = Option<String>, format = Date)]
    pub closed_on: Option<Date>,
    pub end_code: Option<EndCode>,
    pub end_reason: String,
    #[schema(value_type = Option<String>, format = Date)]
    pub next_test_due: Option<Date>,
    pub events: Vec<TimelineEvent>,
}

/// A participant's episodes, newest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Timeline {
    pub participant_id: ParticipantId,
    pub episodes: Vec<TimelineEpisode>,
}

/// A nullable stored date (empty text counts as none).
fn opt_date(s: Option<String>) -> Result<Option<Date>> {
    s.filter(|s| !s.is_empty())
        .map(|d| parse_date(&d))
        .transpose()
}

/// An episode, as stored.
#[derive(FromRow)]
struct EpisodeRow {
    id: String,
    episode_type: String,
    stage: String,
    outcome: Option<String>,
    opened_on: String,
    closed_on: Option<String>,
    end_code: Option<String>,
    end_reason: String,
    next_test_due: Option<String>,
}

impl TryFrom<EpisodeRow> for TimelineEpisode {
    type Error = StoreError;
    fn try_from(r: EpisodeRow) -> Result<Self> {
        Ok(TimelineEpisode {
            id: parse_id(&r.id)?,
            episode_type: parse_enum(&r.episode_type)?,
            stage: parse_enum(&r.stage)?,
            outcome: r.outcome.map(|o| parse_enum(&o)).transpose()?,
            opened_on: parse_date(&r.opened_on)?,
            closed_on: opt_date(r.closed_on)?,
            end_code: r.end_code.map(|c| parse_enum(&c)).transpose()?,
            end_reason: r.end_reason,
            next_test_due: opt_date(r.next_test_due)?,
            events: Vec::new(),
        })
    }
}

/// An appointment with its clinic, slot, location and follow-up request, as stored.
#[derive(FromRow)]
struct AppointmentRow {
    id: String,
    episode_id: String,
    status: String,
    images_taken: i64,
    clinic_date: String,
    clinic_type: String,
    starts_at: String,
    location_name: String,
    follow_up_kind: Option<String>,
}

/// A reading case with its counts of reads and arbitrations, as stored.
#[derive(FromRow)]
struct ReadingRow {
    episode_id: String,
    appointment_id: String,
    outcome: Option<String>,
    concluded_at: Option<String>,
    created_at: String,
    reads: i64,
    arbitrated: i64,
}

/// A follow-up request, as stored.
#[derive(FromRow)]
struct FollowUpRow {
    id: String,
    episode_id: String,
    kind: String,
    status: String,
    details: String,
    note: String,
    created_at: String,
    created_by_name: String,
}

/// One recording of an assessment, as stored.
#[derive(FromRow)]
struct AssessmentRow {
    episode_id: String,
    appointment_id: String,
    record: String,
    recorded_by_name: String,
    recorded_at: String,
}

/// One change of an episode, as stored.
#[derive(FromRow)]
struct EpisodeChangeRow {
    episode_id: String,
    stage: String,
    outcome: Option<String>,
    end_code: Option<String>,
    next_test_due: Option<String>,
    reason: String,
    changed_by_name: String,
    changed_at: String,
}

/// An appointment's start as a UTC instant, for ordering ("09:10" on its clinic day).
fn starts(date: Date, hhmm: &str) -> OffsetDateTime {
    let f = time::macros::format_description!("[hour]:[minute]");
    let t = time::Time::parse(hhmm, &f).unwrap_or(time::Time::MIDNIGHT);
    PrimitiveDateTime::new(date, t).assume_utc()
}

impl Store {
    /// The participant's timeline. Scoped: empty for a participant of another provider.
    /// Callers that must answer "not found" check the participant first (the participant
    /// page already loads her, so the check is not repeated here).
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, participant_id = %participant_id))]
    pub async fn timeline(&self, scope: Scope, participant_id: ParticipantId) -> Result<Timeline> {
        let p = sql::id(scope.provider_id);
        let who = sql::id(participant_id);
        let mut episodes: BTreeMap<EpisodeId, TimelineEpisode> = BTreeMap::new();
        for r in sqlx::query_as::<_, EpisodeRow>(
            "SELECT id, episode_type, stage, outcome, opened_on, closed_on, end_code, end_reason, next_test_due \
             FROM episodes WHERE provider_id = $1 AND participant_id = $2",
        )
        .bind(&p)
        .bind(&who)
        .fetch_all(self.pool())
        .await?
        {
            let episode = TimelineEpisode::try_from(r)?;
            episodes.insert(episode.id, episode);
        }
        let mut events = self.appointment_events(&p, &who).await?;
        events.extend(self.reading_events(&p, &who).await?);
        events.extend(self.follow_up_events(&p, &who).await?);
        events.extend(self.assessment_events(&p, &who).await?);
        events.extend(self.episode_change_events(&p, &who).await?);
        for (episode_id, event) in events {
            if let Some(e) = episodes.get_mut(&episode_id) {
                e.events.push(event);
            }
        }
        let mut episodes: Vec<TimelineEpisode> = episodes.into_values().collect();
        for e in &mut episodes {
            e.events.sort_by_key(|ev| ev.at);
        }
        episodes.sort_by(|a, b| b.opened_on.cmp(&a.opened_on).then(b.id.cmp(&a.id)));
        Ok(Timeline {
            participant_id,
            episodes,
        })
    }

    async fn appointment_events(
        &self,
        p: &str,
        who: &str,
    ) -> Result<Vec<(EpisodeId, TimelineEvent)>> {
        let rows = sqlx::query_as::<_, AppointmentRow>(
            "SELECT a.id, a.episode_id, a.status, a.images_taken, c.clinic_date, c.clinic_type, s.starts_at, \
             l.name AS location_name, f.kind AS follow_up_kind \
             FROM appointments a \
             JOIN clinics c ON c.id = a.clinic_id AND c.provider_id = a.provider_id \
             JOIN slots s ON s.id = a.slot_id AND s.provider_id = a.provider_id \
             JOIN locations l ON l.id = c.location_id AND l.provider_id = a.provider_id \
             LEFT JOIN follow_up_requests f ON f.id = a.follow_up_id AND f.provider_id = a.provider_id \
             WHERE a.provider_id = $1 AND a.participant_id = $2",
        )
        .bind(p)
        .bind(who)
        .fetch_all(self.pool())
        .await?;
        rows.into_iter()
            .map(|r| {
                let id = parse_id(&r.id)?;
                let status: domain::AppointmentStatus = parse_enum(&r.status)?;
                let clinic_type: domain::ClinicType = parse_enum(&r.clinic_type)?;
                let follow_up: Option<domain::follow_up::FollowUpKind> =
                    r.follow_up_kind.map(|k| parse_enum(&k)).transpose()?;
                let date = parse_date(&r.clinic_date)?;
                let starts_at = r.starts_at;
                let images = r.images_taken;
                let title = match (clinic_type, follow_up) {
                    (domain::ClinicType::Assessment, _) => "Assessment appointment".to_owned(),
                    (_, Some(kind)) => {
                        let what = kind.singular();
                        let what = what
                            .strip_prefix("a ")
                            .or_else(|| what.strip_prefix("an "))
                            .unwrap_or(what);
                        format!("Appointment for {what}")
                    }
                    _ => "Screening appointment".to_owned(),
                };
                let mut detail = status.label().to_owned();
                if images > 0 {
                    let s = if images == 1 { "" } else { "s" };
                    detail.push_str(&format!(" · {images} image{s}"));
                }
                detail.push_str(&format!(" · {}, {starts_at}", r.location_name));
                Ok((
                    parse_id(&r.episode_id)?,
                    TimelineEvent {
                        at: starts(date, &starts_at),
                        kind: TimelineKind::Appointment,
                        title,
                        detail,
                        appointment_id: Some(id),
                        follow_up_id: None,
                    },
                ))
            })
            .collect()
    }

    async fn reading_events(&self, p: &str, who: &str) -> Result<Vec<(EpisodeId, TimelineEvent)>> {
        let rows = sqlx::query_as::<_, ReadingRow>(
            "SELECT rc.episode_id, rc.appointment_id, rc.screened_on, rc.outcome, rc.concluded_at, rc.created_at, \
             (SELECT COUNT(*) FROM reads r WHERE r.provider_id = rc.provider_id AND r.case_id = rc.id) AS reads, \
             (SELECT COUNT(*) FROM arbitrations x WHERE x.provider_id = rc.provider_id AND x.case_id = rc.id) AS arbitrated \
             FROM reading_cases rc WHERE rc.provider_id = $1 AND rc.participant_id = $2",
        )
        .bind(p)
        .bind(who)
        .fetch_all(self.pool())
        .await?;
        rows.into_iter()
            .map(|r| {
                let reads = r.reads;
                let arbitrated = r.arbitrated > 0;
                let outcome: Option<EpisodeOutcome> =
                    r.outcome.map(|o| parse_enum(&o)).transpose()?;
                let concluded = r.concluded_at.map(|t| parse_ts(&t)).transpose()?;
                let s = if reads == 1 { "" } else { "s" };
                let mut detail = format!("{reads} read{s}");
                if arbitrated {
                    detail.push_str(" · arbitrated");
                }
                detail.push_str(&match outcome {
                    Some(o) => format!(" · result: {}", o.label()),
                    None => " · awaiting result".to_owned(),
                });
                Ok((
                    parse_id(&r.episode_id)?,
                    TimelineEvent {
                        at: match concluded {
                            Some(at) => at,
                            None => parse_ts(&r.created_at)?,
                        },
                        kind: TimelineKind::Reading,
                        title: "Image reading".to_owned(),
                        detail,
                        appointment_id: Some(parse_id(&r.appointment_id)?),
                        follow_up_id: None,
                    },
                ))
            })
            .collect()
    }

    async fn follow_up_events(
        &self,
        p: &str,
        who: &str,
    ) -> Result<Vec<(EpisodeId, TimelineEvent)>> {
        let rows = sqlx::query_as::<_, FollowUpRow>(
            "SELECT id, episode_id, kind, status, details, note, views, created_at, created_by_name \
             FROM follow_up_requests WHERE provider_id = $1 AND participant_id = $2",
        )
        .bind(p)
        .bind(who)
        .fetch_all(self.pool())
        .await?;
        rows.into_iter()
            .map(|r| {
                let kind: domain::follow_up::FollowUpKind = parse_enum(&r.kind)?;
                let status: domain::follow_up::FollowUpState = parse_enum(&r.status)?;
                let mut detail = status.label().to_owned();
                let what = if r.details.is_empty() {
                    r.note
                } else {
                    r.details
                };
                if !what.is_empty() {
                    detail.push_str(&format!(" · {what}"));
                }
                detail.push_str(&format!(" · raised by {}", r.created_by_name));
                Ok((
                    parse_id(&r.episode_id)?,
                    TimelineEvent {
                        at: parse_ts(&r.created_at)?,
                        kind: TimelineKind::FollowUp,
                        title: kind.label().to_owned(),
                        detail,
                        appointment_id: None,
                        follow_up_id: Some(parse_id(&r.id)?),
                    },
                ))
            })
            .collect()
    }

    /// Every recording of an assessment (awaiting pathology, then the pathology outcome, are
    /// two entries), from its append-only history.
    async fn assessment_events(
        &self,
        p: &str,
        who: &str,
    ) -> Result<Vec<(EpisodeId, TimelineEvent)>> {
        let rows = sqlx::query_as::<_, AssessmentRow>(
            "SELECT s.episode_id, s.appointment_id, h.record, h.recorded_by_name, h.recorded_at \
             FROM assessments s JOIN assessment_history h ON h.assessment_id = s.id AND h.provider_id = s.provider_id \
             WHERE s.provider_id = $1 AND s.participant_id = $2",
        )
        .bind(p)
        .bind(who)
        .fetch_all(self.pool())
        .await?;
        rows.into_iter()
            .map(|r| {
                let record: AssessmentRecord = parse_json(&r.record)?;
                let mut detail = record.work_summary();
                if let Some(mdm) = &record.mdm {
                    detail.push_str(&format!(
                        " · MDM {}: {}",
                        domain::medical::format_date(mdm.date),
                        mdm.outcome
                    ));
                }
                detail.push_str(&format!(" · by {}", r.recorded_by_name));
                Ok((
                    parse_id(&r.episode_id)?,
                    TimelineEvent {
                        at: parse_ts(&r.recorded_at)?,
                        kind: TimelineKind::Assessment,
                        title: format!("Assessment: {}", record.outcome.describe()),
                        detail,
                        appointment_id: Some(parse_id(&r.appointment_id)?),
                        follow_up_id: None,
                    },
                ))
            })
            .collect()
    }

    async fn episode_change_events(
        &self,
        p: &str,
        who: &str,
    ) -> Result<Vec<(EpisodeId, TimelineEvent)>> {
        let rows = sqlx::query_as::<_, EpisodeChangeRow>(
            "SELECT h.episode_id, h.stage, h.outcome, h.end_code, h.next_test_due, h.reason, h.changed_by_name, h.changed_at \
             FROM episode_history h JOIN episodes e ON e.id = h.episode_id AND e.provider_id = h.provider_id \
             WHERE e.provider_id = $1 AND e.participant_id = $2",
        )
        .bind(p)
        .bind(who)
        .fetch_all(self.pool())
        .await?;
        rows.into_iter()
            .map(|r| {
                let stage: EpisodeStage = parse_enum(&r.stage)?;
                let outcome: Option<EpisodeOutcome> =
                    r.outcome.map(|o| parse_enum(&o)).transpose()?;
                let end_code: Option<EndCode> = r.end_code.map(|c| parse_enum(&c)).transpose()?;
                let title = match (end_code, outcome) {
                    (Some(code), _) => format!("Episode closed: {}", code.label()),
                    (None, Some(o)) => format!("Outcome: {}", o.label()),
                    (None, None) => format!("Stage: {}", stage.label()),
                };
                let mut detail = r.reason;
                if let Some(due) = opt_date(r.next_test_due)? {
                    detail.push_str(&format!(
                        " · next test due {}",
                        domain::medical::format_date(due)
                    ));
                }
                detail.push_str(&format!(" · by {}", r.changed_by_name));
                Ok((
                    parse_id(&r.episode_id)?,
                    TimelineEvent {
                        at: parse_ts(&r.changed_at)?,
                        kind: TimelineKind::EpisodeChange,
                        title,
                        detail,
                        appointment_id: None,
                        follow_up_id: None,
                    },
                ))
            })
            .collect()
    }
}
