//! Reads, finalisation and case state; who may read and see a read.

use super::*;

/// One reader's read of a case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Read {
    /// Who read it.
    pub reader_id: ReaderId,
    /// Their opinion.
    pub opinion: Opinion,
    /// When the opinion was (last) given. Changing the opinion restarts the delay.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// The reader finalised it early, before the delay ran out.
    #[serde(default)]
    pub finalised_early: bool,
    /// It was given blind: blinding was on and the reader could not see the other
    /// opinion. Such a read can never change once its reader sees the other opinion
    /// ([`read_visible`], [`change_allowed`]).
    #[serde(default = "given_blind_default")]
    pub given_blind: bool,
}

const fn given_blind_default() -> bool {
    true
}

labelled_enum! {
    /// Whether the arbitration was by one arbitrator or a panel.
    pub enum ArbitrationMode ("arbitration mode") {
        Solo => ("solo", "Solo"),
        Panel => ("panel", "Panel"),
    }
}

/// The arbitrator's (or panel's) decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "decision", content = "opinion", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ArbitrationDecision {
    /// The 1st read stands.
    AgreeWithFirst,
    /// The 2nd read stands.
    AgreeWithSecond,
    /// Another outcome.
    Other(Opinion),
}

/// The arbitration of a case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Arbitration {
    /// Everyone present: one arbitrator, or the whole panel.
    pub arbitrators: Vec<ReaderId>,
    /// What they decided.
    pub decision: ArbitrationDecision,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// The reads of one case, and its arbitration if it had one.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CaseReads {
    /// The 1st read.
    pub first: Option<Read>,
    /// The 2nd read.
    pub second: Option<Read>,
    /// The arbitration.
    pub arbitration: Option<Arbitration>,
}

/// When reads become final. Staff do not yet know the right delay (the 2026-05 post), so
/// it is the provider's setting; zero finalises every read at once.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FinalisationPolicy {
    /// How long a reader may change their opinion after giving it.
    pub delay: Duration,
}

impl FinalisationPolicy {
    /// Every read final as soon as it is given.
    pub const IMMEDIATE: FinalisationPolicy = FinalisationPolicy {
        delay: Duration::ZERO,
    };

    /// When `read` becomes final (ignoring early finalisation).
    pub fn finalises_at(&self, read: &Read) -> OffsetDateTime {
        read.at.saturating_add(self.delay)
    }

    /// Whether `read` is final at `now`.
    pub fn is_final(&self, read: &Read, now: OffsetDateTime) -> bool {
        read.finalised_early || now >= self.finalises_at(read)
    }
}

/// A provider's reading settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadingRules {
    /// Blind reading: the 2nd reader cannot see the 1st opinion until they give theirs.
    /// On by default.
    pub blinded: bool,
    /// Which reads go to arbitration.
    pub arbitration: ArbitrationPolicy,
    /// When reads become final.
    pub finalisation: FinalisationPolicy,
}

impl Default for ReadingRules {
    fn default() -> Self {
        ReadingRules {
            blinded: true,
            arbitration: ArbitrationPolicy::DiscordantOnly,
            finalisation: FinalisationPolicy::IMMEDIATE,
        }
    }
}

labelled_enum! {
    /// Where a case is in reading.
    pub enum ReadingState ("reading state") {
        AwaitingFirstRead => ("awaiting_first_read", "Awaiting 1st read"),
        AwaitingSecondRead => ("awaiting_second_read", "Awaiting 2nd read"),
        /// A read is in but may still be changed by its reader.
        AwaitingFinalisation => ("awaiting_finalisation", "Awaiting finalisation"),
        AwaitingArbitration => ("awaiting_arbitration", "Awaiting arbitration"),
        Concluded => ("concluded", "Concluded"),
    }
}

