//! Appointment statuses, the moves between them, and how a clinic page presents them.

use crate::role::Permission;

labelled_enum! {
    /// Where an appointment is. The final ones end the appointment.
    pub enum AppointmentStatus ("appointment status") {
        Scheduled => ("scheduled", "Scheduled"),
        CheckedIn => ("checked_in", "Checked in"),
        InProgress => ("in_progress", "In progress"),
        Paused => ("paused", "Paused"),
        Screened => ("screened", "Screened"),
        PartiallyScreened => ("partially_screened", "Partially screened"),
        AttendedNotScreened => ("attended_not_screened", "Attended not screened"),
        DidNotAttend => ("did_not_attend", "Did not attend"),
        Cancelled => ("cancelled", "Cancelled"),
        RescheduleRequested => ("reschedule_requested", "Reschedule requested"),
    }
}

labelled_enum! {
    /// Something a person does to an appointment that changes its status.
    pub enum AppointmentAction ("appointment action") {
        CheckIn => ("check_in", "check in"),
        Start => ("start", "start"),
        Pause => ("pause", "pause"),
        Resume => ("resume", "resume"),
        /// "Discard changes and revert status to 'Checked in'".
        RevertToCheckedIn => ("revert_to_checked_in", "revert to checked in"),
        Screen => ("screen", "mark as screened"),
        PartiallyScreen => ("partially_screen", "mark as partially screened"),
        AttendedNotScreened => ("attended_not_screened", "mark as attended not screened"),
        DidNotAttend => ("did_not_attend", "mark as did not attend"),
        Cancel => ("cancel", "cancel"),
        RequestReschedule => ("request_reschedule", "request a reschedule for"),
        UndoDidNotAttend => ("undo_did_not_attend", "undo did not attend for"),
        UndoCancel => ("undo_cancel", "undo the cancellation of"),
    }
}

/// A move the rules refuse. Nothing is changed when this is returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("You cannot {} an appointment that is {}", action.label(), from.label().to_lowercase())]
pub struct TransitionError {
    pub from: AppointmentStatus,
    pub action: AppointmentAction,
}

impl AppointmentStatus {
    /// A final status ends the appointment; only the undo actions leave one.
    pub const fn is_final(self) -> bool {
        use AppointmentStatus::*;
        matches!(
            self,
            Screened
                | PartiallyScreened
                | AttendedNotScreened
                | DidNotAttend
                | Cancelled
                | RescheduleRequested
        )
    }

    /// The NHS design system tag colour modifier for this status.
    pub const fn tag_class(self) -> &'static str {
        use AppointmentStatus::*;
        match self {
            Scheduled => "nhsuk-tag--grey",
            CheckedIn => "nhsuk-tag--blue",
            InProgress => "nhsuk-tag--aqua-green",
            Paused => "nhsuk-tag--yellow",
            Screened => "nhsuk-tag--green",
            PartiallyScreened => "nhsuk-tag--orange",
            AttendedNotScreened => "nhsuk-tag--orange",
            DidNotAttend => "nhsuk-tag--red",
            Cancelled | RescheduleRequested => "nhsuk-tag--white",
        }
    }

    /// The status an action moves this one to, or why it cannot.
    pub fn apply(self, action: AppointmentAction) -> Result<AppointmentStatus, TransitionError> {
        use AppointmentAction as A;
        use AppointmentStatus as S;
        let next = match (action, self) {
            (A::CheckIn, S::Scheduled) => S::CheckedIn,
            (A::Start, S::Scheduled | S::CheckedIn) => S::InProgress,
            (A::Pause, S::InProgress) => S::Paused,
            (A::Resume, S::Paused) => S::InProgress,
            (A::RevertToCheckedIn, S::InProgress | S::Paused) => S::CheckedIn,
            (A::Screen, S::InProgress) => S::Screened,
            (A::PartiallyScreen, S::InProgress) => S::PartiallyScreened,
            (A::AttendedNotScreened, S::CheckedIn | S::InProgress | S::Paused) => {
                S::AttendedNotScreened
            }
            (A::DidNotAttend, S::Scheduled) => S::DidNotAttend,
            (A::Cancel, S::Scheduled) => S::Cancelled,
            (A::RequestReschedule, S::Scheduled) => S::RescheduleRequested,
            (A::UndoDidNotAttend, S::DidNotAttend) => S::Scheduled,
            (A::UndoCancel, S::Cancelled) => S::Scheduled,
            (action, from) => return Err(TransitionError { from, action }),
        };
        Ok(next)
    }

    /// The action offered on the clinic page for an appointment in this status, in a clinic
    /// on a later day (`future`) or not: nobody is checked in or started before the day.
    pub const fn row_action_when(self, future: bool) -> RowAction {
        match self.row_action() {
            RowAction::CheckIn | RowAction::Start if future => RowAction::View,
            other => other,
        }
    }

    /// The action offered on the clinic page for an appointment in this status.
    pub const fn row_action(self) -> RowAction {
        use AppointmentStatus::*;
        match self {
            Scheduled => RowAction::CheckIn,
            CheckedIn => RowAction::Start,
            InProgress | Paused => RowAction::Resume,
            _ => RowAction::View,
        }
    }
}

