//! Which form a path names, and the form page that asks it.

use super::*;
use domain::ids::AppointmentId;

// ---------------------------------------------------------------------------------------
// Which form
// ---------------------------------------------------------------------------------------

/// A form of the step: adding (`None`) or changing (`Some(index)`) an item, choosing what
/// to add, or one of the two single-answer sections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Form {
    Mammogram(Option<usize>),
    ChooseHistory,
    History(Option<usize>, MedicalHistoryType),
    ChooseSymptom,
    Symptom(Option<usize>, SymptomType),
    Feature(Option<usize>),
    Density,
    Other,
}

pub(super) const LISTS: [(&str, MedicalSection); 4] = [
    ("mammograms", MedicalSection::MammogramHistory),
    ("history", MedicalSection::MedicalHistory),
    ("symptoms", MedicalSection::Symptoms),
    ("features", MedicalSection::BreastFeatures),
];

pub(super) fn list_path(section: MedicalSection) -> &'static str {
    LISTS
        .iter()
        .find(|(_, s)| *s == section)
        .map_or("", |(p, _)| p)
}

impl Form {
    pub(super) fn section(self) -> MedicalSection {
        match self {
            Form::Mammogram(_) => MedicalSection::MammogramHistory,
            Form::ChooseHistory | Form::History(..) => MedicalSection::MedicalHistory,
            Form::ChooseSymptom | Form::Symptom(..) => MedicalSection::Symptoms,
            Form::Feature(_) => MedicalSection::BreastFeatures,
            Form::Density => MedicalSection::BreastDensityFactors,
            Form::Other => MedicalSection::OtherMedicalInformation,
        }
    }

    /// Where the form is shown and submitted.
    pub(super) fn href(self, id: AppointmentId) -> String {
        let base = Step::Medical.href(id);
        let item = |index: Option<usize>| index.map_or("new".to_owned(), |i| i.to_string());
        match self {
            Form::Mammogram(i) => format!("{base}/mammograms/{}", item(i)),
            Form::ChooseHistory => format!("{base}/history/new"),
            Form::History(None, kind) => format!("{base}/history/new/{}", kind.as_str()),
            Form::History(i, _) => format!("{base}/history/{}", item(i)),
            Form::ChooseSymptom => format!("{base}/symptoms/new"),
            Form::Symptom(None, kind) => format!("{base}/symptoms/new/{}", kind.as_str()),
            Form::Symptom(i, _) => format!("{base}/symptoms/{}", item(i)),
            Form::Feature(i) => format!("{base}/features/{}", item(i)),
            Form::Density => format!("{base}/density"),
            Form::Other => format!("{base}/other"),
        }
    }

    /// The change form of an item already recorded.
    pub(super) fn of_item(
        info: &MedicalInformation,
        section: MedicalSection,
        index: usize,
    ) -> Option<Form> {
        match section {
            MedicalSection::MammogramHistory => info
                .mammograms
                .get(index)
                .map(|_| Form::Mammogram(Some(index))),
            MedicalSection::MedicalHistory => info
                .history
                .get(index)
                .map(|c| Form::History(Some(index), c.item.kind())),
            MedicalSection::Symptoms => info
                .symptoms
                .get(index)
                .map(|c| Form::Symptom(Some(index), c.item.kind.symptom_type())),
            MedicalSection::BreastFeatures => {
                info.features.get(index).map(|_| Form::Feature(Some(index)))
            }
            _ => None,
        }
    }

