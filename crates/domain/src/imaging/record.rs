//! The images record and the context it is checked against.

use super::*;

/// Everything the mammographer answered in "Take mammogram images", as stored. The room
/// and machine are kept by the store alongside, not here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImagesRecord {
    /// "Have you taken a standard set of images?"
    pub standard_set: StandardSetAnswer,
    /// Images per view. Only read when `standard_set` is "no": "yes" means
    /// [`ViewCounts::STANDARD`] whatever is here, "no images taken" means none.
    #[serde(default)]
    pub counts: ViewCounts,
    /// The repeats answers, for views with 2 or more images.
    #[serde(default)]
    pub repeats: BTreeMap<View, ViewRepeats>,
    /// "Imperfect, but best possible images".
    #[serde(default)]
    pub imperfect_but_best_possible: bool,
    /// "Not all mammograms taken", with its details, or `None` when not ticked.
    #[serde(default)]
    pub not_all_taken: Option<NotAllTaken>,
    /// "Notes for reader".
    #[serde(default)]
    pub notes_for_reader: String,
    /// Other people who took the images, besides the signed-in mammographer.
    #[serde(default)]
    pub additional_operators: Vec<String>,
}

impl ImagesRecord {
    /// "Yes, 2 CC and 2 MLO", nothing else.
    pub fn standard_set() -> ImagesRecord {
        ImagesRecord::answered(StandardSetAnswer::Yes, ViewCounts::STANDARD)
    }

    /// "No images taken".
    pub fn no_images() -> ImagesRecord {
        ImagesRecord::answered(StandardSetAnswer::NoImages, ViewCounts::ZERO)
    }

    /// "No, add other information" with these counts, nothing else yet.
    pub fn with_counts(counts: ViewCounts) -> ImagesRecord {
        ImagesRecord::answered(StandardSetAnswer::No, counts)
    }

    fn answered(standard_set: StandardSetAnswer, counts: ViewCounts) -> ImagesRecord {
        ImagesRecord {
            standard_set,
            counts,
            repeats: BTreeMap::new(),
            imperfect_but_best_possible: false,
            not_all_taken: None,
            notes_for_reader: String::new(),
            additional_operators: Vec::new(),
        }
    }

    /// The counts the answer means: the standard set after "yes", none after "no images
    /// taken", the recorded counts after "no".
    pub fn effective_counts(&self) -> ViewCounts {
        match self.standard_set {
            StandardSetAnswer::Yes => ViewCounts::STANDARD,
            StandardSetAnswer::NoImages => ViewCounts::ZERO,
            StandardSetAnswer::No => self.counts,
        }
    }

    /// The views that need the repeats question (2 or more images), with their counts, in
    /// [`View::ALL`] order. Empty means the repeats page is skipped.
    pub fn views_needing_repeats(&self) -> Vec<(View, u8)> {
        self.effective_counts()
            .iter()
            .filter(|&(_, n)| n >= 2)
            .collect()
    }

    /// The repeats answer recorded for `view`, if any.
    pub fn repeats_for(&self, view: View) -> Option<&ViewRepeats> {
        self.repeats.get(&view)
    }

    /// This record with everything its answers make irrelevant removed, lists sorted and
    /// de-duplicated, and operator names trimmed. Apply before saving: answers left over
    /// from an earlier choice (counts before switching to "yes", repeats for a view whose
    /// count went back to 1, "Other" details after "Other" was unticked) are not kept.
    pub fn normalised(&self) -> ImagesRecord {
        let mut record = self.clone();
        record.counts = self.effective_counts();
        record
            .repeats
            .retain(|view, _| record.counts.get(*view) >= 2);
        for (view, repeats) in record.repeats.iter_mut() {
            repeats.reasons.sort();
            repeats.reasons.dedup();
            let images = record.counts.get(*view);
            if repeats.answer.is_none_or(|a| a.repeats(images) == 0) {
                repeats.reasons.clear();
            }
            if !repeats.reasons.contains(&RepeatReason::Other) {
                repeats.other_reason_details.clear();
            }
        }
        if self.standard_set != StandardSetAnswer::No {
            record.not_all_taken = None;
        }
        if let Some(not_all) = record.not_all_taken.as_mut() {
            not_all.reasons.sort();
            not_all.reasons.dedup();
            if not_all.against_guidance().is_empty() {
                not_all.partial_confirmed = false;
            }
        }
        if self.standard_set == StandardSetAnswer::NoImages {
            record.imperfect_but_best_possible = false;
        }
        record.additional_operators = self
            .additional_operators
            .iter()
            .map(|name| name.trim().to_owned())
            .filter(|name| !name.is_empty())
            .collect();
        record
    }
}

