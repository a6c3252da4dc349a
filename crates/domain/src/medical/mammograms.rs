//! Mammogram history and the IR(ME)R six-month rule.

use super::*;

/// The heading of the page shown when a reported mammogram was in the last 6 months.
pub const SHOULD_NOT_PROCEED: &str = "This appointment should not proceed";

labelled_enum! {
    /// The answers to where a previous mammogram was taken.
    pub enum MammogramLocationKind ("mammogram location") {
        ThisUnit => ("this_unit", "At this unit"),
        AnotherNhsUnit => ("another_nhs_unit", "At another NHS breast screening unit"),
        ElsewhereInUk => ("elsewhere_in_uk", "Somewhere else in the UK"),
        OutsideUk => ("outside_uk", "Outside the UK"),
        PreferNotToSay => ("prefer_not_to_say", "Prefer not to say"),
    }
}

/// Where a previous mammogram was taken, with the detail each answer asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum MammogramLocation {
    /// "At this unit".
    ThisUnit,
    /// "At another NHS breast screening unit": which unit (required).
    AnotherNhsUnit {
        /// The unit, as chosen from the list of units.
        unit: String,
    },
    /// "Somewhere else in the UK": the clinic, hospital or anything that helps find the images.
    ElsewhereInUk {
        /// Free-text details (optional).
        #[serde(default)]
        details: String,
    },
    /// "Outside the UK": where, in free text.
    OutsideUk {
        /// Free-text details (optional).
        #[serde(default)]
        details: String,
    },
    /// "Prefer not to say".
    PreferNotToSay,
}

impl MammogramLocation {
    /// Which answer this is.
    pub const fn kind(&self) -> MammogramLocationKind {
        match self {
            MammogramLocation::ThisUnit => MammogramLocationKind::ThisUnit,
            MammogramLocation::AnotherNhsUnit { .. } => MammogramLocationKind::AnotherNhsUnit,
            MammogramLocation::ElsewhereInUk { .. } => MammogramLocationKind::ElsewhereInUk,
            MammogramLocation::OutsideUk { .. } => MammogramLocationKind::OutsideUk,
            MammogramLocation::PreferNotToSay => MammogramLocationKind::PreferNotToSay,
        }
    }

    /// The answer's label.
    pub const fn label(&self) -> &'static str {
        self.kind().label()
    }

    /// The label with any detail given: "Outside the UK: Clinique X, Paris".
    pub fn describe(&self) -> String {
        match self {
            MammogramLocation::AnotherNhsUnit { unit: text, .. }
            | MammogramLocation::ElsewhereInUk { details: text }
            | MammogramLocation::OutsideUk { details: text }
                if !is_blank(text) =>
            {
                format!("{}: {}", self.label(), text.trim())
            }
            _ => self.label().to_owned(),
        }
    }
}

/// When a previous mammogram was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum MammogramWhen {
    /// An exact date (never in the future).
    #[serde(rename = "exact_date")]
    ExactDate(Date),
    /// "Not sure (at least 6 months ago)".
    #[serde(rename = "not_sure_at_least_6_months")]
    NotSureAtLeast6Months,
    /// "Not sure (less than 6 months ago)".
    #[serde(rename = "not_sure_less_than_6_months")]
    NotSureLessThan6Months,
}

impl MammogramWhen {
    /// The answer's label ("Exact date" for a date).
    pub const fn label(&self) -> &'static str {
        match self {
            MammogramWhen::ExactDate(_) => "Exact date",
            MammogramWhen::NotSureAtLeast6Months => "Not sure (at least 6 months ago)",
            MammogramWhen::NotSureLessThan6Months => "Not sure (less than 6 months ago)",
        }
    }

    /// The date ("1 March 2026") or the label of a "Not sure" answer.
    pub fn describe(&self) -> String {
        match self {
            MammogramWhen::ExactDate(date) => format_date(*date),
            other => other.label().to_owned(),
        }
    }
}

