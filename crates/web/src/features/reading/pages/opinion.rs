//! The opinion pages after the first question: details, technical recall views, assessment per breast, annotations.

use super::*;

#[derive(Template)]
#[template(path = "reading/details.html")]
pub(super) struct DetailsPage {
    pub(super) layout: Layout,
    pub(super) header: CaseHeader,
    pub(super) action: String,
    pub(super) back: String,
    pub(super) details: String,
    pub(super) symptoms: bool,
    pub(super) acknowledged: bool,
    pub(super) errors: Vec<(String, String)>,
}

pub(super) fn details_page(
    state: &AppState,
    staff: &Staff,
    l: &Loaded,
    purpose: Purpose,
    opinion: &Opinion,
    errors: Vec<(String, String)>,
) -> PageResult {
    let (details, acknowledged) = match opinion {
        Opinion::NormalWithDetails {
            details,
            symptoms_acknowledged,
        } => (details.clone(), *symptoms_acknowledged),
        _ => (String::new(), false),
    };
    let page = DetailsPage {
        layout: Layout::new(
            "Normal, but add details",
            Some(staff.0.clone()),
            state.config.demo_mode,
        ),
        header: case_header(l, state.today()),
        action: format!("{}/{}/details", l.base, purpose.segment()),
        back: format!("{}/{}", l.base, question_path(purpose)),
        details,
        symptoms: context_of(&l.wf).has_significant_symptoms,
        acknowledged,
        errors,
    };
    let errors = page.errors.clone();
    Ok(with_status(render(page)?, &errors))
}

pub async fn details_form(
    State(state): State<AppState>,
    staff: Staff,
    PageIds(sid, cid): PageIds<Uuid, CaseId>,
    PurposePath(purpose): PurposePath,
) -> PageResult {
    let l = load_for(&state, &staff, (sid, cid), purpose).await?;
    let opinion = draft_of(&state, &staff, &l, purpose).await?;
    details_page(&state, &staff, &l, purpose, &opinion, Vec::new())
}

/// "Normal, but add details" as submitted.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DetailsForm {
    details: String,
    /// "yes" when ticked.
    symptoms_acknowledged: Option<String>,
}

pub async fn details_save(
    State(state): State<AppState>,
    staff: Staff,
    PageIds(sid, cid): PageIds<Uuid, CaseId>,
    PurposePath(purpose): PurposePath,
    PageForm(form): PageForm<DetailsForm>,
) -> PageResult {
    let l = load_for(&state, &staff, (sid, cid), purpose).await?;
    let opinion = Opinion::NormalWithDetails {
        details: form.details.trim().to_owned(),
        symptoms_acknowledged: form.symptoms_acknowledged.as_deref() == Some("yes"),
    };
    if let Err(errors) = opinion.validate(&context_of(&l.wf)) {
        return details_page(&state, &staff, &l, purpose, &opinion, errors_of(errors));
    }
    save_draft(&state, &staff, &l, purpose, &opinion).await?;
    Ok(Redirect::to(&format!("{}/{}/confirm", l.base, purpose.segment())).into_response())
}

// --- Technical recall ------------------------------------------------------------------

pub struct ViewRow {
    pub value: String,
    pub label: String,
    pub checked: bool,
    pub reasons: Vec<Option_>,
    pub details: String,
    pub reason_error: Option<String>,
    pub details_error: Option<String>,
}

pub struct BreastViews {
    pub heading: String,
    pub views: Vec<ViewRow>,
}

#[derive(Template)]
#[template(path = "reading/technical.html")]
pub(super) struct TechnicalPage {
    pub(super) layout: Layout,
    pub(super) header: CaseHeader,
    pub(super) action: String,
    pub(super) back: String,
    pub(super) breasts: Vec<BreastViews>,
    pub(super) views_error: Option<String>,
    pub(super) errors: Vec<(String, String)>,
}

