//! One appointment's medical information (the stored "medical" document).

use super::*;

impl<T> CarriedForward<T> {
    /// An item recorded (added) in this appointment `on` a date: nothing to confirm.
    pub fn recorded(item: T, on: Date) -> Self {
        CarriedForward {
            item,
            recorded_on: on,
            confirmed: true,
        }
    }
}

impl PreviousMammogram {
    /// Checks the answers ([`PreviousMammogram::validate`]) and, for a mammogram in the 6
    /// months before `today`, that a reason to continue is recorded: without one this
    /// appointment should not proceed (IR(ME)R), so it is not saved as going ahead.
    pub fn validate_for_appointment(&self, today: Date) -> Result<(), Vec<FieldError>> {
        let mut errors = self.validate(today).err().unwrap_or_default();
        // A blank reason is already refused by `validate`; here, no reason at all.
        if self.reason_to_continue.is_none() && self.within_six_months(today) {
            errors.extend(validate_reason_to_continue("").err());
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// Everything "Review medical information" records in one appointment, stored as the
/// appointment's "medical" document (with `all_reviewed` beside it, see
/// [`MedicalInformation::document`]) and copied to the participant when the appointment
/// finishes, to be carried into their next one ([`MedicalInformation::carried_from`]).
///
/// Decisions where the sources leave room:
///
/// - Symptoms carry forward, like mammogram history, medical history and breast features
///   ([`MedicalSection::carries_forward`]): the whole-person record keeps symptoms across
///   episodes (seed 2025-09) and history recorded once is confirmed, not asked from zero.
///   A symptom that has gone is simply removed; one still there is confirmed or updated
///   (for example when it started). So they are `CarriedForward<Symptom>`.
/// - The reason for continuing despite a mammogram in the last 6 months stays on the
///   mammogram ([`PreviousMammogram::reason_to_continue`]): there is no separate field.
/// - Answers that belong to one appointment are not carried forward: the reason to continue
///   (the rule is applied afresh), implant consent (asked at every appointment), breast
///   density factors ("since last screening"), other medical information and the review
///   marks.
/// - Items carried forward are not re-checked until they are confirmed (they were valid
///   when recorded); confirming one re-asserts it, so a confirmed item must pass today's
///   checks, including the six-month rule and implant consent.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MedicalInformation {
    /// "Mammogram history": previous mammograms the participant reports.
    pub mammograms: Vec<CarriedForward<PreviousMammogram>>,
    /// "Medical history".
    pub history: Vec<CarriedForward<MedicalHistoryItem>>,
    /// "Symptoms" (and mammographer-noted signs).
    pub symptoms: Vec<CarriedForward<Symptom>>,
    /// "Breast features".
    pub features: Vec<CarriedForward<BreastFeature>>,
    /// "Breast density factors" (`None` until the form is saved).
    pub density: Option<DensityFactors>,
    /// "Other medical information".
    pub other: OtherMedicalInformation,
    /// The sections marked reviewed, in page order.
    pub reviewed: Vec<MedicalSection>,
    /// Why the mammographer continued although the service's own record shows a screen in
    /// the last 6 months ([`MedicalInformation::six_month_rule_with_record`]). Belongs to
    /// this appointment: never carried forward.
    pub recorded_screen_reason_to_continue: Option<String>,
}

/// The stored form of [`MedicalInformation`]: its fields, plus `all_reviewed` for readers
/// of the document that do not apply the rules themselves (the workflow's step status).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MedicalDocument {
    /// The information.
    #[serde(flatten)]
    pub information: MedicalInformation,
    /// Whether every section is marked reviewed.
    #[serde(default)]
    pub all_reviewed: bool,
}

/// Carries the items of a section forward, or nothing when the section does not carry.
/// An item confirmed at the previous appointment was re-recorded then; one never confirmed
/// keeps the date it was recorded.
fn carry<T: Clone>(
    section: MedicalSection,
    items: &[CarriedForward<T>],
    recorded_on: Date,
    clean: impl Fn(T) -> T,
) -> Vec<CarriedForward<T>> {
    if !section.carries_forward() {
        return Vec::new();
    }
    items
        .iter()
        .map(|c| {
            let on = if c.confirmed {
                recorded_on
            } else {
                c.recorded_on.min(recorded_on)
            };
            CarriedForward::new(clean(c.item.clone()), on)
        })
        .collect()
}

/// Prefixes an item's field errors with where the item is: `history[2].location`.
fn prefixed(errors: &mut Vec<FieldError>, list: &str, index: usize, found: Vec<FieldError>) {
    errors.extend(found.into_iter().map(|e| FieldError {
        field: format!("{list}[{index}].{}", e.field).into(),
        message: e.message,
    }));
}

/// Checks the items of one list: the confirmed ones with `check`, and every item's date.
fn check_items<T>(
    errors: &mut Vec<FieldError>,
    list: &str,
    items: &[CarriedForward<T>],
    today: Date,
    check: impl Fn(&T) -> Result<(), Vec<FieldError>>,
) {
    for (i, c) in items.iter().enumerate() {
        if c.recorded_on > today {
            errors.push(FieldError::new(
                format!("{list}[{i}].recorded_on"),
                "Date recorded must be today or in the past",
            ));
        }
        if c.confirmed
            && let Err(found) = check(&c.item)
        {
            prefixed(errors, list, i, found);
        }
    }
}

impl MedicalInformation {
    /// The starting point of an appointment from the information saved by the participant's
    /// previous one (`recorded_on` being that appointment's date): the sections that carry
    /// forward come across unconfirmed, without the answers that belong to one appointment
    /// (reason to continue, implant consent); density factors, other information and the
    /// review marks start empty.
    pub fn carried_from(previous: &MedicalInformation, recorded_on: Date) -> MedicalInformation {
        MedicalInformation {
            mammograms: carry(
                MedicalSection::MammogramHistory,
                &previous.mammograms,
                recorded_on,
                |m| PreviousMammogram {
                    reason_to_continue: None,
                    ..m
                },
            ),
            history: carry(
                MedicalSection::MedicalHistory,
                &previous.history,
                recorded_on,
                |item| match item {
                    MedicalHistoryItem::BreastImplants(b) => {
                        MedicalHistoryItem::BreastImplants(BreastImplants { consent: None, ..b })
                    }
                    other => other,
                },
            ),
            symptoms: carry(
                MedicalSection::Symptoms,
                &previous.symptoms,
                recorded_on,
                |s| s,
            ),
            features: carry(
                MedicalSection::BreastFeatures,
                &previous.features,
                recorded_on,
                |f| f,
            ),
            density: None,
            other: String::new(),
            reviewed: Vec::new(),
            recorded_screen_reason_to_continue: None,
        }
    }

