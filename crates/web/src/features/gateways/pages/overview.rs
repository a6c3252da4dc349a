//! "Image gateways": each gateway's connection state, the images in quarantine (never
//! attached automatically) and the discrepancies between the images recorded and the
//! images received, which the office resolves, saying how.

use super::super::app::{self, Settle};
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
use serde::Deserialize;
use store::{
    DiscrepancyRecord, GatewayStatus, QuarantineCandidate, ReceivedImage, Settlement, StoreError,
};

pub struct GatewayRow {
    pub name: String,
    pub state: &'static str,
    pub state_class: &'static str,
    pub last_contact: String,
    pub queue_depth: i64,
    pub last_echo: String,
    pub rooms: String,
}

pub struct QuarantineRow {
    pub id: String,
    pub thumbnail: Option<String>,
    pub received: String,
    pub reason: &'static str,
    pub patient_id: String,
    pub patient_name: String,
    pub accession: String,
    pub view: String,
    /// The appointment its keys name: (id, "Name (NHS number)").
    pub candidate: Option<(String, String)>,
    /// "Attachment asked for by Karen Booth at 10:00, 25 November 2026: ...".
    pub requested: Option<String>,
    /// Whether the signed-in user may confirm the attachment (someone else asked for it).
    pub can_confirm: bool,
    /// "Detached from Jane Smith's appointment by ...: ...".
    pub detached: Option<String>,
    pub error: Option<String>,
    pub value: String,
}

pub struct DiscrepancyRow {
    pub id: String,
    pub appointment_id: String,
    pub name: String,
    pub nhs_number: String,
    pub kind: String,
    pub detail: String,
    pub raised: String,
    pub error: Option<String>,
    pub value: String,
}

pub struct ResolvedRow {
    pub name: String,
    pub kind: String,
    pub detail: String,
    pub resolved_by: String,
    pub resolved_at: String,
    pub resolution: String,
}

#[derive(Template)]
#[template(path = "image_gateways.html")]
struct GatewaysPage {
    layout: Layout,
    errors: Vec<(String, String)>,
    gateways: Vec<GatewayRow>,
    quarantine: Vec<QuarantineRow>,
    open: Vec<DiscrepancyRow>,
    resolved: Vec<ResolvedRow>,
    can_resolve: bool,
    done: bool,
    /// The banner after settling a quarantined image.
    banner: Option<&'static str>,
}

fn gateway_row(g: GatewayStatus) -> GatewayRow {
    GatewayRow {
        name: g.name,
        state: g.state.label(),
        state_class: g.state.tag_class(),
        last_contact: g
            .last_contact_at
            .map_or_else(|| "Never".to_owned(), instant),
        queue_depth: g.queue_depth,
        last_echo: match (g.last_echo_at, g.last_echo_ok) {
            (Some(at), Some(true)) => format!(
                "{} (worked{})",
                instant(at),
                g.last_echo_round_trip_ms
                    .map(|ms| format!(", {ms} ms"))
                    .unwrap_or_default()
            ),
            (Some(at), _) => format!("{} (failed)", instant(at)),
            _ => "None yet".to_owned(),
        },
        rooms: if g.rooms.is_empty() {
            "None".to_owned()
        } else {
            g.rooms.join("\n")
        },
    }
}

/// The message and the text typed, when the failure was on row `id`.
fn failed_on<'a>(failed: &'a Failed, id: &str) -> Option<&'a (String, String, String)> {
    failed.as_ref().filter(|(f, _, _)| f == id)
}

fn quarantine_row(
    staff: &Staff,
    i: ReceivedImage,
    c: Option<QuarantineCandidate>,
    failed: &Failed,
) -> QuarantineRow {
    let id = i.id.to_string();
    let failed_here = failed_on(failed, &id);
    QuarantineRow {
        requested: i.attach_request.as_ref().map(|r| {
            format!(
                "Attachment asked for by {} at {}: {}",
                r.requested_by_name,
                instant(r.requested_at),
                r.reason
            )
        }),
        can_confirm: i
            .attach_request
            .as_ref()
            .is_some_and(|r| r.requested_by != Some(staff.0.user_id)),
        detached: i.detached.as_ref().map(|d| {
            format!(
                "Detached from an appointment by {} at {} as a different participant's images: {}",
                d.detached_by_name,
                instant(d.detached_at),
                d.reason
            )
        }),
        candidate: c.map(|c| {
            (
                c.appointment_id.to_string(),
                format!("{} ({})", c.participant_name, nhs_number(&c.nhs_number)),
            )
        }),
        error: failed_here.map(|(_, m, _)| m.clone()),
        value: failed_here.map(|(_, _, v)| v.clone()).unwrap_or_default(),
        thumbnail: i
            .has_thumbnail
            .then(|| format!("/received-images/{}/thumbnail", i.id)),
        received: instant(i.stored_at),
        reason: i.quarantine_reason.map_or("Not matched", |r| r.label()),
        patient_id: i.patient_id.clone().unwrap_or_default(),
        patient_name: i.patient_name.clone().unwrap_or_default(),
        accession: i.accession_number.clone().unwrap_or_default(),
        view: i.received_view().name(),
        id,
    }
}

fn discrepancy_row(d: &DiscrepancyRecord, failed: &Failed) -> DiscrepancyRow {
    let id = d.id.to_string();
    let failed_here = failed_on(failed, &id);
    DiscrepancyRow {
        appointment_id: d.appointment_id.to_string(),
        name: d.participant_name.clone(),
        nhs_number: nhs_number(&d.nhs_number),
        kind: d.kind_label.clone(),
        detail: d.detail.clone(),
        raised: instant(d.created_at),
        error: failed_here.map(|(_, m, _)| m.clone()),
        value: failed_here.map(|(_, _, v)| v.clone()).unwrap_or_default(),
        id,
    }
}