/// The state `case` is in at `now`: the state it has moved to after its latest read,
/// finalisation or arbitration.
///
/// - no 1st read: awaiting 1st read;
/// - a 1st read not yet final: awaiting finalisation;
/// - a final 1st read and no 2nd: awaiting 2nd read;
/// - a 2nd read not yet final: awaiting finalisation;
/// - both final: concluded, unless [`needs_arbitration`] says otherwise and there is no
///   arbitration yet (then awaiting arbitration). A recorded arbitration always concludes.
pub fn next_state(case: &CaseReads, rules: &ReadingRules, now: OffsetDateTime) -> ReadingState {
    let fin = &rules.finalisation;
    let Some(first) = &case.first else {
        return ReadingState::AwaitingFirstRead;
    };
    if !fin.is_final(first, now) {
        return ReadingState::AwaitingFinalisation;
    }
    let Some(second) = &case.second else {
        return ReadingState::AwaitingSecondRead;
    };
    if !fin.is_final(second, now) {
        return ReadingState::AwaitingFinalisation;
    }
    if case.arbitration.is_none()
        && needs_arbitration(rules.arbitration, &first.opinion, &second.opinion)
    {
        ReadingState::AwaitingArbitration
    } else {
        ReadingState::Concluded
    }
}

/// The opinion that is the case's result, once it is concluded: the arbitration's
/// decision if there was one, otherwise the 2nd read (which, unless arbitrated, agrees
/// with the 1st or has been accepted by the policy). `None` before the case is concluded.
pub fn final_opinion<'a>(
    case: &'a CaseReads,
    rules: &ReadingRules,
    now: OffsetDateTime,
) -> Option<&'a Opinion> {
    if next_state(case, rules, now) != ReadingState::Concluded {
        return None;
    }
    match &case.arbitration {
        Some(arbitration) => arbitration.final_opinion(case),
        None => case.second.as_ref().map(|read| &read.opinion),
    }
}

labelled_enum! {
    /// Which read a reader would give.
    pub enum ReadSlot ("read") {
        First => ("first", "1st read"),
        Second => ("second", "2nd read"),
    }
}

labelled_enum! {
    /// Why a reader cannot read a case.
    pub enum RefusalReason ("reason a case cannot be read") {
        /// The case has a result.
        Concluded => ("concluded", "This case has already been concluded"),
        /// The reader gave the other read. They may change their own read instead.
        AlreadyRead => ("already_read", "You have already read this case"),
        /// Both reads are in.
        ReadsComplete => ("reads_complete", "This case has already had 2 reads"),
        /// The 1st reader may still change their opinion.
        FirstReadNotFinal => ("first_read_not_final", "The 1st read of this case is not final yet"),
        /// The reader's own read is final: it can no longer be changed.
        ReadFinal => ("read_final", "Your opinion of this case is final and cannot be changed"),
    }
}

/// Whether `reader` may give a new read of `case` now, and which. The same reader can never
/// give both reads.
pub fn can_read(
    case: &CaseReads,
    reader: ReaderId,
    rules: &ReadingRules,
    now: OffsetDateTime,
) -> Result<ReadSlot, RefusalReason> {
    if case.arbitration.is_some() || next_state(case, rules, now) == ReadingState::Concluded {
        return Err(RefusalReason::Concluded);
    }
    let read_by = |read: &Option<Read>| read.as_ref().is_some_and(|r| r.reader_id == reader);
    if read_by(&case.first) || read_by(&case.second) {
        return Err(RefusalReason::AlreadyRead);
    }
    match (&case.first, &case.second) {
        (None, _) => Ok(ReadSlot::First),
        (Some(_), Some(_)) => Err(RefusalReason::ReadsComplete),
        (Some(first), None) if !rules.finalisation.is_final(first, now) => {
            Err(RefusalReason::FirstReadNotFinal)
        }
        (Some(_), None) => Ok(ReadSlot::Second),
    }
}

