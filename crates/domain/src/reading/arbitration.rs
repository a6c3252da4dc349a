//! Discordance between two reads, the arbitration policy, and arbitration.

use super::*;

labelled_enum! {
    /// Why two reads disagree.
    pub enum DiscordanceReason ("discordance reason") {
        /// Different kinds of opinion (normal with details counting as normal).
        DifferentOpinions => ("different_opinions", "Different opinions"),
        /// Two technical recalls naming different sets of views.
        DifferentViews => ("different_views", "Different views to retake"),
        /// Two recalls for assessment differing on either breast's category.
        DifferentBreastAssessment => ("different_breast_assessment", "Different opinion of a breast"),
    }
}

/// Why `a` and `b` disagree, or `None` when they agree. See the module notes: details,
/// recall reasons and annotations never make reads discordant.
pub fn discordance(a: &Opinion, b: &Opinion) -> Option<DiscordanceReason> {
    if a.kind().for_discordance() != b.kind().for_discordance() {
        return Some(DiscordanceReason::DifferentOpinions);
    }
    match (a, b) {
        (Opinion::TechnicalRecall { .. }, Opinion::TechnicalRecall { .. })
            if a.recalled_views() != b.recalled_views() =>
        {
            Some(DiscordanceReason::DifferentViews)
        }
        (
            Opinion::RecallForAssessment {
                right: ar,
                left: al,
            },
            Opinion::RecallForAssessment {
                right: br,
                left: bl,
            },
        ) if ar.category() != br.category() || al.category() != bl.category() => {
            Some(DiscordanceReason::DifferentBreastAssessment)
        }
        _ => None,
    }
}

/// Whether two reads disagree.
pub fn discordant(a: &Opinion, b: &Opinion) -> bool {
    discordance(a, b).is_some()
}

/// The breasts two recalls for assessment disagree on (empty for any other pair).
pub fn breasts_in_dispute(a: &Opinion, b: &Opinion) -> Vec<Breast> {
    Breast::ALL
        .iter()
        .copied()
        .filter(
            |&breast| match (a.assessment(breast), b.assessment(breast)) {
                (Some(x), Some(y)) => x.category() != y.category(),
                _ => false,
            },
        )
        .collect()
}

labelled_enum! {
    /// Which pairs of reads a provider sends to arbitration. Discordant reads always go.
    #[derive(Default)]
    pub enum ArbitrationPolicy ("arbitration policy") {
        /// Only reads that disagree. The default.
        #[default]
        DiscordantOnly => ("discordant_only", "Discordant reads only"),
        /// Also reads that agree on a recall for assessment.
        AllRecalls => ("all_recalls", "All recalls for assessment"),
        /// Also reads that agree on a technical recall or a recall for assessment.
        AllNonNormal => ("all_non_normal", "All non-normal reads"),
    }
}

/// Whether a case with these two reads goes to arbitration under `policy`.
pub fn needs_arbitration(policy: ArbitrationPolicy, first: &Opinion, second: &Opinion) -> bool {
    if discordant(first, second) {
        return true;
    }
    let either = |kind: OpinionKind| first.kind() == kind || second.kind() == kind;
    match policy {
        ArbitrationPolicy::DiscordantOnly => false,
        ArbitrationPolicy::AllRecalls => either(OpinionKind::RecallForAssessment),
        ArbitrationPolicy::AllNonNormal => !first.is_normal() || !second.is_normal(),
    }
}

// ---------------------------------------------------------------------------------------
// Arbitration
// ---------------------------------------------------------------------------------------

/// The warning shown to an arbitrator who gave the 1st read.
pub const ARBITRATOR_GAVE_FIRST_READ: &str = "You gave the 1st read of this case";
/// The warning shown to an arbitrator who gave the 2nd read.
pub const ARBITRATOR_GAVE_SECOND_READ: &str = "You gave the 2nd read of this case";

/// A warning for `arbitrator` if they read the case themselves. It is a warning, not a
/// refusal: small units may have no one else to arbitrate.
pub fn arbitrator_warning(case: &CaseReads, arbitrator: ReaderId) -> Option<&'static str> {
    let read_by = |read: &Option<Read>| read.as_ref().is_some_and(|r| r.reader_id == arbitrator);
    if read_by(&case.first) {
        Some(ARBITRATOR_GAVE_FIRST_READ)
    } else if read_by(&case.second) {
        Some(ARBITRATOR_GAVE_SECOND_READ)
    } else {
        None
    }
}

impl Arbitration {
    /// Solo with one arbitrator, panel with more.
    pub fn mode(&self) -> ArbitrationMode {
        if self.arbitrators.len() > 1 {
            ArbitrationMode::Panel
        } else {
            ArbitrationMode::Solo
        }
    }

