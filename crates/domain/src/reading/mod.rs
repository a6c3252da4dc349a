//! Image reading: the opinions readers give, when two reads disagree, arbitration, the
//! states a case moves through, the result the reads make and the reading window. The rules
//! live here once, for the store, the web pages and the API to call.
//!
//! Sources: reference §3 (episodes and outcomes) and §8 (image reading), seed 2026-01
//! (partial mammograms), and the design history on image reading (2025-04, 2025-05,
//! 2026-02, 2026-03, 2026-05, 2026-06).
//!
//! Every screen is read twice by two different readers ("1st read", "2nd read"), blind by
//! default. Each reader answers "What is your opinion of these images?" with an
//! [`Opinion`], checked by [`Opinion::validate`]. When the two reads disagree
//! ([`discordant`]), or the provider's [`ArbitrationPolicy`] says so
//! ([`needs_arbitration`]), a third reader or a panel arbitrates ([`Arbitration`]).
//! [`next_state`] says where a case is ([`ReadingState`]); [`outcome`] turns the final
//! opinion into the episode's result ([`ReadingOutcome`]); [`due_status`] tags cases as the
//! reading window runs out.
//!
//! Decisions made here, where the sources leave room:
//!
//! - "Normal, but add details" is a normal opinion: it is never discordant with "Normal"
//!   and gives the same result.
//! - Two technical recalls are discordant only when they name different *sets* of views;
//!   the reasons and details given for a view do not matter.
//! - Two recalls for assessment are discordant when either breast's category differs
//!   ("Normal" / "Normal, symptoms need clinical assessment" / "Abnormal, recall for
//!   assessment"). Annotations (locations, abnormality types, levels of concern) do not:
//!   two readers rarely mark the same point, and both send the participant to assessment.
//! - "Both breasts cannot be normal" means both "Normal": "Normal, symptoms need clinical
//!   assessment" is a reason to recall (the NBSS 'clinical' recall), so it may stand on
//!   either or both breasts.
//! - "An abnormal breast needs level >= 3" is read as: at least one of its annotations has a
//!   level of concern of 3 or above. Other annotations on the same breast may be 1 or 2
//!   (for example a benign lymph node noted beside a suspicious mass).
//! - Policy "All recalls" arbitrates every read that recalls for assessment (the 2025-04
//!   post: "Some units will take these to arbitration first"); "All non-normal" also
//!   arbitrates technical recalls. Discordant reads are arbitrated under every policy.
//! - Each read is finalised on its own: after the provider's delay, at once when the delay
//!   is zero, or early when the reader chooses to (the 2026-05 post). Until then its reader
//!   may change it; afterwards it is immutable. A case is offered for a 2nd read only once
//!   its 1st read is finalised ("Once finalised, the case can be read by a second reader").
//! - Blind reading hides the 1st opinion from everyone but its reader until the 2nd read is
//!   in and final, so the second reader sees it only once their own read can no longer
//!   change (the 2026-03 post's "late" post-opinion screen, and issue 9): with a
//!   finalisation delay they may finalise early to see it. A read given blind can never be
//!   changed after its reader has seen the other opinion, so discordance and arbitration
//!   are always decided on the two blind reads as given.
//! - A technical recall, or a mammographer's request for more images, leaves the episode
//!   open at stage "Mammograms" (more images are to be taken; booking the appointment moves
//!   it to "Scheduled"). See [`outcome`] for the full table.
//!
//! The rules are split into [`opinions`], [`arbitration`] (discordance, the arbitration
//! policy and the arbitrator's decision), [`cases`] (reads, finalisation, case state and who
//! may read), [`outcome`], [`window`] (the reading window and who holds a case),
//! [`sessions`] (sessions, holds and priors) and [`performance`]. Every public item is
//! re-exported here, so callers name it `reading::X`.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use time::{Date, Duration, OffsetDateTime};

use crate::episode::{EpisodeOutcome, EpisodeStage, EpisodeType};
use crate::imaging::{Breast, Completeness, View};
use crate::validation::{Errors, is_blank};

pub use crate::validation::FieldError;

mod arbitration;
mod cases;
mod opinions;
mod outcome;
mod performance;
mod sessions;
mod window;

pub use arbitration::*;
pub use cases::*;
pub use opinions::*;
pub use outcome::*;
pub use performance::*;
pub use sessions::*;
pub use window::*;

// ---------------------------------------------------------------------------------------
// Labels
// ---------------------------------------------------------------------------------------

/// The question on the opinion page.
pub const OPINION_QUESTION: &str = "What is your opinion of these images?";
/// The button that records an opinion after its details.
pub const CONFIRM_OPINION: &str = "Confirm your opinion";
/// The question on the technical recall page.
pub const TECHNICAL_RECALL_QUESTION: &str = "Which views need to be retaken?";
/// The question asked for each view to be retaken.
pub const RECALL_REASON_QUESTION: &str = "Reason for recall";
/// The checkbox a reader ticks to give a normal opinion of a participant with significant
/// symptoms.
pub const SYMPTOMS_ACKNOWLEDGEMENT: &str =
    "I have considered the symptoms the participant reported";
