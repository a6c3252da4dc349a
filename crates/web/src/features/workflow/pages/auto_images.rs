//! Step 3, the automatic flow (reference §7; seed 2025-12; design history 2026-06): when
//! a gateway serves the room, "Take mammogram images" issues the worklist item, then shows
//! "Awaiting images" and the thumbnails as they arrive, grouped by breast with their view
//! names. "Confirm all images received" saves the counts per view the images add up to
//! (recording method Automatic); the repeats question and the additional details are then
//! the manual flow's own pages. "Switch to manual image mode" falls back to the manual flow.
//!
//! Without JavaScript the page has a refresh link; with it, `gateway-images.js` fetches the
//! live part (`/images/live`) every second and swaps it in.

use super::images::{ImagesCard, layout, load_images, page_href, respond, room_text};
use super::{Frame, Step, VersionForm};
use crate::auth::Staff;
use crate::error::{AppError, PageResult};
use crate::features::workflow::app::images::{self, ManualReason, dose, total_dose};
use crate::http::extract::{PageForm, PageId};
use crate::present::Layout;
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use domain::Permission;
use domain::gateway::{ConnectionState, MppsStatus, ReceivedView, RecordingMethod};
use domain::ids::AppointmentId;
use domain::imaging::Breast;
use store::{ImageCapture, ReceivedImage, Room, Workflow};

fn mgy(v: f64) -> String {
    format!("{v:.2} mGy")
}

/// The dose rows of the "Check information" images card for an automatic record: the
/// dose of each counted image and the total.
pub fn dose_rows(card: &mut ImagesCard, images: &[ReceivedImage], href: &str) {
    let lines: Vec<String> = images
        .iter()
        .filter(|i| i.counted)
        .map(|i| {
            let view = i.received_view().name();
            match (dose(i), i.entrance_dose_mgy) {
                (Some(d), Some(e)) => format!("{view}: {} (entrance dose {})", mgy(d), mgy(e)),
                (Some(d), None) => format!("{view}: {}", mgy(d)),
                (None, Some(e)) => format!("{view}: not reported (entrance dose {})", mgy(e)),
                (None, None) => format!("{view}: not reported"),
            }
        })
        .collect();
    if lines.is_empty() {
        return;
    }
    card.rows.push((
        "Dose per image".to_owned(),
        lines.join("\n"),
        href.to_owned(),
    ));
    card.rows.push((
        "Total dose".to_owned(),
        total_dose(images).map_or_else(
            || "Not reported for every image".to_owned(),
            |t| format!("{} (organ dose)", mgy(t)),
        ),
        href.to_owned(),
    ));
}

/// Whether images have been taken for the appointment (see [`images::images_taken`]).
pub async fn images_taken(
    state: &AppState,
    staff: &Staff,
    wf: &Workflow,
) -> Result<bool, AppError> {
    Ok(images::images_taken(&state.store, staff.scope(), wf).await?)
}

// ---------------------------------------------------------------------------------------
// The page
// ---------------------------------------------------------------------------------------

pub struct Thumb {
    pub src: Option<String>,
    pub view: String,
    pub alt: String,
    pub width: i64,
    pub height: i64,
    pub dose: Option<String>,
}

pub struct ThumbGroup {
    pub heading: &'static str,
    pub thumbs: Vec<Thumb>,
}

/// The part of the page that changes as images arrive.
pub struct LiveView {
    pub id: String,
    pub csrf_token: String,
    pub version: i64,
    pub received: usize,
    /// "4 images received: 1x RCC, 1x RMLO, ...".
    pub summary: String,
    pub groups: Vec<ThumbGroup>,
    pub study_complete: bool,
    pub study_discontinued: bool,
    /// Views with 2 or more images: the repeats question comes after confirming.
    pub repeats_views: Vec<String>,
    pub refresh_href: String,
    pub confirm_error: Option<String>,
}

#[derive(Template)]
#[template(path = "workflow/images_auto.html")]
struct AutoPage {
    layout: Layout,
    frame: Frame,
    errors: Vec<(String, String)>,
    room: String,
    room_href: String,
    accession: Option<String>,
    /// The gateway has collected the item: the machine can find the participant.
    on_worklist: bool,
    gateway_state: &'static str,
    gateway_state_class: &'static str,
    gateway_connected: bool,
    gateway_last_contact: String,
    name: String,
    reasons: Vec<(&'static str, &'static str)>,
    live: LiveView,
}