/// What is known about the participant that changes what is expected to be imaged, from
/// the medical information step, and for a recall appointment the views the recall asks
/// for. The default expects both breasts, without implants, the whole standard set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImagingContext {
    /// Whether the right breast should be imaged (false after a mastectomy leaving no
    /// tissue to image).
    pub right_breast_expected: bool,
    /// Whether the left breast should be imaged.
    pub left_breast_expected: bool,
    /// Whether the participant has breast implants (implant-displaced views are likely).
    pub has_implants: bool,
    /// A recall (technical recall or more images) asks only for these standard views;
    /// `None` for a screen, which expects the standard set.
    #[serde(default, skip)]
    pub requested: Option<RequestedViews>,
}

impl Default for ImagingContext {
    fn default() -> Self {
        ImagingContext {
            right_breast_expected: true,
            left_breast_expected: true,
            has_implants: false,
            requested: None,
        }
    }
}

/// The standard views a recall asks for (a set of RCC, RMLO, LCC, LMLO).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RequestedViews([bool; 4]);

impl RequestedViews {
    /// The standard views among `views` (an implant-displaced view asks for its standard
    /// view); `None` when that leaves none, which is not a recall of particular views.
    pub fn of(views: impl IntoIterator<Item = View>) -> Option<RequestedViews> {
        let mut set = [false; 4];
        for view in views {
            let standard = view.standard_view();
            if let Some(i) = View::STANDARD.iter().position(|v| *v == standard) {
                set[i] = true;
            }
        }
        set.iter().any(|b| *b).then_some(RequestedViews(set))
    }

    /// Whether `view` (or, for an implant-displaced view, its standard view) is asked for.
    pub fn contains(&self, view: View) -> bool {
        let standard = view.standard_view();
        View::STANDARD
            .iter()
            .position(|v| *v == standard)
            .is_some_and(|i| self.0[i])
    }

    /// The views asked for, in [`View::STANDARD`] order.
    pub fn views(&self) -> Vec<View> {
        View::STANDARD
            .into_iter()
            .filter(|v| self.contains(*v))
            .collect()
    }

    /// "RMLO and LCC".
    pub fn sentence(&self) -> String {
        let labels: Vec<&str> = self.views().into_iter().map(View::label).collect();
        match labels.as_slice() {
            [] => String::new(),
            [one] => (*one).to_owned(),
            [init @ .., last] => format!("{} and {last}", init.join(", ")),
        }
    }

    /// One image of each view asked for: what the counts start at on a recall.
    pub fn counts(&self) -> ViewCounts {
        let mut counts = ViewCounts::ZERO;
        for view in self.views() {
            if let Ok(with) = counts.with(view, 1) {
                counts = with;
            }
        }
        counts
    }
}

impl ImagingContext {
    /// This context with `breast` not expected to be imaged.
    pub const fn without(mut self, breast: Breast) -> ImagingContext {
        match breast {
            Breast::Right => self.right_breast_expected = false,
            Breast::Left => self.left_breast_expected = false,
        }
        self
    }

    /// This context with breast implants.
    pub const fn with_implants(mut self) -> ImagingContext {
        self.has_implants = true;
        self
    }

    /// This context for a recall asking only for `views`.
    pub const fn recalling(mut self, views: RequestedViews) -> ImagingContext {
        self.requested = Some(views);
        self
    }

    /// Whether `breast` is expected to be imaged: not after a mastectomy, and on a recall
    /// only if a view of it is asked for.
    pub fn expects(&self, breast: Breast) -> bool {
        let present = match breast {
            Breast::Right => self.right_breast_expected,
            Breast::Left => self.left_breast_expected,
        };
        present
            && self
                .requested
                .is_none_or(|r| r.views().into_iter().any(|view| view.breast() == breast))
    }

    /// The standard views expected: those of the expected breasts, and on a recall only
    /// those asked for.
    pub fn expected_views(&self) -> Vec<View> {
        View::STANDARD
            .into_iter()
            .filter(|view| self.expects(view.breast()))
            .filter(|view| self.requested.is_none_or(|r| r.contains(*view)))
            .collect()
    }

