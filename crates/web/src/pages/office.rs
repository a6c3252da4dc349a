//! Office actions on appointments: cancel or reschedule with a reason, record why an
//! attended-not-screened participant was not screened, and the follow-up request lists.

use super::{FormPairs, errors_of, find, render, with_status};
use crate::auth::Staff;
use crate::error::PageResult;
use crate::http::extract::PageId;
use crate::present::{Choice, Layout, TabLink, long_date, nhs_number};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect};
use domain::Permission;
use domain::follow_up::{Age, FollowUpKind, FollowUpState};
use serde::Deserialize;

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

/// Whether request `f` is in view `view` (one of [`VIEWS`]).
fn in_view(view: &str, f: &store::FollowUp, today: time::Date, overdue_days: i64) -> bool {
    match view {
        "to_book" => f.status == FollowUpState::Open.as_str(),
        "booked" => f.status == FollowUpState::Booked.as_str(),
        "overdue" => age_of(f, today, overdue_days).is_some_and(|a| a.overdue),
        _ => true,
    }
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
pub fn follow_up_row(f: &store::FollowUp, today: time::Date, overdue_days: i64) -> FollowUpRow {
    let status: FollowUpState = f.status.parse().unwrap_or(FollowUpState::Open);
    let age = age_of(f, today, overdue_days);
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

/// The requests the office still has to finish: open and booked.
const ACTIVE: [FollowUpState; 2] = [FollowUpState::Open, FollowUpState::Booked];

/// Age and overdue of an open request on `today`.
pub fn age_of(f: &store::FollowUp, today: time::Date, overdue_days: i64) -> Option<Age> {
    (f.status == FollowUpState::Open.as_str())
        .then(|| Age::of(f.created_at.date(), today, overdue_days))
}

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
    let scope = staff.scope();
    let settings = state.store.office_settings(scope).await?;
    let rows = state.store.follow_ups_in(scope, kind, &ACTIVE).await?;
    let by_kind = state.store.follow_up_counts(scope, &ACTIVE).await?;
    let counts = FollowUpKind::ALL
        .iter()
        .map(|k| by_kind.iter().find(|(c, _)| c == k).map_or(0, |(_, n)| *n));
    let today = state.today();
    let days = settings.follow_up_overdue_days;
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
    let banner = q.done.as_deref().and_then(|d| {
        let (name, status) = d.split_once(':')?;
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
    });
    render(FollowUpsPage {
        layout: Layout::new(
            "Follow-up requests",
            Some(staff.0.clone()),
            state.config.demo_mode,
        ),
        banner,
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
        overdue_days: settings.follow_up_overdue_days,
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
    id: uuid::Uuid,
    chosen: Option<FollowUpState>,
    reason: &str,
    errors: Vec<(String, String)>,
) -> PageResult {
    let scope = staff.scope();
    let detail = state.store.follow_up(scope, id).await?;
    let settings = state.store.office_settings(scope).await?;
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

pub async fn follow_up_form(
    State(state): State<AppState>,
    staff: Staff,
    PageId(id): PageId,
) -> PageResult {
    staff.require(Permission::ViewRecords)?;
    follow_up_page(&state, &staff, id, None, "", Vec::new()).await
}

/// "What has happened to this request?": booked, done, or cancelled with a reason.
pub async fn follow_up_update(
    State(state): State<AppState>,
    staff: Staff,
    PageId(id): PageId,
    form: FormPairs,
) -> PageResult {
    staff.require(Permission::ManageAppointments)?;
    let reason = form.get("reason").unwrap_or_default().trim().to_owned();
    let Some(to) = form
        .get("status")
        .and_then(|s| s.parse::<FollowUpState>().ok())
    else {
        let errors = vec![(
            "status".to_owned(),
            "Select what has happened to this request".to_owned(),
        )];
        return follow_up_page(&state, &staff, id, None, &reason, errors).await;
    };
    match state
        .store
        .set_follow_up_status(staff.scope(), &staff.actor(), id, to, &reason)
        .await
    {
        Ok(_) => {}
        Err(store::StoreError::Invalid(errors)) => {
            return follow_up_page(&state, &staff, id, Some(to), &reason, errors_of(errors)).await;
        }
        Err(e) => return Err(e.into()),
    }
    let kind = state.store.follow_up(staff.scope(), id).await?.request.kind;
    Ok(Redirect::to(&format!(
        "/follow-ups?kind={kind}&done={id}:{}",
        to.as_str()
    ))
    .into_response())
}

#[derive(Template)]
#[template(path = "follow_up_settings.html")]
struct SettingsPage {
    layout: Layout,
    days: String,
    errors: Vec<(String, String)>,
    days_error: Option<String>,
}

fn settings_page(
    state: &AppState,
    staff: &Staff,
    days: String,
    errors: Vec<(String, String)>,
) -> PageResult {
    let page = SettingsPage {
        layout: Layout::new(
            "When is a follow-up request overdue?",
            Some(staff.0.clone()),
            state.config.demo_mode,
        ),
        days,
        days_error: find(&errors, "follow_up_overdue_days"),
        errors,
    };
    let errors = page.errors.clone();
    Ok(with_status(render(page)?, &errors))
}

pub async fn settings_form(State(state): State<AppState>, staff: Staff) -> PageResult {
    staff.require(Permission::ConfigureProvider)?;
    let settings = state.store.office_settings(staff.scope()).await?;
    settings_page(
        &state,
        &staff,
        settings.follow_up_overdue_days.to_string(),
        Vec::new(),
    )
}

pub async fn settings_save(
    State(state): State<AppState>,
    staff: Staff,
    form: FormPairs,
) -> PageResult {
    staff.require(Permission::ConfigureProvider)?;
    let given = form
        .get("follow_up_overdue_days")
        .unwrap_or_default()
        .trim()
        .to_owned();
    let Ok(days) = given.parse::<i64>() else {
        let errors = vec![(
            "follow_up_overdue_days".to_owned(),
            "Enter the number of days as a whole number, like 14".to_owned(),
        )];
        return settings_page(&state, &staff, given, errors);
    };
    let settings = store::OfficeSettings {
        follow_up_overdue_days: days,
    };
    match state
        .store
        .set_office_settings(staff.scope(), &staff.actor(), &settings)
        .await
    {
        Ok(()) => Ok(Redirect::to("/follow-ups").into_response()),
        Err(store::StoreError::Invalid(errors)) => {
            settings_page(&state, &staff, given, errors_of(errors))
        }
        Err(e) => Err(e.into()),
    }
}
