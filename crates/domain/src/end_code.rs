//! How an episode ends: its end code, the next test due that follows from it, and the rules
//! for closing an episode and correcting a closed one.
//!
//! Every episode ends with an end code, a reason, the day it closed and (unless the
//! participant leaves routine screening) the day her next test is due. A closed episode is
//! never edited in place: a correction is a new history entry with its own reason.

use time::Date;

use crate::dates::{self, add_months};
use crate::episode::{EpisodeOutcome, EpisodeStage, EpisodeType};
use crate::validation::{Errors, FieldError, is_blank};

labelled_enum! {
    /// Why an episode ended.
    pub enum EndCode ("end code") {
        RoutineRecall => ("routine_recall", "Routine recall"),
        EarlyRecall6Months => ("early_recall_6_months", "Early recall in 6 months"),
        EarlyRecall12Months => ("early_recall_12_months", "Early recall in 12 months"),
        ReferredForTreatment => ("referred_for_treatment", "Referred for treatment"),
        ReferredToSymptomatic => ("referred_to_symptomatic", "Referred to symptomatic care"),
        DidNotAttend => ("did_not_attend", "Did not attend"),
        AttendedNotScreened => ("attended_not_screened", "Attended not screened"),
        OptedOut => ("opted_out", "Opted out"),
        Ceased => ("ceased", "Ceased from routine screening"),
        NoResult => ("no_result", "Closed without a result"),
    }
}

/// The longest reason kept with a closure or a correction.
pub const MAX_REASON_CHARS: usize = 1000;

/// What decides the next test due date of a closing episode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DueBasis {
    /// The first appointment offered in the round (its earliest clinic date).
    pub first_offered: Date,
    /// The episode's type (very high risk is annual).
    pub episode_type: EpisodeType,
    /// The participant's date of birth (routine invitations stop at the 71st birthday).
    pub date_of_birth: Date,
    /// The day the episode closes (early recall counts from it).
    pub closed_on: Date,
}

impl EndCode {
    /// When the participant's next test is due after an episode ending this way:
    ///
    /// | end code | next test due |
    /// |---|---|
    /// | routine recall, did not attend, attended not screened, opted out, no result | the national rule: 36 months (12 for very high risk) from the round's first offered appointment; none for routine screening on or past the 71st birthday |
    /// | early recall in 6 / 12 months | 6 / 12 months from the day the episode closed, whatever the age (it is a clinical decision) |
    /// | referred for treatment, referred to symptomatic care, ceased | none: she is not invited while under care or once ceased |
    pub fn next_test_due(self, basis: DueBasis) -> Option<Date> {
        match self {
            EndCode::RoutineRecall
            | EndCode::DidNotAttend
            | EndCode::AttendedNotScreened
            | EndCode::OptedOut
            | EndCode::NoResult => {
                dates::next_test_due(basis.first_offered, basis.episode_type, basis.date_of_birth)
            }
            EndCode::EarlyRecall6Months => Some(add_months(basis.closed_on, 6)),
            EndCode::EarlyRecall12Months => Some(add_months(basis.closed_on, 12)),
            EndCode::ReferredForTreatment | EndCode::ReferredToSymptomatic | EndCode::Ceased => {
                None
            }
        }
    }

    /// Whether ending this way stops routine invitations until a person reinstates them:
    /// treatment for a screen-detected cancer, and ceasing.
    pub const fn stops_routine_invitations(self) -> bool {
        matches!(self, EndCode::ReferredForTreatment | EndCode::Ceased)
    }

    /// The end codes the office may close an episode with by hand, from its lists (an
    /// episode nobody will complete: she did not attend the recall, opted out, or there is
    /// no result to give). The others come from the step that decides them: routine recall
    /// from reading, early recall and referrals from assessment, ceased from ceasing.
    pub const MANUAL: &'static [EndCode] =
        &[EndCode::DidNotAttend, EndCode::OptedOut, EndCode::NoResult];

    /// The end code an outcome written by reading or an appointment ending closes its
    /// episode with, or `None` when the outcome leaves the round open (a recall, a referral
    /// to assessment, more images, or an ending after which she is offered another
    /// appointment). A partial mammography gives its result on the images taken: routine
    /// recall.
    pub const fn for_outcome(outcome: EpisodeOutcome) -> Option<EndCode> {
        match outcome {
            EpisodeOutcome::RoutineRecall | EpisodeOutcome::PartialMammography => {
                Some(EndCode::RoutineRecall)
            }
            EpisodeOutcome::AttendedNotScreened => Some(EndCode::AttendedNotScreened),
            EpisodeOutcome::OptOutRequested => Some(EndCode::OptedOut),
            EpisodeOutcome::EarlyRecall => Some(EndCode::EarlyRecall12Months),
            EpisodeOutcome::NoResult => Some(EndCode::NoResult),
            EpisodeOutcome::TechnicalRecall
            | EpisodeOutcome::RecallForAssessment
            | EpisodeOutcome::RecallForMoreImages
            | EpisodeOutcome::DidNotAttend
            | EpisodeOutcome::Cancelled
            | EpisodeOutcome::RescheduleRequested => None,
        }
    }
}

