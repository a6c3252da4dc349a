use super::IdAnd;
use crate::auth::Staff;
use crate::error::{AppError, PageResult};
use crate::http::extract::PageId;
use crate::pages::render;
use crate::present::{Layout, SpecialView, day_date, instant, long_date, nhs_number};
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect};
use domain::ids::AppointmentId;
use domain::{AppointmentAction, AppointmentStatus, Permission, age_on};
use serde::Deserialize;
use store::AppointmentDetail;

/// An action offered as a button on the appointment page.
pub struct ActionButton {
    pub path: String,
    pub label: &'static str,
    pub primary: bool,
}

/// The actions this page offers for a status, in button order. The workflow steps of a
/// running appointment come with the appointment workflow.
const OFFERED: &[(AppointmentAction, &str, bool)] = &[
    (AppointmentAction::CheckIn, "Check in", true),
    (AppointmentAction::Start, "Start appointment", true),
    (AppointmentAction::Resume, "Resume appointment", true),
    (AppointmentAction::UndoCancel, "Undo cancellation", false),
    (
        AppointmentAction::UndoDidNotAttend,
        "Undo did not attend",
        false,
    ),
];

/// The URL segment for an action ("check-in").
pub fn action_path(action: AppointmentAction) -> String {
    action.as_str().replace('_', "-")
}

