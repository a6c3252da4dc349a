//! The outcome of a case.

use super::*;

/// Something still to happen after the result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "follow_up", rename_all = "snake_case")]
pub enum FollowUpNeeded {
    /// Invite back to retake these views (the reader's technical recall).
    TechnicalRecall {
        /// The views to retake.
        views: Vec<View>,
    },
    /// Invite back for the images the mammographer could not take ('to be recalled').
    MoreImages,
    /// Refer to the assessment clinic for these breasts.
    AssessmentReferral {
        /// The breasts to assess, right first.
        breasts: Vec<Breast>,
    },
}

/// What a concluded case means for the episode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadingOutcome {
    /// The episode's outcome.
    pub episode_outcome: EpisodeOutcome,
    /// When the next routine screening is due, for a result that closes the episode.
    pub next_test_due: Option<Date>,
    /// What is still to happen, in order; empty when nothing is.
    pub follow_up: Vec<FollowUpNeeded>,
    /// The episode's stage after the result.
    pub stage: EpisodeStage,
}

/// The result of `final_opinion` on an episode of `episode_type` whose images were
/// `completeness`, screened on `screening_date`.
///
/// | opinion | completeness | outcome | next test due | follow up | stage |
/// |---|---|---|---|---|---|
/// | normal (with or without details) | complete | Routine recall | + interval | — | Closed |
/// | normal | partial mammography | Partial mammography | + interval | — | Closed |
/// | normal | to be recalled | Recalled for more images | — | more images | Mammograms |
/// | technical recall | any | Technical recall | — | the views (+ more images if to be recalled) | Mammograms |
/// | recall for assessment | any | Recall for assessment | — | the breasts (+ more images if to be recalled) | At assessment |
/// | any | no images | Attended not screened | — | — | Closed |
///
/// The interval is [`EpisodeType::recall_interval_months`] (36 months, 12 for very high
/// risk), added with [`add_months`]. A partial mammography's result is given on the images
/// that could be taken (seed 2026-01), so a normal one returns the participant to routine
/// recall, recorded as partial mammography so the message can say so. A mammographer's
/// recall request keeps the episode open until the extra images are taken, though the
/// images already taken are read (and can still lead to technical recall or assessment; the
/// request is kept as a follow-up so it is not lost). A case with no images is never read;
/// the last row only keeps this function total.
pub fn outcome(
    final_opinion: &Opinion,
    episode_type: EpisodeType,
    completeness: Completeness,
    screening_date: Date,
) -> ReadingOutcome {
    let more_images = completeness == Completeness::ToBeRecalled;
    let with_more_images = |mut follow_up: Vec<FollowUpNeeded>| {
        if more_images {
            follow_up.push(FollowUpNeeded::MoreImages);
        }
        follow_up
    };
    if completeness == Completeness::NoImages {
        return ReadingOutcome {
            episode_outcome: EpisodeOutcome::AttendedNotScreened,
            next_test_due: None,
            follow_up: Vec::new(),
            stage: EpisodeStage::Closed,
        };
    }
    match final_opinion {
        Opinion::Normal { .. } | Opinion::NormalWithDetails { .. } if more_images => {
            ReadingOutcome {
                episode_outcome: EpisodeOutcome::RecallForMoreImages,
                next_test_due: None,
                follow_up: with_more_images(Vec::new()),
                stage: EpisodeStage::Mammograms,
            }
        }
        Opinion::Normal { .. } | Opinion::NormalWithDetails { .. } => ReadingOutcome {
            episode_outcome: if completeness == Completeness::PartialMammography {
                EpisodeOutcome::PartialMammography
            } else {
                EpisodeOutcome::RoutineRecall
            },
            next_test_due: Some(add_months(
                screening_date,
                u32::from(episode_type.recall_interval_months()),
            )),
            follow_up: Vec::new(),
            stage: EpisodeStage::Closed,
        },
        Opinion::TechnicalRecall { .. } => ReadingOutcome {
            episode_outcome: EpisodeOutcome::TechnicalRecall,
            next_test_due: None,
            follow_up: with_more_images(vec![FollowUpNeeded::TechnicalRecall {
                views: final_opinion.recalled_views().into_iter().collect(),
            }]),
            stage: EpisodeStage::Mammograms,
        },
        Opinion::RecallForAssessment { right, left } => {
            let breasts = [(Breast::Right, right), (Breast::Left, left)]
                .into_iter()
                .filter(|(_, a)| a.needs_assessment())
                .map(|(b, _)| b)
                .collect();
            ReadingOutcome {
                episode_outcome: EpisodeOutcome::RecallForAssessment,
                next_test_due: None,
                follow_up: with_more_images(vec![FollowUpNeeded::AssessmentReferral { breasts }]),
                stage: EpisodeStage::AtAssessment,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reading::tests::*;
    use time::macros::date;

    #[test]
    #[allow(clippy::type_complexity)]
    fn outcome_table() {
        use Completeness::*;
        use EpisodeOutcome as O;
        use EpisodeStage as S;
        use EpisodeType::*;
        use FollowUpNeeded as F;
        let screened = date!(2026 - 03 - 02);
        let both = ra(
            BreastAssessment::NormalSymptomsNeedAssessment,
            abnormal(vec![note(LevelOfConcern::Suspicious)]),
        );
        let views = || F::TechnicalRecall {
            views: vec![View::Rcc, View::Lmlo],
        };
        let table: Vec<(
            Opinion,
            EpisodeType,
            Completeness,
            O,
            Option<Date>,
            Vec<F>,
            S,
        )> = vec![
            (
                Opinion::normal(),
                Routine,
                Complete,
                O::RoutineRecall,
                Some(date!(2029 - 03 - 02)),
                vec![],
                S::Closed,
            ),
            (
                details(),
                SelfReferral,
                Complete,
                O::RoutineRecall,
                Some(date!(2029 - 03 - 02)),
                vec![],
                S::Closed,
            ),
            (
                Opinion::normal(),
                VeryHighRisk,
                Complete,
                O::RoutineRecall,
                Some(date!(2027 - 03 - 02)),
                vec![],
                S::Closed,
            ),
            (
                Opinion::normal(),
                Routine,
                PartialMammography,
                O::PartialMammography,
                Some(date!(2029 - 03 - 02)),
                vec![],
                S::Closed,
            ),
            (
                details(),
                VeryHighRisk,
                PartialMammography,
                O::PartialMammography,
                Some(date!(2027 - 03 - 02)),
                vec![],
                S::Closed,
            ),
            (
                Opinion::normal(),
                Routine,
                ToBeRecalled,
                O::RecallForMoreImages,
                None,
                vec![F::MoreImages],
                S::Mammograms,
            ),
            (
                tr(&[View::Lmlo, View::Rcc]),
                Routine,
                Complete,
                O::TechnicalRecall,
                None,
                vec![views()],
                S::Mammograms,
            ),
            (
                tr(&[View::Lmlo, View::Rcc]),
                VeryHighRisk,
                PartialMammography,
                O::TechnicalRecall,
                None,
                vec![views()],
                S::Mammograms,
            ),
            (
                tr(&[View::Rcc, View::Lmlo]),
                Routine,
                ToBeRecalled,
                O::TechnicalRecall,
                None,
                vec![views(), F::MoreImages],
                S::Mammograms,
            ),
            (
                ra_right(),
                Routine,
                Complete,
                O::RecallForAssessment,
                None,
                vec![F::AssessmentReferral {
                    breasts: vec![Breast::Right],
                }],
                S::AtAssessment,
            ),
            (
                both.clone(),
                VeryHighRisk,
                PartialMammography,
                O::RecallForAssessment,
                None,
                vec![F::AssessmentReferral {
                    breasts: vec![Breast::Right, Breast::Left],
                }],
                S::AtAssessment,
            ),
            (
                both,
                SelfReferral,
                ToBeRecalled,
                O::RecallForAssessment,
                None,
                vec![
                    F::AssessmentReferral {
                        breasts: vec![Breast::Right, Breast::Left],
                    },
                    F::MoreImages,
                ],
                S::AtAssessment,
            ),
            (
                Opinion::normal(),
                Routine,
                NoImages,
                O::AttendedNotScreened,
                None,
                vec![],
                S::Closed,
            ),
        ];
        for (
            opinion,
            episode_type,
            completeness,
            episode_outcome,
            next_test_due,
            follow_up,
            stage,
        ) in table
        {
            assert_eq!(
                outcome(&opinion, episode_type, completeness, screened),
                ReadingOutcome {
                    episode_outcome,
                    next_test_due,
                    follow_up,
                    stage
                },
                "{:?} {episode_type:?} {completeness:?}",
                opinion.kind()
            );
        }
    }

    #[test]
    fn next_test_due_dates() {
        let table = [
            (
                date!(2024 - 02 - 29),
                EpisodeType::Routine,
                date!(2027 - 02 - 28),
            ),
            (
                date!(2024 - 02 - 29),
                EpisodeType::VeryHighRisk,
                date!(2025 - 02 - 28),
            ),
            (
                date!(2025 - 02 - 28),
                EpisodeType::Routine,
                date!(2028 - 02 - 28),
            ),
            (
                date!(2026 - 01 - 31),
                EpisodeType::Routine,
                date!(2029 - 01 - 31),
            ),
            (
                date!(2026 - 12 - 31),
                EpisodeType::VeryHighRisk,
                date!(2027 - 12 - 31),
            ),
        ];
        for (screened, episode_type, due) in table {
            let result = outcome(
                &Opinion::normal(),
                episode_type,
                Completeness::Complete,
                screened,
            );
            assert_eq!(
                result.next_test_due,
                Some(due),
                "{screened} {episode_type:?}"
            );
        }
    }

    #[test]
    fn adding_months_clamps_to_month_end() {
        let table = [
            (date!(2026 - 01 - 31), 1, date!(2026 - 02 - 28)),
            (date!(2028 - 01 - 31), 1, date!(2028 - 02 - 29)),
            (date!(2026 - 08 - 31), 1, date!(2026 - 09 - 30)),
            (date!(2026 - 03 - 31), 11, date!(2027 - 02 - 28)),
            (date!(2024 - 02 - 29), 48, date!(2028 - 02 - 29)),
            (date!(2026 - 11 - 15), 2, date!(2027 - 01 - 15)),
            (date!(2026 - 05 - 10), 0, date!(2026 - 05 - 10)),
            (Date::MAX, 12, Date::MAX),
        ];
        for (from, months, want) in table {
            assert_eq!(add_months(from, months), want, "{from} + {months}");
        }
    }
}
