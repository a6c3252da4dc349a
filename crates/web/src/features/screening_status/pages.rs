//! The screening status pages: the "Screening status" card on the participant's page, and
//! one form page per change (`/participants/{id}/screening-status/{action}`), each with an
//! error summary and inline errors, back to the participant's page with a success banner.

use super::app::{self, StatusCommand};
use crate::application::Failure;
use crate::auth::Staff;
use crate::error::{AppError, PageResult};
use crate::present::{Layout, long_date};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect};
use axum::routing::get;
use axum::{Form, Router};
use domain::Permission;
use domain::ceasing::{
    Cease, CeaseReason, DeferAnswers, DeferralReason, VhrAnswers, VhrBasis, date_from_parts,
};
use domain::ids::ParticipantId;
use serde::Deserialize;
use store::{ScreeningStatusRecord, StoreError};

/// The form pages' routes (behind the session and CSRF layers of the pages).
pub fn routes() -> Router<AppState> {
    Router::new().route(
        "/participants/{id}/screening-status/{action}",
        get(form).post(submit),
    )
}

/// One change, as named in its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Cease,
    Reinstate,
    Defer,
    VeryHighRisk,
    RemoveVeryHighRisk,
    MriReferral,
}

impl Action {
    fn parse(segment: &str) -> Option<Action> {
        Some(match segment {
            "cease" => Action::Cease,
            "reinstate" => Action::Reinstate,
            "defer" => Action::Defer,
            "very-high-risk" => Action::VeryHighRisk,
            "remove-very-high-risk" => Action::RemoveVeryHighRisk,
            "mri-referral" => Action::MriReferral,
            _ => return None,
        })
    }

    const fn heading(self) -> &'static str {
        match self {
            Action::Cease => "Cease from routine screening",
            Action::Reinstate => "Reinstate",
            Action::Defer => "Defer screening",
            Action::VeryHighRisk => "Mark as very high risk",
            Action::RemoveVeryHighRisk => "Remove very high risk",
            Action::MriReferral => "Record MRI referral",
        }
    }

    const fn segment(self) -> &'static str {
        match self {
            Action::Cease => "cease",
            Action::Reinstate => "reinstate",
            Action::Defer => "defer",
            Action::VeryHighRisk => "very-high-risk",
            Action::RemoveVeryHighRisk => "remove-very-high-risk",
            Action::MriReferral => "mri-referral",
        }
    }
}

/// A radio choice.
pub struct Radio {
    pub value: &'static str,
    pub label: &'static str,
    pub checked: bool,
}

/// One question of a form page.
pub struct Field {
    /// The answer's name, and the id the error summary links to.
    pub name: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
    /// "radios", "date", "text" or "textarea".
    pub kind: &'static str,
    pub value: String,
    pub day: String,
    pub month: String,
    pub year: String,
    pub choices: Vec<Radio>,
    pub error: Option<String>,
}

impl Field {
    fn new(name: &'static str, label: &'static str, kind: &'static str) -> Self {
        Field {
            name,
            label,
            hint: "",
            kind,
            value: String::new(),
            day: String::new(),
            month: String::new(),
            year: String::new(),
            choices: Vec::new(),
            error: None,
        }
    }

    fn hint(mut self, hint: &'static str) -> Self {
        self.hint = hint;
        self
    }
}

#[derive(Template)]
#[template(path = "screening_status/form.html")]
struct FormPage {
    layout: Layout,
    participant_id: String,
    name: String,
    heading: &'static str,
    action: &'static str,
    summary: String,
    fields: Vec<Field>,
    errors: Vec<(String, String)>,
}

/// The answers of any of the forms (each reads its own).
#[derive(Debug, Default, Deserialize)]
pub struct StatusForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    basis: String,
    #[serde(default)]
    details: String,
    #[serde(default)]
    decided_by: String,
    #[serde(default, rename = "date-day")]
    day: String,
    #[serde(default, rename = "date-month")]
    month: String,
    #[serde(default, rename = "date-year")]
    year: String,
}

