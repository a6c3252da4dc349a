//! Recording the images taken: step 3 of an appointment ("Take mammogram images"), manual
//! flow. The rules live here once, for the web pages, the API and the store to call.
//!
//! The flow (reference §6, seeds 2025-12 and 2026-01, design history 2026-03):
//!
//! 1. "Have you taken a standard set of images?" ([`StandardSetAnswer`]). "Yes, 2 CC and 2
//!    MLO" records one image of each standard view; "No images taken" ends the appointment
//!    as attended not screened; "No, add other information" asks for the rest.
//! 2. "How many images were taken?": a count per view ([`ViewCounts`]), plus the
//!    "Additional details": "Imperfect, but best possible images", "Not all mammograms
//!    taken" ([`NotAllTaken`]) and "Notes for reader".
//! 3. For each view with 2 or more images, whether the additional images were repeats
//!    ([`ExtraImagesAnswer`], [`ViewRepeats`]).
//!
//! The whole answer set is an [`ImagesRecord`]. [`validate`] says what is wrong with it,
//! field by field, in the words staff see; [`derive()`] works out what it means (images,
//! repeats and extras per view, [`Completeness`], the final [`AppointmentStatus`], the lines
//! of the check information page); [`exposure_record`] builds the IR(ME)R record.
//!
//! Decisions made here, where the sources leave room:
//!
//! - Implant-displaced (Eklund) views are *additional to* the standard views, never a
//!   substitute for them (design history 2026-03: "Eklund views are the fifth and sixth view
//!   taken effectively"). So an RCCID image does not cover a missing RCC: a standard view
//!   of an expected breast with no image always needs "Not all mammograms taken".
//! - A breast that is not expected to be imaged (for example after a mastectomy with no
//!   tissue remaining, see [`ImagingContext`]) needs no views, and the record is complete
//!   without them. Answering "Yes, 2 CC and 2 MLO" for such a participant is refused,
//!   since it would record exposures that did not happen.
//! - With n images of a view there are n - 1 additional images. "Some were repeats and some
//!   were extra images" therefore means between 1 and n - 2 repeats, and is only offered
//!   when there are 2 or more additional images.
//! - Partial mammography is an outcome of what is recorded, never a question: "Not all
//!   mammograms taken" with "No" to recall is partial mammography; with "Yes" the
//!   participant is to be recalled. Both end the appointment as partially screened.
//! - Parts of a record that its answer makes irrelevant (counts and repeats after "Yes",
//!   everything after "No images taken") are ignored by [`validate`] and [`derive()`], and
//!   dropped by [`ImagesRecord::normalised`], which the store should apply before saving.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::appointment::AppointmentStatus;

// ---------------------------------------------------------------------------------------
// Views
// ---------------------------------------------------------------------------------------

labelled_enum! {
    /// A breast. Views are listed right first, as staff read them.
    pub enum Breast ("breast") {
        Right => ("right", "Right"),
        Left => ("left", "Left"),
    }
}

impl Breast {
    /// The heading views are grouped under: "Right breast" / "Left breast".
    pub const fn heading(self) -> &'static str {
        match self {
            Breast::Right => "Right breast",
            Breast::Left => "Left breast",
        }
    }

    /// The breast in a sentence: "the right breast".
    pub const fn in_sentence(self) -> &'static str {
        match self {
            Breast::Right => "the right breast",
            Breast::Left => "the left breast",
        }
    }
}

labelled_enum! {
    /// The base projection of a view: craniocaudal or mediolateral oblique.
    pub enum Projection ("projection") {
        Cc => ("cc", "CC"),
        Mlo => ("mlo", "MLO"),
    }
}

impl Projection {
    /// The projection's name in full, lower case: "craniocaudal".
    pub const fn name(self) -> &'static str {
        match self {
            Projection::Cc => "craniocaudal",
            Projection::Mlo => "mediolateral oblique",
        }
    }
}

labelled_enum! {
    /// A mammogram view that can be recorded by hand: the four standard views and their
    /// implant-displaced (Eklund) versions. The label is the code PACS uses ("RCC",
    /// "LMLOID"). Declaration order is the order counts are stored and shown in.
    pub enum View ("mammogram view") {
        /// Right craniocaudal.
        Rcc => ("rcc", "RCC"),
        /// Right mediolateral oblique.
        Rmlo => ("rmlo", "RMLO"),
        /// Left craniocaudal.
        Lcc => ("lcc", "LCC"),
        /// Left mediolateral oblique.
        Lmlo => ("lmlo", "LMLO"),
        /// Right craniocaudal, implant displaced (Eklund).
        Rccid => ("rccid", "RCCID"),
        /// Right mediolateral oblique, implant displaced (Eklund).
        Rmloid => ("rmloid", "RMLOID"),
        /// Left craniocaudal, implant displaced (Eklund).
        Lccid => ("lccid", "LCCID"),
        /// Left mediolateral oblique, implant displaced (Eklund).
        Lmloid => ("lmloid", "LMLOID"),
    }
}

/// Another name for [`View`].
pub type ViewKind = View;

impl View {
    /// The standard set: RCC, RMLO, LCC, LMLO.
    pub const STANDARD: [View; 4] = [View::Rcc, View::Rmlo, View::Lcc, View::Lmlo];

    /// The implant-displaced (Eklund) views: RCCID, RMLOID, LCCID, LMLOID.
    pub const IMPLANT_DISPLACED: [View; 4] = [View::Rccid, View::Rmloid, View::Lccid, View::Lmloid];

    /// The view of `breast` in `projection`, implant displaced or not.
    pub const fn of(breast: Breast, projection: Projection, implant_displaced: bool) -> View {
        use Breast::*;
        use Projection::*;
        match (breast, projection, implant_displaced) {
            (Right, Cc, false) => View::Rcc,
            (Right, Mlo, false) => View::Rmlo,
            (Left, Cc, false) => View::Lcc,
            (Left, Mlo, false) => View::Lmlo,
            (Right, Cc, true) => View::Rccid,
            (Right, Mlo, true) => View::Rmloid,
            (Left, Cc, true) => View::Lccid,
            (Left, Mlo, true) => View::Lmloid,
        }
    }

    /// The views of one breast, in the order of its column on the page: CC, MLO, CCID,
    /// MLOID.
    pub const fn for_breast(breast: Breast) -> [View; 4] {
        [
            View::of(breast, Projection::Cc, false),
            View::of(breast, Projection::Mlo, false),
            View::of(breast, Projection::Cc, true),
            View::of(breast, Projection::Mlo, true),
        ]
    }

    /// The breast this view is of.
    pub const fn breast(self) -> Breast {
        use View::*;
        match self {
            Rcc | Rmlo | Rccid | Rmloid => Breast::Right,
            Lcc | Lmlo | Lccid | Lmloid => Breast::Left,
        }
    }

    /// The base projection, CC or MLO, implant displaced or not.
    pub const fn projection(self) -> Projection {
        use View::*;
        match self {
            Rcc | Lcc | Rccid | Lccid => Projection::Cc,
            Rmlo | Lmlo | Rmloid | Lmloid => Projection::Mlo,
        }
    }

    /// Whether this is an implant-displaced (Eklund) view.
    pub const fn is_implant_displaced(self) -> bool {
        use View::*;
        matches!(self, Rccid | Rmloid | Lccid | Lmloid)
    }

    /// Whether this is one of the four standard views.
    pub const fn is_standard(self) -> bool {
        !self.is_implant_displaced()
    }

    /// The standard view this one is taken in addition to (itself for a standard view).
    pub const fn standard_view(self) -> View {
        View::of(self.breast(), self.projection(), false)
    }

    /// The code without the side, as in a breast's column: "CC", "MLO", "CCID", "MLOID".
    pub const fn code_without_side(self) -> &'static str {
        match (self.projection(), self.is_implant_displaced()) {
            (Projection::Cc, false) => "CC",
            (Projection::Mlo, false) => "MLO",
            (Projection::Cc, true) => "CCID",
            (Projection::Mlo, true) => "MLOID",
        }
    }

    /// The view in full: "Right craniocaudal (CC)", "Left implant-displaced mediolateral
    /// oblique (MLOID)".
    pub const fn description(self) -> &'static str {
        use View::*;
        match self {
            Rcc => "Right craniocaudal (CC)",
            Rmlo => "Right mediolateral oblique (MLO)",
            Lcc => "Left craniocaudal (CC)",
            Lmlo => "Left mediolateral oblique (MLO)",
            Rccid => "Right implant-displaced craniocaudal (CCID)",
            Rmloid => "Right implant-displaced mediolateral oblique (MLOID)",
            Lccid => "Left implant-displaced craniocaudal (CCID)",
            Lmloid => "Left implant-displaced mediolateral oblique (MLOID)",
        }
    }

    const fn index(self) -> usize {
        self as usize
    }
}

// ---------------------------------------------------------------------------------------
// Answers
// ---------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------
// Counts
// ---------------------------------------------------------------------------------------

/// The most images of one view that can be recorded.
pub const MAX_COUNT: u8 = 9;

/// A count of images that cannot be recorded. The message is the one shown on the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CountError {
    /// Not a whole number.
    #[error("Enter a valid number of {} images", .0.label())]
    NotANumber(View),
    /// Below zero.
    #[error("Number of {} images must be at least 0", .0.label())]
    Negative(View),
    /// Above [`MAX_COUNT`].
    #[error("Number of {} images must be at most {}", .0.label(), MAX_COUNT)]
    TooMany(View),
}

impl CountError {
    /// The view whose count is wrong.
    pub const fn view(self) -> View {
        match self {
            CountError::NotANumber(v) | CountError::Negative(v) | CountError::TooMany(v) => v,
        }
    }
}

/// How many images were taken of each view, each 0 to [`MAX_COUNT`].
///
/// The default is the standard set: one of each standard view, no implant-displaced views
/// (the starting values of the steppers). Stored as a map from view value to count,
/// `{"rcc": 1, "rmlo": 2, …}`; a missing view reads as 0 and a count above 9 is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ViewCounts([u8; 8]);

impl Default for ViewCounts {
    fn default() -> Self {
        ViewCounts::STANDARD
    }
}

impl ViewCounts {
    /// No images of any view.
    pub const ZERO: ViewCounts = ViewCounts([0; 8]);

    /// The standard set: 1 RCC, 1 RMLO, 1 LCC, 1 LMLO.
    pub const STANDARD: ViewCounts = ViewCounts([1, 1, 1, 1, 0, 0, 0, 0]);

    /// The count for `view`.
    pub const fn get(&self, view: View) -> u8 {
        self.0[view.index()]
    }

