//! The office's endings of an appointment: cancel or reschedule with a reason, and record
//! why an attended-not-screened participant was not screened.

use super::ending::{NotScreenedForm, ReasonView};
use super::form_version;
use crate::auth::Staff;
use crate::error::PageResult;
use crate::features::workflow::app::endings::cancellation_finish;
use crate::http::extract::{PageForm, PageId};
use crate::pages::{errors_of, find, render, with_status};
use crate::present::{Choice, Layout};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect};
use domain::Permission;
use domain::ending::{
    AttendedNotScreened, CancelReason, Cancellation, CannotProceedReason, RescheduleDecision,
};
use domain::ids::AppointmentId;

fn reschedule_choices(selected: Option<RescheduleDecision>) -> Vec<Choice> {
    RescheduleDecision::ALL
        .iter()
        .map(|d| Choice {
            value: d.as_str(),
            label: d.label(),
            checked: selected == Some(*d),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "cancel.html")]
struct CancelPage {
    layout: Layout,
    id: String,
    name: String,
    version: i64,
    reasons: Vec<Choice>,
    details: String,
    reschedule: Vec<Choice>,
    errors: Vec<(String, String)>,
    reason_error: Option<String>,
    details_error: Option<String>,
    reschedule_error: Option<String>,
}

fn cancel_page(
    state: &AppState,
    staff: &Staff,
    a: &store::AppointmentDetail,
    form: &Cancellation,
    errors: Vec<(String, String)>,
) -> PageResult {
    let page = CancelPage {
        layout: Layout::new(
            "Cancel appointment",
            Some(staff.0.clone()),
            state.config.demo_mode,
        ),
        id: a.id.to_string(),
        name: a.participant.full_name(),
        version: a.version,
        reasons: CancelReason::ALL
            .iter()
            .map(|r| Choice {
                value: r.as_str(),
                label: r.label(),
                checked: form.reason == Some(*r),
            })
            .collect(),
        details: form.details.clone(),
        reschedule: reschedule_choices(form.reschedule),
        reason_error: find(&errors, "reason"),
        details_error: find(&errors, "details"),
        reschedule_error: find(&errors, "reschedule"),
        errors,
    };
    let errors = page.errors.clone();
    Ok(with_status(render(page)?, &errors))
}

pub async fn cancel_form(
    State(state): State<AppState>,
    staff: Staff,
    PageId(id): PageId<AppointmentId>,
) -> PageResult {
    staff.require(Permission::ManageAppointments)?;
    let a = state.store.appointment(staff.scope(), id).await?;
    cancel_page(&state, &staff, &a, &Cancellation::default(), Vec::new())
}

/// "Cancel appointment": the reason, its details, and whether to reschedule.
#[derive(serde::Deserialize)]
pub struct CancelForm {
    version: Option<String>,
    reason: Option<String>,
    #[serde(default)]
    details: String,
    reschedule: Option<String>,
}

pub async fn cancel(
    State(state): State<AppState>,
    staff: Staff,
    PageId(id): PageId<AppointmentId>,
    PageForm(form): PageForm<CancelForm>,
) -> PageResult {
    staff.require(Permission::ManageAppointments)?;
    let version = form_version(form.version.as_deref())?;
    let answer = Cancellation {
        reason: form.reason.as_deref().and_then(|r| r.parse().ok()),
        details: form.details.trim().to_owned(),
        reschedule: form.reschedule.as_deref().and_then(|r| r.parse().ok()),
    };
    let finish = match answer.validate() {
        Ok(()) => cancellation_finish(&answer),
        Err(errors) => {
            let a = state.store.appointment(staff.scope(), id).await?;
            return cancel_page(&state, &staff, &a, &answer, errors_of(errors));
        }
    };
    if let Some(finish) = finish {
        state
            .store
            .finish_appointment(staff.scope(), &staff.actor(), id, version, finish)
            .await?;
    }
    Ok(Redirect::to(&format!("/appointments/{id}?done=cancel")).into_response())
}

#[derive(Template)]
#[template(path = "attended_not_screened.html")]
struct DetailsPage {
    layout: Layout,
    id: String,
    name: String,
    version: i64,
    action: String,
    reasons: Vec<ReasonView>,
    reschedule: Vec<Choice>,
    errors: Vec<(String, String)>,
    reasons_error: Option<String>,
    reschedule_error: Option<String>,
}

fn details_page(
    state: &AppState,
    staff: &Staff,
    a: &store::AppointmentDetail,
    answer: &AttendedNotScreened,
    errors: Vec<(String, String)>,
) -> PageResult {
    let page = DetailsPage {
        layout: Layout::new(
            "Why was this participant not screened?",
            Some(staff.0.clone()),
            state.config.demo_mode,
        ),
        id: a.id.to_string(),
        name: a.participant.full_name(),
        version: a.version,
        action: format!("/appointments/{}/attended-not-screened", a.id),
        reasons: CannotProceedReason::ALL
            .iter()
            .map(|r| {
                let given = answer.reasons.iter().find(|(g, _)| g == r);
                ReasonView {
                    value: r.as_str(),
                    label: r.label(),
                    checked: given.is_some(),
                    details: given.map(|(_, d)| d.clone()).unwrap_or_default(),
                    error: find(&errors, &format!("{}_details", r.as_str())),
                }
            })
            .collect(),
        reschedule: reschedule_choices(answer.reschedule),
        reasons_error: find(&errors, "reasons"),
        reschedule_error: find(&errors, "reschedule"),
        errors,
    };
    let errors = page.errors.clone();
    Ok(with_status(render(page)?, &errors))
}

pub async fn ans_details_form(
    State(state): State<AppState>,
    staff: Staff,
    PageId(id): PageId<AppointmentId>,
) -> PageResult {
    staff.require(Permission::ManageAppointments)?;
    let wf = state.store.workflow(staff.scope(), id).await?;
    let saved: AttendedNotScreened = wf
        .sections
        .ending
        .as_ref()
        .map(|s| s.data.clone())
        .unwrap_or_default();
    details_page(&state, &staff, &wf.appointment, &saved, Vec::new())
}

pub async fn ans_details(
    State(state): State<AppState>,
    staff: Staff,
    PageId(id): PageId<AppointmentId>,
    PageForm(form): PageForm<NotScreenedForm>,
) -> PageResult {
    staff.require(Permission::ManageAppointments)?;
    let version = form.version()?;
    let answer = form.answer();
    if let Err(errors) = answer.validate() {
        let a = state.store.appointment(staff.scope(), id).await?;
        return details_page(&state, &staff, &a, &answer, errors_of(errors));
    }
    state
        .store
        .record_ending_details(staff.scope(), &staff.actor(), id, &answer, version)
        .await?;
    let a = state.store.appointment(staff.scope(), id).await?;
    Ok(Redirect::to(&format!("/clinics/{}/close", a.clinic_id)).into_response())
}
