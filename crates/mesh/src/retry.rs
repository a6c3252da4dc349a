//! How long to wait before trying a failed MESH call again.

use std::time::Duration;

/// The first wait: one minute.
const FIRST: Duration = Duration::from_secs(60);
/// The longest wait: one hour. MESH keeps a message for days, so an hourly try is often
/// enough, and a service that was down for an afternoon is caught up within the hour.
const CAP: Duration = Duration::from_secs(60 * 60);

/// The wait before retry number `attempt` (1-based): 1 min, 2, 4, 8, 16, 32, then 1 hour
/// from the 7th on. Attempt 0 is treated as 1. Pure, with no jitter: a caller with many
/// queued messages should spread them itself.
pub fn backoff(attempt: u32) -> Duration {
    let doublings = attempt.saturating_sub(1);
    // 2^6 minutes already passes the cap, so larger exponents need no arithmetic.
    if doublings >= 6 {
        return CAP;
    }
    FIRST.saturating_mul(1 << doublings).min(CAP)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_table() {
        let min = |m: u64| Duration::from_secs(m * 60);
        let table = [
            (0, min(1)),
            (1, min(1)),
            (2, min(2)),
            (3, min(4)),
            (4, min(8)),
            (5, min(16)),
            (6, min(32)),
            (7, min(60)),
            (8, min(60)),
            (30, min(60)),
            (u32::MAX, min(60)),
        ];
        for (attempt, expected) in table {
            assert_eq!(backoff(attempt), expected, "attempt {attempt}");
        }
    }

    #[test]
    fn never_shrinks() {
        for attempt in 1..100 {
            assert!(backoff(attempt + 1) >= backoff(attempt));
        }
    }
}