    /// Sets the count for `view`, refusing more than [`MAX_COUNT`].
    pub fn set(&mut self, view: View, count: u8) -> Result<(), CountError> {
        if count > MAX_COUNT {
            return Err(CountError::TooMany(view));
        }
        self.0[view.index()] = count;
        Ok(())
    }

    /// These counts with `view` set to `count`, refusing more than [`MAX_COUNT`].
    pub fn with(mut self, view: View, count: u8) -> Result<ViewCounts, CountError> {
        self.set(view, count)?;
        Ok(self)
    }

    /// Counts from `(view, count)` pairs, other views 0.
    pub fn from_pairs(pairs: &[(View, u8)]) -> Result<ViewCounts, CountError> {
        pairs
            .iter()
            .try_fold(ViewCounts::ZERO, |counts, &(view, n)| counts.with(view, n))
    }

    /// Every view with its count, in [`View::ALL`] order.
    pub fn iter(&self) -> impl Iterator<Item = (View, u8)> + '_ {
        View::ALL.iter().map(|&view| (view, self.get(view)))
    }

    /// The live "Images taken: N".
    pub fn total(&self) -> u16 {
        self.0.iter().map(|&n| u16::from(n)).sum()
    }

    /// Reads one stepper input. Blank reads as 0 (a cleared box); anything else must be a
    /// whole number from 0 to [`MAX_COUNT`].
    pub fn parse_count(view: View, input: &str) -> Result<u8, CountError> {
        let input = input.trim();
        if input.is_empty() {
            return Ok(0);
        }
        match input.parse::<i64>() {
            Ok(n) if n < 0 => Err(CountError::Negative(view)),
            Ok(n) if n > i64::from(MAX_COUNT) => Err(CountError::TooMany(view)),
            Ok(n) => Ok(n as u8),
            Err(_) => Err(CountError::NotANumber(view)),
        }
    }

    /// Reads the stepper inputs of the "How many images were taken?" page. Views without
    /// an input are 0. Every bad input is reported, in the order given.
    pub fn parse<'a>(
        inputs: impl IntoIterator<Item = (View, &'a str)>,
    ) -> Result<ViewCounts, Vec<CountError>> {
        let mut counts = ViewCounts::ZERO;
        let mut errors = Vec::new();
        for (view, input) in inputs {
            match ViewCounts::parse_count(view, input) {
                Ok(n) => counts.0[view.index()] = n,
                Err(e) => errors.push(e),
            }
        }
        if errors.is_empty() {
            Ok(counts)
        } else {
            Err(errors)
        }
    }
}

impl Serialize for ViewCounts {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(View::ALL.len()))?;
        for (view, n) in self.iter() {
            map.serialize_entry(&view, &n)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for ViewCounts {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map = BTreeMap::<View, u8>::deserialize(d)?;
        let mut counts = ViewCounts::ZERO;
        for (view, n) in map {
            counts.set(view, n).map_err(serde::de::Error::custom)?;
        }
        Ok(counts)
    }
}

// ---------------------------------------------------------------------------------------
// The record and its context
// ---------------------------------------------------------------------------------------

/// Everything the mammographer answered in "Take mammogram images", as stored. The room
/// and machine are kept by the store alongside, not here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
/// the medical information step. The default expects both breasts, without implants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImagingContext {
    /// Whether the right breast should be imaged (false after a mastectomy leaving no
    /// tissue to image).
    pub right_breast_expected: bool,
    /// Whether the left breast should be imaged.
    pub left_breast_expected: bool,
    /// Whether the participant has breast implants (implant-displaced views are likely).
    pub has_implants: bool,
}

impl Default for ImagingContext {
    fn default() -> Self {
        ImagingContext {
            right_breast_expected: true,
            left_breast_expected: true,
            has_implants: false,
        }
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

    /// Whether `breast` is expected to be imaged.
    pub const fn expects(&self, breast: Breast) -> bool {
        match breast {
            Breast::Right => self.right_breast_expected,
            Breast::Left => self.left_breast_expected,
        }
    }

    /// The standard views expected: those of the expected breasts.
    pub fn expected_views(&self) -> Vec<View> {
        View::STANDARD
            .into_iter()
            .filter(|view| self.expects(view.breast()))
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

// ---------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------

/// The form field an error belongs to. [`ImagingField::id`] is stable: use it as the
/// input's id and in the error summary link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ImagingField {
    /// "standard_set": "Have you taken a standard set of images?".
    StandardSet,
    /// "counts": the "How many images were taken?" fieldset.
    Counts,
    /// "count-rcc": one view's stepper.
    Count(View),
    /// "not_all_taken": the "Not all mammograms taken" checkbox.
    NotAllTaken,
    /// "not_all_taken_reasons": "Why could you not take all the images?".
    NotAllTakenReasons,
    /// "not_all_taken_details": the "Provide details" box.
    NotAllTakenDetails,
    /// "not_all_taken_recall": "Should the participant be recalled to take more images?".
    Recall,
    /// "not_all_taken_partial_confirmed": [`PARTIAL_CONFIRM_QUESTION`].
    PartialConfirmed,
    /// "not_all_taken_recall_timescale": when to recall.
    RecallTimescale,
    /// "repeats-rmlo": one view's repeats question.
    Repeats(View),
    /// "repeats-rmlo-count": "How many were repeats?".
    RepeatsCount(View),
    /// "repeats-rmlo-reasons": "Why were repeats needed?".
    RepeatReasons(View),
    /// "repeats-rmlo-other-details": details of the "Other" repeat reason.
    RepeatOtherDetails(View),
}

impl ImagingField {
    /// The field's id.
    pub fn id(&self) -> String {
        match self {
            ImagingField::StandardSet => "standard_set".to_owned(),
            ImagingField::Counts => "counts".to_owned(),
            ImagingField::Count(v) => format!("count-{}", v.as_str()),
            ImagingField::NotAllTaken => "not_all_taken".to_owned(),
            ImagingField::NotAllTakenReasons => "not_all_taken_reasons".to_owned(),
            ImagingField::NotAllTakenDetails => "not_all_taken_details".to_owned(),
            ImagingField::Recall => "not_all_taken_recall".to_owned(),
            ImagingField::RecallTimescale => "not_all_taken_recall_timescale".to_owned(),
            ImagingField::PartialConfirmed => "not_all_taken_partial_confirmed".to_owned(),
            ImagingField::Repeats(v) => format!("repeats-{}", v.as_str()),
            ImagingField::RepeatsCount(v) => format!("repeats-{}-count", v.as_str()),
            ImagingField::RepeatReasons(v) => format!("repeats-{}-reasons", v.as_str()),
            ImagingField::RepeatOtherDetails(v) => {
                format!("repeats-{}-other-details", v.as_str())
            }
        }
    }

    /// Whether the field is on the repeats page (asked after the counts), rather than the
    /// page with the counts and additional details.
    pub const fn is_on_repeats_page(&self) -> bool {
        matches!(
            self,
            ImagingField::Repeats(_)
                | ImagingField::RepeatsCount(_)
                | ImagingField::RepeatReasons(_)
                | ImagingField::RepeatOtherDetails(_)
        )
    }
}

impl fmt::Display for ImagingField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.id())
    }
}

impl Serialize for ImagingField {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.id())
    }
}

/// Something wrong with an [`ImagesRecord`]: the field and the message shown on it and in
/// the error summary. Serialises as `{"field": "repeats-rmlo", "message": "…"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{message}")]
pub struct ImagingError {
    /// The field the message belongs to.
    pub field: ImagingField,
    /// The message, exactly as shown.
    pub message: String,
}

impl ImagingError {
    /// An error on `field`.
    pub fn new(field: ImagingField, message: impl Into<String>) -> ImagingError {
        ImagingError {
            field,
            message: message.into(),
        }
    }

    /// The field's id (see [`ImagingField::id`]).
    pub fn field_id(&self) -> String {
        self.field.id()
    }
}

impl From<CountError> for ImagingError {
    fn from(e: CountError) -> Self {
        ImagingError::new(ImagingField::Count(e.view()), e.to_string())
    }
}

