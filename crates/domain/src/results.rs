//! Results (issue 13): what an episode's outcome tells the participant and her GP practice.
//! There is one result record for both: the participant's letter and the GP message are
//! rendered from it, never worked out again from the episode.
//!
//! - [`ResultKind::of`] says which result, if any, an outcome or a closure gives. Cancelled,
//!   reschedule and opt-out requests give none, and neither do ceasing or a closure
//!   without a result.
//! - [`next_result`] says whether a change issues a new result, supersedes the latest one
//!   (a correction), withdraws it, or changes nothing (the same result recorded twice in
//!   one change).
//! - [`ResultKind::letter`], [`ResultKind::summary`] and [`ResultKind::gp_text`] give the
//!   letter template and the plain-language wording.
//! - [`default_coding`] gives the SNOMED CT codes the reference lists. The service keeps
//!   them as data that the system administrator can change. Codes are never invented: a
//!   result without a mapping travels as plain-language text.

use crate::end_code::EndCode;
use crate::episode::EpisodeOutcome;

labelled_enum! {
    /// What a result says.
    pub enum ResultKind ("result") {
        Normal => ("normal", "Normal: routine recall"),
        NormalPartialMammography => ("normal_partial_mammography", "Normal, from a partial mammography"),
        TechnicalRecall => ("technical_recall", "Technical recall"),
        RecallForMoreImages => ("recall_for_more_images", "Recalled for more images"),
        RecallForAssessment => ("recall_for_assessment", "Recall for assessment"),
        DidNotAttend => ("did_not_attend", "Did not attend"),
        AttendedNotScreened => ("attended_not_screened", "Attended not screened"),
        AssessmentNormal => ("assessment_normal", "Assessment: normal or benign, routine recall"),
        EarlyRecall => ("early_recall", "Early recall"),
        ReferredForTreatment => ("referred_for_treatment", "Referred for treatment"),
        ReferredToSymptomatic => ("referred_to_symptomatic", "Referred to symptomatic care"),
    }
}

labelled_enum! {
    /// Whether a result stands: current (what the letter and the GP message say),
    /// superseded by a later version (a correction), or withdrawn with nothing in its place.
    pub enum ResultState ("result state") {
        Current => ("current", "Current"),
        Superseded => ("superseded", "Superseded"),
        Withdrawn => ("withdrawn", "Withdrawn"),
    }
}

/// What a result is made from: an outcome set on the episode (a recall, did not attend)
/// or its closure with an end code, and whether the episode went through assessment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResultSource {
    /// The episode's outcome at the change.
    pub outcome: Option<EpisodeOutcome>,
    /// The end code, when the change closed the episode (or corrected its closure).
    pub end_code: Option<EndCode>,
    /// Whether the participant was assessed in this episode: a routine recall after
    /// assessment is "normal or benign" and is told differently from a normal screen.
    pub assessed: bool,
}

impl ResultKind {
    /// The result the change gives, or `None` when it gives none.
    pub const fn of(source: ResultSource) -> Option<ResultKind> {
        use EpisodeOutcome as O;
        match source.end_code {
            Some(EndCode::RoutineRecall) => Some(if source.assessed {
                ResultKind::AssessmentNormal
            } else if matches!(source.outcome, Some(O::PartialMammography)) {
                ResultKind::NormalPartialMammography
            } else {
                ResultKind::Normal
            }),
            Some(EndCode::EarlyRecall6Months | EndCode::EarlyRecall12Months) => {
                Some(ResultKind::EarlyRecall)
            }
            Some(EndCode::ReferredForTreatment) => Some(ResultKind::ReferredForTreatment),
            Some(EndCode::ReferredToSymptomatic) => Some(ResultKind::ReferredToSymptomatic),
            Some(EndCode::DidNotAttend) => Some(ResultKind::DidNotAttend),
            Some(EndCode::AttendedNotScreened) => Some(ResultKind::AttendedNotScreened),
            // Leaving screening is told in its own letters, not as a screening result.
            Some(EndCode::OptedOut | EndCode::Ceased | EndCode::NoResult) => None,
            // An outcome set while the episode stays open.
            None => match source.outcome {
                Some(O::TechnicalRecall) => Some(ResultKind::TechnicalRecall),
                Some(O::RecallForMoreImages) => Some(ResultKind::RecallForMoreImages),
                Some(O::RecallForAssessment) => Some(ResultKind::RecallForAssessment),
                Some(O::DidNotAttend) => Some(ResultKind::DidNotAttend),
                Some(O::AttendedNotScreened) => Some(ResultKind::AttendedNotScreened),
                // Routine recall, partial mammography and early recall come with the
                // closure; the rest are not results.
                Some(
                    O::RoutineRecall
                    | O::PartialMammography
                    | O::EarlyRecall
                    | O::NoResult
                    | O::Cancelled
                    | O::RescheduleRequested
                    | O::OptOutRequested,
                )
                | None => None,
            },
        }
    }

