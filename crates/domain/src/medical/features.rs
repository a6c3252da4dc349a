//! Breast features, breast density factors and other medical information.

use super::*;

labelled_enum! {
    /// Visible features recorded so readers can tell them from findings.
    pub enum FeatureKind ("breast feature") {
        Mole => ("mole", "Mole"),
        Wart => ("wart", "Wart"),
        NonSurgicalScar => ("non_surgical_scar", "Non-surgical scar"),
        BruisingOrTrauma => ("bruising_or_trauma", "Bruising or trauma"),
        Other => ("other", "Other"),
    }
}

/// A feature on a breast, marked on the breast diagram or described.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BreastFeature {
    /// What it is.
    pub kind: FeatureKind,
    /// What the "Other" feature is (required then).
    #[serde(default)]
    pub description: String,
    /// Which breast.
    pub side: Side,
    /// Where on that breast's diagram: `(x, y)`, each from 0 to 1, from the top left of the
    /// diagram as drawn.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::point))]
    pub position: Option<(f32, f32)>,
    /// Where, in words (required when not marked on the diagram).
    #[serde(default)]
    pub location: String,
}

impl BreastFeature {
    /// Checks the feature is described when "Other" and is placed on the diagram (within it)
    /// or described in words.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::default();
        if self.kind == FeatureKind::Other && is_blank(&self.description) {
            e.add("description", "Describe the feature");
        }
        match self.position {
            Some((x, y)) if !((0.0..=1.0).contains(&x) && (0.0..=1.0).contains(&y)) => {
                e.add("position", "Mark the feature within the breast diagram")
            }
            None if is_blank(&self.location) => e.add(
                "position",
                "Mark the feature on the diagram or describe where it is",
            ),
            _ => {}
        }
        e.finish()
    }

    /// One line for lists: "Mole: Right breast, upper outer".
    pub fn summary(&self) -> String {
        let what = if self.kind == FeatureKind::Other && !is_blank(&self.description) {
            self.description.trim().to_owned()
        } else {
            self.kind.label().to_owned()
        };
        let mut text = format!("{what}: {} breast", self.side.label());
        if !is_blank(&self.location) {
            text.push_str(", ");
            text.push_str(self.location.trim());
        }
        text
    }
}

// ---------------------------------------------------------------------------------------------
// Breast density factors and other medical information
// ---------------------------------------------------------------------------------------------

/// Things that affect breast density.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DensityFactors {
    /// Has HRT been started since the last screening? (required when the form is saved)
    pub hrt_started_since_last_screening: Option<Answer3>,
    /// About the HRT (optional).
    pub hrt_details: String,
    /// Is the participant pregnant or breastfeeding? (required when the form is saved)
    pub pregnant_or_breastfeeding: Option<Answer3>,
    /// About the pregnancy or breastfeeding (optional).
    pub details: String,
}

impl DensityFactors {
    /// Checks both questions are answered (either may be "Not known").
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::default();
        if self.hrt_started_since_last_screening.is_none() {
            e.add(
                "hrt_started_since_last_screening",
                "Select whether they have started HRT since their last screening",
            );
        }
        if self.pregnant_or_breastfeeding.is_none() {
            e.add(
                "pregnant_or_breastfeeding",
                "Select whether they are pregnant or breastfeeding",
            );
        }
        e.finish()
    }
}

/// "Other medical information": free text.
pub type OtherMedicalInformation = String;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::medical::test_support::fields;

    #[test]
    fn breast_feature_validation_table() {
        let ok = BreastFeature {
            kind: FeatureKind::Mole,
            description: String::new(),
            side: Side::Left,
            position: Some((0.25, 0.8)),
            location: String::new(),
        };
        let table: Vec<(BreastFeature, Vec<&str>)> = vec![
            (ok.clone(), vec![]),
            (
                BreastFeature {
                    position: Some((0.0, 1.0)),
                    ..ok.clone()
                },
                vec![],
            ),
            (
                BreastFeature {
                    position: Some((1.01, 0.5)),
                    ..ok.clone()
                },
                vec!["position"],
            ),
            (
                BreastFeature {
                    position: Some((0.5, f32::NAN)),
                    ..ok.clone()
                },
                vec!["position"],
            ),
            (
                BreastFeature {
                    position: None,
                    ..ok.clone()
                },
                vec!["position"],
            ),
            (
                BreastFeature {
                    position: None,
                    location: "Upper outer quadrant".into(),
                    ..ok.clone()
                },
                vec![],
            ),
            (
                BreastFeature {
                    kind: FeatureKind::Other,
                    ..ok.clone()
                },
                vec!["description"],
            ),
            (
                BreastFeature {
                    kind: FeatureKind::Other,
                    description: "Tattoo".into(),
                    ..ok.clone()
                },
                vec![],
            ),
        ];
        for (f, expected) in table {
            assert_eq!(fields(f.validate()), expected, "{f:?}");
        }
        let tattoo = BreastFeature {
            kind: FeatureKind::Other,
            description: "Tattoo".into(),
            location: "below the nipple".into(),
            ..ok
        };
        assert_eq!(tattoo.summary(), "Tattoo: Left breast, below the nipple");
        assert_eq!(FeatureKind::NonSurgicalScar.label(), "Non-surgical scar");
        assert_eq!(FeatureKind::BruisingOrTrauma.label(), "Bruising or trauma");
    }

    #[test]
    fn density_factors_validation() {
        let table = [
            (
                DensityFactors::default(),
                vec![
                    "hrt_started_since_last_screening",
                    "pregnant_or_breastfeeding",
                ],
            ),
            (
                DensityFactors {
                    hrt_started_since_last_screening: Some(Answer3::NotKnown),
                    pregnant_or_breastfeeding: Some(Answer3::No),
                    ..Default::default()
                },
                vec![],
            ),
            (
                DensityFactors {
                    hrt_started_since_last_screening: Some(Answer3::Yes),
                    ..Default::default()
                },
                vec!["pregnant_or_breastfeeding"],
            ),
        ];
        for (d, expected) in table {
            assert_eq!(fields(d.validate()), expected, "{d:?}");
        }
    }
}
