//! Domain events: what happened to an appointment, a screen, a reading case or an episode
//! that another feature reacts to (ADR 18). The store records each one in the same
//! transaction as the change (the transactional outbox); subscribers react to it either in
//! that transaction or after the commit.
//!
//! Each event carries the provider, the ids and the facts a subscriber needs, never whole
//! rows. Its stored form is a stable string kind (`"appointment.ended"`), a version and a
//! JSON payload: kinds are never renamed, and a change to a payload that old readers could
//! not read gets a new version.

use crate::appointment::{AppointmentAction, AppointmentStatus};
use crate::assessment::OutcomeKind;
use crate::ceasing::CeaseReason;
use crate::end_code::EndCode;
use crate::episode::{EpisodeOutcome, EpisodeStage};
use crate::follow_up::FollowUpKind;
use crate::ids::{
    AppointmentId, AssessmentId, CaseId, EpisodeId, FollowUpId, ParticipantId, ProviderId,
};
use crate::imaging::Completeness;
use crate::reading::OpinionKind;
use serde::{Deserialize, Serialize};
use time::Date;

/// An appointment moved from one status to another (every move, including endings).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppointmentStatusChanged {
    pub provider_id: ProviderId,
    pub appointment_id: AppointmentId,
    pub from: AppointmentStatus,
    pub to: AppointmentStatus,
    pub action: AppointmentAction,
}

/// An appointment reached a final status (screened, partially screened, attended not
/// screened, did not attend, cancelled, reschedule requested).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppointmentEnded {
    pub provider_id: ProviderId,
    pub appointment_id: AppointmentId,
    pub episode_id: EpisodeId,
    pub participant_id: ParticipantId,
    /// The final status reached.
    pub status: AppointmentStatus,
    /// The outcome the ending wrote on the episode; none for a screen (its outcome comes
    /// from image reading).
    pub outcome: Option<EpisodeOutcome>,
}

/// A did not attend or a cancellation was undone: the episode is open again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppointmentEndingUndone {
    pub provider_id: ProviderId,
    pub appointment_id: AppointmentId,
    pub episode_id: EpisodeId,
    pub participant_id: ParticipantId,
    pub action: AppointmentAction,
}

/// "Complete screening": a screen or partial screen, with what its images record means
/// for reading.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScreenCompleted {
    pub provider_id: ProviderId,
    pub appointment_id: AppointmentId,
    pub episode_id: EpisodeId,
    pub participant_id: ParticipantId,
    /// Screened or partially screened.
    pub status: AppointmentStatus,
    pub completeness: Completeness,
}

/// A follow-up a concluded reading case asks the office for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NeededFollowUp {
    pub kind: FollowUpKind,
    /// What the office is to act on (the views to retake, the breasts to assess).
    pub details: String,
    /// For a recall, the standard views to take again (empty: the standard set).
    #[serde(default)]
    pub views: Vec<crate::imaging::View>,
}

/// A reading case reached its result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseConcluded {
    pub provider_id: ProviderId,
    pub case_id: CaseId,
    pub appointment_id: AppointmentId,
    pub episode_id: EpisodeId,
    pub participant_id: ParticipantId,
    pub outcome: EpisodeOutcome,
    pub final_opinion: OpinionKind,
    /// The follow-ups the result needs, in the order the rules gave them.
    pub follow_ups: Vec<NeededFollowUp>,
}

/// A follow-up request was raised for the office.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowUpRaised {
    pub provider_id: ProviderId,
    pub follow_up_id: FollowUpId,
    pub participant_id: ParticipantId,
    pub episode_id: EpisodeId,
    pub appointment_id: AppointmentId,
    pub kind: FollowUpKind,
    pub reading_case_id: Option<CaseId>,
}

/// An episode's outcome was written (by an appointment ending or an image reading result).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EpisodeOutcomeSet {
    pub provider_id: ProviderId,
    pub episode_id: EpisodeId,
    pub participant_id: ParticipantId,
    pub outcome: EpisodeOutcome,
    pub stage: EpisodeStage,
    pub next_test_due: Option<Date>,
    /// Why, as kept in the episode's history.
    pub reason: String,
}

