//! Deferring a case and asking for priors, and the office's list of held cases.

use super::*;
use app::Hold;
use domain::ids::CaseId;

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
    ids: PageIds<Uuid, CaseId>,
) -> PageResult {
    hold_form(state, staff, ids, Hold::Defer).await
}

pub async fn priors_form(
    State(state): State<AppState>,
    staff: Staff,
    ids: PageIds<Uuid, CaseId>,
) -> PageResult {
    hold_form(state, staff, ids, Hold::Priors).await
}

/// Why the case is deferred, or priors are requested (optional for priors).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReasonForm {
    reason: String,
}

pub async fn defer_save(
    State(state): State<AppState>,
    staff: Staff,
    ids: PageIds<Uuid, CaseId>,
    PageForm(form): PageForm<ReasonForm>,
) -> PageResult {
    hold_save(state, staff, ids, Hold::Defer, form).await
}

pub async fn priors_save(
    State(state): State<AppState>,
    staff: Staff,
    ids: PageIds<Uuid, CaseId>,
    PageForm(form): PageForm<ReasonForm>,
) -> PageResult {
    hold_save(state, staff, ids, Hold::Priors, form).await
}

pub(super) async fn hold_form(
    state: AppState,
    staff: Staff,
    PageIds(sid, cid): PageIds<Uuid, CaseId>,
    hold: Hold,
) -> PageResult {
    let l = load(&state, &staff, sid, cid).await?;
    reason_page(&state, &staff, &l, hold, String::new(), Vec::new())
}

pub(super) async fn hold_save(
    state: AppState,
    staff: Staff,
    PageIds(sid, cid): PageIds<Uuid, CaseId>,
    hold: Hold,
    form: ReasonForm,
) -> PageResult {
    let l = load(&state, &staff, sid, cid).await?;
    let cmd = app::HoldCase {
        hold,
        session_id: Some(l.sid),
        case_id: l.cid,
        reason: form.reason,
    };
    match app::hold(&state.store, &staff.caller(), cmd.clone()).await {
        Ok(()) => claim_next(&state, &staff, l.sid).await,
        Err(Failure::Store(store::StoreError::Invalid(errors))) => {
            reason_page(&state, &staff, &l, hold, cmd.reason, errors_of(errors))
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
    let caller = staff.caller();
    let deferred = app::holds(&state.store, &caller, "deferred").await?;
    let priors = app::holds(&state.store, &caller, "priors")
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
    PageId(cid): PageId<CaseId>,
) -> PageResult {
    staff.require(Permission::ManageAppointments)?;
    app::unflag(&state.store, &staff.caller(), cid).await?;
    Ok(Redirect::to("/reading/holds?done=unflagged").into_response())
}

/// The priors' next status, chosen on the office's list.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PriorsStatusForm {
    status: Option<String>,
}

pub async fn priors_status(
    State(state): State<AppState>,
    staff: Staff,
    PageId(cid): PageId<CaseId>,
    PageForm(form): PageForm<PriorsStatusForm>,
) -> PageResult {
    staff.require(Permission::ManageAppointments)?;
    let to = form
        .status
        .as_deref()
        .and_then(|s| s.parse::<PriorsStatus>().ok())
        .ok_or_else(|| AppError::BadRequest("Select the new status of the priors".to_owned()))?;
    app::set_priors_status(&state.store, &staff.caller(), cid, to).await?;
    Ok(Redirect::to("/reading/holds?done=priors").into_response())
}
