//! "Confirm your opinion", arbitration and skipping a case.

use super::*;

#[derive(Template)]
#[template(path = "reading/confirm.html")]
pub(super) struct ConfirmPage {
    pub(super) layout: Layout,
    pub(super) header: CaseHeader,
    pub(super) action: String,
    pub(super) change: String,
    pub(super) rows: Vec<(String, String)>,
    pub(super) heading: &'static str,
    /// Ask for the acknowledgement of significant symptoms (a plain "Normal"; "Normal, but
    /// add details" asks on its details page).
    pub(super) ask_symptoms: bool,
    pub(super) acknowledged: bool,
    pub(super) acknowledgement: &'static str,
    pub(super) errors: Vec<(String, String)>,
}

pub(super) fn confirm_page(
    state: &AppState,
    staff: &Staff,
    l: &Loaded,
    purpose: Purpose,
    opinion: &Opinion,
    errors: Vec<(String, String)>,
) -> PageResult {
    let page = ConfirmPage {
        layout: Layout::new(
            domain::reading::CONFIRM_OPINION,
            Some(staff.0.clone()),
            state.config.demo_mode,
        ),
        header: case_header(l, state.today()),
        action: format!("{}/{}/confirm", l.base, purpose.segment()),
        change: format!("{}/{}", l.base, question_path(purpose)),
        rows: opinion_rows(opinion)
            .into_iter()
            .filter(|(key, _)| !(asks_symptoms(l, opinion) && key == "Symptoms"))
            .collect(),
        heading: domain::reading::CONFIRM_OPINION,
        ask_symptoms: asks_symptoms(l, opinion),
        acknowledged: opinion.symptoms_acknowledged() == Some(true),
        acknowledgement: domain::reading::SYMPTOMS_ACKNOWLEDGEMENT,
        errors,
    };
    let errors = page.errors.clone();
    Ok(with_status(render(page)?, &errors))
}

/// Whether the confirm page asks for the acknowledgement of significant symptoms: a plain
/// "Normal" of a participant who reported them.
pub(super) fn asks_symptoms(l: &Loaded, opinion: &Opinion) -> bool {
    matches!(opinion, Opinion::Normal { .. }) && context_of(&l.wf).has_significant_symptoms
}

pub async fn confirm_form(
    State(state): State<AppState>,
    staff: Staff,
    PageIds(sid, cid): PageIds<Uuid, CaseId>,
    PurposePath(purpose): PurposePath,
) -> PageResult {
    let l = load_for(&state, &staff, (sid, cid), purpose).await?;
    let opinion = draft_of(&state, &staff, &l, purpose).await?;
    // The acknowledgement a plain "Normal" needs is asked on this page: not an error yet.
    let asked_here = asks_symptoms(&l, &opinion);
    let errors = opinion
        .validate(&context_of(&l.wf))
        .err()
        .map(errors_of)
        .unwrap_or_default()
        .into_iter()
        .filter(|(field, _)| !(asked_here && field == "symptoms_acknowledged"))
        .collect();
    confirm_page(&state, &staff, &l, purpose, &opinion, errors)
}

/// "Confirm your opinion" as submitted.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ConfirmForm {
    /// "yes" when a plain "Normal" acknowledges the participant's significant symptoms.
    symptoms_acknowledged: Option<String>,
}

pub async fn confirm(
    State(state): State<AppState>,
    staff: Staff,
    PageIds(sid, cid): PageIds<Uuid, CaseId>,
    PurposePath(purpose): PurposePath,
    PageForm(form): PageForm<ConfirmForm>,
) -> PageResult {
    let l = load_for(&state, &staff, (sid, cid), purpose).await?;
    let mut opinion = draft_of(&state, &staff, &l, purpose).await?;
    if let Opinion::Normal {
        symptoms_acknowledged,
    } = &mut opinion
    {
        *symptoms_acknowledged = form.symptoms_acknowledged.as_deref() == Some("yes");
    }
    if let Err(errors) = opinion.validate(&context_of(&l.wf)) {
        return confirm_page(&state, &staff, &l, purpose, &opinion, errors_of(errors));
    }
    let caller = staff.caller();
    let result = match purpose {
        Purpose::Read => {
            let cmd = app::RecordRead {
                session_id: Some(l.sid),
                case_id: l.cid,
                opinion: opinion.clone(),
            };
            app::record_read(&state.store, &caller, cmd).await
        }
        Purpose::Arbitration => {
            let panel = state
                .store
                .arbitration_panel(staff.scope(), staff.0.user_id, l.cid)
                .await?;
            let cmd = app::Arbitrate {
                session_id: Some(l.sid),
                case_id: l.cid,
                arbitrators: panel,
                decision: ArbitrationDecision::Other(opinion.clone()),
            };
            app::arbitrate(&state.store, &caller, cmd).await
        }
    };
    match result {
        Ok(_) => claim_next(&state, &staff, l.sid).await,
        Err(Failure::Store(store::StoreError::Invalid(errors))) => {
            confirm_page(&state, &staff, &l, purpose, &opinion, errors_of(errors))
        }
        Err(e) => Err(e.into()),
    }
}

// --- Arbitration -----------------------------------------------------------------------

/// The arbitration form on the case page: who else is present, and the decision.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ArbitrationForm {
    arbitrators: Vec<String>,
    decision: Option<String>,
}

pub async fn arbitrate(
    State(state): State<AppState>,
    staff: Staff,
    PageIds(sid, cid): PageIds<Uuid, CaseId>,
    PageForm(form): PageForm<ArbitrationForm>,
) -> PageResult {
    let l = load_for(&state, &staff, (sid, cid), Purpose::Arbitration).await?;
    let panel: Vec<Uuid> = form
        .arbitrators
        .iter()
        .filter_map(|v| Uuid::parse_str(v).ok())
        .collect();
    let decision = match form.decision.as_deref() {
        Some("agree_with_first") => Some(ArbitrationDecision::AgreeWithFirst),
        Some("agree_with_second") => Some(ArbitrationDecision::AgreeWithSecond),
        Some("other") => None,
        _ => {
            return case_page(
                &state,
                &staff,
                &l,
                Purpose::Read,
                None,
                vec![(
                    "decision".to_owned(),
                    "Select the arbitration decision".to_owned(),
                )],
            )
            .await;
        }
    };
    let caller = staff.caller();
    app::save_panel(&state.store, &caller, l.cid, &panel).await?;
    let Some(decision) = decision else {
        return Ok(Redirect::to(&format!("{}/arbitration", l.base)).into_response());
    };
    let cmd = app::Arbitrate {
        session_id: Some(l.sid),
        case_id: l.cid,
        arbitrators: panel,
        decision,
    };
    match app::arbitrate(&state.store, &caller, cmd).await {
        Ok(_) => claim_next(&state, &staff, l.sid).await,
        Err(Failure::Store(store::StoreError::Invalid(errors))) => {
            case_page(&state, &staff, &l, Purpose::Read, None, errors_of(errors)).await
        }
        Err(e) => Err(e.into()),
    }
}

// --- Skip, defer, priors ---------------------------------------------------------------

pub async fn skip(
    State(state): State<AppState>,
    staff: Staff,
    PageIds(sid, cid): PageIds<Uuid, CaseId>,
) -> PageResult {
    reader(&staff)?;
    app::skip(&state.store, &staff.caller(), sid, cid).await?;
    claim_next(&state, &staff, sid).await
}