pub(super) fn technical_page(
    state: &AppState,
    staff: &Staff,
    l: &Loaded,
    purpose: Purpose,
    chosen: &[(View, Option<TechnicalRecallReason>, String)],
    errors: Vec<(String, String)>,
) -> PageResult {
    let breasts = [Breast::Right, Breast::Left]
        .into_iter()
        .map(|breast| BreastViews {
            heading: format!("{} breast", breast.label()),
            views: View::ALL
                .iter()
                .filter(|v| v.breast() == breast)
                .map(|&view| {
                    let given = chosen.iter().find(|(v, _, _)| *v == view);
                    ViewRow {
                        value: view.as_str().to_owned(),
                        label: view.label().to_owned(),
                        checked: given.is_some(),
                        reasons: options(
                            TechnicalRecallReason::ALL,
                            TechnicalRecallReason::as_str,
                            TechnicalRecallReason::label,
                            &given.and_then(|g| g.1).into_iter().collect::<Vec<_>>(),
                        ),
                        details: given.map(|g| g.2.clone()).unwrap_or_default(),
                        reason_error: find(&errors, &format!("{}_reason", view.as_str())),
                        details_error: find(&errors, &format!("{}_details", view.as_str())),
                    }
                })
                .collect(),
        })
        .collect();
    let page = TechnicalPage {
        layout: Layout::new(
            domain::reading::TECHNICAL_RECALL_QUESTION,
            Some(staff.0.clone()),
            state.config.demo_mode,
        ),
        header: case_header(l, state.today()),
        action: format!("{}/{}/technical-recall", l.base, purpose.segment()),
        back: format!("{}/{}", l.base, question_path(purpose)),
        breasts,
        views_error: find(&errors, "views"),
        errors,
    };
    let errors = page.errors.clone();
    Ok(with_status(render(page)?, &errors))
}

pub async fn technical_form(
    State(state): State<AppState>,
    staff: Staff,
    PageIds(sid, cid): PageIds<Uuid, CaseId>,
    PurposePath(purpose): PurposePath,
) -> PageResult {
    let l = load_for(&state, &staff, (sid, cid), purpose).await?;
    let chosen = match draft_of(&state, &staff, &l, purpose).await? {
        Opinion::TechnicalRecall { views } => views
            .into_iter()
            .map(|v| (v.view, Some(v.reason), v.details))
            .collect(),
        _ => Vec::new(),
    };
    technical_page(&state, &staff, &l, purpose, &chosen, Vec::new())
}

/// "Which views need to be retaken?" as submitted: the views ticked, and each view's
/// reason and details (`{view}_reason`, `{view}_details`).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TechnicalForm {
    views: Vec<String>,
    rcc_reason: Option<String>,
    rcc_details: Option<String>,
    rmlo_reason: Option<String>,
    rmlo_details: Option<String>,
    lcc_reason: Option<String>,
    lcc_details: Option<String>,
    lmlo_reason: Option<String>,
    lmlo_details: Option<String>,
    rccid_reason: Option<String>,
    rccid_details: Option<String>,
    rmloid_reason: Option<String>,
    rmloid_details: Option<String>,
    lccid_reason: Option<String>,
    lccid_details: Option<String>,
    lmloid_reason: Option<String>,
    lmloid_details: Option<String>,
}

impl TechnicalForm {
    /// The reason and the details given for one view.
    fn answers(&self, view: View) -> (Option<&str>, &str) {
        let (reason, details) = match view {
            View::Rcc => (&self.rcc_reason, &self.rcc_details),
            View::Rmlo => (&self.rmlo_reason, &self.rmlo_details),
            View::Lcc => (&self.lcc_reason, &self.lcc_details),
            View::Lmlo => (&self.lmlo_reason, &self.lmlo_details),
            View::Rccid => (&self.rccid_reason, &self.rccid_details),
            View::Rmloid => (&self.rmloid_reason, &self.rmloid_details),
            View::Lccid => (&self.lccid_reason, &self.lccid_details),
            View::Lmloid => (&self.lmloid_reason, &self.lmloid_details),
        };
        (reason.as_deref(), details.as_deref().unwrap_or_default())
    }
}

