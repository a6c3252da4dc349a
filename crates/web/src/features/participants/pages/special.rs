//! "Why does {name} need additional support?": recording a special appointment.

use super::super::app::{self, SetSupport};
use crate::application::Failure;
use crate::auth::Staff;
use crate::error::PageResult;
use crate::http::extract::{PageForm, PageId};
use crate::pages::{errors_of, render};
use crate::present::Layout;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect};
use domain::ids::ParticipantId;
use domain::medical::{SUPPORT_TEMPORARY_QUESTION, support_question};
use domain::{Permission, SupportReason};
use serde::Deserialize;
use store::{StoreError, SupportNeed};

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

/// The form as submitted: the reasons ticked, each reason's details box, "Are any of these
/// reasons temporary?", and the "No longer needs additional support" button.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SupportForm {
    back: Option<String>,
    remove: Option<String>,
    reasons: Vec<String>,
    temporary: Option<String>,
    details_breast_implants: String,
    details_implanted_medical_devices: String,
    details_vision: String,
    details_hearing: String,
    details_physical_restriction: String,
    details_social_emotional_mental_health: String,
    details_language: String,
    details_gender_identity: String,
    details_other: String,
}

impl SupportForm {
    /// The details typed for one reason (its box is `details_{reason}`).
    fn details(&self, reason: SupportReason) -> &str {
        match reason {
            SupportReason::BreastImplants => &self.details_breast_implants,
            SupportReason::ImplantedMedicalDevices => &self.details_implanted_medical_devices,
            SupportReason::Vision => &self.details_vision,
            SupportReason::Hearing => &self.details_hearing,
            SupportReason::PhysicalRestriction => &self.details_physical_restriction,
            SupportReason::SocialEmotionalMentalHealth => {
                &self.details_social_emotional_mental_health
            }
            SupportReason::Language => &self.details_language,
            SupportReason::GenderIdentity => &self.details_gender_identity,
            SupportReason::Other => &self.details_other,
        }
    }

    /// The reasons ticked, in the order sent, with their details; unknown values are
    /// ignored.
    fn given(&self) -> Vec<(SupportReason, String)> {
        self.reasons
            .iter()
            .filter_map(|r| r.parse::<SupportReason>().ok())
            .map(|r| (r, self.details(r).trim().to_owned()))
            .collect()
    }

    fn temporary(&self) -> Option<bool> {
        match self.temporary.as_deref() {
            Some("yes") => Some(true),
            Some("no") => Some(false),
            _ => None,
        }
    }
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

/// `GET /participants/{id}/special-appointment`.
pub async fn form(
    State(state): State<AppState>,
    staff: Staff,
    PageId(id): PageId<ParticipantId>,
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

/// `POST /participants/{id}/special-appointment`: save the reasons, or (the "remove"
/// button) clear them; then back to where the person came from.
pub async fn save(
    State(state): State<AppState>,
    staff: Staff,
    PageId(id): PageId<ParticipantId>,
    PageForm(form): PageForm<SupportForm>,
) -> PageResult {
    staff.require(Permission::CheckIn)?;
    let back = safe_back(form.back.as_deref(), format!("/participants/{id}"));
    let clear = form.remove.is_some();
    let given = if clear { Vec::new() } else { form.given() };
    let temporary = if clear { None } else { form.temporary() };
    let cmd = SetSupport {
        participant_id: id,
        clear,
        reasons: given
            .iter()
            .map(|(reason, details)| SupportNeed {
                reason: *reason,
                details: details.clone(),
            })
            .collect(),
        temporary,
    };
    match app::set_support(&state.store, &staff.caller(), cmd).await {
        Ok(_) => Ok(Redirect::to(&back).into_response()),
        Err(Failure::Store(StoreError::Invalid(errors))) if !clear => {
            let p = state.store.participant(staff.scope(), id).await?;
            page(
                &state,
                &staff,
                &p,
                &given,
                temporary,
                back,
                errors_of(errors),
            )
        }
        Err(e) => Err(e.into()),
    }
}
