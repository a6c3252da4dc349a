//! Dates the service derives: "today", the screening date, the next test due, and calendar
//! months (ADR 0014).
//!
//! - Every date is a date in England: an instant becomes a date in `Europe/London`
//!   ([`london_date`]), so a clinic at 00:30 BST (23:30 UTC the day before) belongs to the
//!   day it happened on. The rules of the zone come from the tz database bundled in the
//!   `jiff` crate, not from the machine.
//! - Calendar months clamp to the month's end, in both directions: 31 August plus 6 months
//!   is 28 February (29 in a leap year), and 31 August minus 6 months is 28 February
//!   (29 in a leap year) too ([`add_months`], [`sub_months`]).
//! - Next test due follows the national rule ([`next_test_due`]): counted from the first
//!   appointment offered in the round, never past the 71st birthday for routine screening.
//! - The screening date is the day the images were taken ([`screening_date`]), not the
//!   appointment's planned date.

use std::sync::OnceLock;

use time::{Date, Month, OffsetDateTime};

use crate::episode::EpisodeType;
use crate::participant::age_on;

/// The time zone every date of the service is in.
pub const SERVICE_TIME_ZONE: &str = "Europe/London";

fn london() -> Option<&'static jiff::tz::TimeZone> {
    static ZONE: OnceLock<Option<jiff::tz::TimeZone>> = OnceLock::new();
    ZONE.get_or_init(|| jiff::tz::TimeZone::get(SERVICE_TIME_ZONE).ok())
        .as_ref()
}

/// The date in England (Europe/London) at the instant `at`: 23:30 UTC on 14 June is
/// 00:30 BST on 15 June, so 15 June; 23:30 UTC on 14 January is 14 January (GMT).
///
/// The zone comes from the tz database compiled into the service. Should it ever be
/// missing (it cannot with the bundled database), the UTC date is used.
pub fn london_date(at: OffsetDateTime) -> Date {
    let utc_date = at.to_offset(time::UtcOffset::UTC).date();
    let Some(zone) = london() else {
        return utc_date;
    };
    let Ok(ts) = jiff::Timestamp::new(at.unix_timestamp(), at.nanosecond() as i32) else {
        return utc_date;
    };
    let civil = zone.to_datetime(ts).date();
    Month::try_from(civil.month() as u8)
        .ok()
        .and_then(|month| {
            Date::from_calendar_date(i32::from(civil.year()), month, civil.day() as u8).ok()
        })
        .unwrap_or(utc_date)
}

/// The wall-clock date and time in England at the instant `at`, for comparing with clinic
/// times, which are kept as the local time people read on the clinic list (a clinic at
/// 09:00 in June starts at 08:00 UTC). Falls back to UTC as `london_date` does.
pub fn london_datetime(at: OffsetDateTime) -> time::PrimitiveDateTime {
    let utc = at.to_offset(time::UtcOffset::UTC);
    let fallback = time::PrimitiveDateTime::new(utc.date(), utc.time());
    let Some(zone) = london() else {
        return fallback;
    };
    let Ok(ts) = jiff::Timestamp::new(at.unix_timestamp(), at.nanosecond() as i32) else {
        return fallback;
    };
    let offset_seconds = zone.to_offset(ts).seconds();
    match time::UtcOffset::from_whole_seconds(offset_seconds) {
        Ok(offset) => {
            let local = at.to_offset(offset);
            time::PrimitiveDateTime::new(local.date(), local.time())
        }
        Err(_) => fallback,
    }
}

/// The instants a day in England begins and ends (midnight to midnight, London time): the
/// window of "results issued on" a date. 15 June runs from 23:00 UTC on 14 June (BST).
pub fn london_day_bounds(date: Date) -> (OffsetDateTime, OffsetDateTime) {
    let start = |d: Date| -> OffsetDateTime {
        let utc = d.midnight().assume_utc();
        let Some(zone) = london() else { return utc };
        let Ok(civil) =
            jiff::civil::Date::new(d.year() as i16, u8::from(d.month()) as i8, d.day() as i8)
        else {
            return utc;
        };
        match zone
            .to_ambiguous_zoned_datetime(civil.to_datetime(jiff::civil::Time::midnight()))
            .compatible()
        {
            Ok(z) => OffsetDateTime::from_unix_timestamp(z.timestamp().as_second()).unwrap_or(utc),
            Err(_) => utc,
        }
    };
    let next = date.next_day().unwrap_or(date);
    (start(date), start(next))
}