/// A mammogram the participant reports that may not be on our records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PreviousMammogram {
    /// Where it was taken.
    pub location: MammogramLocation,
    /// When it was taken.
    pub when: MammogramWhen,
    /// The name the images were taken under, when not the name on their record.
    #[serde(default)]
    pub previous_name: Option<String>,
    /// Any other information.
    #[serde(default)]
    pub details: String,
    /// Why the mammographer continued although this mammogram was in the last 6 months.
    #[serde(default)]
    pub reason_to_continue: Option<String>,
}

pub use crate::dates::add_months;

/// Whether a mammogram taken `when` was less than 6 calendar months before `today` (IR(ME)R).
///
/// An exact date is within six months while it is after the same day six calendar months
/// before `today` (see [`crate::dates::within_months`]): on exactly six months the
/// appointment may proceed. Month ends clamp: on 31 August, six months ago is 28 February
/// (29 in a leap year); a mammogram on 31 August is within until 28 February.
/// "Not sure (less than 6 months ago)" is within; "Not sure (at least 6 months ago)" is not.
/// A date in the future (which validation refuses) counts as within, to be safe.
pub fn within_six_months(when: &MammogramWhen, today: Date) -> bool {
    match *when {
        MammogramWhen::ExactDate(date) => crate::dates::within_months(date, today, 6),
        MammogramWhen::NotSureLessThan6Months => true,
        MammogramWhen::NotSureAtLeast6Months => false,
    }
}

labelled_enum! {
    /// What the six-month rule says about the appointment. The label of `ShouldNotProceed`
    /// is the heading of the page that offers to end the appointment or continue with a reason.
    pub enum SixMonthRule ("six month rule") {
        Clear => ("clear", "Clear"),
        ShouldNotProceed => ("should_not_proceed", "This appointment should not proceed"),
    }
}

impl PreviousMammogram {
    /// Whether this mammogram was in the 6 months before `today`.
    pub fn within_six_months(&self, today: Date) -> bool {
        within_six_months(&self.when, today)
    }

    /// Whether the mammographer has recorded a (non-blank) reason to continue.
    pub fn has_reason_to_continue(&self) -> bool {
        self.reason_to_continue
            .as_deref()
            .is_some_and(|reason| !is_blank(reason))
    }

    /// Checks the answers: the unit for another NHS unit, a date that is not in the future,
    /// a previous name if one was asked for, and a reason to continue if one was started.
    pub fn validate(&self, today: Date) -> Result<(), Vec<FieldError>> {
        let mut errors = Errors::default();
        if let MammogramLocation::AnotherNhsUnit { unit } = &self.location
            && is_blank(unit)
        {
            errors.add("unit", "Select the breast screening unit");
        }
        if let MammogramWhen::ExactDate(date) = self.when
            && date > today
        {
            errors.add("when", "Date of the mammogram must be today or in the past");
        }
        if self.previous_name.as_deref().is_some_and(is_blank) {
            errors.add("previous_name", "Enter the previous name");
        }
        if self.reason_to_continue.as_deref().is_some_and(is_blank) {
            errors.add(
                "reason_to_continue",
                "Enter a reason for continuing with this appointment",
            );
        }
        errors.finish()
    }

    /// One line for lists: "Outside the UK: Paris, 1 March 2026".
    pub fn summary(&self) -> String {
        format!("{}, {}", self.location.describe(), self.when.describe())
    }
}

/// Checks the reason a mammographer gives for continuing after "This appointment should not
/// proceed", returning it trimmed.
pub fn validate_reason_to_continue(reason: &str) -> Result<String, FieldError> {
    if is_blank(reason) {
        Err(FieldError::new(
            "reason_to_continue",
            "Enter a reason for continuing with this appointment",
        ))
    } else {
        Ok(reason.trim().to_owned())
    }
}

