//! Leaving an appointment: "Exit appointment" (pause, cannot proceed, discard) and
//! "Appointment cannot proceed" (attended not screened, with reasons and the reschedule
//! question).

use super::{Frame, load};
use crate::auth::Staff;
use crate::error::{AppError, PageResult};
use crate::http::extract::PageId;
use crate::pages::{FormPairs, render};
use crate::present::Layout;
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect};
use domain::AppointmentAction;
use domain::ending::{
    AttendedNotScreened, CannotProceedReason, ExitChoice, RescheduleDecision, exit_choices,
};
use store::{Finish, NewFollowUp};

pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "workflow/exit.html")]
struct ExitPage {
    layout: Layout,
    frame: Frame,
    choices: Vec<Choice>,
    images_taken: bool,
    error: Option<&'static str>,
}

async fn exit_page(
    state: &AppState,
    staff: &Staff,
    wf: &store::Workflow,
    error: Option<&'static str>,
) -> PageResult {
    let images_taken = super::auto_images::images_taken(state, staff, wf).await?;
    render(ExitPage {
        layout: Layout::new(
            "Exit appointment",
            Some(staff.0.clone()),
            state.config.demo_mode,
        ),
        frame: Frame::new(wf, super::current_step(wf)),
        choices: exit_choices(images_taken)
            .iter()
            .map(|c| Choice {
                value: c.as_str(),
                label: c.label(),
                checked: false,
            })
            .collect(),
        images_taken,
        error,
    })
}

pub async fn exit_form(
    State(state): State<AppState>,
    staff: Staff,
    PageId(id): PageId,
) -> PageResult {
    let wf = load(&state, &staff, id).await?;
    exit_page(&state, &staff, &wf, None).await
}

pub async fn exit(
    State(state): State<AppState>,
    staff: Staff,
    PageId(id): PageId,
    form: FormPairs,
) -> PageResult {
    let wf = load(&state, &staff, id).await?;
    let version = form.version()?;
    let choice = form
        .get("choice")
        .and_then(|c| c.parse::<ExitChoice>().ok());
    let allowed = exit_choices(super::auto_images::images_taken(&state, &staff, &wf).await?);
    let Some(choice) = choice.filter(|c| allowed.contains(c)) else {
        return exit_page(
            &state,
            &staff,
            &wf,
            Some("Select whether this appointment will be resumed today"),
        )
        .await;
    };
    let scope = staff.scope();
    let clinic = wf.appointment.clinic_id;
    match choice {
        ExitChoice::PauseAndSave => {
            state
                .store
                .apply_action(
                    scope,
                    &staff.actor(),
                    id,
                    AppointmentAction::Pause,
                    Some(version),
                )
                .await?;
            Ok(Redirect::to(&format!(
                "/clinics/{clinic}?filter=in_progress&done=pause&appointment={id}"
            ))
            .into_response())
        }
        ExitChoice::DiscardChanges => {
            state
                .store
                .discard_and_revert(scope, &staff.actor(), id, version)
                .await?;
            Ok(Redirect::to(&format!(
                "/clinics/{clinic}?filter=checked_in&done=revert_to_checked_in&appointment={id}"
            ))
            .into_response())
        }
        ExitChoice::CannotProceed => {
            Ok(Redirect::to(&format!("/appointments/{id}/cannot-proceed")).into_response())
        }
    }
}

pub struct ReasonView {
    pub value: &'static str,
    pub label: &'static str,
    pub checked: bool,
    pub details: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "workflow/cannot_proceed.html")]
struct CannotProceedPage {
    layout: Layout,
    frame: Frame,
    reasons: Vec<ReasonView>,
    reschedule: Vec<Choice>,
    errors: Vec<(String, String)>,
    reasons_error: Option<String>,
    reschedule_error: Option<String>,
}

