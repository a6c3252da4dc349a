//! The questions of the images step and their answers, and repeats and extra images.

use super::*;

/// "Have you taken a standard set of images?"
pub const STANDARD_SET_QUESTION: &str = "Have you taken a standard set of images?";

labelled_enum! {
    /// The answer to "Have you taken a standard set of images?".
    pub enum StandardSetAnswer ("standard set answer") {
        /// One image of each standard view, nothing else to record.
        Yes => ("yes", "Yes, 2 CC and 2 MLO"),
        /// Go on to "Provide image details".
        No => ("no", "No, add other information"),
        /// No images at all: the appointment cannot proceed.
        NoImages => ("no_images", "No images taken"),
    }
}

/// "How many images were taken?"
pub const COUNTS_QUESTION: &str = "How many images were taken?";

labelled_enum! {
    /// Why an image was repeated ("Why were repeats needed?", select all that apply).
    pub enum RepeatReason ("repeat reason") {
        ParticipantMovement => ("participant_movement", "Participant movement"),
        CompressionIssues => ("compression_issues", "Compression issues"),
        PositioningError => ("positioning_error", "Positioning error"),
        PoorExposure => ("poor_exposure", "Poor exposure (image too light or dark)"),
        ArtefactsObscuringImage => ("artefacts_obscuring_image", "Artefacts obscuring image"),
        TechnicalFault => ("technical_fault", "Technical fault"),
        Other => ("other", "Other"),
    }
}

/// "Why were repeats needed?"
pub const REPEAT_REASONS_QUESTION: &str = "Why were repeats needed?";

/// "Not all mammograms taken" (the checkbox in "Additional details").
pub const NOT_ALL_TAKEN_LABEL: &str = "Not all mammograms taken";

/// "Why could you not take all the images?"
pub const INCOMPLETE_REASONS_QUESTION: &str = "Why could you not take all the images?";

/// "Imperfect, but best possible images" (the checkbox in "Additional details").
pub const IMPERFECT_LABEL: &str = "Imperfect, but best possible images";

/// The hint under "Imperfect, but best possible images".
pub const IMPERFECT_HINT: &str = "Image readers will be advised not to request a technical recall";

labelled_enum! {
    /// Why not all the images could be taken ("Why could you not take all the images?",
    /// select all that apply).
    pub enum IncompleteReason ("reason not all images were taken") {
        ConsentWithdrawn => ("consent_withdrawn", "Consent withdrawn"),
        LanguageOrLearningDifficulties => ("language_or_learning_difficulties", "Language or learning difficulties"),
        UnableToScanTissue => ("unable_to_scan_tissue", "Unable to scan tissue"),
        WheelchairPositioning => ("wheelchair_positioning", "Positioning difficulties due to wheelchair"),
        OtherMobilityPositioning => ("other_mobility_positioning", "Positioning difficulties for other mobility reasons"),
        TechnicalIssues => ("technical_issues", "Technical issues"),
        Other => ("other", "Other"),
    }
}

impl IncompleteReason {
    /// The hint shown under the option, if it has one.
    pub const fn hint(self) -> Option<&'static str> {
        match self {
            IncompleteReason::UnableToScanTissue => {
                Some("For example, large breasts or implanted device")
            }
            _ => None,
        }
    }

    /// What the guidance on partial or incomplete screening mammography (seed 2026-01)
    /// says about recording partial mammography for this reason, to help the mammographer
    /// answer the recall question. `None` where the guidance says nothing specific.
    pub const fn partial_guidance(self) -> Option<&'static str> {
        use IncompleteReason::*;
        match self {
            ConsentWithdrawn => Some(
                "Partial mammography should be recorded if consent was withdrawn after at \
                 least one image and the participant will not come back for more images.",
            ),
            LanguageOrLearningDifficulties => Some(
                "Partial mammography should be recorded if the participant could not \
                 cooperate and will not come back for more images.",
            ),
            WheelchairPositioning | OtherMobilityPositioning => Some(
                "Partial mammography should be recorded if the participant could not be \
                 positioned and will not come back for more images.",
            ),
            UnableToScanTissue => Some(
                "Partial mammography should be recorded if an implanted medical device \
                 stopped tissue being scanned. It should not be recorded for a limited \
                 amount of tissue (for example after a unilateral mastectomy) or when \
                 breast implants stopped all tissue being scanned.",
            ),
            TechnicalIssues => Some(
                "Partial mammography should not be recorded for a failure of the x-ray \
                 equipment. Recall the participant to take more images.",
            ),
            Other => None,
        }
    }

    /// Whether the guidance says partial mammography should not be recorded for this
    /// reason, so recording it ("No" to the recall question) needs the mammographer to
    /// confirm. "Technical issues" (an x-ray equipment failure) should lead to a recall;
    /// "Unable to scan tissue" covers both a case for partial mammography (an implanted
    /// device) and cases the guidance excludes (little tissue, implants hiding all
    /// tissue, or large breasts that need more images), so it is checked too.
    pub const fn partial_against_guidance(self) -> bool {
        matches!(
            self,
            IncompleteReason::TechnicalIssues | IncompleteReason::UnableToScanTissue
        )
    }
}