impl StatusForm {
    /// The date answered; `Err` when something was typed that is not a real date.
    fn date(&self) -> Result<Option<time::Date>, ()> {
        if [&self.day, &self.month, &self.year]
            .iter()
            .all(|p| p.trim().is_empty())
        {
            return Ok(None);
        }
        date_from_parts(&self.day, &self.month, &self.year)
            .map(Some)
            .ok_or(())
    }
}

fn radios<T: Copy + PartialEq + 'static>(
    all: &'static [T],
    value: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
    selected: &str,
) -> Vec<Radio> {
    all.iter()
        .map(|&t| Radio {
            value: value(t),
            label: label(t),
            checked: value(t) == selected,
        })
        .collect()
}

/// The date field answered as `date-day` etc., its id `name`.
fn date_field(
    name: &'static str,
    label: &'static str,
    hint: &'static str,
    f: &StatusForm,
) -> Field {
    let mut field = Field::new(name, label, "date").hint(hint);
    field.day = f.day.clone();
    field.month = f.month.clone();
    field.year = f.year.clone();
    field
}

fn text_field(name: &'static str, label: &'static str, kind: &'static str, value: &str) -> Field {
    let mut field = Field::new(name, label, kind);
    field.value = value.to_owned();
    field
}

/// The questions of `action`'s form, filled in with `f`.
fn fields(action: Action, f: &StatusForm) -> Vec<Field> {
    let reason_radios = |label, choices| {
        let mut field = Field::new("reason", label, "radios");
        field.choices = choices;
        field
    };
    match action {
        Action::Cease => vec![
            reason_radios(
                "Why is she being ceased from screening?",
                radios(
                    CeaseReason::ALL,
                    CeaseReason::as_str,
                    CeaseReason::label,
                    &f.reason,
                ),
            ),
            date_field(
                "signed_form_received_on",
                "Date the signed form was received",
                "Informed choice only. For example, 3 3 2026",
                f,
            ),
            text_field(
                "decided_by",
                "Who made the best interests decision?",
                "text",
                &f.decided_by,
            )
            .hint("Mental capacity: best interests decision only"),
            text_field("details", "Details (optional)", "textarea", &f.details),
        ],
        Action::Reinstate => vec![
            text_field(
                "reason",
                "Why is she being reinstated?",
                "textarea",
                &f.reason,
            )
            .hint("For example, opt back in"),
        ],
        Action::Defer => vec![
            reason_radios(
                "Why is screening being deferred?",
                radios(
                    DeferralReason::ALL,
                    DeferralReason::as_str,
                    DeferralReason::label,
                    &f.reason,
                ),
            ),
            text_field(
                "details",
                "Details (required for \u{201c}Other reason\u{201d})",
                "textarea",
                &f.details,
            ),
            date_field(
                "until",
                "Defer until",
                "Not invited before this day: tomorrow to 12 months ahead. For example, 1 6 2026",
                f,
            ),
        ],
        Action::VeryHighRisk => {
            let mut basis = Field::new("basis", "Why is she at very high risk?", "radios");
            basis.choices = radios(VhrBasis::ALL, VhrBasis::as_str, VhrBasis::label, &f.basis);
            vec![
                basis,
                text_field(
                    "details",
                    "Details (required for \u{201c}Other\u{201d})",
                    "textarea",
                    &f.details,
                ),
                date_field(
                    "confirmed_on",
                    "Date very high risk was confirmed",
                    "For example, 3 3 2026",
                    f,
                ),
            ]
        }
        Action::RemoveVeryHighRisk => vec![text_field(
            "reason",
            "Why is she no longer at very high risk?",
            "textarea",
            &f.reason,
        )],
        Action::MriReferral => vec![
            text_field(
                "details",
                "Details for the MRI referral (optional)",
                "textarea",
                &f.details,
            )
            .hint("For example, the MRI service and the days of her cycle to book within"),
        ],
    }
}

async fn page(
    state: &AppState,
    staff: &Staff,
    id: ParticipantId,
    action: Action,
    f: &StatusForm,
    errors: Vec<(String, String)>,
) -> PageResult {
    let p = state.store.participant(staff.scope(), id).await?;
    let record = app::status(&state.store, &staff.caller(), id).await?;
    let mut fields = fields(action, f);
    for field in &mut fields {
        field.error = errors
            .iter()
            .find(|(name, _)| name == field.name)
            .map(|(_, m)| m.clone());
    }
    let card = StatusCard::of(&record, "", false, None);
    let page = FormPage {
        layout: Layout::new(
            action.heading(),
            Some(staff.0.clone()),
            state.config.demo_mode,
        ),
        participant_id: id.to_string(),
        name: p.full_name(),
        heading: action.heading(),
        action: action.segment(),
        summary: card.summary,
        fields,
        errors,
    };
    Ok(Html(page.render()?).into_response())
}

