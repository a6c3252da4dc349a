//! Step 4: "Check information", then "Complete screening and return to clinic".

use super::images::{ImagesCard, images_card, images_record};
use super::{Frame, Step, load_step};
use crate::auth::Staff;
use crate::error::{AppError, PageResult};
use crate::http::extract::PageId;
use crate::pages::{FormPairs, render};
use crate::present::Layout;
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect};
use domain::AppointmentAction;
use domain::imaging::{Completeness, RecallDecision, derive, exposure_record, validate};
use store::{Finish, ImagesTally, NewFollowUp, Workflow};

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

pub async fn show(State(state): State<AppState>, staff: Staff, PageId(id): PageId) -> PageResult {
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
    let Ok(info) = super::medical::information(wf) else {
        return Vec::new();
    };
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

/// What completing the appointment records, from the saved images: Screened or Partially
/// screened, the IR(ME)R exposure record, and a recall request for the office when the
/// mammographer asked for the participant to come back for more images.
pub fn completion(wf: &Workflow, operator: &str) -> Result<Finish, AppError> {
    let record = images_record(wf).ok_or_else(|| {
        AppError::BadRequest("Record the images taken before completing.".to_owned())
    })?;
    let context = super::medical::imaging_context(wf);
    validate(&record, &context).map_err(|errors| {
        AppError::BadRequest(format!(
            "The images record is not complete: {}",
            errors
                .iter()
                .map(|e| e.message.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        ))
    })?;
    let derivation = derive(&record, &context);
    let action = match derivation.completeness {
        Completeness::Complete => AppointmentAction::Screen,
        Completeness::ToBeRecalled | Completeness::PartialMammography => {
            AppointmentAction::PartiallyScreen
        }
        Completeness::NoImages => {
            return Err(AppError::BadRequest(
                "No images were taken: end the appointment with 'Appointment cannot proceed'."
                    .to_owned(),
            ));
        }
    };
    let counts = record.effective_counts();
    let missing_views: Vec<domain::imaging::View> = context
        .expected_views()
        .into_iter()
        .filter(|v| counts.get(*v) == 0)
        .collect();
    let follow_up = match record
        .not_all_taken
        .as_ref()
        .and_then(|n| n.recall.as_ref())
    {
        Some(RecallDecision::Recall {
            timescale,
            scheduling_note,
        }) if derivation.completeness == Completeness::ToBeRecalled => Some(NewFollowUp {
            kind: "more_images",
            timescale: timescale.clone(),
            note: scheduling_note.clone(),
            views: missing_views.clone(),
        }),
        _ => None,
    };
    let (room, machine) = wf
        .room
        .as_ref()
        .map(|r| (r.name.clone(), r.machine.clone()))
        .unwrap_or_default();
    let exposure = exposure_record(&record, &derivation, operator, &room, &machine);
    Ok(Finish {
        action,
        episode_outcome: None,
        episode_stage: None,
        follow_up,
        record: Some((
            "exposure",
            serde_json::to_value(&exposure).unwrap_or_default(),
        )),
        tally: Some(ImagesTally {
            images: i64::from(derivation.total_images),
            repeats: i64::from(derivation.total_repeats),
            repeat_reasons: derivation
                .views
                .iter()
                .filter(|t| t.repeats > 0)
                .flat_map(|t| t.repeat_reasons.iter().map(|r| r.as_str().to_owned()))
                .collect(),
            completeness: derivation.completeness,
        }),
    })
}

pub async fn complete(
    State(state): State<AppState>,
    staff: Staff,
    PageId(id): PageId,
    form: FormPairs,
) -> PageResult {
    let wf = load_step(&state, &staff, id, Step::Check).await?;
    let version = form.version()?;
    let mut finish = completion(&wf, &staff.0.name)?;
    super::auto_images::add_received_doses(&state.store, staff.scope(), &wf, &mut finish).await?;
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