    /// The participant letter's template, one per result kind. The templates are worded
    /// differently for "more images", "repeat images" and a partial mammography.
    pub const fn letter(self) -> &'static str {
        match self {
            ResultKind::Normal => "normal",
            ResultKind::NormalPartialMammography => "normal-partial-mammography",
            ResultKind::TechnicalRecall => "technical-recall",
            ResultKind::RecallForMoreImages => "recall-for-more-images",
            ResultKind::RecallForAssessment => "recall-for-assessment",
            ResultKind::DidNotAttend => "did-not-attend",
            ResultKind::AttendedNotScreened => "attended-not-screened",
            ResultKind::AssessmentNormal => "assessment-normal",
            ResultKind::EarlyRecall => "early-recall",
            ResultKind::ReferredForTreatment => "referred-for-treatment",
            ResultKind::ReferredToSymptomatic => "referred-to-symptomatic",
        }
    }

    /// The participant's plain-language summary, stored with the result (as the NHS App
    /// would show it). It never promises when she is invited next: that is the episode's
    /// next test due, which the letter states (none past the 71st birthday).
    pub const fn summary(self) -> &'static str {
        match self {
            ResultKind::Normal => "Your mammogram showed no signs of cancer.",
            ResultKind::NormalPartialMammography => {
                "We could not take all the usual images. The images we took showed no signs of cancer."
            }
            ResultKind::TechnicalRecall => {
                "We need to take some of your images again because they were not clear enough. This is not because of anything we saw."
            }
            ResultKind::RecallForMoreImages => {
                "We could not take all the images we needed at your appointment. We need to see you again to take them."
            }
            ResultKind::RecallForAssessment => {
                "We need to see you again to look more closely at your breasts. Most people asked back do not have cancer."
            }
            ResultKind::DidNotAttend => "You did not come to your breast screening appointment.",
            ResultKind::AttendedNotScreened => {
                "You came to your appointment but we could not take your mammogram."
            }
            ResultKind::AssessmentNormal => {
                "The tests at your assessment appointment showed no signs of cancer."
            }
            ResultKind::EarlyRecall => {
                "We would like to see you again sooner than usual. We will write to you with a new appointment."
            }
            ResultKind::ReferredForTreatment => {
                "Your breast care team will talk to you about your results and your care."
            }
            ResultKind::ReferredToSymptomatic => {
                "We have referred you to a breast clinic so they can look into your symptoms."
            }
        }
    }

    /// The plain-language text the GP message carries, always, beside any code.
    pub const fn gp_text(self) -> &'static str {
        match self {
            ResultKind::Normal => "Breast screening: normal result, routine recall",
            ResultKind::NormalPartialMammography => {
                "Breast screening: normal result from a partial mammography (not all standard views taken), routine recall"
            }
            ResultKind::TechnicalRecall => {
                "Breast screening: technical recall, images to be repeated"
            }
            ResultKind::RecallForMoreImages => {
                "Breast screening: recalled to complete the images not taken"
            }
            ResultKind::RecallForAssessment => "Breast screening: recalled for assessment",
            ResultKind::DidNotAttend => "Breast screening: did not attend",
            ResultKind::AttendedNotScreened => "Breast screening: attended, not screened",
            ResultKind::AssessmentNormal => {
                "Breast screening assessment: normal or benign, routine recall"
            }
            ResultKind::EarlyRecall => "Breast screening assessment: early recall",
            ResultKind::ReferredForTreatment => {
                "Breast screening assessment: referred for treatment"
            }
            ResultKind::ReferredToSymptomatic => {
                "Breast screening assessment: referred to symptomatic breast care"
            }
        }
    }

    /// Whether the participant was screened for this result, so the screening procedure
    /// can be coded beside the finding.
    pub const fn screened(self) -> bool {
        !matches!(
            self,
            ResultKind::DidNotAttend | ResultKind::AttendedNotScreened
        )
    }
}

/// A SNOMED CT concept: its id and its fully specified name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Snomed {
    pub code: &'static str,
    pub display: &'static str,
}

/// "Breast neoplasm screening normal (finding)".
pub const SCREENING_NORMAL: Snomed = Snomed {
    code: "171175005",
    display: "Breast neoplasm screening normal (finding)",
};
/// "Screening for malignant neoplasm of breast (procedure)".
pub const SCREENING_PROCEDURE: Snomed = Snomed {
    code: "268547008",
    display: "Screening for malignant neoplasm of breast (procedure)",
};

