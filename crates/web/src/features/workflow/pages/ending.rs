//! Leaving an appointment: "Exit appointment" (pause, cannot proceed, discard) and
//! "Appointment cannot proceed" (attended not screened, with reasons and the reschedule
//! question).

use super::{Frame, form_version, load};
use crate::auth::Staff;
use crate::error::{AppError, PageResult};
use crate::features::workflow::app::endings::attended_not_screened_finish;
use crate::http::extract::{PageForm, PageId};
use crate::pages::render;
use crate::present::{Choice, Layout};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect};
use domain::AppointmentAction;
use domain::ending::{
    AttendedNotScreened, CannotProceedReason, ExitChoice, RescheduleDecision, exit_choices,
};
use domain::ids::AppointmentId;

#[derive(Template)]
#[template(path = "workflow/exit.html")]
struct ExitPage {
    layout: Layout,
    frame: Frame,
    choices: Vec<Choice>,
    images_taken: bool,
    error: Option<&'static str>,
}

async fn exit_page(
    state: &AppState,
    staff: &Staff,
    wf: &store::Workflow,
    error: Option<&'static str>,
) -> PageResult {
    let images_taken = super::auto_images::images_taken(state, staff, wf).await?;
    render(ExitPage {
        layout: Layout::new(
            "Exit appointment",
            Some(staff.0.clone()),
            state.config.demo_mode,
        ),
        frame: Frame::new(wf, super::current_step(wf)),
        choices: exit_choices(images_taken)
            .iter()
            .map(|c| Choice {
                value: c.as_str(),
                label: c.label(),
                checked: false,
            })
            .collect(),
        images_taken,
        error,
    })
}

pub async fn exit_form(
    State(state): State<AppState>,
    staff: Staff,
    PageId(id): PageId<AppointmentId>,
) -> PageResult {
    let wf = load(&state, &staff, id).await?;
    exit_page(&state, &staff, &wf, None).await
}

/// "Exit appointment": pause, discard, or cannot proceed.
#[derive(serde::Deserialize)]
pub struct ExitForm {
    version: Option<String>,
    choice: Option<String>,
}

pub async fn exit(
    State(state): State<AppState>,
    staff: Staff,
    PageId(id): PageId<AppointmentId>,
    PageForm(form): PageForm<ExitForm>,
) -> PageResult {
    let wf = load(&state, &staff, id).await?;
    let version = form_version(form.version.as_deref())?;
    let choice = form
        .choice
        .as_deref()
        .and_then(|c| c.parse::<ExitChoice>().ok());
    let allowed = exit_choices(super::auto_images::images_taken(&state, &staff, &wf).await?);
    let Some(choice) = choice.filter(|c| allowed.contains(c)) else {
        return exit_page(
            &state,
            &staff,
            &wf,
            Some("Select whether this appointment will be resumed today"),
        )
        .await;
    };
    let scope = staff.scope();
    let clinic = wf.appointment.clinic_id;
    match choice {
        ExitChoice::PauseAndSave => {
            state
                .store
                .apply_action(
                    scope,
                    &staff.actor(),
                    id,
                    AppointmentAction::Pause,
                    Some(version),
                )
                .await?;
            Ok(Redirect::to(&format!(
                "/clinics/{clinic}?filter=in_progress&done=pause&appointment={id}"
            ))
            .into_response())
        }
        ExitChoice::DiscardChanges => {
            state
                .store
                .discard_and_revert(scope, &staff.actor(), id, version)
                .await?;
            Ok(Redirect::to(&format!(
                "/clinics/{clinic}?filter=checked_in&done=revert_to_checked_in&appointment={id}"
            ))
            .into_response())
        }
        ExitChoice::CannotProceed => {
            Ok(Redirect::to(&format!("/appointments/{id}/cannot-proceed")).into_response())
        }
    }
}

pub struct ReasonView {
    pub value: &'static str,
    pub label: &'static str,
    pub checked: bool,
    pub details: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "workflow/cannot_proceed.html")]
struct CannotProceedPage {
    layout: Layout,
    frame: Frame,
    reasons: Vec<ReasonView>,
    reschedule: Vec<Choice>,
    errors: Vec<(String, String)>,
    reasons_error: Option<String>,
    reschedule_error: Option<String>,
}

