//! "Image gateways": each gateway's connection state, the images in quarantine (never
//! attached automatically) and the discrepancies between the images recorded and the
//! images received, which the office resolves, saying how.

use crate::auth::Staff;
use crate::error::PageResult;
use crate::pages::{FormPairs, parse_id, render};
use crate::present::{Layout, instant, nhs_number};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use domain::Permission;
use store::StoreError;

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
}

/// What failed on the page: (row id, message, what was typed).
type Failed = Option<(String, String, String)>;

async fn page(state: &AppState, staff: &Staff, failed: Failed, done: bool) -> PageResult {
    staff.require(Permission::ViewRecords)?;
    let scope = staff.scope();
    let (gateways, quarantine, all) = tokio::try_join!(
        state.store.gateways(scope),
        state.store.quarantined_images(scope),
        state.store.image_discrepancies(scope, false)
    )?;
    let mut errors = Vec::new();
    if let Some((id, message, _)) = &failed {
        let field = if quarantine.iter().any(|q| q.id.to_string() == *id) {
            "quarantine-reason"
        } else {
            "resolution"
        };
        errors.push((format!("{field}-{id}"), message.clone()));
    }
    let mut candidates = Vec::new();
    for q in &quarantine {
        candidates.push(state.store.quarantine_candidate(scope, q.id).await?);
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
        gateways: gateways
            .into_iter()
            .map(|g| GatewayRow {
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
            })
            .collect(),
        quarantine: quarantine
            .into_iter()
            .zip(candidates)
            .map(|(i, c)| QuarantineRow {
                candidate: c.map(|c| {
                    (
                        c.appointment_id.to_string(),
                        format!("{} ({})", c.participant_name, nhs_number(&c.nhs_number)),
                    )
                }),
                error: failed
                    .as_ref()
                    .filter(|(f, _, _)| *f == i.id.to_string())
                    .map(|(_, m, _)| m.clone()),
                value: failed
                    .as_ref()
                    .filter(|(f, _, _)| *f == i.id.to_string())
                    .map(|(_, _, v)| v.clone())
                    .unwrap_or_default(),
                thumbnail: i
                    .has_thumbnail
                    .then(|| format!("/received-images/{}/thumbnail", i.id)),
                id: i.id.to_string(),
                received: instant(i.stored_at),
                reason: i.quarantine_reason.map_or("Not matched", |r| r.label()),
                patient_id: i.patient_id.clone().unwrap_or_default(),
                patient_name: i.patient_name.clone().unwrap_or_default(),
                accession: i.accession_number.clone().unwrap_or_default(),
                view: i.received_view().name(),
            })
            .collect(),
        open: all
            .iter()
            .filter(|d| d.resolved_at.is_none())
            .map(|d| {
                let id = d.id.to_string();
                let failed_here = failed.as_ref().filter(|(f, _, _)| *f == id);
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
            })
            .collect(),
        resolved: all
            .iter()
            .filter(|d| d.resolved_at.is_some())
            .map(|d| ResolvedRow {
                name: d.participant_name.clone(),
                kind: d.kind_label.clone(),
                detail: d.detail.clone(),
                resolved_by: d.resolved_by_name.clone().unwrap_or_default(),
                resolved_at: d.resolved_at.map(instant).unwrap_or_default(),
                resolution: d.resolution.clone().unwrap_or_default(),
            })
            .collect(),
        can_resolve: staff.0.can(Permission::ManageAppointments),
        done,
    };
    let mut res = render(page)?;
    if failed.is_some() {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

#[derive(serde::Deserialize)]
pub struct Query {
    pub resolved: Option<String>,
}

/// `GET /image-gateways`.
pub async fn show(
    State(state): State<AppState>,
    staff: Staff,
    axum::extract::Query(q): axum::extract::Query<Query>,
) -> PageResult {
    page(&state, &staff, None, q.resolved.is_some()).await
}

/// `POST /image-discrepancies/{id}/resolve`.
pub async fn resolve(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    form: FormPairs,
) -> PageResult {
    staff.require(Permission::ManageAppointments)?;
    let uuid = parse_id(&id)?;
    let text = form.get("resolution").unwrap_or_default().to_owned();
    match state
        .store
        .resolve_discrepancy(staff.scope(), &staff.actor(), uuid, &text)
        .await
    {
        Ok(()) => Ok(Redirect::to("/image-gateways?resolved=1").into_response()),
        Err(StoreError::Invalid(errors)) => {
            let message = errors
                .first()
                .map(|e| e.message.to_string())
                .unwrap_or_default();
            page(
                &state,
                &staff,
                Some((uuid.to_string(), message, text)),
                false,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /received-images/{id}/quarantine`: attach a quarantined image to the appointment
/// its keys name (`action=attach`), or keep it out of every record (`action=dismiss`),
/// saying why.
pub async fn settle(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    form: FormPairs,
) -> PageResult {
    staff.require(Permission::ManageAppointments)?;
    let uuid = parse_id(&id)?;
    let reason = form.get("reason").unwrap_or_default().to_owned();
    let attach = form.get("action") == Some("attach");
    match state
        .store
        .settle_quarantined_image(staff.scope(), &staff.actor(), uuid, attach, &reason)
        .await
    {
        Ok(_) => Ok(Redirect::to("/image-gateways").into_response()),
        Err(StoreError::Invalid(_)) => {
            let message = if attach {
                "Enter why this image belongs to this appointment"
            } else {
                "Enter why this image belongs to no appointment"
            };
            page(
                &state,
                &staff,
                Some((uuid.to_string(), message.to_owned(), reason)),
                false,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