    /// Whether the "Other views" (implant-displaced counters) should start open: for a
    /// participant with implants, or once any has a count.
    pub fn other_views_open(&self, counts: &ViewCounts) -> bool {
        self.has_implants
            || View::IMPLANT_DISPLACED
                .into_iter()
                .any(|view| counts.get(view) > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::imaging::tests::{BOTH, detailed_record};
    use ExtraImagesAnswer as A;
    use IncompleteReason as I;
    use RepeatReason as RR;
    use StandardSetAnswer as Ans;
    use View::*;

    #[test]
    fn check_information_summary() {
        let record = detailed_record();
        let context = BOTH.with_implants();
        assert_eq!(validate(&record, &context), Ok(()));
        let d = derive(&record, &context);
        assert_eq!(
            d.summary_lines(),
            [
                "1x RCC",
                "2x RMLO: 1 repeat",
                "4x LCC: 1 repeat, 2 extras",
                "1x LMLO",
                "1x RCCID"
            ]
        );
        assert_eq!(
            d.tally(Rmlo).unwrap().repeat_reasons_text().as_deref(),
            Some("Participant movement")
        );
        assert_eq!(
            d.tally(Lcc).unwrap().repeat_reasons_text().as_deref(),
            Some("Compression issues, Other: Hair in view")
        );
        assert_eq!(d.tally(Rcc).unwrap().repeat_reasons_text(), None);
        assert_eq!(d.images_taken_heading(), "9 images taken");
        assert!(d.has_additional_images());
        assert!(d.goes_to_reading());
        assert!(d.missing_views.is_empty());

        let standard = derive(&ImagesRecord::standard_set(), &BOTH);
        assert!(!standard.has_additional_images());
        assert_eq!(
            standard.summary_lines(),
            ["1x RCC", "1x RMLO", "1x LCC", "1x LMLO"]
        );

        let mut one = ImagesRecord::with_counts(ViewCounts::from_pairs(&[(Lcc, 1)]).unwrap());
        one.not_all_taken = Some(NotAllTaken {
            reasons: vec![I::ConsentWithdrawn, I::Other],
            details: "Felt unwell".into(),
            recall: Some(RecallDecision::NoRecall),
            partial_confirmed: false,
        });
        assert_eq!(validate(&one, &BOTH), Ok(()));
        let d = derive(&one, &BOTH);
        assert_eq!(d.images_taken_heading(), "1 image taken");
        assert_eq!(d.missing_views, [Rcc, Rmlo, Lmlo]);
        assert_eq!(d.completeness.summary_tag(), Some("Partial mammography"));
        assert_eq!(
            one.not_all_taken.unwrap().reasons_text(),
            "Consent withdrawn, Other"
        );

        let none = derive(&ImagesRecord::no_images(), &BOTH);
        assert!(!none.goes_to_reading());
        assert_eq!(none.images_taken_heading(), "0 images taken");
    }

    #[test]
    fn normalising_drops_what_the_answers_make_irrelevant() {
        let mut record = detailed_record();
        record
            .repeats
            .insert(Rcc, ViewRepeats::new(A::AllRepeats, &[RR::TechnicalFault]));
        record.repeats.insert(
            Lcc,
            ViewRepeats {
                answer: Some(A::AllExtra),
                reasons: vec![RR::Other],
                other_reason_details: "left over".into(),
            },
        );
        record.repeats.get_mut(&Rmlo).unwrap().reasons = vec![
            RR::PositioningError,
            RR::ParticipantMovement,
            RR::PositioningError,
        ];
        record.repeats.get_mut(&Rmlo).unwrap().other_reason_details = "left over".into();
        let n = record.normalised();
        assert!(
            !n.repeats.contains_key(&Rcc),
            "1 RCC image needs no repeats answer"
        );
        assert_eq!(n.repeats[&Lcc].reasons, []);
        assert_eq!(n.repeats[&Lcc].other_reason_details, "");
        assert_eq!(
            n.repeats[&Rmlo].reasons,
            [RR::ParticipantMovement, RR::PositioningError]
        );
        assert_eq!(n.repeats[&Rmlo].other_reason_details, "");
        assert_eq!(n.additional_operators, ["Sam Jones", "Ann Smith"]);

        let mut yes = detailed_record();
        yes.standard_set = Ans::Yes;
        yes.imperfect_but_best_possible = true;
        yes.notes_for_reader = "Kept".into();
        yes.not_all_taken = Some(NotAllTaken {
            reasons: vec![I::Other],
            details: String::new(),
            recall: None,
            partial_confirmed: false,
        });
        let n = yes.normalised();
        assert_eq!(n.counts, ViewCounts::STANDARD);
        assert!(n.repeats.is_empty());
        assert_eq!(n.not_all_taken, None);
        assert!(n.imperfect_but_best_possible);
        assert_eq!(n.notes_for_reader, "Kept");

        let mut none = yes.clone();
        none.standard_set = Ans::NoImages;
        let n = none.normalised();
        assert_eq!(n.counts, ViewCounts::ZERO);
        assert!(!n.imperfect_but_best_possible);
    }
}