/// Checks a closure the office makes by hand (fields `end_code` and `reason`): the episode
/// must still be open with no appointment still to happen, the end code one of
/// [`EndCode::MANUAL`], and the reason given.
pub fn check_manual_close(
    stage: EpisodeStage,
    appointment_pending: bool,
    end_code: EndCode,
    reason: &str,
) -> Result<(), Vec<FieldError>> {
    let mut e = Errors::default();
    if stage == EpisodeStage::Closed {
        e.add(
            "end_code",
            "This episode is already closed: correct its end code instead",
        );
    } else if appointment_pending {
        e.add(
            "end_code",
            "This episode has an appointment still to happen: record that appointment's outcome or cancel it first",
        );
    } else if !EndCode::MANUAL.contains(&end_code) {
        e.add(
            "end_code",
            format!(
                "An episode cannot be closed as \u{201c}{}\u{201d} by hand: that end code is set by the step that decides it",
                end_code.label()
            ),
        );
    }
    check_reason(&mut e, reason, "Enter why the episode is being closed");
    e.finish()
}

/// Checks a correction of a closed episode's end code (fields `end_code` and `reason`):
/// only a closed episode is corrected, to a different end code, with a reason.
pub fn check_correction(
    stage: EpisodeStage,
    current: Option<EndCode>,
    to: EndCode,
    reason: &str,
) -> Result<(), Vec<FieldError>> {
    let mut e = Errors::default();
    if stage != EpisodeStage::Closed {
        e.add(
            "end_code",
            "This episode is still open: only a closed episode's end code is corrected",
        );
    } else if current == Some(to) {
        e.add(
            "end_code",
            format!(
                "The episode already ended as \u{201c}{}\u{201d}",
                to.label()
            ),
        );
    }
    check_reason(&mut e, reason, "Enter why the end code is being corrected");
    e.finish()
}