fn resolved_row(d: &DiscrepancyRecord) -> ResolvedRow {
    ResolvedRow {
        name: d.participant_name.clone(),
        kind: d.kind_label.clone(),
        detail: d.detail.clone(),
        resolved_by: d.resolved_by_name.clone().unwrap_or_default(),
        resolved_at: d.resolved_at.map(instant).unwrap_or_default(),
        resolution: d.resolution.clone().unwrap_or_default(),
    }
}

/// The page, with the failure (if any) shown against its row.
async fn page(
    state: &AppState,
    staff: &Staff,
    failed: Failed,
    done: bool,
    banner: Option<&'static str>,
) -> PageResult {
    let app::Overview {
        gateways,
        quarantine,
        discrepancies: all,
    } = app::overview(&state.store, &staff.caller()).await?;
    let mut errors = Vec::new();
    if let Some((id, message, _)) = &failed {
        let field = if quarantine.iter().any(|(q, _)| q.id.to_string() == *id) {
            "quarantine-reason"
        } else {
            "resolution"
        };
        errors.push((format!("{field}-{id}"), message.clone()));
    }
    let page = GatewaysPage {
        layout: Layout::new(
            if failed.is_some() {
                "Error: Image gateways"
            } else {
                "Image gateways"
            },
            Some(staff.0.clone()),
            state.config.demo_mode,
        ),
        errors,
        gateways: gateways.into_iter().map(gateway_row).collect(),
        quarantine: quarantine
            .into_iter()
            .map(|(i, c)| quarantine_row(staff, i, c, &failed))
            .collect(),
        open: all
            .iter()
            .filter(|d| d.resolved_at.is_none())
            .map(|d| discrepancy_row(d, &failed))
            .collect(),
        resolved: all
            .iter()
            .filter(|d| d.resolved_at.is_some())
            .map(resolved_row)
            .collect(),
        can_resolve: staff.0.can(Permission::ManageAppointments),
        done,
        banner,
    };
    let mut res = render(page)?;
    if failed.is_some() {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

#[derive(Deserialize)]
pub struct Query {
    pub resolved: Option<String>,
    /// What happened to a quarantined image: "requested", "attached", "dismissed".
    pub settled: Option<String>,
}

/// `GET /image-gateways`.
pub async fn show(
    State(state): State<AppState>,
    staff: Staff,
    axum::extract::Query(q): axum::extract::Query<Query>,
) -> PageResult {
    let banner = match q.settled.as_deref() {
        Some("requested") => Some(
            "The attachment has been asked for. A different person must check the image and confirm it before it is attached.",
        ),
        Some("attached") => Some("The image has been attached to the appointment."),
        Some("dismissed") => Some("The image has been kept out of all records."),
        _ => None,
    };
    page(&state, &staff, None, q.resolved.is_some(), banner).await
}

/// "How was this resolved?" as submitted.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ResolveForm {
    resolution: String,
}

/// `POST /image-discrepancies/{id}/resolve`.
pub async fn resolve(
    State(state): State<AppState>,
    staff: Staff,
    PageId(id): PageId,
    PageForm(form): PageForm<ResolveForm>,
) -> PageResult {
    staff.require(Permission::ManageAppointments)?;
    let uuid = id;
    let text = form.resolution;
    match app::resolve(&state.store, &staff.caller(), uuid, &text).await {
        Ok(()) => Ok(Redirect::to("/image-gateways?resolved=1").into_response()),
        Err(Failure::Store(StoreError::Invalid(errors))) => {
            let message = errors
                .first()
                .map(|e| e.message.to_string())
                .unwrap_or_default();
            page(
                &state,
                &staff,
                Some((uuid.to_string(), message, text)),
                false,
                None,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// What to do with a quarantined image (`attach`, `confirm` or `dismiss`), and why.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SettleForm {
    reason: String,
    action: String,
}

/// `POST /received-images/{id}/quarantine`: attach a quarantined image to the appointment
/// its keys name (`action=attach`; when its PatientID is not the participant's NHS number
/// this asks for the attachment, and a different person confirms with `action=confirm`),
/// or keep it out of every record (`action=dismiss`), saying why.
pub async fn settle(
    State(state): State<AppState>,
    staff: Staff,
    PageId(id): PageId,
    PageForm(form): PageForm<SettleForm>,
) -> PageResult {
    staff.require(Permission::ManageAppointments)?;
    let uuid = id;
    let reason = form.reason;
    let action = form.action.as_str();
    let caller = staff.caller();
    let result = match action {
        "confirm" => app::confirm_attachment(&state.store, &caller, uuid, &reason)
            .await
            .map(|_| "attached"),
        _ => {
            let cmd = Settle {
                image_id: uuid,
                attach: action == "attach",
                reason: reason.clone(),
            };
            app::settle(&state.store, &caller, cmd)
                .await
                .map(|s| match s {
                    Settlement::Attached(_) => "attached",
                    Settlement::AwaitingConfirmation => "requested",
                    Settlement::Dismissed => "dismissed",
                })
        }
    };
    let message = match result {
        Ok(settled) => {
            return Ok(Redirect::to(&format!("/image-gateways?settled={settled}")).into_response());
        }
        Err(Failure::Store(StoreError::Invalid(_))) => match action {
            "attach" | "confirm" => "Enter why this image belongs to this appointment".to_owned(),
            _ => "Enter why this image belongs to no appointment".to_owned(),
        },
        // A clear message where the image is: the same person confirming, already asked.
        Err(Failure::Store(StoreError::Refused(m))) => m,
        Err(e) => return Err(e.into()),
    };
    page(
        &state,
        &staff,
        Some((uuid.to_string(), message, reason)),
        false,
        None,
    )
    .await
}