/// Checks a whole record: [`validate_details`] then [`validate_repeats`]. Errors come in
/// page order. An empty list is never returned as `Err`.
pub fn validate(record: &ImagesRecord, context: &ImagingContext) -> Result<(), Vec<ImagingError>> {
    let mut errors = validate_details(record, context);
    errors.extend(validate_repeats(record));
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// Checks the first pages: the standard set answer, the counts, and the additional
/// details.
pub fn validate_details(record: &ImagesRecord, context: &ImagingContext) -> Vec<ImagingError> {
    let mut errors = Vec::new();
    match record.standard_set {
        StandardSetAnswer::NoImages => {}
        StandardSetAnswer::Yes => {
            let missing: Vec<Breast> = Breast::ALL
                .iter()
                .copied()
                .filter(|&b| !context.expects(b))
                .collect();
            if !missing.is_empty() {
                let (breasts, verb) = match missing.as_slice() {
                    [one] => (one.in_sentence(), "is"),
                    _ => ("the right and left breasts", "are"),
                };
                errors.push(ImagingError::new(
                    ImagingField::StandardSet,
                    format!(
                        "Select 'No, add other information', as {breasts} {verb} not \
                         expected to be imaged"
                    ),
                ));
            }
        }
        StandardSetAnswer::No => {
            let counts = record.counts;
            if counts.total() == 0 {
                errors.push(ImagingError::new(
                    ImagingField::Counts,
                    "Enter at least one image count",
                ));
            } else if record.not_all_taken.is_none() {
                let missing = missing_views(&counts, context);
                if !missing.is_empty() {
                    let names: Vec<&str> = missing.iter().map(|v| v.label()).collect();
                    let (list, noun) = match names.as_slice() {
                        [one] => (one.to_string(), "image was"),
                        [init @ .., last] => {
                            (format!("{} or {last}", init.join(", ")), "images were")
                        }
                        [] => unreachable!("missing is not empty"),
                    };
                    errors.push(ImagingError::new(
                        ImagingField::NotAllTaken,
                        format!(
                            "Select 'Not all mammograms taken' and say why, as no {list} \
                             {noun} recorded"
                        ),
                    ));
                }
            }
            if let Some(not_all) = &record.not_all_taken {
                validate_not_all_taken(not_all, &mut errors);
            }
        }
    }
    errors
}

fn validate_not_all_taken(not_all: &NotAllTaken, errors: &mut Vec<ImagingError>) {
    if not_all.reasons.is_empty() {
        errors.push(ImagingError::new(
            ImagingField::NotAllTakenReasons,
            "Select a reason why you could not take all the images",
        ));
    }
    if not_all.reasons.contains(&IncompleteReason::Other) && is_blank(&not_all.details) {
        errors.push(ImagingError::new(
            ImagingField::NotAllTakenDetails,
            "Provide details of why you could not take all the images",
        ));
    }
    match &not_all.recall {
        None => errors.push(ImagingError::new(
            ImagingField::Recall,
            "Select whether the participant should be recalled to take more images",
        )),
        Some(RecallDecision::Recall { timescale, .. }) if is_blank(timescale) => {
            errors.push(ImagingError::new(
                ImagingField::RecallTimescale,
                "Enter when the participant should be recalled",
            ))
        }
        Some(_) => {}
    }
    if !not_all.partial_confirmed && !not_all.against_guidance().is_empty() {
        errors.push(ImagingError::new(
            ImagingField::PartialConfirmed,
            "Confirm that partial mammography should be recorded, or select 'Yes' to recall \
             the participant to take more images",
        ));
    }
}

/// Checks the repeats page: every view with 2 or more images needs its answer, a "some"
/// number from 1 to images - 2, at least one reason when any image was a repeat, and
/// details for "Other". Nothing is checked unless the answer is "No, add other
/// information".
pub fn validate_repeats(record: &ImagesRecord) -> Vec<ImagingError> {
    let mut errors = Vec::new();
    if record.standard_set != StandardSetAnswer::No {
        return errors;
    }
    for (view, images) in record.views_needing_repeats() {
        let repeats = record.repeats.get(&view);
        let one_extra = images == 2;
        let unanswered = || {
            ImagingError::new(
                ImagingField::Repeats(view),
                if one_extra {
                    format!("Select whether the additional {view} image was a repeat")
                } else {
                    format!("Select whether the additional {view} images were repeats")
                },
            )
        };
        let Some((repeats, answer)) = repeats.and_then(|r| r.answer.map(|a| (r, a))) else {
            errors.push(unanswered());
            continue;
        };
        if let ExtraImagesAnswer::SomeRepeats(n) = answer {
            let max = images - 2;
            if one_extra {
                // "Some" is not offered for one additional image.
                errors.push(unanswered());
                continue;
            }
            if n == 0 || n > max {
                let message = if max == 1 {
                    format!("Number of {view} repeats must be 1")
                } else {
                    format!("Number of {view} repeats must be between 1 and {max}")
                };
                errors.push(ImagingError::new(ImagingField::RepeatsCount(view), message));
            }
        }
        let repeated = answer.repeats(images);
        if repeated > 0 {
            let image_was = if repeated == 1 {
                "image was"
            } else {
                "images were"
            };
            if repeats.reasons.is_empty() {
                errors.push(ImagingError::new(
                    ImagingField::RepeatReasons(view),
                    format!("Select why the {view} {image_was} repeated"),
                ));
            } else if repeats.reasons.contains(&RepeatReason::Other)
                && is_blank(&repeats.other_reason_details)
            {
                errors.push(ImagingError::new(
                    ImagingField::RepeatOtherDetails(view),
                    format!("Provide details of why the {view} {image_was} repeated"),
                ));
            }
        }
    }
    errors
}

fn is_blank(s: &str) -> bool {
    s.trim().is_empty()
}

/// The standard views of expected breasts with no image.
fn missing_views(counts: &ViewCounts, context: &ImagingContext) -> Vec<View> {
    context
        .expected_views()
        .into_iter()
        .filter(|&view| counts.get(view) == 0)
        .collect()
}

/// Things worth a second look that do not stop the record being saved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImagingWarning {
    /// The participant has implants but no implant-displaced view was recorded.
    ImplantsWithoutImplantDisplacedViews,
    /// Implant-displaced views were recorded for a participant without implants.
    ImplantDisplacedViewsWithoutImplants,
    /// Images were recorded of a breast not expected to be imaged.
    UnexpectedBreastImaged(Breast),
}

impl ImagingWarning {
    /// The message shown.
    pub fn message(&self) -> String {
        match self {
            ImagingWarning::ImplantsWithoutImplantDisplacedViews => {
                "Breast implants are recorded for this participant, but no implant-displaced \
                 (Eklund) views were recorded"
                    .to_owned()
            }
            ImagingWarning::ImplantDisplacedViewsWithoutImplants => {
                "Implant-displaced (Eklund) views were recorded, but no breast implants are \
                 recorded for this participant"
                    .to_owned()
            }
            ImagingWarning::UnexpectedBreastImaged(breast) => {
                let b = breast.in_sentence();
                format!("Images of {b} were recorded, but {b} was not expected to be imaged")
            }
        }
    }
}

/// Non-blocking warnings about a record (none after "No images taken").
pub fn warnings(record: &ImagesRecord, context: &ImagingContext) -> Vec<ImagingWarning> {
    let mut warnings = Vec::new();
    if record.standard_set == StandardSetAnswer::NoImages {
        return warnings;
    }
    let counts = record.effective_counts();
    let implant_displaced: u16 = View::IMPLANT_DISPLACED
        .into_iter()
        .map(|v| u16::from(counts.get(v)))
        .sum();
    if context.has_implants && implant_displaced == 0 {
        warnings.push(ImagingWarning::ImplantsWithoutImplantDisplacedViews);
    }
    if !context.has_implants && implant_displaced > 0 {
        warnings.push(ImagingWarning::ImplantDisplacedViewsWithoutImplants);
    }
    if record.standard_set == StandardSetAnswer::No {
        for &breast in Breast::ALL {
            let imaged = View::for_breast(breast)
                .into_iter()
                .any(|v| counts.get(v) > 0);
            if imaged && !context.expects(breast) {
                warnings.push(ImagingWarning::UnexpectedBreastImaged(breast));
            }
        }
    }
    warnings
}

// ---------------------------------------------------------------------------------------
// Derivation
// ---------------------------------------------------------------------------------------

labelled_enum! {
    /// What the record means for the examination. Partial mammography is an outcome of
    /// the answers, never asked directly.
    pub enum Completeness ("completeness") {
        /// Every expected image was taken ("Not all mammograms taken" not ticked).
        Complete => ("complete", "Complete"),
        /// Not all taken, and the participant should be recalled for more images.
        ToBeRecalled => ("to_be_recalled", "Recall requested"),
        /// Not all taken, and no recall: the examination ends as it is.
        PartialMammography => ("partial_mammography", "Partial mammography"),
        /// No images at all.
        NoImages => ("no_images", "No images taken"),
    }
}

impl Completeness {
    /// The final appointment status: screened, partially screened, or attended not
    /// screened when no image was taken.
    pub const fn final_status(self) -> AppointmentStatus {
        match self {
            Completeness::Complete => AppointmentStatus::Screened,
            Completeness::ToBeRecalled | Completeness::PartialMammography => {
                AppointmentStatus::PartiallyScreened
            }
            Completeness::NoImages => AppointmentStatus::AttendedNotScreened,
        }
    }

    /// The tag on the "Not all mammograms taken" summary row, if the row is shown.
    pub const fn summary_tag(self) -> Option<&'static str> {
        match self {
            Completeness::ToBeRecalled | Completeness::PartialMammography => Some(self.label()),
            Completeness::Complete | Completeness::NoImages => None,
        }
    }
}

labelled_enum! {
    /// The "Image quality" summary row.
    pub enum ImageQuality ("image quality") {
        /// Nothing recorded about quality. Pages may leave the row out.
        Standard => ("standard", "Standard"),
        /// "Imperfect, but best possible images": readers are advised not to request a
        /// technical recall.
        ImperfectButBestPossible => ("imperfect_but_best_possible", "Imperfect, but best possible images"),
    }
}

/// What was taken of one view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViewTally {
    /// The view.
    pub view: View,
    /// Images (exposures) taken. When at least 1, `images = 1 + repeats + extras`.
    pub images: u8,
    /// Additional images that were repeats.
    pub repeats: u8,
    /// Additional images that were extras, needed to capture the complete view.
    pub extras: u8,
    /// Why images were repeated (empty without repeats).
    pub repeat_reasons: Vec<RepeatReason>,
    /// Details of the "Other" repeat reason.
    pub other_reason_details: String,
}

impl ViewTally {
    /// The "Views taken" line: "1x RCC", "2x RMLO: 1 repeat", "4x LCC: 1 repeat, 2 extras".
    pub fn summary_line(&self) -> String {
        let mut line = format!("{}x {}", self.images, self.view);
        let mut parts = Vec::new();
        if self.repeats > 0 {
            parts.push(count_of(self.repeats, "repeat", "repeats"));
        }
        if self.extras > 0 {
            parts.push(count_of(self.extras, "extra", "extras"));
        }
        if !parts.is_empty() {
            line.push_str(": ");
            line.push_str(&parts.join(", "));
        }
        line
    }

    /// The repeat reasons as one line, "Other" followed by its details: "Participant
    /// movement, Other: hair in view". `None` without repeats.
    pub fn repeat_reasons_text(&self) -> Option<String> {
        if self.repeats == 0 || self.repeat_reasons.is_empty() {
            return None;
        }
        let reasons: Vec<String> = self
            .repeat_reasons
            .iter()
            .map(|&reason| {
                let details = self.other_reason_details.trim();
                if reason == RepeatReason::Other && !details.is_empty() {
                    format!("{}: {details}", reason.label())
                } else {
                    reason.label().to_owned()
                }
            })
            .collect();
        Some(reasons.join(", "))
    }
}

/// What an [`ImagesRecord`] means. Built by [`derive()`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Derivation {
    /// The standard set answer the record was given with.
    pub standard_set: StandardSetAnswer,
    /// Every view, in [`View::ALL`] order, including those with no images.
    pub views: Vec<ViewTally>,
    /// All images (exposures) taken.
    pub total_images: u16,
    /// All repeats.
    pub total_repeats: u16,
    /// All extra images.
    pub total_extras: u16,
    /// Standard views of expected breasts with no image.
    pub missing_views: Vec<View>,
    /// Whether everything expected was taken, and if not, what happens next.
    pub completeness: Completeness,
    /// "Imperfect, but best possible images".
    pub imperfect_but_best_possible: bool,
}

impl Derivation {
    /// The tally for `view` (always present in a derivation built by [`derive()`]).
    pub fn tally(&self, view: View) -> Option<&ViewTally> {
        self.views.iter().find(|t| t.view == view)
    }

    /// The views with at least one image, in [`View::ALL`] order.
    pub fn views_taken(&self) -> impl Iterator<Item = &ViewTally> {
        self.views.iter().filter(|t| t.images > 0)
    }

