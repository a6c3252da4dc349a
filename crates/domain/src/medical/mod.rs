//! Medical information: everything the "Review medical information" step records and the
//! rules that decide what happens next (the IR(ME)R six-month rule, implant consent,
//! breasts with no tissue to image, which symptoms are highlighted to image readers).
//!
//! Single-choice answers that a form requires are `Option`s, so [`validate`](BreastCancer::validate)
//! can name the unanswered field; multiple-choice answers are `Vec`s. Every value is stored as
//! JSON by the store, so every type here is `Serialize` and `Deserialize`.
//!
//! The rules are split by section of the page: [`mammograms`] (history and the six-month
//! rule), [`history`] (medical history items), [`symptoms`], [`features`] (breast features
//! and density factors), [`review`] (sections, review and carry-forward), [`support`]
//! (special appointments) and [`information`] (one appointment's whole document). Every
//! public item is re-exported here, so callers name it `medical::X`.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::Date;

use crate::participant::SupportReason;

pub use crate::validation::FieldError;
pub(crate) use crate::validation::{Errors, is_blank};

mod features;
mod history;
mod information;
mod mammograms;
mod review;
mod support;
mod symptoms;

pub use features::*;
pub use history::*;
pub use information::*;
pub use mammograms::*;
pub use review::*;
pub use support::*;
pub use symptoms::*;

/// The earliest year accepted for any year in medical history.
pub const EARLIEST_YEAR: i32 = 1900;

/// A year a participant gives for something in their history, which they may only know
/// roughly ("This date is approximate").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecordedYear {
    /// The year, for example 2019.
    pub year: i32,
    /// Whether the participant was unsure and the year is approximate.
    #[serde(default)]
    pub approximate: bool,
}

impl RecordedYear {
    /// An exact year.
    pub const fn exact(year: i32) -> Self {
        RecordedYear {
            year,
            approximate: false,
        }
    }

    /// An approximate year.
    pub const fn approximate(year: i32) -> Self {
        RecordedYear {
            year,
            approximate: true,
        }
    }
}

impl fmt::Display for RecordedYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.approximate {
            write!(f, "{} (approximate)", self.year)
        } else {
            write!(f, "{}", self.year)
        }
    }
}

/// Checks an optional year is neither in the future nor before [`EARLIEST_YEAR`].
/// `what` starts the message, for example "Year of diagnosis".
fn check_year(
    errors: &mut Errors,
    field: &'static str,
    what: &str,
    year: Option<RecordedYear>,
    today: Date,
) {
    if let Some(RecordedYear { year, .. }) = year {
        if year > today.year() {
            errors.add(field, format!("{what} must be this year or in the past"));
        } else if year < EARLIEST_YEAR {
            errors.add(field, format!("{what} must be {EARLIEST_YEAR} or later"));
        }
    }
}

/// Checks a multiple-choice answer: at least one option, and an exclusive option (such as
/// "No radiotherapy" or "Not known") only on its own.
fn check_multi<T: Copy + PartialEq + fmt::Display>(
    errors: &mut Errors,
    field: &'static str,
    selected: &[T],
    exclusive: &[T],
    empty_message: &'static str,
) {
    if selected.is_empty() {
        errors.add(field, empty_message);
        return;
    }
    if selected.len() > 1
        && let Some(alone) = selected.iter().find(|s| exclusive.contains(s))
    {
        errors.add(
            field,
            format!("Select '{alone}' on its own, or remove it to select other options"),
        );
    }
}

/// "1 March 2026": the NHS date style.
pub fn format_date(date: Date) -> String {
    format!("{} {} {}", date.day(), date.month(), date.year())
}

// ---------------------------------------------------------------------------------------------
// Shared answers
// ---------------------------------------------------------------------------------------------

labelled_enum! {
    /// A breast (or side of the body). The imaging module has its own `Breast`; callers map.
    pub enum Side ("side") {
        Right => ("right", "Right"),
        Left => ("left", "Left"),
    }
}

impl Side {
    /// The other side.
    pub const fn other(self) -> Side {
        match self {
            Side::Right => Side::Left,
            Side::Left => Side::Right,
        }
    }
}

labelled_enum! {
    /// A yes / no question where the participant may not know.
    pub enum Answer3 ("answer") {
        Yes => ("yes", "Yes"),
        No => ("no", "No"),
        NotKnown => ("not_known", "Not known"),
    }
}

/// Helpers shared by the tests of the submodules.
#[cfg(test)]
mod test_support {
    use time::Date;
    use time::macros::date;

    use super::FieldError;

    /// The fields named by a validation result, in order (empty when valid).
    pub(super) fn fields(result: Result<(), Vec<FieldError>>) -> Vec<String> {
        result
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.field.into_owned())
            .collect()
    }

    /// The messages of a validation result, in order.
    pub(super) fn messages(result: Result<(), Vec<FieldError>>) -> Vec<String> {
        result
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.message.into_owned())
            .collect()
    }

    pub(super) const TODAY: Date = date!(2026 - 07 - 15);
}
