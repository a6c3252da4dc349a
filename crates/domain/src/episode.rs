//! Screening episodes: one screening round per participant.

labelled_enum! {
    pub enum EpisodeType ("episode type") {
        Routine => ("routine", "Routine"),
        VeryHighRisk => ("very_high_risk", "Very high risk"),
        SelfReferral => ("self_referral", "Self-referral"),
    }
}

labelled_enum! {
    pub enum EpisodeStage ("episode stage") {
        Scheduled => ("scheduled", "Scheduled"),
        Mammograms => ("mammograms", "Mammograms"),
        WaitingForReading => ("waiting_for_reading", "Waiting for reading"),
        AtAssessment => ("at_assessment", "At assessment"),
        Closed => ("closed", "Closed"),
    }
}

labelled_enum! {
    pub enum EpisodeOutcome ("episode outcome") {
        RoutineRecall => ("routine_recall", "Routine recall"),
        TechnicalRecall => ("technical_recall", "Technical recall"),
        RecallForAssessment => ("recall_for_assessment", "Recall for assessment"),
        DidNotAttend => ("did_not_attend", "Did not attend"),
        AttendedNotScreened => ("attended_not_screened", "Attended not screened"),
        PartialMammography => ("partial_mammography", "Partial mammography"),
        RecallForMoreImages => ("recall_for_more_images", "Recalled for more images"),
        EarlyRecall => ("early_recall", "Early recall"),
        NoResult => ("no_result", "No result"),
        Cancelled => ("cancelled", "Cancelled"),
        RescheduleRequested => ("reschedule_requested", "Reschedule requested"),
        OptOutRequested => ("opt_out_requested", "Opt out requested"),
    }
}

/// The outcome an appointment ending other than by a screen writes on its episode (which
/// then closes if `EpisodeOutcome::closes_episode` says so), given the answer to "Should the appointment be rescheduled?" if there was
/// one. A screen's outcome comes from image reading, so `None` for those and for statuses
/// that are not endings.
pub const fn ending_outcome(
    status: crate::AppointmentStatus,
    decision: Option<crate::ending::RescheduleDecision>,
) -> Option<EpisodeOutcome> {
    use crate::AppointmentStatus as S;
    use crate::ending::RescheduleDecision as D;
    match (status, decision) {
        (S::AttendedNotScreened | S::Cancelled, Some(D::RequestOptOut)) => {
            Some(EpisodeOutcome::OptOutRequested)
        }
        (S::AttendedNotScreened, _) => Some(EpisodeOutcome::AttendedNotScreened),
        (S::DidNotAttend, _) => Some(EpisodeOutcome::DidNotAttend),
        (S::Cancelled, _) => Some(EpisodeOutcome::Cancelled),
        (S::RescheduleRequested, _) => Some(EpisodeOutcome::RescheduleRequested),
        (
            S::Scheduled
            | S::CheckedIn
            | S::InProgress
            | S::Paused
            | S::Screened
            | S::PartiallyScreened,
            _,
        ) => None,
    }
}

impl EpisodeOutcome {
    /// Whether an appointment ending with this outcome closes the episode. Did not attend,
    /// a cancellation and a reschedule leave the screening round open: the participant is
    /// offered another appointment in the same round (whose next test due still counts
    /// from the first offered appointment), so the outcome is written to show what
    /// happened, and the next appointment's ending or result replaces it. Attended not
    /// screened and an opt-out close the round.
    pub const fn closes_episode(self) -> bool {
        !matches!(
            self,
            EpisodeOutcome::DidNotAttend
                | EpisodeOutcome::Cancelled
                | EpisodeOutcome::RescheduleRequested
        )
    }
}

