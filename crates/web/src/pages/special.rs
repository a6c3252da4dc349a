//! "Why does {name} need additional support?": recording a special appointment.

use super::{FormPairs, render};
use crate::auth::Staff;
use crate::error::PageResult;
use crate::http::extract::PageId;
use crate::present::Layout;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect};
use domain::medical::{SUPPORT_TEMPORARY_QUESTION, support_question, validate_support};
use domain::{Permission, SupportReason};
use serde::Deserialize;
use store::SupportNeed;

pub struct ReasonRow {
    pub value: &'static str,
    pub label: &'static str,
    pub checked: bool,
    pub details: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "special_appointment.html")]
struct SupportPage {
    layout: Layout,
    participant_id: String,
    question: String,
    temporary_question: &'static str,
    reasons: Vec<ReasonRow>,
    temporary: Option<bool>,
    back: String,
    errors: Vec<(String, String)>,
    reasons_error: Option<String>,
    temporary_error: Option<String>,
    has_support: bool,
}

#[derive(Deserialize)]
pub struct BackQuery {
    back: Option<String>,
}

/// Only a path on this service that starts with `/` (never another site).
fn safe_back(back: Option<&str>, fallback: String) -> String {
    back.filter(|b| b.starts_with('/') && !b.starts_with("//") && !b.contains("://"))
        .map(str::to_owned)
        .unwrap_or(fallback)
}

fn page(
    state: &AppState,
    staff: &Staff,
    p: &store::Participant,
    given: &[(SupportReason, String)],
    temporary: Option<bool>,
    back: String,
    errors: Vec<(String, String)>,
) -> PageResult {
    let find = |f: &str| errors.iter().find(|(k, _)| k == f).map(|(_, m)| m.clone());
    let status = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut res = render(SupportPage {
        layout: Layout::new(
            "Special appointment",
            Some(staff.0.clone()),
            state.config.demo_mode,
        ),
        participant_id: p.id.to_string(),
        question: support_question(&p.full_name()),
        temporary_question: SUPPORT_TEMPORARY_QUESTION,
        reasons: SupportReason::ALL
            .iter()
            .map(|r| {
                let g = given.iter().find(|(x, _)| x == r);
                ReasonRow {
                    value: r.as_str(),
                    label: r.label(),
                    checked: g.is_some(),
                    details: g.map(|(_, d)| d.clone()).unwrap_or_default(),
                    error: find(&format!("{}_details", r.as_str())),
                }
            })
            .collect(),
        temporary,
        back,
        reasons_error: find("reasons"),
        temporary_error: find("temporary"),
        has_support: p.is_special_appointment(),
        errors,
    })?;
    *res.status_mut() = status;
    Ok(res)
}

pub async fn form(
    State(state): State<AppState>,
    staff: Staff,
    PageId(id): PageId,
    Query(q): Query<BackQuery>,
) -> PageResult {
    staff.require(Permission::CheckIn)?;
    let p = state.store.participant(staff.scope(), id).await?;
    let given: Vec<_> = p
        .support_reasons
        .iter()
        .map(|s| (s.reason, s.details.clone()))
        .collect();
    let temporary = p.is_special_appointment().then_some(p.support_temporary);
    let back = safe_back(q.back.as_deref(), format!("/participants/{id}"));
    page(&state, &staff, &p, &given, temporary, back, Vec::new())
}

pub async fn save(
    State(state): State<AppState>,
    staff: Staff,
    PageId(id): PageId,
    form: FormPairs,
) -> PageResult {
    staff.require(Permission::CheckIn)?;
    let scope = staff.scope();
    let back = safe_back(form.get("back"), format!("/participants/{id}"));
    if form.get("remove").is_some() {
        state
            .store
            .set_support(scope, &staff.actor(), id, &[], false)
            .await?;
        return Ok(Redirect::to(&back).into_response());
    }
    let given: Vec<(SupportReason, String)> = form
        .all("reasons")
        .filter_map(|r| r.parse::<SupportReason>().ok())
        .map(|r| {
            (
                r,
                form.get(&format!("details_{}", r.as_str()))
                    .unwrap_or_default()
                    .trim()
                    .to_owned(),
            )
        })
        .collect();
    let temporary = match form.get("temporary") {
        Some("yes") => Some(true),
        Some("no") => Some(false),
        _ => None,
    };
    if let Err(errors) = validate_support(&given, temporary) {
        let p = state.store.participant(scope, id).await?;
        let errors = errors
            .into_iter()
            .map(|e| (e.field.to_string(), e.message.to_string()))
            .collect();
        return page(&state, &staff, &p, &given, temporary, back, errors);
    }
    let needs: Vec<SupportNeed> = given
        .into_iter()
        .map(|(reason, details)| SupportNeed { reason, details })
        .collect();
    state
        .store
        .set_support(
            scope,
            &staff.actor(),
            id,
            &needs,
            temporary.unwrap_or(false),
        )
        .await?;
    Ok(Redirect::to(&back).into_response())
}