/// An episode closed with its end code, or a closed episode's end code was corrected
/// (`correction`: the new end code supersedes the one closed with; results and reports
/// take the latest).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EpisodeClosed {
    pub provider_id: ProviderId,
    pub episode_id: EpisodeId,
    pub participant_id: ParticipantId,
    pub end_code: EndCode,
    /// The outcome the episode closed on (reading's, an ending's or assessment's), if any.
    pub outcome: Option<EpisodeOutcome>,
    pub closed_on: Date,
    pub next_test_due: Option<Date>,
    /// Why, as kept in the episode's history.
    pub reason: String,
    pub correction: bool,
}

/// An assessment's outcome was recorded for an appointment in an assessment clinic: a final
/// outcome (the episode closed with `end_code` in the same transaction, with its own
/// `EpisodeClosed`), or "Awaiting pathology" (no end code: the episode stays at assessment).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssessmentOutcomeRecorded {
    pub provider_id: ProviderId,
    pub assessment_id: AssessmentId,
    pub appointment_id: AppointmentId,
    pub episode_id: EpisodeId,
    pub participant_id: ParticipantId,
    pub outcome: OutcomeKind,
    pub end_code: Option<EndCode>,
}

/// A participant was ceased from screening: no invitations until she is reinstated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParticipantCeased {
    pub provider_id: ProviderId,
    pub participant_id: ParticipantId,
    pub reason: CeaseReason,
    pub ceased_on: Date,
    /// The open episode the ceasing closed ("Ceased from routine screening"), if any.
    pub closed_episode_id: Option<EpisodeId>,
}

/// A ceased, deferred or under-treatment participant was reinstated: she is invited again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParticipantReinstated {
    pub provider_id: ProviderId,
    pub participant_id: ParticipantId,
    /// Why, as kept in her status history (for example "Opt back in").
    pub reason: String,
    pub reinstated_on: Date,
}

/// Every domain event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DomainEvent {
    AppointmentStatusChanged(AppointmentStatusChanged),
    AppointmentEnded(AppointmentEnded),
    AppointmentEndingUndone(AppointmentEndingUndone),
    ScreenCompleted(ScreenCompleted),
    CaseConcluded(CaseConcluded),
    FollowUpRaised(FollowUpRaised),
    EpisodeOutcomeSet(EpisodeOutcomeSet),
    EpisodeClosed(EpisodeClosed),
    AssessmentOutcomeRecorded(AssessmentOutcomeRecorded),
    ParticipantCeased(ParticipantCeased),
    ParticipantReinstated(ParticipantReinstated),
}

/// The stored kinds, one per variant. Never renamed: stored events and subscriber tables
/// name them.
pub mod kind {
    pub const APPOINTMENT_STATUS_CHANGED: &str = "appointment.status_changed";
    pub const APPOINTMENT_ENDED: &str = "appointment.ended";
    pub const APPOINTMENT_ENDING_UNDONE: &str = "appointment.ending_undone";
    pub const SCREEN_COMPLETED: &str = "screen.completed";
    pub const CASE_CONCLUDED: &str = "reading.case_concluded";
    pub const FOLLOW_UP_RAISED: &str = "follow_up.raised";
    pub const EPISODE_OUTCOME_SET: &str = "episode.outcome_set";
    pub const EPISODE_CLOSED: &str = "episode.closed";
    pub const ASSESSMENT_OUTCOME_RECORDED: &str = "assessment.outcome_recorded";
    pub const PARTICIPANT_CEASED: &str = "participant.ceased";
    pub const PARTICIPANT_REINSTATED: &str = "participant.reinstated";

    /// Every kind.
    pub const ALL: &[&str] = &[
        APPOINTMENT_STATUS_CHANGED,
        APPOINTMENT_ENDED,
        APPOINTMENT_ENDING_UNDONE,
        SCREEN_COMPLETED,
        CASE_CONCLUDED,
        FOLLOW_UP_RAISED,
        EPISODE_OUTCOME_SET,
        EPISODE_CLOSED,
        ASSESSMENT_OUTCOME_RECORDED,
        PARTICIPANT_CEASED,
        PARTICIPANT_REINSTATED,
    ];
}

/// A stored event that cannot be read back as a [`DomainEvent`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("unknown event kind {0:?}")]
    UnknownKind(String),
    #[error("event {kind} version {version} is newer than this service reads")]
    UnknownVersion { kind: String, version: u32 },
    #[error("event {kind}: {message}")]
    Payload { kind: String, message: String },
}