/// Whether `viewer` may see the read in `slot` of `case` at `now`.
///
/// - Everyone sees their own read.
/// - A reader who gave the other read sees this one only once their own read is final,
///   if they gave it blind (so they can never change a read after seeing the other
///   opinion); a read given openly (blinding off at the time) sees it at once.
/// - Anyone else sees it when blinding is off, and otherwise only once both reads are in
///   and final (so nobody who might yet give the 2nd read sees the 1st early).
///
/// With a delay of zero every read is final at once, so this is the plain rule "the 2nd
/// reader sees the 1st opinion once they have given theirs".
pub fn read_visible(
    case: &CaseReads,
    slot: ReadSlot,
    viewer: ReaderId,
    rules: &ReadingRules,
    now: OffsetDateTime,
) -> bool {
    let (this, other) = match slot {
        ReadSlot::First => (&case.first, &case.second),
        ReadSlot::Second => (&case.second, &case.first),
    };
    let Some(this) = this else {
        return false;
    };
    if this.reader_id == viewer {
        return true;
    }
    let fin = &rules.finalisation;
    match other.as_ref().filter(|own| own.reader_id == viewer) {
        Some(own) => !own.given_blind || fin.is_final(own, now),
        None => {
            !rules.blinded
                || (case.first.as_ref().is_some_and(|r| fin.is_final(r, now))
                    && case.second.as_ref().is_some_and(|r| fin.is_final(r, now)))
        }
    }
}

/// The 1st opinion as `viewer` may see it ([`read_visible`]).
pub fn visible_first_opinion<'a>(
    case: &'a CaseReads,
    viewer: ReaderId,
    rules: &ReadingRules,
    now: OffsetDateTime,
) -> Option<&'a Opinion> {
    read_visible(case, ReadSlot::First, viewer, rules, now)
        .then(|| case.first.as_ref().map(|r| &r.opinion))
        .flatten()
}

/// Whether `reader` may change their own read of `case` at `now`: `None` when they gave
/// no read; otherwise the slot they may change, or why not. A read cannot change once the
/// case is arbitrated, or once it is final. A read given blind is shown the other opinion
/// only once it is final ([`read_visible`]), so it can never change after its reader has
/// seen the other opinion: discordance and arbitration are decided on the blind reads as
/// given.
pub fn change_allowed(
    case: &CaseReads,
    reader: ReaderId,
    rules: &ReadingRules,
    now: OffsetDateTime,
) -> Option<Result<ReadSlot, RefusalReason>> {
    let (slot, own) = match (&case.first, &case.second) {
        (Some(r), _) if r.reader_id == reader => (ReadSlot::First, r),
        (_, Some(r)) if r.reader_id == reader => (ReadSlot::Second, r),
        _ => return None,
    };
    Some(
        if case.arbitration.is_some() || next_state(case, rules, now) == ReadingState::Concluded {
            Err(RefusalReason::Concluded)
        } else if rules.finalisation.is_final(own, now) {
            Err(RefusalReason::ReadFinal)
        } else {
            Ok(slot)
        },
    )
}