/// The question asked when partial mammography is recorded for a reason the guidance says
/// should not lead to it ([`NotAllTaken::against_guidance`]).
pub const PARTIAL_CONFIRM_QUESTION: &str = "Are you sure partial mammography should be recorded?";

/// The checkbox that answers [`PARTIAL_CONFIRM_QUESTION`].
pub const PARTIAL_CONFIRM_LABEL: &str =
    "Yes, record partial mammography: the participant will not be recalled to take more images";

/// The general rule from the guidance on partial mammography (seed 2026-01).
pub const PARTIAL_MAMMOGRAPHY_GUIDANCE: &str = "Partial mammography should not be recorded \
     if the participant is willing and able to come back for more images. If at least half \
     of the breast is shown on one or more views, the views are enough for a screening report.";

/// "Should the participant be recalled to take more images?"
pub const RECALL_QUESTION: &str = "Should the participant be recalled to take more images?";

labelled_enum! {
    /// The options of [`RECALL_QUESTION`], as radio values and labels. The full answer,
    /// with its details, is a [`RecallDecision`].
    pub enum RecallChoice ("recall choice") {
        Recall => ("recall", "Yes, record as 'to be recalled'"),
        NoRecall => ("no_recall", "No, record as 'partial mammography'"),
    }
}

/// The mammographer's answer to [`RECALL_QUESTION`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum RecallDecision {
    /// Invite the participant back to take more images: recorded as 'to be recalled'.
    Recall {
        /// When to recall them, in the mammographer's words ("in 6 weeks"). Required.
        timescale: String,
        /// Anything that affects scheduling, such as allowing a temporary injury to heal.
        #[serde(default)]
        scheduling_note: String,
    },
    /// Do not recall: recorded as 'partial mammography'.
    NoRecall,
}

impl RecallDecision {
    /// The radio option this decision was given with.
    pub const fn choice(&self) -> RecallChoice {
        match self {
            RecallDecision::Recall { .. } => RecallChoice::Recall,
            RecallDecision::NoRecall => RecallChoice::NoRecall,
        }
    }
}

/// The details revealed by "Not all mammograms taken".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NotAllTaken {
    /// "Why could you not take all the images?" At least one is required.
    #[serde(default)]
    pub reasons: Vec<IncompleteReason>,
    /// The single "Provide details" box. Required when "Other" is among the reasons.
    #[serde(default)]
    pub details: String,
    /// "Should the participant be recalled to take more images?" Required.
    #[serde(default)]
    pub recall: Option<RecallDecision>,
    /// The mammographer confirmed partial mammography although a reason given is one the
    /// guidance says should not be recorded as partial mammography
    /// ([`PARTIAL_CONFIRM_QUESTION`]). Required then; dropped by
    /// [`ImagesRecord::normalised`] otherwise.
    #[serde(default)]
    pub partial_confirmed: bool,
}

