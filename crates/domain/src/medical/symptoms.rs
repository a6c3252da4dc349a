//! Symptoms and which are highlighted to image readers.

use super::*;

/// The question asked for symptoms that are not significant by default.
pub const HIGHLIGHT_QUESTION: &str = "Should this symptom be highlighted to image readers?";

labelled_enum! {
    /// The symptom types, as on the buttons that add them.
    pub enum SymptomType ("symptom type") {
        Lump => ("lump", "Lump"),
        SwellingOrShapeChange => ("swelling_or_shape_change", "Swelling or shape change"),
        SkinChange => ("skin_change", "Skin change"),
        NippleChange => ("nipple_change", "Nipple change"),
        BreastPain => ("breast_pain", "Breast pain"),
        Other => ("other", "Other"),
    }
}

labelled_enum! {
    /// The kinds of skin change.
    pub enum SkinChange ("skin change") {
        SoresOrCysts => ("sores_or_cysts", "Sores or cysts"),
        DimplesOrIndentation => ("dimples_or_indentation", "Dimples or indentation"),
        Rash => ("rash", "Rash"),
        ColourChange => ("colour_change", "Colour change"),
        Other => ("other", "Other"),
    }
}

labelled_enum! {
    /// The kinds of nipple change.
    pub enum NippleChange ("nipple change") {
        BloodyDischarge => ("bloody_discharge", "Bloody discharge"),
        OtherDischarge => ("other_discharge", "Other discharge"),
        Inversion => ("inversion", "Inversion"),
        RashOrEczema => ("rash_or_eczema", "Rash or eczema"),
        ShapeChange => ("shape_change", "Shape change"),
        ColourChange => ("colour_change", "Colour change"),
        Other => ("other", "Other"),
    }
}

/// A symptom's type with the kind of skin or nipple change. The description of an "Other"
/// symptom, skin change or nipple change is [`Symptom::description`].
/// Stored as `{"type": "skin_change", "change": "rash"}` or `{"type": "lump"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", content = "change", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum SymptomKind {
    /// "Lump".
    Lump,
    /// "Swelling or shape change".
    SwellingOrShapeChange,
    /// "Skin change", with its kind.
    SkinChange(SkinChange),
    /// "Nipple change", with its kind.
    NippleChange(NippleChange),
    /// "Breast pain".
    BreastPain,
    /// "Other" (described in [`Symptom::description`]).
    Other,
}

impl SymptomKind {
    /// The symptom type.
    pub const fn symptom_type(self) -> SymptomType {
        match self {
            SymptomKind::Lump => SymptomType::Lump,
            SymptomKind::SwellingOrShapeChange => SymptomType::SwellingOrShapeChange,
            SymptomKind::SkinChange(_) => SymptomType::SkinChange,
            SymptomKind::NippleChange(_) => SymptomType::NippleChange,
            SymptomKind::BreastPain => SymptomType::BreastPain,
            SymptomKind::Other => SymptomType::Other,
        }
    }

    /// Lump, swelling or shape change, skin change and nipple change are significant by
    /// default and always highlighted to image readers.
    pub const fn significant_by_default(self) -> bool {
        !matches!(self, SymptomKind::BreastPain | SymptomKind::Other)
    }

    /// Whether the form asks [`HIGHLIGHT_QUESTION`] (breast pain and other).
    pub const fn asks_highlight(self) -> bool {
        !self.significant_by_default()
    }

    /// Whether the symptom must be described: "Other", or an "Other" skin or nipple change.
    pub const fn needs_description(self) -> bool {
        matches!(
            self,
            SymptomKind::Other
                | SymptomKind::SkinChange(SkinChange::Other)
                | SymptomKind::NippleChange(NippleChange::Other)
        )
    }

    /// "Lump", "Skin change (rash)", "Nipple change (bloody discharge)".
    pub fn label(self) -> String {
        match self {
            SymptomKind::SkinChange(c) => {
                format!("{} ({})", self.symptom_type(), c.label().to_lowercase())
            }
            SymptomKind::NippleChange(c) => {
                format!("{} ({})", self.symptom_type(), c.label().to_lowercase())
            }
            _ => self.symptom_type().label().to_owned(),
        }
    }
}

