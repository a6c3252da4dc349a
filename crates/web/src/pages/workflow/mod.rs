//! The screening appointment workflow: a separate mode for the mammographer running an
//! appointment, with a side navigation of four steps, each unlocked by the one before.
//! Every answer is saved when its page is submitted (with the version the page was shown
//! at), so a refresh, a crash or a switch of device loses nothing and a stale form never
//! overwrites a newer answer.

pub mod auto_images;
pub mod check;
pub mod ending;
pub mod identity;
pub mod images;
pub mod medical;
pub mod notes;

use crate::auth::Staff;
use crate::error::{AppError, PageResult};
use crate::present::{SpecialView, nhs_number};
use crate::state::AppState;
use axum::response::{IntoResponse, Redirect};
use domain::{AppointmentStatus, Permission};
use store::Workflow;
use uuid::Uuid;

pub use crate::features::workflow::app::{Step, current_step, step_done, step_unlocked};

pub struct StepLink {
    pub label: &'static str,
    pub href: String,
    pub current: bool,
    pub done: bool,
    pub locked: bool,
}

/// What every workflow page shows around its step: who, status, steps, notes.
pub struct Frame {
    pub id: String,
    pub name: String,
    pub nhs_number: String,
    pub status: &'static str,
    pub status_class: &'static str,
    pub running_by: String,
    pub version: i64,
    pub steps: Vec<StepLink>,
    pub special: SpecialView,
    pub notes: Vec<(String, String, String)>,
    /// Where a note form returns to.
    pub back: String,
}

impl Frame {
    pub fn new(wf: &Workflow, current: Step) -> Self {
        let a = &wf.appointment;
        let p = &a.participant;
        Frame {
            id: a.id.to_string(),
            name: p.full_name(),
            nhs_number: nhs_number(&p.nhs_number),
            status: a.status.label(),
            status_class: a.status.tag_class(),
            running_by: wf.running_user_name.clone().unwrap_or_default(),
            version: a.version,
            steps: Step::ALL
                .iter()
                .map(|s| StepLink {
                    label: s.label(),
                    href: s.href(a.id),
                    current: *s == current,
                    done: step_done(wf, *s),
                    locked: !step_unlocked(wf, *s),
                })
                .collect(),
            special: SpecialView::of(p),
            notes: wf
                .notes
                .iter()
                .map(|n| {
                    (
                        crate::present::instant(n.created_at),
                        n.author_name.clone(),
                        n.body.clone(),
                    )
                })
                .collect(),
            back: current.href(a.id),
        }
    }
}

/// Loads the workflow for the person running it. Anyone else, or an appointment not in
/// progress, is sent to the appointment page, which says who is running it.
pub async fn load(state: &AppState, staff: &Staff, id: Uuid) -> Result<Workflow, AppError> {
    staff.require(Permission::RunAppointment)?;
    let wf = state.store.workflow(staff.scope(), id).await?;
    let mine = wf.running_user_id == Some(staff.0.user_id);
    if wf.appointment.status != AppointmentStatus::InProgress || !mine {
        return Err(AppError::Detour(format!("/appointments/{id}")));
    }
    Ok(wf)
}

/// Loads the workflow for a page of `step`, sending the person to the right place if the
/// step is still locked.
pub async fn load_step(
    state: &AppState,
    staff: &Staff,
    id: Uuid,
    step: Step,
) -> Result<Workflow, AppError> {
    let wf = load(state, staff, id).await?;
    if !step_unlocked(&wf, step) {
        return Err(AppError::Detour(current_step(&wf).href(id)));
    }
    Ok(wf)
}

/// `GET /appointments/{id}/workflow`: the step to continue from.
pub async fn resume(
    axum::extract::State(state): axum::extract::State<AppState>,
    staff: Staff,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> PageResult {
    let id = super::parse_id(&id)?;
    let wf = load(&state, &staff, id).await?;
    Ok(Redirect::to(&current_step(&wf).href(id)).into_response())
}