fn parse_path(path: &(String, String)) -> Result<(ParticipantId, Action), AppError> {
    let id = path.0.parse().map_err(|_| AppError::NotFound)?;
    let action = Action::parse(&path.1).ok_or(AppError::NotFound)?;
    Ok((id, action))
}

/// `GET /participants/{id}/screening-status/{action}`: the form.
async fn form(
    State(state): State<AppState>,
    staff: Staff,
    Path(path): Path<(String, String)>,
) -> PageResult {
    let (id, action) = parse_path(&path)?;
    staff.require(Permission::ManageScreeningStatus)?;
    page(
        &state,
        &staff,
        id,
        action,
        &StatusForm::default(),
        Vec::new(),
    )
    .await
}

/// The command a form's answers make, or the field errors found before the rules run
/// (a date that is not a real date).
fn command(action: Action, f: &StatusForm) -> Result<StatusCommand, Vec<(String, String)>> {
    let date = f.date().map_err(|()| {
        let name = match action {
            Action::Cease => "signed_form_received_on",
            Action::Defer => "until",
            _ => "confirmed_on",
        };
        vec![(
            name.to_owned(),
            "Enter a real date, for example 3 3 2026".to_owned(),
        )]
    })?;
    Ok(match action {
        Action::Cease => StatusCommand::Cease(Cease {
            reason: f.reason.parse().ok(),
            signed_form_received_on: date,
            decided_by: f.decided_by.trim().to_owned(),
            details: f.details.trim().to_owned(),
        }),
        Action::Reinstate => StatusCommand::Reinstate {
            reason: f.reason.clone(),
        },
        Action::Defer => StatusCommand::Defer(DeferAnswers {
            reason: f.reason.parse().ok(),
            details: f.details.trim().to_owned(),
            until: date,
        }),
        Action::VeryHighRisk => StatusCommand::SetVeryHighRisk(VhrAnswers {
            basis: f.basis.parse().ok(),
            details: f.details.trim().to_owned(),
            confirmed_on: date,
        }),
        Action::RemoveVeryHighRisk => StatusCommand::RemoveVeryHighRisk {
            reason: f.reason.clone(),
        },
        Action::MriReferral => StatusCommand::RecordMriReferral {
            details: f.details.clone(),
        },
    })
}

/// `POST /participants/{id}/screening-status/{action}`: makes the change, then back to the
/// participant's page with a success banner; the form again (422) with errors.
async fn submit(
    State(state): State<AppState>,
    staff: Staff,
    Path(path): Path<(String, String)>,
    Form(f): Form<StatusForm>,
) -> PageResult {
    let (id, action) = parse_path(&path)?;
    staff.require(Permission::ManageScreeningStatus)?;
    let cmd = match command(action, &f) {
        Ok(cmd) => cmd,
        Err(errors) => return with_errors(page(&state, &staff, id, action, &f, errors).await),
    };
    let name = cmd.name();
    match app::change(&state.store, &staff.caller(), id, cmd).await {
        Ok(_) => Ok(
            Redirect::to(&format!("/participants/{id}?screening_status={name}")).into_response(),
        ),
        Err(Failure::Store(StoreError::Invalid(errors))) => {
            let errors = crate::pages::errors_of(errors);
            with_errors(page(&state, &staff, id, action, &f, errors).await)
        }
        Err(Failure::Store(StoreError::NotAllowed(message))) => {
            let first = fields(action, &f)
                .first()
                .map_or("reason", |field| field.name);
            let errors = vec![(first.to_owned(), message)];
            with_errors(page(&state, &staff, id, action, &f, errors).await)
        }
        Err(e) => Err(e.into()),
    }
}

/// A form page shown again with errors answers 422.
fn with_errors(res: PageResult) -> PageResult {
    let mut res = res?;
    *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(res)
}

