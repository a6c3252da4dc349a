//! Deferring a case and asking for priors, and the office's list of held cases.

use super::*;

#[derive(Template)]
#[template(path = "reading/reason.html")]
pub(super) struct ReasonPage {
    pub(super) layout: Layout,
    pub(super) base: String,
    pub(super) header: CaseHeader,
    pub(super) action: String,
    pub(super) heading: &'static str,
    pub(super) label: &'static str,
    pub(super) hint: &'static str,
    pub(super) button: &'static str,
    pub(super) reason: String,
    pub(super) errors: Vec<(String, String)>,
}

#[derive(Clone, Copy)]
pub(super) enum Hold {
    Defer,
    Priors,
}

pub(super) fn reason_page(
    state: &AppState,
    staff: &Staff,
    l: &Loaded,
    hold: Hold,
    reason: String,
    errors: Vec<(String, String)>,
) -> PageResult {
    let (heading, label, hint, button, seg) = match hold {
        Hold::Defer => (
            "Defer this case",
            "Reason for deferring",
            "Describe what is wrong. The office will review the case before it is read.",
            "Defer case",
            "defer",
        ),
        Hold::Priors => (
            "Request prior mammograms",
            "Reason for requesting priors (optional)",
            "This helps the next reader, who may not be you.",
            "Request priors",
            "priors",
        ),
    };
    let page = ReasonPage {
        layout: Layout::new(heading, Some(staff.0.clone()), state.config.demo_mode),
        base: l.base.clone(),
        header: case_header(l, state.today()),
        action: format!("{}/{seg}", l.base),
        heading,
        label,
        hint,
        button,
        reason,
        errors,
    };
    let errors = page.errors.clone();
    Ok(with_status(render(page)?, &errors))
}

pub async fn defer_form(
    State(state): State<AppState>,
    staff: Staff,
    Path((sid, cid)): Path<(String, String)>,
) -> PageResult {
    hold_form(state, staff, sid, cid, Hold::Defer).await
}

pub async fn priors_form(
    State(state): State<AppState>,
    staff: Staff,
    Path((sid, cid)): Path<(String, String)>,
) -> PageResult {
    hold_form(state, staff, sid, cid, Hold::Priors).await
}

pub async fn defer_save(
    State(state): State<AppState>,
    staff: Staff,
    Path((sid, cid)): Path<(String, String)>,
    form: FormPairs,
) -> PageResult {
    hold_save(state, staff, sid, cid, Hold::Defer, form).await
}

pub async fn priors_save(
    State(state): State<AppState>,
    staff: Staff,
    Path((sid, cid)): Path<(String, String)>,
    form: FormPairs,
) -> PageResult {
    hold_save(state, staff, sid, cid, Hold::Priors, form).await
}

pub(super) async fn hold_form(
    state: AppState,
    staff: Staff,
    sid: String,
    cid: String,
    hold: Hold,
) -> PageResult {
    let l = load(&state, &staff, &sid, &cid).await?;
    reason_page(&state, &staff, &l, hold, String::new(), Vec::new())
}

pub(super) async fn hold_save(
    state: AppState,
    staff: Staff,
    sid: String,
    cid: String,
    hold: Hold,
    form: FormPairs,
) -> PageResult {
    let l = load(&state, &staff, &sid, &cid).await?;
    let reason = form.get("reason").unwrap_or_default().to_owned();
    let result = match hold {
        Hold::Defer => {
            state
                .store
                .defer_case(staff.scope(), &staff.actor(), Some(l.sid), l.cid, &reason)
                .await
        }
        Hold::Priors => {
            state
                .store
                .request_priors(staff.scope(), &staff.actor(), Some(l.sid), l.cid, &reason)
                .await
        }
    };
    match result {
        Ok(()) => claim_next(&state, &staff, l.sid).await,
        Err(store::StoreError::Invalid(errors)) => {
            reason_page(&state, &staff, &l, hold, reason, errors_of(errors))
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------
// The office's lists
// ---------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "reading/holds.html")]
pub(super) struct HoldsPage {
    pub(super) layout: Layout,
    pub(super) deferred: Vec<store::CaseHold>,
    pub(super) priors: Vec<(store::CaseHold, Vec<Option_>)>,
    pub(super) can_manage: bool,
    pub(super) done: Option<String>,
}

#[derive(Deserialize)]
pub struct DoneQuery {
    pub(super) done: Option<String>,
}

pub async fn holds(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<DoneQuery>,
) -> PageResult {
    staff.require(Permission::ViewRecords)?;
    let scope = staff.scope();
    let deferred = state.store.case_holds(scope, "deferred").await?;
    let priors = state
        .store
        .case_holds(scope, "priors")
        .await?
        .into_iter()
        .map(|h| {
            let next = options(
                h.priors_status.next(),
                PriorsStatus::as_str,
                PriorsStatus::label,
                &[],
            );
            (h, next)
        })
        .collect();
    render(HoldsPage {
        layout: Layout::new(
            "Deferred cases and priors",
            Some(staff.0.clone()),
            state.config.demo_mode,
        ),
        deferred,
        priors,
        can_manage: staff.0.can(Permission::ManageAppointments),
        done: q.done.map(|d| match d.as_str() {
            "unflagged" => "The case has been returned to reading".to_owned(),
            _ => "The priors status has been updated".to_owned(),
        }),
    })
}

pub async fn unflag(
    State(state): State<AppState>,
    staff: Staff,
    Path(cid): Path<String>,
) -> PageResult {
    staff.require(Permission::ManageAppointments)?;
    let cid = parse_id(&cid)?;
    state
        .store
        .unflag_case(staff.scope(), &staff.actor(), cid)
        .await?;
    Ok(Redirect::to("/reading/holds?done=unflagged").into_response())
}

pub async fn priors_status(
    State(state): State<AppState>,
    staff: Staff,
    Path(cid): Path<String>,
    form: FormPairs,
) -> PageResult {
    staff.require(Permission::ManageAppointments)?;
    let cid = parse_id(&cid)?;
    let to = form
        .get("status")
        .and_then(|s| s.parse::<PriorsStatus>().ok())
        .ok_or_else(|| AppError::BadRequest("Select the new status of the priors".to_owned()))?;
    state
        .store
        .set_priors_status(staff.scope(), &staff.actor(), cid, to)
        .await?;
    Ok(Redirect::to("/reading/holds?done=priors").into_response())
}
