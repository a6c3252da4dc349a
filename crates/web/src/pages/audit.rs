use super::render;
use crate::auth::SignedIn;
use crate::error::{AppError, PageResult};
use crate::present::{Layout, instant};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use domain::NhsNumber;
use serde::Deserialize;
use store::{AuditFilter, Scope};
use time::Date;
use time::macros::format_description;
use uuid::Uuid;

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
        match (NhsNumber::parse(&participant), user.provider.as_ref()) {
            (Ok(nhs), Some(provider)) => {
                let found = state
                    .store
                    .search_participants(
                        Scope {
                            provider_id: provider.id,
                        },
                        &nhs.as_digits(),
                        1,
                    )
                    .await?;
                match found.first() {
                    Some(p) => filter.participant_id = Some(p.id),
                    None => {
                        error = Some(
                            "No participant with that NHS number at your current provider"
                                .to_owned(),
                        )
                    }
                }
            }
            (Err(e), _) => error = Some(e.to_string()),
            (_, None) => {
                error = Some("Choose a provider before filtering by participant".to_owned())
            }
        }
    }
    let from = q.from.clone().unwrap_or_default();
    let to = q.to.clone().unwrap_or_default();
    for (text, slot) in [(&from, &mut filter.from), (&to, &mut filter.to)] {
        if !text.trim().is_empty() {
            match parse_date(text) {
                Some(d) => *slot = Some(d),
                None => {
                    error = Some("Enter dates as YYYY-MM-DD, for example 2026-11-25".to_owned())
                }
            }
        }
    }
    let entries = if error.is_some() {
        Vec::new()
    } else {
        state.store.audit_entries(&filter).await?
    };
    let users = state
        .store
        .users()
        .await?
        .into_iter()
        .map(|u| {
            let selected = user_filter == Some(u.id.to_string().as_str());
            (
                u.id.to_string(),
                format!("{} ({})", u.name, u.email),
                selected,
            )
        })
        .collect();
    render(AuditPage {
        layout: Layout::new("Audit log", Some(user.clone()), state.config.demo_mode),
        users,
        participant,
        from,
        to,
        error,
        entries: entries
            .iter()
            .map(|e| {
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
            })
            .collect(),
    })
}