    /// The "Views taken" lines: "1x RCC", "2x RMLO: 1 repeat".
    pub fn summary_lines(&self) -> Vec<String> {
        self.views_taken().map(ViewTally::summary_line).collect()
    }

    /// The summary card heading: "4 images taken", "1 image taken".
    pub fn images_taken_heading(&self) -> String {
        format!("{} taken", count_of(self.total_images, "image", "images"))
    }

    /// The status the appointment ends with.
    pub const fn final_status(&self) -> AppointmentStatus {
        self.completeness.final_status()
    }

    /// The "Image quality" row.
    pub const fn image_quality(&self) -> ImageQuality {
        if self.imperfect_but_best_possible {
            ImageQuality::ImperfectButBestPossible
        } else {
            ImageQuality::Standard
        }
    }

    /// Whether the case has images beyond one of each view taken ("This case has
    /// additional images"): a view with more than one image, or an implant-displaced view.
    pub fn has_additional_images(&self) -> bool {
        self.views_taken()
            .any(|t| t.images > 1 || t.view.is_implant_displaced())
    }

    /// Whether the images go to image readers: as long as one image was taken.
    pub const fn goes_to_reading(&self) -> bool {
        self.total_images > 0
    }
}

/// Works out what a record means. Call after [`validate`]; it is total anyway: an
/// unanswered repeats question counts the additional images as extras, an out of range
/// "some" number is clamped, and "Not all mammograms taken" without a recall decision is
/// taken as a recall request, so nobody is left without a follow-up.
pub fn derive(record: &ImagesRecord, context: &ImagingContext) -> Derivation {
    let counts = record.effective_counts();
    let use_repeats = record.standard_set == StandardSetAnswer::No;
    let views: Vec<ViewTally> = counts
        .iter()
        .map(|(view, images)| {
            let answer = record.repeats.get(&view).filter(|_| use_repeats);
            let (repeats, extras) = if images == 0 {
                (0, 0)
            } else {
                match answer.and_then(|a| a.answer) {
                    Some(a) => (a.repeats(images), a.extras(images)),
                    None => (0, images - 1),
                }
            };
            let (repeat_reasons, other_reason_details) = match answer {
                Some(a) if repeats > 0 => {
                    let mut reasons = a.reasons.clone();
                    reasons.sort();
                    reasons.dedup();
                    let details = if reasons.contains(&RepeatReason::Other) {
                        a.other_reason_details.trim().to_owned()
                    } else {
                        String::new()
                    };
                    (reasons, details)
                }
                _ => (Vec::new(), String::new()),
            };
            ViewTally {
                view,
                images,
                repeats,
                extras,
                repeat_reasons,
                other_reason_details,
            }
        })
        .collect();
    let sum = |f: fn(&ViewTally) -> u8| views.iter().map(|t| u16::from(f(t))).sum::<u16>();
    let total_images = sum(|t| t.images);
    let total_repeats = sum(|t| t.repeats);
    let total_extras = sum(|t| t.extras);
    let not_all = record.not_all_taken.as_ref().filter(|_| use_repeats);
    let completeness = if total_images == 0 {
        Completeness::NoImages
    } else {
        match not_all.map(|n| &n.recall) {
            None => Completeness::Complete,
            Some(Some(RecallDecision::NoRecall)) => Completeness::PartialMammography,
            Some(Some(RecallDecision::Recall { .. }) | None) => Completeness::ToBeRecalled,
        }
    };
    Derivation {
        standard_set: record.standard_set,
        missing_views: if total_images == 0 {
            Vec::new()
        } else {
            missing_views(&counts, context)
        },
        views,
        total_images,
        total_repeats,
        total_extras,
        completeness,
        imperfect_but_best_possible: record.imperfect_but_best_possible
            && record.standard_set != StandardSetAnswer::NoImages,
    }
}

fn count_of(n: impl Into<u16>, one: &str, many: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1 { one } else { many })
}

// ---------------------------------------------------------------------------------------
// IR(ME)R exposure record
// ---------------------------------------------------------------------------------------

/// The exposures of one view, for the IR(ME)R record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViewExposure {
    /// The view.
    pub view: View,
    /// Exposures (images) of the view.
    pub exposures: u8,
    /// How many of them were repeats.
    pub repeats: u8,
    /// Why they were repeated.
    pub repeat_reasons: Vec<RepeatReason>,
    /// Details of the "Other" repeat reason.
    pub other_reason_details: String,
}

/// The record IR(ME)R 2017 requires of the exposures made: who took the images, which
/// views and how many exposures, the repeats and why, and the room and machine. The dose
/// is not recorded by hand; it comes from the images' metadata when they arrive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExposureRecord {
    /// Who took the images: the signed-in mammographer first, then any others.
    pub operators: Vec<String>,
    /// The room the images were taken in.
    pub room: String,
    /// The x-ray machine (modality) used.
    pub machine: String,
    /// The views with at least one exposure, in [`View::ALL`] order.
    pub exposures: Vec<ViewExposure>,
    /// Exposures of views the record cannot hold, received from the machine: another view
    /// code ("RML", "LXCCL") or "Unlabelled view" (see `gateway::add_received_exposures`).
    #[serde(default)]
    pub other_exposures: Vec<OtherViewExposure>,
    /// All exposures, those of `other_exposures` included.
    pub total_exposures: u16,
    /// All repeats.
    pub total_repeats: u16,
}

/// The exposures of a view the record cannot hold, for the IR(ME)R record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OtherViewExposure {
    /// The view's code with its side ("RML"), or "Unlabelled view".
    pub view: String,
    pub exposures: u16,
}

