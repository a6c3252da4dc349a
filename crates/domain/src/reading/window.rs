//! The reading window and who holds a case.

use super::*;

labelled_enum! {
    /// How close a case is to the end of its reading window. Pages tag "Due soon" and
    /// "Urgent"; "On time" needs no tag.
    pub enum DueStatus ("due status") {
        OnTime => ("on_time", "On time"),
        DueSoon => ("due_soon", "Due soon"),
        Urgent => ("urgent", "Urgent"),
        Overdue => ("overdue", "Overdue"),
    }
}

/// A provider's reading window thresholds (reference §8: make them configurable).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadingWindow {
    /// Days from screening by which reading must be done. Default 14 (seed 2026-01).
    pub window_days: u16,
    /// "Due soon" with this many days left or fewer. Default 5.
    pub due_soon_days: u16,
    /// "Urgent" with this many days left or fewer. Default 2.
    pub urgent_days: u16,
}

impl Default for ReadingWindow {
    fn default() -> Self {
        ReadingWindow {
            window_days: 14,
            due_soon_days: 5,
            urgent_days: 2,
        }
    }
}

impl ReadingWindow {
    /// [`due_status`] with these thresholds.
    pub fn status(&self, screened_on: Date, today: Date) -> DueStatus {
        due_status(
            screened_on,
            today,
            self.window_days,
            self.due_soon_days,
            self.urgent_days,
        )
    }
}

/// How close a case screened on `screened_on` is to the end of its window on `today`.
/// Days left are `window_days` minus the days since screening: the last day of the window
/// (0 days left) is still "Urgent", the day after is "Overdue". With the defaults (14, 5,
/// 2): 6 or more days left is on time, 3 to 5 due soon, 0 to 2 urgent. A `today` before
/// the screening date counts as on time.
pub fn due_status(
    screened_on: Date,
    today: Date,
    window_days: u16,
    due_soon_days: u16,
    urgent_days: u16,
) -> DueStatus {
    let days_left = i64::from(window_days) - (today - screened_on).whole_days();
    if days_left < 0 {
        DueStatus::Overdue
    } else if days_left <= i64::from(urgent_days) {
        DueStatus::Urgent
    } else if days_left <= i64::from(due_soon_days) {
        DueStatus::DueSoon
    } else {
        DueStatus::OnTime
    }
}

impl ReadingWindow {
    /// Cases screened before this date are past their window on `today` ("Overdue" in
    /// [`due_status`]): the store lists unfinished cases with `screened_on` before it.
    pub fn overdue_before(&self, today: Date) -> Date {
        today.saturating_sub(Duration::days(i64::from(self.window_days)))
    }

    /// Whether a case in `state`, screened on `screened_on`, is overdue on `today`: it has
    /// no result yet and its reading window has passed. Held cases (deferred, awaiting
    /// priors) count: holding a case does not stop its window.
    pub fn is_overdue(&self, state: ReadingState, screened_on: Date, today: Date) -> bool {
        state != ReadingState::Concluded && screened_on < self.overdue_before(today)
    }
}

labelled_enum! {
    /// Who or what an unfinished case is waiting on, for the office's list of overdue
    /// cases.
    pub enum CaseHolder ("case holder") {
        /// Deferred by a reader until the office unflags it.
        Deferred => ("deferred", "Deferred by"),
        /// Held until prior mammograms arrive (or are marked not available or not needed).
        AwaitingPriors => ("awaiting_priors", "Awaiting prior mammograms requested by"),
        /// Open in a reader's session.
        Claimed => ("claimed", "Claimed by"),
        /// A read is in and may still be changed by its reader.
        AwaitingFinalisation => ("awaiting_finalisation", "Awaiting finalisation of a read by"),
        /// Nobody: waiting in the reading or arbitration queue.
        Queue => ("queue", "Nobody: waiting to be read"),
    }
}

