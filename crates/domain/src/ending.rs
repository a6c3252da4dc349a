//! Ending appointments other than by screening: exiting (pause, cannot proceed, discard),
//! attended not screened, cancelling or rescheduling, and the checks before a clinic closes.

use serde::{Deserialize, Serialize};

use crate::appointment::{AppointmentAction, AppointmentStatus};
use crate::validation::{Errors, is_blank};

pub use crate::validation::FieldError;

/// The question on the exit page.
pub const EXIT_QUESTION: &str = "Will this appointment be resumed today?";
/// The question listing [`CannotProceedReason`]s.
pub const STOPPED_QUESTION: &str = "Why has this appointment been stopped?";
/// The question answered with a [`RescheduleDecision`].
pub const RESCHEDULE_QUESTION: &str = "Should the appointment be rescheduled?";
/// Shown while [`can_close`] refuses.
pub const CLOSE_CLINIC_BLOCKED: &str =
    "Record an appointment outcome for every participant to close this clinic.";
/// The button that closes a clinic.
pub const CONFIRM_CLOSE_CLINIC: &str = "Confirm and close clinic";

labelled_enum! {
    /// "Why has this appointment been stopped?" (select all that apply; each may have
    /// details; "Other reason" needs them).
    pub enum CannotProceedReason ("reason the appointment cannot proceed") {
        FailedIdentityCheck => ("failed_identity_check", "Failed identity check"),
        PainDuringScreening => ("pain_during_screening", "Pain during screening"),
        HasSymptomaticAppointment => ("has_symptomatic_appointment", "Has a symptomatic appointment"),
        ConsentWithdrawn => ("consent_withdrawn", "Consent withdrawn"),
        PhysicalHealthIssue => ("physical_health_issue", "Physical health issue"),
        MentalHealthIssue => ("mental_health_issue", "Mental health issue"),
        LanguageDifficulties => ("language_difficulties", "Language difficulties"),
        NoQualifiedMammographer => ("no_qualified_mammographer", "No qualified mammographer available"),
        TechnicalIssues => ("technical_issues", "Technical issues at clinic"),
        Other => ("other", "Other reason"),
    }
}

impl CannotProceedReason {
    /// Whether details must be given ("Other reason").
    pub const fn requires_details(self) -> bool {
        matches!(self, CannotProceedReason::Other)
    }
}

labelled_enum! {
    /// "Should the appointment be rescheduled?" The first two are the choices under "Yes".
    pub enum RescheduleDecision ("reschedule decision") {
        WithinSixWeeks => ("within_6_weeks", "Within the next 6 weeks"),
        MoreThanSixWeeks => ("more_than_6_weeks", "More than 6 weeks away"),
        InviteToNextRoutine => ("invite_to_next_routine", "No, invite to next routine appointment"),
        RequestOptOut => ("request_opt_out", "No, request opt out"),
    }
}

impl RescheduleDecision {
    /// Whether the appointment is to be rescheduled (the "Yes" answers).
    pub const fn reschedules(self) -> bool {
        matches!(
            self,
            RescheduleDecision::WithinSixWeeks | RescheduleDecision::MoreThanSixWeeks
        )
    }

    /// Whether the participant asks to opt out.
    pub const fn requests_opt_out(self) -> bool {
        matches!(self, RescheduleDecision::RequestOptOut)
    }
}

labelled_enum! {
    /// Why an appointment is cancelled or rescheduled before it starts.
    pub enum CancelReason ("cancel reason") {
        UnableToAttend => ("unable_to_attend", "Unable to attend"),
        MovingOutsideEngland => ("moving_outside_england", "Moving outside England"),
        BreastImplantConcerns => ("breast_implant_concerns", "Breast implant concerns"),
        BilateralMastectomy => ("bilateral_mastectomy", "Bilateral mastectomy"),
        RecentMammogram => ("recent_mammogram", "Recent mammogram"),
        MedicalReasons => ("medical_reasons", "Medical reasons"),
        HasSymptomaticAppointment => ("has_symptomatic_appointment", "Has a symptomatic appointment"),
        NoQualifiedMammographer => ("no_qualified_mammographer", "No qualified mammographer available"),
        MammogramRoomUnavailable => ("mammogram_room_unavailable", "Mammogram room unavailable"),
        TechnicalIssues => ("technical_issues", "Technical issues at clinic"),
        Other => ("other", "Other reason"),
    }
}

