//! How a result reaches people (issue 13): each result goes out on two channels, the
//! participant's letter and the GP message, and each channel's delivery moves through
//! its own states. The store keeps the states and their history; the moves are here.
//!
//! - A letter is queued, then put in the day's print batch. A re-issue is a new letter.
//! - A GP message is queued, sent over MESH (retried with backoff while MESH cannot be
//!   reached), delivered when the practice's mailbox downloads it (the infrastructure
//!   acknowledgement), and acknowledged when the practice's system answers (the business
//!   acknowledgement). A practice not on MESH makes it undeliverable: the office prints and
//!   posts it.
//! - A delivery not yet made when its result is superseded or withdrawn is cancelled: the
//!   new version goes out instead.
//! - Failed and undeliverable deliveries, and messages not acknowledged within the set
//!   number of days, are on the office's failsafe list until someone resolves them (with
//!   a note) or sends them again.

use time::{Duration, OffsetDateTime};

labelled_enum! {
    /// The two ways a result goes out.
    pub enum Channel ("channel") {
        Letter => ("letter", "Participant letter"),
        GpMessage => ("gp_message", "GP message"),
    }
}

labelled_enum! {
    /// Where one delivery of a result is.
    pub enum DeliveryState ("delivery state") {
        Queued => ("queued", "Queued"),
        Retrying => ("retrying", "Retrying"),
        Printed => ("printed", "In a print batch"),
        Sent => ("sent", "Sent"),
        Delivered => ("delivered", "Delivered to the practice"),
        Acknowledged => ("acknowledged", "Acknowledged by the practice"),
        Failed => ("failed", "Failed"),
        Undeliverable => ("undeliverable", "Practice not on MESH: print and post"),
        NotSent => ("not_sent", "Not sent"),
        Cancelled => ("cancelled", "Cancelled: the result changed"),
        Resolved => ("resolved", "Resolved by the office"),
    }
}

/// What happens to a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryEvent {
    /// A letter goes into a print batch.
    Batched,
    /// MESH accepted the GP message.
    Accepted,
    /// MESH could not be reached or failed for now: try again later.
    Transient,
    /// Given up: MESH refused the message, or the retries ran out.
    GaveUp,
    /// The practice has no mailbox for the workflow.
    NotOnMesh,
    /// The practice's mailbox downloaded the message (infrastructure acknowledgement).
    Downloaded,
    /// The practice's system accepted the message (business acknowledgement).
    AcknowledgedOk,
    /// The practice's system refused it (a negative business acknowledgement).
    AcknowledgedError,
    /// The result was superseded or withdrawn.
    ResultChanged,
    /// Someone in the office dealt with it by other means (posted, telephoned), with a note.
    OfficeResolved,
    /// Someone in the office sends it again.
    OfficeRetry,
}

/// A move the delivery's state does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a delivery that is {from:?} cannot take {event:?}")]
pub struct RefusedMove {
    pub from: DeliveryState,
    pub event: DeliveryEvent,
}

impl DeliveryState {
    /// The state after `event`, or why not.
    pub fn after(self, channel: Channel, event: DeliveryEvent) -> Result<Self, RefusedMove> {
        use Channel as C;
        use DeliveryEvent as E;
        use DeliveryState as S;
        let next = match (channel, self, event) {
            (C::Letter, S::Queued, E::Batched) => S::Printed,
            (C::GpMessage, S::Queued | S::Retrying, E::Accepted) => S::Sent,
            (C::GpMessage, S::Queued | S::Retrying, E::Transient) => S::Retrying,
            // MESH can also give up on a message it accepted (the practice never took it).
            (C::GpMessage, S::Queued | S::Retrying | S::Sent, E::GaveUp) => S::Failed,
            (C::GpMessage, S::Queued | S::Retrying, E::NotOnMesh) => S::Undeliverable,
            (C::GpMessage, S::Sent, E::Downloaded) => S::Delivered,
            (C::GpMessage, S::Sent | S::Delivered, E::AcknowledgedOk) => S::Acknowledged,
            (C::GpMessage, S::Sent | S::Delivered, E::AcknowledgedError) => S::Failed,
            (_, S::Queued | S::Retrying, E::ResultChanged) => S::Cancelled,
            (_, S::Failed | S::Undeliverable | S::Sent | S::Delivered, E::OfficeResolved) => {
                S::Resolved
            }
            (C::GpMessage, S::Failed | S::Undeliverable, E::OfficeRetry) => S::Queued,
            (_, from, event) => return Err(RefusedMove { from, event }),
        };
        Ok(next)
    }

