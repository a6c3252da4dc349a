//! Follow-up requests the office acts on (book a reschedule, a recall, a referral, an
//! opt-out): their kinds, their states and the moves between them, and when an open one is
//! overdue.

use crate::ending::RescheduleDecision;
use crate::validation::{Errors, FieldError, is_blank};

labelled_enum! {
    /// What the office is asked to do.
    pub enum FollowUpKind ("follow-up kind") {
        MoreImages => ("more_images", "Recall for more images"),
        Reschedule => ("reschedule", "Reschedule requests"),
        TechnicalRecall => ("technical_recall", "Technical recalls"),
        AssessmentReferral => ("assessment_referral", "Assessment referrals"),
        OptOut => ("opt_out", "Opt-out requests"),
        MriReferral => ("mri_referral", "MRI referrals"),
    }
}

labelled_enum! {
    /// Where a follow-up request is. Done and cancelled are final.
    pub enum FollowUpState ("follow-up state") {
        Open => ("open", "Open"),
        Booked => ("booked", "Booked"),
        Done => ("done", "Done"),
        Cancelled => ("cancelled", "Cancelled"),
    }
}

/// The default number of days after which an open request is tagged "Overdue".
pub const DEFAULT_OVERDUE_DAYS: i64 = 14;
/// The range the office may set it to.
pub const OVERDUE_DAYS_RANGE: std::ops::RangeInclusive<i64> = 1..=365;

impl FollowUpState {
    pub const fn is_final(self) -> bool {
        matches!(self, FollowUpState::Done | FollowUpState::Cancelled)
    }

    /// The NHS tag colour for this state.
    pub const fn tag_class(self) -> &'static str {
        match self {
            FollowUpState::Open => "nhsuk-tag--blue",
            FollowUpState::Booked => "nhsuk-tag--aqua-green",
            FollowUpState::Done => "nhsuk-tag--green",
            FollowUpState::Cancelled => "nhsuk-tag--grey",
        }
    }

    /// The states a request in this one can be moved to.
    pub const fn next(self) -> &'static [FollowUpState] {
        use FollowUpState::*;
        match self {
            Open => &[Booked, Done, Cancelled],
            Booked => &[Open, Done, Cancelled],
            Done | Cancelled => &[],
        }
    }

    /// Checks a move to `to` with its reason: only the moves in [`FollowUpState::next`] are
    /// allowed, and cancelling needs a reason (field `"reason"`).
    pub fn move_to(self, to: FollowUpState, reason: &str) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::default();
        if !self.next().contains(&to) {
            e.add(
                "status",
                format!(
                    "This request is {}: it cannot be marked as {}",
                    self.label().to_lowercase(),
                    to.label().to_lowercase()
                ),
            );
        } else if to == FollowUpState::Cancelled && is_blank(reason) {
            e.add("reason", "Enter why the request is being cancelled");
        } else if self == FollowUpState::Booked && to == FollowUpState::Open && is_blank(reason) {
            e.add("reason", "Enter why the request needs booking again");
        }
        if reason.chars().count() > 1000 {
            e.add("reason", "The reason must be 1,000 characters or fewer");
        }
        e.finish()
    }
}

/// Checks the number of days after which an open request is overdue (field
/// `"follow_up_overdue_days"`).
pub fn validate_overdue_days(days: i64) -> Result<(), Vec<FieldError>> {
    if OVERDUE_DAYS_RANGE.contains(&days) {
        Ok(())
    } else {
        Err(vec![FieldError::new(
            "follow_up_overdue_days",
            "Enter a number of days between 1 and 365",
        )])
    }
}

/// How long a request has been open and whether it is overdue, on `today`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Age {
    pub days: i64,
    pub overdue: bool,
}

impl Age {
    /// A request raised on `raised` is `days` old on `today`, and overdue once that is more
    /// than `overdue_after` days.
    pub fn of(raised: time::Date, today: time::Date, overdue_after: i64) -> Age {
        let days = (today - raised).whole_days().max(0);
        Age {
            days,
            overdue: days > overdue_after,
        }
    }

    /// "Open for 9 days", "Open for 1 day", "Opened today".
    pub fn label(&self) -> String {
        match self.days {
            0 => "Opened today".to_owned(),
            1 => "Open for 1 day".to_owned(),
            n => format!("Open for {n} days"),
        }
    }
}

