//! Opinions: what a reader thinks of the images, and their validation.

use super::*;

labelled_enum! {
    /// The four answers to [`OPINION_QUESTION`].
    pub enum OpinionKind ("opinion") {
        Normal => ("normal", "Normal"),
        NormalWithDetails => ("normal_with_details", "Normal, but add details"),
        TechnicalRecall => ("technical_recall", "Technical recall"),
        RecallForAssessment => ("recall_for_assessment", "Recall for assessment"),
    }
}

labelled_enum! {
    /// What a reader's opinion in progress (before "Confirm your opinion") is for: their
    /// read, an arbitration's other outcome, or their part of a panel arbitration.
    pub enum DraftPurpose ("draft purpose") {
        Read => ("read", "Read"),
        Arbitration => ("arbitration", "Arbitration"),
        Panel => ("panel", "Panel arbitration"),
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reading::tests::*;

    #[test]
    fn draft_purposes_are_stored_as() {
        let table = [
            (DraftPurpose::Read, "read"),
            (DraftPurpose::Arbitration, "arbitration"),
            (DraftPurpose::Panel, "panel"),
        ];
        assert_eq!(DraftPurpose::ALL.len(), table.len());
        for (purpose, stored) in table {
            assert_eq!(purpose.as_str(), stored);
            assert_eq!(stored.parse::<DraftPurpose>(), Ok(purpose));
        }
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
}