impl AppointmentAction {
    /// What a user must be allowed to do to take this action.
    pub const fn permission(self) -> Permission {
        use AppointmentAction::*;
        match self {
            CheckIn => Permission::CheckIn,
            Start | Pause | Resume | RevertToCheckedIn | Screen | PartiallyScreen
            | AttendedNotScreened => Permission::RunAppointment,
            DidNotAttend | Cancel | RequestReschedule | UndoDidNotAttend | UndoCancel => {
                Permission::ManageAppointments
            }
        }
    }
}

/// What a person is told when they ask the generic status change to record a screen.
pub const COMPLETE_TO_SCREEN: &str = "Complete the appointment's checks and choose 'Complete screening' to record a screen. A screen is recorded only with its images record, IR(ME)R record and the identity and medical checks.";

/// A change the rules refuse in the state the appointment or its clinic is in. Nothing is
/// changed when this is returned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct NotAllowed(pub String);

impl AppointmentAction {
    /// Whether a person may ask for this action on its own (the generic "apply an action"
    /// request). Screened and Partially screened are reached only by completing the
    /// appointment, which records the images, the IR(ME)R record and the checks with it.
    pub fn requestable(self) -> Result<(), NotAllowed> {
        match self {
            AppointmentAction::Screen | AppointmentAction::PartiallyScreen => {
                Err(NotAllowed(COMPLETE_TO_SCREEN.to_owned()))
            }
            _ => Ok(()),
        }
    }
}

/// When and whether a clinic runs: what the rules about its appointments depend on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClinicTiming {
    pub date: time::Date,
    /// The clinic's start time, on its date (the clinic's local time).
    pub starts_at: time::Time,
    pub status: crate::ClinicStatus,
}

impl ClinicTiming {
    /// Whether the clinic's day is still to come on `today`.
    pub fn is_future(&self, today: time::Date) -> bool {
        self.date > today
    }

    fn when(&self) -> String {
        let f = time::macros::format_description!("[day padding:none] [month repr:long] [year]");
        self.date
            .format(&f)
            .unwrap_or_else(|_| self.date.to_string())
    }
}

/// Whether `action` may be taken on an appointment of `clinic` at `now` (the date and time
/// as the service reckons them for clinics). Nobody is checked in, started or screened for
/// a clinic on a later day; did not attend is recorded only once the clinic has started;
/// undoing did not attend or a cancellation is refused once the clinic is closed; nothing
/// starts in a closed or cancelled clinic.
pub fn action_allowed_at(
    action: AppointmentAction,
    clinic: &ClinicTiming,
    now: time::PrimitiveDateTime,
) -> Result<(), NotAllowed> {
    use crate::ClinicStatus as C;
    use AppointmentAction as A;
    let today = now.date();
    match action {
        A::CheckIn | A::Start | A::Screen | A::PartiallyScreen if clinic.is_future(today) => {
            Err(NotAllowed(format!(
                "This clinic is on {}. Participants can be checked in, screened or have their appointment started only on the day of their clinic.",
                clinic.when()
            )))
        }
        A::CheckIn | A::Start if matches!(clinic.status, C::Closed | C::Cancelled) => {
            Err(NotAllowed(format!(
                "This clinic is {}. Book a new appointment in an open clinic instead.",
                clinic.status.label().to_lowercase()
            )))
        }
        A::DidNotAttend
            if now < time::PrimitiveDateTime::new(clinic.date, clinic.starts_at) =>
        {
            Err(NotAllowed(format!(
                "This clinic has not started yet (it starts at {} on {}). Record did not attend only once the clinic has started.",
                clinic
                    .starts_at
                    .format(time::macros::format_description!("[hour]:[minute]"))
                    .unwrap_or_default(),
                clinic.when()
            )))
        }
        A::UndoDidNotAttend | A::UndoCancel if clinic.status == C::Closed => Err(NotAllowed(
            "This clinic is closed, so its outcomes can no longer be undone. Book a new appointment instead."
                .to_owned(),
        )),
        _ => Ok(()),
    }
}