pub async fn technical_save(
    State(state): State<AppState>,
    staff: Staff,
    PageIds(sid, cid): PageIds<Uuid, CaseId>,
    PurposePath(purpose): PurposePath,
    PageForm(form): PageForm<TechnicalForm>,
) -> PageResult {
    let l = load_for(&state, &staff, (sid, cid), purpose).await?;
    let mut chosen = Vec::new();
    let mut errors = Vec::new();
    for value in &form.views {
        let Ok(view) = value.parse::<View>() else {
            continue;
        };
        if chosen.iter().any(|(v, _, _)| *v == view) {
            continue;
        }
        let (reason, details) = form.answers(view);
        let reason = reason.and_then(|r| r.parse::<TechnicalRecallReason>().ok());
        if reason.is_none() {
            errors.push((
                format!("{}_reason", view.as_str()),
                format!("Select the reason for retaking {}", view.label()),
            ));
        }
        chosen.push((view, reason, details.trim().to_owned()));
    }
    let opinion = Opinion::TechnicalRecall {
        views: chosen
            .iter()
            .filter_map(|(view, reason, details)| {
                reason.map(|reason| RecalledView {
                    view: *view,
                    reason,
                    details: details.clone(),
                })
            })
            .collect(),
    };
    if let Err(more) = opinion.validate(&context_of(&l.wf)) {
        // "Select which views" only when nothing was ticked at all.
        errors.extend(
            errors_of(more)
                .into_iter()
                .filter(|(f, _)| f != "views" || chosen.is_empty()),
        );
    }
    if !errors.is_empty() {
        return technical_page(&state, &staff, &l, purpose, &chosen, errors);
    }
    save_draft(&state, &staff, &l, purpose, &opinion).await?;
    Ok(Redirect::to(&format!("{}/{}/confirm", l.base, purpose.segment())).into_response())
}

// --- Recall for assessment -------------------------------------------------------------

pub struct BreastChoice {
    pub name: String,
    pub heading: String,
    pub options: Vec<Option_>,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "reading/assessment.html")]
pub(super) struct AssessmentPage {
    pub(super) layout: Layout,
    pub(super) header: CaseHeader,
    pub(super) action: String,
    pub(super) back: String,
    pub(super) breasts: Vec<BreastChoice>,
    pub(super) errors: Vec<(String, String)>,
}

pub(super) fn assessment_page(
    state: &AppState,
    staff: &Staff,
    l: &Loaded,
    purpose: Purpose,
    right: Option<AssessmentCategory>,
    left: Option<AssessmentCategory>,
    errors: Vec<(String, String)>,
) -> PageResult {
    let breasts = [(Breast::Right, right), (Breast::Left, left)]
        .into_iter()
        .map(|(breast, selected)| BreastChoice {
            name: breast.as_str().to_owned(),
            heading: format!("{} breast", breast.label()),
            options: options(
                AssessmentCategory::ALL,
                AssessmentCategory::as_str,
                AssessmentCategory::label,
                &selected.into_iter().collect::<Vec<_>>(),
            ),
            error: find(&errors, breast.as_str()),
        })
        .collect();
    let page = AssessmentPage {
        layout: Layout::new(
            "Recall for assessment",
            Some(staff.0.clone()),
            state.config.demo_mode,
        ),
        header: case_header(l, state.today()),
        action: format!("{}/{}/assessment", l.base, purpose.segment()),
        back: format!("{}/{}", l.base, question_path(purpose)),
        breasts,
        errors,
    };
    let errors = page.errors.clone();
    Ok(with_status(render(page)?, &errors))
}

pub(super) fn assessments(opinion: &Opinion) -> (BreastAssessment, BreastAssessment) {
    match opinion {
        Opinion::RecallForAssessment { right, left } => (right.clone(), left.clone()),
        _ => (BreastAssessment::Normal, BreastAssessment::Normal),
    }
}

pub async fn assessment_form(
    State(state): State<AppState>,
    staff: Staff,
    PageIds(sid, cid): PageIds<Uuid, CaseId>,
    PurposePath(purpose): PurposePath,
) -> PageResult {
    let l = load_for(&state, &staff, (sid, cid), purpose).await?;
    let opinion = draft_of(&state, &staff, &l, purpose).await?;
    let (right, left) = assessments(&opinion);
    let fresh = matches!(
        (&right, &left),
        (BreastAssessment::Normal, BreastAssessment::Normal)
    );
    let (r, lft) = if fresh {
        (None, None)
    } else {
        (Some(right.category()), Some(left.category()))
    };
    assessment_page(&state, &staff, &l, purpose, r, lft, Vec::new())
}