impl NotAllTaken {
    /// The reasons as one line for a summary: "Consent withdrawn, Technical issues". The
    /// details are shown separately.
    pub fn reasons_text(&self) -> String {
        self.reasons
            .iter()
            .map(|reason| reason.label())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The reasons given for which the guidance says partial mammography should not be
    /// recorded, when it is being recorded ("No" to the recall question). Empty otherwise.
    pub fn against_guidance(&self) -> Vec<IncompleteReason> {
        if !matches!(self.recall, Some(RecallDecision::NoRecall)) {
            return Vec::new();
        }
        let mut reasons: Vec<IncompleteReason> = self
            .reasons
            .iter()
            .copied()
            .filter(|r| r.partial_against_guidance())
            .collect();
        reasons.sort();
        reasons.dedup();
        reasons
    }

    /// The warning shown above [`PARTIAL_CONFIRM_QUESTION`]: what the guidance says about
    /// each reason in [`NotAllTaken::against_guidance`]. `None` when there is none.
    pub fn partial_warning(&self) -> Option<String> {
        let reasons = self.against_guidance();
        if reasons.is_empty() {
            return None;
        }
        let lines: Vec<String> = reasons
            .iter()
            .filter_map(|r| r.partial_guidance().map(|g| format!("{}: {g}", r.label())))
            .collect();
        Some(lines.join(" "))
    }

    /// The line for the check information summary when partial mammography was confirmed
    /// against the guidance: "Partial mammography confirmed by the mammographer against the
    /// guidance for Technical issues". `None` otherwise.
    pub fn confirmation_summary(&self) -> Option<String> {
        let reasons = self.against_guidance();
        (self.partial_confirmed && !reasons.is_empty()).then(|| {
            let names: Vec<&str> = reasons.iter().map(|r| r.label()).collect();
            format!(
                "Partial mammography confirmed by the mammographer against the guidance for {}",
                names.join(", ")
            )
        })
    }
}

// ---------------------------------------------------------------------------------------
// Repeats and extra images
// ---------------------------------------------------------------------------------------

labelled_enum! {
    /// The options of the repeats question, as radio values. The labels are the ones for
    /// several additional images; [`ExtraImagesChoice::label_for`] gives the wording for
    /// the count actually taken.
    pub enum ExtraImagesChoice ("answer about additional images") {
        AllRepeats => ("all_repeats", "Yes, all images were repeats"),
        SomeRepeats => ("some_repeats", "Yes, some were repeats and some were extra images"),
        AllExtra => ("all_extra", "No, all extra images were needed to capture the complete view"),
    }
}

impl ExtraImagesChoice {
    /// The options offered when `images` images of a view were taken: two for one
    /// additional image, three for several, none when there is nothing additional.
    pub const fn options(images: u8) -> &'static [ExtraImagesChoice] {
        match images {
            0 | 1 => &[],
            2 => &[ExtraImagesChoice::AllRepeats, ExtraImagesChoice::AllExtra],
            _ => &[
                ExtraImagesChoice::AllRepeats,
                ExtraImagesChoice::SomeRepeats,
                ExtraImagesChoice::AllExtra,
            ],
        }
    }

    /// The option's label when `images` images of a view were taken ("Yes, it was a
    /// repeat" for one additional image).
    pub const fn label_for(self, images: u8) -> &'static str {
        match (self, images <= 2) {
            (ExtraImagesChoice::AllRepeats, true) => "Yes, it was a repeat",
            (ExtraImagesChoice::AllExtra, true) => {
                "No, an extra image was needed to capture the complete view"
            }
            _ => self.label(),
        }
    }
}

/// Whether the additional images of one view were repeats (something forced re-doing the
/// image) or extras (more images were needed to capture the whole breast). One type serves
/// both the one-additional-image question and the several-additional-images one.
///
/// Stored as `{"choice": "all_repeats"}`, `{"choice": "some_repeats", "repeats": 2}` or
/// `{"choice": "all_extra"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "choice", content = "repeats", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ExtraImagesAnswer {
    /// "Yes, it was a repeat" / "Yes, all images were repeats".
    AllRepeats,
    /// "Yes, some were repeats and some were extra images", with the answer to "How many
    /// were repeats?".
    SomeRepeats(u8),
    /// "No, an extra image was needed…" / "No, all extra images were needed…".
    AllExtra,
}

impl ExtraImagesAnswer {
    /// The question for a view with `images` images (meaningful from 2): "2 RMLO images
    /// were taken. Was the additional image a repeat?" or "3 RMLO images were taken. Were
    /// the additional images repeats?".
    pub fn question(view: View, images: u8) -> String {
        if images <= 2 {
            format!("{images} {view} images were taken. Was the additional image a repeat?")
        } else {
            format!("{images} {view} images were taken. Were the additional images repeats?")
        }
    }

    /// "How many were repeats?", asked after "some were repeats".
    pub const HOW_MANY_QUESTION: &'static str = "How many were repeats?";