impl EpisodeType {
    /// Months until the next routine invitation after a normal result.
    pub const fn recall_interval_months(self) -> u8 {
        match self {
            EpisodeType::VeryHighRisk => 12,
            EpisodeType::Routine | EpisodeType::SelfReferral => 36,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recall_intervals() {
        for (t, months) in [
            (EpisodeType::Routine, 36),
            (EpisodeType::SelfReferral, 36),
            (EpisodeType::VeryHighRisk, 12),
        ] {
            assert_eq!(t.recall_interval_months(), months);
        }
    }

    #[test]
    fn stages_round_trip() {
        for s in EpisodeStage::ALL {
            assert_eq!(s.as_str().parse::<EpisodeStage>(), Ok(*s));
        }
        assert_eq!(
            EpisodeStage::WaitingForReading.label(),
            "Waiting for reading"
        );
    }
}

impl EpisodeStage {
    /// The stage an episode moves to when its appointment reaches `status`; `None` leaves
    /// the stage as it is (outcomes such as did not attend are decided elsewhere).
    pub const fn for_appointment_status(status: crate::AppointmentStatus) -> Option<EpisodeStage> {
        use crate::AppointmentStatus as S;
        match status {
            S::Scheduled | S::CheckedIn => Some(EpisodeStage::Scheduled),
            S::InProgress | S::Paused => Some(EpisodeStage::Mammograms),
            S::Screened | S::PartiallyScreened => Some(EpisodeStage::WaitingForReading),
            S::AttendedNotScreened | S::DidNotAttend | S::Cancelled | S::RescheduleRequested => {
                None
            }
        }
    }
}

#[cfg(test)]
mod stage_tests {
    use super::*;
    use crate::AppointmentStatus as S;

    #[test]
    fn stage_follows_appointment() {
        let table = [
            (S::Scheduled, Some(EpisodeStage::Scheduled)),
            (S::CheckedIn, Some(EpisodeStage::Scheduled)),
            (S::InProgress, Some(EpisodeStage::Mammograms)),
            (S::Paused, Some(EpisodeStage::Mammograms)),
            (S::Screened, Some(EpisodeStage::WaitingForReading)),
            (S::PartiallyScreened, Some(EpisodeStage::WaitingForReading)),
            (S::AttendedNotScreened, None),
            (S::DidNotAttend, None),
            (S::Cancelled, None),
            (S::RescheduleRequested, None),
        ];
        assert_eq!(table.len(), S::ALL.len());
        for (status, stage) in table {
            assert_eq!(
                EpisodeStage::for_appointment_status(status),
                stage,
                "{status:?}"
            );
        }
    }
}

#[cfg(test)]
mod ending_tests {
    use super::*;
    use crate::AppointmentStatus as S;
    use crate::ending::RescheduleDecision as D;

    #[test]
    fn which_ending_outcome_closes_the_round() {
        use EpisodeOutcome as O;
        // (outcome, closes the episode)
        let table = [
            (O::DidNotAttend, false),
            (O::Cancelled, false),
            (O::RescheduleRequested, false),
            (O::AttendedNotScreened, true),
            (O::OptOutRequested, true),
        ];
        for (outcome, closes) in table {
            assert_eq!(outcome.closes_episode(), closes, "{outcome:?}");
        }
    }

    #[test]
    fn which_ending_writes_which_outcome() {
        use EpisodeOutcome as O;
        // (status, decision, outcome)
        let table: &[(S, Option<D>, Option<O>)] = &[
            (S::DidNotAttend, None, Some(O::DidNotAttend)),
            (S::AttendedNotScreened, None, Some(O::AttendedNotScreened)),
            (
                S::AttendedNotScreened,
                Some(D::WithinSixWeeks),
                Some(O::AttendedNotScreened),
            ),
            (
                S::AttendedNotScreened,
                Some(D::InviteToNextRoutine),
                Some(O::AttendedNotScreened),
            ),
            (
                S::AttendedNotScreened,
                Some(D::RequestOptOut),
                Some(O::OptOutRequested),
            ),
            (S::Cancelled, None, Some(O::Cancelled)),
            (
                S::Cancelled,
                Some(D::InviteToNextRoutine),
                Some(O::Cancelled),
            ),
            (
                S::Cancelled,
                Some(D::RequestOptOut),
                Some(O::OptOutRequested),
            ),
            (
                S::RescheduleRequested,
                Some(D::WithinSixWeeks),
                Some(O::RescheduleRequested),
            ),
            (S::Screened, None, None),
            (S::PartiallyScreened, None, None),
            (S::Scheduled, None, None),
            (S::CheckedIn, None, None),
            (S::InProgress, None, None),
            (S::Paused, None, None),
        ];
        for &(status, decision, outcome) in table {
            assert_eq!(
                ending_outcome(status, decision),
                outcome,
                "{status:?} {decision:?}"
            );
        }
        // Every final status other than a screen writes an outcome, whatever the answer.
        for &status in S::ALL {
            for decision in std::iter::once(None).chain(D::ALL.iter().copied().map(Some)) {
                let screen = matches!(status, S::Screened | S::PartiallyScreened);
                assert_eq!(
                    ending_outcome(status, decision).is_some(),
                    status.is_final() && !screen,
                    "{status:?} {decision:?}"
                );
            }
        }
    }
}