pub(super) fn with_category(
    current: BreastAssessment,
    category: AssessmentCategory,
) -> BreastAssessment {
    match (category, current) {
        (AssessmentCategory::Abnormal, BreastAssessment::Abnormal { annotations }) => {
            BreastAssessment::Abnormal { annotations }
        }
        (AssessmentCategory::Abnormal, _) => BreastAssessment::Abnormal {
            annotations: Vec::new(),
        },
        (AssessmentCategory::Normal, _) => BreastAssessment::Normal,
        (AssessmentCategory::NormalSymptomsNeedAssessment, _) => {
            BreastAssessment::NormalSymptomsNeedAssessment
        }
    }
}

/// "Recall for assessment": the opinion of each breast.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AssessmentForm {
    right: Option<String>,
    left: Option<String>,
}

pub async fn assessment_save(
    State(state): State<AppState>,
    staff: Staff,
    PageIds(sid, cid): PageIds<Uuid, CaseId>,
    PurposePath(purpose): PurposePath,
    PageForm(form): PageForm<AssessmentForm>,
) -> PageResult {
    let l = load_for(&state, &staff, (sid, cid), purpose).await?;
    let category = |v: &Option<String>| {
        v.as_deref()
            .and_then(|v| v.parse::<AssessmentCategory>().ok())
    };
    let (right, left) = (category(&form.right), category(&form.left));
    let mut errors = Vec::new();
    for (breast, given) in [(Breast::Right, right), (Breast::Left, left)] {
        if given.is_none() {
            errors.push((
                breast.as_str().to_owned(),
                format!("Select your opinion of {}", breast.in_sentence()),
            ));
        }
    }
    let (Some(r), Some(lc)) = (right, left) else {
        return assessment_page(&state, &staff, &l, purpose, right, left, errors);
    };
    let (old_right, old_left) = assessments(&draft_of(&state, &staff, &l, purpose).await?);
    let opinion = Opinion::RecallForAssessment {
        right: with_category(old_right, r),
        left: with_category(old_left, lc),
    };
    // Only the breast-level rules here ("Both breasts cannot be normal"); the annotations
    // come next.
    if let Err(e) = opinion.validate(&context_of(&l.wf)) {
        let breast_level: Vec<_> = errors_of(e)
            .into_iter()
            .filter(|(f, _)| f == "right" || f == "left")
            .collect();
        if !breast_level.is_empty() {
            return assessment_page(&state, &staff, &l, purpose, right, left, breast_level);
        }
    }
    save_draft(&state, &staff, &l, purpose, &opinion).await?;
    Ok(Redirect::to(&next_after_assessment(&l.base, purpose, &opinion, None)).into_response())
}

/// The annotation page of the first abnormal breast (after `after`) that has none, else
/// the confirm page.
pub(super) fn next_after_assessment(
    base: &str,
    purpose: Purpose,
    opinion: &Opinion,
    after: Option<Breast>,
) -> String {
    let (right, left) = assessments(opinion);
    let start = match after {
        None => 0,
        Some(Breast::Right) => 1,
        Some(Breast::Left) => 2,
    };
    for (i, (breast, a)) in [(Breast::Right, right), (Breast::Left, left)]
        .into_iter()
        .enumerate()
    {
        if i < start {
            continue;
        }
        if let BreastAssessment::Abnormal { .. } = a {
            return format!(
                "{base}/{}/annotations/{}",
                purpose.segment(),
                breast.as_str()
            );
        }
    }
    format!("{base}/{}/confirm", purpose.segment())
}

// --- Annotations -----------------------------------------------------------------------