    /// The opinion the arbitration settles on.
    pub fn final_opinion<'a>(&'a self, case: &'a CaseReads) -> Option<&'a Opinion> {
        match &self.decision {
            ArbitrationDecision::AgreeWithFirst => case.first.as_ref().map(|r| &r.opinion),
            ArbitrationDecision::AgreeWithSecond => case.second.as_ref().map(|r| &r.opinion),
            ArbitrationDecision::Other(opinion) => Some(opinion),
        }
    }

    /// What is wrong with this arbitration of `case`. Fields: `arbitration` (the case
    /// needs both reads), `arbitrators`, and the [`Opinion::validate`] fields of another
    /// outcome. Whether the case needs arbitration at all is [`next_state`]'s business.
    pub fn validate(
        &self,
        case: &CaseReads,
        context: &ReadingContext,
    ) -> Result<(), Vec<FieldError>> {
        let mut errors = Errors::default();
        if case.first.is_none() || case.second.is_none() {
            errors.add(
                "arbitration",
                "A case needs 2 reads before it can be arbitrated",
            );
        }
        if self.arbitrators.is_empty() {
            errors.add("arbitrators", "Select who arbitrated this case");
        }
        let distinct: BTreeSet<_> = self.arbitrators.iter().collect();
        if distinct.len() != self.arbitrators.len() {
            errors.add("arbitrators", "Each arbitrator can only be selected once");
        }
        let mut all = errors.finish().err().unwrap_or_default();
        if let ArbitrationDecision::Other(opinion) = &self.decision
            && let Err(more) = opinion.validate(context)
        {
            all.extend(more);
        }
        if all.is_empty() { Ok(()) } else { Err(all) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reading::tests::*;

    #[test]
    fn discordance_for_every_pair_of_kinds() {
        use DiscordanceReason::DifferentOpinions as D;
        let opinions = [Opinion::normal(), details(), tr(&[View::Rcc]), ra_right()];
        // Rows: first read; columns: second read (normal, with details, TR, RA).
        let expected = [
            [None, None, Some(D), Some(D)],
            [None, None, Some(D), Some(D)],
            [Some(D), Some(D), None, Some(D)],
            [Some(D), Some(D), Some(D), None],
        ];
        for (a, row) in opinions.iter().zip(expected) {
            for (b, want) in opinions.iter().zip(row) {
                assert_eq!(discordance(a, b), want, "{:?} vs {:?}", a.kind(), b.kind());
                assert_eq!(discordant(a, b), want.is_some());
            }
        }
    }

    #[test]
    fn discordance_within_a_kind() {
        use BreastAssessment as BA;
        use DiscordanceReason::*;
        use LevelOfConcern as L;
        use TechnicalRecallReason as R;
        let mut other_note = note(L::Indeterminate);
        other_note.abnormality = AbnormalityType::Microcalcification;
        other_note.location = Location::Mark {
            view: View::Rcc,
            x: 0.2,
            y: 0.7,
        };
        let table: Vec<(&str, Opinion, Opinion, Option<DiscordanceReason>)> = vec![
            (
                "same views",
                tr(&[View::Rcc, View::Lmlo]),
                tr(&[View::Lmlo, View::Rcc]),
                None,
            ),
            (
                "same view, different reason",
                tr(&[View::Rcc]),
                recall(R::Other, "Skin fold", &[View::Rcc]),
                None,
            ),
            (
                "extra view",
                tr(&[View::Rcc]),
                tr(&[View::Rcc, View::Lmlo]),
                Some(DifferentViews),
            ),
            (
                "other view",
                tr(&[View::Rcc]),
                tr(&[View::Lcc]),
                Some(DifferentViews),
            ),
            (
                "implant displaced",
                tr(&[View::Rcc]),
                tr(&[View::Rccid]),
                Some(DifferentViews),
            ),
            (
                "different annotations",
                ra_right(),
                ra(
                    abnormal(vec![other_note.clone(), note(L::Benign)]),
                    BA::Normal,
                ),
                None,
            ),
            (
                "other breast",
                ra_right(),
                ra(BA::Normal, abnormal(vec![note(L::Suspicious)])),
                Some(DifferentBreastAssessment),
            ),
            (
                "abnormal vs symptoms",
                ra_right(),
                ra(BA::NormalSymptomsNeedAssessment, BA::Normal),
                Some(DifferentBreastAssessment),
            ),
            (
                "left differs only",
                ra_right(),
                ra(
                    abnormal(vec![note(L::Suspicious)]),
                    BA::NormalSymptomsNeedAssessment,
                ),
                Some(DifferentBreastAssessment),
            ),
            (
                "details differ",
                details(),
                Opinion::NormalWithDetails {
                    details: "Other words".into(),
                    symptoms_acknowledged: true,
                },
                None,
            ),
        ];
        for (name, a, b, want) in table {
            assert_eq!(discordance(&a, &b), want, "{name}");
            assert_eq!(discordance(&b, &a), want, "{name} (reversed)");
        }
        assert_eq!(
            breasts_in_dispute(
                &ra_right(),
                &ra(BA::Normal, abnormal(vec![note(L::Suspicious)]))
            ),
            vec![Breast::Right, Breast::Left]
        );
        assert_eq!(breasts_in_dispute(&ra_right(), &Opinion::normal()), vec![]);
    }

    #[test]
    fn arbitration_policy_table() {
        use ArbitrationPolicy::*;
        let ra2 = ra(
            abnormal(vec![note(LevelOfConcern::HighlySuspicious)]),
            BreastAssessment::Normal,
        );
        let pairs: [(&str, Opinion, Opinion, [bool; 3]); 7] = [
            (
                "normal, normal",
                Opinion::normal(),
                Opinion::normal(),
                [false, false, false],
            ),
            (
                "normal, details",
                Opinion::normal(),
                details(),
                [false, false, false],
            ),
            (
                "same technical recall",
                tr(&[View::Rcc]),
                tr(&[View::Rcc]),
                [false, false, true],
            ),
            (
                "different views",
                tr(&[View::Rcc]),
                tr(&[View::Lcc]),
                [true, true, true],
            ),
            ("same recall", ra_right(), ra2, [false, true, true]),
            (
                "normal, recall",
                Opinion::normal(),
                ra_right(),
                [true, true, true],
            ),
            (
                "normal, technical",
                details(),
                tr(&[View::Rmlo]),
                [true, true, true],
            ),
        ];
        for (name, first, second, want) in pairs {
            for (policy, want) in [DiscordantOnly, AllRecalls, AllNonNormal]
                .into_iter()
                .zip(want)
            {
                assert_eq!(
                    needs_arbitration(policy, &first, &second),
                    want,
                    "{name} {policy:?}"
                );
            }
        }
    }

    #[test]
    #[allow(clippy::type_complexity)]
    fn arbitration_rules() {
        let reads = case(
            Some(read(A, Opinion::normal(), T0)),
            Some(read(B, ra_right(), T0)),
        );
        assert_eq!(
            arbitrator_warning(&reads, A),
            Some(ARBITRATOR_GAVE_FIRST_READ)
        );
        assert_eq!(
            arbitrator_warning(&reads, B),
            Some(ARBITRATOR_GAVE_SECOND_READ)
        );
        assert_eq!(arbitrator_warning(&reads, C), None);
        let ctx = ReadingContext::default();
        let one_read = case(Some(read(A, Opinion::normal(), T0)), None);
        let arbitration = |arbitrators: Vec<ReaderId>, decision| Arbitration {
            arbitrators,
            decision,
            at: T0,
        };
        let table: Vec<(&str, &CaseReads, Arbitration, Vec<&str>, ArbitrationMode)> = vec![
            (
                "solo",
                &reads,
                arbitration(vec![C], ArbitrationDecision::AgreeWithSecond),
                vec![],
                ArbitrationMode::Solo,
            ),
            (
                "panel",
                &reads,
                arbitration(vec![C, A, ReaderId(9)], ArbitrationDecision::AgreeWithFirst),
                vec![],
                ArbitrationMode::Panel,
            ),
            (
                "nobody",
                &reads,
                arbitration(vec![], ArbitrationDecision::AgreeWithFirst),
                vec!["arbitrators"],
                ArbitrationMode::Solo,
            ),
            (
                "twice",
                &reads,
                arbitration(vec![C, C], ArbitrationDecision::AgreeWithFirst),
                vec!["arbitrators"],
                ArbitrationMode::Panel,
            ),
            (
                "other outcome",
                &reads,
                arbitration(vec![C], ArbitrationDecision::Other(tr(&[View::Lcc]))),
                vec![],
                ArbitrationMode::Solo,
            ),
            (
                "invalid other outcome",
                &reads,
                arbitration(vec![C], ArbitrationDecision::Other(tr(&[]))),
                vec!["views"],
                ArbitrationMode::Solo,
            ),
            (
                "one read only",
                &one_read,
                arbitration(vec![C], ArbitrationDecision::AgreeWithFirst),
                vec!["arbitration"],
                ArbitrationMode::Solo,
            ),
        ];
        for (name, case, arbitration, want, mode) in table {
            assert_eq!(fields(arbitration.validate(case, &ctx)), want, "{name}");
            assert_eq!(arbitration.mode(), mode, "{name}");
        }
        let other = arbitration(vec![C], ArbitrationDecision::Other(tr(&[View::Lcc])));
        assert_eq!(other.final_opinion(&reads), Some(&tr(&[View::Lcc])));
        let first = arbitration(vec![C], ArbitrationDecision::AgreeWithFirst);
        assert_eq!(first.final_opinion(&reads), Some(&Opinion::normal()));
    }
}