labelled_enum! {
    /// Where a symptom is.
    pub enum SymptomArea ("symptom area") {
        Right => ("right", "Right"),
        Left => ("left", "Left"),
        Both => ("both", "Both"),
        Other => ("other", "Other"),
    }
}

/// When a symptom started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum SymptomStarted {
    /// "Less than 3 months".
    #[serde(rename = "less_than_3_months")]
    LessThan3Months,
    /// "3 months to a year".
    #[serde(rename = "3_months_to_a_year")]
    ThreeMonthsToAYear,
    /// "1 to 3 years".
    #[serde(rename = "1_to_3_years")]
    OneToThreeYears,
    /// "Over 3 years".
    #[serde(rename = "over_3_years")]
    OverThreeYears,
    /// "Since a specific date" (never in the future).
    #[serde(rename = "since_date")]
    SinceDate(Date),
    /// "Not known".
    #[serde(rename = "not_known")]
    NotKnown,
}

impl SymptomStarted {
    /// The answer's label.
    pub const fn label(&self) -> &'static str {
        match self {
            SymptomStarted::LessThan3Months => "Less than 3 months",
            SymptomStarted::ThreeMonthsToAYear => "3 months to a year",
            SymptomStarted::OneToThreeYears => "1 to 3 years",
            SymptomStarted::OverThreeYears => "Over 3 years",
            SymptomStarted::SinceDate(_) => "Since a specific date",
            SymptomStarted::NotKnown => "Not known",
        }
    }

    /// The label, or "Since 1 March 2026" for a date.
    pub fn describe(&self) -> String {
        match self {
            SymptomStarted::SinceDate(date) => format!("Since {}", format_date(*date)),
            other => other.label().to_owned(),
        }
    }
}

/// A symptom the participant reports, or a clinical sign the mammographer notices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Symptom {
    /// What it is.
    pub kind: SymptomKind,
    /// A description (required when [`SymptomKind::needs_description`]).
    #[serde(default)]
    pub description: String,
    /// Where it is (required).
    #[serde(default)]
    pub area: Option<SymptomArea>,
    /// Where, for area "Other" (required then).
    #[serde(default)]
    pub area_description: String,
    /// When it started (required, except for a mammographer-noted sign, where an
    /// unanswered question means not known).
    #[serde(default)]
    pub started: Option<SymptomStarted>,
    /// It comes and goes.
    #[serde(default)]
    pub intermittent: bool,
    /// It has recently resolved.
    #[serde(default)]
    pub recently_resolved: bool,
    /// It has been investigated.
    #[serde(default)]
    pub investigated: bool,
    /// How it was investigated (required when investigated).
    #[serde(default)]
    pub investigation_details: String,
    /// The answer to [`HIGHLIGHT_QUESTION`] (required for breast pain and other; ignored
    /// for the kinds that are always highlighted).
    #[serde(default)]
    pub highlight_to_readers: Option<bool>,
    /// A "Mammographer-noted sign" rather than a participant-reported symptom.
    #[serde(default)]
    pub noted_by_mammographer_as_clinical_sign: bool,
    /// Anything else relevant (optional).
    #[serde(default)]
    pub details: String,
}

impl Symptom {
    /// A symptom of `kind` with nothing else answered yet.
    pub fn new(kind: SymptomKind) -> Self {
        Symptom {
            kind,
            description: String::new(),
            area: None,
            area_description: String::new(),
            started: None,
            intermittent: false,
            recently_resolved: false,
            investigated: false,
            investigation_details: String::new(),
            highlight_to_readers: None,
            noted_by_mammographer_as_clinical_sign: false,
            details: String::new(),
        }
    }

