//! The audit log's HTML adapter: `GET /admin/audit`.

use crate::auth::{SessionUser, SignedIn};
use crate::error::{AppError, PageResult};
use crate::pages::render;
use crate::present::{Layout, instant};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::routing::get;
use domain::NhsNumber;
use serde::Deserialize;
use store::{AuditEntry, AuditFilter, Scope};
use time::Date;
use time::macros::format_description;
use uuid::Uuid;

/// The page's routes (behind the session and CSRF layers).
pub fn routes() -> Router<AppState> {
    Router::new().route("/admin/audit", get(list))
}

#[derive(Deserialize)]
pub struct AuditQuery {
    user: Option<String>,
    participant: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    layout: Layout,
    users: Vec<(String, String, bool)>,
    participant: String,
    from: String,
    to: String,
    error: Option<String>,
    entries: Vec<(String, String, &'static str, String, String)>,
}

fn parse_date(s: &str) -> Option<Date> {
    Date::parse(s.trim(), format_description!("[year]-[month]-[day]")).ok()
}

/// Narrows `filter` to the participant with NHS number `given`, looked up at the
/// administrator's current provider only (the log is service-wide; the number is not).
/// Returns the message to show when that cannot be done.
async fn filter_by_participant(
    state: &AppState,
    user: &SessionUser,
    given: &str,
    filter: &mut AuditFilter,
) -> Result<Option<String>, AppError> {
    let provider = match (NhsNumber::parse(given), user.provider.as_ref()) {
        (Ok(nhs), Some(provider)) => (nhs, provider.id),
        (Err(e), _) => return Ok(Some(e.to_string())),
        (_, None) => {
            return Ok(Some(
                "Choose a provider before filtering by participant".to_owned(),
            ));
        }
    };
    let (nhs, provider_id) = provider;
    let found = state
        .store
        .search_participants(Scope { provider_id }, &nhs.as_digits(), 1)
        .await?;
    Ok(match found.first() {
        Some(p) => {
            filter.participant_id = Some(p.id);
            None
        }
        None => Some("No participant with that NHS number at your current provider".to_owned()),
    })
}

/// Narrows `filter` to the dates given; the message to show when one is not a date.
fn filter_by_dates(from: &str, to: &str, filter: &mut AuditFilter) -> Option<String> {
    let mut error = None;
    for (text, slot) in [(from, &mut filter.from), (to, &mut filter.to)] {
        if !text.trim().is_empty() {
            match parse_date(text) {
                Some(d) => *slot = Some(d),
                None => {
                    error = Some("Enter dates as YYYY-MM-DD, for example 2026-11-25".to_owned())
                }
            }
        }
    }
    error
}

/// The users to filter by: (id, "Name (email)", selected).
async fn user_options(
    state: &AppState,
    selected: Option<&str>,
) -> Result<Vec<(String, String, bool)>, AppError> {
    Ok(state
        .store
        .users()
        .await?
        .into_iter()
        .map(|u| {
            let chosen = selected == Some(u.id.to_string().as_str());
            (
                u.id.to_string(),
                format!("{} ({})", u.name, u.email),
                chosen,
            )
        })
        .collect())
}

/// A log entry as the table shows it: when, who, what, which record, the snapshot.
fn entry_row(e: &AuditEntry) -> (String, String, &'static str, String, String) {
    let snapshot = if e.snapshot.is_null() {
        String::new()
    } else {
        e.snapshot.to_string()
    };
    (
        instant(e.occurred_at),
        e.actor.clone(),
        e.action.as_str(),
        format!("{} {}", e.entity_type, e.entity_id),
        snapshot,
    )
}

/// The audit log, for system administrators only. Filters: user, participant (by NHS
/// number, within the administrator's current provider), and date range.
pub async fn list(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Query(q): Query<AuditQuery>,
) -> PageResult {
    if !user.is_system_admin {
        return Err(AppError::Forbidden);
    }
    let mut error = None;
    let mut filter = AuditFilter {
        limit: 200,
        ..Default::default()
    };
    let user_filter = q.user.as_deref().filter(|s| !s.is_empty());
    if let Some(u) = user_filter {
        filter.user_id = Uuid::parse_str(u).ok();
    }
    let participant = q.participant.clone().unwrap_or_default();
    if !participant.trim().is_empty() {
        error = filter_by_participant(&state, &user, &participant, &mut filter).await?;
    }
    let from = q.from.clone().unwrap_or_default();
    let to = q.to.clone().unwrap_or_default();
    if let Some(e) = filter_by_dates(&from, &to, &mut filter) {
        error = Some(e);
    }
    let entries = if error.is_some() {
        Vec::new()
    } else {
        state.store.audit_entries(&filter).await?
    };
    render(AuditPage {
        layout: Layout::new("Audit log", Some(user.clone()), state.config.demo_mode),
        users: user_options(&state, user_filter).await?,
        participant,
        from,
        to,
        error,
        entries: entries.iter().map(entry_row).collect(),
    })
}