#[derive(Template)]
#[template(path = "reading/annotation.html")]
pub(super) struct AnnotationPage {
    pub(super) layout: Layout,
    pub(super) header: CaseHeader,
    pub(super) action: String,
    pub(super) back: String,
    pub(super) breast_label: String,
    pub(super) breast_sentence: String,
    pub(super) existing: Vec<(usize, String)>,
    pub(super) remove_action: String,
    pub(super) location_kinds: Vec<Option_>,
    pub(super) location_text: String,
    pub(super) views: Vec<Option_>,
    pub(super) x: String,
    pub(super) y: String,
    pub(super) abnormalities: Vec<Option_>,
    pub(super) description: String,
    pub(super) concerns: Vec<Option_>,
    pub(super) comment: String,
    pub(super) errors: Vec<(String, String)>,
}

/// The abnormality on the annotation page, as submitted ("Add abnormality" sends
/// `action=add`, "Continue" `action=continue`).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct AnnotationForm {
    pub(super) location_kind: Option<String>,
    pub(super) location_text: String,
    pub(super) view: Option<String>,
    pub(super) x: String,
    pub(super) y: String,
    pub(super) abnormality: Option<String>,
    pub(super) abnormality_description: String,
    pub(super) concern: Option<String>,
    pub(super) comment: String,
    pub(super) action: Option<String>,
}

impl AnnotationForm {
    fn view(&self) -> Option<View> {
        self.view.as_deref().and_then(|v| v.parse().ok())
    }
    fn abnormality(&self) -> Option<AbnormalityType> {
        self.abnormality.as_deref().and_then(|v| v.parse().ok())
    }
    fn concern(&self) -> Option<LevelOfConcern> {
        self.concern.as_deref().and_then(|v| v.parse().ok())
    }
    /// The form with its free text trimmed, as it is kept and shown again.
    fn trimmed(self) -> Self {
        AnnotationForm {
            location_text: self.location_text.trim().to_owned(),
            abnormality_description: self.abnormality_description.trim().to_owned(),
            comment: self.comment.trim().to_owned(),
            ..self
        }
    }
}

#[allow(clippy::too_many_arguments)]
pub(super) fn annotation_page(
    state: &AppState,
    staff: &Staff,
    l: &Loaded,
    purpose: Purpose,
    breast: Breast,
    opinion: &Opinion,
    form: &AnnotationForm,
    errors: Vec<(String, String)>,
) -> PageResult {
    let existing = match opinion.assessment(breast) {
        Some(BreastAssessment::Abnormal { annotations }) => annotations
            .iter()
            .enumerate()
            .map(|(i, a)| (i + 1, annotation_text(a)))
            .collect(),
        _ => Vec::new(),
    };
    let seg = format!(
        "{}/{}/annotations/{}",
        l.base,
        purpose.segment(),
        breast.as_str()
    );
    let page = AnnotationPage {
        layout: Layout::new(
            format!("Abnormalities in the {} breast", breast.as_str()),
            Some(staff.0.clone()),
            state.config.demo_mode,
        ),
        header: case_header(l, state.today()),
        action: seg.clone(),
        back: format!("{}/{}/assessment", l.base, purpose.segment()),
        breast_label: breast.label().to_owned(),
        breast_sentence: breast.in_sentence().to_owned(),
        existing,
        remove_action: format!("{seg}/remove"),
        location_kinds: vec![
            Option_ {
                value: "text".into(),
                label: "Describe the location".into(),
                checked: form.location_kind.as_deref() == Some("text"),
                hint: "For example UOQ (upper outer quadrant)".into(),
            },
            Option_ {
                value: "mark".into(),
                label: "Mark it on a view".into(),
                checked: form.location_kind.as_deref() == Some("mark"),
                hint: "Where it is across and down the image, as percentages".into(),
            },
        ],
        location_text: form.location_text.clone(),
        views: options(
            &View::ALL
                .iter()
                .copied()
                .filter(|v| v.breast() == breast)
                .collect::<Vec<_>>(),
            View::as_str,
            View::label,
            &form.view().into_iter().collect::<Vec<_>>(),
        ),
        x: form.x.clone(),
        y: form.y.clone(),
        abnormalities: options(
            AbnormalityType::ALL,
            AbnormalityType::as_str,
            AbnormalityType::label,
            &form.abnormality().into_iter().collect::<Vec<_>>(),
        ),
        description: form.abnormality_description.clone(),
        concerns: options(
            LevelOfConcern::ALL,
            LevelOfConcern::as_str,
            LevelOfConcern::label,
            &form.concern().into_iter().collect::<Vec<_>>(),
        ),
        comment: form.comment.clone(),
        errors,
    };
    let errors = page.errors.clone();
    Ok(with_status(render(page)?, &errors))
}

