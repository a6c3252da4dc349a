//! The office's follow-up request lists (one tab per kind, with views: all, to book, booked,
//! overdue) and one request's page, where the office says what has happened to it.

use super::super::app::{self, SetStatus};
use crate::application::Failure;
use crate::auth::Staff;
use crate::error::PageResult;
use crate::http::extract::{PageForm, PageId};
use crate::pages::{errors_of, find, render, with_status};
use crate::present::{Layout, TabLink, long_date, nhs_number};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect};
use domain::Permission;
use domain::follow_up::{FollowUpKind, FollowUpState};
use domain::ids::FollowUpId;
use serde::Deserialize;
use store::{FollowUp, StoreError};
use time::Date;

#[derive(Deserialize)]
pub struct FollowUpQuery {
    kind: Option<String>,
    /// all (default), to_book, booked or overdue.
    show: Option<String>,
    done: Option<String>,
}

/// The office's views of one kind of request: all it still has to finish, those to book
/// (open), those booked, and the open ones past the overdue threshold.
const VIEWS: [(&str, &str); 4] = [
    ("all", "All"),
    ("to_book", "To book"),
    ("booked", "Booked"),
    ("overdue", "Overdue"),
];

/// The requests the office still has to finish: open and booked.
const ACTIVE: [FollowUpState; 2] = [FollowUpState::Open, FollowUpState::Booked];

/// Whether request `f` is in view `view` (one of [`VIEWS`]).
fn in_view(view: &str, f: &FollowUp, today: Date, overdue_days: i64) -> bool {
    match view {
        "to_book" => f.status == FollowUpState::Open.as_str(),
        "booked" => f.status == FollowUpState::Booked.as_str(),
        "overdue" => app::age_of(f, today, overdue_days).is_some_and(|a| a.overdue),
        _ => true,
    }
}

/// A radio choice of what has happened to a request.
pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
    pub checked: bool,
}

pub struct FollowUpRow {
    pub id: String,
    pub participant_id: String,
    pub name: String,
    pub nhs_number: String,
    pub appointment_id: String,
    pub date: String,
    pub timescale: String,
    pub note: String,
    pub created_by: String,
    pub status: &'static str,
    pub status_class: &'static str,
    /// "Open for 9 days" (open requests only).
    pub age: Option<String>,
    pub overdue: bool,
    /// For a recall, "RMLO and LCC".
    pub views: String,
    /// The appointment it was booked into: its link and "12 January 2027 (Scheduled)".
    pub booked: Option<(String, String)>,
}

/// A request as the list and its page show it.
pub fn follow_up_row(f: &FollowUp, today: Date, overdue_days: i64) -> FollowUpRow {
    let status: FollowUpState = f.status.parse().unwrap_or(FollowUpState::Open);
    let age = app::age_of(f, today, overdue_days);
    FollowUpRow {
        id: f.id.to_string(),
        participant_id: f.participant_id.to_string(),
        name: f.participant_name.clone(),
        nhs_number: nhs_number(&f.nhs_number),
        appointment_id: f.appointment_id.to_string(),
        date: long_date(f.appointment_date),
        timescale: f.timescale.clone(),
        note: if f.details.is_empty() {
            f.note.clone()
        } else {
            f.details.clone()
        },
        created_by: f.created_by_name.clone(),
        status: status.label(),
        status_class: status.tag_class(),
        overdue: age.as_ref().is_some_and(|a| a.overdue),
        age: age.map(|a| a.label()),
        views: domain::imaging::RequestedViews::of(f.views.iter().copied())
            .map(|v| v.sentence())
            .unwrap_or_default(),
        booked: f.booked_appointment_id.map(|id| {
            let when = f.booked_date.map(long_date).unwrap_or_default();
            let status = f.booked_status.map(|s| s.label()).unwrap_or_default();
            (format!("/appointments/{id}"), format!("{when} ({status})"))
        }),
    }
}

#[derive(Template)]
#[template(path = "follow_ups.html")]
struct FollowUpsPage {
    layout: Layout,
    banner: Option<String>,
    tabs_heading: &'static str,
    tabs: Vec<TabLink>,
    selected_label: &'static str,
    views: Vec<TabLink>,
    rows: Vec<FollowUpRow>,
    overdue_days: i64,
    can_manage: bool,
    can_configure: bool,
}

/// "{name}: request marked as booked" after a request's status was changed (`done` is
/// "{id}:{status}").
fn done_banner(done: Option<&str>, rows: &[FollowUp]) -> Option<String> {
    let (name, status) = done?.split_once(':')?;
    let status: FollowUpState = status.parse().ok()?;
    let name = rows
        .iter()
        .find(|f| f.id.to_string() == name)
        .map(|f| f.participant_name.clone())
        .unwrap_or_else(|| "The request".to_owned());
    Some(format!(
        "{name}: request marked as {}",
        status.label().to_lowercase()
    ))
}