impl CancelReason {
    /// Whether details must be given ("Other reason").
    pub const fn requires_details(self) -> bool {
        matches!(self, CancelReason::Other)
    }
}

labelled_enum! {
    /// "Will this appointment be resumed today?"
    pub enum ExitChoice ("exit choice") {
        PauseAndSave => ("pause", "Yes, pause and save changes"),
        CannotProceed => ("cannot_proceed", "No, appointment cannot proceed"),
        DiscardChanges => ("discard", "Discard changes and revert status to 'Checked in'"),
    }
}

impl ExitChoice {
    /// The status change this choice leads to. "No, appointment cannot proceed" first asks
    /// for the [`AttendedNotScreened`] details, then marks the appointment attended not screened.
    pub const fn action(self) -> AppointmentAction {
        match self {
            ExitChoice::PauseAndSave => AppointmentAction::Pause,
            ExitChoice::CannotProceed => AppointmentAction::AttendedNotScreened,
            ExitChoice::DiscardChanges => AppointmentAction::RevertToCheckedIn,
        }
    }
}

/// The choices offered on exit: all three before any image is taken; once an image has been
/// taken it must be reported, so the appointment can only be paused.
pub fn exit_choices(images_taken: bool) -> &'static [ExitChoice] {
    if images_taken {
        &[ExitChoice::PauseAndSave]
    } else {
        ExitChoice::ALL
    }
}

/// Whether images have been taken for an appointment, so that it can only be paused, not
/// stopped ("Appointment cannot proceed") or reverted ("Discard changes"): images recorded
/// by hand (`recorded`), or any image the gateway has delivered for it (`received`,
/// automatic flow, counted or not, confirmed or not). A machine's exposure is as real as
/// one written down, and must reach a reading case or a person's recorded decision.
pub const fn images_taken(recorded: i64, received: i64) -> bool {
    recorded > 0 || received > 0
}

/// Why an appointment that had started (or was checked in) cannot proceed, and what next.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttendedNotScreened {
    /// Each reason selected with its details (optional, except for "Other reason").
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::reasons_with_details))]
    pub reasons: Vec<(CannotProceedReason, String)>,
    /// The answer to "Should the appointment be rescheduled?" (required).
    pub reschedule: Option<RescheduleDecision>,
}

impl AttendedNotScreened {
    /// Checks at least one reason (each once), details for "Other reason" (field
    /// `"other_details"`), and an answer to the reschedule question.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::default();
        if self.reasons.is_empty() {
            e.add("reasons", "Select why this appointment has been stopped");
        }
        if has_duplicates(self.reasons.iter().map(|(r, _)| *r)) {
            e.add("reasons", "Select each reason only once");
        }
        for (reason, details) in &self.reasons {
            if reason.requires_details() && is_blank(details) {
                e.add(
                    format!("{}_details", reason.as_str()),
                    "Enter details of the other reason",
                );
            }
        }
        if self.reschedule.is_none() {
            e.add(
                "reschedule",
                "Select whether the appointment should be rescheduled",
            );
        }
        e.finish()
    }
}

/// A cancellation or reschedule request made before the appointment starts.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Cancellation {
    /// Why (required).
    pub reason: Option<CancelReason>,
    /// Details (required for "Other reason").
    pub details: String,
    /// The answer to "Should the appointment be rescheduled?" (required).
    pub reschedule: Option<RescheduleDecision>,
}

impl Cancellation {
    /// Checks the reason, details for "Other reason" and the reschedule answer.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::default();
        match self.reason {
            None => e.add(
                "reason",
                "Select why the appointment is being cancelled or rescheduled",
            ),
            Some(r) if r.requires_details() && is_blank(&self.details) => {
                e.add("details", "Enter details of the other reason")
            }
            Some(_) => {}
        }
        if self.reschedule.is_none() {
            e.add(
                "reschedule",
                "Select whether the appointment should be rescheduled",
            );
        }
        e.finish()
    }

    /// The action to take: request a reschedule when rescheduling, otherwise cancel.
    /// `None` until the reschedule question is answered.
    pub fn action(&self) -> Option<AppointmentAction> {
        self.reschedule.map(|r| {
            if r.reschedules() {
                AppointmentAction::RequestReschedule
            } else {
                AppointmentAction::Cancel
            }
        })
    }
}

