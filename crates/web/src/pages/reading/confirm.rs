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
    Path((sid, cid, purpose)): Path<(String, String, String)>,
) -> PageResult {
    let purpose = Purpose::parse(&purpose)?;
    let l = load(&state, &staff, &sid, &cid).await?;
    require_can_read(&l, purpose)?;
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

pub async fn confirm(
    State(state): State<AppState>,
    staff: Staff,
    Path((sid, cid, purpose)): Path<(String, String, String)>,
    form: FormPairs,
) -> PageResult {
    let purpose = Purpose::parse(&purpose)?;
    let l = load(&state, &staff, &sid, &cid).await?;
    require_can_read(&l, purpose)?;
    let mut opinion = draft_of(&state, &staff, &l, purpose).await?;
    if let Opinion::Normal {
        symptoms_acknowledged,
    } = &mut opinion
    {
        *symptoms_acknowledged = form.get("symptoms_acknowledged") == Some("yes");
    }
    let context = context_of(&l.wf);
    if let Err(errors) = opinion.validate(&context) {
        return confirm_page(&state, &staff, &l, purpose, &opinion, errors_of(errors));
    }
    let result = match purpose {
        Purpose::Read => state
            .store
            .record_read(
                staff.scope(),
                &staff.actor(),
                Some(l.sid),
                l.cid,
                &opinion,
                &context,
            )
            .await
            .map(|_| ()),
        Purpose::Arbitration => {
            let panel = state
                .store
                .arbitration_panel(staff.scope(), staff.0.user_id, l.cid)
                .await?;
            state
                .store
                .record_arbitration(
                    staff.scope(),
                    &staff.actor(),
                    Some(l.sid),
                    l.cid,
                    &store::NewArbitration {
                        arbitrators: panel,
                        decision: ArbitrationDecision::Other(opinion.clone()),
                    },
                    &context,
                )
                .await
                .map(|_| ())
        }
    };
    match result {
        Ok(()) => claim_next(&state, &staff, l.sid).await,
        Err(store::StoreError::Invalid(errors)) => {
            confirm_page(&state, &staff, &l, purpose, &opinion, errors_of(errors))
        }
        Err(e) => Err(e.into()),
    }
}

// --- Arbitration -----------------------------------------------------------------------

pub async fn arbitrate(
    State(state): State<AppState>,
    staff: Staff,
    Path((sid, cid)): Path<(String, String)>,
    form: FormPairs,
) -> PageResult {
    let l = load(&state, &staff, &sid, &cid).await?;
    require_can_read(&l, Purpose::Arbitration)?;
    let panel: Vec<Uuid> = form
        .all("arbitrators")
        .filter_map(|v| Uuid::parse_str(v).ok())
        .collect();
    let decision = match form.get("decision") {
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
    state
        .store
        .save_arbitration_panel(staff.scope(), &staff.actor(), l.cid, &panel)
        .await?;
    let Some(decision) = decision else {
        return Ok(Redirect::to(&format!("{}/arbitration", l.base)).into_response());
    };
    match state
        .store
        .record_arbitration(
            staff.scope(),
            &staff.actor(),
            Some(l.sid),
            l.cid,
            &store::NewArbitration {
                arbitrators: panel,
                decision,
            },
            &context_of(&l.wf),
        )
        .await
    {
        Ok(_) => claim_next(&state, &staff, l.sid).await,
        Err(store::StoreError::Invalid(errors)) => {
            case_page(&state, &staff, &l, Purpose::Read, None, errors_of(errors)).await
        }
        Err(e) => Err(e.into()),
    }
}

// --- Skip, defer, priors ---------------------------------------------------------------

pub async fn skip(
    State(state): State<AppState>,
    staff: Staff,
    Path((sid, cid)): Path<(String, String)>,
) -> PageResult {
    reader(&staff)?;
    let (sid, cid) = (parse_id(&sid)?, parse_id(&cid)?);
    state
        .store
        .skip_case(staff.scope(), &staff.actor(), sid, cid)
        .await?;
    claim_next(&state, &staff, sid).await
}
