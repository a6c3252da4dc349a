//! Page 2: how many images of each view.

use super::*;

// ---------------------------------------------------------------------------------------
// Page 2: "How many images were taken?"
// ---------------------------------------------------------------------------------------

pub struct CountInput {
    pub id: String,
    pub label: &'static str,
    pub code: &'static str,
    pub value: String,
    pub error: Option<String>,
}

pub struct BreastGroup {
    pub heading: &'static str,
    pub inputs: Vec<CountInput>,
}

#[derive(Template)]
#[template(path = "workflow/images_counts.html")]
pub(super) struct CountsPage {
    pub(super) layout: Layout,
    pub(super) frame: Frame,
    pub(super) errors: Vec<(String, String)>,
    pub(super) action: String,
    pub(super) question: &'static str,
    pub(super) groups: Vec<BreastGroup>,
    pub(super) counts_error: Option<String>,
    pub(super) total: u16,
}

/// The counts page, showing `value` in each view's input.
pub(super) fn counts_page(
    state: &AppState,
    staff: &Staff,
    wf: &Workflow,
    value: impl Fn(View) -> String,
    errors: &[ImagingError],
) -> PageResult {
    let total = View::ALL
        .iter()
        .map(|&v| u16::from(ViewCounts::parse_count(v, &value(v)).unwrap_or(0)))
        .sum();
    respond(
        CountsPage {
            layout: layout(
                state,
                staff,
                wf,
                "Provide image details",
                !errors.is_empty(),
            ),
            frame: Frame::new(wf, Step::Images),
            errors: summary(errors),
            action: page_href(wf.appointment.id, "counts"),
            question: COUNTS_QUESTION,
            groups: Breast::ALL
                .iter()
                .map(|&breast| BreastGroup {
                    heading: breast.heading(),
                    inputs: View::for_breast(breast)
                        .into_iter()
                        .map(|view| CountInput {
                            id: ImagingField::Count(view).id(),
                            label: view.description(),
                            code: view.label(),
                            value: value(view),
                            error: error_on(errors, ImagingField::Count(view)),
                        })
                        .collect(),
                })
                .collect(),
            counts_error: error_on(errors, ImagingField::Counts),
            total,
        },
        !errors.is_empty(),
    )
}

/// `GET /appointments/{id}/images/counts`.
pub async fn counts_form(
    State(state): State<AppState>,
    staff: Staff,
    PageId(id): PageId<AppointmentId>,
) -> PageResult {
    let wf = load_images(&state, &staff, id).await?;
    let counts = match images_record(&wf) {
        Some(r) if r.standard_set == StandardSetAnswer::No => r.counts,
        _ => ViewCounts::default(),
    };
    counts_page(&state, &staff, &wf, |v| counts.get(v).to_string(), &[])
}

/// "How many images were taken?": a count per view (`count-<view>`).
#[derive(serde::Deserialize)]
pub struct CountsForm {
    version: Option<String>,
    #[serde(rename = "count-rcc", default)]
    rcc: String,
    #[serde(rename = "count-rmlo", default)]
    rmlo: String,
    #[serde(rename = "count-lcc", default)]
    lcc: String,
    #[serde(rename = "count-lmlo", default)]
    lmlo: String,
    #[serde(rename = "count-rccid", default)]
    rccid: String,
    #[serde(rename = "count-rmloid", default)]
    rmloid: String,
    #[serde(rename = "count-lccid", default)]
    lccid: String,
    #[serde(rename = "count-lmloid", default)]
    lmloid: String,
}

impl CountsForm {
    /// The count typed for `view`, as typed.
    fn count(&self, view: View) -> &str {
        match view {
            View::Rcc => &self.rcc,
            View::Rmlo => &self.rmlo,
            View::Lcc => &self.lcc,
            View::Lmlo => &self.lmlo,
            View::Rccid => &self.rccid,
            View::Rmloid => &self.rmloid,
            View::Lccid => &self.lccid,
            View::Lmloid => &self.lmloid,
        }
    }
}

/// `POST /appointments/{id}/images/counts`: saves the counts ("No, add other
/// information"), then the repeats question if any view has 2 or more images.
pub async fn counts_save(
    State(state): State<AppState>,
    staff: Staff,
    PageId(id): PageId<AppointmentId>,
    PageForm(form): PageForm<CountsForm>,
) -> PageResult {
    let version = form_version(form.version.as_deref())?;
    let wf = load_images(&state, &staff, id).await?;
    let id = wf.appointment.id;
    let inputs: Vec<(View, String)> = View::ALL
        .iter()
        .map(|&v| (v, form.count(v).to_owned()))
        .collect();
    let typed = |view: View| {
        inputs
            .iter()
            .find(|(v, _)| *v == view)
            .map(|(_, s)| s.clone())
            .unwrap_or_default()
    };
    let counts = match ViewCounts::parse(inputs.iter().map(|(v, s)| (*v, s.as_str()))) {
        Ok(counts) => counts,
        Err(errors) => {
            let errors: Vec<ImagingError> = errors.into_iter().map(ImagingError::from).collect();
            return counts_page(&state, &staff, &wf, typed, &errors);
        }
    };
    let mut record = working_record(&wf);
    record.standard_set = StandardSetAnswer::No;
    record.counts = counts;
    let context = medical::imaging_context(&wf);
    let errors: Vec<ImagingError> = validate_details(&record, &context)
        .into_iter()
        .filter(|e| matches!(e.field, ImagingField::Counts | ImagingField::Count(_)))
        .collect();
    if !errors.is_empty() {
        return counts_page(&state, &staff, &wf, typed, &errors);
    }
    save_record_as(
        &state.store,
        staff.scope(),
        &staff.actor(),
        &wf,
        &record,
        version,
        Some(RecordingMethod::Manual),
    )
    .await?;
    redirect(&if record.views_needing_repeats().is_empty() {
        page_href(id, "details")
    } else {
        page_href(id, "repeats")
    })
}