#[derive(Template)]
#[template(path = "workflow/images_auto_live.html")]
struct LiveFragment {
    live: LiveView,
}

fn live_view(
    wf: &Workflow,
    csrf_token: &str,
    capture: &ImageCapture,
    confirm_error: Option<String>,
) -> LiveView {
    let id = wf.appointment.id;
    let counts = capture.counts();
    let mut lines: Vec<String> = counts
        .counts
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(v, n)| format!("{n}x {v}"))
        .collect();
    lines.extend(counts.other.iter().map(|(c, n)| format!("{n}x {c}")));
    if counts.unlabelled > 0 {
        lines.push(format!("{}x unlabelled", counts.unlabelled));
    }
    let thumb = |i: &ReceivedImage| {
        let view = i.received_view().name();
        let mut kind = String::new();
        if !i.counted {
            kind = " (not counted: For Processing or tomosynthesis)".to_owned();
        }
        Thumb {
            src: i
                .has_thumbnail
                .then(|| format!("/received-images/{}/thumbnail", i.id)),
            alt: format!("{view} mammogram thumbnail{kind}"),
            view: format!("{view}{kind}"),
            width: i.thumbnail_width.unwrap_or(150).clamp(16, 300),
            height: i.thumbnail_height.unwrap_or(200).clamp(16, 400),
            dose: dose(i).map(mgy),
        }
    };
    let scale = |t: Thumb| {
        // Shown at 150 px wide, keeping the aspect ratio.
        let h = (t.height * 150 / t.width.max(1)).clamp(16, 400);
        Thumb {
            width: 150,
            height: h,
            ..t
        }
    };
    let mut groups: Vec<ThumbGroup> = Breast::ALL
        .iter()
        .map(|&b| ThumbGroup {
            heading: b.heading(),
            thumbs: capture
                .images
                .iter()
                .filter(|i| i.received_view().breast() == Some(b))
                .map(|i| scale(thumb(i)))
                .collect(),
        })
        .collect();
    let unlabelled: Vec<Thumb> = capture
        .images
        .iter()
        .filter(|i| i.received_view() == ReceivedView::Unlabelled)
        .map(|i| scale(thumb(i)))
        .collect();
    if !unlabelled.is_empty() {
        groups.push(ThumbGroup {
            heading: "Images without a view",
            thumbs: unlabelled,
        });
    }
    groups.retain(|g| !g.thumbs.is_empty());
    LiveView {
        id: id.to_string(),
        csrf_token: csrf_token.to_owned(),
        version: wf.appointment.version,
        received: capture.images.len(),
        summary: if counts.total == 0 {
            String::new()
        } else {
            format!(
                "{} {} received: {}",
                counts.total,
                if counts.total == 1 { "image" } else { "images" },
                lines.join(", ")
            )
        },
        groups,
        study_complete: capture.mpps_status == Some(MppsStatus::Completed),
        study_discontinued: capture.mpps_status == Some(MppsStatus::Discontinued),
        repeats_views: counts
            .counts
            .iter()
            .filter(|(_, n)| *n >= 2)
            .map(|(v, _)| v.label().to_owned())
            .collect(),
        refresh_href: Step::Images.href(id),
        confirm_error,
    }
}

/// The automatic page, if the automatic flow applies to this appointment in `room`.
pub async fn page(
    state: &AppState,
    staff: &Staff,
    wf: &Workflow,
    room: Option<&Room>,
) -> Result<Option<Response>, AppError> {
    render_page(state, staff, wf, room, None).await
}

