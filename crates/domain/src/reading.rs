//! Image reading: the opinions readers give, when two reads disagree, arbitration, the
//! states a case moves through, the result the reads make and the reading window. The rules
//! live here once, for the store, the web pages and the API to call.
//!
//! Sources: reference §3 (episodes and outcomes) and §8 (image reading), seed 2026-01
//! (partial mammograms), and the design history on image reading (2025-04, 2025-05,
//! 2026-02, 2026-03, 2026-05, 2026-06).
//!
//! Every screen is read twice by two different readers ("1st read", "2nd read"), blind by
//! default. Each reader answers "What is your opinion of these images?" with an
//! [`Opinion`], checked by [`Opinion::validate`]. When the two reads disagree
//! ([`discordant`]), or the provider's [`ArbitrationPolicy`] says so
//! ([`needs_arbitration`]), a third reader or a panel arbitrates ([`Arbitration`]).
//! [`next_state`] says where a case is ([`ReadingState`]); [`outcome`] turns the final
//! opinion into the episode's result ([`ReadingOutcome`]); [`due_status`] tags cases as the
//! reading window runs out.
//!
//! Decisions made here, where the sources leave room:
//!
//! - "Normal, but add details" is a normal opinion: it is never discordant with "Normal"
//!   and gives the same result.
//! - Two technical recalls are discordant only when they name different *sets* of views;
//!   the reasons and details given for a view do not matter.
//! - Two recalls for assessment are discordant when either breast's category differs
//!   ("Normal" / "Normal, symptoms need clinical assessment" / "Abnormal, recall for
//!   assessment"). Annotations (locations, abnormality types, levels of concern) do not:
//!   two readers rarely mark the same point, and both send the participant to assessment.
//! - "Both breasts cannot be normal" means both "Normal": "Normal, symptoms need clinical
//!   assessment" is a reason to recall (the NBSS 'clinical' recall), so it may stand on
//!   either or both breasts.
//! - "An abnormal breast needs level >= 3" is read as: at least one of its annotations has a
//!   level of concern of 3 or above. Other annotations on the same breast may be 1 or 2
//!   (for example a benign lymph node noted beside a suspicious mass).
//! - Policy "All recalls" arbitrates every read that recalls for assessment (the 2025-04
//!   post: "Some units will take these to arbitration first"); "All non-normal" also
//!   arbitrates technical recalls. Discordant reads are arbitrated under every policy.
//! - Each read is finalised on its own: after the provider's delay, at once when the delay
//!   is zero, or early when the reader chooses to (the 2026-05 post). Until then its reader
//!   may change it; afterwards it is immutable. A case is offered for a 2nd read only once
//!   its 1st read is finalised ("Once finalised, the case can be read by a second reader").
//! - Blind reading hides the 1st opinion from everyone but its reader until the 2nd read is
//!   in and final, so the second reader sees it only once their own read can no longer
//!   change (the 2026-03 post's "late" post-opinion screen, and issue 9): with a
//!   finalisation delay they may finalise early to see it. A read given blind can never be
//!   changed after its reader has seen the other opinion, so discordance and arbitration
//!   are always decided on the two blind reads as given.
//! - A technical recall, or a mammographer's request for more images, leaves the episode
//!   open at stage "Mammograms" (more images are to be taken; booking the appointment moves
//!   it to "Scheduled"). See [`outcome`] for the full table.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use time::{Date, Duration, OffsetDateTime};

use crate::episode::{EpisodeOutcome, EpisodeStage, EpisodeType};
use crate::imaging::{Breast, Completeness, View};
use crate::validation::{Errors, is_blank};

pub use crate::validation::FieldError;

// ---------------------------------------------------------------------------------------
// Labels
// ---------------------------------------------------------------------------------------

/// The question on the opinion page.
pub const OPINION_QUESTION: &str = "What is your opinion of these images?";
/// The button that records an opinion after its details.
pub const CONFIRM_OPINION: &str = "Confirm your opinion";
/// The question on the technical recall page.
pub const TECHNICAL_RECALL_QUESTION: &str = "Which views need to be retaken?";
/// The question asked for each view to be retaken.
pub const RECALL_REASON_QUESTION: &str = "Reason for recall";
/// The checkbox a reader ticks to give a normal opinion of a participant with significant
/// symptoms.
pub const SYMPTOMS_ACKNOWLEDGEMENT: &str =
    "I have considered the symptoms the participant reported";
/// The error when a normal opinion of a participant with significant symptoms does not
/// acknowledge them.
pub const SYMPTOMS_NOT_ACKNOWLEDGED: &str =
    "Confirm that you have considered the symptoms the participant reported";

// ---------------------------------------------------------------------------------------
// Readers
// ---------------------------------------------------------------------------------------

/// An opaque reader (user) id. The store keeps a UUID; `Uuid::as_u128` and
/// `Uuid::from_u128` convert both ways without this crate depending on `uuid`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ReaderId(pub u128);

/// What the reading rules need to know about the case being read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadingContext {
    /// The participant reported significant symptoms (the warning shown to readers).
    pub has_significant_symptoms: bool,
}

// ---------------------------------------------------------------------------------------
// Opinions
// ---------------------------------------------------------------------------------------

labelled_enum! {
    /// The four answers to [`OPINION_QUESTION`].
    pub enum OpinionKind ("opinion") {
        Normal => ("normal", "Normal"),
        NormalWithDetails => ("normal_with_details", "Normal, but add details"),
        TechnicalRecall => ("technical_recall", "Technical recall"),
        RecallForAssessment => ("recall_for_assessment", "Recall for assessment"),
    }
}

impl OpinionKind {
    /// Whether this is a normal opinion ("Normal" or "Normal, but add details").
    pub const fn is_normal(self) -> bool {
        matches!(self, OpinionKind::Normal | OpinionKind::NormalWithDetails)
    }

    /// The kind discordance compares: "Normal, but add details" counts as "Normal".
    pub const fn for_discordance(self) -> OpinionKind {
        match self {
            OpinionKind::NormalWithDetails => OpinionKind::Normal,
            other => other,
        }
    }
}

labelled_enum! {
    /// "Reason for recall", asked for each view to be retaken.
    pub enum TechnicalRecallReason ("reason for technical recall") {
        BreastPositioning => ("breast_positioning", "Breast positioning"),
        IncorrectExposure => ("incorrect_exposure", "Incorrect exposure"),
        ImageObscured => ("image_obscured", "Image obscured"),
        ImageBlurred => ("image_blurred", "Image blurred"),
        ImageMissing => ("image_missing", "Image missing"),
        Other => ("other", "Other reason"),
    }
}

impl TechnicalRecallReason {
    /// Whether details must be given ("Other reason").
    pub const fn requires_details(self) -> bool {
        matches!(self, TechnicalRecallReason::Other)
    }
}

/// One view a technical recall asks to be retaken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecalledView {
    /// The view, standard or implant displaced.
    pub view: View,
    /// Why it must be retaken.
    pub reason: TechnicalRecallReason,
    /// Details of the reason. Required for "Other reason", optional otherwise.
    #[serde(default)]
    pub details: String,
}