    /// The document to store: the information with `all_reviewed`.
    pub fn into_document(self) -> MedicalDocument {
        MedicalDocument {
            all_reviewed: self.all_reviewed(),
            information: self,
        }
    }

    /// The medical history items (confirmed or not).
    pub fn history_items(&self) -> impl Iterator<Item = &MedicalHistoryItem> + '_ {
        self.history.iter().map(|c| &c.item)
    }

    /// How many items a section holds (density factors and other information count as one
    /// when answered).
    pub fn item_count(&self, section: MedicalSection) -> usize {
        match section {
            MedicalSection::MammogramHistory => self.mammograms.len(),
            MedicalSection::MedicalHistory => self.history.len(),
            MedicalSection::Symptoms => self.symptoms.len(),
            MedicalSection::BreastFeatures => self.features.len(),
            MedicalSection::BreastDensityFactors => usize::from(self.density.is_some()),
            MedicalSection::OtherMedicalInformation => usize::from(!is_blank(&self.other)),
        }
    }

    /// Whether a section may be marked reviewed now ([`section_reviewable`] over its items).
    pub fn section_reviewable(&self, section: MedicalSection) -> Result<(), SectionNotReviewable> {
        match section {
            MedicalSection::MammogramHistory => section_reviewable(&self.mammograms),
            MedicalSection::MedicalHistory => section_reviewable(&self.history),
            MedicalSection::Symptoms => section_reviewable(&self.symptoms),
            MedicalSection::BreastFeatures => section_reviewable(&self.features),
            MedicalSection::BreastDensityFactors | MedicalSection::OtherMedicalInformation => {
                Ok(())
            }
        }
    }