impl FollowUpKind {
    /// The type of clinic a request of this kind is booked into, in the request's own
    /// episode: recalls and reschedules into a screening clinic, a referral into an
    /// assessment clinic. An opt-out request is not booked.
    pub const fn books_into(self) -> Option<crate::ClinicType> {
        use crate::ClinicType;
        match self {
            FollowUpKind::MoreImages | FollowUpKind::TechnicalRecall | FollowUpKind::Reschedule => {
                Some(ClinicType::Screening)
            }
            FollowUpKind::AssessmentReferral => Some(ClinicType::Assessment),
            // Booked by the MRI service, outside this one.
            FollowUpKind::OptOut | FollowUpKind::MriReferral => None,
        }
    }

    /// Whether a participant who does not attend the appointment booked for this request
    /// goes on the failsafe list: the clinical follow-ups, whose result is still to come.
    pub const fn failsafe(self) -> bool {
        matches!(
            self,
            FollowUpKind::MoreImages
                | FollowUpKind::TechnicalRecall
                | FollowUpKind::AssessmentReferral
        )
    }

    /// Checks booking a request of this kind, in `state`, into a clinic of `clinic_type`
    /// (field `"clinic_id"` or `"status"`).
    pub fn check_booking(
        self,
        state: FollowUpState,
        clinic_type: crate::ClinicType,
    ) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::default();
        match self.books_into() {
            None => e.add(
                "status",
                format!("{} are not booked into a clinic", self.label()),
            ),
            Some(_) if state != FollowUpState::Open => e.add(
                "status",
                format!(
                    "This request is {}: only an open request is booked",
                    state.label().to_lowercase()
                ),
            ),
            Some(wanted) if wanted != clinic_type => e.add(
                "clinic_id",
                format!(
                    "Choose a slot in {} clinic: this is {}",
                    match wanted {
                        crate::ClinicType::Screening => "a screening",
                        crate::ClinicType::Assessment => "an assessment",
                    },
                    self.singular()
                ),
            ),
            Some(_) => {}
        }
        e.finish()
    }

    /// "a technical recall", for sentences.
    pub const fn singular(self) -> &'static str {
        match self {
            FollowUpKind::MoreImages => "a recall for more images",
            FollowUpKind::Reschedule => "a reschedule request",
            FollowUpKind::TechnicalRecall => "a technical recall",
            FollowUpKind::AssessmentReferral => "an assessment referral",
            FollowUpKind::OptOut => "an opt-out request",
            FollowUpKind::MriReferral => "an MRI referral",
        }
    }
}

impl RescheduleDecision {
    /// The follow-up request an ending with this answer to "Should the appointment be
    /// rescheduled?" raises for the office: a reschedule for either "Yes" answer, an
    /// opt-out request for "No, request opt out"; none for the next routine invitation.
    pub const fn follow_up(self) -> Option<FollowUpKind> {
        match self {
            RescheduleDecision::WithinSixWeeks | RescheduleDecision::MoreThanSixWeeks => {
                Some(FollowUpKind::Reschedule)
            }
            RescheduleDecision::RequestOptOut => Some(FollowUpKind::OptOut),
            RescheduleDecision::InviteToNextRoutine => None,
        }
    }
}