/// The error when a normal opinion of a participant with significant symptoms does not
/// acknowledge them.
pub const SYMPTOMS_NOT_ACKNOWLEDGED: &str =
    "Confirm that you have considered the symptoms the participant reported";

// ---------------------------------------------------------------------------------------
// Readers
// ---------------------------------------------------------------------------------------

/// An opaque reader (user) id. The store keeps a UUID; `Uuid::as_u128` and
/// `Uuid::from_u128` convert both ways without this crate depending on `uuid`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ReaderId(pub u128);

/// What the reading rules need to know about the case being read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadingContext {
    /// The participant reported significant symptoms (the warning shown to readers).
    pub has_significant_symptoms: bool,
}

pub use crate::medical::add_months;

/// Fixtures shared by the tests of the submodules, and the tests of the labels above.
#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    pub(super) const A: ReaderId = ReaderId(1);
    pub(super) const B: ReaderId = ReaderId(2);
    pub(super) const C: ReaderId = ReaderId(3);
    pub(super) const T0: OffsetDateTime = datetime!(2026-03-02 09:00 UTC);

    pub(super) fn details() -> Opinion {
        Opinion::NormalWithDetails {
            details: "Benign calcification noted".into(),
            symptoms_acknowledged: false,
        }
    }

    pub(super) fn recall(reason: TechnicalRecallReason, details: &str, views: &[View]) -> Opinion {
        Opinion::TechnicalRecall {
            views: views
                .iter()
                .map(|&view| RecalledView {
                    view,
                    reason,
                    details: details.into(),
                })
                .collect(),
        }
    }

    pub(super) fn tr(views: &[View]) -> Opinion {
        recall(TechnicalRecallReason::ImageBlurred, "", views)
    }

    pub(super) fn note(concern: LevelOfConcern) -> Annotation {
        Annotation {
            location: Location::Text { text: "UOQ".into() },
            abnormality: AbnormalityType::IllDefinedMass,
            abnormality_description: String::new(),
            concern,
            comment: String::new(),
        }
    }

    pub(super) fn abnormal(notes: Vec<Annotation>) -> BreastAssessment {
        BreastAssessment::Abnormal { annotations: notes }
    }

    pub(super) fn ra(right: BreastAssessment, left: BreastAssessment) -> Opinion {
        Opinion::RecallForAssessment { right, left }
    }

    pub(super) fn ra_right() -> Opinion {
        ra(
            abnormal(vec![note(LevelOfConcern::Suspicious)]),
            BreastAssessment::Normal,
        )
    }

    pub(super) fn read(reader: ReaderId, opinion: Opinion, at: OffsetDateTime) -> Read {
        Read {
            reader_id: reader,
            opinion,
            at,
            finalised_early: false,
            given_blind: true,
        }
    }

    pub(super) fn case(first: Option<Read>, second: Option<Read>) -> CaseReads {
        CaseReads {
            first,
            second,
            arbitration: None,
        }
    }

    pub(super) fn rules(delay_minutes: i64) -> ReadingRules {
        ReadingRules {
            finalisation: FinalisationPolicy {
                delay: Duration::minutes(delay_minutes),
            },
            ..ReadingRules::default()
        }
    }

    pub(super) fn fields(result: Result<(), Vec<FieldError>>) -> Vec<String> {
        result
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.field.into_owned())
            .collect()
    }

    #[test]
    fn labels_match_the_reference() {
        assert_eq!(OPINION_QUESTION, "What is your opinion of these images?");
        assert_eq!(CONFIRM_OPINION, "Confirm your opinion");
        assert_eq!(TechnicalRecallReason::Other.label(), "Other reason");
        assert_eq!(
            AssessmentCategory::NormalSymptomsNeedAssessment.label(),
            "Normal, symptoms need clinical assessment"
        );
        assert_eq!(
            LevelOfConcern::HighlySuspicious.label(),
            "5 - Highly suspicious"
        );
        assert_eq!(LevelOfConcern::Normal.label(), "1 - Normal");
        assert_eq!(ReadingState::AwaitingFirstRead.label(), "Awaiting 1st read");
        assert_eq!(DueStatus::DueSoon.label(), "Due soon");
        for (i, level) in LevelOfConcern::ALL.iter().enumerate() {
            assert_eq!(usize::from(level.level()), 5 - i);
            assert_eq!(level.as_str().parse::<LevelOfConcern>(), Ok(*level));
        }
        for kind in OpinionKind::ALL {
            assert_eq!(kind.as_str().parse::<OpinionKind>(), Ok(*kind));
        }
        assert_eq!(
            ArbitrationPolicy::default(),
            ArbitrationPolicy::DiscordantOnly
        );
    }
}