async fn render_page(
    state: &AppState,
    staff: &Staff,
    wf: &Workflow,
    room: Option<&Room>,
    confirm_error: Option<String>,
) -> Result<Option<Response>, AppError> {
    let Some(room) = room else {
        return Ok(None);
    };
    let scope = staff.scope();
    let id = wf.appointment.id;
    // Only reads: the worklist item was issued by the write that opened this step.
    let capture = state.store.image_capture(scope, id, Some(room)).await?;
    if !capture.automatic() {
        return Ok(None);
    }
    let Some(gateway) = capture.gateway.as_ref() else {
        return Ok(None);
    };
    let layout = layout(
        state,
        staff,
        wf,
        "Take mammogram images",
        confirm_error.is_some(),
    );
    let errors = confirm_error
        .iter()
        .map(|e| ("confirm".to_owned(), e.clone()))
        .collect();
    let live = live_view(wf, &layout.csrf_token, &capture, confirm_error);
    let page = AutoPage {
        frame: Frame::new(wf, Step::Images),
        errors,
        room: room_text(room),
        room_href: page_href(id, "room"),
        accession: capture
            .worklist_item
            .as_ref()
            .map(|i| i.accession_number.clone()),
        on_worklist: capture.on_worklist,
        gateway_state: gateway.state.label(),
        gateway_state_class: gateway.state.tag_class(),
        gateway_connected: gateway.state == ConnectionState::Connected,
        gateway_last_contact: gateway
            .last_contact_at
            .map_or_else(|| "never".to_owned(), crate::present::instant),
        name: wf.appointment.participant.full_name(),
        reasons: [
            ManualReason::DifferentParticipant,
            ManualReason::WrongNumber,
            ManualReason::IncorrectLabels,
        ]
        .iter()
        .map(|r| (r.as_str(), r.label()))
        .collect(),
        live,
        layout,
    };
    let has_errors = !page.errors.is_empty();
    Ok(Some(respond(page, has_errors)?))
}

/// After "Switch to manual image mode": the notice on the manual page.
pub async fn manual_notice(
    state: &AppState,
    staff: &Staff,
    wf: &Workflow,
    room: Option<&Room>,
) -> Result<Option<String>, AppError> {
    let Some(room) = room else {
        return Ok(None);
    };
    if state
        .store
        .room_gateway(staff.scope(), room.id)
        .await?
        .is_none()
    {
        return Ok(None);
    }
    let capture = state
        .store
        .image_capture(staff.scope(), wf.appointment.id, Some(room))
        .await?;
    if !capture.manual_mode {
        return Ok(None);
    }
    let not_on_worklist = capture.worklist_item.is_none()
        || capture.manual_reason.as_deref() == Some(ManualReason::NotOnWorklist.as_str())
        || capture.manual_reason.as_deref() == Some(ManualReason::GatewayNotConnected.as_str());
    Ok(Some(if not_on_worklist {
        format!(
            "{} is not on the worklist. Set up an unscheduled procedure on the mammography machine with the participant's details (NHS number {}), then record the images taken here. The images will be reconciled with this appointment after it ends.",
            wf.appointment.participant.full_name(),
            crate::present::nhs_number(&wf.appointment.participant.nhs_number)
        )
    } else {
        "Record the images taken here. The images received from the machine will be checked against this record after the appointment ends.".to_owned()
    }))
}