/// The six-month rule over every reported mammogram: `ShouldNotProceed` while any mammogram
/// in the last 6 months has no reason recorded for continuing. Once the mammographer has
/// recorded a reason (kept on the mammogram for the record) the rule is `Clear` again.
pub fn mammogram_history_decision(mammograms: &[PreviousMammogram], today: Date) -> SixMonthRule {
    if mammograms
        .iter()
        .any(|m| m.within_six_months(today) && !m.has_reason_to_continue())
    {
        SixMonthRule::ShouldNotProceed
    } else {
        SixMonthRule::Clear
    }
}

/// The field of [`MedicalInformation::recorded_screen_reason_to_continue`] in errors and forms.
pub const RECORDED_SCREEN_REASON_FIELD: &str = "recorded_screen_reason_to_continue";

/// A screen of the participant on the service's own record, at this provider or another
/// (matched by NHS number): only where and when, nothing else of another provider's record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecordedScreen {
    /// The day the images were taken.
    pub screened_on: Date,
    /// The provider (breast screening unit) that screened her.
    pub provider_name: String,
    /// Whether that was this provider.
    pub this_provider: bool,
}

impl RecordedScreen {
    /// "a screen at West Yorkshire BSS on 1 March 2026" ("at this unit" for this provider).
    pub fn describe(&self) -> String {
        if self.this_provider {
            format!("a screen at this unit on {}", format_date(self.screened_on))
        } else {
            format!(
                "a screen at {} on {}",
                self.provider_name.trim(),
                format_date(self.screened_on)
            )
        }
    }
}