/// The same day `months` calendar months later, or the last day of that month when it is
/// shorter (six months after 31 August is 28 February, or 29 in a leap year).
pub fn add_months(date: Date, months: u32) -> Date {
    shift_months(date, i64::from(months)).unwrap_or(Date::MAX)
}

/// The same day `months` calendar months earlier, or the last day of that month when it
/// is shorter (six months before 31 August is 28 February, or 29 in a leap year).
pub fn sub_months(date: Date, months: u32) -> Date {
    shift_months(date, -i64::from(months)).unwrap_or(Date::MIN)
}

fn shift_months(date: Date, months: i64) -> Option<Date> {
    let total = date.month() as i64 - 1 + months;
    let year = i32::try_from(date.year() as i64 + total.div_euclid(12)).ok()?;
    let month = Month::try_from(u8::try_from(total.rem_euclid(12) + 1).ok()?).ok()?;
    let day = date.day().min(month.length(year));
    Date::from_calendar_date(year, month, day).ok()
}

/// Whether `earlier` was less than `months` calendar months before `today`: true while
/// `earlier` is after the same day `months` months before `today` ([`sub_months`]).
///
/// So on 31 August a screen on 28 February (29 in a leap year) is exactly six months ago
/// and no longer within; one on 1 March is. Counting back from today is the stricter of the
/// two readings at month ends (a screen on 31 August is still within six months on
/// 28 February, and clear from 1 March), which is the safe one for a radiation rule.
pub fn within_months(earlier: Date, today: Date, months: u32) -> bool {
    earlier > sub_months(today, months)
}

/// Age at which routine invitations stop: "up to their 71st birthday".
pub const ROUTINE_UPPER_AGE: u16 = 71;

/// When the participant's next routine test is due after a normal result, by the national
/// rule: [`EpisodeType::recall_interval_months`] (36 months, 12 for very high risk) after
/// the first appointment offered in this round (so a round that ran late does not push
/// every later round back), and `None` for routine screening when that date is on or past
/// the 71st birthday: from 71 screening is by self-referral, which is not invited.
/// Self-referral and very high risk episodes keep their interval whatever the age.
pub fn next_test_due(
    first_offered: Date,
    episode_type: EpisodeType,
    date_of_birth: Date,
) -> Option<Date> {
    let due = add_months(
        first_offered,
        u32::from(episode_type.recall_interval_months()),
    );
    if episode_type == EpisodeType::Routine && age_on(date_of_birth, due) >= ROUTINE_UPPER_AGE {
        return None;
    }
    Some(due)
}

/// What is known about when the images of an appointment were taken.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImagesTaken {
    /// The earliest acquisition time in the images' own metadata (automatic flow).
    pub acquired_at: Option<OffsetDateTime>,
    /// When the first image reached the service (automatic flow).
    pub received_at: Option<OffsetDateTime>,
    /// When the mammographer recorded the images step (manual flow).
    pub recorded_at: Option<OffsetDateTime>,
}

/// The screening date of an appointment, in England: the day its images were taken,
/// never the clinic's planned date when anything is known about the images. In order: the
/// images' own acquisition time, the time the first image was received, the time the images
/// step was recorded (every screen completed through "Complete screening" has one). Only a
/// screen with no record of its images at all (recorded by a generic status change, which
/// the service no longer allows, or loaded as history) falls back to `clinic_date`:
/// nothing better is known, and "now" would date an old screen today.
pub fn screening_date(images: ImagesTaken, clinic_date: Date) -> Date {
    images
        .acquired_at
        .or(images.received_at)
        .or(images.recorded_at)
        .map_or(clinic_date, london_date)
}

