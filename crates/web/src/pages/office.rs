//! Office actions on appointments: cancel or reschedule with a reason, and record why an
//! attended-not-screened participant was not screened. (The follow-up request lists are in
//! `features::follow_ups`.)

use super::workflow::ending::{Choice, ReasonView, parse_attended_not_screened};
use super::{FormPairs, errors_of, find, render, with_status};
use crate::auth::Staff;
use crate::error::PageResult;
use crate::http::extract::PageId;
use crate::present::Layout;
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect};
use domain::Permission;
use domain::ending::{
    AttendedNotScreened, CancelReason, Cancellation, CannotProceedReason, RescheduleDecision,
};
use store::{Finish, NewFollowUp};

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
    PageId(id): PageId,
) -> PageResult {
    staff.require(Permission::ManageAppointments)?;
    let a = state.store.appointment(staff.scope(), id).await?;
    cancel_page(&state, &staff, &a, &Cancellation::default(), Vec::new())
}

/// What a cancellation records: the status move, the reasons, and a reschedule request
/// for the office when rescheduling.
pub fn cancellation_finish(c: &Cancellation) -> Option<Finish> {
    let action = c.action()?;
    let follow_up = c
        .reschedule
        .and_then(|d| d.follow_up().map(|kind| (d, kind)))
        .map(|(d, kind)| NewFollowUp {
            kind: kind.as_str(),
            timescale: if d.reschedules() {
                d.label().to_owned()
            } else {
                String::new()
            },
            note: match c.reason {
                Some(r) if c.details.trim().is_empty() => r.label().to_owned(),
                Some(r) => format!("{}: {}", r.label(), c.details.trim()),
                None => String::new(),
            },
            views: Vec::new(),
        });
    let status = domain::AppointmentStatus::Scheduled.apply(action).ok()?;
    Some(Finish {
        action,
        episode_outcome: domain::episode::ending_outcome(status, c.reschedule),
        episode_stage: None,
        follow_up,
        record: Some(("cancellation", serde_json::to_value(c).unwrap_or_default())),
        tally: None,
    })
}

pub async fn cancel(
    State(state): State<AppState>,
    staff: Staff,
    PageId(id): PageId,
    form: FormPairs,
) -> PageResult {
    staff.require(Permission::ManageAppointments)?;
    let version = form.version()?;
    let answer = Cancellation {
        reason: form.get("reason").and_then(|r| r.parse().ok()),
        details: form.get("details").unwrap_or_default().trim().to_owned(),
        reschedule: form.get("reschedule").and_then(|r| r.parse().ok()),
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
    PageId(id): PageId,
) -> PageResult {
    staff.require(Permission::ManageAppointments)?;
    let wf = state.store.workflow(staff.scope(), id).await?;
    let saved: AttendedNotScreened = wf
        .sections
        .get("ending")
        .and_then(|s| serde_json::from_value(s.data.clone()).ok())
        .unwrap_or_default();
    details_page(&state, &staff, &wf.appointment, &saved, Vec::new())
}

pub async fn ans_details(
    State(state): State<AppState>,
    staff: Staff,
    PageId(id): PageId,
    form: FormPairs,
) -> PageResult {
    staff.require(Permission::ManageAppointments)?;
    let version = form.version()?;
    let answer = parse_attended_not_screened(&form);
    if let Err(errors) = answer.validate() {
        let a = state.store.appointment(staff.scope(), id).await?;
        return details_page(&state, &staff, &a, &answer, errors_of(errors));
    }
    let data = serde_json::to_value(&answer).unwrap_or_default();
    state
        .store
        .record_ending_details(staff.scope(), &staff.actor(), id, &data, version)
        .await?;
    let a = state.store.appointment(staff.scope(), id).await?;
    Ok(Redirect::to(&format!("/clinics/{}/close", a.clinic_id)).into_response())
}