    /// Whether the delivery is still to be made (the sender or the print batch takes it).
    pub const fn is_pending(self) -> bool {
        matches!(self, DeliveryState::Queued | DeliveryState::Retrying)
    }

    /// Whether nothing more will happen to it without someone acting.
    pub const fn is_final(self) -> bool {
        matches!(
            self,
            DeliveryState::Printed
                | DeliveryState::Acknowledged
                | DeliveryState::NotSent
                | DeliveryState::Cancelled
                | DeliveryState::Resolved
        )
    }
}

/// Whether the office may re-issue this letter: only one already printed. A queued letter
/// would go out twice, a held one ("did not attend") before her clinic closed, and a
/// cancelled one belongs to a result that has since changed.
pub const fn may_reissue(channel: Channel, state: DeliveryState) -> bool {
    matches!(channel, Channel::Letter) && matches!(state, DeliveryState::Printed)
}

labelled_enum! {
    /// Why a delivery is on the office's failsafe list.
    pub enum FailsafeReason ("failsafe reason") {
        Failed => ("failed", "Failed"),
        Undeliverable => ("undeliverable", "Practice not on MESH: print and post"),
        NotAcknowledged => ("not_acknowledged", "Not acknowledged"),
        Stuck => ("stuck", "Not sent yet"),
    }
}

/// Whether a delivery belongs on the failsafe list, and why: failed and undeliverable
/// ones at once; a GP message sent but not acknowledged after `ack_days`; one still not
/// sent `ack_days` after it was queued (MESH down for days, a hold never released).
pub fn failsafe(
    state: DeliveryState,
    queued_at: OffsetDateTime,
    sent_at: Option<OffsetDateTime>,
    now: OffsetDateTime,
    ack_days: i64,
) -> Option<FailsafeReason> {
    let overdue = |since: OffsetDateTime| now - since >= Duration::days(ack_days);
    match state {
        DeliveryState::Failed => Some(FailsafeReason::Failed),
        DeliveryState::Undeliverable => Some(FailsafeReason::Undeliverable),
        DeliveryState::Sent | DeliveryState::Delivered if sent_at.is_some_and(overdue) => {
            Some(FailsafeReason::NotAcknowledged)
        }
        DeliveryState::Queued | DeliveryState::Retrying if overdue(queued_at) => {
            Some(FailsafeReason::Stuck)
        }
        _ => None,
    }
}

/// How many times the sender tries a GP message before it gives up and puts it on the
/// failsafe list (with the MESH client's backoff, about two days of trying).
pub const MAX_ATTEMPTS: i64 = 12;

/// Why a result has no GP message.
pub const NO_PRACTICE: &str = "No registered GP practice";

#[cfg(test)]
mod tests {
    use super::*;
    use Channel::{GpMessage as G, Letter as L};
    use DeliveryEvent as E;
    use DeliveryState as S;