labelled_enum! {
    /// The per-breast answer of a recall for assessment, without its annotations.
    pub enum AssessmentCategory ("breast assessment") {
        Normal => ("normal", "Normal"),
        NormalSymptomsNeedAssessment => ("normal_symptoms_need_assessment", "Normal, symptoms need clinical assessment"),
        Abnormal => ("abnormal", "Abnormal, recall for assessment"),
    }
}

labelled_enum! {
    /// The type of an annotated abnormality. "Other" needs a description.
    pub enum AbnormalityType ("abnormality type") {
        IllDefinedMass => ("ill_defined_mass", "Ill-defined mass"),
        WellDefinedMass => ("well_defined_mass", "Well-defined mass"),
        Microcalcification => ("microcalcification", "Microcalcification"),
        AsymmetricDensity => ("asymmetric_density", "Asymmetric density"),
        ArchitecturalDistortion => ("architectural_distortion", "Architectural distortion"),
        LymphNode => ("lymph_node", "Lymph node"),
        Other => ("other", "Other"),
    }
}

labelled_enum! {
    /// The level of concern of an annotation, listed most concerning first as on the page.
    /// Compare levels with [`LevelOfConcern::level`], not the derived ordering (which
    /// follows the listing).
    pub enum LevelOfConcern ("level of concern") {
        HighlySuspicious => ("5", "5 - Highly suspicious"),
        Suspicious => ("4", "4 - Suspicious"),
        Indeterminate => ("3", "3 - Indeterminate"),
        Benign => ("2", "2 - Benign"),
        Normal => ("1", "1 - Normal"),
    }
}

impl LevelOfConcern {
    /// The lowest level that makes a breast abnormal.
    pub const ABNORMAL_THRESHOLD: u8 = 3;

    /// The level as a number, 1 (normal) to 5 (highly suspicious).
    pub const fn level(self) -> u8 {
        match self {
            LevelOfConcern::HighlySuspicious => 5,
            LevelOfConcern::Suspicious => 4,
            LevelOfConcern::Indeterminate => 3,
            LevelOfConcern::Benign => 2,
            LevelOfConcern::Normal => 1,
        }
    }
}

/// Where an abnormality is: a mark on a view, or a description such as "UOQ".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Location {
    /// A point marked on a view; `x` and `y` are fractions of the image's width and height
    /// (0.0 to 1.0, from the top left). The view must be of the annotated breast.
    Mark {
        /// The view marked on.
        view: View,
        /// Across, 0.0 (left edge) to 1.0 (right edge).
        x: f64,
        /// Down, 0.0 (top edge) to 1.0 (bottom edge).
        y: f64,
    },
    /// A location in words, for example "UOQ" (upper outer quadrant).
    Text {
        /// The description. Required.
        text: String,
    },
}

/// One abnormality recorded on an abnormal breast.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Annotation {
    /// Where it is.
    pub location: Location,
    /// What it is.
    pub abnormality: AbnormalityType,
    /// Description of an "Other" abnormality. Required for "Other", ignored otherwise.
    #[serde(default)]
    pub abnormality_description: String,
    /// How concerning it is.
    pub concern: LevelOfConcern,
    /// Optional comment.
    #[serde(default)]
    pub comment: String,
}

/// A recall for assessment's answer for one breast.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "assessment", rename_all = "snake_case")]
pub enum BreastAssessment {
    /// "Normal".
    Normal,
    /// "Normal, symptoms need clinical assessment".
    NormalSymptomsNeedAssessment,
    /// "Abnormal, recall for assessment", with at least one annotation.
    Abnormal {
        /// The abnormalities seen.
        #[serde(default)]
        annotations: Vec<Annotation>,
    },
}

impl BreastAssessment {
    /// The category, without annotations.
    pub const fn category(&self) -> AssessmentCategory {
        match self {
            BreastAssessment::Normal => AssessmentCategory::Normal,
            BreastAssessment::NormalSymptomsNeedAssessment => {
                AssessmentCategory::NormalSymptomsNeedAssessment
            }
            BreastAssessment::Abnormal { .. } => AssessmentCategory::Abnormal,
        }
    }

    /// The label shown to staff.
    pub const fn label(&self) -> &'static str {
        self.category().label()
    }

    /// Whether this breast is to be assessed (anything but "Normal").
    pub const fn needs_assessment(&self) -> bool {
        !matches!(self, BreastAssessment::Normal)
    }
}

/// A reader's answer to [`OPINION_QUESTION`], with its details.
///
/// Stored as `{"opinion": "normal"}`, `{"opinion": "technical_recall", "views": […]}` and
/// so on; the tag is the [`OpinionKind`] value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "opinion", rename_all = "snake_case")]
pub enum Opinion {
    /// "Normal".
    Normal {
        /// The reader confirmed they considered the reported symptoms. Required when the
        /// participant has significant symptoms (as for "Normal, but add details"), so a
        /// normal opinion never dismisses them silently. Left out of the stored JSON when
        /// false.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        symptoms_acknowledged: bool,
    },
    /// "Normal, but add details".
    NormalWithDetails {
        /// The details. Required.
        #[serde(default)]
        details: String,
        /// The reader confirmed they considered the reported symptoms. Required when the
        /// participant has significant symptoms.
        #[serde(default)]
        symptoms_acknowledged: bool,
    },
    /// "Technical recall": the views to retake, each once.
    TechnicalRecall {
        /// The views, in the order chosen.
        #[serde(default)]
        views: Vec<RecalledView>,
    },
    /// "Recall for assessment": an answer per breast.
    RecallForAssessment {
        /// The right breast.
        right: BreastAssessment,
        /// The left breast.
        left: BreastAssessment,
    },
}

impl Opinion {
    /// The kind of opinion.
    pub const fn kind(&self) -> OpinionKind {
        match self {
            Opinion::Normal { .. } => OpinionKind::Normal,
            Opinion::NormalWithDetails { .. } => OpinionKind::NormalWithDetails,
            Opinion::TechnicalRecall { .. } => OpinionKind::TechnicalRecall,
            Opinion::RecallForAssessment { .. } => OpinionKind::RecallForAssessment,
        }
    }