#[cfg(test)]
mod tests {

    #[test]
    fn london_days_begin_at_local_midnight() {
        use time::macros::{date, datetime};
        for (day, start, end) in [
            (
                date!(2026 - 06 - 15),
                datetime!(2026-06-14 23:00 UTC),
                datetime!(2026-06-15 23:00 UTC),
            ),
            (
                date!(2026 - 01 - 15),
                datetime!(2026-01-15 00:00 UTC),
                datetime!(2026-01-16 00:00 UTC),
            ),
            // The clocks go forward on 29 March 2026: a 23-hour day.
            (
                date!(2026 - 03 - 29),
                datetime!(2026-03-29 00:00 UTC),
                datetime!(2026-03-29 23:00 UTC),
            ),
            // And back on 25 October: 25 hours.
            (
                date!(2026 - 10 - 25),
                datetime!(2026-10-24 23:00 UTC),
                datetime!(2026-10-26 00:00 UTC),
            ),
        ] {
            assert_eq!(london_day_bounds(day), (start, end), "{day}");
        }
    }
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn london_zone_is_bundled() {
        assert!(
            london().is_some(),
            "Europe/London must be in the bundled tz database"
        );
    }

    #[test]
    fn london_date_table() {
        // (instant, date in England)
        let table = [
            // 00:30 BST on 15 June is 23:30 UTC on 14 June.
            (datetime!(2026-06-14 23:30 UTC), date!(2026 - 06 - 15)),
            (datetime!(2026-06-14 22:59:59 UTC), date!(2026 - 06 - 14)),
            (datetime!(2026-06-14 23:00 UTC), date!(2026 - 06 - 15)),
            // GMT in winter: the UTC date.
            (datetime!(2026-01-14 23:30 UTC), date!(2026 - 01 - 14)),
            (datetime!(2026-01-15 00:00 UTC), date!(2026 - 01 - 15)),
            // Clocks go forward at 01:00 UTC on the last Sunday of March (29 March 2026).
            (datetime!(2026-03-28 23:30 UTC), date!(2026 - 03 - 28)),
            (datetime!(2026-03-29 23:30 UTC), date!(2026 - 03 - 30)),
            // Clocks go back at 01:00 UTC on the last Sunday of October (25 October 2026).
            (datetime!(2026-10-24 23:30 UTC), date!(2026 - 10 - 25)),
            (datetime!(2026-10-25 23:30 UTC), date!(2026 - 10 - 25)),
            // New year's eve is GMT.
            (datetime!(2026-12-31 23:59:59 UTC), date!(2026 - 12 - 31)),
            // An instant given in another offset is the same instant.
            (datetime!(2026-06-15 01:30 +02:00), date!(2026 - 06 - 15)),
            (datetime!(2026-06-14 18:30 -05:00), date!(2026 - 06 - 15)),
        ];
        for (at, expected) in table {
            assert_eq!(london_date(at), expected, "{at}");
        }
    }

    #[test]
    fn london_wall_clock_table() {
        // (instant, wall-clock time in England): clinic times are compared with this.
        let table = [
            (datetime!(2026-06-15 08:00 UTC), datetime!(2026-06-15 09:00)),
            (datetime!(2026-06-14 23:30 UTC), datetime!(2026-06-15 00:30)),
            (datetime!(2026-01-15 09:00 UTC), datetime!(2026-01-15 09:00)),
            (datetime!(2026-03-29 00:59 UTC), datetime!(2026-03-29 00:59)),
            (datetime!(2026-03-29 01:00 UTC), datetime!(2026-03-29 02:00)),
            (datetime!(2026-10-25 00:59 UTC), datetime!(2026-10-25 01:59)),
            (datetime!(2026-10-25 01:00 UTC), datetime!(2026-10-25 01:00)),
        ];
        for (at, expected) in table {
            assert_eq!(london_datetime(at), expected, "{at}");
            assert_eq!(london_datetime(at).date(), london_date(at), "{at}");
        }
    }