impl DomainEvent {
    /// The current payload version of every kind.
    pub const VERSION: u32 = 1;

    /// The stable stored kind.
    pub const fn kind(&self) -> &'static str {
        match self {
            DomainEvent::AppointmentStatusChanged(_) => kind::APPOINTMENT_STATUS_CHANGED,
            DomainEvent::AppointmentEnded(_) => kind::APPOINTMENT_ENDED,
            DomainEvent::AppointmentEndingUndone(_) => kind::APPOINTMENT_ENDING_UNDONE,
            DomainEvent::ScreenCompleted(_) => kind::SCREEN_COMPLETED,
            DomainEvent::CaseConcluded(_) => kind::CASE_CONCLUDED,
            DomainEvent::FollowUpRaised(_) => kind::FOLLOW_UP_RAISED,
            DomainEvent::EpisodeOutcomeSet(_) => kind::EPISODE_OUTCOME_SET,
            DomainEvent::EpisodeClosed(_) => kind::EPISODE_CLOSED,
            DomainEvent::AssessmentOutcomeRecorded(_) => kind::ASSESSMENT_OUTCOME_RECORDED,
            DomainEvent::ParticipantCeased(_) => kind::PARTICIPANT_CEASED,
            DomainEvent::ParticipantReinstated(_) => kind::PARTICIPANT_REINSTATED,
        }
    }

    /// The payload version this service writes.
    pub const fn version(&self) -> u32 {
        Self::VERSION
    }

    /// The provider whose records the event is about.
    pub const fn provider_id(&self) -> ProviderId {
        match self {
            DomainEvent::AppointmentStatusChanged(e) => e.provider_id,
            DomainEvent::AppointmentEnded(e) => e.provider_id,
            DomainEvent::AppointmentEndingUndone(e) => e.provider_id,
            DomainEvent::ScreenCompleted(e) => e.provider_id,
            DomainEvent::CaseConcluded(e) => e.provider_id,
            DomainEvent::FollowUpRaised(e) => e.provider_id,
            DomainEvent::EpisodeOutcomeSet(e) => e.provider_id,
            DomainEvent::EpisodeClosed(e) => e.provider_id,
            DomainEvent::AssessmentOutcomeRecorded(e) => e.provider_id,
            DomainEvent::ParticipantCeased(e) => e.provider_id,
            DomainEvent::ParticipantReinstated(e) => e.provider_id,
        }
    }

    /// The payload as stored: JSON text of the variant's fields.
    pub fn payload(&self) -> String {
        let value = match self {
            DomainEvent::AppointmentStatusChanged(e) => serde_json::to_string(e),
            DomainEvent::AppointmentEnded(e) => serde_json::to_string(e),
            DomainEvent::AppointmentEndingUndone(e) => serde_json::to_string(e),
            DomainEvent::ScreenCompleted(e) => serde_json::to_string(e),
            DomainEvent::CaseConcluded(e) => serde_json::to_string(e),
            DomainEvent::FollowUpRaised(e) => serde_json::to_string(e),
            DomainEvent::EpisodeOutcomeSet(e) => serde_json::to_string(e),
            DomainEvent::EpisodeClosed(e) => serde_json::to_string(e),
            DomainEvent::AssessmentOutcomeRecorded(e) => serde_json::to_string(e),
            DomainEvent::ParticipantCeased(e) => serde_json::to_string(e),
            DomainEvent::ParticipantReinstated(e) => serde_json::to_string(e),
        };
        // Plain structs of strings, ids, dates and labelled enums always serialise.
        value.unwrap_or_else(|_| "{}".to_owned())
    }

    /// Reads a stored event back from its kind, version and payload.
    pub fn decode(kind: &str, version: u32, payload: &str) -> Result<Self, DecodeError> {
        fn parse<T: serde::de::DeserializeOwned>(
            kind: &str,
            payload: &str,
        ) -> Result<T, DecodeError> {
            serde_json::from_str(payload).map_err(|e| DecodeError::Payload {
                kind: kind.to_owned(),
                message: e.to_string(),
            })
        }
        if !kind::ALL.contains(&kind) {
            return Err(DecodeError::UnknownKind(kind.to_owned()));
        }
        if version == 0 || version > Self::VERSION {
            return Err(DecodeError::UnknownVersion {
                kind: kind.to_owned(),
                version,
            });
        }
        Ok(match kind {
            kind::APPOINTMENT_STATUS_CHANGED => {
                DomainEvent::AppointmentStatusChanged(parse(kind, payload)?)
            }
            kind::APPOINTMENT_ENDED => DomainEvent::AppointmentEnded(parse(kind, payload)?),
            kind::APPOINTMENT_ENDING_UNDONE => {
                DomainEvent::AppointmentEndingUndone(parse(kind, payload)?)
            }
            kind::SCREEN_COMPLETED => DomainEvent::ScreenCompleted(parse(kind, payload)?),
            kind::CASE_CONCLUDED => DomainEvent::CaseConcluded(parse(kind, payload)?),
            kind::FOLLOW_UP_RAISED => DomainEvent::FollowUpRaised(parse(kind, payload)?),
            kind::EPISODE_OUTCOME_SET => DomainEvent::EpisodeOutcomeSet(parse(kind, payload)?),
            kind::EPISODE_CLOSED => DomainEvent::EpisodeClosed(parse(kind, payload)?),
            kind::ASSESSMENT_OUTCOME_RECORDED => {
                DomainEvent::AssessmentOutcomeRecorded(parse(kind, payload)?)
            }
            kind::PARTICIPANT_CEASED => DomainEvent::ParticipantCeased(parse(kind, payload)?),
            kind::PARTICIPANT_REINSTATED => {
                DomainEvent::ParticipantReinstated(parse(kind, payload)?)
            }
            other => return Err(DecodeError::UnknownKind(other.to_owned())),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn id<T: From<Uuid>>(n: u128) -> T {
        Uuid::from_u128(n).into()
    }

    fn examples() -> Vec<DomainEvent> {
        vec![
            DomainEvent::AppointmentStatusChanged(AppointmentStatusChanged {
                provider_id: id(1),
                appointment_id: id(2),
                from: AppointmentStatus::Scheduled,
                to: AppointmentStatus::CheckedIn,
                action: AppointmentAction::CheckIn,
            }),
            DomainEvent::AppointmentEnded(AppointmentEnded {
                provider_id: id(1),
                appointment_id: id(2),
                episode_id: id(3),
                participant_id: id(4),
                status: AppointmentStatus::Screened,
                outcome: None,
            }),
            DomainEvent::AppointmentEnded(AppointmentEnded {
                provider_id: id(1),
                appointment_id: id(2),
                episode_id: id(3),
                participant_id: id(4),
                status: AppointmentStatus::DidNotAttend,
                outcome: Some(EpisodeOutcome::DidNotAttend),
            }),
            DomainEvent::AppointmentEndingUndone(AppointmentEndingUndone {
                provider_id: id(1),
                appointment_id: id(2),
                episode_id: id(3),
                participant_id: id(4),
                action: AppointmentAction::UndoCancel,
            }),
            DomainEvent::ScreenCompleted(ScreenCompleted {
                provider_id: id(1),
                appointment_id: id(2),
                episode_id: id(3),
                participant_id: id(4),
                status: AppointmentStatus::PartiallyScreened,
                completeness: Completeness::ToBeRecalled,
            }),
            DomainEvent::CaseConcluded(CaseConcluded {
                provider_id: id(1),
                case_id: id(5),
                appointment_id: id(2),
                episode_id: id(3),
                participant_id: id(4),
                outcome: EpisodeOutcome::TechnicalRecall,
                final_opinion: OpinionKind::TechnicalRecall,
                follow_ups: vec![NeededFollowUp {
                    kind: FollowUpKind::TechnicalRecall,
                    details: "RMLO: Breast positioning".to_owned(),
                    views: vec![crate::imaging::View::Rmlo],
                }],
            }),
            DomainEvent::FollowUpRaised(FollowUpRaised {
                provider_id: id(1),
                follow_up_id: id(6),
                participant_id: id(4),
                episode_id: id(3),
                appointment_id: id(2),
                kind: FollowUpKind::MoreImages,
                reading_case_id: None,
            }),
            DomainEvent::EpisodeOutcomeSet(EpisodeOutcomeSet {
                provider_id: id(1),
                episode_id: id(3),
                participant_id: id(4),
                outcome: EpisodeOutcome::RoutineRecall,
                stage: EpisodeStage::Closed,
                next_test_due: Some(time::macros::date!(2029 - 11 - 25)),
                reason: "Image reading result: Normal".to_owned(),
            }),
            DomainEvent::EpisodeClosed(EpisodeClosed {
                provider_id: id(1),
                episode_id: id(3),
                participant_id: id(4),
                end_code: EndCode::RoutineRecall,
                outcome: Some(EpisodeOutcome::RoutineRecall),
                closed_on: time::macros::date!(2026 - 11 - 25),
                next_test_due: Some(time::macros::date!(2029 - 11 - 25)),
                reason: "Image reading result: Normal".to_owned(),
                correction: false,
            }),
            DomainEvent::AssessmentOutcomeRecorded(AssessmentOutcomeRecorded {
                provider_id: id(1),
                assessment_id: id(7),
                appointment_id: id(2),
                episode_id: id(3),
                participant_id: id(4),
                outcome: OutcomeKind::CancerDiagnosed,
                end_code: Some(EndCode::ReferredForTreatment),
            }),
            DomainEvent::ParticipantCeased(ParticipantCeased {
                provider_id: id(1),
                participant_id: id(4),
                reason: CeaseReason::BilateralMastectomy,
                ceased_on: time::macros::date!(2026 - 03 - 03),
                closed_episode_id: Some(id(3)),
            }),
            DomainEvent::ParticipantReinstated(ParticipantReinstated {
                provider_id: id(1),
                participant_id: id(4),
                reason: "Opt back in".to_owned(),
                reinstated_on: time::macros::date!(2026 - 04 - 01),
            }),
        ]
    }

    #[test]
    fn every_event_round_trips_through_its_kind_and_payload() {
        for event in examples() {
            let back = DomainEvent::decode(event.kind(), event.version(), &event.payload());
            assert_eq!(back.as_ref(), Ok(&event), "{}", event.kind());
            assert_eq!(event.provider_id(), id::<ProviderId>(1));
        }
    }

    #[test]
    fn kinds_are_stable_and_distinct() {
        let table: &[(&str, usize)] = &[
            ("appointment.status_changed", 0),
            ("appointment.ended", 1),
            ("appointment.ending_undone", 3),
            ("screen.completed", 4),
            ("reading.case_concluded", 5),
            ("follow_up.raised", 6),
            ("episode.outcome_set", 7),
            ("episode.closed", 8),
            ("assessment.outcome_recorded", 9),
            ("participant.ceased", 10),
            ("participant.reinstated", 11),
        ];
        let events = examples();
        for &(kind, index) in table {
            assert_eq!(events[index].kind(), kind);
        }
        let mut all = kind::ALL.to_vec();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), kind::ALL.len());
        assert_eq!(kind::ALL.len(), table.len());
    }

    #[test]
    fn payloads_spell_values_as_stored() {
        let table: &[(usize, &str)] = &[
            (0, r#""to":"checked_in""#),
            (1, r#""outcome":null"#),
            (2, r#""status":"did_not_attend""#),
            (4, r#""completeness":"to_be_recalled""#),
            (5, r#""kind":"technical_recall""#),
            (7, r#""next_test_due":"2029-11-25""#),
            (9, r#""outcome":"cancer_diagnosed""#),
            (10, r#""reason":"bilateral_mastectomy""#),
        ];
        let events = examples();
        for &(index, fragment) in table {
            let payload = events[index].payload();
            assert!(payload.contains(fragment), "{payload} lacks {fragment}");
        }
    }

    #[test]
    fn unreadable_events_are_refused_with_the_reason() {
        let table: &[(&str, u32, &str, &str)] = &[
            ("appointment.teleported", 1, "{}", "unknown event kind"),
            (
                "appointment.ended",
                2,
                "{}",
                "newer than this service reads",
            ),
            (
                "appointment.ended",
                0,
                "{}",
                "newer than this service reads",
            ),
            ("appointment.ended", 1, "{}", "missing field"),
            ("screen.completed", 1, "not json", "expected"),
            (
                "appointment.status_changed",
                1,
                r#"{"provider_id":"00000000-0000-0000-0000-000000000001","appointment_id":"00000000-0000-0000-0000-000000000002","from":"scheduled","to":"flying","action":"check_in"}"#,
                "flying",
            ),
        ];
        for &(kind, version, payload, message) in table {
            let err = DomainEvent::decode(kind, version, payload).expect_err(kind);
            assert!(err.to_string().contains(message), "{kind}: {err}");
        }
    }
}
