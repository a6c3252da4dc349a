//! The clinic pages: the clinic list under its tabs, and one clinic's day with its
//! appointments under their filters.

use crate::auth::Staff;
use crate::error::PageResult;
use crate::http::extract::PageId;
use crate::pages::render;
use crate::present::{Layout, TabLink, day_date, long_date, nhs_number};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::routing::get;
use domain::ids::ClinicId;
use domain::{AppointmentStatus, ClinicFilter, ClinicTab, Permission, RowAction, age_on};
use serde::Deserialize;
use store::ClinicSummary;

/// The pages' routes (behind the session and CSRF layers).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/clinics", get(list))
        .route("/clinics/{id}", get(show))
}

#[derive(Deserialize)]
pub struct ListQuery {
    tab: Option<String>,
}

pub struct ClinicView {
    pub href: String,
    pub location: String,
    pub date: String,
    pub time: String,
    pub session: &'static str,
    pub clinic_type: &'static str,
    pub risk: &'static str,
    pub status: &'static str,
    pub status_class: &'static str,
    pub appointment_count: i64,
}

impl From<&ClinicSummary> for ClinicView {
    fn from(c: &ClinicSummary) -> Self {
        ClinicView {
            href: format!("/clinics/{}", c.id),
            location: c.location_name.clone(),
            date: day_date(c.date),
            time: format!("{} to {}", c.starts_at, c.ends_at),
            session: c.session.label(),
            clinic_type: c.clinic_type.label(),
            risk: c.risk_type.label(),
            status: c.status.label(),
            status_class: c.status.tag_class(),
            appointment_count: c.appointment_count,
        }
    }
}

#[derive(Template)]
#[template(path = "clinics.html")]
struct ClinicsPage {
    layout: Layout,
    tabs_heading: &'static str,
    tabs: Vec<TabLink>,
    selected_label: &'static str,
    clinics: Vec<ClinicView>,
}

pub async fn list(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let tab = q
        .tab
        .as_deref()
        .and_then(|t| t.parse().ok())
        .unwrap_or(ClinicTab::Today);
    let today = state.today();
    let scope = staff.scope();
    let (counts, clinics) = tokio::try_join!(
        state.store.clinic_tab_counts(scope, today),
        state.store.clinics(scope, tab, today)
    )?;
    let tabs = ClinicTab::ALL
        .iter()
        .map(|t| TabLink {
            label: t.label(),
            href: format!("/clinics?tab={}", t.as_str()),
            count: counts.get(*t) as usize,
            selected: *t == tab,
        })
        .collect();
    render(ClinicsPage {
        layout: Layout::new(
            format!("Clinics: {}", tab.label()),
            Some(staff.0.clone()),
            state.config.demo_mode,
        ),
        tabs_heading: "Clinics",
        tabs,
        selected_label: tab.label(),
        clinics: clinics.iter().map(ClinicView::from).collect(),
    })
}

#[derive(Deserialize)]
pub struct ShowQuery {
    filter: Option<String>,
    done: Option<String>,
    appointment: Option<String>,
}

pub struct RowView {
    pub id: String,
    pub participant_id: String,
    pub time: String,
    pub name: String,
    pub nhs_number: String,
    pub nhs_digits: String,
    pub date_of_birth: String,
    pub age: u16,
    pub special: bool,
    pub running_by: Option<String>,
    pub status: &'static str,
    pub status_class: &'static str,
    pub check_in: bool,
    pub action: &'static str,
}

#[derive(Template)]
#[template(path = "clinic.html")]
struct ClinicPage {
    layout: Layout,
    banner: Option<String>,
    clinic: ClinicView,
    tabs_heading: &'static str,
    tabs: Vec<TabLink>,
    selected_label: &'static str,
    filter: &'static str,
    rows: Vec<RowView>,
    close_href: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    staff: Staff,
    PageId(id): PageId<ClinicId>,
    Query(q): Query<ShowQuery>,
) -> PageResult {
    let scope = staff.scope();
    let (clinic, appointments) = state.store.clinic_day(scope, id).await?;
    let filter = q
        .filter
        .as_deref()
        .and_then(|f| f.parse().ok())
        .unwrap_or(ClinicFilter::Remaining);
    let today = state.today();
    let can_check_in = staff.0.can(Permission::CheckIn);
    // Nobody is checked in or started before the clinic's day.
    let future = clinic.date > today;
    let closed =
        (q.done.as_deref() == Some("closed")).then(|| "The clinic has been closed".to_owned());
    let banner = closed.or_else(|| {
        q.appointment.as_deref().and_then(|appt| {
            let a = appointments.iter().find(|a| a.id.to_string() == appt)?;
            let name = format!("{} {}", a.first_name, a.last_name);
            Some(match q.done.as_deref()? {
                "check_in" => format!("{name} has been checked in"),
                "pause" => format!("{name}'s appointment has been paused"),
                "revert_to_checked_in" => format!("Changes discarded: {name} is checked in"),
                "attended_not_screened" => {
                    format!("{name}'s appointment has been stopped: attended not screened")
                }
                "screen" => format!("{name} has been screened."),
                "partially_screen" => format!("{name} has been partially screened."),
                _ => return None,
            })
        })
    });
    let tabs = ClinicFilter::ALL
        .iter()
        .map(|f| TabLink {
            label: f.label(),
            href: format!("/clinics/{id}?filter={}", f.as_str()),
            count: appointments.iter().filter(|a| f.matches(a.status)).count(),
            selected: *f == filter,
        })
        .collect();
    let rows = appointments
        .iter()
        .filter(|a| filter.matches(a.status))
        .map(|a| RowView {
            id: a.id.to_string(),
            participant_id: a.participant_id.to_string(),
            time: a.starts_at.clone(),
            name: format!("{} {}", a.first_name, a.last_name),
            nhs_number: nhs_number(&a.nhs_number),
            nhs_digits: a.nhs_number.clone(),
            date_of_birth: long_date(a.date_of_birth),
            age: age_on(a.date_of_birth, today),
            special: a.special_appointment,
            running_by: a.running_by.clone(),
            status: a.status.label(),
            status_class: a.status.tag_class(),
            check_in: can_check_in && !future && a.status == AppointmentStatus::Scheduled,
            action: match a.status.row_action_when(future) {
                RowAction::CheckIn if !can_check_in => RowAction::View.label(),
                other => other.label(),
            },
        })
        .collect();
    render(ClinicPage {
        layout: Layout::new(
            format!("{} – {}", clinic.location_name, day_date(clinic.date)),
            Some(staff.0.clone()),
            state.config.demo_mode,
        ),
        banner,
        clinic: ClinicView::from(&clinic),
        tabs_heading: "Appointments",
        tabs,
        selected_label: filter.label(),
        filter: filter.as_str(),
        rows,
        close_href: (staff.0.can(Permission::ManageAppointments)
            && clinic.date <= today
            && !matches!(
                clinic.status,
                domain::ClinicStatus::Closed | domain::ClinicStatus::Cancelled
            ))
        .then(|| format!("/clinics/{id}/close")),
    })
}