    /// The label of its kind.
    pub const fn label(&self) -> &'static str {
        self.kind().label()
    }

    /// Whether this is a normal opinion (with or without details).
    pub const fn is_normal(&self) -> bool {
        self.kind().is_normal()
    }

    /// Whether the reader acknowledged the participant's significant symptoms, for a
    /// normal opinion ("Normal" or "Normal, but add details"); `None` for the others,
    /// which do not dismiss anything.
    pub const fn symptoms_acknowledged(&self) -> Option<bool> {
        match self {
            Opinion::Normal {
                symptoms_acknowledged,
            }
            | Opinion::NormalWithDetails {
                symptoms_acknowledged,
                ..
            } => Some(*symptoms_acknowledged),
            _ => None,
        }
    }

    /// A plain "Normal" with nothing acknowledged (for a participant without significant
    /// symptoms).
    pub const fn normal() -> Opinion {
        Opinion::Normal {
            symptoms_acknowledged: false,
        }
    }

    /// The set of views a technical recall names (empty for other opinions).
    pub fn recalled_views(&self) -> BTreeSet<View> {
        match self {
            Opinion::TechnicalRecall { views } => views.iter().map(|v| v.view).collect(),
            _ => BTreeSet::new(),
        }
    }

    /// The assessment of `breast`, for a recall for assessment.
    pub const fn assessment(&self, breast: Breast) -> Option<&BreastAssessment> {
        match (self, breast) {
            (Opinion::RecallForAssessment { right, .. }, Breast::Right) => Some(right),
            (Opinion::RecallForAssessment { left, .. }, Breast::Left) => Some(left),
            _ => None,
        }
    }

    /// What is wrong with this opinion, field by field, in the words staff see.
    ///
    /// Field names: `details`, `symptoms_acknowledged`, `views`, `{view}_details` (for
    /// example `rcc_details`), `right` / `left`, `{breast}_annotations`, and
    /// `{breast}_annotation_{n}_location` / `…_abnormality_description` with `n` counted
    /// from 1.
    pub fn validate(&self, context: &ReadingContext) -> Result<(), Vec<FieldError>> {
        let mut errors = Errors::default();
        if let Some(acknowledged) = self.symptoms_acknowledged()
            && context.has_significant_symptoms
            && !acknowledged
        {
            errors.add("symptoms_acknowledged", SYMPTOMS_NOT_ACKNOWLEDGED);
        }
        match self {
            Opinion::Normal { .. } => {}
            Opinion::NormalWithDetails { details, .. } => {
                if is_blank(details) {
                    errors.add("details", "Enter details of your opinion");
                }
            }
            Opinion::TechnicalRecall { views } => {
                if views.is_empty() {
                    errors.add("views", "Select which views need to be retaken");
                }
                let mut seen = BTreeSet::new();
                for recalled in views {
                    let view = recalled.view;
                    if !seen.insert(view) {
                        errors.add("views", format!("{view} has been selected more than once"));
                    }
                    if recalled.reason.requires_details() && is_blank(&recalled.details) {
                        errors.add(
                            format!("{}_details", view.as_str()),
                            format!("Enter details of the reason for retaking {view}"),
                        );
                    }
                }
            }
            Opinion::RecallForAssessment { right, left } => {
                if matches!(
                    (right, left),
                    (BreastAssessment::Normal, BreastAssessment::Normal)
                ) {
                    errors.add(
                        "right",
                        "Both breasts cannot be normal. Select an abnormal or symptomatic breast to recall for assessment",
                    );
                }
                validate_breast(&mut errors, Breast::Right, right);
                validate_breast(&mut errors, Breast::Left, left);
            }
        }
        errors.finish()
    }
}

