//! Conversions between domain values and the portable column types.

use crate::{Result, StoreError};
use std::str::FromStr;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime, UtcOffset};
use uuid::Uuid;

/// Now, as stored: RFC 3339 UTC with exactly six fractional digits, so that text order is
/// time order on both backends.
pub fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

pub fn ts(t: OffsetDateTime) -> String {
    let t = t.to_offset(UtcOffset::UTC);
    let f =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");
    t.format(&f).unwrap_or_else(|_| t.to_string())
}

pub fn parse_ts(s: &str) -> Result<OffsetDateTime> {
    OffsetDateTime::parse(s, &Rfc3339)
        .map_err(|e| StoreError::Corrupt(format!("instant {s:?}: {e}")))
}

pub fn date(d: Date) -> String {
    let f = format_description!("[year]-[month]-[day]");
    d.format(&f).unwrap_or_else(|_| d.to_string())
}

pub fn parse_date(s: &str) -> Result<Date> {
    let f = format_description!("[year]-[month]-[day]");
    Date::parse(s, &f).map_err(|e| StoreError::Corrupt(format!("date {s:?}: {e}")))
}

/// An id as stored: a typed id (`domain::ids`) or a bare UUID, as hyphenated text.
pub fn id(u: impl Into<Uuid>) -> String {
    u.into().hyphenated().to_string()
}

/// A stored id, read as the typed id (or bare UUID) the caller expects.
pub fn parse_id<T: From<Uuid>>(s: &str) -> Result<T> {
    Uuid::parse_str(s)
        .map(T::from)
        .map_err(|e| StoreError::Corrupt(format!("id {s:?}: {e}")))
}

pub fn parse_enum<T: FromStr<Err = domain::UnknownValue>>(s: &str) -> Result<T> {
    s.parse()
        .map_err(|e: domain::UnknownValue| StoreError::Corrupt(e.to_string()))
}

pub fn parse_json<T: serde::de::DeserializeOwned>(s: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt(format!("json {s:?}: {e}")))
}

pub fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".to_owned())
}

/// The placeholders of an `IN (…)` list of enumeration values: `$next, $next+1, …`, one for
/// each value. Bind the values' stored text (`as_str()`) in the same order, so that no SQL
/// text spells a stored value.
pub(crate) fn placeholders<T>(next: usize, values: &[T]) -> String {
    (next..next + values.len())
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_number_from_next() {
        let table: &[(usize, usize, &str)] = &[
            (1, 1, "$1"),
            (3, 2, "$3, $4"),
            (5, 4, "$5, $6, $7, $8"),
            (2, 0, ""),
        ];
        for &(next, count, expected) in table {
            assert_eq!(
                placeholders(next, &vec![(); count]),
                expected,
                "{next} {count}"
            );
        }
    }
}
