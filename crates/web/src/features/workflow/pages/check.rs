//! Step 4: "Check information", then "Complete screening and return to clinic".

use super::images::{ImagesCard, images_card};
use super::{Frame, Step, VersionForm, load_step};
use crate::auth::Staff;
use crate::error::{AppError, PageResult};
use crate::features::workflow::app;
use crate::http::extract::{PageForm, PageId};
use crate::pages::render;
use crate::present::Layout;
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect};
use domain::ids::AppointmentId;
use store::Workflow;

#[derive(Template)]
#[template(path = "workflow/check.html")]
struct CheckPage {
    layout: Layout,
    frame: Frame,
    images: Option<ImagesCard>,
    medical: Vec<(String, String, String)>,
    medical_href: String,
    identity_href: String,
}

pub async fn show(
    State(state): State<AppState>,
    staff: Staff,
    PageId(id): PageId<AppointmentId>,
) -> PageResult {
    let wf = load_step(&state, &staff, id, Step::Check).await?;
    let mut images = images_card(&wf);
    if let Some(card) = images.as_mut()
        && super::images::recording_method(&wf) == domain::gateway::RecordingMethod::Automatic
    {
        let received = state.store.appointment_images(staff.scope(), id).await?;
        super::auto_images::dose_rows(card, &received, &Step::Images.href(id));
    }
    render(CheckPage {
        layout: Layout::new(
            format!(
                "Check information – {}",
                wf.appointment.participant.full_name()
            ),
            Some(staff.0.clone()),
            state.config.demo_mode,
        ),
        images,
        medical: medical_rows(&wf),
        medical_href: Step::Medical.href(id),
        identity_href: Step::Identity.href(id),
        frame: Frame::new(&wf, Step::Check),
    })
}

/// The medical information card: one row per section, with what was recorded.
fn medical_rows(wf: &Workflow) -> Vec<(String, String, String)> {
    let info = super::medical::information(wf);
    let href = Step::Medical.href(wf.appointment.id);
    let list = |items: Vec<String>, none: &str| {
        if items.is_empty() {
            none.to_owned()
        } else {
            items.join("\n")
        }
    };
    let density = info.density.as_ref().map_or_else(
        || "Not recorded".to_owned(),
        |d| {
            format!(
                "HRT started since last screening: {}\nPregnant or breastfeeding: {}",
                d.hrt_started_since_last_screening
                    .map_or("Not answered", |a| a.label()),
                d.pregnant_or_breastfeeding
                    .map_or("Not answered", |a| a.label())
            )
        },
    );
    vec![
        (
            "Mammogram history".to_owned(),
            list(
                info.mammograms.iter().map(|m| m.item.summary()).collect(),
                "None reported",
            ),
            href.clone(),
        ),
        (
            "Medical history".to_owned(),
            list(
                info.history.iter().map(|m| m.item.summary()).collect(),
                "None reported",
            ),
            href.clone(),
        ),
        (
            "Symptoms".to_owned(),
            list(
                info.symptoms
                    .iter()
                    .map(|m| {
                        let s = m.item.summary();
                        if domain::medical::is_significant(&m.item) {
                            format!("{s} (highlighted to image readers)")
                        } else {
                            s
                        }
                    })
                    .collect(),
                "None reported",
            ),
            href.clone(),
        ),
        (
            "Breast features".to_owned(),
            list(
                info.features.iter().map(|m| m.item.summary()).collect(),
                "None recorded",
            ),
            href.clone(),
        ),
        ("Breast density factors".to_owned(), density, href.clone()),
        (
            "Other medical information".to_owned(),
            if info.other.trim().is_empty() {
                "None".to_owned()
            } else {
                info.other.clone()
            },
            href,
        ),
    ]
}

pub async fn complete(
    State(state): State<AppState>,
    staff: Staff,
    PageId(id): PageId<AppointmentId>,
    PageForm(form): PageForm<VersionForm>,
) -> PageResult {
    let wf = load_step(&state, &staff, id, Step::Check).await?;
    let version = form.version()?;
    let mut finish =
        app::endings::completion(&wf, &staff.0.name).map_err(|e| AppError::BadRequest(e.0))?;
    app::images::add_received_doses(&state.store, staff.scope(), &wf, &mut finish).await?;
    let action = finish.action;
    state
        .store
        .finish_appointment(staff.scope(), &staff.actor(), id, version, finish)
        .await?;
    Ok(Redirect::to(&format!(
        "/clinics/{}?filter=remaining&done={}&appointment={id}",
        wf.appointment.clinic_id,
        action.as_str()
    ))
    .into_response())
}