fn cannot_proceed_page(
    state: &AppState,
    staff: &Staff,
    wf: &store::Workflow,
    answer: &AttendedNotScreened,
    errors: Vec<(String, String)>,
) -> PageResult {
    let find = |field: &str| {
        errors
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.clone())
    };
    let reasons = CannotProceedReason::ALL
        .iter()
        .map(|r| {
            let given = answer.reasons.iter().find(|(g, _)| g == r);
            ReasonView {
                value: r.as_str(),
                label: r.label(),
                checked: given.is_some(),
                details: given.map(|(_, d)| d.clone()).unwrap_or_default(),
                error: find(&format!("{}_details", r.as_str())),
            }
        })
        .collect();
    let reschedule = RescheduleDecision::ALL
        .iter()
        .map(|d| Choice {
            value: d.as_str(),
            label: d.label(),
            checked: answer.reschedule == Some(*d),
        })
        .collect();
    let mut page = CannotProceedPage {
        layout: Layout::new(
            "Appointment cannot proceed",
            Some(staff.0.clone()),
            state.config.demo_mode,
        ),
        frame: Frame::new(wf, super::current_step(wf)),
        reasons,
        reschedule,
        reasons_error: find("reasons"),
        reschedule_error: find("reschedule"),
        errors,
    };
    if !page.errors.is_empty() {
        page.layout.title = format!("Error: {}", page.layout.title);
    }
    let status = if page.errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut res = render(page)?;
    *res.status_mut() = status;
    Ok(res)
}

pub async fn cannot_proceed_form(
    State(state): State<AppState>,
    staff: Staff,
    PageId(id): PageId<AppointmentId>,
) -> PageResult {
    let wf = load(&state, &staff, id).await?;
    if super::auto_images::images_taken(&state, &staff, &wf).await? {
        return Err(AppError::BadRequest(
            "Images have been taken, so this appointment can only be paused. Record what was taken in 'Take mammogram images'.".to_owned(),
        ));
    }
    let saved: AttendedNotScreened = wf
        .sections
        .ending
        .as_ref()
        .map(|s| s.data.clone())
        .unwrap_or_default();
    cannot_proceed_page(&state, &staff, &wf, &saved, Vec::new())
}

/// Why an appointment did not proceed: `reasons` (checkboxes), the details of each
/// (`details_<reason>`), and the reschedule decision.
#[derive(serde::Deserialize)]
pub struct NotScreenedForm {
    version: Option<String>,
    #[serde(default)]
    reasons: Vec<String>,
    reschedule: Option<String>,
    #[serde(default)]
    details_failed_identity_check: String,
    #[serde(default)]
    details_pain_during_screening: String,
    #[serde(default)]
    details_has_symptomatic_appointment: String,
    #[serde(default)]
    details_consent_withdrawn: String,
    #[serde(default)]
    details_physical_health_issue: String,
    #[serde(default)]
    details_mental_health_issue: String,
    #[serde(default)]
    details_language_difficulties: String,
    #[serde(default)]
    details_no_qualified_mammographer: String,
    #[serde(default)]
    details_technical_issues: String,
    #[serde(default)]
    details_other: String,
}

impl NotScreenedForm {
    /// The appointment version the page was shown at.
    pub fn version(&self) -> Result<i64, crate::error::AppError> {
        form_version(self.version.as_deref())
    }

    fn details(&self, reason: CannotProceedReason) -> &str {
        match reason {
            CannotProceedReason::FailedIdentityCheck => &self.details_failed_identity_check,
            CannotProceedReason::PainDuringScreening => &self.details_pain_during_screening,
            CannotProceedReason::HasSymptomaticAppointment => {
                &self.details_has_symptomatic_appointment
            }
            CannotProceedReason::ConsentWithdrawn => &self.details_consent_withdrawn,
            CannotProceedReason::PhysicalHealthIssue => &self.details_physical_health_issue,
            CannotProceedReason::MentalHealthIssue => &self.details_mental_health_issue,
            CannotProceedReason::LanguageDifficulties => &self.details_language_difficulties,
            CannotProceedReason::NoQualifiedMammographer => &self.details_no_qualified_mammographer,
            CannotProceedReason::TechnicalIssues => &self.details_technical_issues,
            CannotProceedReason::Other => &self.details_other,
        }
    }

    /// The answer the form gives.
    pub fn answer(&self) -> AttendedNotScreened {
        AttendedNotScreened {
            reasons: self
                .reasons
                .iter()
                .filter_map(|r| r.parse::<CannotProceedReason>().ok())
                .map(|r| (r, self.details(r).trim().to_owned()))
                .collect(),
            reschedule: self.reschedule.as_deref().and_then(|r| r.parse().ok()),
        }
    }
}

pub async fn cannot_proceed(
    State(state): State<AppState>,
    staff: Staff,
    PageId(id): PageId<AppointmentId>,
    PageForm(form): PageForm<NotScreenedForm>,
) -> PageResult {
    let wf = load(&state, &staff, id).await?;
    let version = form.version()?;
    let answer = form.answer();
    if let Err(errors) = answer.validate() {
        let errors = errors
            .into_iter()
            .map(|e| (e.field.to_string(), e.message.to_string()))
            .collect();
        return cannot_proceed_page(&state, &staff, &wf, &answer, errors);
    }
    state
        .store
        .finish_appointment(
            staff.scope(),
            &staff.actor(),
            id,
            version,
            attended_not_screened_finish(&answer),
        )
        .await?;
    let clinic = wf.appointment.clinic_id;
    Ok(Redirect::to(&format!(
        "/clinics/{clinic}?filter=complete&done=attended_not_screened&appointment={id}"
    ))
    .into_response())
}