/// `GET /appointments/{id}/images/live`: the part of the page that changes as images
/// arrive (for `gateway-images.js`).
pub async fn live(
    State(state): State<AppState>,
    staff: Staff,
    PageId(id): PageId<AppointmentId>,
) -> PageResult {
    let wf = load_images(&state, &staff, id).await?;
    let capture = state
        .store
        .image_capture(
            staff.scope(),
            wf.appointment.id,
            wf_room(&state, &staff, &wf).await?.as_ref(),
        )
        .await?;
    let html = LiveFragment {
        live: live_view(&wf, &staff.0.csrf_token, &capture, None),
    }
    .render()?;
    Ok(([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response())
}

async fn wf_room(state: &AppState, staff: &Staff, wf: &Workflow) -> Result<Option<Room>, AppError> {
    Ok(super::images::rooms(state, staff, wf).await?.0)
}

/// `POST /appointments/{id}/images/confirm`: "Confirm all images received".
pub async fn confirm(
    State(state): State<AppState>,
    staff: Staff,
    PageId(id): PageId<AppointmentId>,
    PageForm(form): PageForm<VersionForm>,
) -> PageResult {
    let mut version = form.version()?;
    let mut wf = load_images(&state, &staff, id).await?;
    let id = wf.appointment.id;
    let room = wf_room(&state, &staff, &wf).await?;
    let capture = state
        .store
        .image_capture(staff.scope(), id, room.as_ref())
        .await?;
    if !capture.automatic() {
        return Ok(Redirect::to(&Step::Images.href(id)).into_response());
    }
    let record = match images::record_from_capture(&wf, &capture) {
        Ok(r) => r,
        Err(message) => {
            return render_page(&state, &staff, &wf, room.as_ref(), Some(message.to_owned()))
                .await?
                .ok_or_else(|| AppError::BadRequest(message.to_owned()));
        }
    };
    if wf.room.is_none()
        && let Some(room) = &room
    {
        version = state
            .store
            .set_room(staff.scope(), &staff.actor(), id, room.id, version)
            .await?;
        wf.room = Some(room.clone());
    }
    super::images::save_record_as(
        &state.store,
        staff.scope(),
        &staff.actor(),
        &wf,
        &record,
        version,
        Some(RecordingMethod::Automatic),
    )
    .await?;
    Ok(Redirect::to(&if record.views_needing_repeats().is_empty() {
        page_href(id, "details")
    } else {
        page_href(id, "repeats")
    })
    .into_response())
}

/// "Switch to manual image mode", with why (the troubleshooting case).
#[derive(serde::Deserialize)]
pub struct ManualForm {
    reason: Option<String>,
}

/// `POST /appointments/{id}/images/manual`: "Switch to manual image mode".
pub async fn manual(
    State(state): State<AppState>,
    staff: Staff,
    PageId(id): PageId<AppointmentId>,
    PageForm(form): PageForm<ManualForm>,
) -> PageResult {
    let wf = load_images(&state, &staff, id).await?;
    let reason = form
        .reason
        .as_deref()
        .and_then(ManualReason::parse)
        .unwrap_or(ManualReason::Other);
    state
        .store
        .switch_to_manual(
            staff.scope(),
            &staff.actor(),
            wf.appointment.id,
            reason.as_str(),
        )
        .await?;
    Ok(Redirect::to(&Step::Images.href(wf.appointment.id)).into_response())
}

/// `GET /received-images/{id}/thumbnail`: a thumbnail, for anyone who can see records at
/// the image's provider (the appointment pages, quarantine, reading).
pub async fn thumbnail(
    State(state): State<AppState>,
    staff: Staff,
    PageId(id): PageId,
) -> PageResult {
    staff.require(Permission::ViewRecords)?;
    let (media, bytes) = state.store.image_thumbnail(staff.scope(), id).await?;
    let media = if media == "image/png" {
        "image/png"
    } else {
        "image/jpeg"
    };
    Ok((
        [
            (header::CONTENT_TYPE, media),
            // A patient's image: never kept by the browser or anything between.
            (header::CACHE_CONTROL, "no-store"),
        ],
        bytes,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::OffsetDateTime;
    use uuid::Uuid;

    fn received(view: &str, counted: bool, dose: Option<f64>) -> ReceivedImage {
        ReceivedImage {
            id: Uuid::now_v7(),
            appointment_id: None,
            sop_instance_uid: "1.2.3".into(),
            study_instance_uid: None,
            accession_number: None,
            patient_id: None,
            patient_name: None,
            view: view.into(),
            counted,
            entrance_dose_mgy: dose.map(|d| d * 4.0),
            organ_dose_mgy: dose,
            acquired_at: None,
            stored_at: OffsetDateTime::UNIX_EPOCH,
            has_thumbnail: true,
            thumbnail_width: Some(300),
            thumbnail_height: Some(400),
            metadata: serde_json::Value::Null,
            quarantine_reason: None,
            attach_request: None,
            detached: None,
        }
    }

    fn card() -> ImagesCard {
        ImagesCard {
            heading: "4 images taken".into(),
            rows: Vec::new(),
            tag: None,
        }
    }

    #[test]
    fn the_total_dose_is_the_sum_of_the_counted_images_when_every_one_reported_it() {
        let images = [
            received("RCC", true, Some(1.25)),
            received("RMLO", true, Some(1.5)),
            received("RMLO", false, None),
        ];
        assert_eq!(total_dose(&images), Some(2.75));
        assert_eq!(total_dose(&[received("LCC", true, None)]), None);
        assert_eq!(total_dose(&[]), None);
        let mut c = card();
        dose_rows(&mut c, &images, "/x");
        assert_eq!(
            c.rows
                .iter()
                .map(|(k, v, _)| (k.as_str(), v.as_str()))
                .collect::<Vec<_>>(),
            [
                (
                    "Dose per image",
                    "RCC: 1.25 mGy (entrance dose 5.00 mGy)\nRMLO: 1.50 mGy (entrance dose 6.00 mGy)"
                ),
                ("Total dose", "2.75 mGy (organ dose)"),
            ]
        );
        let mut c = card();
        dose_rows(&mut c, &[received("LCC", true, None)], "/x");
        assert_eq!(c.rows[0].1, "LCC: not reported");
        assert_eq!(c.rows[1].1, "Not reported for every image");
    }
}