    /// The answers the form starts with: the saved item's, or none.
    pub(super) fn answers(self, info: &MedicalInformation) -> Answers {
        let saved = |index: Option<usize>, f: &dyn Fn(usize) -> Option<Answers>| {
            index.and_then(f).unwrap_or(Answers(Vec::new()))
        };
        match self {
            Form::Mammogram(i) => saved(i, &|i| {
                info.mammograms.get(i).map(|c| mammogram_answers(&c.item))
            }),
            Form::History(i, _) => saved(i, &|i| {
                info.history.get(i).map(|c| history_answers(&c.item))
            }),
            Form::Symptom(i, _) => saved(i, &|i| {
                info.symptoms.get(i).map(|c| symptom_answers(&c.item))
            }),
            Form::Feature(i) => saved(i, &|i| {
                info.features.get(i).map(|c| feature_answers(&c.item))
            }),
            Form::Density => info
                .density
                .as_ref()
                .map_or(Answers(Vec::new()), density_answers),
            Form::Other => Answers(vec![("other".to_owned(), info.other.clone())]),
            Form::ChooseHistory | Form::ChooseSymptom => Answers(Vec::new()),
        }
    }
}

/// `/medical-information/{page}`: "density" or "other".
pub(super) fn page_form(page: &str) -> Result<Form, AppError> {
    match page {
        "density" => Ok(Form::Density),
        "other" => Ok(Form::Other),
        _ => Err(AppError::NotFound),
    }
}

/// `/medical-information/{list}/{key}`: "new" or the index of a recorded item.
pub(super) fn item_form(
    info: &MedicalInformation,
    list: &str,
    key: &str,
) -> Result<Form, AppError> {
    let section = LISTS
        .iter()
        .find(|(p, _)| *p == list)
        .map(|(_, s)| *s)
        .ok_or(AppError::NotFound)?;
    if key == "new" {
        return Ok(match section {
            MedicalSection::MammogramHistory => Form::Mammogram(None),
            MedicalSection::MedicalHistory => Form::ChooseHistory,
            MedicalSection::Symptoms => Form::ChooseSymptom,
            _ => Form::Feature(None),
        });
    }
    let index = key.parse::<usize>().map_err(|_| AppError::NotFound)?;
    Form::of_item(info, section, index).ok_or(AppError::NotFound)
}

/// `/medical-information/{list}/new/{kind}`.
pub(super) fn new_typed_form(list: &str, kind: &str) -> Result<Form, AppError> {
    match list {
        "history" => kind
            .parse()
            .map(|k| Form::History(None, k))
            .map_err(|_| AppError::NotFound),
        "symptoms" => kind
            .parse()
            .map(|k| Form::Symptom(None, k))
            .map_err(|_| AppError::NotFound),
        _ => Err(AppError::NotFound),
    }
}

// ---------------------------------------------------------------------------------------
// Rendering a form
// ---------------------------------------------------------------------------------------

pub struct Callout {
    pub heading: &'static str,
    pub paragraphs: Vec<String>,
    pub end_href: String,
    pub end_label: &'static str,
    pub fields: Vec<Field>,
}

#[derive(Template)]
#[template(path = "workflow/medical_form.html")]
pub(super) struct FormPage {
    pub(super) layout: Layout,
    pub(super) frame: Frame,
    pub(super) caption: &'static str,
    pub(super) heading: String,
    pub(super) intro: Vec<String>,
    pub(super) action: String,
    pub(super) back: String,
    pub(super) errors: Errors,
    pub(super) hidden: Vec<(String, String)>,
    /// Questions in page order; two in a row are drawn side by side.
    pub(super) rows: Vec<Vec<Field>>,
    pub(super) callout: Option<Callout>,
    pub(super) submit: &'static str,
}

/// Everything a step page needs: the workflow, its medical information, and today.
pub(super) struct Ctx<'a> {
    pub(super) state: &'a AppState,
    pub(super) staff: &'a Staff,
    pub(super) id: AppointmentId,
    pub(super) wf: Workflow,
    pub(super) info: MedicalInformation,
    pub(super) today: Date,
    /// The participant's other screens on the service's record (any provider).
    pub(super) recorded: Vec<RecordedScreen>,
}

