//! Reading sessions, holds and priors.

use super::*;

labelled_enum! {
    /// What a reading session offers, oldest screening first.
    pub enum SessionKind ("session kind") {
        FirstReads => ("first_reads", "1st reads session"),
        SecondReads => ("second_reads", "2nd reads session"),
        /// Any case the reader can read, 1st or 2nd.
        Custom => ("custom", "Custom session"),
        /// Any case the reader can read from one clinic.
        Clinic => ("clinic", "Clinic session"),
        Arbitration => ("arbitration", "Arbitration session"),
    }
}

impl SessionKind {
    /// The case states this session offers.
    pub const fn states(self) -> &'static [ReadingState] {
        match self {
            SessionKind::FirstReads => &[ReadingState::AwaitingFirstRead],
            SessionKind::SecondReads => &[ReadingState::AwaitingSecondRead],
            SessionKind::Custom | SessionKind::Clinic => &[
                ReadingState::AwaitingFirstRead,
                ReadingState::AwaitingSecondRead,
            ],
            SessionKind::Arbitration => &[ReadingState::AwaitingArbitration],
        }
    }
}

/// The session sizes a reader can choose ("custom 10 / 25 / 50").
pub const SESSION_SIZES: [u8; 3] = [10, 25, 50];

/// Checks a chosen session size.
pub fn parse_session_size(input: &str) -> Result<u8, FieldError> {
    input
        .trim()
        .parse::<u8>()
        .ok()
        .filter(|n| SESSION_SIZES.contains(n))
        .ok_or_else(|| FieldError::new("size", "Select how many cases to read: 10, 25 or 50"))
}

labelled_enum! {
    /// What became of a case offered in a session.
    pub enum SessionResult ("session result") {
        Read => ("read", "Read"),
        Skipped => ("skipped", "Skipped"),
        Deferred => ("deferred", "Deferred"),
        PriorsRequested => ("priors_requested", "Priors requested"),
        Arbitrated => ("arbitrated", "Arbitrated"),
    }
}

impl SessionResult {
    /// Whether the case counts towards the session's size. A skipped case does not: the
    /// reader gets another in its place.
    pub const fn counts_as_done(self) -> bool {
        !matches!(self, SessionResult::Skipped)
    }
}

labelled_enum! {
    /// Where a case's prior mammograms are (the 2026-06 post).
    #[derive(Default)]
    pub enum PriorsStatus ("priors status") {
        #[default]
        NotRequested => ("not_requested", "Not requested"),
        /// A reader asked for them: the office is to request them.
        PriorsRequired => ("priors_required", "Priors required"),
        Requested => ("requested", "Requested"),
        Received => ("received", "Received"),
        NotAvailable => ("not_available", "Not available"),
        NotNeeded => ("not_needed", "Not needed"),
    }
}

impl PriorsStatus {
    /// Whether the case is held back from reading while its priors are awaited.
    pub const fn holds_case(self) -> bool {
        matches!(self, PriorsStatus::PriorsRequired | PriorsStatus::Requested)
    }

    /// The statuses the office may move a case to from this one.
    pub const fn next(self) -> &'static [PriorsStatus] {
        match self {
            PriorsStatus::PriorsRequired => &[
                PriorsStatus::Requested,
                PriorsStatus::NotAvailable,
                PriorsStatus::NotNeeded,
            ],
            PriorsStatus::Requested => &[PriorsStatus::Received, PriorsStatus::NotAvailable],
            PriorsStatus::NotRequested
            | PriorsStatus::Received
            | PriorsStatus::NotAvailable
            | PriorsStatus::NotNeeded => &[],
        }
    }

    /// Whether a reader may ask for priors now.
    pub const fn can_request(self) -> bool {
        !self.holds_case()
    }
}

labelled_enum! {
    /// Why a case is held back from reading: a reader deferred it, or asked for its
    /// priors. A deferral holds the case whatever else does.
    pub enum HoldKind ("hold kind") {
        Deferred => ("deferred", "Deferred"),
        Priors => ("priors", "Awaiting priors"),
    }
}

labelled_enum! {
    /// How a hold was released: a deferral by the office unflagging the case, a request
    /// for priors by the priors status that returned the case to reading.
    pub enum HoldRelease ("hold release") {
        Unflagged => ("unflagged", "Unflagged"),
        Received => ("received", "Priors received"),
        NotAvailable => ("not_available", "Priors not available"),
        NotNeeded => ("not_needed", "Priors not needed"),
    }
}

impl HoldRelease {
    /// The release of a request for priors that moved to `status`; `None` while the
    /// status still holds the case (or was never requested).
    pub const fn of_priors(status: PriorsStatus) -> Option<HoldRelease> {
        match status {
            PriorsStatus::Received => Some(HoldRelease::Received),
            PriorsStatus::NotAvailable => Some(HoldRelease::NotAvailable),
            PriorsStatus::NotNeeded => Some(HoldRelease::NotNeeded),
            PriorsStatus::NotRequested | PriorsStatus::PriorsRequired | PriorsStatus::Requested => {
                None
            }
        }
    }
}