    /// "Mark as reviewed": refused while items carried forward into the section are
    /// unconfirmed. Marking a reviewed section again changes nothing.
    pub fn mark_reviewed(&mut self, section: MedicalSection) -> Result<(), SectionNotReviewable> {
        self.section_reviewable(section)?;
        if !self.reviewed.contains(&section) {
            self.reviewed.push(section);
            self.reviewed.sort();
        }
        Ok(())
    }

    /// "Complete all and continue": marks every section reviewed, or, when any cannot be,
    /// changes nothing and says which and why.
    pub fn mark_all_reviewed(&mut self) -> Result<(), Vec<(MedicalSection, SectionNotReviewable)>> {
        let refused: Vec<_> = MedicalSection::ALL
            .iter()
            .filter_map(|s| self.section_reviewable(*s).err().map(|e| (*s, e)))
            .collect();
        if !refused.is_empty() {
            return Err(refused);
        }
        self.reviewed = MedicalSection::ALL.to_vec();
        Ok(())
    }

    /// A section's status tag ("To review" / "Reviewed").
    pub fn status(&self, section: MedicalSection) -> SectionStatus {
        section_status(section, &self.reviewed)
    }

    /// Whether every section is marked reviewed: the step is done.
    pub fn all_reviewed(&self) -> bool {
        all_reviewed(&self.reviewed)
    }

    /// Confirms the carried-forward item at `index` of a section; false when there is none.
    pub fn confirm(&mut self, section: MedicalSection, index: usize) -> bool {
        fn at<T>(items: &mut [CarriedForward<T>], index: usize) -> bool {
            items.get_mut(index).map(CarriedForward::confirm).is_some()
        }
        match section {
            MedicalSection::MammogramHistory => at(&mut self.mammograms, index),
            MedicalSection::MedicalHistory => at(&mut self.history, index),
            MedicalSection::Symptoms => at(&mut self.symptoms, index),
            MedicalSection::BreastFeatures => at(&mut self.features, index),
            _ => false,
        }
    }

    /// Removes the item at `index` of a section; false when there is none.
    pub fn remove(&mut self, section: MedicalSection, index: usize) -> bool {
        fn at<T>(items: &mut Vec<CarriedForward<T>>, index: usize) -> bool {
            if index < items.len() {
                items.remove(index);
                true
            } else {
                false
            }
        }
        match section {
            MedicalSection::MammogramHistory => at(&mut self.mammograms, index),
            MedicalSection::MedicalHistory => at(&mut self.history, index),
            MedicalSection::Symptoms => at(&mut self.symptoms, index),
            MedicalSection::BreastFeatures => at(&mut self.features, index),
            _ => false,
        }
    }

    /// The six-month rule over every reported mammogram, confirmed or not
    /// ([`mammogram_history_decision`]).
    pub fn six_month_rule(&self, today: Date) -> SixMonthRule {
        let mammograms: Vec<PreviousMammogram> =
            self.mammograms.iter().map(|c| c.item.clone()).collect();
        mammogram_history_decision(&mammograms, today)
    }

    /// The six-month rule over what the participant reports and the service's own record
    /// of her screens (at any provider): `ShouldNotProceed` while [`Self::six_month_rule`]
    /// says so, or while a recorded screen was less than 6 months before `today`
    /// ([`recent_recorded_screens`]) and no reason to continue has been recorded for it.
    pub fn six_month_rule_with_record(
        &self,
        today: Date,
        recorded: &[RecordedScreen],
    ) -> SixMonthRule {
        if self.six_month_rule(today) == SixMonthRule::ShouldNotProceed
            || (!recent_recorded_screens(recorded, today).is_empty()
                && !self.has_recorded_screen_reason())
        {
            SixMonthRule::ShouldNotProceed
        } else {
            SixMonthRule::Clear
        }
    }

    /// Whether a (non-blank) reason to continue despite a recent recorded screen is given.
    pub fn has_recorded_screen_reason(&self) -> bool {
        self.recorded_screen_reason_to_continue
            .as_deref()
            .is_some_and(|r| !is_blank(r))
    }