impl crate::ending::AttendedNotScreened {
    /// The reasons as one line for the office: "Pain during screening; Other reason: fire
    /// alarm".
    pub fn reasons_summary(&self) -> String {
        self.reasons
            .iter()
            .map(|(r, d)| {
                if is_blank(d) {
                    r.label().to_owned()
                } else {
                    format!("{}: {}", r.label(), d.trim())
                }
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use FollowUpState::*;
    use time::macros::date;

    /// Every allowed move; every other (from, to) pair is refused.
    const ALLOWED: &[(FollowUpState, FollowUpState)] = &[
        (Open, Booked),
        (Open, Done),
        (Open, Cancelled),
        (Booked, Open),
        (Booked, Done),
        (Booked, Cancelled),
    ];

    #[test]
    fn follow_up_moves_table() {
        for &from in FollowUpState::ALL {
            for &to in FollowUpState::ALL {
                let allowed = ALLOWED.contains(&(from, to));
                let result = from.move_to(to, "Participant phoned to cancel");
                assert_eq!(result.is_ok(), allowed, "{from:?} -> {to:?}");
                if !allowed {
                    assert_eq!(result.unwrap_err()[0].field, "status");
                }
            }
        }
        for &s in FollowUpState::ALL {
            assert_eq!(s.is_final(), s.next().is_empty(), "{s:?}");
        }
    }

    #[test]
    fn cancelling_a_follow_up_needs_a_reason() {
        // (from, to, reason, error fields)
        let table: &[(FollowUpState, FollowUpState, &str, &[&str])] = &[
            (Open, Cancelled, "", &["reason"]),
            (Open, Cancelled, "   ", &["reason"]),
            (Booked, Cancelled, "", &["reason"]),
            (Open, Cancelled, "Moved away", &[]),
            (Open, Booked, "", &[]),
            (Open, Done, "", &[]),
            (Booked, Done, "", &[]),
            (Booked, Open, "", &["reason"]),
            (Booked, Open, "Did not attend the recall appointment", &[]),
            (Done, Cancelled, "", &["status"]),
        ];
        for &(from, to, reason, fields) in table {
            let got: Vec<String> = from
                .move_to(to, reason)
                .err()
                .unwrap_or_default()
                .into_iter()
                .map(|e| e.field.into_owned())
                .collect();
            assert_eq!(got, fields, "{from:?} -> {to:?} {reason:?}");
        }
    }

    #[test]
    fn which_request_is_booked_into_which_clinic() {
        use crate::ClinicType::{Assessment, Screening};
        use FollowUpKind::*;
        // (kind, state, clinic type, error field)
        let table: &[(FollowUpKind, FollowUpState, crate::ClinicType, Option<&str>)] = &[
            (TechnicalRecall, Open, Screening, None),
            (MoreImages, Open, Screening, None),
            (Reschedule, Open, Screening, None),
            (AssessmentReferral, Open, Assessment, None),
            (TechnicalRecall, Open, Assessment, Some("clinic_id")),
            (AssessmentReferral, Open, Screening, Some("clinic_id")),
            (OptOut, Open, Screening, Some("status")),
            (MriReferral, Open, Screening, Some("status")),
            (MriReferral, Open, Assessment, Some("status")),
            (TechnicalRecall, Booked, Screening, Some("status")),
            (TechnicalRecall, Done, Screening, Some("status")),
            (TechnicalRecall, Cancelled, Screening, Some("status")),
        ];
        for &(kind, state, clinic, field) in table {
            let got = kind
                .check_booking(state, clinic)
                .err()
                .map(|e| e[0].field.to_string());
            assert_eq!(got.as_deref(), field, "{kind:?} {state:?} {clinic:?}");
        }
        for k in FollowUpKind::ALL {
            assert_eq!(
                k.failsafe(),
                !matches!(k, Reschedule | OptOut | MriReferral),
                "{k:?}"
            );
        }
    }

    #[test]
    fn age_and_overdue_table() {
        let today = date!(2026 - 11 - 25);
        // (raised, overdue after, label, overdue)
        let table = [
            (date!(2026 - 11 - 25), 14, "Opened today", false),
            (date!(2026 - 11 - 24), 14, "Open for 1 day", false),
            (date!(2026 - 11 - 16), 14, "Open for 9 days", false),
            (date!(2026 - 11 - 11), 14, "Open for 14 days", false),
            (date!(2026 - 11 - 10), 14, "Open for 15 days", true),
            (date!(2026 - 11 - 16), 7, "Open for 9 days", true),
            (date!(2026 - 11 - 26), 14, "Opened today", false),
        ];
        for (raised, after, label, overdue) in table {
            let age = Age::of(raised, today, after);
            assert_eq!(age.label(), label, "{raised}");
            assert_eq!(age.overdue, overdue, "{raised} after {after}");
        }
    }

    #[test]
    fn overdue_days_setting_range() {
        for (days, ok) in [(0, false), (1, true), (14, true), (365, true), (366, false)] {
            assert_eq!(validate_overdue_days(days).is_ok(), ok, "{days}");
        }
        assert_eq!(DEFAULT_OVERDUE_DAYS, 14);
    }

    #[test]
    fn which_ending_answer_raises_which_follow_up() {
        let table = [
            (
                RescheduleDecision::WithinSixWeeks,
                Some(FollowUpKind::Reschedule),
            ),
            (
                RescheduleDecision::MoreThanSixWeeks,
                Some(FollowUpKind::Reschedule),
            ),
            (RescheduleDecision::InviteToNextRoutine, None),
            (
                RescheduleDecision::RequestOptOut,
                Some(FollowUpKind::OptOut),
            ),
        ];
        assert_eq!(table.len(), RescheduleDecision::ALL.len());
        for (decision, kind) in table {
            assert_eq!(decision.follow_up(), kind, "{decision:?}");
        }
        for k in FollowUpKind::ALL {
            assert_eq!(k.as_str().parse::<FollowUpKind>(), Ok(*k));
        }
    }
}