fn validate_breast(errors: &mut Errors, breast: Breast, assessment: &BreastAssessment) {
    let BreastAssessment::Abnormal { annotations } = assessment else {
        return;
    };
    let side = breast.as_str();
    if annotations.is_empty() {
        errors.add(
            format!("{side}_annotations"),
            format!("Add at least one abnormality for {}", breast.in_sentence()),
        );
    } else if !annotations
        .iter()
        .any(|a| a.concern.level() >= LevelOfConcern::ABNORMAL_THRESHOLD)
    {
        errors.add(
            format!("{side}_annotations"),
            format!(
                "An abnormal breast needs at least one abnormality with a level of concern of 3 or above. Change a level of concern or change your opinion of {}",
                breast.in_sentence()
            ),
        );
    }
    for (i, annotation) in annotations.iter().enumerate() {
        let n = i + 1;
        match &annotation.location {
            Location::Text { text } if is_blank(text) => errors.add(
                format!("{side}_annotation_{n}_location"),
                format!(
                    "Enter the location of abnormality {n} in {}",
                    breast.in_sentence()
                ),
            ),
            Location::Text { .. } => {}
            Location::Mark { view, x, y } => {
                let inside = |v: f64| (0.0..=1.0).contains(&v);
                if view.breast() != breast {
                    errors.add(
                        format!("{side}_annotation_{n}_location"),
                        format!("Mark abnormality {n} on a view of {}", breast.in_sentence()),
                    );
                } else if !inside(*x) || !inside(*y) {
                    errors.add(
                        format!("{side}_annotation_{n}_location"),
                        format!("Mark abnormality {n} inside the {view} image"),
                    );
                }
            }
        }
        if annotation.abnormality == AbnormalityType::Other
            && is_blank(&annotation.abnormality_description)
        {
            errors.add(
                format!("{side}_annotation_{n}_abnormality_description"),
                format!("Describe abnormality {n} in {}", breast.in_sentence()),
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// Discordance and arbitration policy
// ---------------------------------------------------------------------------------------

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
// Reads, finalisation and case state
// ---------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------
// Outcome
// ---------------------------------------------------------------------------------------

/// Something still to happen after the result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "follow_up", rename_all = "snake_case")]
pub enum FollowUpNeeded {
    /// Invite back to retake these views (the reader's technical recall).
    TechnicalRecall {
        /// The views to retake.
        views: Vec<View>,
    },
    /// Invite back for the images the mammographer could not take ('to be recalled').
    MoreImages,
    /// Refer to the assessment clinic for these breasts.
    AssessmentReferral {
        /// The breasts to assess, right first.
        breasts: Vec<Breast>,
    },
}

/// What a concluded case means for the episode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadingOutcome {
    /// The episode's outcome.
    pub episode_outcome: EpisodeOutcome,
    /// When the next routine screening is due, for a result that closes the episode.
    pub next_test_due: Option<Date>,
    /// What is still to happen, in order; empty when nothing is.
    pub follow_up: Vec<FollowUpNeeded>,
    /// The episode's stage after the result.
    pub stage: EpisodeStage,
}

/// The result of `final_opinion` on an episode of `episode_type` whose images were
/// `completeness`, screened on `screening_date`.
///
/// | opinion | completeness | outcome | next test due | follow up | stage |
/// |---|---|---|---|---|---|
/// | normal (with or without details) | complete | Routine recall | + interval | — | Closed |
/// | normal | partial mammography | Partial mammography | + interval | — | Closed |
/// | normal | to be recalled | Recalled for more images | — | more images | Mammograms |
/// | technical recall | any | Technical recall | — | the views (+ more images if to be recalled) | Mammograms |
/// | recall for assessment | any | Recall for assessment | — | the breasts (+ more images if to be recalled) | At assessment |
/// | any | no images | Attended not screened | — | — | Closed |
///
/// The interval is [`EpisodeType::recall_interval_months`] (36 months, 12 for very high
/// risk), added with [`add_months`]. A partial mammography's result is given on the images
/// that could be taken (seed 2026-01), so a normal one returns the participant to routine
/// recall, recorded as partial mammography so the message can say so. A mammographer's
/// recall request keeps the episode open until the extra images are taken, though the
/// images already taken are read (and can still lead to technical recall or assessment; the
/// request is kept as a follow-up so it is not lost). A case with no images is never read;
/// the last row only keeps this function total.
pub fn outcome(
    final_opinion: &Opinion,
    episode_type: EpisodeType,
    completeness: Completeness,
    screening_date: Date,
) -> ReadingOutcome {
    let more_images = completeness == Completeness::ToBeRecalled;
    let with_more_images = |mut follow_up: Vec<FollowUpNeeded>| {
        if more_images {
            follow_up.push(FollowUpNeeded::MoreImages);
        }
        follow_up
    };
    if completeness == Completeness::NoImages {
        return ReadingOutcome {
            episode_outcome: EpisodeOutcome::AttendedNotScreened,
            next_test_due: None,
            follow_up: Vec::new(),
            stage: EpisodeStage::Closed,
        };
    }
    match final_opinion {
        Opinion::Normal { .. } | Opinion::NormalWithDetails { .. } if more_images => {
            ReadingOutcome {
                episode_outcome: EpisodeOutcome::RecallForMoreImages,
                next_test_due: None,
                follow_up: with_more_images(Vec::new()),
                stage: EpisodeStage::Mammograms,
            }
        }
        Opinion::Normal { .. } | Opinion::NormalWithDetails { .. } => ReadingOutcome {
            episode_outcome: if completeness == Completeness::PartialMammography {
                EpisodeOutcome::PartialMammography
            } else {
                EpisodeOutcome::RoutineRecall
            },
            next_test_due: Some(add_months(
                screening_date,
                u32::from(episode_type.recall_interval_months()),
            )),
            follow_up: Vec::new(),
            stage: EpisodeStage::Closed,
        },
        Opinion::TechnicalRecall { .. } => ReadingOutcome {
            episode_outcome: EpisodeOutcome::TechnicalRecall,
            next_test_due: None,
            follow_up: with_more_images(vec![FollowUpNeeded::TechnicalRecall {
                views: final_opinion.recalled_views().into_iter().collect(),
            }]),
            stage: EpisodeStage::Mammograms,
        },
        Opinion::RecallForAssessment { right, left } => {
            let breasts = [(Breast::Right, right), (Breast::Left, left)]
                .into_iter()
                .filter(|(_, a)| a.needs_assessment())
                .map(|(b, _)| b)
                .collect();
            ReadingOutcome {
                episode_outcome: EpisodeOutcome::RecallForAssessment,
                next_test_due: None,
                follow_up: with_more_images(vec![FollowUpNeeded::AssessmentReferral { breasts }]),
                stage: EpisodeStage::AtAssessment,
            }
        }
    }
}

pub use crate::medical::add_months;

// ---------------------------------------------------------------------------------------
// Reading window
// ---------------------------------------------------------------------------------------

labelled_enum! {
    /// How close a case is to the end of its reading window. Pages tag "Due soon" and
    /// "Urgent"; "On time" needs no tag.
    pub enum DueStatus ("due status") {
        OnTime => ("on_time", "On time"),
        DueSoon => ("due_soon", "Due soon"),
        Urgent => ("urgent", "Urgent"),
        Overdue => ("overdue", "Overdue"),
    }
}

/// A provider's reading window thresholds (reference §8: make them configurable).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadingWindow {
    /// Days from screening by which reading must be done. Default 14 (seed 2026-01).
    pub window_days: u16,
    /// "Due soon" with this many days left or fewer. Default 5.
    pub due_soon_days: u16,
    /// "Urgent" with this many days left or fewer. Default 2.
    pub urgent_days: u16,
}

impl Default for ReadingWindow {
    fn default() -> Self {
        ReadingWindow {
            window_days: 14,
            due_soon_days: 5,
            urgent_days: 2,
        }
    }
}

impl ReadingWindow {
    /// [`due_status`] with these thresholds.
    pub fn status(&self, screened_on: Date, today: Date) -> DueStatus {
        due_status(
            screened_on,
            today,
            self.window_days,
            self.due_soon_days,
            self.urgent_days,
        )
    }
}

/// How close a case screened on `screened_on` is to the end of its window on `today`.
/// Days left are `window_days` minus the days since screening: the last day of the window
/// (0 days left) is still "Urgent", the day after is "Overdue". With the defaults (14, 5,
/// 2): 6 or more days left is on time, 3 to 5 due soon, 0 to 2 urgent. A `today` before
/// the screening date counts as on time.
pub fn due_status(
    screened_on: Date,
    today: Date,
    window_days: u16,
    due_soon_days: u16,
    urgent_days: u16,
) -> DueStatus {
    let days_left = i64::from(window_days) - (today - screened_on).whole_days();
    if days_left < 0 {
        DueStatus::Overdue
    } else if days_left <= i64::from(urgent_days) {
        DueStatus::Urgent
    } else if days_left <= i64::from(due_soon_days) {
        DueStatus::DueSoon
    } else {
        DueStatus::OnTime
    }
}

impl ReadingWindow {
    /// Cases screened before this date are past their window on `today` ("Overdue" in
    /// [`due_status`]): the store lists unfinished cases with `screened_on` before it.
    pub fn overdue_before(&self, today: Date) -> Date {
        today.saturating_sub(Duration::days(i64::from(self.window_days)))
    }

    /// Whether a case in `state`, screened on `screened_on`, is overdue on `today`: it has
    /// no result yet and its reading window has passed. Held cases (deferred, awaiting
    /// priors) count: holding a case does not stop its window.
    pub fn is_overdue(&self, state: ReadingState, screened_on: Date, today: Date) -> bool {
        state != ReadingState::Concluded && screened_on < self.overdue_before(today)
    }
}

labelled_enum! {
    /// Who or what an unfinished case is waiting on, for the office's list of overdue
    /// cases.
    pub enum CaseHolder ("case holder") {
        /// Deferred by a reader until the office unflags it.
        Deferred => ("deferred", "Deferred by"),
        /// Held until prior mammograms arrive (or are marked not available or not needed).
        AwaitingPriors => ("awaiting_priors", "Awaiting prior mammograms requested by"),
        /// Open in a reader's session.
        Claimed => ("claimed", "Claimed by"),
        /// A read is in and may still be changed by its reader.
        AwaitingFinalisation => ("awaiting_finalisation", "Awaiting finalisation of a read by"),
        /// Nobody: waiting in the reading or arbitration queue.
        Queue => ("queue", "Nobody: waiting to be read"),
    }
}

/// Who holds an unfinished case: a deferral first (it holds the case whatever else does),
/// then a request for priors, then a live claim by a reader (one whose time has not run
/// out at `now`), then a read awaiting finalisation; otherwise nobody.
pub fn case_holder(
    state: ReadingState,
    held: Option<&str>,
    claimed_until: Option<OffsetDateTime>,
    now: OffsetDateTime,
) -> CaseHolder {
    match held {
        Some("deferred") => CaseHolder::Deferred,
        Some(_) => CaseHolder::AwaitingPriors,
        None if claimed_until.is_some_and(|until| until > now) => CaseHolder::Claimed,
        None if state == ReadingState::AwaitingFinalisation => CaseHolder::AwaitingFinalisation,
        None => CaseHolder::Queue,
    }
}

// ---------------------------------------------------------------------------------------
// Sessions, holds and priors
// ---------------------------------------------------------------------------------------

labelled_enum! {
    /// What a reading session offers, oldest screening first.
    pub enum SessionKind ("session kind") {
        FirstReads => ("first_reads", "1st reads session"),
        SecondReads => ("second_reads", "2nd reads session"),
        /// Any case the reader can read, 1st or 2nd.
        Custom => ("custom", "Custom session"),
        /// Any case the reader can read from one clinic.
        Clinic => ("clinic", "Clinic session"),
        Arbitration => ("arbitration", "Arbitration session"),
    }
}

impl SessionKind {
    /// The case states this session offers.
    pub const fn states(self) -> &'static [ReadingState] {
        match self {
            SessionKind::FirstReads => &[ReadingState::AwaitingFirstRead],
            SessionKind::SecondReads => &[ReadingState::AwaitingSecondRead],
            SessionKind::Custom | SessionKind::Clinic => &[
                ReadingState::AwaitingFirstRead,
                ReadingState::AwaitingSecondRead,
            ],
            SessionKind::Arbitration => &[ReadingState::AwaitingArbitration],
        }
    }
}

/// The session sizes a reader can choose ("custom 10 / 25 / 50").
pub const SESSION_SIZES: [u8; 3] = [10, 25, 50];

/// Checks a chosen session size.
pub fn parse_session_size(input: &str) -> Result<u8, FieldError> {
    input
        .trim()
        .parse::<u8>()
        .ok()
        .filter(|n| SESSION_SIZES.contains(n))
        .ok_or_else(|| FieldError::new("size", "Select how many cases to read: 10, 25 or 50"))
}

labelled_enum! {
    /// What became of a case offered in a session.
    pub enum SessionResult ("session result") {
        Read => ("read", "Read"),
        Skipped => ("skipped", "Skipped"),
        Deferred => ("deferred", "Deferred"),
        PriorsRequested => ("priors_requested", "Priors requested"),
        Arbitrated => ("arbitrated", "Arbitrated"),
    }
}

impl SessionResult {
    /// Whether the case counts towards the session's size. A skipped case does not: the
    /// reader gets another in its place.
    pub const fn counts_as_done(self) -> bool {
        !matches!(self, SessionResult::Skipped)
    }
}

labelled_enum! {
    /// Where a case's prior mammograms are (the 2026-06 post).
    #[derive(Default)]
    pub enum PriorsStatus ("priors status") {
        #[default]
        NotRequested => ("not_requested", "Not requested"),
        /// A reader asked for them: the office is to request them.
        PriorsRequired => ("priors_required", "Priors required"),
        Requested => ("requested", "Requested"),
        Received => ("received", "Received"),
        NotAvailable => ("not_available", "Not available"),
        NotNeeded => ("not_needed", "Not needed"),
    }
}

impl PriorsStatus {
    /// Whether the case is held back from reading while its priors are awaited.
    pub const fn holds_case(self) -> bool {
        matches!(self, PriorsStatus::PriorsRequired | PriorsStatus::Requested)
    }

    /// The statuses the office may move a case to from this one.
    pub const fn next(self) -> &'static [PriorsStatus] {
        match self {
            PriorsStatus::PriorsRequired => &[
                PriorsStatus::Requested,
                PriorsStatus::NotAvailable,
                PriorsStatus::NotNeeded,
            ],
            PriorsStatus::Requested => &[PriorsStatus::Received, PriorsStatus::NotAvailable],
            PriorsStatus::NotRequested
            | PriorsStatus::Received
            | PriorsStatus::NotAvailable
            | PriorsStatus::NotNeeded => &[],
        }
    }

    /// Whether a reader may ask for priors now.
    pub const fn can_request(self) -> bool {
        !self.holds_case()
    }
}