#[derive(Template)]
#[template(path = "appointment.html")]
struct AppointmentPage {
    layout: Layout,
    banner: Option<String>,
    id: String,
    version: i64,
    clinic_id: String,
    participant_id: String,
    name: String,
    status: &'static str,
    status_class: &'static str,
    holder: Option<String>,
    special: SpecialView,
    date: String,
    time: String,
    duration: i64,
    location: String,
    episode_type: &'static str,
    episode_stage: &'static str,
    episode_outcome: Option<&'static str>,
    nhs_number: String,
    date_of_birth: String,
    age: u16,
    actions: Vec<ActionButton>,
    /// The way back into the workflow for the person running this appointment (the
    /// clinic page's "Resume appointment" leads here); nobody else is offered one.
    workflow_href: Option<String>,
    can_cancel: bool,
    needs_details: bool,
    /// "Record assessment" (or view it) for an appointment in an assessment clinic.
    assessment: Option<(String, &'static str)>,
    history: Vec<(String, &'static str, String)>,
}

#[derive(Deserialize)]
pub struct ShowQuery {
    done: Option<String>,
}

/// "Checked in by {name} at {time}" for an appointment someone is running or paused.
fn holder_text(a: &AppointmentDetail) -> Option<String> {
    match a.status {
        AppointmentStatus::InProgress | AppointmentStatus::Paused => a.current_holder().map(|h| {
            format!(
                "{} by {} at {}",
                a.status.label(),
                h.changed_by_name,
                instant(h.changed_at)
            )
        }),
        _ => None,
    }
}

/// The buttons for the actions this person may take now.
fn action_buttons(a: &AppointmentDetail, staff: &Staff, today: time::Date) -> Vec<ActionButton> {
    // Nobody is checked in or started before the clinic's day.
    let future = a.clinic_date > today;
    OFFERED
        .iter()
        .filter(|(action, _, _)| {
            a.status.apply(*action).is_ok()
                && staff.0.can(action.permission())
                && !(future
                    && matches!(
                        action,
                        AppointmentAction::CheckIn | AppointmentAction::Start
                    ))
        })
        .map(|(action, label, primary)| ActionButton {
            path: action_path(*action),
            label,
            primary: *primary,
        })
        .collect()
}

/// Whether the office should record why an attended-not-screened participant was not
/// screened (nobody has yet).
async fn needs_details(
    state: &AppState,
    staff: &Staff,
    a: &AppointmentDetail,
) -> Result<bool, AppError> {
    if a.status != AppointmentStatus::AttendedNotScreened
        || !staff.0.can(Permission::ManageAppointments)
    {
        return Ok(false);
    }
    let wf = state.store.workflow(staff.scope(), a.id).await?;
    Ok(wf.sections.ending.is_none())
}

pub async fn show(
    State(state): State<AppState>,
    staff: Staff,
    PageId(id): PageId<AppointmentId>,
    Query(q): Query<ShowQuery>,
) -> PageResult {
    let a: AppointmentDetail = state.store.appointment(staff.scope(), id).await?;
    state
        .store
        .record_view(&staff.actor(), "appointment", a.id, Some(a.participant.id))
        .await?;
    let p = &a.participant;
    let banner = q
        .done
        .as_deref()
        .and_then(|d| d.parse::<AppointmentAction>().ok())
        .map(|_: AppointmentAction| {
            format!(
                "{} is now {}",
                p.full_name(),
                a.status.label().to_lowercase()
            )
        });
    let workflow_href = (a.status == AppointmentStatus::InProgress
        && staff.0.can(Permission::RunAppointment)
        && a.current_holder().and_then(|h| h.changed_by) == Some(staff.0.user_id))
    .then(|| format!("/appointments/{}/workflow", a.id));
    render(AppointmentPage {
        layout: Layout::new(
            format!("Appointment: {}", p.full_name()),
            Some(staff.0.clone()),
            state.config.demo_mode,
        ),
        banner,
        id: a.id.to_string(),
        version: a.version,
        clinic_id: a.clinic_id.to_string(),
        participant_id: p.id.to_string(),
        name: p.full_name(),
        status: a.status.label(),
        status_class: a.status.tag_class(),
        holder: holder_text(&a),
        special: SpecialView::of(p),
        date: day_date(a.clinic_date),
        time: a.starts_at.clone(),
        duration: a.duration_minutes,
        location: a.location_name.clone(),
        episode_type: a.episode_type.label(),
        episode_stage: a.episode_stage.label(),
        episode_outcome: a.episode_outcome.map(|o| o.label()),
        nhs_number: nhs_number(&p.nhs_number),
        date_of_birth: long_date(p.date_of_birth),
        age: age_on(p.date_of_birth, state.today()),
        actions: action_buttons(&a, &staff, state.today()),
        workflow_href,
        assessment: crate::features::assessment::app::link(&state.store, &staff.caller(), a.id)
            .await?,
        can_cancel: a.status == AppointmentStatus::Scheduled
            && staff.0.can(Permission::ManageAppointments),
        needs_details: needs_details(&state, &staff, &a).await?,
        history: a
            .history
            .iter()
            .map(|h| {
                (
                    instant(h.changed_at),
                    h.status.label(),
                    h.changed_by_name.clone(),
                )
            })
            .collect(),
    })
}

#[derive(Deserialize)]
pub struct ActForm {
    /// Where to return: a clinic filter means back to the clinic page.
    filter: Option<String>,
    version: Option<i64>,
}

pub async fn act(
    State(state): State<AppState>,
    staff: Staff,
    IdAnd(id, action): IdAnd,
    Form(form): Form<ActForm>,
) -> PageResult {
    let action: AppointmentAction = action
        .replace('-', "_")
        .parse()
        .map_err(|_| AppError::NotFound)?;
    staff.require(action.permission())?;
    action
        .requestable()
        .map_err(|e| store::StoreError::NotAllowed(e.0))?;
    if action == AppointmentAction::CheckIn {
        staff.require(Permission::CheckIn)?;
    }
    let scope = staff.scope();
    state
        .store
        .apply_action(scope, &staff.actor(), id, action, form.version)
        .await?;
    let to = match form
        .filter
        .as_deref()
        .and_then(|f| f.parse::<domain::ClinicFilter>().ok())
    {
        Some(filter) => {
            let a = state.store.appointment(scope, id).await?;
            format!(
                "/clinics/{}?filter={}&done={}&appointment={id}",
                a.clinic_id,
                filter.as_str(),
                action.as_str()
            )
        }
        None if matches!(action, AppointmentAction::Start | AppointmentAction::Resume) => {
            format!("/appointments/{id}/workflow")
        }
        None => format!("/appointments/{id}?done={}", action.as_str()),
    };
    Ok(Redirect::to(&to).into_response())
}