/// Whether `reader` may change their own read of `case` now ([`change_allowed`]).
pub fn can_change(
    case: &CaseReads,
    reader: ReaderId,
    rules: &ReadingRules,
    now: OffsetDateTime,
) -> bool {
    matches!(change_allowed(case, reader, rules, now), Some(Ok(_)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reading::tests::*;

    #[test]
    fn finalisation_and_changing_an_opinion() {
        let five = FinalisationPolicy {
            delay: Duration::minutes(5),
        };
        let mut early = read(B, Opinion::normal(), T0);
        early.finalised_early = true;
        let c = case(Some(read(A, Opinion::normal(), T0)), None);
        let table: [(&str, &CaseReads, ReaderId, FinalisationPolicy, i64, bool); 7] = [
            ("own read within delay", &c, A, five, 4, true),
            ("own read at delay", &c, A, five, 5, false),
            ("own read after delay", &c, A, five, 60, false),
            (
                "zero delay is final at once",
                &c,
                A,
                FinalisationPolicy::IMMEDIATE,
                0,
                false,
            ),
            ("someone else's read", &c, B, five, 1, false),
            ("no read at all", &CaseReads::default(), A, five, 1, false),
            (
                "finalised early",
                &case(None, Some(early)),
                B,
                five,
                1,
                false,
            ),
        ];
        for (name, case, reader, policy, minutes, want) in table {
            let now = T0 + Duration::minutes(minutes);
            let rules = ReadingRules {
                finalisation: policy,
                ..ReadingRules::default()
            };
            assert_eq!(can_change(case, reader, &rules, now), want, "{name}");
        }
        assert_eq!(
            five.finalises_at(&c.first.clone().unwrap()),
            T0 + Duration::minutes(5)
        );
        let mut arbitrated = case(
            Some(read(A, Opinion::normal(), T0)),
            Some(read(B, tr(&[View::Rcc]), T0)),
        );
        arbitrated.arbitration = Some(Arbitration {
            arbitrators: vec![C],
            decision: ArbitrationDecision::AgreeWithFirst,
            at: T0,
        });
        assert!(!can_change(&arbitrated, B, &rules(5), T0));
    }

    #[test]
    fn reading_state_table() {
        use ReadingState::*;
        let first = || Some(read(A, Opinion::normal(), T0));
        let second = |opinion| Some(read(B, opinion, T0 + Duration::minutes(10)));
        let mut arbitrated = case(first(), second(ra_right()));
        arbitrated.arbitration = Some(Arbitration {
            arbitrators: vec![C],
            decision: ArbitrationDecision::AgreeWithSecond,
            at: T0 + Duration::hours(1),
        });
        let table: Vec<(&str, CaseReads, i64, i64, ReadingState)> = vec![
            ("no reads", CaseReads::default(), 5, 0, AwaitingFirstRead),
            (
                "1st read changeable",
                case(first(), None),
                5,
                3,
                AwaitingFinalisation,
            ),
            (
                "1st read final",
                case(first(), None),
                5,
                5,
                AwaitingSecondRead,
            ),
            ("zero delay", case(first(), None), 0, 0, AwaitingSecondRead),
            (
                "2nd read changeable",
                case(first(), second(Opinion::normal())),
                5,
                12,
                AwaitingFinalisation,
            ),
            ("agreed", case(first(), second(details())), 5, 15, Concluded),
            (
                "discordant",
                case(first(), second(ra_right())),
                5,
                15,
                AwaitingArbitration,
            ),
            ("arbitrated", arbitrated.clone(), 5, 90, Concluded),
        ];
        for (name, case, delay, minutes, want) in table {
            let now = T0 + Duration::minutes(minutes);
            assert_eq!(next_state(&case, &rules(delay), now), want, "{name}");
        }
        let now = T0 + Duration::hours(2);
        assert_eq!(
            final_opinion(&arbitrated, &rules(5), now),
            Some(&ra_right())
        );
        let agreed = case(first(), second(details()));
        assert_eq!(final_opinion(&agreed, &rules(5), now), Some(&details()));
        assert_eq!(final_opinion(&case(first(), None), &rules(5), now), None);
    }

    #[test]
    #[allow(clippy::type_complexity)]
    fn who_can_read() {
        use RefusalReason::*;
        let first = || Some(read(A, Opinion::normal(), T0));
        let mut arbitrated = case(first(), Some(read(B, ra_right(), T0)));
        arbitrated.arbitration = Some(Arbitration {
            arbitrators: vec![C],
            decision: ArbitrationDecision::AgreeWithFirst,
            at: T0,
        });
        let table: Vec<(
            &str,
            CaseReads,
            ReaderId,
            i64,
            Result<ReadSlot, RefusalReason>,
        )> = vec![
            ("unread", CaseReads::default(), A, 0, Ok(ReadSlot::First)),
            (
                "second reader",
                case(first(), None),
                B,
                10,
                Ok(ReadSlot::Second),
            ),
            (
                "same reader twice",
                case(first(), None),
                A,
                10,
                Err(AlreadyRead),
            ),
            (
                "1st read not final",
                case(first(), None),
                B,
                1,
                Err(FirstReadNotFinal),
            ),
            (
                "awaiting arbitration",
                case(first(), Some(read(B, ra_right(), T0))),
                C,
                10,
                Err(ReadsComplete),
            ),
            (
                "2nd reader again",
                case(first(), Some(read(B, ra_right(), T0))),
                B,
                1,
                Err(AlreadyRead),
            ),
            (
                "concluded",
                case(first(), Some(read(B, Opinion::normal(), T0))),
                C,
                10,
                Err(Concluded),
            ),
            ("arbitrated", arbitrated, C, 10, Err(Concluded)),
        ];
        for (name, case, reader, minutes, want) in table {
            let now = T0 + Duration::minutes(minutes);
            assert_eq!(can_read(&case, reader, &rules(5), now), want, "{name}");
        }
    }

    #[test]
    #[allow(clippy::type_complexity)]
    fn blind_reading_hides_the_other_read_until_the_viewers_own_read_is_final() {
        use ReadSlot::{First, Second};
        // A's 1st read at T0 (final by T0 + 5 with a 5-minute delay); B's 2nd read at
        // T0 + 10, final at T0 + 15 with the delay, or early.
        let one = case(Some(read(A, Opinion::normal(), T0)), None);
        let b_read = || read(B, ra_right(), T0 + Duration::minutes(10));
        let two = case(one.first.clone(), Some(b_read()));
        let mut early = b_read();
        early.finalised_early = true;
        let two_early = case(one.first.clone(), Some(early));
        let mut open = b_read();
        open.given_blind = false;
        let two_open = case(one.first.clone(), Some(open));
        let none = CaseReads::default();
        let table: Vec<(&str, &CaseReads, bool, i64, i64, ReaderId, ReadSlot, bool)> = vec![
            // (case, blinded, delay, minutes after T0, viewer, slot) -> visible
            ("no reads", &none, true, 5, 20, A, First, false),
            (
                "1st reader sees their own",
                &one,
                true,
                5,
                1,
                A,
                First,
                true,
            ),
            (
                "1st read hidden from the next reader",
                &one,
                true,
                5,
                8,
                B,
                First,
                false,
            ),
            (
                "1st read hidden from anyone else",
                &one,
                true,
                5,
                8,
                C,
                First,
                false,
            ),
            (
                "open reading: the 2nd reader sees it first",
                &one,
                false,
                5,
                8,
                B,
                First,
                true,
            ),
            (
                "delay: hidden while the 2nd read may change",
                &two,
                true,
                5,
                12,
                B,
                First,
                false,
            ),
            (
                "delay: hidden from others while the 2nd read may change",
                &two,
                true,
                5,
                12,
                C,
                First,
                false,
            ),
            (
                "delay: shown once the 2nd read is final",
                &two,
                true,
                5,
                15,
                B,
                First,
                true,
            ),
            (
                "delay: shown at once when finalised early",
                &two_early,
                true,
                5,
                11,
                B,
                First,
                true,
            ),
            (
                "delay: arbitrator sees both once final",
                &two,
                true,
                5,
                15,
                C,
                First,
                true,
            ),
            (
                "delay: arbitrator sees the 2nd once final",
                &two,
                true,
                5,
                15,
                C,
                Second,
                true,
            ),
            (
                "no delay: shown once the 2nd read is given",
                &two,
                true,
                0,
                10,
                B,
                First,
                true,
            ),
            (
                "no delay: others see both",
                &two,
                true,
                0,
                10,
                C,
                First,
                true,
            ),
            (
                "2nd reader sees their own",
                &two,
                true,
                5,
                11,
                B,
                Second,
                true,
            ),
            (
                "1st reader (final) sees the 2nd",
                &two,
                true,
                5,
                11,
                A,
                Second,
                true,
            ),
            (
                "open 2nd read: sees the 1st while changeable",
                &two_open,
                true,
                5,
                11,
                B,
                First,
                true,
            ),
            (
                "blind 2nd read stays blind when blinding is turned off",
                &two,
                false,
                5,
                12,
                B,
                First,
                false,
            ),
            (
                "open reading: everyone sees both",
                &two,
                false,
                5,
                11,
                C,
                First,
                true,
            ),
        ];
        for (name, case, blinded, delay, minutes, viewer, slot, want) in table {
            let rules = ReadingRules {
                blinded,
                ..rules(delay)
            };
            let now = T0 + Duration::minutes(minutes);
            assert_eq!(
                read_visible(case, slot, viewer, &rules, now),
                want,
                "{name}"
            );
            if slot == First {
                assert_eq!(
                    visible_first_opinion(case, viewer, &rules, now).is_some(),
                    want,
                    "{name}"
                );
            }
        }
    }

    #[test]
    #[allow(clippy::type_complexity)]
    fn a_blind_read_cannot_change_after_the_other_read_has_been_shown() {
        use RefusalReason::*;
        let b_read = |blind: bool, early: bool| Read {
            given_blind: blind,
            finalised_early: early,
            ..read(B, Opinion::normal(), T0 + Duration::minutes(10))
        };
        let first = || Some(read(A, ra_right(), T0));
        let blind = case(first(), Some(b_read(true, false)));
        let early = case(first(), Some(b_read(true, true)));
        let open = case(first(), Some(b_read(false, false)));
        let table: Vec<(
            &str,
            &CaseReads,
            bool,
            i64,
            ReaderId,
            Option<Result<ReadSlot, RefusalReason>>,
        )> = vec![
            // (case, blinded now, minutes after T0, reader) -> may change
            (
                "blind, not yet shown: may change",
                &blind,
                true,
                12,
                B,
                Some(Ok(ReadSlot::Second)),
            ),
            (
                "blind, final and shown: refused",
                &blind,
                true,
                15,
                B,
                Some(Err(ReadFinal)),
            ),
            (
                "blind, finalised early to see the 1st: refused",
                &early,
                true,
                11,
                B,
                Some(Err(ReadFinal)),
            ),
            // Blinding switched off after a blind read: the read stays blind (hidden, changeable).
            (
                "blind read, blinding turned off since",
                &blind,
                false,
                12,
                B,
                Some(Ok(ReadSlot::Second)),
            ),
            (
                "open read within the delay: may change",
                &open,
                false,
                12,
                B,
                Some(Ok(ReadSlot::Second)),
            ),
            (
                "1st reader after the 2nd read: final",
                &blind,
                true,
                12,
                A,
                Some(Err(ReadFinal)),
            ),
            ("someone who did not read", &blind, true, 12, C, None),
        ];
        for (name, case, blinded, minutes, reader, want) in table {
            let rules = ReadingRules {
                blinded,
                ..rules(5)
            };
            let now = T0 + Duration::minutes(minutes);
            assert_eq!(change_allowed(case, reader, &rules, now), want, "{name}");
            assert_eq!(
                can_change(case, reader, &rules, now),
                matches!(want, Some(Ok(_))),
                "{name}"
            );
        }
        // Whatever the settings and the time: once a blind read's reader can see the other
        // read, their own read cannot change.
        for c in [&blind, &early, &open] {
            for blinded in [true, false] {
                for delay in [0, 5, 60] {
                    for minutes in 0..80 {
                        let rules = ReadingRules {
                            blinded,
                            ..rules(delay)
                        };
                        let now = T0 + Duration::minutes(minutes);
                        for (reader, other) in [(A, ReadSlot::Second), (B, ReadSlot::First)] {
                            let own_blind = [&c.first, &c.second]
                                .into_iter()
                                .flatten()
                                .any(|r| r.reader_id == reader && r.given_blind);
                            if own_blind && read_visible(c, other, reader, &rules, now) {
                                assert!(
                                    !can_change(c, reader, &rules, now),
                                    "blinded {blinded}, delay {delay}, minute {minutes}"
                                );
                            }
                        }
                    }
                }
            }
        }
        // Discordance is decided on the blind reads as given: the 2nd reader's recall
        // stays against the 1st reader's normal and the case goes to arbitration.
        let decided = case(
            Some(read(A, Opinion::normal(), T0)),
            Some(read(B, ra_right(), T0 + Duration::minutes(10))),
        );
        assert_eq!(
            next_state(&decided, &rules(5), T0 + Duration::minutes(15)),
            ReadingState::AwaitingArbitration
        );
    }
}
