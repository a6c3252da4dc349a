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
    Path((sid, cid, purpose)): Path<(String, String, String)>,
) -> PageResult {
    let purpose = Purpose::parse(&purpose)?;
    let l = load(&state, &staff, &sid, &cid).await?;
    require_can_read(&l, purpose)?;
    let opinion = draft_of(&state, &staff, &l, purpose).await?;
    details_page(&state, &staff, &l, purpose, &opinion, Vec::new())
}

pub async fn details_save(
    State(state): State<AppState>,
    staff: Staff,
    Path((sid, cid, purpose)): Path<(String, String, String)>,
    form: FormPairs,
) -> PageResult {
    let purpose = Purpose::parse(&purpose)?;
    let l = load(&state, &staff, &sid, &cid).await?;
    require_can_read(&l, purpose)?;
    let opinion = Opinion::NormalWithDetails {
        details: form.get("details").unwrap_or_default().trim().to_owned(),
        symptoms_acknowledged: form.get("symptoms_acknowledged") == Some("yes"),
    };
    if let Err(errors) = opinion.validate(&context_of(&l.wf)) {
        return details_page(&state, &staff, &l, purpose, &opinion, errors_of(errors));
    }
    state
        .store
        .save_opinion_draft(
            staff.scope(),
            &staff.actor(),
            l.cid,
            purpose.draft_key(),
            &opinion,
        )
        .await?;
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
    Path((sid, cid, purpose)): Path<(String, String, String)>,
) -> PageResult {
    let purpose = Purpose::parse(&purpose)?;
    let l = load(&state, &staff, &sid, &cid).await?;
    require_can_read(&l, purpose)?;
    let chosen = match draft_of(&state, &staff, &l, purpose).await? {
        Opinion::TechnicalRecall { views } => views
            .into_iter()
            .map(|v| (v.view, Some(v.reason), v.details))
            .collect(),
        _ => Vec::new(),
    };
    technical_page(&state, &staff, &l, purpose, &chosen, Vec::new())
}