/// `GET /follow-ups`: one kind's requests under one view.
pub async fn follow_ups(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<FollowUpQuery>,
) -> PageResult {
    staff.require(Permission::ViewRecords)?;
    let kind = q
        .kind
        .as_deref()
        .and_then(|k| k.parse::<FollowUpKind>().ok())
        .unwrap_or(FollowUpKind::MoreImages);
    let caller = staff.caller();
    let list = app::requests(&state.store, &caller, kind, &ACTIVE).await?;
    let rows = list.requests;
    let by_kind = app::counts(&state.store, &caller, &ACTIVE).await?;
    let counts = FollowUpKind::ALL
        .iter()
        .map(|k| by_kind.iter().find(|(c, _)| c == k).map_or(0, |(_, n)| *n));
    let today = state.today();
    let days = list.overdue_days;
    let show = VIEWS
        .iter()
        .map(|(v, _)| *v)
        .find(|v| Some(*v) == q.show.as_deref())
        .unwrap_or("all");
    let views = VIEWS
        .iter()
        .map(|(v, label)| TabLink {
            label,
            href: format!("/follow-ups?kind={}&show={v}", kind.as_str()),
            count: rows.iter().filter(|f| in_view(v, f, today, days)).count(),
            selected: *v == show,
        })
        .collect();
    render(FollowUpsPage {
        layout: Layout::new(
            "Follow-up requests",
            Some(staff.0.clone()),
            state.config.demo_mode,
        ),
        banner: done_banner(q.done.as_deref(), &rows),
        tabs_heading: "Follow-up requests",
        tabs: FollowUpKind::ALL
            .iter()
            .zip(counts)
            .map(|(k, count)| TabLink {
                label: k.label(),
                href: format!("/follow-ups?kind={}", k.as_str()),
                count,
                selected: *k == kind,
            })
            .collect(),
        selected_label: kind.label(),
        views,
        rows: rows
            .iter()
            .filter(|f| in_view(show, f, today, days))
            .map(|f| follow_up_row(f, today, days))
            .collect(),
        overdue_days: days,
        can_manage: staff.0.can(Permission::ManageAppointments),
        can_configure: staff.0.can(Permission::ConfigureProvider),
    })
}

#[derive(Template)]
#[template(path = "follow_up.html")]
struct FollowUpPage {
    layout: Layout,
    id: String,
    kind: &'static str,
    kind_value: &'static str,
    row: FollowUpRow,
    book_href: Option<String>,
    choices: Vec<Choice>,
    reason: String,
    history: Vec<(String, &'static str, String, String)>,
    errors: Vec<(String, String)>,
    status_error: Option<String>,
    reason_error: Option<String>,
    can_manage: bool,
}

async fn follow_up_page(
    state: &AppState,
    staff: &Staff,
    id: FollowUpId,
    chosen: Option<FollowUpState>,
    reason: &str,
    errors: Vec<(String, String)>,
) -> PageResult {
    let caller = staff.caller();
    let detail = app::detail(&state.store, &caller, id).await?;
    let settings = app::settings(&state.store, &caller).await?;
    let f = &detail.request;
    let kind: FollowUpKind = f.kind.parse().unwrap_or(FollowUpKind::Reschedule);
    let status: FollowUpState = f.status.parse().unwrap_or(FollowUpState::Open);
    let page = FollowUpPage {
        layout: Layout::new(
            format!("Follow-up request: {}", f.participant_name),
            Some(staff.0.clone()),
            state.config.demo_mode,
        ),
        id: f.id.to_string(),
        kind: kind.label(),
        kind_value: kind.as_str(),
        row: follow_up_row(f, state.today(), settings.follow_up_overdue_days),
        book_href: (status == FollowUpState::Open
            && kind.books_into().is_some()
            && staff.0.can(Permission::ManageAppointments))
        .then(|| format!("/follow-ups/{}/book", f.id)),
        choices: status
            .next()
            .iter()
            .map(|s| Choice {
                value: s.as_str(),
                label: s.label(),
                checked: chosen == Some(*s),
            })
            .collect(),
        reason: reason.to_owned(),
        history: detail
            .history
            .iter()
            .map(|h| {
                (
                    crate::present::instant(h.changed_at),
                    h.status.label(),
                    h.changed_by_name.clone(),
                    h.reason.clone(),
                )
            })
            .collect(),
        status_error: find(&errors, "status"),
        reason_error: find(&errors, "reason"),
        can_manage: staff.0.can(Permission::ManageAppointments),
        errors,
    };
    let errors = page.errors.clone();
    Ok(with_status(render(page)?, &errors))
}

/// `GET /follow-ups/{id}`.
pub async fn follow_up_form(
    State(state): State<AppState>,
    staff: Staff,
    PageId(id): PageId<FollowUpId>,
) -> PageResult {
    staff.require(Permission::ViewRecords)?;
    follow_up_page(&state, &staff, id, None, "", Vec::new()).await
}

/// "What has happened to this request?" as submitted.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct StatusForm {
    status: Option<String>,
    reason: String,
}

/// `POST /follow-ups/{id}`: "What has happened to this request?": booked, done, or
/// cancelled with a reason.
pub async fn follow_up_update(
    State(state): State<AppState>,
    staff: Staff,
    PageId(id): PageId<FollowUpId>,
    PageForm(form): PageForm<StatusForm>,
) -> PageResult {
    staff.require(Permission::ManageAppointments)?;
    let reason = form.reason.trim().to_owned();
    let Some(to) = form
        .status
        .as_deref()
        .and_then(|s| s.parse::<FollowUpState>().ok())
    else {
        let errors = vec![(
            "status".to_owned(),
            "Select what has happened to this request".to_owned(),
        )];
        return follow_up_page(&state, &staff, id, None, &reason, errors).await;
    };
    let cmd = SetStatus {
        follow_up_id: id,
        to,
        reason: reason.clone(),
    };
    let kind = match app::set_status(&state.store, &staff.caller(), cmd).await {
        Ok(detail) => detail.request.kind,
        Err(Failure::Store(StoreError::Invalid(errors))) => {
            return follow_up_page(&state, &staff, id, Some(to), &reason, errors_of(errors)).await;
        }
        Err(e) => return Err(e.into()),
    };
    Ok(Redirect::to(&format!(
        "/follow-ups?kind={kind}&done={id}:{}",
        to.as_str()
    ))
    .into_response())
}