fn check_reason(e: &mut Errors, reason: &str, missing: &'static str) {
    if is_blank(reason) {
        e.add("reason", missing);
    } else if reason.chars().count() > MAX_REASON_CHARS {
        e.add("reason", "The reason must be 1,000 characters or fewer");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn basis(first_offered: Date, episode_type: EpisodeType, dob: Date) -> DueBasis {
        DueBasis {
            first_offered,
            episode_type,
            date_of_birth: dob,
            closed_on: first_offered,
        }
    }

    #[test]
    fn next_test_due_by_end_code() {
        let dob = date!(1970 - 05 - 10);
        let routine = basis(date!(2026 - 03 - 02), EpisodeType::Routine, dob);
        let table = [
            (EndCode::RoutineRecall, Some(date!(2029 - 03 - 02))),
            (EndCode::DidNotAttend, Some(date!(2029 - 03 - 02))),
            (EndCode::AttendedNotScreened, Some(date!(2029 - 03 - 02))),
            (EndCode::OptedOut, Some(date!(2029 - 03 - 02))),
            (EndCode::NoResult, Some(date!(2029 - 03 - 02))),
            (EndCode::EarlyRecall6Months, Some(date!(2026 - 09 - 02))),
            (EndCode::EarlyRecall12Months, Some(date!(2027 - 03 - 02))),
            (EndCode::ReferredForTreatment, None),
            (EndCode::ReferredToSymptomatic, None),
            (EndCode::Ceased, None),
        ];
        for (code, due) in table {
            assert_eq!(code.next_test_due(routine), due, "{code:?}");
        }
        // Every end code has a row.
        assert_eq!(table.len(), EndCode::ALL.len());
    }

    #[test]
    fn next_test_due_leap_years_month_ends_71st_birthday_and_vhr() {
        let table = [
            // Leap day: three years on there is no 29 February.
            (
                date!(2024 - 02 - 29),
                EpisodeType::Routine,
                date!(1970 - 01 - 01),
                EndCode::RoutineRecall,
                date!(2024 - 02 - 29),
                Some(date!(2027 - 02 - 28)),
            ),
            // Month end: six months after 31 August is the end of February.
            (
                date!(2027 - 08 - 31),
                EpisodeType::Routine,
                date!(1970 - 01 - 01),
                EndCode::EarlyRecall6Months,
                date!(2027 - 08 - 31),
                Some(date!(2028 - 02 - 29)),
            ),
            (
                date!(2026 - 08 - 31),
                EpisodeType::Routine,
                date!(1970 - 01 - 01),
                EndCode::EarlyRecall6Months,
                date!(2026 - 08 - 31),
                Some(date!(2027 - 02 - 28)),
            ),
            // Due the day before the 71st birthday: still invited.
            (
                date!(2026 - 06 - 14),
                EpisodeType::Routine,
                date!(1958 - 06 - 15),
                EndCode::RoutineRecall,
                date!(2026 - 06 - 14),
                Some(date!(2029 - 06 - 14)),
            ),
            // Due on the 71st birthday: no routine invitation.
            (
                date!(2026 - 06 - 15),
                EpisodeType::Routine,
                date!(1958 - 06 - 15),
                EndCode::RoutineRecall,
                date!(2026 - 06 - 15),
                None,
            ),
            // Past 71 a did-not-attend is not invited again either.
            (
                date!(2026 - 06 - 15),
                EpisodeType::Routine,
                date!(1958 - 06 - 15),
                EndCode::DidNotAttend,
                date!(2026 - 06 - 15),
                None,
            ),
            // Early recall is clinical: it stands past 71.
            (
                date!(2026 - 06 - 15),
                EpisodeType::Routine,
                date!(1955 - 01 - 01),
                EndCode::EarlyRecall12Months,
                date!(2026 - 07 - 01),
                Some(date!(2027 - 07 - 01)),
            ),
            // Very high risk: annual, whatever the age.
            (
                date!(2026 - 06 - 15),
                EpisodeType::VeryHighRisk,
                date!(1950 - 01 - 01),
                EndCode::RoutineRecall,
                date!(2026 - 06 - 20),
                Some(date!(2027 - 06 - 15)),
            ),
            // Counted from the first offered appointment, not the closing day.
            (
                date!(2026 - 01 - 10),
                EpisodeType::Routine,
                date!(1970 - 01 - 01),
                EndCode::RoutineRecall,
                date!(2026 - 04 - 30),
                Some(date!(2029 - 01 - 10)),
            ),
        ];
        for (first_offered, episode_type, dob, code, closed_on, due) in table {
            let basis = DueBasis {
                first_offered,
                episode_type,
                date_of_birth: dob,
                closed_on,
            };
            assert_eq!(code.next_test_due(basis), due, "{code:?} {basis:?}");
        }
    }

    #[test]
    fn outcomes_that_close_the_episode_have_an_end_code() {
        for outcome in EpisodeOutcome::ALL {
            // An outcome closes the round exactly when it has an end code, apart from the
            // recalls and referrals, which keep it open while the office acts on them.
            let open_by_recall = matches!(
                outcome,
                EpisodeOutcome::TechnicalRecall
                    | EpisodeOutcome::RecallForAssessment
                    | EpisodeOutcome::RecallForMoreImages
            );
            assert_eq!(
                EndCode::for_outcome(*outcome).is_some(),
                outcome.closes_episode() && !open_by_recall,
                "{outcome:?}"
            );
        }
        assert_eq!(
            EndCode::for_outcome(EpisodeOutcome::PartialMammography),
            Some(EndCode::RoutineRecall)
        );
    }

    #[test]
    fn which_end_codes_stop_routine_invitations() {
        for code in EndCode::ALL {
            let stops = matches!(code, EndCode::ReferredForTreatment | EndCode::Ceased);
            assert_eq!(code.stops_routine_invitations(), stops, "{code:?}");
        }
    }

    #[test]
    fn manual_closure_rules() {
        use EpisodeStage as S;
        type Row = (S, bool, EndCode, &'static str, Result<(), &'static str>);
        let ok = Ok(());
        let table: [Row; 7] = [
            (
                S::Mammograms,
                false,
                EndCode::DidNotAttend,
                "No reply to two recall letters",
                ok,
            ),
            (
                S::AtAssessment,
                false,
                EndCode::OptedOut,
                "Declined assessment",
                ok,
            ),
            (
                S::Closed,
                false,
                EndCode::DidNotAttend,
                "x",
                Err("end_code"),
            ),
            (
                S::Mammograms,
                true,
                EndCode::DidNotAttend,
                "x",
                Err("end_code"),
            ),
            (
                S::AtAssessment,
                false,
                EndCode::ReferredForTreatment,
                "x",
                Err("end_code"),
            ),
            (
                S::Mammograms,
                false,
                EndCode::RoutineRecall,
                "x",
                Err("end_code"),
            ),
            (S::Mammograms, false, EndCode::NoResult, "  ", Err("reason")),
        ];
        for (stage, pending, code, reason, expected) in table {
            let got = check_manual_close(stage, pending, code, reason)
                .map_err(|e| e.first().map(|f| f.field.to_string()).unwrap_or_default());
            assert_eq!(got, expected.map_err(str::to_owned), "{stage:?} {code:?}");
        }
        let long = "x".repeat(1001);
        assert!(check_manual_close(S::Mammograms, false, EndCode::NoResult, &long).is_err());
    }

    #[test]
    fn correction_rules() {
        use EpisodeStage as S;
        let r = "Pathology showed a benign lesion";
        assert!(
            check_correction(
                S::Closed,
                Some(EndCode::ReferredForTreatment),
                EndCode::RoutineRecall,
                r
            )
            .is_ok()
        );
        assert!(
            check_correction(S::AtAssessment, None, EndCode::RoutineRecall, r).is_err(),
            "an open episode is closed, not corrected"
        );
        assert!(
            check_correction(
                S::Closed,
                Some(EndCode::RoutineRecall),
                EndCode::RoutineRecall,
                r
            )
            .is_err(),
            "a correction changes the end code"
        );
        assert!(
            check_correction(S::Closed, Some(EndCode::RoutineRecall), EndCode::Ceased, "").is_err(),
            "a correction needs a reason"
        );
    }
}