/// How a result is coded in the GP message, before the system administrator changes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Coding {
    /// The finding, where the reference has a code for it.
    pub finding: Option<Snomed>,
    /// The procedure, when she was screened.
    pub procedure: Option<Snomed>,
}

/// The seed mapping, from the reference's codes only. Only a normal screen has a finding
/// code. Partial mammography is still being decided nationally, and the other results have
/// no agreed code yet, so they travel as text.
pub const fn default_coding(kind: ResultKind) -> Coding {
    Coding {
        finding: match kind {
            ResultKind::Normal => Some(SCREENING_NORMAL),
            _ => None,
        },
        procedure: if kind.screened() {
            Some(SCREENING_PROCEDURE)
        } else {
            None
        },
    }
}

/// Whether `code` is a well-formed SNOMED CT concept identifier: 6 to 18 digits, no leading
/// zero, the partition of a concept (`00` or `10`, the two digits before the last), and a
/// valid Verhoeff check digit (the last). A typo in a code is caught here; whether the
/// concept is the right one is the administrator's judgement.
pub fn is_concept_id(code: &str) -> bool {
    const D: [[u8; 10]; 10] = [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
        [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
        [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
        [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
        [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
        [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
        [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
        [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
        [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
        [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
    ];
    const P: [[u8; 10]; 8] = [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
        [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
        [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
        [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
        [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
        [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
        [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
        [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
    ];
    let bytes = code.as_bytes();
    if !(6..=18).contains(&bytes.len()) || !bytes.iter().all(u8::is_ascii_digit) || bytes[0] == b'0'
    {
        return false;
    }
    let partition = &code[code.len() - 3..code.len() - 1];
    if partition != "00" && partition != "10" {
        return false;
    }
    let mut c = 0u8;
    for (i, b) in bytes.iter().rev().enumerate() {
        c = D[usize::from(c)][usize::from(P[i % 8][usize::from(b - b'0')])];
    }
    c == 0
}

/// A system administrator's change to how one result is coded: a code with its display,
/// or none (the result then travels as text). Fields `{part}_code` and `{part}_display`.
pub fn check_concept(
    part: &'static str,
    code: Option<&str>,
    display: Option<&str>,
) -> Result<(), Vec<crate::validation::FieldError>> {
    let mut e = crate::validation::Errors::default();
    let code = code.map(str::trim).filter(|c| !c.is_empty());
    let display = display.map(str::trim).filter(|d| !d.is_empty());
    match (code, display) {
        (Some(c), d) => {
            if !is_concept_id(c) {
                e.add(
                    format!("{part}_code"),
                    "Enter a SNOMED CT concept id, like 171175005 (6 to 18 digits ending in a valid check digit)",
                );
            }
            match d {
                None => e.add(
                    format!("{part}_display"),
                    "Enter the concept's name, as SNOMED CT gives it",
                ),
                Some(d) if d.chars().count() > 255 => e.add(
                    format!("{part}_display"),
                    "The name must be 255 characters or fewer",
                ),
                Some(_) => {}
            }
        }
        (None, Some(_)) => e.add(
            format!("{part}_code"),
            "Enter the concept id for this name, or clear the name",
        ),
        (None, None) => {}
    }
    e.finish()
}

/// What a change does to an episode's results.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextResult {
    /// Nothing. Either the episode's latest result already says this (reading sets the
    /// outcome and closes the episode in one change), or the change gives no result.
    Unchanged,
    /// A new result, beside the earlier ones. Each was true when it was sent, for example a
    /// technical recall and then the normal result of the repeat images.
    Issue,
    /// A new version of the latest result, which it supersedes in both channels (a
    /// correction of the episode's end code).
    Supersede,
    /// The latest result no longer stands and nothing replaces it: a correction to an end
    /// code that gives no result, or an undone "did not attend" or "attended not screened".
    Withdraw,
}

/// What a change that gives result `kind` (or none) does to the episode's results.
/// `latest` is the episode's current result, if it has one, and `correction` says whether
/// the change corrects the episode's closure.
pub fn next_result(
    latest: Option<ResultKind>,
    kind: Option<ResultKind>,
    correction: bool,
) -> NextResult {
    match (latest, kind) {
        (Some(l), Some(k)) if l == k => NextResult::Unchanged,
        (Some(_), Some(_)) if correction => NextResult::Supersede,
        (_, Some(_)) => NextResult::Issue,
        (Some(_), None) if correction => NextResult::Withdraw,
        (_, None) => NextResult::Unchanged,
    }
}

/// What undoing an appointment's ending does to the episode's latest result: a "did not
/// attend" or "attended not screened" result made by that ending is withdrawn.
pub fn on_ending_undone(latest: Option<ResultKind>) -> NextResult {
    match latest {
        Some(ResultKind::DidNotAttend | ResultKind::AttendedNotScreened) => NextResult::Withdraw,
        _ => NextResult::Unchanged,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn closed(end: EndCode, outcome: Option<EpisodeOutcome>) -> ResultSource {
        ResultSource {
            outcome,
            end_code: Some(end),
            assessed: false,
        }
    }

    fn set(outcome: EpisodeOutcome) -> ResultSource {
        ResultSource {
            outcome: Some(outcome),
            end_code: None,
            assessed: false,
        }
    }

    #[test]
    fn every_outcome_and_end_code_gives_its_result() {
        use EpisodeOutcome as O;
        use ResultKind as R;
        let table: &[(ResultSource, Option<ResultKind>)] = &[
            (
                closed(EndCode::RoutineRecall, Some(O::RoutineRecall)),
                Some(R::Normal),
            ),
            (closed(EndCode::RoutineRecall, None), Some(R::Normal)),
            (
                closed(EndCode::RoutineRecall, Some(O::PartialMammography)),
                Some(R::NormalPartialMammography),
            ),
            (
                ResultSource {
                    assessed: true,
                    ..closed(EndCode::RoutineRecall, Some(O::RecallForAssessment))
                },
                Some(R::AssessmentNormal),
            ),
            (
                closed(EndCode::EarlyRecall6Months, None),
                Some(R::EarlyRecall),
            ),
            (
                closed(EndCode::EarlyRecall12Months, None),
                Some(R::EarlyRecall),
            ),
            (
                closed(EndCode::ReferredForTreatment, None),
                Some(R::ReferredForTreatment),
            ),
            (
                closed(EndCode::ReferredToSymptomatic, None),
                Some(R::ReferredToSymptomatic),
            ),
            (
                closed(EndCode::DidNotAttend, Some(O::DidNotAttend)),
                Some(R::DidNotAttend),
            ),
            (
                closed(EndCode::AttendedNotScreened, Some(O::AttendedNotScreened)),
                Some(R::AttendedNotScreened),
            ),
            (closed(EndCode::OptedOut, Some(O::OptOutRequested)), None),
            (closed(EndCode::Ceased, None), None),
            (closed(EndCode::NoResult, None), None),
            (set(O::TechnicalRecall), Some(R::TechnicalRecall)),
            (set(O::RecallForMoreImages), Some(R::RecallForMoreImages)),
            (set(O::RecallForAssessment), Some(R::RecallForAssessment)),
            (set(O::DidNotAttend), Some(R::DidNotAttend)),
            (set(O::AttendedNotScreened), Some(R::AttendedNotScreened)),
            (set(O::RoutineRecall), None),
            (set(O::PartialMammography), None),
            (set(O::EarlyRecall), None),
            (set(O::NoResult), None),
            (set(O::Cancelled), None),
            (set(O::RescheduleRequested), None),
            (set(O::OptOutRequested), None),
        ];
        for (source, expected) in table {
            assert_eq!(ResultKind::of(*source), *expected, "{source:?}");
        }
        // Every end code and every outcome has a row.
        for code in EndCode::ALL {
            assert!(
                table.iter().any(|(s, _)| s.end_code == Some(*code)),
                "{code:?}"
            );
        }
        for outcome in EpisodeOutcome::ALL {
            assert!(
                table
                    .iter()
                    .any(|(s, _)| s.end_code.is_none() && s.outcome == Some(*outcome)),
                "{outcome:?}"
            );
        }
    }

    #[test]
    fn each_result_has_its_own_letter_and_wording() {
        let mut letters: Vec<&str> = ResultKind::ALL.iter().map(|k| k.letter()).collect();
        letters.sort_unstable();
        letters.dedup();
        assert_eq!(
            letters.len(),
            ResultKind::ALL.len(),
            "one template per result"
        );
        for kind in ResultKind::ALL {
            assert!(!kind.summary().is_empty() && !kind.gp_text().is_empty());
        }
        // More images, repeat images and a partial mammography are told apart.
        let told = [
            ResultKind::RecallForMoreImages,
            ResultKind::TechnicalRecall,
            ResultKind::NormalPartialMammography,
        ]
        .map(|k| k.summary());
        assert!(told[0] != told[1] && told[1] != told[2] && told[0] != told[2]);
        assert!(ResultKind::TechnicalRecall.summary().contains("again"));
        assert!(
            ResultKind::NormalPartialMammography
                .summary()
                .contains("could not take all")
        );
    }

    #[test]
    fn only_the_reference_codes_are_used_and_the_rest_travel_as_text() {
        let known = ["171175005", "168749009", "268547008"];
        for kind in ResultKind::ALL {
            let coding = default_coding(*kind);
            for code in [coding.finding, coding.procedure].into_iter().flatten() {
                assert!(known.contains(&code.code), "{kind:?} uses {}", code.code);
            }
        }
        let table = [
            (ResultKind::Normal, Some("171175005"), Some("268547008")),
            (
                ResultKind::NormalPartialMammography,
                None,
                Some("268547008"),
            ),
            (ResultKind::TechnicalRecall, None, Some("268547008")),
            (ResultKind::RecallForAssessment, None, Some("268547008")),
            (ResultKind::ReferredForTreatment, None, Some("268547008")),
            (ResultKind::DidNotAttend, None, None),
            (ResultKind::AttendedNotScreened, None, None),
        ];
        for (kind, finding, procedure) in table {
            let c = default_coding(kind);
            assert_eq!(
                (c.finding.map(|s| s.code), c.procedure.map(|s| s.code)),
                (finding, procedure),
                "{kind:?}"
            );
        }
    }

    #[test]
    fn concept_ids_need_digits_a_concept_partition_and_a_verhoeff_check_digit() {
        let table = [
            ("171175005", true),
            ("268547008", true),
            ("168749009", true),
            ("171175006", false), // wrong check digit
            ("171175105", false), // a description's partition, not a concept's
            ("071175005", false), // leading zero
            ("17117500", false),  // a digit short: the check fails
            ("12345", false),     // too short
            ("1234567890123456789", false),
            ("17117500a", false),
            ("", false),
        ];
        for (code, ok) in table {
            assert_eq!(is_concept_id(code), ok, "{code}");
        }
    }

    #[test]
    fn a_coding_change_needs_a_valid_id_and_its_name_together() {
        let table: [(Option<&str>, Option<&str>, &[&str]); 6] = [
            (
                Some("171175005"),
                Some("Breast neoplasm screening normal (finding)"),
                &[],
            ),
            (None, None, &[]),
            (Some(" "), Some(""), &[]),
            (Some("171175006"), Some("x"), &["finding_code"]),
            (Some("171175005"), None, &["finding_display"]),
            (
                None,
                Some("Breast neoplasm screening normal (finding)"),
                &["finding_code"],
            ),
        ];
        for (code, display, fields) in table {
            let got: Vec<String> = check_concept("finding", code, display)
                .err()
                .unwrap_or_default()
                .into_iter()
                .map(|e| e.field.into_owned())
                .collect();
            assert_eq!(got, fields, "{code:?} {display:?}");
        }
    }

    #[test]
    fn a_correction_supersedes_and_a_repeat_changes_nothing() {
        use NextResult::*;
        use ResultKind as R;
        let table = [
            (None, Some(R::Normal), false, Issue),
            (None, Some(R::Normal), true, Issue),
            (Some(R::Normal), Some(R::Normal), false, Unchanged),
            (Some(R::Normal), Some(R::Normal), true, Unchanged),
            (Some(R::TechnicalRecall), Some(R::Normal), false, Issue),
            (Some(R::DidNotAttend), Some(R::Normal), false, Issue),
            (
                Some(R::Normal),
                Some(R::ReferredForTreatment),
                true,
                Supersede,
            ),
            (
                Some(R::DidNotAttend),
                Some(R::AttendedNotScreened),
                true,
                Supersede,
            ),
            (Some(R::Normal), None, true, Withdraw),
            (Some(R::Normal), None, false, Unchanged),
            (None, None, true, Unchanged),
            (None, None, false, Unchanged),
        ];
        for (latest, kind, correction, expected) in table {
            assert_eq!(
                next_result(latest, kind, correction),
                expected,
                "{latest:?} -> {kind:?} (correction {correction})"
            );
        }
    }

    #[test]
    fn undoing_an_ending_withdraws_only_the_result_it_made() {
        let table = [
            (None, NextResult::Unchanged),
            (Some(ResultKind::DidNotAttend), NextResult::Withdraw),
            (Some(ResultKind::AttendedNotScreened), NextResult::Withdraw),
            (Some(ResultKind::Normal), NextResult::Unchanged),
            (Some(ResultKind::TechnicalRecall), NextResult::Unchanged),
        ];
        for (latest, expected) in table {
            assert_eq!(on_ending_undone(latest), expected, "{latest:?}");
        }
    }
}