/// The participant page's query: which change was just made.
#[derive(Debug, Default, Deserialize)]
pub struct BannerQuery {
    pub screening_status: Option<String>,
}

/// The "Screening status" card on the participant's page.
pub struct StatusCard {
    pub summary: String,
    /// (label, value) rows.
    pub rows: Vec<(String, String)>,
    /// (href, label) of the actions the user may take.
    pub actions: Vec<(String, &'static str)>,
    pub banner: Option<String>,
    pub history: Vec<String>,
}

impl StatusCard {
    /// The card for `record`; `can_manage` shows the actions.
    pub fn of(
        record: &ScreeningStatusRecord,
        name: &str,
        can_manage: bool,
        banner: Option<&str>,
    ) -> Self {
        let mut rows = Vec::new();
        let mut summary = record.summary.clone();
        if let Some(c) = &record.ceased {
            summary = format!("Ceased ({}, {})", c.reason_label, long_date(c.on));
        }
        if let Some(since) = record.under_treatment_since {
            summary = format!("Under treatment (since {})", long_date(since));
        }
        if let Some(d) = &record.deferred {
            summary = format!("Deferred until {} ({})", long_date(d.until), d.reason_label);
        }
        if let Some(v) = &record.very_high_risk {
            rows.push((
                "Very high risk".to_owned(),
                format!(
                    "{} (confirmed {})",
                    v.basis_label,
                    long_date(v.confirmed_on)
                ),
            ));
        }
        let base = format!("/participants/{}/screening-status", record.participant_id);
        let mut actions = Vec::new();
        if can_manage {
            let s = &record.status;
            let active = s.standing == domain::ceasing::Standing::Active;
            let mut add = |action: Action, label: &'static str| {
                actions.push((format!("{base}/{}", action.segment()), label));
            };
            if active {
                add(Action::Cease, "Cease from routine screening");
            }
            if record.ceased.is_some()
                || record.under_treatment_since.is_some()
                || record.deferred.is_some()
            {
                add(Action::Reinstate, "Reinstate");
            }
            if active {
                add(Action::Defer, "Defer");
            }
            if record.very_high_risk.is_none() {
                add(Action::VeryHighRisk, "Mark as very high risk");
            } else {
                add(Action::RemoveVeryHighRisk, "Remove very high risk");
                if active {
                    add(Action::MriReferral, "Record MRI referral");
                }
            }
        }
        let banner = banner.and_then(|b| banner_text(b, name));
        let history = record
            .history
            .iter()
            .map(|h| {
                let mut line = format!(
                    "{}: {}",
                    crate::present::instant(h.changed_at),
                    h.change_label
                );
                if !h.reason.is_empty() {
                    line.push_str(&format!(" \u{2013} {}", h.reason));
                }
                if !h.details.is_empty() {
                    line.push_str(&format!(" ({})", h.details));
                }
                line.push_str(&format!(", by {}", h.changed_by_name));
                line
            })
            .collect();
        StatusCard {
            summary,
            rows,
            actions,
            banner,
            history,
        }
    }
}

fn banner_text(change: &str, name: &str) -> Option<String> {
    Some(match change {
        "ceased" => format!("{name} has been ceased from routine screening"),
        "reinstated" => format!("{name} has been reinstated"),
        "deferred" => format!("{name}\u{2019}s screening has been deferred"),
        "vhr_set" => format!("{name} has been marked as very high risk"),
        "vhr_removed" => format!("Very high risk has been removed for {name}"),
        "mri_referral" => format!("An MRI referral has been recorded for {name}"),
        _ => return None,
    })
}

/// The card for the participant page (its data, built from the status use case).
pub async fn card(
    state: &AppState,
    staff: &Staff,
    participant_id: ParticipantId,
    name: &str,
    banner: &BannerQuery,
) -> Result<StatusCard, AppError> {
    let record = app::status(&state.store, &staff.caller(), participant_id).await?;
    let can_manage = staff
        .caller()
        .require(Permission::ManageScreeningStatus)
        .is_ok();
    Ok(StatusCard::of(
        &record,
        name,
        can_manage,
        banner.screening_status.as_deref(),
    ))
}