    #[test]
    fn allowed_moves() {
        let table = [
            (L, S::Queued, E::Batched, Some(S::Printed)),
            (G, S::Queued, E::Batched, None),
            (L, S::Queued, E::Accepted, None),
            (G, S::Queued, E::Accepted, Some(S::Sent)),
            (G, S::Retrying, E::Accepted, Some(S::Sent)),
            (G, S::Queued, E::Transient, Some(S::Retrying)),
            (G, S::Retrying, E::Transient, Some(S::Retrying)),
            (G, S::Retrying, E::GaveUp, Some(S::Failed)),
            (G, S::Sent, E::GaveUp, Some(S::Failed)),
            (G, S::Delivered, E::GaveUp, None),
            (G, S::Queued, E::NotOnMesh, Some(S::Undeliverable)),
            (G, S::Sent, E::Downloaded, Some(S::Delivered)),
            (G, S::Queued, E::Downloaded, None),
            (G, S::Sent, E::AcknowledgedOk, Some(S::Acknowledged)),
            (G, S::Delivered, E::AcknowledgedOk, Some(S::Acknowledged)),
            (G, S::Delivered, E::AcknowledgedError, Some(S::Failed)),
            (G, S::Acknowledged, E::AcknowledgedOk, None),
            (L, S::Queued, E::ResultChanged, Some(S::Cancelled)),
            (G, S::Retrying, E::ResultChanged, Some(S::Cancelled)),
            // Sent is sent: the correction goes out as a new version instead.
            (G, S::Sent, E::ResultChanged, None),
            (L, S::Printed, E::ResultChanged, None),
            (G, S::Failed, E::OfficeResolved, Some(S::Resolved)),
            (G, S::Undeliverable, E::OfficeResolved, Some(S::Resolved)),
            (G, S::Delivered, E::OfficeResolved, Some(S::Resolved)),
            (G, S::Queued, E::OfficeResolved, None),
            (G, S::Acknowledged, E::OfficeResolved, None),
            (G, S::Failed, E::OfficeRetry, Some(S::Queued)),
            (G, S::Undeliverable, E::OfficeRetry, Some(S::Queued)),
            (G, S::Sent, E::OfficeRetry, None),
            (L, S::Printed, E::OfficeRetry, None),
            (G, S::Cancelled, E::Accepted, None),
            (G, S::NotSent, E::Accepted, None),
        ];
        for (channel, from, event, want) in table {
            assert_eq!(
                from.after(channel, event).ok(),
                want,
                "{channel:?} {from:?} {event:?}"
            );
        }
    }

    #[test]
    fn only_a_printed_letter_is_reissued() {
        for channel in Channel::ALL {
            for state in DeliveryState::ALL {
                let want = *channel == Channel::Letter && *state == S::Printed;
                assert_eq!(may_reissue(*channel, *state), want, "{channel:?} {state:?}");
            }
        }
    }

    #[test]
    fn failsafe_list() {
        let t0 = time::macros::datetime!(2026-12-01 09:00 UTC);
        let day = Duration::days(1);
        let table = [
            (S::Failed, None, t0, Some(FailsafeReason::Failed)),
            (
                S::Undeliverable,
                None,
                t0,
                Some(FailsafeReason::Undeliverable),
            ),
            (S::Sent, Some(t0), t0 + 2 * day, None),
            (
                S::Sent,
                Some(t0),
                t0 + 3 * day,
                Some(FailsafeReason::NotAcknowledged),
            ),
            (
                S::Delivered,
                Some(t0),
                t0 + 4 * day,
                Some(FailsafeReason::NotAcknowledged),
            ),
            (S::Acknowledged, Some(t0), t0 + 30 * day, None),
            (S::Queued, None, t0 + day, None),
            (S::Retrying, None, t0 + 3 * day, Some(FailsafeReason::Stuck)),
            (S::Printed, None, t0 + 30 * day, None),
            (S::Resolved, None, t0 + 30 * day, None),
            (S::Cancelled, None, t0 + 30 * day, None),
        ];
        for (state, sent, now, want) in table {
            assert_eq!(
                failsafe(state, t0, sent, now, 3),
                want,
                "{state:?} at {now}"
            );
        }
    }

    #[test]
    fn pending_and_final_states_do_not_overlap() {
        for s in DeliveryState::ALL {
            assert!(!(s.is_pending() && s.is_final()), "{s:?}");
        }
    }
}