/// Checks the reason a reader gives for deferring a case ("Reason for deferring").
pub fn validate_deferral_reason(reason: &str) -> Result<String, FieldError> {
    let reason = reason.trim();
    if reason.is_empty() {
        Err(FieldError::new(
            "reason",
            "Enter the reason for deferring this case",
        ))
    } else if reason.chars().count() > 1000 {
        Err(FieldError::new(
            "reason",
            "Reason for deferring must be 1000 characters or fewer",
        ))
    } else {
        Ok(reason.to_owned())
    }
}

/// Checks the optional reason a reader gives when requesting priors.
pub fn validate_priors_reason(reason: &str) -> Result<String, FieldError> {
    let reason = reason.trim();
    if reason.chars().count() > 1000 {
        Err(FieldError::new(
            "reason",
            "Reason for requesting priors must be 1000 characters or fewer",
        ))
    } else {
        Ok(reason.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hold_kinds_are_stored_as() {
        let table = [
            (HoldKind::Deferred, "deferred"),
            (HoldKind::Priors, "priors"),
        ];
        assert_eq!(HoldKind::ALL.len(), table.len());
        for (kind, stored) in table {
            assert_eq!(kind.as_str(), stored);
            assert_eq!(stored.parse::<HoldKind>(), Ok(kind));
        }
    }

    #[test]
    fn hold_releases_are_stored_as_and_follow_the_priors_status() {
        use PriorsStatus as P;
        // Each release, its stored value, and the priors status it follows, if any.
        let table = [
            (HoldRelease::Unflagged, "unflagged", None),
            (HoldRelease::Received, "received", Some(P::Received)),
            (
                HoldRelease::NotAvailable,
                "not_available",
                Some(P::NotAvailable),
            ),
            (HoldRelease::NotNeeded, "not_needed", Some(P::NotNeeded)),
        ];
        assert_eq!(HoldRelease::ALL.len(), table.len());
        for (release, stored, priors) in table {
            assert_eq!(release.as_str(), stored);
            assert_eq!(stored.parse::<HoldRelease>(), Ok(release));
            if let Some(p) = priors {
                // Stored as the priors status it follows, as before there was a type.
                assert_eq!(p.as_str(), stored);
                assert_eq!(HoldRelease::of_priors(p), Some(release));
            }
        }
        for p in PriorsStatus::ALL {
            // A status releases the hold exactly when it no longer holds the case (a
            // request never made has nothing to release).
            assert_eq!(
                HoldRelease::of_priors(*p).is_some(),
                !p.holds_case() && *p != P::NotRequested,
                "{p:?}"
            );
        }
    }

    #[test]
    fn session_kinds_offer_these_states() {
        use ReadingState::*;
        let table: &[(SessionKind, &[ReadingState])] = &[
            (SessionKind::FirstReads, &[AwaitingFirstRead]),
            (SessionKind::SecondReads, &[AwaitingSecondRead]),
            (
                SessionKind::Custom,
                &[AwaitingFirstRead, AwaitingSecondRead],
            ),
            (
                SessionKind::Clinic,
                &[AwaitingFirstRead, AwaitingSecondRead],
            ),
            (SessionKind::Arbitration, &[AwaitingArbitration]),
        ];
        for (kind, states) in table {
            assert_eq!(kind.states(), *states, "{kind:?}");
        }
    }

    #[test]
    fn session_sizes_are_10_25_or_50() {
        let table = [
            ("10", Some(10)),
            ("25", Some(25)),
            (" 50 ", Some(50)),
            ("12", None),
            ("0", None),
            ("", None),
            ("fifty", None),
            ("-10", None),
            ("1000", None),
        ];
        for (input, want) in table {
            assert_eq!(parse_session_size(input).ok(), want, "{input:?}");
        }
    }

    #[test]
    fn only_skipping_leaves_a_session_place_open() {
        for result in SessionResult::ALL {
            assert_eq!(
                result.counts_as_done(),
                *result != SessionResult::Skipped,
                "{result:?}"
            );
        }
    }

    #[test]
    fn priors_move_from_required_to_requested_to_received_or_not_available() {
        use PriorsStatus::*;
        let table: &[(PriorsStatus, &[PriorsStatus], bool, bool)] = &[
            // status, may move to, holds the case, a reader may request
            (NotRequested, &[], false, true),
            (
                PriorsRequired,
                &[Requested, NotAvailable, NotNeeded],
                true,
                false,
            ),
            (Requested, &[Received, NotAvailable], true, false),
            (Received, &[], false, true),
            (NotAvailable, &[], false, true),
            (NotNeeded, &[], false, true),
        ];
        for (status, next, holds, can_request) in table {
            assert_eq!(status.next(), *next, "{status:?}");
            assert_eq!(status.holds_case(), *holds, "{status:?}");
            assert_eq!(status.can_request(), *can_request, "{status:?}");
        }
    }

    #[test]
    fn deferral_needs_a_reason_and_priors_may_have_one() {
        assert!(validate_deferral_reason("  ").is_err());
        assert_eq!(
            validate_deferral_reason("  MLOs swapped ").ok().as_deref(),
            Some("MLOs swapped")
        );
        assert!(validate_deferral_reason(&"x".repeat(1001)).is_err());
        assert_eq!(validate_priors_reason(" ").ok().as_deref(), Some(""));
        assert!(validate_priors_reason(&"x".repeat(1001)).is_err());
    }
}