    /// [`Self::validate`], and the six-month rule over the service's own record: the
    /// mammogram history cannot be marked reviewed while a recorded screen in the last 6
    /// months has no reason to continue (`recorded_screen_reason_to_continue`), and a
    /// reason that was started must not be blank.
    pub fn validate_with_record(
        &self,
        today: Date,
        recorded: &[RecordedScreen],
    ) -> Result<(), Vec<FieldError>> {
        let mut errors = self.validate(today).err().unwrap_or_default();
        let recent = recent_recorded_screens(recorded, today);
        let reason = self.recorded_screen_reason_to_continue.as_deref();
        if reason.is_some_and(is_blank)
            || (!recent.is_empty()
                && !self.has_recorded_screen_reason()
                && self.reviewed.contains(&MedicalSection::MammogramHistory))
        {
            errors.push(FieldError::new(
                RECORDED_SCREEN_REASON_FIELD,
                match recent.first() {
                    Some(screen) => format!(
                        "Enter a reason for continuing with this appointment, as {} was less than 6 months ago",
                        screen.describe()
                    ),
                    None => "Enter a reason for continuing with this appointment".to_owned(),
                },
            ));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// The outcome of the implant consent question ([`implant_consent_outcome`]).
    pub fn implant_consent_outcome(&self) -> Option<ImplantConsentOutcome> {
        implant_consent_outcome(self.history_items())
    }

    /// The symptoms highlighted to image readers ([`is_significant`]).
    pub fn significant_symptoms(&self) -> Vec<&Symptom> {
        self.symptoms
            .iter()
            .map(|c| &c.item)
            .filter(|s| is_significant(s))
            .collect()
    }

    /// What the images step expects: a breast with no tissue remaining is not expected, nor
    /// is a breast with an implant when the participant consents only to the other one
    /// being scanned; implants in place make implant-displaced views likely.
    pub fn imaging_context(&self) -> crate::imaging::ImagingContext {
        use crate::imaging::{Breast, ImagingContext};
        let breast = |side: Side| match side {
            Side::Right => Breast::Right,
            Side::Left => Breast::Left,
        };
        let mut context = ImagingContext::default();
        for side in breasts_without_tissue(self.history_items()) {
            context = context.without(breast(side));
        }
        if let Some(ImplantConsentOutcome::ContinueWithOneBreast(only)) =
            self.implant_consent_outcome()
        {
            context = context.without(breast(only.other()));
        }
        if has_implants(self.history_items()) {
            context = context.with_implants();
        }
        context
    }

    /// Checks the whole document, naming each problem by where it is
    /// (`mammograms[0].reason_to_continue`, `history[1].right_procedure`,
    /// `density.pregnant_or_breastfeeding`, `reviewed`): every confirmed item (mammograms
    /// with the six-month rule), at most one breast implants entry, no date recorded in the
    /// future, the density factors when given, and no section marked reviewed that may not be.
    pub fn validate(&self, today: Date) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        check_items(&mut errors, "mammograms", &self.mammograms, today, |m| {
            m.validate_for_appointment(today)
        });
        check_items(&mut errors, "history", &self.history, today, |h| {
            h.validate(today)
        });
        let implants = self
            .history_items()
            .filter(|i| i.kind() == MedicalHistoryType::BreastImplants)
            .count();
        if implants > 1 {
            errors.push(FieldError::new(
                "history",
                "Breast implants or augmentation can only be recorded once: change the one recorded",
            ));
        }
        check_items(&mut errors, "symptoms", &self.symptoms, today, |s| {
            s.validate(today)
        });
        check_items(&mut errors, "features", &self.features, today, |f| {
            f.validate()
        });
        if let Some(Err(found)) = self.density.as_ref().map(DensityFactors::validate) {
            errors.extend(found.into_iter().map(|e| FieldError {
                field: format!("density.{}", e.field).into(),
                message: e.message,
            }));
        }
        for section in &self.reviewed {
            if let Err(e) = self.section_reviewable(*section) {
                errors.push(FieldError::new(
                    "reviewed",
                    format!("{}: {e}", section.label()),
                ));
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// The review marks in page order, each once.
    pub fn normalise(&mut self) {
        self.reviewed.sort();
        self.reviewed.dedup();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::imaging::{Breast, ImagingContext};
    use time::macros::date;

    const TODAY: Date = date!(2026 - 07 - 15);
    const LAST_TIME: Date = date!(2023 - 07 - 10);

    #[test]
    fn six_month_rule_uses_the_record_of_screens_at_any_provider() {
        let screen = |on: Date, this_provider: bool| RecordedScreen {
            screened_on: on,
            provider_name: "North Hills BSS".to_owned(),
            this_provider,
        };
        let reviewed = |reason: Option<&str>| MedicalInformation {
            reviewed: vec![MedicalSection::MammogramHistory],
            recorded_screen_reason_to_continue: reason.map(str::to_owned),
            ..Default::default()
        };
        // (screens on record, reason to continue, rule, error on the reason field)
        let table: Vec<(Vec<RecordedScreen>, Option<&str>, SixMonthRule, bool)> = vec![
            (vec![], None, SixMonthRule::Clear, false),
            // Nothing reported, but screened elsewhere 2 months ago: stop or give a reason.
            (
                vec![screen(date!(2026 - 05 - 15), false)],
                None,
                SixMonthRule::ShouldNotProceed,
                true,
            ),
            (
                vec![screen(date!(2026 - 05 - 15), true)],
                None,
                SixMonthRule::ShouldNotProceed,
                true,
            ),
            (
                vec![screen(date!(2026 - 05 - 15), false)],
                Some("Clinician agreed"),
                SixMonthRule::Clear,
                false,
            ),
            (
                vec![screen(date!(2026 - 05 - 15), false)],
                Some("  "),
                SixMonthRule::ShouldNotProceed,
                true,
            ),
            // Exactly six months ago (15 January) is clear; a day later is not.
            (
                vec![screen(date!(2026 - 01 - 15), false)],
                None,
                SixMonthRule::Clear,
                false,
            ),
            (
                vec![screen(date!(2026 - 01 - 16), false)],
                None,
                SixMonthRule::ShouldNotProceed,
                true,
            ),
            // An old screen and a recent one: the recent one counts.
            (
                vec![
                    screen(date!(2023 - 07 - 10), true),
                    screen(date!(2026 - 07 - 01), false),
                ],
                None,
                SixMonthRule::ShouldNotProceed,
                true,
            ),
            // A blank reason is refused even when no screen is recent.
            (vec![], Some(""), SixMonthRule::Clear, true),
        ];
        for (screens, reason, rule, error) in table {
            let info = reviewed(reason);
            assert_eq!(
                info.six_month_rule_with_record(TODAY, &screens),
                rule,
                "{screens:?} {reason:?}"
            );
            let errors: Vec<String> = info
                .validate_with_record(TODAY, &screens)
                .err()
                .unwrap_or_default()
                .into_iter()
                .map(|e| e.field.into_owned())
                .collect();
            assert_eq!(
                errors.contains(&RECORDED_SCREEN_REASON_FIELD.to_owned()),
                error,
                "{screens:?} {reason:?}: {errors:?}"
            );
        }
        // Before the mammogram history is marked reviewed, the document can be saved.
        let screens = vec![screen(date!(2026 - 05 - 15), false)];
        assert_eq!(
            MedicalInformation::default().validate_with_record(TODAY, &screens),
            Ok(())
        );
        // The message names where and when, and nothing else.
        let err = reviewed(None)
            .validate_with_record(TODAY, &screens)
            .unwrap_err();
        assert_eq!(
            err[0].message,
            "Enter a reason for continuing with this appointment, as a screen at North Hills BSS on 15 May 2026 was less than 6 months ago"
        );
        assert_eq!(
            screen(date!(2026 - 05 - 15), true).describe(),
            "a screen at this unit on 15 May 2026"
        );
        // The reason belongs to this appointment: not carried forward.
        let carried = MedicalInformation::carried_from(&reviewed(Some("Clinician agreed")), TODAY);
        assert_eq!(carried.recorded_screen_reason_to_continue, None);
    }

    fn fields(result: Result<(), Vec<FieldError>>) -> Vec<String> {
        result
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.field.into_owned())
            .collect()
    }

    fn mammogram(when: MammogramWhen, reason: Option<&str>) -> PreviousMammogram {
        PreviousMammogram {
            location: MammogramLocation::ThisUnit,
            when,
            previous_name: None,
            details: String::new(),
            reason_to_continue: reason.map(str::to_owned),
        }
    }

    fn cysts() -> MedicalHistoryItem {
        MedicalHistoryItem::Cysts(Cysts {
            treatment: Some(CystTreatment::NoTreatment),
            details: String::new(),
        })
    }

    fn implants(
        right: Augmentation,
        left: Augmentation,
        consent: Option<ImplantConsent>,
    ) -> MedicalHistoryItem {
        MedicalHistoryItem::BreastImplants(BreastImplants {
            right: Some(right),
            left: Some(left),
            consent,
            ..Default::default()
        })
    }

    fn mastectomy(right: BreastProcedure, left: BreastProcedure) -> MedicalHistoryItem {
        MedicalHistoryItem::MastectomyOrLumpectomy(MastectomyOrLumpectomy {
            right_procedure: Some(right),
            left_procedure: Some(left),
            reason: Some(SurgeryReason::RiskReduction),
            ..Default::default()
        })
    }

    fn lump() -> Symptom {
        Symptom {
            area: Some(SymptomArea::Left),
            started: Some(SymptomStarted::OverThreeYears),
            ..Symptom::new(SymptomKind::Lump)
        }
    }

    fn pain(highlight: bool) -> Symptom {
        Symptom {
            area: Some(SymptomArea::Both),
            started: Some(SymptomStarted::NotKnown),
            highlight_to_readers: Some(highlight),
            ..Symptom::new(SymptomKind::BreastPain)
        }
    }

    fn mole() -> BreastFeature {
        BreastFeature {
            kind: FeatureKind::Mole,
            description: String::new(),
            side: Side::Right,
            position: None,
            location: "Upper outer".into(),
        }
    }

    /// What an earlier appointment saved: one item in every carrying section, some
    /// confirmed there, plus the answers that belong to that appointment only.
    fn previous() -> MedicalInformation {
        let mut unconfirmed_cysts = CarriedForward::new(cysts(), date!(2020 - 03 - 01));
        unconfirmed_cysts.confirmed = false;
        MedicalInformation {
            mammograms: vec![CarriedForward::recorded(
                mammogram(
                    MammogramWhen::ExactDate(date!(2023 - 05 - 01)),
                    Some("Clinician agreed"),
                ),
                LAST_TIME,
            )],
            history: vec![
                unconfirmed_cysts,
                CarriedForward::recorded(
                    implants(
                        Augmentation::Implants,
                        Augmentation::NoAugmentation,
                        Some(ImplantConsent::Yes),
                    ),
                    LAST_TIME,
                ),
            ],
            symptoms: vec![CarriedForward::recorded(lump(), LAST_TIME)],
            features: vec![CarriedForward::recorded(mole(), LAST_TIME)],
            density: Some(DensityFactors {
                hrt_started_since_last_screening: Some(Answer3::Yes),
                pregnant_or_breastfeeding: Some(Answer3::No),
                ..Default::default()
            }),
            other: "Uses a wheelchair".into(),
            reviewed: MedicalSection::ALL.to_vec(),
            recorded_screen_reason_to_continue: Some("Clinician agreed".into()),
        }
    }

    #[test]
    fn carried_forward_sections_come_across_unconfirmed_and_the_rest_empty() {
        let carried = MedicalInformation::carried_from(&previous(), LAST_TIME);
        assert_eq!(carried.mammograms.len(), 1);
        assert_eq!(carried.history.len(), 2);
        assert_eq!(carried.symptoms.len(), 1);
        assert_eq!(carried.features.len(), 1);
        assert!(carried.mammograms.iter().all(|c| !c.confirmed));
        assert!(carried.history.iter().all(|c| !c.confirmed));
        assert!(carried.symptoms.iter().all(|c| !c.confirmed));
        assert!(carried.features.iter().all(|c| !c.confirmed));
        // Confirmed (or recorded) last time: dated then. Never confirmed: its own date.
        assert_eq!(carried.mammograms[0].recorded_on, LAST_TIME);
        assert_eq!(carried.history[0].recorded_on, date!(2020 - 03 - 01));
        // What belongs to one appointment does not come across.
        assert_eq!(carried.mammograms[0].item.reason_to_continue, None);
        match &carried.history[1].item {
            MedicalHistoryItem::BreastImplants(b) => assert_eq!(b.consent, None),
            other => panic!("{other:?}"),
        }
        assert_eq!(carried.density, None);
        assert_eq!(carried.other, "");
        assert!(carried.reviewed.is_empty());
        assert!(!carried.all_reviewed());
        for section in MedicalSection::ALL {
            assert_eq!(
                carried.item_count(*section) > 0,
                section.carries_forward(),
                "{section:?}"
            );
        }
        // Nothing carries from nothing.
        assert_eq!(
            MedicalInformation::carried_from(&MedicalInformation::default(), LAST_TIME),
            MedicalInformation::default()
        );
    }

    #[test]
    fn reviewing_needs_every_carried_item_confirmed_updated_or_removed() {
        let mut info = MedicalInformation::carried_from(&previous(), LAST_TIME);
        // Sections that never carry can always be reviewed.
        assert_eq!(
            info.mark_reviewed(MedicalSection::BreastDensityFactors),
            Ok(())
        );
        assert_eq!(
            info.mark_reviewed(MedicalSection::MedicalHistory),
            Err(SectionNotReviewable { unconfirmed: 2 })
        );
        assert_eq!(
            info.status(MedicalSection::MedicalHistory),
            SectionStatus::ToReview
        );
        // "Complete all and continue" changes nothing while any section is refused.
        let before = info.clone();
        let refused = info.mark_all_reviewed().unwrap_err();
        assert_eq!(
            refused.iter().map(|(s, _)| *s).collect::<Vec<_>>(),
            [
                MedicalSection::MammogramHistory,
                MedicalSection::MedicalHistory,
                MedicalSection::Symptoms,
                MedicalSection::BreastFeatures,
            ]
        );
        assert_eq!(info, before);

        assert!(info.confirm(MedicalSection::MedicalHistory, 0));
        assert!(info.remove(MedicalSection::MedicalHistory, 1));
        assert!(!info.remove(MedicalSection::MedicalHistory, 1));
        assert!(!info.confirm(MedicalSection::OtherMedicalInformation, 0));
        assert_eq!(info.mark_reviewed(MedicalSection::MedicalHistory), Ok(()));
        assert_eq!(info.mark_reviewed(MedicalSection::MedicalHistory), Ok(()));
        assert_eq!(
            info.reviewed,
            [
                MedicalSection::MedicalHistory,
                MedicalSection::BreastDensityFactors
            ]
        );
        assert_eq!(
            info.status(MedicalSection::MedicalHistory),
            SectionStatus::Reviewed
        );

        info.mammograms[0].update(
            mammogram(MammogramWhen::ExactDate(date!(2023 - 05 - 01)), None),
            TODAY,
        );
        info.symptoms[0].confirm();
        info.features.clear();
        assert_eq!(info.mark_all_reviewed(), Ok(()));
        assert!(info.all_reviewed());
        assert_eq!(info.validate(TODAY), Ok(()));
    }

    #[test]
    fn imaging_context_from_history() {
        use BreastProcedure::*;
        let with = |items: Vec<MedicalHistoryItem>| MedicalInformation {
            history: items
                .into_iter()
                .map(|i| CarriedForward::recorded(i, TODAY))
                .collect(),
            ..Default::default()
        };
        let both = ImagingContext::default();
        let table: Vec<(Vec<MedicalHistoryItem>, ImagingContext)> = vec![
            (vec![], both),
            (vec![cysts()], both),
            (
                vec![mastectomy(MastectomyNoTissueRemaining, NoProcedure)],
                both.without(Breast::Right),
            ),
            (
                vec![mastectomy(MastectomyTissueRemaining, Lumpectomy)],
                both,
            ),
            (
                vec![
                    mastectomy(NoProcedure, MastectomyNoTissueRemaining),
                    mastectomy(MastectomyNoTissueRemaining, NoProcedure),
                ],
                both.without(Breast::Right).without(Breast::Left),
            ),
            (
                vec![implants(
                    Augmentation::Implants,
                    Augmentation::Implants,
                    Some(ImplantConsent::Yes),
                )],
                both.with_implants(),
            ),
            // Consent only to scanning the left breast, which has no implant.
            (
                vec![implants(
                    Augmentation::Implants,
                    Augmentation::NoAugmentation,
                    Some(ImplantConsent::NoButLeftBreast),
                )],
                both.without(Breast::Right).with_implants(),
            ),
            // Removed implants: nothing special.
            (
                vec![MedicalHistoryItem::BreastImplants(BreastImplants {
                    right: Some(Augmentation::Implants),
                    left: Some(Augmentation::Implants),
                    removed: true,
                    ..Default::default()
                })],
                both,
            ),
            (
                vec![implants(
                    Augmentation::OtherAugmentation,
                    Augmentation::NoAugmentation,
                    None,
                )],
                both,
            ),
        ];
        for (items, expected) in table {
            assert_eq!(with(items.clone()).imaging_context(), expected, "{items:?}");
        }
        // Items carried forward and not yet confirmed count too.
        let carried = MedicalInformation::carried_from(
            &with(vec![mastectomy(NoProcedure, MastectomyNoTissueRemaining)]),
            LAST_TIME,
        );
        assert_eq!(carried.imaging_context(), both.without(Breast::Left));
    }

    #[test]
    fn six_month_rule_and_significant_symptoms() {
        let recent = MammogramWhen::ExactDate(date!(2026 - 05 - 01));
        let mut info = MedicalInformation::default();
        assert_eq!(info.six_month_rule(TODAY), SixMonthRule::Clear);
        info.mammograms
            .push(CarriedForward::recorded(mammogram(recent, None), TODAY));
        assert_eq!(info.six_month_rule(TODAY), SixMonthRule::ShouldNotProceed);
        assert_eq!(
            fields(info.validate(TODAY)),
            ["mammograms[0].reason_to_continue"]
        );
        info.mammograms[0].item.reason_to_continue = Some("Symptomatic referral".into());
        assert_eq!(info.six_month_rule(TODAY), SixMonthRule::Clear);
        assert_eq!(info.validate(TODAY), Ok(()));
        // Carried forward, the reason is dropped and the rule applies again.
        let carried = MedicalInformation::carried_from(&info, date!(2026 - 06 - 01));
        assert_eq!(
            carried.six_month_rule(TODAY),
            SixMonthRule::ShouldNotProceed
        );
        assert_eq!(
            carried.validate(TODAY),
            Ok(()),
            "unconfirmed: not re-checked"
        );
        let mut confirmed = carried.clone();
        confirmed.confirm(MedicalSection::MammogramHistory, 0);
        assert_eq!(
            fields(confirmed.validate(TODAY)),
            ["mammograms[0].reason_to_continue"]
        );

        info.symptoms = [lump(), pain(false), pain(true)]
            .into_iter()
            .map(|s| CarriedForward::recorded(s, TODAY))
            .collect();
        assert_eq!(info.significant_symptoms(), [&lump(), &pain(true)]);
    }

    #[test]
    fn whole_document_validation_names_where_each_problem_is() {
        let mut info = MedicalInformation {
            history: vec![
                CarriedForward::recorded(cysts(), TODAY),
                CarriedForward::recorded(
                    implants(Augmentation::Implants, Augmentation::Implants, None),
                    TODAY,
                ),
                CarriedForward::recorded(
                    implants(
                        Augmentation::OtherAugmentation,
                        Augmentation::NoAugmentation,
                        None,
                    ),
                    date!(2026 - 07 - 16),
                ),
            ],
            symptoms: vec![CarriedForward::recorded(
                Symptom::new(SymptomKind::Lump),
                TODAY,
            )],
            features: vec![CarriedForward::recorded(
                BreastFeature {
                    location: String::new(),
                    ..mole()
                },
                TODAY,
            )],
            density: Some(DensityFactors::default()),
            reviewed: vec![MedicalSection::Symptoms],
            ..Default::default()
        };
        assert_eq!(
            fields(info.validate(TODAY)),
            [
                "history[1].consent",
                "history[2].recorded_on",
                "history",
                "symptoms[0].area",
                "symptoms[0].started",
                "features[0].position",
                "density.hrt_started_since_last_screening",
                "density.pregnant_or_breastfeeding",
            ]
        );
        // A section marked reviewed while it holds unconfirmed carried items.
        info = MedicalInformation::carried_from(&previous(), LAST_TIME);
        info.reviewed = vec![MedicalSection::Symptoms, MedicalSection::Symptoms];
        info.normalise();
        assert_eq!(info.reviewed, [MedicalSection::Symptoms]);
        let errors = info.validate(TODAY).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "reviewed");
        assert_eq!(
            errors[0].message,
            "Symptoms: Confirm, update or remove the item carried forward from a previous \
             appointment before marking this section as reviewed"
        );
    }
}