fn has_duplicates<T: PartialEq>(items: impl IntoIterator<Item = T>) -> bool {
    let items: Vec<T> = items.into_iter().collect();
    items
        .iter()
        .enumerate()
        .any(|(i, a)| items[..i].iter().any(|b| b == a))
}

// ---------------------------------------------------------------------------------------------
// Closing a clinic
// ---------------------------------------------------------------------------------------------

labelled_enum! {
    /// The groups of appointments that still need an outcome when a clinic is closed.
    pub enum CloseGroup ("clinic close group") {
        InProgress => ("in_progress", "In progress"),
        CheckedInNotScreened => ("checked_in_not_screened", "Checked in, not screened"),
        DidNotCheckIn => ("did_not_check_in", "Did not check in"),
    }
}

impl CloseGroup {
    /// The group an appointment in `status` belongs to; `None` for a final status.
    /// Paused appointments are in progress.
    pub const fn for_status(status: AppointmentStatus) -> Option<CloseGroup> {
        match status {
            AppointmentStatus::InProgress | AppointmentStatus::Paused => {
                Some(CloseGroup::InProgress)
            }
            AppointmentStatus::CheckedIn => Some(CloseGroup::CheckedInNotScreened),
            AppointmentStatus::Scheduled => Some(CloseGroup::DidNotCheckIn),
            _ => None,
        }
    }

    /// The bulk action offered for the whole group (none for in-progress appointments,
    /// which are finished one by one).
    pub const fn bulk_action(self) -> Option<AppointmentAction> {
        match self {
            CloseGroup::InProgress => None,
            CloseGroup::CheckedInNotScreened => Some(AppointmentAction::AttendedNotScreened),
            CloseGroup::DidNotCheckIn => Some(AppointmentAction::DidNotAttend),
        }
    }

    /// The bulk action's button label.
    pub const fn bulk_action_label(self) -> Option<&'static str> {
        match self {
            CloseGroup::InProgress => None,
            CloseGroup::CheckedInNotScreened => Some("Mark all as attended not screened"),
            CloseGroup::DidNotCheckIn => Some("Mark all as did not attend"),
        }
    }
}

/// A non-empty group of appointments needing an outcome: indexes into the slice given to
/// [`close_groups`], in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClosingGroup {
    /// Which group.
    pub group: CloseGroup,
    /// The appointments in it, as indexes into the input.
    pub appointments: Vec<usize>,
}

/// Groups a clinic's appointments, each given as (status, whether attended-not-screened
/// details are recorded), into the groups still needing an outcome. Only non-empty groups
/// are returned, in [`CloseGroup::ALL`] order.
pub fn close_groups(appointments: &[(AppointmentStatus, bool)]) -> Vec<ClosingGroup> {
    CloseGroup::ALL
        .iter()
        .filter_map(|&group| {
            let members: Vec<usize> = appointments
                .iter()
                .enumerate()
                .filter(|(_, (status, _))| CloseGroup::for_status(*status) == Some(group))
                .map(|(i, _)| i)
                .collect();
            (!members.is_empty()).then_some(ClosingGroup {
                group,
                appointments: members,
            })
        })
        .collect()
}

/// Something stopping a clinic closing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CloseBlocker {
    /// The appointment at `index` has no final outcome.
    #[error("{}: record an appointment outcome", group.label())]
    NoOutcome {
        /// Index into the input.
        index: usize,
        /// The group it is listed under.
        group: CloseGroup,
    },
    /// The appointment at `index` is attended not screened without the reasons recorded.
    #[error("Attended not screened: record why the appointment was stopped")]
    AttendedNotScreenedWithoutDetails {
        /// Index into the input.
        index: usize,
    },
}

impl CloseBlocker {
    /// The index of the appointment concerned.
    pub const fn index(self) -> usize {
        match self {
            CloseBlocker::NoOutcome { index, .. }
            | CloseBlocker::AttendedNotScreenedWithoutDetails { index } => index,
        }
    }
}