/// Builds the IR(ME)R record from a record and its [`derive()`]d meaning. `operator` is the
/// signed-in mammographer; the record's additional operators follow, trimmed, without
/// blanks or repeats of a name already listed.
pub fn exposure_record(
    record: &ImagesRecord,
    derivation: &Derivation,
    operator: &str,
    room: &str,
    machine: &str,
) -> ExposureRecord {
    let mut operators: Vec<String> = Vec::new();
    let names =
        std::iter::once(operator).chain(record.additional_operators.iter().map(String::as_str));
    for name in names.map(str::trim) {
        if !name.is_empty() && !operators.iter().any(|o| o == name) {
            operators.push(name.to_owned());
        }
    }
    ExposureRecord {
        operators,
        room: room.to_owned(),
        machine: machine.to_owned(),
        exposures: derivation
            .views_taken()
            .map(|t| ViewExposure {
                view: t.view,
                exposures: t.images,
                repeats: t.repeats,
                repeat_reasons: t.repeat_reasons.clone(),
                other_reason_details: t.other_reason_details.clone(),
            })
            .collect(),
        other_exposures: Vec::new(),
        total_exposures: derivation.total_images,
        total_repeats: derivation.total_repeats,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use AppointmentStatus as S;
    use Completeness as C;
    use ExtraImagesAnswer as A;
    use IncompleteReason as I;
    use RepeatReason as RR;
    use StandardSetAnswer as Ans;
    use View::*;

    const BOTH: ImagingContext = ImagingContext {
        right_breast_expected: true,
        left_breast_expected: true,
        has_implants: false,
    };

    /// The recall question's answer in a table row.
    #[derive(Clone, Copy)]
    enum R {
        Recall(&'static str),
        NoRecall,
        /// "No", confirmed against the guidance.
        NoRecallConfirmed,
        Missing,
    }

    /// "Not all mammograms taken" in a table row.
    #[derive(Clone, Copy)]
    struct NotAll {
        reasons: &'static [IncompleteReason],
        details: &'static str,
        recall: R,
    }

    type Repeats = (
        View,
        Option<ExtraImagesAnswer>,
        &'static [RepeatReason],
        &'static str,
    );

    enum Expect {
        /// Views with images as (view, images, repeats, extras); every other view has none.
        Ok {
            views: &'static [(View, u8, u8, u8)],
            total: u16,
            repeats: u16,
            completeness: Completeness,
            status: AppointmentStatus,
            quality: ImageQuality,
        },
        /// (field id, message), in order.
        Errors(&'static [(&'static str, &'static str)]),
    }

    struct Case {
        name: &'static str,
        answer: StandardSetAnswer,
        /// Stepper inputs that differ from the defaults (standard 1, implant-displaced 0).
        counts: &'static [(View, &'static str)],
        repeats: &'static [Repeats],
        imperfect: bool,
        not_all: Option<NotAll>,
        context: ImagingContext,
        expect: Expect,
    }

    impl Default for Case {
        fn default() -> Self {
            Case {
                name: "",
                answer: Ans::No,
                counts: &[],
                repeats: &[],
                imperfect: false,
                not_all: None,
                context: BOTH,
                expect: Expect::Errors(&[]),
            }
        }
    }

    fn ok(
        views: &'static [(View, u8, u8, u8)],
        total: u16,
        repeats: u16,
        completeness: Completeness,
        status: AppointmentStatus,
    ) -> Expect {
        Expect::Ok {
            views,
            total,
            repeats,
            completeness,
            status,
            quality: ImageQuality::Standard,
        }
    }

    const STANDARD_4: &[(View, u8, u8, u8)] = &[
        (Rcc, 1, 0, 0),
        (Rmlo, 1, 0, 0),
        (Lcc, 1, 0, 0),
        (Lmlo, 1, 0, 0),
    ];

    /// Builds the record the pages would, parsing the stepper inputs first.
    fn record_for(case: &Case) -> Result<ImagesRecord, Vec<ImagingError>> {
        let inputs: Vec<(View, String)> = View::ALL
            .iter()
            .map(|&view| {
                let input = case
                    .counts
                    .iter()
                    .find(|(v, _)| *v == view)
                    .map(|(_, s)| s.to_string())
                    .unwrap_or_else(|| ViewCounts::default().get(view).to_string());
                (view, input)
            })
            .collect();
        let counts =
            ViewCounts::parse(inputs.iter().map(|(v, s)| (*v, s.as_str()))).map_err(|errors| {
                errors
                    .into_iter()
                    .map(ImagingError::from)
                    .collect::<Vec<_>>()
            })?;
        let mut record = ImagesRecord::with_counts(counts);
        record.standard_set = case.answer;
        record.imperfect_but_best_possible = case.imperfect;
        for &(view, answer, reasons, details) in case.repeats {
            record.repeats.insert(
                view,
                ViewRepeats {
                    answer,
                    reasons: reasons.to_vec(),
                    other_reason_details: details.to_owned(),
                },
            );
        }
        record.not_all_taken = case.not_all.map(|n| NotAllTaken {
            reasons: n.reasons.to_vec(),
            details: n.details.to_owned(),
            recall: match n.recall {
                R::Recall(timescale) => Some(RecallDecision::Recall {
                    timescale: timescale.to_owned(),
                    scheduling_note: String::new(),
                }),
                R::NoRecall | R::NoRecallConfirmed => Some(RecallDecision::NoRecall),
                R::Missing => None,
            },
            partial_confirmed: matches!(n.recall, R::NoRecallConfirmed),
        });
        Ok(record)
    }

    fn cases() -> Vec<Case> {
        vec![
            Case {
                name: "standard set",
                answer: Ans::Yes,
                expect: ok(STANDARD_4, 4, 0, C::Complete, S::Screened),
                ..Case::default()
            },
            Case {
                name: "standard set ignores counts and repeats left from an earlier answer",
                answer: Ans::Yes,
                counts: &[(Rmlo, "3"), (Lcc, "0")],
                repeats: &[(Rmlo, Some(A::AllRepeats), &[], "")],
                not_all: Some(NotAll {
                    reasons: &[],
                    details: "",
                    recall: R::Missing,
                }),
                expect: ok(STANDARD_4, 4, 0, C::Complete, S::Screened),
                ..Case::default()
            },
            Case {
                name: "counts with no additional images",
                expect: ok(STANDARD_4, 4, 0, C::Complete, S::Screened),
                ..Case::default()
            },
            Case {
                name: "one repeat: 2x RMLO, participant movement",
                counts: &[(Rmlo, "2")],
                repeats: &[(Rmlo, Some(A::AllRepeats), &[RR::ParticipantMovement], "")],
                expect: ok(
                    &[
                        (Rcc, 1, 0, 0),
                        (Rmlo, 2, 1, 0),
                        (Lcc, 1, 0, 0),
                        (Lmlo, 1, 0, 0),
                    ],
                    5,
                    1,
                    C::Complete,
                    S::Screened,
                ),
                ..Case::default()
            },
            Case {
                name: "one extra image, not a repeat",
                counts: &[(Lcc, "2")],
                repeats: &[(Lcc, Some(A::AllExtra), &[], "")],
                expect: ok(
                    &[
                        (Rcc, 1, 0, 0),
                        (Rmlo, 1, 0, 0),
                        (Lcc, 2, 0, 1),
                        (Lmlo, 1, 0, 0),
                    ],
                    5,
                    0,
                    C::Complete,
                    S::Screened,
                ),
                ..Case::default()
            },
            Case {
                name: "several additional images, all repeats",
                counts: &[(Rcc, "3")],
                repeats: &[(Rcc, Some(A::AllRepeats), &[RR::PositioningError], "")],
                expect: ok(
                    &[
                        (Rcc, 3, 2, 0),
                        (Rmlo, 1, 0, 0),
                        (Lcc, 1, 0, 0),
                        (Lmlo, 1, 0, 0),
                    ],
                    6,
                    2,
                    C::Complete,
                    S::Screened,
                ),
                ..Case::default()
            },
            Case {
                name: "3 additional images: 1 repeat, 2 extras",
                counts: &[(Lmlo, "4")],
                repeats: &[(Lmlo, Some(A::SomeRepeats(1)), &[RR::CompressionIssues], "")],
                expect: ok(
                    &[
                        (Rcc, 1, 0, 0),
                        (Rmlo, 1, 0, 0),
                        (Lcc, 1, 0, 0),
                        (Lmlo, 4, 1, 2),
                    ],
                    7,
                    1,
                    C::Complete,
                    S::Screened,
                ),
                ..Case::default()
            },
            Case {
                name: "3 additional images: 2 repeats, 1 extra",
                counts: &[(Lmlo, "4")],
                repeats: &[(Lmlo, Some(A::SomeRepeats(2)), &[RR::PoorExposure], "")],
                expect: ok(
                    &[
                        (Rcc, 1, 0, 0),
                        (Rmlo, 1, 0, 0),
                        (Lcc, 1, 0, 0),
                        (Lmlo, 4, 2, 1),
                    ],
                    7,
                    2,
                    C::Complete,
                    S::Screened,
                ),
                ..Case::default()
            },
            Case {
                name: "several additional images, all extra, no reasons needed",
                counts: &[(Rmlo, "3")],
                repeats: &[(Rmlo, Some(A::AllExtra), &[], "")],
                expect: ok(
                    &[
                        (Rcc, 1, 0, 0),
                        (Rmlo, 3, 0, 2),
                        (Lcc, 1, 0, 0),
                        (Lmlo, 1, 0, 0),
                    ],
                    6,
                    0,
                    C::Complete,
                    S::Screened,
                ),
                ..Case::default()
            },
            Case {
                name: "a repeat on one view and an extra on another",
                counts: &[(Rcc, "2"), (Lmlo, "2")],
                repeats: &[
                    (Rcc, Some(A::AllRepeats), &[RR::TechnicalFault], ""),
                    (Lmlo, Some(A::AllExtra), &[], ""),
                ],
                expect: ok(
                    &[
                        (Rcc, 2, 1, 0),
                        (Rmlo, 1, 0, 0),
                        (Lcc, 1, 0, 0),
                        (Lmlo, 2, 0, 1),
                    ],
                    6,
                    1,
                    C::Complete,
                    S::Screened,
                ),
                ..Case::default()
            },
            Case {
                name: "Other repeat reason with details",
                counts: &[(Rmlo, "2")],
                repeats: &[(Rmlo, Some(A::AllRepeats), &[RR::Other], "Hair in view")],
                expect: ok(
                    &[
                        (Rcc, 1, 0, 0),
                        (Rmlo, 2, 1, 0),
                        (Lcc, 1, 0, 0),
                        (Lmlo, 1, 0, 0),
                    ],
                    5,
                    1,
                    C::Complete,
                    S::Screened,
                ),
                ..Case::default()
            },
            Case {
                name: "implants: 4 standard and 4 implant-displaced views",
                counts: &[(Rccid, "1"), (Rmloid, "1"), (Lccid, "1"), (Lmloid, "1")],
                context: BOTH.with_implants(),
                expect: ok(
                    &[
                        (Rcc, 1, 0, 0),
                        (Rmlo, 1, 0, 0),
                        (Lcc, 1, 0, 0),
                        (Lmlo, 1, 0, 0),
                        (Rccid, 1, 0, 0),
                        (Rmloid, 1, 0, 0),
                        (Lccid, 1, 0, 0),
                        (Lmloid, 1, 0, 0),
                    ],
                    8,
                    0,
                    C::Complete,
                    S::Screened,
                ),
                ..Case::default()
            },
            Case {
                name: "implants: a repeated implant-displaced view",
                counts: &[(Rccid, "2"), (Lccid, "1")],
                repeats: &[(
                    Rccid,
                    Some(A::AllRepeats),
                    &[RR::ArtefactsObscuringImage],
                    "",
                )],
                context: BOTH.with_implants(),
                expect: ok(
                    &[
                        (Rcc, 1, 0, 0),
                        (Rmlo, 1, 0, 0),
                        (Lcc, 1, 0, 0),
                        (Lmlo, 1, 0, 0),
                        (Rccid, 2, 1, 0),
                        (Lccid, 1, 0, 0),
                    ],
                    7,
                    1,
                    C::Complete,
                    S::Screened,
                ),
                ..Case::default()
            },
            Case {
                name: "implant-displaced view does not stand in for a missing standard view",
                counts: &[(Rcc, "0"), (Rccid, "1")],
                context: BOTH.with_implants(),
                expect: Expect::Errors(&[(
                    "not_all_taken",
                    "Select 'Not all mammograms taken' and say why, as no RCC image was recorded",
                )]),
                ..Case::default()
            },
            Case {
                name: "missing view, recall requested",
                counts: &[(Lmlo, "0")],
                not_all: Some(NotAll {
                    reasons: &[I::WheelchairPositioning],
                    details: "",
                    recall: R::Recall("In 6 weeks"),
                }),
                expect: ok(
                    &[(Rcc, 1, 0, 0), (Rmlo, 1, 0, 0), (Lcc, 1, 0, 0)],
                    3,
                    0,
                    C::ToBeRecalled,
                    S::PartiallyScreened,
                ),
                ..Case::default()
            },
            Case {
                name: "missing views, no recall: partial mammography",
                counts: &[(Lcc, "0"), (Lmlo, "0")],
                not_all: Some(NotAll {
                    reasons: &[I::ConsentWithdrawn],
                    details: "",
                    recall: R::NoRecall,
                }),
                expect: ok(
                    &[(Rcc, 1, 0, 0), (Rmlo, 1, 0, 0)],
                    2,
                    0,
                    C::PartialMammography,
                    S::PartiallyScreened,
                ),
                ..Case::default()
            },
            Case {
                name: "all views taken but not all tissue: partial mammography",
                not_all: Some(NotAll {
                    reasons: &[I::UnableToScanTissue],
                    details: "Implanted device",
                    recall: R::NoRecallConfirmed,
                }),
                expect: ok(
                    STANDARD_4,
                    4,
                    0,
                    C::PartialMammography,
                    S::PartiallyScreened,
                ),
                ..Case::default()
            },
            Case {
                name: "missing view without 'Not all mammograms taken'",
                counts: &[(Lmlo, "0")],
                expect: Expect::Errors(&[(
                    "not_all_taken",
                    "Select 'Not all mammograms taken' and say why, as no LMLO image was recorded",
                )]),
                ..Case::default()
            },
            Case {
                name: "two missing views are named together",
                counts: &[(Rcc, "0"), (Lmlo, "0")],
                expect: Expect::Errors(&[(
                    "not_all_taken",
                    "Select 'Not all mammograms taken' and say why, as no RCC or LMLO images \
                     were recorded",
                )]),
                ..Case::default()
            },
            Case {
                name: "three missing views are listed",
                counts: &[(Rcc, "0"), (Rmlo, "0"), (Lcc, "0")],
                expect: Expect::Errors(&[(
                    "not_all_taken",
                    "Select 'Not all mammograms taken' and say why, as no RCC, RMLO or LCC \
                     images were recorded",
                )]),
                ..Case::default()
            },
            Case {
                name: "mastectomy: left breast not expected, left views zero",
                counts: &[(Lcc, "0"), (Lmlo, "0")],
                context: BOTH.without(Breast::Left),
                expect: ok(
                    &[(Rcc, 1, 0, 0), (Rmlo, 1, 0, 0)],
                    2,
                    0,
                    C::Complete,
                    S::Screened,
                ),
                ..Case::default()
            },
            Case {
                name: "mastectomy: right breast not expected, one left view missing",
                counts: &[(Rcc, "0"), (Rmlo, "0"), (Lcc, "0")],
                context: BOTH.without(Breast::Right),
                expect: Expect::Errors(&[(
                    "not_all_taken",
                    "Select 'Not all mammograms taken' and say why, as no LCC image was recorded",
                )]),
                ..Case::default()
            },
            Case {
                name: "mastectomy: standard set answer refused",
                answer: Ans::Yes,
                context: BOTH.without(Breast::Left),
                expect: Expect::Errors(&[(
                    "standard_set",
                    "Select 'No, add other information', as the left breast is not expected \
                     to be imaged",
                )]),
                ..Case::default()
            },
            Case {
                name: "imperfect, but best possible images",
                answer: Ans::Yes,
                imperfect: true,
                expect: Expect::Ok {
                    views: STANDARD_4,
                    total: 4,
                    repeats: 0,
                    completeness: C::Complete,
                    status: S::Screened,
                    quality: ImageQuality::ImperfectButBestPossible,
                },
                ..Case::default()
            },
            Case {
                name: "imperfect with a mastectomy",
                counts: &[(Rcc, "0"), (Rmlo, "0")],
                imperfect: true,
                context: BOTH.without(Breast::Right),
                expect: Expect::Ok {
                    views: &[(Lcc, 1, 0, 0), (Lmlo, 1, 0, 0)],
                    total: 2,
                    repeats: 0,
                    completeness: C::Complete,
                    status: S::Screened,
                    quality: ImageQuality::ImperfectButBestPossible,
                },
                ..Case::default()
            },
            Case {
                name: "no images taken",
                answer: Ans::NoImages,
                expect: ok(&[], 0, 0, C::NoImages, S::AttendedNotScreened),
                ..Case::default()
            },
            Case {
                name: "no images taken ignores everything else",
                answer: Ans::NoImages,
                counts: &[(Rmlo, "2")],
                imperfect: true,
                not_all: Some(NotAll {
                    reasons: &[],
                    details: "",
                    recall: R::Missing,
                }),
                expect: ok(&[], 0, 0, C::NoImages, S::AttendedNotScreened),
                ..Case::default()
            },
            Case {
                name: "all counts zero",
                counts: &[(Rcc, "0"), (Rmlo, "0"), (Lcc, "0"), (Lmlo, "0")],
                expect: Expect::Errors(&[("counts", "Enter at least one image count")]),
                ..Case::default()
            },
            Case {
                name: "count of 10",
                counts: &[(Rmlo, "10")],
                expect: Expect::Errors(&[(
                    "count-rmlo",
                    "Number of RMLO images must be at most 9",
                )]),
                ..Case::default()
            },
            Case {
                name: "negative count",
                counts: &[(Lcc, "-1")],
                expect: Expect::Errors(&[("count-lcc", "Number of LCC images must be at least 0")]),
                ..Case::default()
            },
            Case {
                name: "count that is not a number, and one too many",
                counts: &[(Rcc, "two"), (Lmloid, "12")],
                expect: Expect::Errors(&[
                    ("count-rcc", "Enter a valid number of RCC images"),
                    ("count-lmloid", "Number of LMLOID images must be at most 9"),
                ]),
                ..Case::default()
            },
            Case {
                name: "blank count reads as 0",
                counts: &[(Rmlo, " ")],
                expect: Expect::Errors(&[(
                    "not_all_taken",
                    "Select 'Not all mammograms taken' and say why, as no RMLO image was recorded",
                )]),
                ..Case::default()
            },
            Case {
                name: "repeats answer missing, one additional image",
                counts: &[(Rmlo, "2")],
                expect: Expect::Errors(&[(
                    "repeats-rmlo",
                    "Select whether the additional RMLO image was a repeat",
                )]),
                ..Case::default()
            },
            Case {
                name: "repeats answer missing, several additional images",
                counts: &[(Lcc, "3")],
                repeats: &[(Lcc, None, &[RR::Other], "")],
                expect: Expect::Errors(&[(
                    "repeats-lcc",
                    "Select whether the additional LCC images were repeats",
                )]),
                ..Case::default()
            },
            Case {
                name: "some repeats, number above the range",
                counts: &[(Rmlo, "4")],
                repeats: &[(Rmlo, Some(A::SomeRepeats(3)), &[RR::PositioningError], "")],
                expect: Expect::Errors(&[(
                    "repeats-rmlo-count",
                    "Number of RMLO repeats must be between 1 and 2",
                )]),
                ..Case::default()
            },
            Case {
                name: "some repeats, zero",
                counts: &[(Rmlo, "3")],
                repeats: &[(Rmlo, Some(A::SomeRepeats(0)), &[], "")],
                expect: Expect::Errors(&[(
                    "repeats-rmlo-count",
                    "Number of RMLO repeats must be 1",
                )]),
                ..Case::default()
            },
            Case {
                name: "some repeats is not an answer for one additional image",
                counts: &[(Rmlo, "2")],
                repeats: &[(Rmlo, Some(A::SomeRepeats(1)), &[RR::PositioningError], "")],
                expect: Expect::Errors(&[(
                    "repeats-rmlo",
                    "Select whether the additional RMLO image was a repeat",
                )]),
                ..Case::default()
            },
            Case {
                name: "repeat without a reason",
                counts: &[(Rmlo, "2")],
                repeats: &[(Rmlo, Some(A::AllRepeats), &[], "")],
                expect: Expect::Errors(&[(
                    "repeats-rmlo-reasons",
                    "Select why the RMLO image was repeated",
                )]),
                ..Case::default()
            },
            Case {
                name: "several repeats without a reason",
                counts: &[(Rcc, "3")],
                repeats: &[(Rcc, Some(A::AllRepeats), &[], "")],
                expect: Expect::Errors(&[(
                    "repeats-rcc-reasons",
                    "Select why the RCC images were repeated",
                )]),
                ..Case::default()
            },
            Case {
                name: "Other repeat reason without details",
                counts: &[(Rmlo, "2")],
                repeats: &[(Rmlo, Some(A::AllRepeats), &[RR::Other], "  ")],
                expect: Expect::Errors(&[(
                    "repeats-rmlo-other-details",
                    "Provide details of why the RMLO image was repeated",
                )]),
                ..Case::default()
            },
            Case {
                name: "not all taken without a reason",
                counts: &[(Lmlo, "0")],
                not_all: Some(NotAll {
                    reasons: &[],
                    details: "",
                    recall: R::NoRecall,
                }),
                expect: Expect::Errors(&[(
                    "not_all_taken_reasons",
                    "Select a reason why you could not take all the images",
                )]),
                ..Case::default()
            },
            Case {
                name: "not all taken, Other without details",
                counts: &[(Lmlo, "0")],
                not_all: Some(NotAll {
                    reasons: &[I::Other],
                    details: "",
                    recall: R::NoRecall,
                }),
                expect: Expect::Errors(&[(
                    "not_all_taken_details",
                    "Provide details of why you could not take all the images",
                )]),
                ..Case::default()
            },
            Case {
                name: "not all taken without a recall decision",
                counts: &[(Lmlo, "0")],
                not_all: Some(NotAll {
                    reasons: &[I::TechnicalIssues],
                    details: "",
                    recall: R::Missing,
                }),
                expect: Expect::Errors(&[(
                    "not_all_taken_recall",
                    "Select whether the participant should be recalled to take more images",
                )]),
                ..Case::default()
            },
            Case {
                name: "recall without a timescale",
                counts: &[(Lmlo, "0")],
                not_all: Some(NotAll {
                    reasons: &[I::TechnicalIssues],
                    details: "",
                    recall: R::Recall(" "),
                }),
                expect: Expect::Errors(&[(
                    "not_all_taken_recall_timescale",
                    "Enter when the participant should be recalled",
                )]),
                ..Case::default()
            },
            Case {
                name: "several errors come in page order",
                counts: &[(Rcc, "0"), (Lcc, "2")],
                repeats: &[(Lcc, Some(A::AllRepeats), &[], "")],
                not_all: Some(NotAll {
                    reasons: &[],
                    details: "",
                    recall: R::Missing,
                }),
                expect: Expect::Errors(&[
                    (
                        "not_all_taken_reasons",
                        "Select a reason why you could not take all the images",
                    ),
                    (
                        "not_all_taken_recall",
                        "Select whether the participant should be recalled to take more images",
                    ),
                    (
                        "repeats-lcc-reasons",
                        "Select why the LCC image was repeated",
                    ),
                ]),
                ..Case::default()
            },
        ]
    }

    #[test]
    fn recording_the_images_taken() {
        let cases = cases();
        assert!(cases.len() >= 30, "{} cases", cases.len());
        for case in &cases {
            let name = case.name;
            let checked = record_for(case).and_then(|r| validate(&r, &case.context).map(|()| r));
            match (&case.expect, checked) {
                (
                    Expect::Ok {
                        views,
                        total,
                        repeats,
                        completeness,
                        status,
                        quality,
                    },
                    Ok(record),
                ) => {
                    let d = derive(&record, &case.context);
                    for tally in &d.views {
                        let expected = views
                            .iter()
                            .find(|(v, ..)| *v == tally.view)
                            .map(|&(_, i, r, e)| (i, r, e))
                            .unwrap_or((0, 0, 0));
                        assert_eq!(
                            (tally.images, tally.repeats, tally.extras),
                            expected,
                            "{name}: {}",
                            tally.view
                        );
                    }
                    assert_eq!(d.total_images, *total, "{name}");
                    assert_eq!(d.total_repeats, *repeats, "{name}");
                    assert_eq!(d.completeness, *completeness, "{name}");
                    assert_eq!(d.final_status(), *status, "{name}");
                    assert_eq!(d.image_quality(), *quality, "{name}");
                    assert_images_are_first_repeats_and_extras(&d, name);
                    // Normalising changes nothing the record means.
                    let normalised = record.normalised();
                    assert_eq!(validate(&normalised, &case.context), Ok(()), "{name}");
                    assert_eq!(derive(&normalised, &case.context), d, "{name}");
                }
                (Expect::Errors(expected), Err(errors)) => {
                    let got: Vec<(String, &str)> = errors
                        .iter()
                        .map(|e| (e.field_id(), e.message.as_str()))
                        .collect();
                    let expected: Vec<(String, &str)> =
                        expected.iter().map(|&(f, m)| (f.to_owned(), m)).collect();
                    assert_eq!(got, expected, "{name}");
                }
                (Expect::Ok { .. }, Err(errors)) => panic!("{name}: unexpected {errors:?}"),
                (Expect::Errors(expected), Ok(_)) => panic!("{name}: expected {expected:?}"),
            }
        }
    }

    fn assert_images_are_first_repeats_and_extras(d: &Derivation, name: &str) {
        assert_eq!(d.views.len(), View::ALL.len(), "{name}");
        for (tally, &view) in d.views.iter().zip(View::ALL) {
            assert_eq!(tally.view, view, "{name}");
            if tally.images == 0 {
                assert_eq!((tally.repeats, tally.extras), (0, 0), "{name}: {view}");
            } else {
                assert_eq!(
                    tally.images,
                    1 + tally.repeats + tally.extras,
                    "{name}: {view}"
                );
            }
        }
        let sum = |f: fn(&ViewTally) -> u8| d.views.iter().map(|t| u16::from(f(t))).sum::<u16>();
        assert_eq!(d.total_images, sum(|t| t.images), "{name}");
        assert_eq!(d.total_repeats, sum(|t| t.repeats), "{name}");
        assert_eq!(d.total_extras, sum(|t| t.extras), "{name}");
    }

    #[test]
    fn every_answer_splits_additional_images_into_repeats_and_extras() {
        let mut answers = vec![A::AllRepeats, A::AllExtra];
        answers.extend((0..=12).map(A::SomeRepeats));
        for images in 0..=MAX_COUNT {
            for &answer in &answers {
                let (r, e) = (answer.repeats(images), answer.extras(images));
                assert_eq!(r + e, images.saturating_sub(1), "{images} {answer:?}");
                let mut record =
                    ImagesRecord::with_counts(ViewCounts::STANDARD.with(Rmlo, images).unwrap());
                record
                    .repeats
                    .insert(Rmlo, ViewRepeats::new(answer, &[RR::Other]));
                let d = derive(&record, &BOTH);
                assert_images_are_first_repeats_and_extras(&d, "property");
                // Every answer the pages accept derives to a consistent split.
                if validate(&record, &BOTH).is_err() {
                    continue;
                }
                let t = d.tally(Rmlo).unwrap();
                assert_eq!((t.repeats, t.extras), (r, e));
            }
        }
    }

    #[test]
    fn some_repeats_is_valid_exactly_from_1_to_images_minus_2() {
        for images in 2..=MAX_COUNT {
            for n in 0..=MAX_COUNT {
                let mut record =
                    ImagesRecord::with_counts(ViewCounts::STANDARD.with(Lcc, images).unwrap());
                let mut repeats = ViewRepeats::new(A::SomeRepeats(n), &[RR::Other]);
                repeats.other_reason_details = "Details".to_owned();
                record.repeats.insert(Lcc, repeats);
                let valid = images >= 3 && (1..=images - 2).contains(&n);
                assert_eq!(
                    validate(&record, &BOTH).is_ok(),
                    valid,
                    "{images} images, {n}"
                );
            }
        }
    }

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
    fn views() {
        /// View, value, label, description, breast, projection, standard?, its standard
        /// view, code without the side.
        type Row = (
            View,
            &'static str,
            &'static str,
            &'static str,
            Breast,
            Projection,
            bool,
            View,
            &'static str,
        );
        let table: &[Row] = &[
            (
                Rcc,
                "rcc",
                "RCC",
                "Right craniocaudal (CC)",
                Breast::Right,
                Projection::Cc,
                true,
                Rcc,
                "CC",
            ),
            (
                Rmlo,
                "rmlo",
                "RMLO",
                "Right mediolateral oblique (MLO)",
                Breast::Right,
                Projection::Mlo,
                true,
                Rmlo,
                "MLO",
            ),
            (
                Lcc,
                "lcc",
                "LCC",
                "Left craniocaudal (CC)",
                Breast::Left,
                Projection::Cc,
                true,
                Lcc,
                "CC",
            ),
            (
                Lmlo,
                "lmlo",
                "LMLO",
                "Left mediolateral oblique (MLO)",
                Breast::Left,
                Projection::Mlo,
                true,
                Lmlo,
                "MLO",
            ),
            (
                Rccid,
                "rccid",
                "RCCID",
                "Right implant-displaced craniocaudal (CCID)",
                Breast::Right,
                Projection::Cc,
                false,
                Rcc,
                "CCID",
            ),
            (
                Rmloid,
                "rmloid",
                "RMLOID",
                "Right implant-displaced mediolateral oblique (MLOID)",
                Breast::Right,
                Projection::Mlo,
                false,
                Rmlo,
                "MLOID",
            ),
            (
                Lccid,
                "lccid",
                "LCCID",
                "Left implant-displaced craniocaudal (CCID)",
                Breast::Left,
                Projection::Cc,
                false,
                Lcc,
                "CCID",
            ),
            (
                Lmloid,
                "lmloid",
                "LMLOID",
                "Left implant-displaced mediolateral oblique (MLOID)",
                Breast::Left,
                Projection::Mlo,
                false,
                Lmlo,
                "MLOID",
            ),
        ];
        assert_eq!(table.len(), View::ALL.len());
        for &(view, value, label, description, breast, projection, standard, base, code) in table {
            assert_eq!(view.as_str(), value);
            assert_eq!(view.label(), label);
            assert_eq!(view.to_string(), label);
            assert_eq!(value.parse::<View>(), Ok(view));
            assert_eq!(view.description(), description);
            assert_eq!(view.breast(), breast);
            assert_eq!(view.projection(), projection);
            assert_eq!(view.is_standard(), standard);
            assert_eq!(view.is_implant_displaced(), !standard);
            assert_eq!(view.standard_view(), base);
            assert_eq!(view.code_without_side(), code);
            assert_eq!(View::of(breast, projection, !standard), view);
            assert!(View::for_breast(breast).contains(&view));
        }
        assert_eq!(View::for_breast(Breast::Left), [Lcc, Lmlo, Lccid, Lmloid]);
        assert!("RCC".parse::<View>().is_err());
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

    #[test]
    fn completeness_tags_and_statuses() {
        let table: &[(C, &str, &str, Option<&str>, S)] = &[
            (C::Complete, "complete", "Complete", None, S::Screened),
            (
                C::ToBeRecalled,
                "to_be_recalled",
                "Recall requested",
                Some("Recall requested"),
                S::PartiallyScreened,
            ),
            (
                C::PartialMammography,
                "partial_mammography",
                "Partial mammography",
                Some("Partial mammography"),
                S::PartiallyScreened,
            ),
            (
                C::NoImages,
                "no_images",
                "No images taken",
                None,
                S::AttendedNotScreened,
            ),
        ];
        assert_eq!(table.len(), C::ALL.len());
        for &(c, value, label, tag, status) in table {
            assert_eq!(
                (c.as_str(), c.label(), c.summary_tag()),
                (value, label, tag)
            );
            assert_eq!(c.final_status(), status);
            assert!(status.is_final());
        }
        assert_eq!(
            ImageQuality::ImperfectButBestPossible.label(),
            IMPERFECT_LABEL
        );
    }

    #[test]
    fn view_counts() {
        let default = ViewCounts::default();
        assert_eq!(default, ViewCounts::STANDARD);
        assert_eq!(default.total(), 4);
        for &view in View::ALL {
            assert_eq!(default.get(view), u8::from(view.is_standard()));
        }
        assert_eq!(ViewCounts::ZERO.total(), 0);
        let counts = ViewCounts::from_pairs(&[(Rcc, 2), (Lmloid, 9)]).unwrap();
        assert_eq!(
            (counts.get(Rcc), counts.get(Lmloid), counts.total()),
            (2, 9, 11)
        );
        assert_eq!(
            ViewCounts::ZERO.with(Rcc, 10),
            Err(CountError::TooMany(Rcc))
        );
        let mut c = ViewCounts::ZERO;
        assert_eq!(c.set(Lcc, 10), Err(CountError::TooMany(Lcc)));
        assert_eq!(c, ViewCounts::ZERO);

        let parse = |s| ViewCounts::parse_count(Rmlo, s);
        let table: &[(&str, Result<u8, CountError>)] = &[
            ("0", Ok(0)),
            ("9", Ok(9)),
            (" 3 ", Ok(3)),
            ("", Ok(0)),
            ("10", Err(CountError::TooMany(Rmlo))),
            ("99999999999999999999", Err(CountError::NotANumber(Rmlo))),
            ("-1", Err(CountError::Negative(Rmlo))),
            ("1.5", Err(CountError::NotANumber(Rmlo))),
            ("one", Err(CountError::NotANumber(Rmlo))),
        ];
        for &(input, expected) in table {
            assert_eq!(parse(input), expected, "{input:?}");
        }
        let err: ImagingError = CountError::Negative(Lccid).into();
        assert_eq!(err.field_id(), "count-lccid");
        assert_eq!(err.to_string(), "Number of LCCID images must be at least 0");

        assert_eq!(
            ViewCounts::parse([(Rcc, "2"), (Lcc, "1")]),
            Ok(ViewCounts::from_pairs(&[(Rcc, 2), (Lcc, 1)]).unwrap())
        );
        assert_eq!(
            ViewCounts::parse([(Rcc, "x"), (Lcc, "-2")]),
            Err(vec![CountError::NotANumber(Rcc), CountError::Negative(Lcc)])
        );
    }

    #[test]
    fn view_counts_are_read_back_as_a_map_and_refuse_more_than_nine() {
        use serde::de::IntoDeserializer;
        use serde::de::value::{Error, MapDeserializer};
        let read = |pairs: Vec<(&'static str, u8)>| {
            ViewCounts::deserialize(MapDeserializer::<_, Error>::new(
                pairs.into_iter().map(|(k, v)| (k.into_deserializer(), v)),
            ))
        };
        assert_eq!(
            read(vec![("rcc", 2), ("lmloid", 1)]).unwrap(),
            ViewCounts::from_pairs(&[(Rcc, 2), (Lmloid, 1)]).unwrap()
        );
        assert!(read(vec![("rcc", 10)]).is_err());
        assert!(read(vec![("xcc", 1)]).is_err());
    }

    #[test]
    fn field_ids() {
        let table: &[(ImagingField, &str, bool)] = &[
            (ImagingField::StandardSet, "standard_set", false),
            (ImagingField::Counts, "counts", false),
            (ImagingField::Count(Rccid), "count-rccid", false),
            (ImagingField::NotAllTaken, "not_all_taken", false),
            (
                ImagingField::NotAllTakenReasons,
                "not_all_taken_reasons",
                false,
            ),
            (
                ImagingField::NotAllTakenDetails,
                "not_all_taken_details",
                false,
            ),
            (ImagingField::Recall, "not_all_taken_recall", false),
            (
                ImagingField::RecallTimescale,
                "not_all_taken_recall_timescale",
                false,
            ),
            (ImagingField::Repeats(Rmlo), "repeats-rmlo", true),
            (ImagingField::RepeatsCount(Rmlo), "repeats-rmlo-count", true),
            (
                ImagingField::RepeatReasons(Lcc),
                "repeats-lcc-reasons",
                true,
            ),
            (
                ImagingField::RepeatOtherDetails(Lmlo),
                "repeats-lmlo-other-details",
                true,
            ),
        ];
        for &(field, id, repeats_page) in table {
            assert_eq!(field.id(), id);
            assert_eq!(field.to_string(), id);
            assert_eq!(field.is_on_repeats_page(), repeats_page, "{id}");
        }
    }

    fn detailed_record() -> ImagesRecord {
        let counts =
            ViewCounts::from_pairs(&[(Rcc, 1), (Rmlo, 2), (Lcc, 4), (Lmlo, 1), (Rccid, 1)])
                .unwrap();
        let mut record = ImagesRecord::with_counts(counts);
        record.repeats.insert(
            Rmlo,
            ViewRepeats::new(A::AllRepeats, &[RR::ParticipantMovement]),
        );
        record.repeats.insert(
            Lcc,
            ViewRepeats {
                answer: Some(A::SomeRepeats(1)),
                reasons: vec![RR::Other, RR::CompressionIssues],
                other_reason_details: " Hair in view ".to_owned(),
            },
        );
        record.additional_operators = vec![" Sam Jones ".into(), "".into(), "Ann Smith".into()];
        record
    }

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
    fn derive_is_total_on_invalid_records() {
        // Unanswered repeats count as extras.
        let record = ImagesRecord::with_counts(ViewCounts::STANDARD.with(Rmlo, 3).unwrap());
        let t = derive(&record, &BOTH).tally(Rmlo).unwrap().clone();
        assert_eq!((t.images, t.repeats, t.extras), (3, 0, 2));
        // "Not all mammograms taken" without a decision is taken as a recall request.
        let mut record = ImagesRecord::with_counts(ViewCounts::STANDARD.with(Lcc, 0).unwrap());
        record.not_all_taken = Some(NotAllTaken {
            reasons: vec![],
            details: String::new(),
            recall: None,
            partial_confirmed: false,
        });
        assert_eq!(derive(&record, &BOTH).completeness, C::ToBeRecalled);
        // All zero after "no" is no images.
        let d = derive(&ImagesRecord::with_counts(ViewCounts::ZERO), &BOTH);
        assert_eq!(d.completeness, C::NoImages);
        assert_eq!(d.final_status(), S::AttendedNotScreened);
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

    #[test]
    fn views_needing_repeats_and_other_views() {
        let record = detailed_record();
        assert_eq!(record.views_needing_repeats(), [(Rmlo, 2), (Lcc, 4)]);
        assert!(
            ImagesRecord::standard_set()
                .views_needing_repeats()
                .is_empty()
        );
        let mut yes = record.clone();
        yes.standard_set = Ans::Yes;
        assert!(yes.views_needing_repeats().is_empty());
        assert!(BOTH.other_views_open(&record.counts));
        assert!(!BOTH.other_views_open(&ViewCounts::STANDARD));
        assert!(BOTH.with_implants().other_views_open(&ViewCounts::STANDARD));
        assert_eq!(BOTH.without(Breast::Right).expected_views(), [Lcc, Lmlo]);
        assert_eq!(ImagingContext::default(), BOTH);
    }

    #[test]
    fn warnings_about_implants_and_unexpected_breasts() {
        use ImagingWarning as W;
        let standard = ImagesRecord::standard_set();
        let with_id = detailed_record();
        let mut left_imaged = ImagesRecord::with_counts(ViewCounts::STANDARD);
        left_imaged.not_all_taken = None;
        let table: &[(&ImagesRecord, ImagingContext, &[W])] = &[
            (&standard, BOTH, &[]),
            (
                &standard,
                BOTH.with_implants(),
                &[W::ImplantsWithoutImplantDisplacedViews],
            ),
            (&with_id, BOTH.with_implants(), &[]),
            (&with_id, BOTH, &[W::ImplantDisplacedViewsWithoutImplants]),
            (
                &left_imaged,
                BOTH.without(Breast::Left),
                &[W::UnexpectedBreastImaged(Breast::Left)],
            ),
            (&ImagesRecord::no_images(), BOTH.with_implants(), &[]),
        ];
        for (i, (record, context, expected)) in table.iter().enumerate() {
            assert_eq!(warnings(record, context), *expected, "row {i}");
        }
        assert_eq!(
            W::UnexpectedBreastImaged(Breast::Left).message(),
            "Images of the left breast were recorded, but the left breast was not expected \
             to be imaged"
        );
    }

    #[test]
    fn exposure_record_for_irmer() {
        let record = detailed_record();
        let d = derive(&record, &BOTH.with_implants());
        let e = exposure_record(
            &record,
            &d,
            "Ann Smith",
            "Room A",
            "Hologic Selenia Dimensions",
        );
        assert_eq!(e.operators, ["Ann Smith", "Sam Jones"]);
        assert_eq!(
            (e.room.as_str(), e.machine.as_str()),
            ("Room A", "Hologic Selenia Dimensions")
        );
        assert_eq!(e.total_exposures, 9);
        assert_eq!(e.total_repeats, 2);
        let per_view: Vec<(View, u8, u8)> = e
            .exposures
            .iter()
            .map(|x| (x.view, x.exposures, x.repeats))
            .collect();
        assert_eq!(
            per_view,
            [
                (Rcc, 1, 0),
                (Rmlo, 2, 1),
                (Lcc, 4, 1),
                (Lmlo, 1, 0),
                (Rccid, 1, 0)
            ]
        );
        assert_eq!(e.exposures[1].repeat_reasons, [RR::ParticipantMovement]);
        assert_eq!(e.exposures[2].other_reason_details, "Hair in view");
        assert_eq!(
            e.total_exposures,
            e.exposures
                .iter()
                .map(|x| u16::from(x.exposures))
                .sum::<u16>()
        );

        let none = ImagesRecord::no_images();
        let e = exposure_record(&none, &derive(&none, &BOTH), "Ann Smith", "Room A", "M");
        assert!(e.exposures.is_empty());
        assert_eq!(e.total_exposures, 0);
    }

    #[test]
    fn partial_mammography_against_guidance_needs_confirmation() {
        use IncompleteReason as I;
        enum Recall {
            Yes,
            No,
        }
        // (reasons, recall?, confirmed, errors, confirmation shown on the summary)
        type Row = (
            &'static [IncompleteReason],
            Recall,
            bool,
            &'static [ImagingField],
            bool,
        );
        let table: &[Row] = &[
            // Reasons the guidance gives for partial mammography: no question.
            (&[I::ConsentWithdrawn], Recall::No, false, &[], false),
            (
                &[I::LanguageOrLearningDifficulties],
                Recall::No,
                false,
                &[],
                false,
            ),
            (&[I::WheelchairPositioning], Recall::No, false, &[], false),
            (
                &[I::OtherMobilityPositioning],
                Recall::No,
                false,
                &[],
                false,
            ),
            // Technical issues and "Unable to scan tissue" with "No": confirm first.
            (
                &[I::TechnicalIssues],
                Recall::No,
                false,
                &[ImagingField::PartialConfirmed],
                false,
            ),
            (&[I::TechnicalIssues], Recall::No, true, &[], true),
            (
                &[I::UnableToScanTissue],
                Recall::No,
                false,
                &[ImagingField::PartialConfirmed],
                false,
            ),
            (&[I::UnableToScanTissue], Recall::No, true, &[], true),
            (
                &[I::ConsentWithdrawn, I::TechnicalIssues],
                Recall::No,
                false,
                &[ImagingField::PartialConfirmed],
                false,
            ),
            (
                &[I::ConsentWithdrawn, I::TechnicalIssues],
                Recall::No,
                true,
                &[],
                true,
            ),
            // A recall is what the guidance asks for: no question, and a stray
            // confirmation is not kept.
            (&[I::TechnicalIssues], Recall::Yes, false, &[], false),
            (&[I::TechnicalIssues], Recall::Yes, true, &[], false),
            (&[I::UnableToScanTissue], Recall::Yes, false, &[], false),
            (&[I::ConsentWithdrawn], Recall::No, true, &[], false),
        ];
        for (reasons, recall, confirmed, errors, summary) in table {
            let mut record =
                ImagesRecord::with_counts(ViewCounts::from_pairs(&[(Rcc, 1)]).unwrap());
            let not_all = NotAllTaken {
                reasons: reasons.to_vec(),
                details: String::new(),
                recall: Some(match recall {
                    Recall::Yes => RecallDecision::Recall {
                        timescale: "In 2 weeks".into(),
                        scheduling_note: String::new(),
                    },
                    Recall::No => RecallDecision::NoRecall,
                }),
                partial_confirmed: *confirmed,
            };
            record.not_all_taken = Some(not_all.clone());
            let got: Vec<ImagingField> = validate(&record, &BOTH)
                .err()
                .unwrap_or_default()
                .into_iter()
                .map(|e| e.field)
                .collect();
            assert_eq!(&got, errors, "{reasons:?} confirmed {confirmed}");
            assert_eq!(
                not_all.partial_warning().is_some(),
                matches!(recall, Recall::No)
                    && reasons.iter().any(|r| r.partial_against_guidance()),
                "{reasons:?}"
            );
            let kept = record.normalised().not_all_taken.unwrap();
            assert_eq!(
                kept.confirmation_summary().is_some(),
                *summary,
                "{reasons:?}"
            );
            assert_eq!(
                kept.partial_confirmed, *summary,
                "{reasons:?} confirmed {confirmed}"
            );
        }
        // The warning quotes the guidance for the reason, and the summary names it.
        let not_all = NotAllTaken {
            reasons: vec![I::TechnicalIssues],
            details: String::new(),
            recall: Some(RecallDecision::NoRecall),
            partial_confirmed: true,
        };
        assert!(not_all.partial_warning().unwrap().starts_with(
            "Technical issues: Partial mammography should not be recorded for a failure of the x-ray equipment"
        ));
        assert_eq!(
            not_all.confirmation_summary().as_deref(),
            Some(
                "Partial mammography confirmed by the mammographer against the guidance for Technical issues"
            )
        );
    }
}