impl Ctx<'_> {
    pub(super) fn first_name(&self) -> &str {
        &self.wf.appointment.participant.first_name
    }

    pub(super) fn overview(&self, section: MedicalSection) -> String {
        format!(
            "{}#section-{}",
            Step::Medical.href(self.id),
            section.as_str()
        )
    }

    pub(super) fn layout(&self, title: &str, errors: bool) -> Layout {
        let title = format!(
            "{}{title} – {}",
            if errors { "Error: " } else { "" },
            self.wf.appointment.participant.full_name()
        );
        Layout::new(
            title,
            Some(self.staff.0.clone()),
            self.state.config.demo_mode,
        )
    }
}

pub(super) async fn context<'a>(
    state: &'a AppState,
    staff: &'a Staff,
    id: AppointmentId,
) -> Result<Ctx<'a>, AppError> {
    let wf = load_step(state, staff, id, Step::Medical).await?;
    let info = information(&wf);
    let recorded = state
        .store
        .recorded_screens(staff.scope(), wf.appointment.participant.id, id)
        .await?;
    Ok(Ctx {
        state,
        staff,
        id,
        wf,
        info,
        today: state.today(),
        recorded,
    })
}

/// Answers to carry from the details of breast implants onto the consent question.
pub(super) fn answers_so_far(v: &Answers) -> Vec<(String, String)> {
    v.0.iter()
        .filter(|(k, _)| {
            !matches!(
                k.as_str(),
                "csrf_token" | "version" | "consent" | "consent_step"
            )
        })
        .cloned()
        .collect()
}

/// What a form shows before errors are placed: its heading and questions, and what goes
/// around them.
struct FormContent {
    heading: String,
    fields: Vec<Field>,
    intro: Vec<String>,
    hidden: Vec<(String, String)>,
    callout: Option<Callout>,
    submit: &'static str,
}

impl FormContent {
    fn new(heading: impl Into<String>, fields: Vec<Field>) -> Self {
        FormContent {
            heading: heading.into(),
            fields,
            intro: Vec::new(),
            hidden: Vec::new(),
            callout: None,
            submit: "Save",
        }
    }
}

/// A previous mammogram; one less than 6 months ago explains the rule and asks for a
/// reason to continue.
fn mammogram_form(ctx: &Ctx<'_>, index: Option<usize>, v: &Answers) -> FormContent {
    let mut content = FormContent::new(
        if index.is_some() {
            "Change previous mammogram"
        } else {
            "Add a previous mammogram"
        },
        mammogram_fields(v, &ctx.wf.appointment.participant.full_name(), ctx.today),
    );
    let m = read_mammogram(v, &mut Vec::new());
    if m.within_six_months(ctx.today) {
        content.submit = "Continue with this appointment";
        content.callout = Some(Callout {
            heading: SHOULD_NOT_PROCEED,
            paragraphs: vec![
                "This mammogram was less than 6 months ago. Mammograms should be at least 6 months apart (IR(ME)R).".to_owned(),
                "End the appointment, or continue only if there is a clinical reason to and record that reason below.".to_owned(),
            ],
            end_href: format!("/appointments/{}/cannot-proceed", ctx.id),
            end_label: "End the appointment",
            fields: vec![Field::textarea(
                "reason_to_continue",
                "Reason for continuing with this appointment",
                v,
            )],
        });
    }
    content
}

/// "What kind of medical history?": the kinds that can still be added.
fn choose_history_form(ctx: &Ctx<'_>, v: &Answers) -> FormContent {
    let offered: Vec<MedicalHistoryType> = MedicalHistoryType::ALL
        .iter()
        .copied()
        .filter(|k| can_add(ctx.info.history_items(), *k))
        .collect();
    let mut content = FormContent::new(
        "What kind of medical history?",
        vec![Field::radios_of(
            "type",
            "Type of medical history",
            &offered,
            v,
        )],
    );
    if offered.len() < MedicalHistoryType::ALL.len() {
        content.intro.push(format!(
            "{} is already recorded: change it on the medical information page.",
            MedicalHistoryType::BreastImplants.label()
        ));
    }
    content.submit = "Continue";
    content
}

