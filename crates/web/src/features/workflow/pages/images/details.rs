//! Page 4: why images were not taken, and what happens next.

use super::*;

// ---------------------------------------------------------------------------------------
// Page 4: additional details
// ---------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "workflow/images_details.html")]
pub(super) struct DetailsPage {
    pub(super) layout: Layout,
    pub(super) frame: Frame,
    pub(super) errors: Vec<(String, String)>,
    pub(super) action: String,
    /// "4 images taken: 1x RCC, 1x RMLO, …"
    pub(super) taken: String,
    pub(super) taken_href: String,
    /// Whether "Not all mammograms taken" is offered (not after "Yes, 2 CC and 2 MLO").
    pub(super) can_be_incomplete: bool,
    pub(super) imperfect_label: &'static str,
    pub(super) imperfect_hint: &'static str,
    pub(super) imperfect: bool,
    pub(super) not_all_label: &'static str,
    pub(super) not_all: bool,
    pub(super) not_all_error: Option<String>,
    pub(super) reasons_question: &'static str,
    pub(super) reasons: Vec<Choice>,
    pub(super) reasons_error: Option<String>,
    pub(super) details: String,
    pub(super) details_error: Option<String>,
    pub(super) guidance: &'static str,
    pub(super) reason_guidance: Vec<(&'static str, &'static str)>,
    pub(super) recall_question: &'static str,
    pub(super) recall: Vec<Choice>,
    pub(super) recall_error: Option<String>,
    pub(super) timescale: String,
    pub(super) timescale_error: Option<String>,
    pub(super) scheduling_note: String,
    /// What the guidance says, when partial mammography is recorded for a reason it says
    /// should lead to a recall; the confirmation question is shown with it.
    pub(super) partial_warning: Option<String>,
    pub(super) partial_question: &'static str,
    pub(super) partial_label: &'static str,
    pub(super) partial_confirmed: bool,
    pub(super) partial_error: Option<String>,
    pub(super) notes_for_reader: String,
}

pub(super) fn details_page(
    state: &AppState,
    staff: &Staff,
    wf: &Workflow,
    record: &ImagesRecord,
    errors: &[ImagingError],
) -> PageResult {
    let id = wf.appointment.id;
    let d = derive(record, &medical::imaging_context(wf));
    let not_all = record.not_all_taken.clone();
    let reasons_id = ImagingField::NotAllTakenReasons.id();
    let recall_id = ImagingField::Recall.id();
    let decision = not_all.as_ref().and_then(|n| n.recall.clone());
    let (timescale, scheduling_note) = match &decision {
        Some(RecallDecision::Recall {
            timescale,
            scheduling_note,
        }) => (timescale.clone(), scheduling_note.clone()),
        _ => (String::new(), String::new()),
    };
    respond(
        DetailsPage {
            layout: layout(state, staff, wf, "Additional details", !errors.is_empty()),
            frame: Frame::new(wf, Step::Images),
            errors: summary(errors),
            action: page_href(id, "details"),
            taken: format!(
                "{}: {}",
                d.images_taken_heading(),
                d.summary_lines().join(", ")
            ),
            taken_href: if record.standard_set == StandardSetAnswer::No
                && recording_method(wf) == RecordingMethod::Manual
            {
                page_href(id, "counts")
            } else {
                Step::Images.href(id)
            },
            can_be_incomplete: record.standard_set == StandardSetAnswer::No,
            imperfect_label: IMPERFECT_LABEL,
            imperfect_hint: IMPERFECT_HINT,
            imperfect: record.imperfect_but_best_possible,
            not_all_label: NOT_ALL_TAKEN_LABEL,
            not_all: not_all.is_some(),
            not_all_error: error_on(errors, ImagingField::NotAllTaken),
            reasons_question: INCOMPLETE_REASONS_QUESTION,
            reasons: IncompleteReason::ALL
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    let checked = not_all.as_ref().is_some_and(|n| n.reasons.contains(r));
                    let mut option = choice(&reasons_id, i, r.as_str(), r.label(), checked);
                    option.hint = r.hint().map(str::to_owned);
                    option
                })
                .collect(),
            reasons_error: error_on(errors, ImagingField::NotAllTakenReasons),
            details: not_all
                .as_ref()
                .map(|n| n.details.clone())
                .unwrap_or_default(),
            details_error: error_on(errors, ImagingField::NotAllTakenDetails),
            guidance: PARTIAL_MAMMOGRAPHY_GUIDANCE,
            reason_guidance: IncompleteReason::ALL
                .iter()
                .filter_map(|r| r.partial_guidance().map(|g| (r.label(), g)))
                .collect(),
            recall_question: RECALL_QUESTION,
            recall: RecallChoice::ALL
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let checked = decision.as_ref().map(RecallDecision::choice) == Some(*c);
                    let mut option = choice(&recall_id, i, c.as_str(), c.label(), checked);
                    option.reveals = *c == RecallChoice::Recall;
                    option
                })
                .collect(),
            recall_error: error_on(errors, ImagingField::Recall),
            timescale,
            timescale_error: error_on(errors, ImagingField::RecallTimescale),
            scheduling_note,
            partial_warning: not_all.as_ref().and_then(NotAllTaken::partial_warning),
            partial_question: PARTIAL_CONFIRM_QUESTION,
            partial_label: PARTIAL_CONFIRM_LABEL,
            partial_confirmed: not_all.as_ref().is_some_and(|n| n.partial_confirmed),
            partial_error: error_on(errors, ImagingField::PartialConfirmed),
            notes_for_reader: record.notes_for_reader.clone(),
        },
        !errors.is_empty(),
    )
}

