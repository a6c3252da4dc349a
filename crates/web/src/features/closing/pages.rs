//! "Close clinic": every participant needs an outcome first.

use super::app;
use crate::auth::Staff;
use crate::error::{AppError, PageResult};
use crate::http::extract::{PageForm, PageId};
use crate::pages::render;
use crate::present::{Layout, day_date, nhs_number};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use domain::ending::{CloseBlocker, CloseGroup, close_groups};
use domain::ids::ClinicId;
use domain::{AppointmentStatus, ClinicStatus, Permission};
use serde::Deserialize;

/// The pages' routes (behind the session and CSRF layers).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/clinics/{id}/close", get(show).post(close))
        .route("/clinics/{id}/close/bulk", post(bulk))
}

pub struct GroupView {
    pub label: &'static str,
    pub value: &'static str,
    pub bulk_label: Option<&'static str>,
    pub rows: Vec<RowView>,
}

pub struct RowView {
    pub time: String,
    pub name: String,
    pub nhs_number: String,
    pub status: &'static str,
    pub status_class: &'static str,
    pub problem: Option<String>,
    pub action_href: String,
    pub action_label: &'static str,
}

#[derive(Template)]
#[template(path = "close_clinic.html")]
struct ClosePage {
    layout: Layout,
    clinic_id: String,
    title: String,
    closed: bool,
    groups: Vec<GroupView>,
    needs_details: Vec<RowView>,
    blocked: bool,
}

/// `GET /clinics/{id}/close`.
pub async fn show(
    State(state): State<AppState>,
    staff: Staff,
    PageId(id): PageId<ClinicId>,
) -> PageResult {
    let app::CloseView {
        clinic,
        appointments: rows,
        blockers,
    } = app::view(&state.store, &staff.caller(), id).await?;
    let pairs: Vec<(AppointmentStatus, bool)> = rows
        .iter()
        .map(|r| {
            let missing = blockers.iter().any(|(bid, b)| {
                *bid == r.id && matches!(b, CloseBlocker::AttendedNotScreenedWithoutDetails { .. })
            });
            (r.status, !missing)
        })
        .collect();
    let view = |i: usize, problem: Option<String>| {
        let r = &rows[i];
        let needs_details = r.status == AppointmentStatus::AttendedNotScreened;
        RowView {
            time: r.starts_at.clone(),
            name: format!("{} {}", r.first_name, r.last_name),
            nhs_number: nhs_number(&r.nhs_number),
            status: r.status.label(),
            status_class: r.status.tag_class(),
            problem,
            action_href: if needs_details {
                format!("/appointments/{}/attended-not-screened", r.id)
            } else {
                format!("/appointments/{}", r.id)
            },
            action_label: if needs_details {
                "Record why"
            } else {
                "View appointment"
            },
        }
    };
    let groups = close_groups(&pairs)
        .into_iter()
        .map(|g| GroupView {
            label: g.group.label(),
            value: g.group.as_str(),
            bulk_label: g.group.bulk_action_label(),
            rows: g.appointments.iter().map(|i| view(*i, None)).collect(),
        })
        .collect();
    let needs_details = blockers
        .iter()
        .filter_map(|(bid, b)| match b {
            CloseBlocker::AttendedNotScreenedWithoutDetails { index } => Some(view(
                *index,
                Some(format!(
                    "Record why the appointment for {} did not proceed",
                    rows.iter()
                        .find(|r| r.id == *bid)
                        .map(|r| format!("{} {}", r.first_name, r.last_name))
                        .unwrap_or_default()
                )),
            )),
            _ => None,
        })
        .collect();
    render(ClosePage {
        layout: Layout::new(
            "Close clinic",
            Some(staff.0.clone()),
            state.config.demo_mode,
        ),
        clinic_id: id.to_string(),
        title: format!("{} – {}", clinic.location_name, day_date(clinic.date)),
        closed: clinic.status == ClinicStatus::Closed,
        blocked: !blockers.is_empty(),
        groups,
        needs_details,
    })
}

/// The bulk form: which group's button was pressed.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct BulkForm {
    group: Option<String>,
}

/// The bulk actions: "Mark all as attended not screened" and "Mark all as did not attend".
pub async fn bulk(
    State(state): State<AppState>,
    staff: Staff,
    PageId(id): PageId<ClinicId>,
    PageForm(form): PageForm<BulkForm>,
) -> PageResult {
    staff.require(Permission::ManageAppointments)?;
    let group: CloseGroup = form
        .group
        .as_deref()
        .and_then(|g| g.parse().ok())
        .ok_or_else(|| AppError::BadRequest("Choose which participants to mark".to_owned()))?;
    if app::mark_all(&state.store, &staff.caller(), id, group)
        .await?
        .is_none()
    {
        return Err(AppError::BadRequest(
            "Appointments in progress must be ended one by one".to_owned(),
        ));
    }
    Ok(Redirect::to(&format!("/clinics/{id}/close")).into_response())
}

/// `POST /clinics/{id}/close`.
pub async fn close(
    State(state): State<AppState>,
    staff: Staff,
    PageId(id): PageId<ClinicId>,
) -> PageResult {
    app::close(&state.store, &staff.caller(), id).await?;
    Ok(Redirect::to(&format!("/clinics/{id}?filter=all&done=closed")).into_response())
}