/// Who holds an unfinished case: a deferral first (it holds the case whatever else does),
/// then a request for priors, then a live claim by a reader (one whose time has not run
/// out at `now`), then a read awaiting finalisation; otherwise nobody.
pub fn case_holder(
    state: ReadingState,
    held: Option<&str>,
    claimed_until: Option<OffsetDateTime>,
    now: OffsetDateTime,
) -> CaseHolder {
    match held {
        Some("deferred") => CaseHolder::Deferred,
        Some(_) => CaseHolder::AwaitingPriors,
        None if claimed_until.is_some_and(|until| until > now) => CaseHolder::Claimed,
        None if state == ReadingState::AwaitingFinalisation => CaseHolder::AwaitingFinalisation,
        None => CaseHolder::Queue,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reading::tests::*;
    use time::macros::date;

    #[test]
    fn due_status_table() {
        use DueStatus::*;
        let screened = date!(2026 - 03 - 02);
        let table = [
            (-1, 14, 5, 2, OnTime),
            (0, 14, 5, 2, OnTime),
            (8, 14, 5, 2, OnTime),
            (9, 14, 5, 2, DueSoon),
            (11, 14, 5, 2, DueSoon),
            (12, 14, 5, 2, Urgent),
            (14, 14, 5, 2, Urgent),
            (15, 14, 5, 2, Overdue),
            (40, 14, 5, 2, Overdue),
            (5, 10, 7, 3, DueSoon),
            (7, 10, 7, 3, Urgent),
            (6, 10, 7, 0, DueSoon),
            (10, 10, 7, 0, Urgent),
        ];
        for (days, window, soon, urgent, want) in table {
            let today = screened + Duration::days(days);
            assert_eq!(
                due_status(screened, today, window, soon, urgent),
                want,
                "day {days}"
            );
        }
        let defaults = ReadingWindow::default();
        assert_eq!(
            (
                defaults.window_days,
                defaults.due_soon_days,
                defaults.urgent_days
            ),
            (14, 5, 2)
        );
        assert_eq!(
            defaults.status(screened, screened + Duration::days(10)),
            DueSoon
        );
    }

    #[test]
    #[allow(clippy::type_complexity)]
    fn overdue_cases_are_past_their_window_whatever_holds_them() {
        use ReadingState::*;
        let window = ReadingWindow::default();
        let today = date!(2026 - 03 - 20);
        // (state, days since screening) -> overdue on `today` (window 14 days).
        let table: Vec<(ReadingState, i64, bool)> = vec![
            (AwaitingFirstRead, 0, false),
            (AwaitingFirstRead, 14, false),
            (AwaitingFirstRead, 15, true),
            (AwaitingSecondRead, 15, true),
            (AwaitingFinalisation, 30, true),
            (AwaitingArbitration, 15, true),
            (AwaitingArbitration, 13, false),
            (Concluded, 15, false),
            (Concluded, 90, false),
        ];
        for (state, days, want) in table {
            let screened = today - Duration::days(days);
            assert_eq!(
                window.is_overdue(state, screened, today),
                want,
                "{state:?}, {days} days"
            );
            // The same line as the "Overdue" tag.
            if state != Concluded {
                assert_eq!(
                    window.status(screened, today) == DueStatus::Overdue,
                    want,
                    "{state:?}, {days} days"
                );
            }
        }
        assert_eq!(window.overdue_before(today), date!(2026 - 03 - 06));
        let short = ReadingWindow {
            window_days: 7,
            due_soon_days: 3,
            urgent_days: 1,
        };
        assert!(short.is_overdue(AwaitingFirstRead, today - Duration::days(8), today));
        assert!(!short.is_overdue(AwaitingFirstRead, today - Duration::days(7), today));

        // Who holds it: deferral, then priors, then a live claim, then a pending read.
        let now = T0;
        let later = Some(T0 + Duration::minutes(5));
        let lapsed = Some(T0 - Duration::minutes(5));
        let table: Vec<(
            ReadingState,
            Option<&str>,
            Option<OffsetDateTime>,
            CaseHolder,
        )> = vec![
            (
                AwaitingFirstRead,
                Some("deferred"),
                later,
                CaseHolder::Deferred,
            ),
            (
                AwaitingSecondRead,
                Some("priors"),
                None,
                CaseHolder::AwaitingPriors,
            ),
            (AwaitingFirstRead, None, later, CaseHolder::Claimed),
            (AwaitingFirstRead, None, lapsed, CaseHolder::Queue),
            (
                AwaitingFinalisation,
                None,
                None,
                CaseHolder::AwaitingFinalisation,
            ),
            (AwaitingArbitration, None, later, CaseHolder::Claimed),
            (AwaitingArbitration, None, None, CaseHolder::Queue),
        ];
        for (state, held, claimed_until, want) in table {
            assert_eq!(
                case_holder(state, held, claimed_until, now),
                want,
                "{state:?} {held:?}"
            );
        }
    }
}