    #[test]
    fn calendar_months_clamp_to_month_end_both_ways() {
        // (date, months, plus, minus)
        let table = [
            (
                date!(2026 - 08 - 31),
                6,
                date!(2027 - 02 - 28),
                date!(2026 - 02 - 28),
            ),
            (
                date!(2024 - 08 - 31),
                6,
                date!(2025 - 02 - 28),
                date!(2024 - 02 - 29),
            ),
            (
                date!(2023 - 08 - 31),
                6,
                date!(2024 - 02 - 29),
                date!(2023 - 02 - 28),
            ),
            (
                date!(2024 - 02 - 29),
                12,
                date!(2025 - 02 - 28),
                date!(2023 - 02 - 28),
            ),
            (
                date!(2024 - 02 - 29),
                48,
                date!(2028 - 02 - 29),
                date!(2020 - 02 - 29),
            ),
            (
                date!(2026 - 03 - 31),
                1,
                date!(2026 - 04 - 30),
                date!(2026 - 02 - 28),
            ),
            (
                date!(2026 - 05 - 31),
                6,
                date!(2026 - 11 - 30),
                date!(2025 - 11 - 30),
            ),
            (
                date!(2026 - 01 - 15),
                36,
                date!(2029 - 01 - 15),
                date!(2023 - 01 - 15),
            ),
            (
                date!(2026 - 12 - 31),
                0,
                date!(2026 - 12 - 31),
                date!(2026 - 12 - 31),
            ),
        ];
        for (from, months, plus, minus) in table {
            assert_eq!(add_months(from, months), plus, "{from} + {months}");
            assert_eq!(sub_months(from, months), minus, "{from} - {months}");
        }
        assert_eq!(add_months(Date::MAX, 6), Date::MAX);
        assert_eq!(sub_months(Date::MIN, 6), Date::MIN);
    }

    #[test]
    fn six_months_is_exact_at_month_ends_and_leap_years() {
        // (earlier screen, today, less than six months ago)
        let table = [
            // 31 August minus 6 months is 28 February: exactly six months ago is not within.
            (date!(2026 - 02 - 28), date!(2026 - 08 - 31), false),
            (date!(2026 - 03 - 01), date!(2026 - 08 - 31), true),
            // ... and 29 February in a leap year.
            (date!(2024 - 02 - 29), date!(2024 - 08 - 31), false),
            (date!(2024 - 02 - 28), date!(2024 - 08 - 31), false),
            (date!(2024 - 03 - 01), date!(2024 - 08 - 31), true),
            // A screen on 31 August is within six months until 28 February, clear from 1 March.
            (date!(2025 - 08 - 31), date!(2026 - 02 - 28), true),
            (date!(2025 - 08 - 29), date!(2026 - 02 - 28), true),
            (date!(2025 - 08 - 28), date!(2026 - 02 - 28), false),
            (date!(2025 - 08 - 31), date!(2026 - 03 - 01), false),
            (date!(2023 - 08 - 31), date!(2024 - 02 - 29), true),
            (date!(2023 - 08 - 29), date!(2024 - 02 - 29), false),
            // Mid-month: the same day six months later may proceed, a day earlier may not.
            (date!(2025 - 09 - 15), date!(2026 - 03 - 15), false),
            (date!(2025 - 09 - 16), date!(2026 - 03 - 15), true),
            // 30 April minus six months is 30 October.
            (date!(2025 - 10 - 30), date!(2026 - 04 - 30), false),
            (date!(2025 - 10 - 31), date!(2026 - 04 - 30), true),
            // The same day, and a date in the future, are within.
            (date!(2026 - 04 - 30), date!(2026 - 04 - 30), true),
            (date!(2026 - 05 - 01), date!(2026 - 04 - 30), true),
        ];
        for (earlier, today, within) in table {
            assert_eq!(
                within_months(earlier, today, 6),
                within,
                "{earlier} six months before {today}"
            );
        }
    }