/// `GET /appointments/{id}/images/details`.
pub async fn details_form(
    State(state): State<AppState>,
    staff: Staff,
    PageId(id): PageId<AppointmentId>,
) -> PageResult {
    let wf = load_images(&state, &staff, id).await?;
    let Some(record) = images_record(&wf) else {
        return redirect(&Step::Images.href(wf.appointment.id));
    };
    if record.standard_set == StandardSetAnswer::NoImages {
        return redirect(&Step::Images.href(wf.appointment.id));
    }
    details_page(&state, &staff, &wf, &record, &[])
}

/// "Additional details": image quality, "Not all mammograms taken" (why, what next) and
/// notes for the reader. The names are the record's field ids ([`ImagingField::id`]).
#[derive(serde::Deserialize)]
pub struct DetailsForm {
    version: Option<String>,
    imperfect_but_best_possible: Option<String>,
    #[serde(default)]
    notes_for_reader: String,
    not_all_taken: Option<String>,
    #[serde(default)]
    not_all_taken_reasons: Vec<String>,
    #[serde(default)]
    not_all_taken_details: String,
    not_all_taken_recall: Option<String>,
    #[serde(default)]
    not_all_taken_recall_timescale: String,
    #[serde(default)]
    not_all_taken_recall_note: String,
    not_all_taken_partial_confirmed: Option<String>,
}

impl DetailsForm {
    /// "Not all mammograms taken", as answered.
    fn not_all_taken(&self) -> NotAllTaken {
        NotAllTaken {
            reasons: self
                .not_all_taken_reasons
                .iter()
                .filter_map(|r| r.parse::<IncompleteReason>().ok())
                .collect(),
            details: self.not_all_taken_details.trim().to_owned(),
            recall: match self
                .not_all_taken_recall
                .as_deref()
                .and_then(|v| v.parse::<RecallChoice>().ok())
            {
                Some(RecallChoice::Recall) => Some(RecallDecision::Recall {
                    timescale: self.not_all_taken_recall_timescale.trim().to_owned(),
                    scheduling_note: self.not_all_taken_recall_note.trim().to_owned(),
                }),
                Some(RecallChoice::NoRecall) => Some(RecallDecision::NoRecall),
                None => None,
            },
            partial_confirmed: self.not_all_taken_partial_confirmed.is_some(),
        }
    }
}

/// `POST /appointments/{id}/images/details`: saves the details, then goes on to "Check
/// information" if the whole record is valid, or back to the first page with a problem.
pub async fn details_save(
    State(state): State<AppState>,
    staff: Staff,
    PageId(id): PageId<AppointmentId>,
    PageForm(form): PageForm<DetailsForm>,
) -> PageResult {
    let version = form_version(form.version.as_deref())?;
    let wf = load_images(&state, &staff, id).await?;
    let id = wf.appointment.id;
    let Some(mut record) = images_record(&wf) else {
        return redirect(&Step::Images.href(id));
    };
    if record.standard_set == StandardSetAnswer::NoImages {
        return redirect(&Step::Images.href(id));
    }
    record.imperfect_but_best_possible = form.imperfect_but_best_possible.is_some();
    record.notes_for_reader = form.notes_for_reader.trim().to_owned();
    record.not_all_taken = (record.standard_set == StandardSetAnswer::No
        && form.not_all_taken.is_some())
    .then(|| form.not_all_taken());
    let context = medical::imaging_context(&wf);
    let errors: Vec<ImagingError> = validate_details(&record, &context)
        .into_iter()
        .filter(|e| on_details_page(e.field))
        .collect();
    if !errors.is_empty() {
        return details_page(&state, &staff, &wf, &record, &errors);
    }
    save_record(
        &state.store,
        staff.scope(),
        &staff.actor(),
        &wf,
        &record,
        version,
    )
    .await?;
    redirect(&match validate(&record, &context) {
        Ok(()) => Step::Check.href(id),
        Err(errors) => href_for(id, errors[0].field),
    })
}