/// The recorded screens less than 6 calendar months before `today`
/// ([`crate::dates::within_months`]), most recent first. A screen dated after today counts
/// too, to be safe.
pub fn recent_recorded_screens(recorded: &[RecordedScreen], today: Date) -> Vec<&RecordedScreen> {
    let mut recent: Vec<&RecordedScreen> = recorded
        .iter()
        .filter(|s| crate::dates::within_months(s.screened_on, today, 6))
        .collect();
    recent.sort_by_key(|s| std::cmp::Reverse(s.screened_on));
    recent
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::medical::test_support::{TODAY, fields, messages};
    use time::macros::date;

    #[test]
    fn add_months_clamps_to_month_end() {
        let table = [
            (date!(2025 - 08 - 31), 6, date!(2026 - 02 - 28)),
            (date!(2023 - 08 - 31), 6, date!(2024 - 02 - 29)),
            (date!(2023 - 08 - 29), 6, date!(2024 - 02 - 29)),
            (date!(2025 - 08 - 29), 6, date!(2026 - 02 - 28)),
            (date!(2026 - 03 - 31), 6, date!(2026 - 09 - 30)),
            (date!(2025 - 09 - 15), 6, date!(2026 - 03 - 15)),
            (date!(2025 - 07 - 10), 6, date!(2026 - 01 - 10)),
            (date!(2025 - 12 - 31), 0, date!(2025 - 12 - 31)),
            (date!(2025 - 12 - 31), 2, date!(2026 - 02 - 28)),
            (date!(2025 - 01 - 31), 25, date!(2027 - 02 - 28)),
            (date!(9999 - 12 - 31), 6, Date::MAX),
        ];
        for (from, months, expected) in table {
            assert_eq!(add_months(from, months), expected, "{from} + {months}");
        }
    }

    #[test]
    fn six_month_rule_table() {
        use MammogramWhen::*;
        // (mammogram, today, within six months)
        let table = [
            // Exactly six months ago may proceed; a day less may not.
            (
                ExactDate(date!(2025 - 09 - 15)),
                date!(2026 - 03 - 15),
                false,
            ),
            (
                ExactDate(date!(2025 - 09 - 16)),
                date!(2026 - 03 - 15),
                true,
            ),
            (
                ExactDate(date!(2025 - 09 - 14)),
                date!(2026 - 03 - 15),
                false,
            ),
            // Today looking back from 31 August: the boundary is 28 February (29 in a leap year).
            (
                ExactDate(date!(2026 - 02 - 28)),
                date!(2026 - 08 - 31),
                false,
            ),
            (
                ExactDate(date!(2026 - 03 - 01)),
                date!(2026 - 08 - 31),
                true,
            ),
            (
                ExactDate(date!(2024 - 02 - 29)),
                date!(2024 - 08 - 31),
                false,
            ),
            (
                ExactDate(date!(2024 - 03 - 01)),
                date!(2024 - 08 - 31),
                true,
            ),
            (
                ExactDate(date!(2024 - 02 - 28)),
                date!(2024 - 08 - 30),
                false,
            ),
            // A mammogram on 31 August: 28 February (29 in a leap year) minus six months is
            // 28 (29) August, so it is within six months until the end of February.
            (
                ExactDate(date!(2025 - 08 - 31)),
                date!(2026 - 02 - 28),
                true,
            ),
            (
                ExactDate(date!(2025 - 08 - 31)),
                date!(2026 - 03 - 01),
                false,
            ),
            (
                ExactDate(date!(2025 - 08 - 31)),
                date!(2026 - 02 - 27),
                true,
            ),
            (
                ExactDate(date!(2023 - 08 - 31)),
                date!(2024 - 02 - 29),
                true,
            ),
            (
                ExactDate(date!(2023 - 08 - 29)),
                date!(2024 - 02 - 29),
                false,
            ),
            (
                ExactDate(date!(2023 - 08 - 31)),
                date!(2024 - 02 - 28),
                true,
            ),
            (
                ExactDate(date!(2023 - 08 - 29)),
                date!(2024 - 02 - 28),
                true,
            ),
            (
                ExactDate(date!(2023 - 08 - 28)),
                date!(2024 - 02 - 28),
                false,
            ),
            // Across a year end.
            (
                ExactDate(date!(2025 - 07 - 10)),
                date!(2026 - 01 - 10),
                false,
            ),
            (
                ExactDate(date!(2025 - 07 - 11)),
                date!(2026 - 01 - 10),
                true,
            ),
            // Today, long ago, and (invalid) future dates.
            (ExactDate(date!(2026 - 07 - 15)), TODAY, true),
            (ExactDate(date!(2023 - 07 - 15)), TODAY, false),
            (ExactDate(date!(2026 - 07 - 16)), TODAY, true),
            // "Not sure" answers.
            (NotSureLessThan6Months, TODAY, true),
            (NotSureAtLeast6Months, TODAY, false),
        ];
        for (when, today, within) in table {
            assert_eq!(
                within_six_months(&when, today),
                within,
                "{when:?} on {today}"
            );
        }
    }

    fn mammogram(when: MammogramWhen, reason: Option<&str>) -> PreviousMammogram {
        PreviousMammogram {
            location: MammogramLocation::OutsideUk {
                details: "Paris".into(),
            },
            when,
            previous_name: None,
            details: String::new(),
            reason_to_continue: reason.map(str::to_owned),
        }
    }

    #[test]
    fn mammogram_history_decision_table() {
        use MammogramWhen::*;
        use SixMonthRule::*;
        let old = ExactDate(date!(2025 - 01 - 15));
        let recent = ExactDate(date!(2026 - 05 - 01));
        let table: &[(&[PreviousMammogram], SixMonthRule)] = &[
            (&[], Clear),
            (&[mammogram(old, None)], Clear),
            (&[mammogram(NotSureAtLeast6Months, None)], Clear),
            (&[mammogram(recent, None)], ShouldNotProceed),
            (&[mammogram(NotSureLessThan6Months, None)], ShouldNotProceed),
            (&[mammogram(recent, Some("   "))], ShouldNotProceed),
            (&[mammogram(recent, Some("Symptomatic referral"))], Clear),
            (
                &[mammogram(old, None), mammogram(recent, None)],
                ShouldNotProceed,
            ),
            (
                &[
                    mammogram(recent, Some("Clinician agreed")),
                    mammogram(NotSureLessThan6Months, None),
                ],
                ShouldNotProceed,
            ),
        ];
        for (mammograms, expected) in table {
            assert_eq!(
                mammogram_history_decision(mammograms, TODAY),
                *expected,
                "{mammograms:?}"
            );
        }
        assert_eq!(ShouldNotProceed.label(), SHOULD_NOT_PROCEED);
    }

    #[test]
    fn previous_mammogram_validation() {
        let ok = mammogram(MammogramWhen::ExactDate(TODAY), None);
        let table: Vec<(PreviousMammogram, Vec<&str>)> = vec![
            (ok.clone(), vec![]),
            (
                mammogram(MammogramWhen::ExactDate(date!(2026 - 07 - 16)), None),
                vec!["when"],
            ),
            (
                mammogram(MammogramWhen::NotSureLessThan6Months, None),
                vec![],
            ),
            (
                mammogram(MammogramWhen::NotSureLessThan6Months, Some(" ")),
                vec!["reason_to_continue"],
            ),
            (
                mammogram(MammogramWhen::NotSureLessThan6Months, Some("Agreed")),
                vec![],
            ),
            (
                PreviousMammogram {
                    location: MammogramLocation::AnotherNhsUnit { unit: " ".into() },
                    previous_name: Some(String::new()),
                    ..ok.clone()
                },
                vec!["unit", "previous_name"],
            ),
            (
                PreviousMammogram {
                    location: MammogramLocation::ElsewhereInUk {
                        details: String::new(),
                    },
                    ..ok.clone()
                },
                vec![],
            ),
        ];
        for (m, expected) in table {
            assert_eq!(fields(m.validate(TODAY)), expected, "{m:?}");
        }
        assert_eq!(
            messages(
                mammogram(MammogramWhen::ExactDate(date!(2027 - 01 - 01)), None).validate(TODAY)
            ),
            ["Date of the mammogram must be today or in the past"]
        );
        assert_eq!(
            validate_reason_to_continue("  Referred by GP "),
            Ok("Referred by GP".to_owned())
        );
        assert_eq!(
            validate_reason_to_continue(" ").unwrap_err().message,
            "Enter a reason for continuing with this appointment"
        );
    }

    #[test]
    fn mammogram_labels_and_summaries() {
        let locations = [
            (MammogramLocation::ThisUnit, "At this unit", "At this unit"),
            (
                MammogramLocation::AnotherNhsUnit {
                    unit: "Leeds".into(),
                },
                "At another NHS breast screening unit",
                "At another NHS breast screening unit: Leeds",
            ),
            (
                MammogramLocation::ElsewhereInUk {
                    details: String::new(),
                },
                "Somewhere else in the UK",
                "Somewhere else in the UK",
            ),
            (
                MammogramLocation::OutsideUk {
                    details: " Paris ".into(),
                },
                "Outside the UK",
                "Outside the UK: Paris",
            ),
            (
                MammogramLocation::PreferNotToSay,
                "Prefer not to say",
                "Prefer not to say",
            ),
        ];
        assert_eq!(locations.len(), MammogramLocationKind::ALL.len());
        for (location, label, described) in locations {
            assert_eq!(location.label(), label);
            assert_eq!(location.describe(), described);
        }
        let whens = [
            (
                MammogramWhen::ExactDate(date!(2026 - 03 - 01)),
                "1 March 2026",
            ),
            (
                MammogramWhen::NotSureAtLeast6Months,
                "Not sure (at least 6 months ago)",
            ),
            (
                MammogramWhen::NotSureLessThan6Months,
                "Not sure (less than 6 months ago)",
            ),
        ];
        for (when, text) in whens {
            assert_eq!(when.describe(), text);
        }
        assert_eq!(
            mammogram(MammogramWhen::ExactDate(date!(2026 - 03 - 01)), None).summary(),
            "Outside the UK: Paris, 1 March 2026"
        );
    }
}