    /// The hint under [`Self::HOW_MANY_QUESTION`]: "Out of 3 extra images".
    pub fn how_many_hint(images: u8) -> String {
        format!("Out of {} extra images", images.saturating_sub(1))
    }

    /// The radio option this answer was given with.
    pub const fn choice(self) -> ExtraImagesChoice {
        match self {
            ExtraImagesAnswer::AllRepeats => ExtraImagesChoice::AllRepeats,
            ExtraImagesAnswer::SomeRepeats(_) => ExtraImagesChoice::SomeRepeats,
            ExtraImagesAnswer::AllExtra => ExtraImagesChoice::AllExtra,
        }
    }

    /// The answer from its radio option and, for "some", the number of repeats.
    pub const fn from_choice(choice: ExtraImagesChoice, repeats: u8) -> ExtraImagesAnswer {
        match choice {
            ExtraImagesChoice::AllRepeats => ExtraImagesAnswer::AllRepeats,
            ExtraImagesChoice::SomeRepeats => ExtraImagesAnswer::SomeRepeats(repeats),
            ExtraImagesChoice::AllExtra => ExtraImagesAnswer::AllExtra,
        }
    }

    /// The label of this answer when `images` images of the view were taken.
    pub const fn label_for(self, images: u8) -> &'static str {
        self.choice().label_for(images)
    }

    /// How many of the `images - 1` additional images were repeats. An out of range
    /// "some" number is clamped, so this is total even on an invalid record.
    pub const fn repeats(self, images: u8) -> u8 {
        let additional = images.saturating_sub(1);
        match self {
            ExtraImagesAnswer::AllRepeats => additional,
            ExtraImagesAnswer::SomeRepeats(n) if n > additional => additional,
            ExtraImagesAnswer::SomeRepeats(n) => n,
            ExtraImagesAnswer::AllExtra => 0,
        }
    }

    /// How many of the `images - 1` additional images were extras.
    pub const fn extras(self, images: u8) -> u8 {
        images.saturating_sub(1) - self.repeats(images)
    }

    /// Reads "How many were repeats?" for `view`. A blank or non-numeric answer is an
    /// error on the field; the range is checked by [`validate`], which knows the count.
    pub fn parse_how_many(view: View, input: &str) -> Result<u8, ImagingError> {
        let input = input.trim();
        if input.is_empty() {
            return Err(ImagingError::new(
                ImagingField::RepeatsCount(view),
                format!("Enter how many {view} images were repeats"),
            ));
        }
        input.parse::<u8>().map_err(|_| {
            ImagingError::new(
                ImagingField::RepeatsCount(view),
                format!("Enter a valid number for {view} repeats"),
            )
        })
    }
}

/// The repeats answers for one view with 2 or more images.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ViewRepeats {
    /// Whether the additional images were repeats. Required.
    #[serde(default)]
    pub answer: Option<ExtraImagesAnswer>,
    /// Why they were repeated. At least one is required when any was a repeat.
    #[serde(default)]
    pub reasons: Vec<RepeatReason>,
    /// Details of the "Other" reason. Required when "Other" is among the reasons.
    #[serde(default)]
    pub other_reason_details: String,
}