/// Whether a new appointment can be booked into a clinic with this status.
pub fn can_book(status: crate::ClinicStatus) -> Result<(), NotAllowed> {
    match status {
        crate::ClinicStatus::Closed | crate::ClinicStatus::Cancelled => Err(NotAllowed(format!(
            "This clinic is {}. Choose a clinic that is still open for booking.",
            status.label().to_lowercase()
        ))),
        _ => Ok(()),
    }
}

/// The action link or button on a clinic page row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowAction {
    CheckIn,
    Start,
    Resume,
    View,
}

impl RowAction {
    pub const fn label(self) -> &'static str {
        match self {
            RowAction::CheckIn => "Check in",
            RowAction::Start => "Start appointment",
            RowAction::Resume => "Resume appointment",
            RowAction::View => "View appointment",
        }
    }
}

labelled_enum! {
    /// The filters above a clinic's appointment list.
    pub enum ClinicFilter ("clinic filter") {
        Remaining => ("remaining", "Remaining"),
        CheckedIn => ("checked_in", "Checked in"),
        InProgress => ("in_progress", "In progress"),
        Complete => ("complete", "Complete"),
        All => ("all", "All"),
    }
}

impl ClinicFilter {
    /// Whether an appointment in `status` is listed under this filter. "Remaining" is every
    /// appointment without a final outcome yet.
    pub const fn matches(self, status: AppointmentStatus) -> bool {
        use AppointmentStatus as S;
        match self {
            ClinicFilter::Remaining => !status.is_final(),
            ClinicFilter::CheckedIn => matches!(status, S::CheckedIn),
            ClinicFilter::InProgress => matches!(status, S::InProgress | S::Paused),
            ClinicFilter::Complete => status.is_final(),
            ClinicFilter::All => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use AppointmentAction as A;
    use AppointmentStatus as S;

    /// Every allowed move. Any (action, status) pair not listed here must be refused.
    const ALLOWED: &[(A, S, S)] = &[
        (A::CheckIn, S::Scheduled, S::CheckedIn),
        (A::Start, S::Scheduled, S::InProgress),
        (A::Start, S::CheckedIn, S::InProgress),
        (A::Pause, S::InProgress, S::Paused),
        (A::Resume, S::Paused, S::InProgress),
        (A::RevertToCheckedIn, S::InProgress, S::CheckedIn),
        (A::RevertToCheckedIn, S::Paused, S::CheckedIn),
        (A::Screen, S::InProgress, S::Screened),
        (A::PartiallyScreen, S::InProgress, S::PartiallyScreened),
        (A::AttendedNotScreened, S::CheckedIn, S::AttendedNotScreened),
        (
            A::AttendedNotScreened,
            S::InProgress,
            S::AttendedNotScreened,
        ),
        (A::AttendedNotScreened, S::Paused, S::AttendedNotScreened),
        (A::DidNotAttend, S::Scheduled, S::DidNotAttend),
        (A::Cancel, S::Scheduled, S::Cancelled),
        (A::RequestReschedule, S::Scheduled, S::RescheduleRequested),
        (A::UndoDidNotAttend, S::DidNotAttend, S::Scheduled),
        (A::UndoCancel, S::Cancelled, S::Scheduled),
    ];

    #[test]
    fn every_allowed_move() {
        for &(action, from, to) in ALLOWED {
            assert_eq!(from.apply(action), Ok(to), "{action:?} from {from:?}");
        }
    }

    #[test]
    fn every_other_move_is_refused_with_a_typed_error() {
        let mut refused = 0;
        for &action in A::ALL {
            for &from in S::ALL {
                if ALLOWED.iter().any(|&(a, f, _)| a == action && f == from) {
                    continue;
                }
                assert_eq!(from.apply(action), Err(TransitionError { from, action }));
                refused += 1;
            }
        }
        assert_eq!(refused, A::ALL.len() * S::ALL.len() - ALLOWED.len());
    }

    #[test]
    fn final_statuses_are_left_only_by_undo() {
        for &from in S::ALL.iter().filter(|s| s.is_final()) {
            for &action in A::ALL {
                if let Ok(to) = from.apply(action) {
                    assert!(matches!(action, A::UndoCancel | A::UndoDidNotAttend));
                    assert_eq!(to, S::Scheduled);
                }
            }
        }
    }

    #[test]
    fn refusal_reads_as_a_sentence() {
        let err = S::Screened.apply(A::CheckIn).unwrap_err();
        assert_eq!(
            err.to_string(),
            "You cannot check in an appointment that is screened"
        );
    }

    #[test]
    fn labels_and_values_round_trip() {
        let table: &[(S, &str, &str, bool)] = &[
            (S::Scheduled, "scheduled", "Scheduled", false),
            (S::CheckedIn, "checked_in", "Checked in", false),
            (S::InProgress, "in_progress", "In progress", false),
            (S::Paused, "paused", "Paused", false),
            (S::Screened, "screened", "Screened", true),
            (
                S::PartiallyScreened,
                "partially_screened",
                "Partially screened",
                true,
            ),
            (
                S::AttendedNotScreened,
                "attended_not_screened",
                "Attended not screened",
                true,
            ),
            (S::DidNotAttend, "did_not_attend", "Did not attend", true),
            (S::Cancelled, "cancelled", "Cancelled", true),
            (
                S::RescheduleRequested,
                "reschedule_requested",
                "Reschedule requested",
                true,
            ),
        ];
        assert_eq!(table.len(), S::ALL.len());
        for &(status, value, label, is_final) in table {
            assert_eq!(status.as_str(), value);
            assert_eq!(status.label(), label);
            assert_eq!(status.is_final(), is_final);
            assert_eq!(value.parse::<S>(), Ok(status));
        }
        assert!("arrived".parse::<S>().is_err());
    }

    #[test]
    fn row_actions_and_filters() {
        let table: &[(S, &str, [bool; 5])] = &[
            // Remaining, Checked in, In progress, Complete, All
            (S::Scheduled, "Check in", [true, false, false, false, true]),
            (
                S::CheckedIn,
                "Start appointment",
                [true, true, false, false, true],
            ),
            (
                S::InProgress,
                "Resume appointment",
                [true, false, true, false, true],
            ),
            (
                S::Paused,
                "Resume appointment",
                [true, false, true, false, true],
            ),
            (
                S::Screened,
                "View appointment",
                [false, false, false, true, true],
            ),
            (
                S::PartiallyScreened,
                "View appointment",
                [false, false, false, true, true],
            ),
            (
                S::AttendedNotScreened,
                "View appointment",
                [false, false, false, true, true],
            ),
            (
                S::DidNotAttend,
                "View appointment",
                [false, false, false, true, true],
            ),
            (
                S::Cancelled,
                "View appointment",
                [false, false, false, true, true],
            ),
            (
                S::RescheduleRequested,
                "View appointment",
                [false, false, false, true, true],
            ),
        ];
        for &(status, action, filters) in table {
            assert_eq!(status.row_action().label(), action, "{status:?}");
            for (filter, expected) in ClinicFilter::ALL.iter().zip(filters) {
                assert_eq!(
                    filter.matches(status),
                    expected,
                    "{status:?} under {filter:?}"
                );
            }
        }
    }

    #[test]
    fn generic_action_cannot_screen() {
        for &action in A::ALL {
            let refused = matches!(action, A::Screen | A::PartiallyScreen);
            assert_eq!(action.requestable().is_err(), refused, "{action:?}");
        }
        let err = A::Screen.requestable().unwrap_err();
        assert!(err.to_string().contains("'Complete screening'"), "{err}");
    }

    #[test]
    fn states_that_cannot_be_reached_table() {
        use crate::ClinicStatus as C;
        use time::macros::{date, datetime, time};
        let clinic = |date, status| ClinicTiming {
            date,
            starts_at: time!(09:00),
            status,
        };
        let today = date!(2026 - 11 - 25);
        let tomorrow = date!(2026 - 11 - 26);
        let yesterday = date!(2026 - 11 - 24);
        let before_start = datetime!(2026-11-25 08:59);
        let after_start = datetime!(2026-11-25 09:00);
        // (action, clinic, now, allowed)
        let table = [
            // Nothing runs before the clinic's day.
            (
                A::CheckIn,
                clinic(tomorrow, C::Scheduled),
                after_start,
                false,
            ),
            (A::Start, clinic(tomorrow, C::Scheduled), after_start, false),
            (
                A::Screen,
                clinic(tomorrow, C::Scheduled),
                after_start,
                false,
            ),
            (
                A::PartiallyScreen,
                clinic(tomorrow, C::Scheduled),
                after_start,
                false,
            ),
            (A::CheckIn, clinic(today, C::Scheduled), before_start, true),
            (A::Start, clinic(today, C::InProgress), before_start, true),
            (A::Screen, clinic(today, C::InProgress), after_start, true),
            (
                A::CheckIn,
                clinic(yesterday, C::InProgress),
                after_start,
                true,
            ),
            // Not into a closed or cancelled clinic.
            (A::CheckIn, clinic(today, C::Closed), after_start, false),
            (A::Start, clinic(today, C::Cancelled), after_start, false),
            // Did not attend only once the clinic has started.
            (
                A::DidNotAttend,
                clinic(tomorrow, C::Scheduled),
                after_start,
                false,
            ),
            (
                A::DidNotAttend,
                clinic(today, C::Scheduled),
                before_start,
                false,
            ),
            (
                A::DidNotAttend,
                clinic(today, C::InProgress),
                after_start,
                true,
            ),
            (
                A::DidNotAttend,
                clinic(yesterday, C::InProgress),
                before_start,
                true,
            ),
            // Undo only while the clinic is open.
            (
                A::UndoDidNotAttend,
                clinic(today, C::InProgress),
                after_start,
                true,
            ),
            (
                A::UndoDidNotAttend,
                clinic(yesterday, C::Closed),
                after_start,
                false,
            ),
            (
                A::UndoCancel,
                clinic(tomorrow, C::Scheduled),
                after_start,
                true,
            ),
            (
                A::UndoCancel,
                clinic(yesterday, C::Closed),
                after_start,
                false,
            ),
            // Cancelling ahead of the day stays possible.
            (A::Cancel, clinic(tomorrow, C::Scheduled), after_start, true),
            (
                A::RequestReschedule,
                clinic(tomorrow, C::Scheduled),
                after_start,
                true,
            ),
        ];
        for (action, clinic, now, allowed) in table {
            assert_eq!(
                action_allowed_at(action, &clinic, now).is_ok(),
                allowed,
                "{action:?} {clinic:?} at {now}"
            );
        }
        let err = action_allowed_at(A::CheckIn, &clinic(tomorrow, C::Scheduled), after_start)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "This clinic is on 26 November 2026. Participants can be checked in, screened or have their appointment started only on the day of their clinic."
        );
        let err = action_allowed_at(A::DidNotAttend, &clinic(today, C::Scheduled), before_start)
            .unwrap_err();
        assert!(err.to_string().contains("starts at 09:00"), "{err}");
    }

    #[test]
    fn booking_into_a_closed_or_cancelled_clinic_is_refused() {
        use crate::ClinicStatus as C;
        for (status, ok) in [
            (C::Scheduled, true),
            (C::InProgress, true),
            (C::Closed, false),
            (C::Cancelled, false),
        ] {
            assert_eq!(can_book(status).is_ok(), ok, "{status:?}");
        }
    }

    #[test]
    fn future_clinic_rows_offer_no_check_in_or_start() {
        // (status, future, label)
        let table = [
            (S::Scheduled, false, "Check in"),
            (S::Scheduled, true, "View appointment"),
            (S::CheckedIn, false, "Start appointment"),
            (S::CheckedIn, true, "View appointment"),
            (S::InProgress, true, "Resume appointment"),
            (S::Screened, true, "View appointment"),
        ];
        for (status, future, label) in table {
            assert_eq!(status.row_action_when(future).label(), label, "{status:?}");
        }
    }
}
