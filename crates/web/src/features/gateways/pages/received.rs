//! An appointment's received images, and detaching a different participant's.

use super::super::app;
use super::Failed;
use crate::application::Failure;
use crate::auth::Staff;
use crate::error::PageResult;
use crate::http::extract::{PageForm, PageId};
use crate::pages::render;
use crate::present::{Layout, instant, nhs_number};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use domain::Permission;
use domain::ids::AppointmentId;
use serde::Deserialize;
use store::StoreError;

pub struct AttachedRow {
    pub id: String,
    pub thumbnail: Option<String>,
    pub view: String,
    pub received: String,
    pub patient_id: String,
    pub patient_name: String,
    /// The PatientID is not the participant's NHS number.
    pub mismatch: bool,
    pub error: Option<String>,
    pub value: String,
}

#[derive(Template)]
#[template(path = "received_images.html")]
struct ReceivedImagesPage {
    layout: Layout,
    errors: Vec<(String, String)>,
    appointment_id: String,
    name: String,
    nhs_number: String,
    images: Vec<AttachedRow>,
    can_detach: bool,
    detached: bool,
}

async fn received_page(
    state: &AppState,
    staff: &Staff,
    appointment_id: domain::ids::AppointmentId,
    failed: Failed,
    detached: bool,
) -> PageResult {
    let (appointment, images) =
        app::appointment_images(&state.store, &staff.caller(), appointment_id).await?;
    let p = &appointment.participant;
    let mut errors = Vec::new();
    if let Some((id, message, _)) = &failed {
        errors.push((format!("detach-reason-{id}"), message.clone()));
    }
    let title = "Images received from the x-ray machine";
    let page = ReceivedImagesPage {
        layout: Layout::new(
            &if failed.is_some() {
                format!("Error: {title}")
            } else {
                title.to_owned()
            },
            Some(staff.0.clone()),
            state.config.demo_mode,
        ),
        errors,
        appointment_id: appointment_id.to_string(),
        name: p.full_name(),
        nhs_number: nhs_number(&p.nhs_number),
        images: images
            .iter()
            .map(|i| {
                let id = i.id.to_string();
                let failed_here = failed.as_ref().filter(|(f, _, _)| *f == id);
                AttachedRow {
                    thumbnail: i
                        .has_thumbnail
                        .then(|| format!("/received-images/{id}/thumbnail")),
                    view: i.received_view().name(),
                    received: instant(i.stored_at),
                    patient_id: i.patient_id.clone().unwrap_or_default(),
                    patient_name: i.patient_name.clone().unwrap_or_default(),
                    mismatch: !domain::gateway::patient_id_matches(
                        i.patient_id.as_deref(),
                        &p.nhs_number,
                    ),
                    error: failed_here.map(|(_, m, _)| m.clone()),
                    value: failed_here.map(|(_, _, v)| v.clone()).unwrap_or_default(),
                    id,
                }
            })
            .collect(),
        can_detach: staff.0.can(Permission::ManageAppointments),
        detached,
    };
    let mut res = render(page)?;
    if failed.is_some() {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

#[derive(Deserialize)]
pub struct ReceivedQuery {
    pub detached: Option<String>,
}

/// `GET /image-gateways/appointments/{id}`: the images attached to an appointment, each of
/// which can be detached as a different participant's. (Not under `/appointments/{id}/`,
/// whose pages are the workflow's, for the person running the appointment.)
pub async fn received(
    State(state): State<AppState>,
    staff: Staff,
    PageId(id): PageId<AppointmentId>,
    axum::extract::Query(q): axum::extract::Query<ReceivedQuery>,
) -> PageResult {
    received_page(&state, &staff, id, None, q.detached.is_some()).await
}

/// Why the images are a different participant's, as submitted.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DetachForm {
    reason: String,
}

/// `POST /received-images/{id}/detach`: "These are a different participant's images".
pub async fn detach(
    State(state): State<AppState>,
    staff: Staff,
    PageId(id): PageId,
    PageForm(form): PageForm<DetachForm>,
) -> PageResult {
    staff.require(Permission::ManageAppointments)?;
    let uuid = id;
    let reason = form.reason;
    let caller = staff.caller();
    match app::detach(&state.store, &caller, uuid, &reason).await {
        Ok(appointment) => Ok(Redirect::to(&format!(
            "/image-gateways/appointments/{appointment}?detached=1"
        ))
        .into_response()),
        Err(Failure::Store(StoreError::Invalid(errors))) => {
            let message = errors
                .first()
                .map(|e| e.message.to_string())
                .unwrap_or_default();
            let Some(appointment) = app::attached_to(&state.store, &caller, uuid).await? else {
                return Err(StoreError::NotFound.into());
            };
            received_page(
                &state,
                &staff,
                appointment,
                Some((uuid.to_string(), message, reason)),
                false,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