pub async fn annotation_form(
    State(state): State<AppState>,
    staff: Staff,
    PageIds(sid, cid): PageIds<Uuid, CaseId>,
    PurposePath(purpose): PurposePath,
    BreastPath(breast): BreastPath,
) -> PageResult {
    let l = load_for(&state, &staff, (sid, cid), purpose).await?;
    let opinion = draft_of(&state, &staff, &l, purpose).await?;
    annotation_page(
        &state,
        &staff,
        &l,
        purpose,
        breast,
        &opinion,
        &AnnotationForm::default(),
        Vec::new(),
    )
}

pub(super) fn parse_percent(s: &str) -> Option<f64> {
    s.trim()
        .trim_end_matches('%')
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .map(|v| v / 100.0)
}

/// Where the abnormality is, or what is missing from the form to say.
fn location(f: &AnnotationForm, errors: &mut Vec<(String, String)>) -> Option<Location> {
    match f.location_kind.as_deref() {
        Some("text") => Some(Location::Text {
            text: f.location_text.clone(),
        }),
        Some("mark") => match (f.view(), parse_percent(&f.x), parse_percent(&f.y)) {
            (Some(view), Some(x), Some(y)) => Some(Location::Mark { view, x, y }),
            (None, _, _) => {
                errors.push((
                    "view".to_owned(),
                    "Select the view the abnormality is marked on".to_owned(),
                ));
                None
            }
            _ => {
                errors.push(("x".to_owned(), "Enter where the abnormality is across and down the image, as percentages from 0 to 100".to_owned()));
                None
            }
        },
        _ => {
            errors.push((
                "location_kind".to_owned(),
                "Select how to give the location of the abnormality".to_owned(),
            ));
            None
        }
    }
}

/// The domain's rules for one annotation (location inside the image, on this breast,
/// "Other" described), checked on a copy holding only it, as the page's fields.
fn annotation_errors(
    annotation: &Annotation,
    f: &AnnotationForm,
    breast: Breast,
    context: &domain::reading::ReadingContext,
) -> Vec<(String, String)> {
    let probe = Opinion::RecallForAssessment {
        right: BreastAssessment::Abnormal {
            annotations: vec![annotation.clone()],
        },
        left: BreastAssessment::Abnormal {
            annotations: vec![annotation.clone()],
        },
    };
    let Err(e) = probe.validate(context) else {
        return Vec::new();
    };
    let prefix = format!("{}_annotation_1_", breast.as_str());
    errors_of(e)
        .into_iter()
        .filter_map(|(field, message)| {
            let rest = field.strip_prefix(&prefix)?;
            let field = match rest {
                "location" if f.location_kind.as_deref() == Some("mark") => "x",
                "location" => "location_text",
                other => other,
            };
            Some((
                field.to_owned(),
                message.replace("abnormality 1", "this abnormality"),
            ))
        })
        .collect()
}

/// The annotation on the form, or every problem with it.
fn annotation_of(
    f: &AnnotationForm,
    breast: Breast,
    context: &domain::reading::ReadingContext,
) -> Result<Annotation, Vec<(String, String)>> {
    let mut errors = Vec::new();
    let location = location(f, &mut errors);
    if f.abnormality().is_none() {
        errors.push((
            "abnormality".to_owned(),
            "Select the type of abnormality".to_owned(),
        ));
    }
    if f.concern().is_none() {
        errors.push((
            "concern".to_owned(),
            "Select the level of concern".to_owned(),
        ));
    }
    let (Some(location), Some(abnormality), Some(concern)) =
        (location, f.abnormality(), f.concern())
    else {
        return Err(errors);
    };
    let annotation = Annotation {
        location,
        abnormality,
        abnormality_description: f.abnormality_description.clone(),
        concern,
        comment: f.comment.clone(),
    };
    errors.extend(annotation_errors(&annotation, f, breast, context));
    if errors.is_empty() {
        Ok(annotation)
    } else {
        Err(errors)
    }
}

