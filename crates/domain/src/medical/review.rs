//! Sections of the page, marking them reviewed, and carrying items forward.

use super::*;

labelled_enum! {
    /// The sections of "Review medical information", in page order.
    pub enum MedicalSection ("medical information section") {
        MammogramHistory => ("mammogram_history", "Mammogram history"),
        MedicalHistory => ("medical_history", "Medical history"),
        Symptoms => ("symptoms", "Symptoms"),
        BreastFeatures => ("breast_features", "Breast features"),
        BreastDensityFactors => ("breast_density_factors", "Breast density factors"),
        OtherMedicalInformation => ("other_medical_information", "Other medical information"),
    }
}

impl MedicalSection {
    /// Whether items recorded in an earlier episode are carried forward into this section
    /// for confirmation. Density factors ("since last screening") and other medical
    /// information are asked afresh each time.
    pub const fn carries_forward(self) -> bool {
        matches!(
            self,
            MedicalSection::MammogramHistory
                | MedicalSection::MedicalHistory
                | MedicalSection::Symptoms
                | MedicalSection::BreastFeatures
        )
    }
}

labelled_enum! {
    /// A section's review status tag.
    pub enum SectionStatus ("section status") {
        ToReview => ("to_review", "To review"),
        Reviewed => ("reviewed", "Reviewed"),
    }
}

/// The status of `section` given the sections marked reviewed.
pub fn section_status(section: MedicalSection, reviewed: &[MedicalSection]) -> SectionStatus {
    if reviewed.contains(&section) {
        SectionStatus::Reviewed
    } else {
        SectionStatus::ToReview
    }
}

/// Whether every section is marked reviewed.
pub fn all_reviewed(reviewed: &[MedicalSection]) -> bool {
    MedicalSection::ALL.iter().all(|s| reviewed.contains(s))
}

// ---------------------------------------------------------------------------------------------
// Carry-forward
// ---------------------------------------------------------------------------------------------

/// An item recorded in an earlier episode, shown again for the mammographer to confirm,
/// update or remove (rather than asking from zero).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CarriedForward<T> {
    /// The item as last recorded.
    pub item: T,
    /// When it was last recorded (or updated).
    pub recorded_on: Date,
    /// Whether it has been confirmed (or updated) in this appointment.
    pub confirmed: bool,
}

impl<T> CarriedForward<T> {
    /// An item carried forward from `recorded_on`, not yet confirmed.
    pub fn new(item: T, recorded_on: Date) -> Self {
        CarriedForward {
            item,
            recorded_on,
            confirmed: false,
        }
    }

    /// The participant confirms the item is still right.
    pub fn confirm(&mut self) {
        self.confirmed = true;
    }

    /// The item is corrected `on` a date; an update counts as confirmation.
    pub fn update(&mut self, item: T, on: Date) {
        self.item = item;
        self.recorded_on = on;
        self.confirmed = true;
    }
}

/// Why a section cannot be marked reviewed yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error(
    "Confirm, update or remove {} carried forward from a previous appointment before marking this section as reviewed",
    if *.unconfirmed == 1 { "the item".to_owned() } else { format!("the {} items", .unconfirmed) }
)]
pub struct SectionNotReviewable {
    /// How many carried-forward items are still unconfirmed.
    pub unconfirmed: usize,
}

/// A section may be marked reviewed only when every item carried forward into it has been
/// confirmed or updated (removed items are simply no longer in `items`).
pub fn section_reviewable<T>(items: &[CarriedForward<T>]) -> Result<(), SectionNotReviewable> {
    let unconfirmed = items.iter().filter(|i| !i.confirmed).count();
    if unconfirmed == 0 {
        Ok(())
    } else {
        Err(SectionNotReviewable { unconfirmed })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::medical::test_support::TODAY;
    use time::macros::date;

    #[test]
    fn sections_and_review() {
        let table = [
            (MedicalSection::MammogramHistory, "Mammogram history", true),
            (MedicalSection::MedicalHistory, "Medical history", true),
            (MedicalSection::Symptoms, "Symptoms", true),
            (MedicalSection::BreastFeatures, "Breast features", true),
            (
                MedicalSection::BreastDensityFactors,
                "Breast density factors",
                false,
            ),
            (
                MedicalSection::OtherMedicalInformation,
                "Other medical information",
                false,
            ),
        ];
        assert_eq!(table.len(), MedicalSection::ALL.len());
        for ((section, label, carries), in_order) in table.iter().zip(MedicalSection::ALL) {
            assert_eq!(section, in_order);
            assert_eq!(section.label(), *label);
            assert_eq!(section.carries_forward(), *carries);
            assert_eq!(section.as_str().parse::<MedicalSection>(), Ok(*section));
        }
        assert_eq!(SectionStatus::ToReview.label(), "To review");
        assert_eq!(SectionStatus::Reviewed.label(), "Reviewed");

        let some = [MedicalSection::Symptoms, MedicalSection::MammogramHistory];
        assert_eq!(
            section_status(MedicalSection::Symptoms, &some),
            SectionStatus::Reviewed
        );
        assert_eq!(
            section_status(MedicalSection::BreastFeatures, &some),
            SectionStatus::ToReview
        );
        assert!(!all_reviewed(&[]));
        assert!(!all_reviewed(&some));
        assert!(!all_reviewed(&MedicalSection::ALL[1..]));
        assert!(all_reviewed(MedicalSection::ALL));
        let mut reversed = MedicalSection::ALL.to_vec();
        reversed.reverse();
        assert!(all_reviewed(&reversed));
    }

    #[test]
    fn carried_forward_reviewability() {
        let earlier = date!(2023 - 07 - 01);
        let fresh = || CarriedForward::new(Cysts::default(), earlier);
        let confirmed = || {
            let mut c = fresh();
            c.confirm();
            c
        };
        let updated = || {
            let mut c = fresh();
            c.update(
                Cysts {
                    treatment: Some(CystTreatment::NoTreatment),
                    ..Default::default()
                },
                TODAY,
            );
            c
        };
        // (items left in the section, unconfirmed count or None when reviewable)
        let table: Vec<(Vec<CarriedForward<Cysts>>, Option<usize>)> = vec![
            (vec![], None),
            (vec![fresh()], Some(1)),
            (vec![confirmed()], None),
            (vec![updated()], None),
            (vec![confirmed(), fresh(), updated(), fresh()], Some(2)),
        ];
        for (items, unconfirmed) in table {
            let result = section_reviewable(&items);
            assert_eq!(
                result.err().map(|e| e.unconfirmed),
                unconfirmed,
                "{items:?}"
            );
        }
        let u = updated();
        assert_eq!(u.recorded_on, TODAY);
        assert_eq!(u.item.treatment, Some(CystTreatment::NoTreatment));
        assert_eq!(
            SectionNotReviewable { unconfirmed: 1 }.to_string(),
            "Confirm, update or remove the item carried forward from a previous appointment \
             before marking this section as reviewed"
        );
        assert_eq!(
            SectionNotReviewable { unconfirmed: 3 }.to_string(),
            "Confirm, update or remove the 3 items carried forward from a previous appointment \
             before marking this section as reviewed"
        );
    }
}