    /// Checks the description, area, when it started (not required for a mammographer-noted
    /// sign; a date must not be in the future), investigation details and the highlight answer.
    pub fn validate(&self, today: Date) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::default();
        if self.kind.needs_description() && is_blank(&self.description) {
            e.add("description", "Describe the symptom");
        }
        match self.area {
            None => e.add("area", "Select where the symptom is"),
            Some(SymptomArea::Other) if is_blank(&self.area_description) => {
                e.add("area_description", "Describe where the symptom is")
            }
            Some(_) => {}
        }
        match self.started {
            None if !self.noted_by_mammographer_as_clinical_sign => {
                e.add("started", "Select when the symptom started, or 'Not known'")
            }
            Some(SymptomStarted::SinceDate(date)) if date > today => e.add(
                "started",
                "Date the symptom started must be today or in the past",
            ),
            _ => {}
        }
        if self.investigated && is_blank(&self.investigation_details) {
            e.add(
                "investigation_details",
                "Describe how the symptom was investigated",
            );
        }
        if self.kind.asks_highlight() && self.highlight_to_readers.is_none() {
            e.add(
                "highlight_to_readers",
                "Select whether this symptom should be highlighted to image readers",
            );
        }
        e.finish()
    }

    /// One line for lists: "Skin change (rash): Right; Less than 3 months; intermittent".
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        if self.kind.needs_description() && !is_blank(&self.description) {
            parts.push(self.description.trim().to_owned());
        }
        match self.area {
            Some(SymptomArea::Other) if !is_blank(&self.area_description) => {
                parts.push(self.area_description.trim().to_owned())
            }
            Some(area) => parts.push(area.label().to_owned()),
            None => {}
        }
        if let Some(started) = self.started {
            parts.push(started.describe());
        }
        for (flag, text) in [
            (self.intermittent, "intermittent"),
            (self.recently_resolved, "recently resolved"),
            (self.investigated, "investigated"),
            (
                self.noted_by_mammographer_as_clinical_sign,
                "mammographer-noted sign",
            ),
        ] {
            if flag {
                parts.push(text.to_owned());
            }
        }
        with_parts(&self.kind.label(), &parts)
    }
}

