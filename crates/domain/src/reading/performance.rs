//! Reader performance.

use super::*;

/// What one reader did over a period, counted by the store.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReaderTally {
    /// 1st reads given.
    pub first_reads: u64,
    /// 2nd reads given.
    pub second_reads: u64,
    /// Reads that recalled for assessment.
    pub recalls: u64,
    /// Reads that asked for a technical recall.
    pub technical_recalls: u64,
    /// Reads of cases that went to arbitration.
    pub arbitrated: u64,
    /// Reads of concluded cases.
    pub concluded: u64,
    /// Reads of concluded cases whose opinion kind matched the case's result.
    pub agreed_with_outcome: u64,
}

/// A reader's rates, as percentages with one decimal place (`None` with nothing to divide).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReaderRates {
    pub cases_read: u64,
    pub first_reads: u64,
    pub second_reads: u64,
    pub recall_rate: Option<f64>,
    pub technical_recall_rate: Option<f64>,
    pub arbitration_rate: Option<f64>,
    pub agreement_with_outcome: Option<f64>,
}

/// A percentage rounded to one decimal place, or `None` when `of` is zero.
pub fn percentage(part: u64, of: u64) -> Option<f64> {
    if of == 0 {
        None
    } else {
        Some((part as f64 * 1000.0 / of as f64).round() / 10.0)
    }
}

impl ReaderTally {
    /// The rates the performance pages show.
    pub fn rates(&self) -> ReaderRates {
        let read = self.first_reads + self.second_reads;
        ReaderRates {
            cases_read: read,
            first_reads: self.first_reads,
            second_reads: self.second_reads,
            recall_rate: percentage(self.recalls, read),
            technical_recall_rate: percentage(self.technical_recalls, read),
            arbitration_rate: percentage(self.arbitrated, read),
            agreement_with_outcome: percentage(self.agreed_with_outcome, self.concluded),
        }
    }
}

/// Whether a read "agreed with the final outcome": its opinion is of the same kind as the
/// case's final opinion (normal with details counting as normal).
pub fn agrees_with_outcome(read: OpinionKind, outcome: OpinionKind) -> bool {
    read.for_discordance() == outcome.for_discordance()
}

labelled_enum! {
    /// The periods performance is shown over.
    #[derive(Default)]
    pub enum Period ("period") {
        Week => ("7", "Last 7 days"),
        #[default]
        Month => ("28", "Last 28 days"),
        Year => ("365", "Last 365 days"),
    }
}

impl Period {
    /// The period's length.
    pub const fn days(self) -> i64 {
        match self {
            Period::Week => 7,
            Period::Month => 28,
            Period::Year => 365,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_round_to_one_place_and_need_a_denominator() {
        let table = [
            (0, 0, None),
            (0, 10, Some(0.0)),
            (1, 3, Some(33.3)),
            (2, 3, Some(66.7)),
            (5, 5, Some(100.0)),
            (1, 8, Some(12.5)),
        ];
        for (part, of, want) in table {
            assert_eq!(percentage(part, of), want, "{part}/{of}");
        }
    }

    #[test]
    fn reader_rates_from_a_tally() {
        let tally = ReaderTally {
            first_reads: 6,
            second_reads: 4,
            recalls: 1,
            technical_recalls: 2,
            arbitrated: 3,
            concluded: 8,
            agreed_with_outcome: 6,
        };
        let rates = tally.rates();
        assert_eq!(rates.cases_read, 10);
        assert_eq!(rates.recall_rate, Some(10.0));
        assert_eq!(rates.technical_recall_rate, Some(20.0));
        assert_eq!(rates.arbitration_rate, Some(30.0));
        assert_eq!(rates.agreement_with_outcome, Some(75.0));
        assert_eq!(ReaderTally::default().rates().recall_rate, None);
    }

    #[test]
    fn agreement_with_outcome_counts_normal_with_details_as_normal() {
        use OpinionKind::*;
        for read in OpinionKind::ALL {
            for outcome in OpinionKind::ALL {
                let want = read.for_discordance() == outcome.for_discordance();
                assert_eq!(
                    agrees_with_outcome(*read, *outcome),
                    want,
                    "{read:?} vs {outcome:?}"
                );
            }
        }
        assert!(agrees_with_outcome(NormalWithDetails, Normal));
        assert!(!agrees_with_outcome(TechnicalRecall, RecallForAssessment));
    }

    #[test]
    fn periods_are_7_28_and_365_days() {
        let table = [("7", 7), ("28", 28), ("365", 365)];
        for (value, days) in table {
            let period: Period = value.parse().expect("period");
            assert_eq!(period.days(), days);
        }
        assert_eq!(Period::default(), Period::Month);
        assert!("30".parse::<Period>().is_err());
    }
}