impl ViewRepeats {
    /// Repeats answered with `answer` and `reasons`, no other details.
    pub fn new(answer: ExtraImagesAnswer, reasons: &[RepeatReason]) -> ViewRepeats {
        ViewRepeats {
            answer: Some(answer),
            reasons: reasons.to_vec(),
            other_reason_details: String::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use View::*;

    #[test]
    fn question_texts() {
        let table: &[(View, u8, &str)] = &[
            (
                Rmlo,
                2,
                "2 RMLO images were taken. Was the additional image a repeat?",
            ),
            (
                Rcc,
                2,
                "2 RCC images were taken. Was the additional image a repeat?",
            ),
            (
                Lcc,
                3,
                "3 LCC images were taken. Were the additional images repeats?",
            ),
            (
                Lmloid,
                5,
                "5 LMLOID images were taken. Were the additional images repeats?",
            ),
        ];
        for &(view, images, question) in table {
            assert_eq!(ExtraImagesAnswer::question(view, images), question);
        }
        assert_eq!(ExtraImagesAnswer::how_many_hint(4), "Out of 3 extra images");
        assert_eq!(
            ExtraImagesAnswer::HOW_MANY_QUESTION,
            "How many were repeats?"
        );
    }

    #[test]
    fn option_labels_depend_on_how_many_additional_images() {
        let labels = |images| -> Vec<(&str, &str)> {
            ExtraImagesChoice::options(images)
                .iter()
                .map(|c| (c.as_str(), c.label_for(images)))
                .collect()
        };
        assert!(labels(0).is_empty());
        assert!(labels(1).is_empty());
        assert_eq!(
            labels(2),
            [
                ("all_repeats", "Yes, it was a repeat"),
                (
                    "all_extra",
                    "No, an extra image was needed to capture the complete view"
                ),
            ]
        );
        for images in 3..=MAX_COUNT {
            assert_eq!(
                labels(images),
                [
                    ("all_repeats", "Yes, all images were repeats"),
                    (
                        "some_repeats",
                        "Yes, some were repeats and some were extra images"
                    ),
                    (
                        "all_extra",
                        "No, all extra images were needed to capture the complete view"
                    ),
                ]
            );
        }
        for &choice in ExtraImagesChoice::ALL {
            let answer = ExtraImagesAnswer::from_choice(choice, 1);
            assert_eq!(answer.choice(), choice);
            assert_eq!(answer.label_for(2), choice.label_for(2));
        }
    }

    #[test]
    fn how_many_repeats_is_read_from_the_form() {
        assert_eq!(ExtraImagesAnswer::parse_how_many(Rmlo, " 2 "), Ok(2));
        let err = ExtraImagesAnswer::parse_how_many(Rmlo, "").unwrap_err();
        assert_eq!(err.field_id(), "repeats-rmlo-count");
        assert_eq!(err.message, "Enter how many RMLO images were repeats");
        let err = ExtraImagesAnswer::parse_how_many(Lcc, "some").unwrap_err();
        assert_eq!(err.message, "Enter a valid number for LCC repeats");
    }

    #[test]
    fn answer_labels_and_values() {
        let standard: Vec<_> = StandardSetAnswer::ALL
            .iter()
            .map(|a| (a.as_str(), a.label()))
            .collect();
        assert_eq!(
            standard,
            [
                ("yes", "Yes, 2 CC and 2 MLO"),
                ("no", "No, add other information"),
                ("no_images", "No images taken"),
            ]
        );
        let repeat: Vec<_> = RepeatReason::ALL.iter().map(|r| r.label()).collect();
        assert_eq!(
            repeat,
            [
                "Participant movement",
                "Compression issues",
                "Positioning error",
                "Poor exposure (image too light or dark)",
                "Artefacts obscuring image",
                "Technical fault",
                "Other",
            ]
        );
        let incomplete: Vec<_> = IncompleteReason::ALL.iter().map(|r| r.label()).collect();
        assert_eq!(
            incomplete,
            [
                "Consent withdrawn",
                "Language or learning difficulties",
                "Unable to scan tissue",
                "Positioning difficulties due to wheelchair",
                "Positioning difficulties for other mobility reasons",
                "Technical issues",
                "Other",
            ]
        );
        for &reason in IncompleteReason::ALL {
            assert_eq!(reason.as_str().parse(), Ok(reason));
            // Every reason but "Other" carries the partial mammography guidance.
            assert_eq!(
                reason.partial_guidance().is_some(),
                reason != IncompleteReason::Other
            );
        }
        for &reason in RepeatReason::ALL {
            assert_eq!(reason.as_str().parse(), Ok(reason));
        }
        assert!(
            IncompleteReason::TechnicalIssues
                .partial_guidance()
                .unwrap()
                .contains("should not be recorded")
        );
        assert_eq!(
            IncompleteReason::UnableToScanTissue.hint(),
            Some("For example, large breasts or implanted device")
        );
        assert_eq!(
            RecallChoice::ALL
                .iter()
                .map(|c| c.label())
                .collect::<Vec<_>>(),
            [
                "Yes, record as 'to be recalled'",
                "No, record as 'partial mammography'"
            ]
        );
        let recall = RecallDecision::Recall {
            timescale: "6 weeks".into(),
            scheduling_note: String::new(),
        };
        assert_eq!(recall.choice(), RecallChoice::Recall);
        assert_eq!(RecallDecision::NoRecall.choice(), RecallChoice::NoRecall);
    }
}