pub async fn technical_save(
    State(state): State<AppState>,
    staff: Staff,
    Path((sid, cid, purpose)): Path<(String, String, String)>,
    form: FormPairs,
) -> PageResult {
    let purpose = Purpose::parse(&purpose)?;
    let l = load(&state, &staff, &sid, &cid).await?;
    require_can_read(&l, purpose)?;
    let mut chosen = Vec::new();
    let mut errors = Vec::new();
    for value in form.all("views") {
        let Ok(view) = value.parse::<View>() else {
            continue;
        };
        if chosen.iter().any(|(v, _, _)| *v == view) {
            continue;
        }
        let reason = form
            .get(&format!("{}_reason", view.as_str()))
            .and_then(|r| r.parse::<TechnicalRecallReason>().ok());
        if reason.is_none() {
            errors.push((
                format!("{}_reason", view.as_str()),
                format!("Select the reason for retaking {}", view.label()),
            ));
        }
        let details = form
            .get(&format!("{}_details", view.as_str()))
            .unwrap_or_default()
            .trim()
            .to_owned();
        chosen.push((view, reason, details));
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
    state
        .store
        .save_opinion_draft(
            staff.scope(),
            &staff.actor(),
            l.cid,
            purpose.draft_key(),
            &opinion,
        )
        .await?;
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
    Path((sid, cid, purpose)): Path<(String, String, String)>,
) -> PageResult {
    let purpose = Purpose::parse(&purpose)?;
    let l = load(&state, &staff, &sid, &cid).await?;
    require_can_read(&l, purpose)?;
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

pub async fn assessment_save(
    State(state): State<AppState>,
    staff: Staff,
    Path((sid, cid, purpose)): Path<(String, String, String)>,
    form: FormPairs,
) -> PageResult {
    let purpose = Purpose::parse(&purpose)?;
    let l = load(&state, &staff, &sid, &cid).await?;
    require_can_read(&l, purpose)?;
    let right = form
        .get("right")
        .and_then(|v| v.parse::<AssessmentCategory>().ok());
    let left = form
        .get("left")
        .and_then(|v| v.parse::<AssessmentCategory>().ok());
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
    state
        .store
        .save_opinion_draft(
            staff.scope(),
            &staff.actor(),
            l.cid,
            purpose.draft_key(),
            &opinion,
        )
        .await?;
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

#[derive(Default, Clone)]
pub(super) struct AnnotationForm {
    pub(super) location_kind: Option<String>,
    pub(super) text: String,
    pub(super) view: Option<View>,
    pub(super) x: String,
    pub(super) y: String,
    pub(super) abnormality: Option<AbnormalityType>,
    pub(super) description: String,
    pub(super) concern: Option<LevelOfConcern>,
    pub(super) comment: String,
}

pub(super) fn parse_breast(s: &str) -> Result<Breast, AppError> {
    s.parse::<Breast>().map_err(|_| AppError::NotFound)
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
        location_text: form.text.clone(),
        views: options(
            &View::ALL
                .iter()
                .copied()
                .filter(|v| v.breast() == breast)
                .collect::<Vec<_>>(),
            View::as_str,
            View::label,
            &form.view.into_iter().collect::<Vec<_>>(),
        ),
        x: form.x.clone(),
        y: form.y.clone(),
        abnormalities: options(
            AbnormalityType::ALL,
            AbnormalityType::as_str,
            AbnormalityType::label,
            &form.abnormality.into_iter().collect::<Vec<_>>(),
        ),
        description: form.description.clone(),
        concerns: options(
            LevelOfConcern::ALL,
            LevelOfConcern::as_str,
            LevelOfConcern::label,
            &form.concern.into_iter().collect::<Vec<_>>(),
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
    Path((sid, cid, purpose, breast)): Path<(String, String, String, String)>,
) -> PageResult {
    let purpose = Purpose::parse(&purpose)?;
    let breast = parse_breast(&breast)?;
    let l = load(&state, &staff, &sid, &cid).await?;
    require_can_read(&l, purpose)?;
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

/// POST: "Add abnormality" adds the one on the form; "Continue" (with the form empty)
/// moves on once the breast's annotations pass the rules.
pub async fn annotation_save(
    State(state): State<AppState>,
    staff: Staff,
    Path((sid, cid, purpose, breast)): Path<(String, String, String, String)>,
    form: FormPairs,
) -> PageResult {
    let purpose = Purpose::parse(&purpose)?;
    let breast = parse_breast(&breast)?;
    let l = load(&state, &staff, &sid, &cid).await?;
    require_can_read(&l, purpose)?;
    let mut opinion = draft_of(&state, &staff, &l, purpose).await?;
    let side = breast.as_str();
    let f = AnnotationForm {
        location_kind: form.get("location_kind").map(str::to_owned),
        text: form
            .get("location_text")
            .unwrap_or_default()
            .trim()
            .to_owned(),
        view: form.get("view").and_then(|v| v.parse().ok()),
        x: form.get("x").unwrap_or_default().to_owned(),
        y: form.get("y").unwrap_or_default().to_owned(),
        abnormality: form.get("abnormality").and_then(|v| v.parse().ok()),
        description: form
            .get("abnormality_description")
            .unwrap_or_default()
            .trim()
            .to_owned(),
        concern: form.get("concern").and_then(|v| v.parse().ok()),
        comment: form.get("comment").unwrap_or_default().trim().to_owned(),
    };
    let adding = form.get("action") == Some("add");
    let context = context_of(&l.wf);
    let Opinion::RecallForAssessment { right, left } = &mut opinion else {
        return Err(AppError::Detour(format!(
            "{}/{}/assessment",
            l.base,
            purpose.segment()
        )));
    };
    let target = match breast {
        Breast::Right => right,
        Breast::Left => left,
    };
    let BreastAssessment::Abnormal { annotations } = target else {
        return Err(AppError::Detour(format!(
            "{}/{}/assessment",
            l.base,
            purpose.segment()
        )));
    };
    if adding {
        let mut errors = Vec::new();
        let location = match f.location_kind.as_deref() {
            Some("text") => Some(Location::Text {
                text: f.text.clone(),
            }),
            Some("mark") => match (f.view, parse_percent(&f.x), parse_percent(&f.y)) {
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
        };
        if f.abnormality.is_none() {
            errors.push((
                "abnormality".to_owned(),
                "Select the type of abnormality".to_owned(),
            ));
        }
        if f.concern.is_none() {
            errors.push((
                "concern".to_owned(),
                "Select the level of concern".to_owned(),
            ));
        }
        if let (Some(location), Some(abnormality), Some(concern)) =
            (location, f.abnormality, f.concern)
        {
            let annotation = Annotation {
                location,
                abnormality,
                abnormality_description: f.description.clone(),
                concern,
                comment: f.comment.clone(),
            };
            // The domain's rules for this one annotation (location inside the image, on
            // this breast, "Other" described), checked on a copy holding only it.
            let probe = Opinion::RecallForAssessment {
                right: BreastAssessment::Abnormal {
                    annotations: vec![annotation.clone()],
                },
                left: BreastAssessment::Abnormal {
                    annotations: vec![annotation.clone()],
                },
            };
            if let Err(e) = probe.validate(&context) {
                let prefix = format!("{side}_annotation_1_");
                for (field, message) in errors_of(e) {
                    if let Some(rest) = field.strip_prefix(&prefix) {
                        let field = match rest {
                            "location" => {
                                if f.location_kind.as_deref() == Some("mark") {
                                    "x"
                                } else {
                                    "location_text"
                                }
                            }
                            "abnormality_description" => "abnormality_description",
                            other => other,
                        };
                        errors.push((
                            field.to_owned(),
                            message.replace("abnormality 1", "this abnormality"),
                        ));
                    }
                }
            }
            if errors.is_empty() {
                annotations.push(annotation);
            }
        }
        if !errors.is_empty() {
            let current = draft_of(&state, &staff, &l, purpose).await?;
            return annotation_page(&state, &staff, &l, purpose, breast, &current, &f, errors);
        }
        state
            .store
            .save_opinion_draft(
                staff.scope(),
                &staff.actor(),
                l.cid,
                purpose.draft_key(),
                &opinion,
            )
            .await?;
        return Err(AppError::Detour(format!(
            "{}/{}/annotations/{side}",
            l.base,
            purpose.segment()
        )));
    }
    // Continue: this breast's annotation rules must hold.
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

pub async fn annotation_remove(
    State(state): State<AppState>,
    staff: Staff,
    Path((sid, cid, purpose, breast)): Path<(String, String, String, String)>,
    form: FormPairs,
) -> PageResult {
    let purpose = Purpose::parse(&purpose)?;
    let breast = parse_breast(&breast)?;
    let l = load(&state, &staff, &sid, &cid).await?;
    require_can_read(&l, purpose)?;
    let mut opinion = draft_of(&state, &staff, &l, purpose).await?;
    let n: usize = form
        .get("n")
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| AppError::BadRequest("Which abnormality to remove is missing".to_owned()))?;
    if let Opinion::RecallForAssessment { right, left } = &mut opinion {
        let target = match breast {
            Breast::Right => right,
            Breast::Left => left,
        };
        if let BreastAssessment::Abnormal { annotations } = target
            && n >= 1
            && n <= annotations.len()
        {
            annotations.remove(n - 1);
        }
    }
    state
        .store
        .save_opinion_draft(
            staff.scope(),
            &staff.actor(),
            l.cid,
            purpose.draft_key(),
            &opinion,
        )
        .await?;
    Ok(Redirect::to(&format!(
        "{}/{}/annotations/{}",
        l.base,
        purpose.segment(),
        breast.as_str()
    ))
    .into_response())
}

// --- Confirm ---------------------------------------------------------------------------