/// Whether a clinic can close: every appointment (status, whether attended-not-screened
/// details are recorded) must have a final outcome, and every attended-not-screened one its
/// details. Otherwise every blocker, in input order; show [`CLOSE_CLINIC_BLOCKED`].
pub fn can_close(appointments: &[(AppointmentStatus, bool)]) -> Result<(), Vec<CloseBlocker>> {
    let blockers: Vec<CloseBlocker> = appointments
        .iter()
        .enumerate()
        .filter_map(|(index, &(status, has_details))| {
            if let Some(group) = CloseGroup::for_status(status) {
                Some(CloseBlocker::NoOutcome { index, group })
            } else if status == AppointmentStatus::AttendedNotScreened && !has_details {
                Some(CloseBlocker::AttendedNotScreenedWithoutDetails { index })
            } else {
                None
            }
        })
        .collect();
    if blockers.is_empty() {
        Ok(())
    } else {
        Err(blockers)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use AppointmentStatus as S;

    fn fields(result: Result<(), Vec<FieldError>>) -> Vec<String> {
        result
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.field.into_owned())
            .collect()
    }

    #[test]
    fn labels_are_the_reference_vocabulary() {
        assert_eq!(
            CannotProceedReason::ALL
                .iter()
                .map(|r| r.label())
                .collect::<Vec<_>>(),
            [
                "Failed identity check",
                "Pain during screening",
                "Has a symptomatic appointment",
                "Consent withdrawn",
                "Physical health issue",
                "Mental health issue",
                "Language difficulties",
                "No qualified mammographer available",
                "Technical issues at clinic",
                "Other reason",
            ]
        );
        assert_eq!(
            CancelReason::ALL
                .iter()
                .map(|r| r.label())
                .collect::<Vec<_>>(),
            [
                "Unable to attend",
                "Moving outside England",
                "Breast implant concerns",
                "Bilateral mastectomy",
                "Recent mammogram",
                "Medical reasons",
                "Has a symptomatic appointment",
                "No qualified mammographer available",
                "Mammogram room unavailable",
                "Technical issues at clinic",
                "Other reason",
            ]
        );
        // (decision, label, reschedules, opts out)
        let reschedule = [
            (
                RescheduleDecision::WithinSixWeeks,
                "Within the next 6 weeks",
                true,
                false,
            ),
            (
                RescheduleDecision::MoreThanSixWeeks,
                "More than 6 weeks away",
                true,
                false,
            ),
            (
                RescheduleDecision::InviteToNextRoutine,
                "No, invite to next routine appointment",
                false,
                false,
            ),
            (
                RescheduleDecision::RequestOptOut,
                "No, request opt out",
                false,
                true,
            ),
        ];
        assert_eq!(reschedule.len(), RescheduleDecision::ALL.len());
        for (d, label, reschedules, opts_out) in reschedule {
            assert_eq!(d.label(), label);
            assert_eq!(d.reschedules(), reschedules);
            assert_eq!(d.requests_opt_out(), opts_out);
            assert_eq!(d.as_str().parse::<RescheduleDecision>(), Ok(d));
        }
        for r in CannotProceedReason::ALL {
            assert_eq!(r.requires_details(), *r == CannotProceedReason::Other);
            assert_eq!(r.as_str().parse::<CannotProceedReason>(), Ok(*r));
        }
        for r in CancelReason::ALL {
            assert_eq!(r.requires_details(), *r == CancelReason::Other);
            assert_eq!(r.as_str().parse::<CancelReason>(), Ok(*r));
        }
    }

    #[test]
    fn images_received_from_the_machine_count_as_images_taken() {
        // (recorded by hand, received from the gateway) -> only pausing is offered.
        let table = [
            (0, 0, false),
            (4, 0, true),
            (0, 1, true),
            (0, 7, true),
            (4, 4, true),
        ];
        for (recorded, received, taken) in table {
            assert_eq!(
                images_taken(recorded, received),
                taken,
                "{recorded} {received}"
            );
            assert_eq!(
                exit_choices(images_taken(recorded, received)) == [ExitChoice::PauseAndSave],
                taken
            );
        }
    }

    #[test]
    fn exit_choices_before_and_after_images() {
        let table: &[(bool, &[&str])] = &[
            (
                false,
                &[
                    "Yes, pause and save changes",
                    "No, appointment cannot proceed",
                    "Discard changes and revert status to 'Checked in'",
                ],
            ),
            (true, &["Yes, pause and save changes"]),
        ];
        for &(images_taken, labels) in table {
            let offered: Vec<&str> = exit_choices(images_taken)
                .iter()
                .map(|c| c.label())
                .collect();
            assert_eq!(offered, labels, "images taken: {images_taken}");
        }
        // Every choice is a move the appointment rules allow from in progress.
        for choice in ExitChoice::ALL {
            assert!(
                S::InProgress.apply(choice.action()).is_ok(),
                "{choice:?} from in progress"
            );
        }
        assert_eq!(
            S::InProgress.apply(ExitChoice::PauseAndSave.action()),
            Ok(S::Paused)
        );
        assert_eq!(
            S::InProgress.apply(ExitChoice::CannotProceed.action()),
            Ok(S::AttendedNotScreened)
        );
        assert_eq!(
            S::InProgress.apply(ExitChoice::DiscardChanges.action()),
            Ok(S::CheckedIn)
        );
    }

    #[test]
    fn attended_not_screened_validation_table() {
        use CannotProceedReason as R;
        let r = |reason: R, details: &str| (reason, details.to_owned());
        let with = |reasons: Vec<(R, String)>, reschedule| AttendedNotScreened {
            reasons,
            reschedule,
        };
        let table: Vec<(AttendedNotScreened, Vec<&str>)> = vec![
            (
                with(
                    vec![r(R::PainDuringScreening, "")],
                    Some(RescheduleDecision::WithinSixWeeks),
                ),
                vec![],
            ),
            (
                AttendedNotScreened::default(),
                vec!["reasons", "reschedule"],
            ),
            (
                with(vec![r(R::ConsentWithdrawn, "")], None),
                vec!["reschedule"],
            ),
            (
                with(vec![], Some(RescheduleDecision::RequestOptOut)),
                vec!["reasons"],
            ),
            (
                with(
                    vec![r(R::TechnicalIssues, "Detector fault"), r(R::Other, "  ")],
                    Some(RescheduleDecision::MoreThanSixWeeks),
                ),
                vec!["other_details"],
            ),
            (
                with(
                    vec![r(R::Other, "Fire alarm")],
                    Some(RescheduleDecision::InviteToNextRoutine),
                ),
                vec![],
            ),
            (
                with(
                    vec![
                        r(R::LanguageDifficulties, ""),
                        r(R::LanguageDifficulties, ""),
                    ],
                    Some(RescheduleDecision::WithinSixWeeks),
                ),
                vec!["reasons"],
            ),
        ];
        for (ans, expected) in table {
            assert_eq!(fields(ans.validate()), expected, "{ans:?}");
        }
    }

    #[test]
    fn cancellation_validation_and_action() {
        let c = |reason, details: &str, reschedule| Cancellation {
            reason,
            details: details.to_owned(),
            reschedule,
        };
        // (cancellation, invalid fields, action)
        let table = [
            (
                c(
                    Some(CancelReason::UnableToAttend),
                    "",
                    Some(RescheduleDecision::WithinSixWeeks),
                ),
                vec![],
                Some(AppointmentAction::RequestReschedule),
            ),
            (
                c(
                    Some(CancelReason::MovingOutsideEngland),
                    "",
                    Some(RescheduleDecision::RequestOptOut),
                ),
                vec![],
                Some(AppointmentAction::Cancel),
            ),
            (
                c(
                    Some(CancelReason::Other),
                    " ",
                    Some(RescheduleDecision::InviteToNextRoutine),
                ),
                vec!["details"],
                Some(AppointmentAction::Cancel),
            ),
            (c(None, "", None), vec!["reason", "reschedule"], None),
        ];
        for (cancellation, expected, action) in table {
            assert_eq!(
                fields(cancellation.validate()),
                expected,
                "{cancellation:?}"
            );
            assert_eq!(cancellation.action(), action, "{cancellation:?}");
        }
    }

    #[test]
    fn close_group_for_every_status() {
        let table = [
            (S::Scheduled, Some(CloseGroup::DidNotCheckIn)),
            (S::CheckedIn, Some(CloseGroup::CheckedInNotScreened)),
            (S::InProgress, Some(CloseGroup::InProgress)),
            (S::Paused, Some(CloseGroup::InProgress)),
            (S::Screened, None),
            (S::PartiallyScreened, None),
            (S::AttendedNotScreened, None),
            (S::DidNotAttend, None),
            (S::Cancelled, None),
            (S::RescheduleRequested, None),
        ];
        assert_eq!(table.len(), S::ALL.len());
        for (status, group) in table {
            assert_eq!(CloseGroup::for_status(status), group, "{status:?}");
            assert_eq!(group.is_none(), status.is_final(), "{status:?}");
            // A group's bulk action is allowed for every status in it and gives a final one.
            if let Some(action) = group.and_then(CloseGroup::bulk_action) {
                let to = status.apply(action).expect("bulk action allowed");
                assert!(to.is_final(), "{status:?} -> {to:?}");
            }
        }
        let labels: Vec<(&str, Option<&str>)> = CloseGroup::ALL
            .iter()
            .map(|g| (g.label(), g.bulk_action_label()))
            .collect();
        assert_eq!(
            labels,
            [
                ("In progress", None),
                (
                    "Checked in, not screened",
                    Some("Mark all as attended not screened")
                ),
                ("Did not check in", Some("Mark all as did not attend")),
            ]
        );
    }

    #[test]
    fn close_groups_and_blockers_table() {
        use CloseBlocker::*;
        // (appointments, groups as (group, indexes), blockers)
        type Case = (
            Vec<(AppointmentStatus, bool)>,
            Vec<(CloseGroup, Vec<usize>)>,
            Vec<CloseBlocker>,
        );
        let table: Vec<Case> = vec![
            (vec![], vec![], vec![]),
            (
                vec![
                    (S::Screened, false),
                    (S::DidNotAttend, false),
                    (S::AttendedNotScreened, true),
                    (S::Cancelled, false),
                    (S::RescheduleRequested, false),
                    (S::PartiallyScreened, false),
                ],
                vec![],
                vec![],
            ),
            (
                vec![
                    (S::Screened, false),
                    (S::Paused, false),
                    (S::Scheduled, false),
                    (S::CheckedIn, false),
                    (S::InProgress, false),
                    (S::AttendedNotScreened, false),
                    (S::Scheduled, false),
                ],
                vec![
                    (CloseGroup::InProgress, vec![1, 4]),
                    (CloseGroup::CheckedInNotScreened, vec![3]),
                    (CloseGroup::DidNotCheckIn, vec![2, 6]),
                ],
                vec![
                    NoOutcome {
                        index: 1,
                        group: CloseGroup::InProgress,
                    },
                    NoOutcome {
                        index: 2,
                        group: CloseGroup::DidNotCheckIn,
                    },
                    NoOutcome {
                        index: 3,
                        group: CloseGroup::CheckedInNotScreened,
                    },
                    NoOutcome {
                        index: 4,
                        group: CloseGroup::InProgress,
                    },
                    AttendedNotScreenedWithoutDetails { index: 5 },
                    NoOutcome {
                        index: 6,
                        group: CloseGroup::DidNotCheckIn,
                    },
                ],
            ),
            (
                vec![(S::AttendedNotScreened, false), (S::Screened, false)],
                vec![],
                vec![AttendedNotScreenedWithoutDetails { index: 0 }],
            ),
        ];
        for (appointments, groups, blockers) in table {
            let got: Vec<(CloseGroup, Vec<usize>)> = close_groups(&appointments)
                .into_iter()
                .map(|g| (g.group, g.appointments))
                .collect();
            assert_eq!(got, groups, "{appointments:?}");
            let expected = if blockers.is_empty() {
                Ok(())
            } else {
                Err(blockers)
            };
            assert_eq!(can_close(&appointments), expected, "{appointments:?}");
        }
        assert_eq!(
            CLOSE_CLINIC_BLOCKED,
            "Record an appointment outcome for every participant to close this clinic."
        );
        let blocker = NoOutcome {
            index: 3,
            group: CloseGroup::CheckedInNotScreened,
        };
        assert_eq!(blocker.index(), 3);
        assert_eq!(
            blocker.to_string(),
            "Checked in, not screened: record an appointment outcome"
        );
    }
}