    #[test]
    fn next_test_due_follows_the_national_rule() {
        use EpisodeType::*;
        // (first offered appointment, type, date of birth, next test due)
        let table = [
            // 36 months from the first offered appointment.
            (
                date!(2026 - 03 - 10),
                Routine,
                date!(1970 - 05 - 01),
                Some(date!(2029 - 03 - 10)),
            ),
            (
                date!(2026 - 03 - 10),
                SelfReferral,
                date!(1950 - 05 - 01),
                Some(date!(2029 - 03 - 10)),
            ),
            // 12 for very high risk.
            (
                date!(2026 - 03 - 10),
                VeryHighRisk,
                date!(1980 - 05 - 01),
                Some(date!(2027 - 03 - 10)),
            ),
            // Month ends and leap days clamp.
            (
                date!(2024 - 02 - 29),
                Routine,
                date!(1970 - 05 - 01),
                Some(date!(2027 - 02 - 28)),
            ),
            (
                date!(2026 - 08 - 31),
                VeryHighRisk,
                date!(1980 - 05 - 01),
                Some(date!(2027 - 08 - 31)),
            ),
            // Routine: none on or past the 71st birthday (11 March 2029 for this one).
            (
                date!(2026 - 03 - 10),
                Routine,
                date!(1958 - 03 - 11),
                Some(date!(2029 - 03 - 10)),
            ),
            (date!(2026 - 03 - 11), Routine, date!(1958 - 03 - 11), None),
            (date!(2026 - 03 - 12), Routine, date!(1958 - 03 - 11), None),
            (date!(2026 - 03 - 10), Routine, date!(1950 - 01 - 01), None),
            // Born on 29 February: the 71st birthday is 1 March 2031.
            (
                date!(2028 - 02 - 28),
                Routine,
                date!(1960 - 02 - 29),
                Some(date!(2031 - 02 - 28)),
            ),
            (date!(2028 - 03 - 01), Routine, date!(1960 - 02 - 29), None),
            // Self-referral after 71 and very high risk are not capped.
            (
                date!(2026 - 03 - 12),
                SelfReferral,
                date!(1950 - 01 - 01),
                Some(date!(2029 - 03 - 12)),
            ),
            (
                date!(2026 - 03 - 12),
                VeryHighRisk,
                date!(1955 - 06 - 01),
                Some(date!(2027 - 03 - 12)),
            ),
        ];
        for (first_offered, episode_type, dob, expected) in table {
            assert_eq!(
                next_test_due(first_offered, episode_type, dob),
                expected,
                "{first_offered} {episode_type:?} born {dob}"
            );
        }
    }

    #[test]
    fn screening_date_is_the_day_the_images_were_taken() {
        let clinic = date!(2026 - 06 - 12);
        let acquired = datetime!(2026-06-14 23:30 UTC);
        let received = datetime!(2026-06-16 09:00 UTC);
        let recorded = datetime!(2026-06-17 09:00 UTC);
        // (images, screening date)
        let table = [
            // Acquired at 00:30 BST on 15 June: that day in England.
            (
                ImagesTaken {
                    acquired_at: Some(acquired),
                    received_at: Some(received),
                    recorded_at: Some(recorded),
                },
                date!(2026 - 06 - 15),
            ),
            (
                ImagesTaken {
                    acquired_at: None,
                    received_at: Some(received),
                    recorded_at: Some(recorded),
                },
                date!(2026 - 06 - 16),
            ),
            // Manual flow: the day the images step was recorded, not the clinic's date.
            (
                ImagesTaken {
                    acquired_at: None,
                    received_at: None,
                    recorded_at: Some(recorded),
                },
                date!(2026 - 06 - 17),
            ),
            (
                ImagesTaken {
                    acquired_at: None,
                    received_at: None,
                    recorded_at: Some(datetime!(2026-06-16 23:10 UTC)),
                },
                date!(2026 - 06 - 17),
            ),
            // Nothing known about the images: the clinic's date.
            (ImagesTaken::default(), clinic),
        ];
        for (images, expected) in table {
            assert_eq!(screening_date(images, clinic), expected, "{images:?}");
        }
    }
}