fn cannot_proceed_page(
    state: &AppState,
    staff: &Staff,
    wf: &store::Workflow,
    answer: &AttendedNotScreened,
    errors: Vec<(String, String)>,
) -> PageResult {
    let find = |field: &str| {
        errors
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.clone())
    };
    let reasons = CannotProceedReason::ALL
        .iter()
        .map(|r| {
            let given = answer.reasons.iter().find(|(g, _)| g == r);
            ReasonView {
                value: r.as_str(),
                label: r.label(),
                checked: given.is_some(),
                details: given.map(|(_, d)| d.clone()).unwrap_or_default(),
                error: find(&format!("{}_details", r.as_str())),
            }
        })
        .collect();
    let reschedule = RescheduleDecision::ALL
        .iter()
        .map(|d| Choice {
            value: d.as_str(),
            label: d.label(),
            checked: answer.reschedule == Some(*d),
        })
        .collect();
    let mut page = CannotProceedPage {
        layout: Layout::new(
            "Appointment cannot proceed",
            Some(staff.0.clone()),
            state.config.demo_mode,
        ),
        frame: Frame::new(wf, super::current_step(wf)),
        reasons,
        reschedule,
        reasons_error: find("reasons"),
        reschedule_error: find("reschedule"),
        errors,
    };
    if !page.errors.is_empty() {
        page.layout.title = format!("Error: {}", page.layout.title);
    }
    let status = if page.errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut res = render(page)?;
    *res.status_mut() = status;
    Ok(res)
}

pub async fn cannot_proceed_form(
    State(state): State<AppState>,
    staff: Staff,
    PageId(id): PageId,
) -> PageResult {
    let wf = load(&state, &staff, id).await?;
    if super::auto_images::images_taken(&state, &staff, &wf).await? {
        return Err(AppError::BadRequest(
            "Images have been taken, so this appointment can only be paused. Record what was taken in 'Take mammogram images'.".to_owned(),
        ));
    }
    let saved: AttendedNotScreened = wf
        .sections
        .get("ending")
        .and_then(|s| serde_json::from_value(s.data.clone()).ok())
        .unwrap_or_default();
    cannot_proceed_page(&state, &staff, &wf, &saved, Vec::new())
}

/// Reads the form: `reasons` (repeated), `details_<reason>`, `reschedule`.
pub fn parse_attended_not_screened(form: &FormPairs) -> AttendedNotScreened {
    AttendedNotScreened {
        reasons: form
            .all("reasons")
            .filter_map(|r| r.parse::<CannotProceedReason>().ok())
            .map(|r| {
                (
                    r,
                    form.get(&format!("details_{}", r.as_str()))
                        .unwrap_or_default()
                        .trim()
                        .to_owned(),
                )
            })
            .collect(),
        reschedule: form.get("reschedule").and_then(|r| r.parse().ok()),
    }
}

/// What ending as attended not screened records: the reasons, and a reschedule request
/// for the office when the participant is to be rescheduled.
pub fn attended_not_screened_finish(answer: &AttendedNotScreened) -> Finish {
    let follow_up = answer
        .reschedule
        .and_then(|d| d.follow_up().map(|kind| (d, kind)))
        .map(|(d, kind)| NewFollowUp {
            kind: kind.as_str(),
            timescale: if d.reschedules() {
                d.label().to_owned()
            } else {
                String::new()
            },
            note: answer
                .reasons
                .iter()
                .map(|(r, d)| {
                    if d.is_empty() {
                        r.label().to_owned()
                    } else {
                        format!("{}: {d}", r.label())
                    }
                })
                .collect::<Vec<_>>()
                .join("; "),
            views: Vec::new(),
        });
    Finish {
        action: AppointmentAction::AttendedNotScreened,
        episode_outcome: domain::episode::ending_outcome(
            domain::AppointmentStatus::AttendedNotScreened,
            answer.reschedule,
        ),
        episode_stage: None,
        follow_up,
        record: Some(("ending", serde_json::to_value(answer).unwrap_or_default())),
        tally: None,
    }
}

pub async fn cannot_proceed(
    State(state): State<AppState>,
    staff: Staff,
    PageId(id): PageId,
    form: FormPairs,
) -> PageResult {
    let wf = load(&state, &staff, id).await?;
    let version = form.version()?;
    let answer = parse_attended_not_screened(&form);
    if let Err(errors) = answer.validate() {
        let errors = errors
            .into_iter()
            .map(|e| (e.field.to_string(), e.message.to_string()))
            .collect();
        return cannot_proceed_page(&state, &staff, &wf, &answer, errors);
    }
    state
        .store
        .finish_appointment(
            staff.scope(),
            &staff.actor(),
            id,
            version,
            attended_not_screened_finish(&answer),
        )
        .await?;
    let clinic = wf.appointment.clinic_id;
    Ok(Redirect::to(&format!(
        "/clinics/{clinic}?filter=complete&done=attended_not_screened&appointment={id}"
    ))
    .into_response())
}