/// A medical history item, or for breast implants its consent question.
fn history_form(
    ctx: &Ctx<'_>,
    (index, kind): (Option<usize>, MedicalHistoryType),
    v: &Answers,
    consent: bool,
) -> FormContent {
    let who = ctx.first_name();
    if consent && let MedicalHistoryItem::BreastImplants(b) = read_history(kind, v, &mut Vec::new())
    {
        let mut content = FormContent::new("Consent to continue", vec![consent_field(&b, v, who)]);
        content.hidden = answers_so_far(v);
        content
            .hidden
            .push(("consent_step".to_owned(), "1".to_owned()));
        return content;
    }
    FormContent::new(
        format!(
            "{} {}",
            if index.is_some() { "Change" } else { "Add" },
            kind.label().to_lowercase()
        ),
        history_fields(kind, v, who),
    )
}

fn form_content(ctx: &Ctx<'_>, form: Form, v: &Answers, consent: bool) -> FormContent {
    let who = ctx.first_name();
    match form {
        Form::Mammogram(i) => mammogram_form(ctx, i, v),
        Form::ChooseHistory => choose_history_form(ctx, v),
        Form::History(i, kind) => history_form(ctx, (i, kind), v, consent),
        Form::ChooseSymptom => {
            let mut content = FormContent::new(
                "What kind of symptom?",
                vec![Field::radios::<SymptomType>("type", "Type of symptom", v)],
            );
            content.submit = "Continue";
            content
        }
        Form::Symptom(i, kind) => FormContent::new(
            format!(
                "{} symptom: {}",
                if i.is_some() { "Change" } else { "Add" },
                kind.label().to_lowercase()
            ),
            symptom_fields(kind, v, ctx.today),
        ),
        Form::Feature(i) => {
            let mut content = FormContent::new(
                if i.is_some() {
                    "Change breast feature"
                } else {
                    "Add a breast feature"
                },
                feature_fields(v),
            );
            content.intro.push("Record moles, warts, scars and other features so that image readers can tell them from findings.".to_owned());
            content
        }
        Form::Density => FormContent::new("Breast density factors", density_fields(v, who)),
        Form::Other => FormContent::new(
            "Other medical information",
            vec![
                Field::textarea("other", "Other medical information", v)
                    .hint("Only what is relevant to the mammogram or to image readers"),
            ],
        ),
    }
}

/// Questions in rows: a question marked to sit beside the next shares its row.
fn rows_of(fields: Vec<Field>) -> Vec<Vec<Field>> {
    let mut rows: Vec<Vec<Field>> = Vec::new();
    let mut joining = false;
    for field in fields {
        let beside = field.beside;
        match rows.last_mut() {
            Some(row) if joining => row.push(field),
            _ => rows.push(vec![field]),
        }
        joining = beside;
    }
    rows
}

/// Draws a form with the answers given and any errors. `consent` shows the implant consent
/// question (the details answered so far ride along as hidden fields).
pub(super) fn form_page(
    ctx: &Ctx<'_>,
    form: Form,
    v: &Answers,
    mut errors: Errors,
    consent: bool,
) -> PageResult {
    let section = form.section();
    let FormContent {
        heading,
        mut fields,
        intro,
        hidden,
        mut callout,
        submit,
    } = form_content(ctx, form, v, consent);
    // The callout's reason is a field of the form too: errors attach to it in page order.
    let in_callout = callout.as_ref().map_or(0, |c| c.fields.len());
    if let Some(c) = &mut callout {
        fields.append(&mut c.fields);
    }
    attach_errors(&mut fields, &mut errors);
    if let Some(c) = &mut callout {
        c.fields = fields.split_off(fields.len() - in_callout);
    }
    let has_errors = !errors.is_empty();
    let page = FormPage {
        layout: ctx.layout(&heading, has_errors),
        frame: Frame::new(&ctx.wf, Step::Medical),
        caption: section.label(),
        heading,
        intro,
        action: form.href(ctx.id),
        back: ctx.overview(section),
        errors,
        hidden,
        rows: rows_of(fields),
        callout,
        submit,
    };
    let mut res = render(page)?;
    if has_errors {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}