/// The annotations of one breast of a recall for assessment, if it is abnormal.
fn annotations_of(opinion: &mut Opinion, breast: Breast) -> Option<&mut Vec<Annotation>> {
    let Opinion::RecallForAssessment { right, left } = opinion else {
        return None;
    };
    let target = match breast {
        Breast::Right => right,
        Breast::Left => left,
    };
    match target {
        BreastAssessment::Abnormal { annotations } => Some(annotations),
        _ => None,
    }
}

/// POST: "Add abnormality" adds the one on the form; "Continue" (with the form empty)
/// moves on once the breast's annotations pass the rules.
pub async fn annotation_save(
    State(state): State<AppState>,
    staff: Staff,
    PageIds(sid, cid): PageIds<Uuid, CaseId>,
    PurposePath(purpose): PurposePath,
    BreastPath(breast): BreastPath,
    PageForm(form): PageForm<AnnotationForm>,
) -> PageResult {
    let l = load_for(&state, &staff, (sid, cid), purpose).await?;
    let mut opinion = draft_of(&state, &staff, &l, purpose).await?;
    let f = form.trimmed();
    let context = context_of(&l.wf);
    let Some(annotations) = annotations_of(&mut opinion, breast) else {
        return Err(AppError::Detour(format!(
            "{}/{}/assessment",
            l.base,
            purpose.segment()
        )));
    };
    if f.action.as_deref() == Some("add") {
        match annotation_of(&f, breast, &context) {
            Ok(annotation) => annotations.push(annotation),
            Err(errors) => {
                let current = draft_of(&state, &staff, &l, purpose).await?;
                return annotation_page(&state, &staff, &l, purpose, breast, &current, &f, errors);
            }
        }
        save_draft(&state, &staff, &l, purpose, &opinion).await?;
        return Err(AppError::Detour(format!(
            "{}/{}/annotations/{}",
            l.base,
            purpose.segment(),
            breast.as_str()
        )));
    }
    // Continue: this breast's annotation rules must hold.
    let side = breast.as_str();
    let errors: Vec<_> = match opinion.validate(&context) {
        Ok(()) => Vec::new(),
        Err(e) => errors_of(e)
            .into_iter()
            .filter(|(field, _)| field.starts_with(&format!("{side}_annotation")))
            .map(|(_, m)| ("location_kind".to_owned(), m))
            .collect(),
    };
    if !errors.is_empty() {
        return annotation_page(&state, &staff, &l, purpose, breast, &opinion, &f, errors);
    }
    Ok(Redirect::to(&next_after_assessment(
        &l.base,
        purpose,
        &opinion,
        Some(breast),
    ))
    .into_response())
}

/// Which abnormality "Remove" takes away (numbered from 1).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RemoveForm {
    n: Option<String>,
}

pub async fn annotation_remove(
    State(state): State<AppState>,
    staff: Staff,
    PageIds(sid, cid): PageIds<Uuid, CaseId>,
    PurposePath(purpose): PurposePath,
    BreastPath(breast): BreastPath,
    PageForm(form): PageForm<RemoveForm>,
) -> PageResult {
    let l = load_for(&state, &staff, (sid, cid), purpose).await?;
    let mut opinion = draft_of(&state, &staff, &l, purpose).await?;
    let n: usize = form
        .n
        .as_deref()
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| AppError::BadRequest("Which abnormality to remove is missing".to_owned()))?;
    if let Some(annotations) = annotations_of(&mut opinion, breast)
        && n >= 1
        && n <= annotations.len()
    {
        annotations.remove(n - 1);
    }
    save_draft(&state, &staff, &l, purpose, &opinion).await?;
    Ok(Redirect::to(&format!(
        "{}/{}/annotations/{}",
        l.base,
        purpose.segment(),
        breast.as_str()
    ))
    .into_response())
}