/// Whether a symptom is highlighted to image readers: always for lump, swelling or shape
/// change, skin change and nipple change; for breast pain and other, when the mammographer
/// answered "Yes" to [`HIGHLIGHT_QUESTION`].
pub fn is_significant(symptom: &Symptom) -> bool {
    symptom.kind.significant_by_default() || symptom.highlight_to_readers == Some(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::medical::test_support::{TODAY, fields, messages};
    use time::macros::date;

    fn symptom(kind: SymptomKind) -> Symptom {
        Symptom {
            area: Some(SymptomArea::Right),
            started: Some(SymptomStarted::LessThan3Months),
            ..Symptom::new(kind)
        }
    }

    #[test]
    fn significance_table() {
        use SymptomKind::*;
        // (kind, significant by default, asks the highlight question)
        let kinds = [
            (Lump, true),
            (SwellingOrShapeChange, true),
            (SkinChange(self::SkinChange::Rash), true),
            (SkinChange(self::SkinChange::Other), true),
            (NippleChange(self::NippleChange::BloodyDischarge), true),
            (NippleChange(self::NippleChange::Inversion), true),
            (BreastPain, false),
            (Other, false),
        ];
        for (kind, by_default) in kinds {
            assert_eq!(kind.significant_by_default(), by_default, "{kind:?}");
            assert_eq!(kind.asks_highlight(), !by_default, "{kind:?}");
            for (answer, expected) in [
                (None, by_default),
                (Some(true), true),
                (Some(false), by_default),
            ] {
                let s = Symptom {
                    highlight_to_readers: answer,
                    ..symptom(kind)
                };
                assert_eq!(is_significant(&s), expected, "{kind:?} {answer:?}");
            }
        }
    }

    #[test]
    fn symptom_validation_table() {
        use SymptomKind::*;
        let ok = symptom(Lump);
        let table: Vec<(Symptom, Vec<&str>)> = vec![
            (ok.clone(), vec![]),
            (Symptom::new(Lump), vec!["area", "started"]),
            (symptom(BreastPain), vec!["highlight_to_readers"]),
            (
                Symptom {
                    highlight_to_readers: Some(false),
                    ..symptom(BreastPain)
                },
                vec![],
            ),
            (
                Symptom {
                    highlight_to_readers: Some(true),
                    ..symptom(Other)
                },
                vec!["description"],
            ),
            (
                Symptom {
                    highlight_to_readers: Some(true),
                    description: "Itching".into(),
                    ..symptom(Other)
                },
                vec![],
            ),
            (
                symptom(SkinChange(self::SkinChange::Other)),
                vec!["description"],
            ),
            (
                symptom(NippleChange(self::NippleChange::Other)),
                vec!["description"],
            ),
            (
                symptom(NippleChange(self::NippleChange::ShapeChange)),
                vec![],
            ),
            (
                Symptom {
                    area: Some(SymptomArea::Other),
                    ..ok.clone()
                },
                vec!["area_description"],
            ),
            (
                Symptom {
                    area: Some(SymptomArea::Other),
                    area_description: "Left armpit".into(),
                    ..ok.clone()
                },
                vec![],
            ),
            (
                Symptom {
                    started: Some(SymptomStarted::SinceDate(date!(2026 - 07 - 16))),
                    ..ok.clone()
                },
                vec!["started"],
            ),
            (
                Symptom {
                    started: Some(SymptomStarted::SinceDate(TODAY)),
                    ..ok.clone()
                },
                vec![],
            ),
            (
                Symptom {
                    started: Some(SymptomStarted::NotKnown),
                    ..ok.clone()
                },
                vec![],
            ),
            (
                Symptom {
                    investigated: true,
                    ..ok.clone()
                },
                vec!["investigation_details"],
            ),
            (
                Symptom {
                    investigated: true,
                    investigation_details: "Ultrasound, 2025".into(),
                    ..ok.clone()
                },
                vec![],
            ),
            // A mammographer-noted sign need not say when it started.
            (
                Symptom {
                    started: None,
                    noted_by_mammographer_as_clinical_sign: true,
                    ..ok.clone()
                },
                vec![],
            ),
        ];
        for (s, expected) in table {
            assert_eq!(fields(s.validate(TODAY)), expected, "{s:?}");
        }
        assert_eq!(
            messages(symptom(Other).validate(TODAY)),
            [
                "Describe the symptom",
                "Select whether this symptom should be highlighted to image readers",
            ]
        );
    }

    #[test]
    fn symptom_labels_and_summaries() {
        assert_eq!(
            SymptomType::ALL
                .iter()
                .map(|t| t.label())
                .collect::<Vec<_>>(),
            [
                "Lump",
                "Swelling or shape change",
                "Skin change",
                "Nipple change",
                "Breast pain",
                "Other"
            ]
        );
        let started = [
            (SymptomStarted::LessThan3Months, "Less than 3 months"),
            (SymptomStarted::ThreeMonthsToAYear, "3 months to a year"),
            (SymptomStarted::OneToThreeYears, "1 to 3 years"),
            (SymptomStarted::OverThreeYears, "Over 3 years"),
            (
                SymptomStarted::SinceDate(date!(2026 - 03 - 01)),
                "Since 1 March 2026",
            ),
            (SymptomStarted::NotKnown, "Not known"),
        ];
        for (s, text) in started {
            assert_eq!(s.describe(), text);
        }
        let rash = Symptom {
            intermittent: true,
            noted_by_mammographer_as_clinical_sign: true,
            ..symptom(SymptomKind::SkinChange(SkinChange::Rash))
        };
        assert_eq!(
            rash.summary(),
            "Skin change (rash): Right; Less than 3 months; intermittent; mammographer-noted sign"
        );
        let other = Symptom {
            description: "Itching".into(),
            area: Some(SymptomArea::Other),
            area_description: "Under the arm".into(),
            started: None,
            ..symptom(SymptomKind::Other)
        };
        assert_eq!(other.summary(), "Other: Itching; Under the arm");
    }
}