/// Checks the reason a reader gives for deferring a case ("Reason for deferring").
pub fn validate_deferral_reason(reason: &str) -> Result<String, FieldError> {
    let reason = reason.trim();
    if reason.is_empty() {
        Err(FieldError::new(
            "reason",
            "Enter the reason for deferring this case",
        ))
    } else if reason.chars().count() > 1000 {
        Err(FieldError::new(
            "reason",
            "Reason for deferring must be 1000 characters or fewer",
        ))
    } else {
        Ok(reason.to_owned())
    }
}

/// Checks the optional reason a reader gives when requesting priors.
pub fn validate_priors_reason(reason: &str) -> Result<String, FieldError> {
    let reason = reason.trim();
    if reason.chars().count() > 1000 {
        Err(FieldError::new(
            "reason",
            "Reason for requesting priors must be 1000 characters or fewer",
        ))
    } else {
        Ok(reason.to_owned())
    }
}

// ---------------------------------------------------------------------------------------
// Performance
// ---------------------------------------------------------------------------------------

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
    use time::macros::{date, datetime};

    const A: ReaderId = ReaderId(1);
    const B: ReaderId = ReaderId(2);
    const C: ReaderId = ReaderId(3);
    const T0: OffsetDateTime = datetime!(2026-03-02 09:00 UTC);

    fn details() -> Opinion {
        Opinion::NormalWithDetails {
            details: "Benign calcification noted".into(),
            symptoms_acknowledged: false,
        }
    }

    fn recall(reason: TechnicalRecallReason, details: &str, views: &[View]) -> Opinion {
        Opinion::TechnicalRecall {
            views: views
                .iter()
                .map(|&view| RecalledView {
                    view,
                    reason,
                    details: details.into(),
                })
                .collect(),
        }
    }

    fn tr(views: &[View]) -> Opinion {
        recall(TechnicalRecallReason::ImageBlurred, "", views)
    }

    fn note(concern: LevelOfConcern) -> Annotation {
        Annotation {
            location: Location::Text { text: "UOQ".into() },
            abnormality: AbnormalityType::IllDefinedMass,
            abnormality_description: String::new(),
            concern,
            comment: String::new(),
        }
    }

    fn abnormal(notes: Vec<Annotation>) -> BreastAssessment {
        BreastAssessment::Abnormal { annotations: notes }
    }

    fn ra(right: BreastAssessment, left: BreastAssessment) -> Opinion {
        Opinion::RecallForAssessment { right, left }
    }

    fn ra_right() -> Opinion {
        ra(
            abnormal(vec![note(LevelOfConcern::Suspicious)]),
            BreastAssessment::Normal,
        )
    }

    fn read(reader: ReaderId, opinion: Opinion, at: OffsetDateTime) -> Read {
        Read {
            reader_id: reader,
            opinion,
            at,
            finalised_early: false,
            given_blind: true,
        }
    }

    fn case(first: Option<Read>, second: Option<Read>) -> CaseReads {
        CaseReads {
            first,
            second,
            arbitration: None,
        }
    }

    fn rules(delay_minutes: i64) -> ReadingRules {
        ReadingRules {
            finalisation: FinalisationPolicy {
                delay: Duration::minutes(delay_minutes),
            },
            ..ReadingRules::default()
        }
    }

    fn fields(result: Result<(), Vec<FieldError>>) -> Vec<String> {
        result
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.field.into_owned())
            .collect()
    }

    #[test]
    fn labels_match_the_reference() {
        assert_eq!(OPINION_QUESTION, "What is your opinion of these images?");
        assert_eq!(CONFIRM_OPINION, "Confirm your opinion");
        assert_eq!(TechnicalRecallReason::Other.label(), "Other reason");
        assert_eq!(
            AssessmentCategory::NormalSymptomsNeedAssessment.label(),
            "Normal, symptoms need clinical assessment"
        );
        assert_eq!(
            LevelOfConcern::HighlySuspicious.label(),
            "5 - Highly suspicious"
        );
        assert_eq!(LevelOfConcern::Normal.label(), "1 - Normal");
        assert_eq!(ReadingState::AwaitingFirstRead.label(), "Awaiting 1st read");
        assert_eq!(DueStatus::DueSoon.label(), "Due soon");
        for (i, level) in LevelOfConcern::ALL.iter().enumerate() {
            assert_eq!(usize::from(level.level()), 5 - i);
            assert_eq!(level.as_str().parse::<LevelOfConcern>(), Ok(*level));
        }
        for kind in OpinionKind::ALL {
            assert_eq!(kind.as_str().parse::<OpinionKind>(), Ok(*kind));
        }
        assert_eq!(
            ArbitrationPolicy::default(),
            ArbitrationPolicy::DiscordantOnly
        );
    }

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
    fn opinion_validation() {
        use BreastAssessment as BA;
        use LevelOfConcern as L;
        use TechnicalRecallReason as R;
        let plain = ReadingContext::default();
        let symptoms = ReadingContext {
            has_significant_symptoms: true,
        };
        let mut other = note(L::Suspicious);
        other.abnormality = AbnormalityType::Other;
        let mark = |view, x, y| Annotation {
            location: Location::Mark { view, x, y },
            ..note(L::Suspicious)
        };
        let table: Vec<(&str, Opinion, ReadingContext, Vec<&str>)> = vec![
            (
                "normal, symptoms not acknowledged",
                Opinion::normal(),
                symptoms,
                vec!["symptoms_acknowledged"],
            ),
            ("normal", Opinion::normal(), plain, vec![]),
            ("details given", details(), plain, vec![]),
            (
                "blank details",
                Opinion::NormalWithDetails {
                    details: "  ".into(),
                    symptoms_acknowledged: false,
                },
                plain,
                vec!["details"],
            ),
            (
                "symptoms not acknowledged",
                details(),
                symptoms,
                vec!["symptoms_acknowledged"],
            ),
            (
                "symptoms acknowledged",
                Opinion::NormalWithDetails {
                    details: "Seen".into(),
                    symptoms_acknowledged: true,
                },
                symptoms,
                vec![],
            ),
            ("no views", tr(&[]), plain, vec!["views"]),
            ("one view", tr(&[View::Lmloid]), plain, vec![]),
            (
                "view twice",
                tr(&[View::Rcc, View::Rcc]),
                plain,
                vec!["views"],
            ),
            (
                "other reason blank",
                recall(R::Other, "", &[View::Lcc]),
                plain,
                vec!["lcc_details"],
            ),
            (
                "other reason given",
                recall(R::Other, "Hair", &[View::Lcc]),
                plain,
                vec![],
            ),
            (
                "both normal",
                ra(BA::Normal, BA::Normal),
                plain,
                vec!["right"],
            ),
            (
                "symptoms both sides",
                ra(
                    BA::NormalSymptomsNeedAssessment,
                    BA::NormalSymptomsNeedAssessment,
                ),
                plain,
                vec![],
            ),
            ("abnormal right", ra_right(), plain, vec![]),
            (
                "no annotations",
                ra(abnormal(vec![]), BA::Normal),
                plain,
                vec!["right_annotations"],
            ),
            (
                "all annotations below 3",
                ra(BA::Normal, abnormal(vec![note(L::Benign), note(L::Normal)])),
                plain,
                vec!["left_annotations"],
            ),
            (
                "one annotation at 3 is enough",
                ra(
                    abnormal(vec![note(L::Benign), note(L::Indeterminate)]),
                    BA::Normal,
                ),
                plain,
                vec![],
            ),
            (
                "other abnormality undescribed",
                ra(abnormal(vec![other.clone()]), BA::Normal),
                plain,
                vec!["right_annotation_1_abnormality_description"],
            ),
            (
                "blank text location",
                ra(
                    BA::Normal,
                    abnormal(vec![
                        note(L::Suspicious),
                        Annotation {
                            location: Location::Text { text: " ".into() },
                            ..note(L::Suspicious)
                        },
                    ]),
                ),
                plain,
                vec!["left_annotation_2_location"],
            ),
            (
                "mark on the right breast",
                ra(abnormal(vec![mark(View::Rmlo, 0.5, 0.1)]), BA::Normal),
                plain,
                vec![],
            ),
            (
                "mark on the other breast",
                ra(abnormal(vec![mark(View::Lcc, 0.5, 0.5)]), BA::Normal),
                plain,
                vec!["right_annotation_1_location"],
            ),
            (
                "mark outside the image",
                ra(abnormal(vec![mark(View::Rcc, 1.2, 0.5)]), BA::Normal),
                plain,
                vec!["right_annotation_1_location"],
            ),
            (
                "several problems in form order",
                ra(
                    abnormal(vec![]),
                    abnormal(vec![Annotation {
                        concern: L::Benign,
                        ..other
                    }]),
                ),
                plain,
                vec![
                    "right_annotations",
                    "left_annotations",
                    "left_annotation_1_abnormality_description",
                ],
            ),
        ];
        for (name, opinion, context, want) in table {
            assert_eq!(fields(opinion.validate(&context)), want, "{name}");
        }
        let both_normal = ra(BA::Normal, BA::Normal).validate(&plain).unwrap_err();
        assert!(
            both_normal[0]
                .message
                .starts_with("Both breasts cannot be normal")
        );
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

    #[test]
    #[allow(clippy::type_complexity)]
    fn outcome_table() {
        use Completeness::*;
        use EpisodeOutcome as O;
        use EpisodeStage as S;
        use EpisodeType::*;
        use FollowUpNeeded as F;
        let screened = date!(2026 - 03 - 02);
        let both = ra(
            BreastAssessment::NormalSymptomsNeedAssessment,
            abnormal(vec![note(LevelOfConcern::Suspicious)]),
        );
        let views = || F::TechnicalRecall {
            views: vec![View::Rcc, View::Lmlo],
        };
        let table: Vec<(
            Opinion,
            EpisodeType,
            Completeness,
            O,
            Option<Date>,
            Vec<F>,
            S,
        )> = vec![
            (
                Opinion::normal(),
                Routine,
                Complete,
                O::RoutineRecall,
                Some(date!(2029 - 03 - 02)),
                vec![],
                S::Closed,
            ),
            (
                details(),
                SelfReferral,
                Complete,
                O::RoutineRecall,
                Some(date!(2029 - 03 - 02)),
                vec![],
                S::Closed,
            ),
            (
                Opinion::normal(),
                VeryHighRisk,
                Complete,
                O::RoutineRecall,
                Some(date!(2027 - 03 - 02)),
                vec![],
                S::Closed,
            ),
            (
                Opinion::normal(),
                Routine,
                PartialMammography,
                O::PartialMammography,
                Some(date!(2029 - 03 - 02)),
                vec![],
                S::Closed,
            ),
            (
                details(),
                VeryHighRisk,
                PartialMammography,
                O::PartialMammography,
                Some(date!(2027 - 03 - 02)),
                vec![],
                S::Closed,
            ),
            (
                Opinion::normal(),
                Routine,
                ToBeRecalled,
                O::RecallForMoreImages,
                None,
                vec![F::MoreImages],
                S::Mammograms,
            ),
            (
                tr(&[View::Lmlo, View::Rcc]),
                Routine,
                Complete,
                O::TechnicalRecall,
                None,
                vec![views()],
                S::Mammograms,
            ),
            (
                tr(&[View::Lmlo, View::Rcc]),
                VeryHighRisk,
                PartialMammography,
                O::TechnicalRecall,
                None,
                vec![views()],
                S::Mammograms,
            ),
            (
                tr(&[View::Rcc, View::Lmlo]),
                Routine,
                ToBeRecalled,
                O::TechnicalRecall,
                None,
                vec![views(), F::MoreImages],
                S::Mammograms,
            ),
            (
                ra_right(),
                Routine,
                Complete,
                O::RecallForAssessment,
                None,
                vec![F::AssessmentReferral {
                    breasts: vec![Breast::Right],
                }],
                S::AtAssessment,
            ),
            (
                both.clone(),
                VeryHighRisk,
                PartialMammography,
                O::RecallForAssessment,
                None,
                vec![F::AssessmentReferral {
                    breasts: vec![Breast::Right, Breast::Left],
                }],
                S::AtAssessment,
            ),
            (
                both,
                SelfReferral,
                ToBeRecalled,
                O::RecallForAssessment,
                None,
                vec![
                    F::AssessmentReferral {
                        breasts: vec![Breast::Right, Breast::Left],
                    },
                    F::MoreImages,
                ],
                S::AtAssessment,
            ),
            (
                Opinion::normal(),
                Routine,
                NoImages,
                O::AttendedNotScreened,
                None,
                vec![],
                S::Closed,
            ),
        ];
        for (
            opinion,
            episode_type,
            completeness,
            episode_outcome,
            next_test_due,
            follow_up,
            stage,
        ) in table
        {
            assert_eq!(
                outcome(&opinion, episode_type, completeness, screened),
                ReadingOutcome {
                    episode_outcome,
                    next_test_due,
                    follow_up,
                    stage
                },
                "{:?} {episode_type:?} {completeness:?}",
                opinion.kind()
            );
        }
    }

    #[test]
    fn next_test_due_dates() {
        let table = [
            (
                date!(2024 - 02 - 29),
                EpisodeType::Routine,
                date!(2027 - 02 - 28),
            ),
            (
                date!(2024 - 02 - 29),
                EpisodeType::VeryHighRisk,
                date!(2025 - 02 - 28),
            ),
            (
                date!(2025 - 02 - 28),
                EpisodeType::Routine,
                date!(2028 - 02 - 28),
            ),
            (
                date!(2026 - 01 - 31),
                EpisodeType::Routine,
                date!(2029 - 01 - 31),
            ),
            (
                date!(2026 - 12 - 31),
                EpisodeType::VeryHighRisk,
                date!(2027 - 12 - 31),
            ),
        ];
        for (screened, episode_type, due) in table {
            let result = outcome(
                &Opinion::normal(),
                episode_type,
                Completeness::Complete,
                screened,
            );
            assert_eq!(
                result.next_test_due,
                Some(due),
                "{screened} {episode_type:?}"
            );
        }
    }

    #[test]
    fn adding_months_clamps_to_month_end() {
        let table = [
            (date!(2026 - 01 - 31), 1, date!(2026 - 02 - 28)),
            (date!(2028 - 01 - 31), 1, date!(2028 - 02 - 29)),
            (date!(2026 - 08 - 31), 1, date!(2026 - 09 - 30)),
            (date!(2026 - 03 - 31), 11, date!(2027 - 02 - 28)),
            (date!(2024 - 02 - 29), 48, date!(2028 - 02 - 29)),
            (date!(2026 - 11 - 15), 2, date!(2027 - 01 - 15)),
            (date!(2026 - 05 - 10), 0, date!(2026 - 05 - 10)),
            (Date::MAX, 12, Date::MAX),
        ];
        for (from, months, want) in table {
            assert_eq!(add_months(from, months), want, "{from} + {months}");
        }
    }

    #[test]
    fn due_status_table() {
        use DueStatus::*;
        let screened = date!(2026 - 03 - 02);
        let table = [
            (-1, 14, 5, 2, OnTime),
            (0, 14, 5, 2, OnTime),
            (8, 14, 5, 2, OnTime),
            (9, 14, 5, 2, DueSoon),
            (11, 14, 5, 2, DueSoon),
            (12, 14, 5, 2, Urgent),
            (14, 14, 5, 2, Urgent),
            (15, 14, 5, 2, Overdue),
            (40, 14, 5, 2, Overdue),
            (5, 10, 7, 3, DueSoon),
            (7, 10, 7, 3, Urgent),
            (6, 10, 7, 0, DueSoon),
            (10, 10, 7, 0, Urgent),
        ];
        for (days, window, soon, urgent, want) in table {
            let today = screened + Duration::days(days);
            assert_eq!(
                due_status(screened, today, window, soon, urgent),
                want,
                "day {days}"
            );
        }
        let defaults = ReadingWindow::default();
        assert_eq!(
            (
                defaults.window_days,
                defaults.due_soon_days,
                defaults.urgent_days
            ),
            (14, 5, 2)
        );
        assert_eq!(
            defaults.status(screened, screened + Duration::days(10)),
            DueSoon
        );
    }

    #[test]
    fn session_kinds_offer_these_states() {
        use ReadingState::*;
        let table: &[(SessionKind, &[ReadingState])] = &[
            (SessionKind::FirstReads, &[AwaitingFirstRead]),
            (SessionKind::SecondReads, &[AwaitingSecondRead]),
            (
                SessionKind::Custom,
                &[AwaitingFirstRead, AwaitingSecondRead],
            ),
            (
                SessionKind::Clinic,
                &[AwaitingFirstRead, AwaitingSecondRead],
            ),
            (SessionKind::Arbitration, &[AwaitingArbitration]),
        ];
        for (kind, states) in table {
            assert_eq!(kind.states(), *states, "{kind:?}");
        }
    }

    #[test]
    fn session_sizes_are_10_25_or_50() {
        let table = [
            ("10", Some(10)),
            ("25", Some(25)),
            (" 50 ", Some(50)),
            ("12", None),
            ("0", None),
            ("", None),
            ("fifty", None),
            ("-10", None),
            ("1000", None),
        ];
        for (input, want) in table {
            assert_eq!(parse_session_size(input).ok(), want, "{input:?}");
        }
    }

    #[test]
    fn only_skipping_leaves_a_session_place_open() {
        for result in SessionResult::ALL {
            assert_eq!(
                result.counts_as_done(),
                *result != SessionResult::Skipped,
                "{result:?}"
            );
        }
    }

    #[test]
    fn priors_move_from_required_to_requested_to_received_or_not_available() {
        use PriorsStatus::*;
        let table: &[(PriorsStatus, &[PriorsStatus], bool, bool)] = &[
            // status, may move to, holds the case, a reader may request
            (NotRequested, &[], false, true),
            (
                PriorsRequired,
                &[Requested, NotAvailable, NotNeeded],
                true,
                false,
            ),
            (Requested, &[Received, NotAvailable], true, false),
            (Received, &[], false, true),
            (NotAvailable, &[], false, true),
            (NotNeeded, &[], false, true),
        ];
        for (status, next, holds, can_request) in table {
            assert_eq!(status.next(), *next, "{status:?}");
            assert_eq!(status.holds_case(), *holds, "{status:?}");
            assert_eq!(status.can_request(), *can_request, "{status:?}");
        }
    }

    #[test]
    fn deferral_needs_a_reason_and_priors_may_have_one() {
        assert!(validate_deferral_reason("  ").is_err());
        assert_eq!(
            validate_deferral_reason("  MLOs swapped ").ok().as_deref(),
            Some("MLOs swapped")
        );
        assert!(validate_deferral_reason(&"x".repeat(1001)).is_err());
        assert_eq!(validate_priors_reason(" ").ok().as_deref(), Some(""));
        assert!(validate_priors_reason(&"x".repeat(1001)).is_err());
    }

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

    #[test]
    #[allow(clippy::type_complexity)]
    fn a_normal_opinion_on_significant_symptoms_needs_them_acknowledged() {
        let symptoms = ReadingContext {
            has_significant_symptoms: true,
        };
        let plain = ReadingContext::default();
        let normal = |ack: bool| Opinion::Normal {
            symptoms_acknowledged: ack,
        };
        let with_details = |ack: bool| Opinion::NormalWithDetails {
            details: "Benign calcification".into(),
            symptoms_acknowledged: ack,
        };
        // (opinion, significant symptoms) -> the fields refused.
        let table: Vec<(&str, Opinion, ReadingContext, Vec<&str>)> = vec![
            (
                "normal, symptoms, not acknowledged",
                normal(false),
                symptoms,
                vec!["symptoms_acknowledged"],
            ),
            (
                "normal, symptoms, acknowledged",
                normal(true),
                symptoms,
                vec![],
            ),
            ("normal, no symptoms", normal(false), plain, vec![]),
            (
                "normal, no symptoms, acknowledged anyway",
                normal(true),
                plain,
                vec![],
            ),
            (
                "details, symptoms, not acknowledged",
                with_details(false),
                symptoms,
                vec!["symptoms_acknowledged"],
            ),
            (
                "details, symptoms, acknowledged",
                with_details(true),
                symptoms,
                vec![],
            ),
            ("details, no symptoms", with_details(false), plain, vec![]),
            (
                "technical recall, symptoms",
                tr(&[View::Rcc]),
                symptoms,
                vec![],
            ),
            (
                "recall for assessment, symptoms",
                ra_right(),
                symptoms,
                vec![],
            ),
        ];
        for (name, opinion, context, want) in table {
            assert_eq!(fields(opinion.validate(&context)), want, "{name}");
        }
        let refused = normal(false).validate(&symptoms).unwrap_err();
        assert_eq!(refused[0].message, SYMPTOMS_NOT_ACKNOWLEDGED);
        // An arbitration that settles on a plain "Normal" is held to the same rule.
        let reads = case(
            Some(read(A, Opinion::normal(), T0)),
            Some(read(B, ra_right(), T0)),
        );
        let arbitration = Arbitration {
            arbitrators: vec![C],
            decision: ArbitrationDecision::Other(normal(false)),
            at: T0,
        };
        assert_eq!(
            fields(arbitration.validate(&reads, &symptoms)),
            vec!["symptoms_acknowledged"]
        );
        assert_eq!(normal(true).symptoms_acknowledged(), Some(true));
        assert_eq!(tr(&[View::Rcc]).symptoms_acknowledged(), None);
    }

    #[test]
    #[allow(clippy::type_complexity)]
    fn overdue_cases_are_past_their_window_whatever_holds_them() {
        use ReadingState::*;
        let window = ReadingWindow::default();
        let today = date!(2026 - 03 - 20);
        // (state, days since screening) -> overdue on `today` (window 14 days).
        let table: Vec<(ReadingState, i64, bool)> = vec![
            (AwaitingFirstRead, 0, false),
            (AwaitingFirstRead, 14, false),
            (AwaitingFirstRead, 15, true),
            (AwaitingSecondRead, 15, true),
            (AwaitingFinalisation, 30, true),
            (AwaitingArbitration, 15, true),
            (AwaitingArbitration, 13, false),
            (Concluded, 15, false),
            (Concluded, 90, false),
        ];
        for (state, days, want) in table {
            let screened = today - Duration::days(days);
            assert_eq!(
                window.is_overdue(state, screened, today),
                want,
                "{state:?}, {days} days"
            );
            // The same line as the "Overdue" tag.
            if state != Concluded {
                assert_eq!(
                    window.status(screened, today) == DueStatus::Overdue,
                    want,
                    "{state:?}, {days} days"
                );
            }
        }
        assert_eq!(window.overdue_before(today), date!(2026 - 03 - 06));
        let short = ReadingWindow {
            window_days: 7,
            due_soon_days: 3,
            urgent_days: 1,
        };
        assert!(short.is_overdue(AwaitingFirstRead, today - Duration::days(8), today));
        assert!(!short.is_overdue(AwaitingFirstRead, today - Duration::days(7), today));

        // Who holds it: deferral, then priors, then a live claim, then a pending read.
        let now = T0;
        let later = Some(T0 + Duration::minutes(5));
        let lapsed = Some(T0 - Duration::minutes(5));
        let table: Vec<(
            ReadingState,
            Option<&str>,
            Option<OffsetDateTime>,
            CaseHolder,
        )> = vec![
            (
                AwaitingFirstRead,
                Some("deferred"),
                later,
                CaseHolder::Deferred,
            ),
            (
                AwaitingSecondRead,
                Some("priors"),
                None,
                CaseHolder::AwaitingPriors,
            ),
            (AwaitingFirstRead, None, later, CaseHolder::Claimed),
            (AwaitingFirstRead, None, lapsed, CaseHolder::Queue),
            (
                AwaitingFinalisation,
                None,
                None,
                CaseHolder::AwaitingFinalisation,
            ),
            (AwaitingArbitration, None, later, CaseHolder::Claimed),
            (AwaitingArbitration, None, None, CaseHolder::Queue),
        ];
        for (state, held, claimed_until, want) in table {
            assert_eq!(
                case_holder(state, held, claimed_until, now),
                want,
                "{state:?} {held:?}"
            );
        }
    }
}
