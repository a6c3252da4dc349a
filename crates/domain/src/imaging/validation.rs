//! Validation of an images record: errors field by field, and warnings.

use super::*;

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
        StandardSetAnswer::Yes if context.requested.is_some() => {
            let asked = context.requested.map(|r| r.sentence()).unwrap_or_default();
            errors.push(ImagingError::new(
                ImagingField::StandardSet,
                format!("Select 'No, add other information', as this recall asks only for {asked}"),
            ));
        }
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
pub(super) fn missing_views(counts: &ViewCounts, context: &ImagingContext) -> Vec<View> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::imaging::tests::{BOTH, detailed_record};
    use View::*;

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

    #[test]
    fn a_recall_expects_only_the_views_it_asks_for() {
        use crate::imaging::tests::BOTH;
        use View::*;
        let rmlo = RequestedViews::of([Rmlo]).expect("a view");
        let recall = BOTH.recalling(rmlo);
        let one_rmlo = ImagesRecord::with_counts(ViewCounts::ZERO.with(Rmlo, 1).expect("count"));
        let one_lcc = ImagesRecord::with_counts(ViewCounts::ZERO.with(Lcc, 1).expect("count"));
        // (context, record, error fields)
        let table: Vec<(ImagingContext, ImagesRecord, Vec<ImagingField>)> = vec![
            // The view asked for: complete, nothing else expected.
            (recall, one_rmlo.clone(), vec![]),
            // "Yes, 2 CC and 2 MLO" would record views that were not taken.
            (
                recall,
                ImagesRecord::standard_set(),
                vec![ImagingField::StandardSet],
            ),
            // Another view instead of the one asked for: the missing one needs explaining.
            (recall, one_lcc.clone(), vec![ImagingField::NotAllTaken]),
            // Without a recall the same single image is a missing standard set.
            (BOTH, one_rmlo, vec![ImagingField::NotAllTaken]),
        ];
        for (context, record, fields) in table {
            let got: Vec<ImagingField> = validate_details(&record, &context)
                .into_iter()
                .map(|e| e.field)
                .collect();
            assert_eq!(got, fields, "{record:?}");
        }
        assert_eq!(recall.expected_views(), vec![Rmlo]);
        assert!(recall.expects(Breast::Right));
        assert!(!recall.expects(Breast::Left));
        assert_eq!(
            RequestedViews::of([Rmloid, Lcc]).map(|r| r.sentence()),
            Some("RMLO and LCC".to_owned())
        );
        assert_eq!(RequestedViews::of([]), None);
        assert_eq!(
            rmlo.counts(),
            ViewCounts::ZERO.with(Rmlo, 1).expect("count")
        );
    }
}
