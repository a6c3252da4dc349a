//! The central service's side of the DICOM gateway (ADR 11): gateways and their tokens and
//! health, worklist items, the events gateways push (images, MPPS, echo), quarantine, how
//! an appointment's images are being recorded, and the discrepancies the office resolves.
//! The rules are `domain::gateway`'s; this module reads, decides with them, and writes.

use crate::audit::{self, AuditAction};
use crate::outbox::{self, Delivery, Handled, Subscriber};
use crate::shared::appointment::require_runner;
use crate::sql::{self, parse_enum, parse_id, parse_ts};
use crate::{Actor, Result, Room, Scope, Store, StoreError, hash_secret, new_id, new_secret};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use domain::AppointmentStatus;
use domain::events::{DomainEvent, kind};
use domain::gateway::{
    Candidate, ConnectionState, DiscrepancyKind, ImageKeys, MatchOutcome, MppsStatus,
    QuarantineReason, QuarantineStatus, ReceivedCounts, ReceivedView, ReconcileInput,
    RecordingMethod, WorklistStatus, WorklistTrigger, accession_number, classify_view,
    connection_state, counts_as_exposure, dicom_person_name, match_image, merge_mpps,
    received_counts, reconcile, study_instance_uid, worklist_status,
};
use domain::ids::AppointmentId;
use serde::Serialize;
use sqlx::FromRow;
use std::collections::BTreeSet;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

mod gateways;
mod images;
mod ingest;
mod reconcile;
mod validate;

use ingest::*;
use reconcile::*;
use validate::*;

type Tx<'a> = sqlx::Transaction<'a, sqlx::Any>;

// ---------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------

/// A gateway, authenticated by its token: everything it sends is for this provider.
#[derive(Debug, Clone)]
pub struct GatewayPrincipal {
    pub gateway_id: Uuid,
    pub provider_id: domain::ids::ProviderId,
    pub name: String,
}

impl GatewayPrincipal {
    pub fn scope(&self) -> Scope {
        Scope {
            provider_id: self.provider_id,
        }
    }
}

/// A gateway and its health, as staff see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GatewayStatus {
    pub id: Uuid,
    pub name: String,
    /// "connected", "delayed" or "disconnected".
    pub state: ConnectionState,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_contact_at: Option<OffsetDateTime>,
    /// Events waiting in the gateway's own queue, as it last reported.
    pub queue_depth: i64,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_echo_at: Option<OffsetDateTime>,
    pub last_echo_ok: Option<bool>,
    pub last_echo_round_trip_ms: Option<i64>,
    /// The rooms it serves.
    pub rooms: Vec<String>,
}

/// A worklist item as the central service keeps it, typed for its own rules (UUIDs, the
/// domain's status); staff see it in an appointment's image capture. Gateways are sent
/// its wire form, [`gateway_protocol::WorklistItem`] (ADR 11), made by `From` below, so
/// the compiler keeps the two in step.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WorklistItem {
    pub id: Uuid,
    pub appointment_id: AppointmentId,
    pub revision: i64,
    pub status: WorklistStatus,
    pub accession_number: String,
    pub study_instance_uid: String,
    pub requested_procedure_id: String,
    pub requested_procedure_description: String,
    pub scheduled_step_id: String,
    pub scheduled_step_description: String,
    pub station_ae_title: String,
    pub modality: String,
    /// Local (Europe/London) date and time, no offset.
    pub scheduled_start: String,
    pub patient_id: String,
    pub patient_name: String,
    pub birth_date: String,
    pub sex: String,
}

impl From<&WorklistItem> for gateway_protocol::WorklistItem {
    fn from(i: &WorklistItem) -> Self {
        gateway_protocol::WorklistItem {
            id: i.id.to_string(),
            appointment_id: Some(i.appointment_id.to_string()),
            revision: i.revision,
            status: i.status.as_str().into(),
            accession_number: Some(i.accession_number.clone()),
            study_instance_uid: Some(i.study_instance_uid.clone()),
            requested_procedure_id: Some(i.requested_procedure_id.clone()),
            requested_procedure_description: Some(i.requested_procedure_description.clone()),
            scheduled_step_id: Some(i.scheduled_step_id.clone()),
            scheduled_step_description: Some(i.scheduled_step_description.clone()),
            station_ae_title: Some(i.station_ae_title.clone()),
            modality: Some(i.modality.clone()),
            scheduled_start: Some(i.scheduled_start.clone()),
            patient_id: Some(i.patient_id.clone()),
            patient_name: Some(i.patient_name.clone()),
            birth_date: Some(i.birth_date.clone()),
            sex: Some(i.sex.clone()),
        }
    }
}

/// One image received, without its thumbnail bytes.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReceivedImage {
    pub id: Uuid,
    pub appointment_id: Option<AppointmentId>,
    pub sop_instance_uid: String,
    pub study_instance_uid: Option<String>,
    pub accession_number: Option<String>,
    pub patient_id: Option<String>,
    pub patient_name: Option<String>,
    /// "RCC" ... "LMLOID", another view's code ("RML"), or "" when unlabelled.
    pub view: String,
    /// Whether it counts as an exposure (For Presentation, not tomosynthesis).
    pub counted: bool,
    pub entrance_dose_mgy: Option<f64>,
    pub organ_dose_mgy: Option<f64>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub acquired_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub stored_at: OffsetDateTime,
    pub has_thumbnail: bool,
    pub thumbnail_width: Option<i64>,
    pub thumbnail_height: Option<i64>,
    /// Every metadata field the gateway sent.
    #[schema(value_type = Object)]
    pub metadata: serde_json::Value,
    /// Why it was quarantined (a quarantined image has no appointment).
    pub quarantine_reason: Option<QuarantineReason>,
    /// A quarantined image someone asked to attach, waiting for a different person to
    /// confirm (its PatientID is not the participant's NHS number).
    pub attach_request: Option<AttachRequest>,
    /// When it was detached from an appointment as a different participant's images.
    pub detached: Option<Detachment>,
}

/// Someone asked for a quarantined image to be attached; a different person must confirm.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AttachRequest {
    pub appointment_id: AppointmentId,
    pub requested_by: Option<Uuid>,
    pub requested_by_name: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub requested_at: OffsetDateTime,
    pub reason: String,
}

/// An image detached from an appointment ("These are a different participant's images").
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Detachment {
    pub appointment_id: AppointmentId,
    pub detached_by_name: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub detached_at: OffsetDateTime,
    pub reason: String,
}

/// What became of a quarantined image an office user settled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settlement {
    /// Attached to this appointment.
    Attached(AppointmentId),
    /// Asked for: a different person must confirm the attachment.
    AwaitingConfirmation,
    /// Kept out of every record.
    Dismissed,
}

impl Settlement {
    pub fn appointment_id(&self) -> Option<AppointmentId> {
        match self {
            Settlement::Attached(a) => Some(*a),
            _ => None,
        }
    }
}

impl ReceivedImage {
    pub fn received_view(&self) -> ReceivedView {
        ReceivedView::from_code(&self.view)
    }
}

/// How an appointment's images are being captured: everything the images step needs.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImageCapture {
    /// The gateway serving the appointment's room, if any.
    pub gateway: Option<GatewayStatus>,
    /// "manual" once someone chose "Switch to manual image mode".
    pub manual_mode: bool,
    pub manual_reason: Option<String>,
    pub worklist_item: Option<WorklistItem>,
    /// Whether the gateway has collected the item's latest change (the modality can find
    /// it): "On worklist".
    pub on_worklist: bool,
    /// The performed procedure step's status: "IN PROGRESS", "COMPLETED", "DISCONTINUED".
    pub mpps_status: Option<MppsStatus>,
    /// Images attached to the appointment, oldest first.
    pub images: Vec<ReceivedImage>,
}

impl ImageCapture {
    /// Whether the automatic flow applies: a gateway serves the room and nobody switched
    /// to manual.
    pub fn automatic(&self) -> bool {
        self.gateway.is_some() && !self.manual_mode
    }

    /// What the counted images add up to.
    pub fn counts(&self) -> ReceivedCounts {
        let views: Vec<ReceivedView> = self
            .images
            .iter()
            .filter(|i| i.counted)
            .map(ReceivedImage::received_view)
            .collect();
        received_counts(&views)
    }
}

/// The appointment a quarantined image's StudyInstanceUID or accession number names: the
/// one an office user may attach it to, deliberately, after checking.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QuarantineCandidate {
    pub appointment_id: AppointmentId,
    pub participant_name: String,
    pub nhs_number: String,
}

/// A discrepancy for the office.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DiscrepancyRecord {
    pub id: Uuid,
    pub appointment_id: AppointmentId,
    pub participant_name: String,
    pub nhs_number: String,
    pub kind: DiscrepancyKind,
    pub kind_label: String,
    pub detail: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    pub resolved_by_name: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub resolved_at: Option<OffsetDateTime>,
    /// How it was resolved.
    pub resolution: Option<String>,
}

// ---------------------------------------------------------------------------------------
// Events, as gateways send them (ADR 11)
// ---------------------------------------------------------------------------------------

// The events, their parts and the receipt are the protocol crate's types (one definition
// for the gateway and the central service).
pub use gateway_protocol::{
    EventBody, EventReceipt, GatewayEvent, ImageEvent, MppsEvent, PerformedSeries,
};

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// A nullable stored instant (empty text counts as none).
fn nonempty_ts(s: Option<String>) -> Result<Option<OffsetDateTime>> {
    s.as_deref()
        .filter(|s| !s.is_empty())
        .map(parse_ts)
        .transpose()
}

fn nonempty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

const GATEWAY_COLUMNS: &str = "g.id, g.name, g.last_contact_at, g.queue_depth, g.last_echo_at, \
     g.last_echo_ok, g.last_echo_round_trip_ms";

/// A gateway and its health ([`GATEWAY_COLUMNS`]), as stored.
#[derive(FromRow)]
struct GatewayRow {
    id: String,
    name: String,
    last_contact_at: Option<String>,
    queue_depth: i64,
    last_echo_at: Option<String>,
    last_echo_ok: Option<i64>,
    last_echo_round_trip_ms: Option<i64>,
}

fn gateway_from(r: GatewayRow, rooms: Vec<String>, now: OffsetDateTime) -> Result<GatewayStatus> {
    let last_contact_at = nonempty_ts(r.last_contact_at)?;
    let last_echo_at = nonempty_ts(r.last_echo_at)?;
    let last_echo_ok = r.last_echo_ok.map(|v| v != 0);
    Ok(GatewayStatus {
        id: parse_id(&r.id)?,
        name: r.name,
        state: connection_state(now, last_contact_at, last_echo_at.zip(last_echo_ok)),
        last_contact_at,
        queue_depth: r.queue_depth,
        last_echo_at,
        last_echo_ok,
        last_echo_round_trip_ms: r.last_echo_round_trip_ms,
        rooms,
    })
}

const IMAGE_COLUMNS: &str = "id, appointment_id, sop_instance_uid, study_instance_uid, accession_number, \
     patient_id, patient_name, view_code, counted, entrance_dose_mgy, organ_dose_mgy, acquired_at, \
     stored_at, thumbnail_media_type, thumbnail_width, thumbnail_height, metadata, quarantine_reason, \
     attach_requested_for, attach_requested_by, attach_requested_by_name, attach_requested_at, \
     attach_request_reason, detached_from, detached_by_name, detached_at, detach_reason";

/// A received image ([`IMAGE_COLUMNS`]), as stored.
#[derive(FromRow)]
struct ImageRow {
    id: String,
    appointment_id: Option<String>,
    sop_instance_uid: String,
    study_instance_uid: Option<String>,
    accession_number: Option<String>,
    patient_id: Option<String>,
    patient_name: Option<String>,
    view_code: String,
    counted: i64,
    entrance_dose_mgy: Option<f64>,
    organ_dose_mgy: Option<f64>,
    acquired_at: Option<String>,
    stored_at: String,
    thumbnail_media_type: Option<String>,
    thumbnail_width: Option<i64>,
    thumbnail_height: Option<i64>,
    metadata: String,
    quarantine_reason: Option<String>,
    attach_requested_for: Option<String>,
    attach_requested_by: Option<String>,
    attach_requested_by_name: Option<String>,
    attach_requested_at: Option<String>,
    attach_request_reason: Option<String>,
    detached_from: Option<String>,
    detached_by_name: Option<String>,
    detached_at: Option<String>,
    detach_reason: Option<String>,
}

impl TryFrom<ImageRow> for ReceivedImage {
    type Error = StoreError;
    fn try_from(r: ImageRow) -> Result<Self> {
        Ok(ReceivedImage {
            id: parse_id(&r.id)?,
            appointment_id: r.appointment_id.as_deref().map(parse_id).transpose()?,
            sop_instance_uid: r.sop_instance_uid,
            study_instance_uid: r.study_instance_uid,
            accession_number: r.accession_number,
            patient_id: r.patient_id,
            patient_name: r.patient_name,
            view: r.view_code,
            counted: r.counted != 0,
            entrance_dose_mgy: r.entrance_dose_mgy,
            organ_dose_mgy: r.organ_dose_mgy,
            acquired_at: nonempty_ts(r.acquired_at)?,
            stored_at: parse_ts(&r.stored_at)?,
            has_thumbnail: r.thumbnail_media_type.is_some(),
            thumbnail_width: r.thumbnail_width,
            thumbnail_height: r.thumbnail_height,
            metadata: sql::parse_json(&r.metadata)?,
            quarantine_reason: r
                .quarantine_reason
                .as_deref()
                .map(sql::parse_enum)
                .transpose()?,
            attach_request: match (r.attach_requested_for, r.attach_requested_at) {
                (Some(a), Some(at)) => Some(AttachRequest {
                    appointment_id: parse_id(&a)?,
                    requested_by: r.attach_requested_by.as_deref().map(parse_id).transpose()?,
                    requested_by_name: r.attach_requested_by_name.unwrap_or_default(),
                    requested_at: parse_ts(&at)?,
                    reason: r.attach_request_reason.unwrap_or_default(),
                }),
                _ => None,
            },
            detached: match (r.detached_from, r.detached_at) {
                (Some(a), Some(at)) => Some(Detachment {
                    appointment_id: parse_id(&a)?,
                    detached_by_name: r.detached_by_name.unwrap_or_default(),
                    detached_at: parse_ts(&at)?,
                    reason: r.detach_reason.unwrap_or_default(),
                }),
                _ => None,
            },
        })
    }
}

const ITEM_COLUMNS: &str = "w.id, w.appointment_id, w.revision, w.status, w.accession_number, \
     w.study_instance_uid, w.station_ae_title, s.starts_at, c.clinic_date, p.nhs_number, \
     p.first_name, p.last_name, p.date_of_birth, p.sex";

const ITEM_JOINS: &str = "FROM worklist_items w \
     JOIN appointments a ON a.id = w.appointment_id AND a.provider_id = w.provider_id \
     JOIN slots s ON s.id = a.slot_id AND s.provider_id = w.provider_id \
     JOIN clinics c ON c.id = a.clinic_id AND c.provider_id = w.provider_id \
     JOIN participants p ON p.id = a.participant_id AND p.provider_id = w.provider_id";

/// A worklist item with its appointment's slot, clinic and participant ([`ITEM_COLUMNS`]),
/// as stored.
#[derive(FromRow)]
struct ItemRow {
    id: String,
    appointment_id: String,
    revision: i64,
    status: String,
    accession_number: String,
    study_instance_uid: String,
    station_ae_title: String,
    starts_at: String,
    clinic_date: String,
    nhs_number: String,
    first_name: String,
    last_name: String,
    date_of_birth: String,
    sex: String,
}

impl TryFrom<ItemRow> for WorklistItem {
    type Error = StoreError;
    fn try_from(r: ItemRow) -> Result<Self> {
        let accession = r.accession_number;
        Ok(WorklistItem {
            id: parse_id(&r.id)?,
            appointment_id: parse_id(&r.appointment_id)?,
            revision: r.revision,
            status: parse_enum(&r.status)?,
            requested_procedure_id: accession.clone(),
            requested_procedure_description: "Screening mammography".to_owned(),
            scheduled_step_id: accession.clone(),
            scheduled_step_description: "Screening mammography".to_owned(),
            accession_number: accession,
            study_instance_uid: r.study_instance_uid,
            station_ae_title: r.station_ae_title,
            modality: "MG".to_owned(),
            scheduled_start: local_start(&r.clinic_date, &r.starts_at),
            patient_id: r.nhs_number,
            patient_name: dicom_person_name(&r.first_name, &r.last_name),
            birth_date: r.date_of_birth.replace('-', ""),
            sex: match r.sex.as_str() {
                "female" => "F",
                "male" => "M",
                _ => "O",
            }
            .to_owned(),
        })
    }
}

/// `2026-11-25` and `09:00` (slot times are local) as `2026-11-25T09:00:00`.
fn local_start(date: &str, starts_at: &str) -> String {
    let time = starts_at.get(..5).unwrap_or(starts_at);
    format!("{date}T{time}:00")
}

/// The next worklist change number of a provider. The counter row stays locked until
/// the transaction ends, so numbers follow commit order.
async fn next_seq(tx: &mut Tx<'_>, scope: Scope) -> Result<i64> {
    let p = sql::id(scope.provider_id);
    sqlx::query(
        "INSERT INTO gateway_settings (provider_id, worklist_issued_at, worklist_seq) VALUES ($1, $2, 0) \
         ON CONFLICT (provider_id) DO NOTHING",
    )
    .bind(&p)
    .bind(WorklistTrigger::Images.as_str())
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "UPDATE gateway_settings SET worklist_seq = worklist_seq + 1 WHERE provider_id = $1",
    )
    .bind(&p)
    .execute(&mut **tx)
    .await?;
    Ok(sqlx::query_scalar::<_, i64>(
        "SELECT worklist_seq FROM gateway_settings WHERE provider_id = $1",
    )
    .bind(&p)
    .fetch_one(&mut **tx)
    .await?)
}

async fn trigger_in(tx: &mut Tx<'_>, scope: Scope) -> Result<WorklistTrigger> {
    let issued_at = sqlx::query_scalar::<_, String>(
        "SELECT worklist_issued_at FROM gateway_settings WHERE provider_id = $1",
    )
    .bind(sql::id(scope.provider_id))
    .fetch_optional(&mut **tx)
    .await?;
    match issued_at {
        Some(s) => parse_enum(&s),
        None => Ok(WorklistTrigger::Images),
    }
}

/// A room's id and AE title, as stored.
#[derive(FromRow)]
struct RoomRow {
    id: String,
    ae_title: String,
}

/// The room and AE title a new item should name when none is given: the first room with a
/// gateway at the clinic's location.
async fn default_gateway_room(
    tx: &mut Tx<'_>,
    scope: Scope,
    appointment_id: AppointmentId,
) -> Result<Option<(String, String)>> {
    let row = sqlx::query_as::<_, RoomRow>(
        "SELECT r.id, r.ae_title FROM appointments a \
         JOIN clinics c ON c.id = a.clinic_id AND c.provider_id = a.provider_id \
         JOIN rooms r ON r.location_id = c.location_id AND r.provider_id = a.provider_id \
         JOIN gateway_rooms gr ON gr.room_id = r.id AND gr.provider_id = a.provider_id \
         WHERE a.id = $1 AND a.provider_id = $2 ORDER BY r.name LIMIT 1",
    )
    .bind(sql::id(appointment_id))
    .bind(sql::id(scope.provider_id))
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(|r| (r.id, r.ae_title)))
}

async fn mpps_status_in(
    tx: &mut Tx<'_>,
    scope: Scope,
    appointment_id: AppointmentId,
) -> Result<Option<MppsStatus>> {
    let rows = sqlx::query_scalar::<_, String>(
        "SELECT status FROM gateway_mpps WHERE provider_id = $1 AND appointment_id = $2 ORDER BY updated_at",
    )
    .bind(sql::id(scope.provider_id))
    .bind(sql::id(appointment_id))
    .fetch_all(&mut **tx)
    .await?;
    let mut status = None;
    for r in rows {
        let s: MppsStatus = parse_enum(&r)?;
        status = Some(merge_mpps(status, s));
    }
    Ok(status)
}

/// An appointment's worklist item, as [`sync_item`] compares it, as stored.
#[derive(FromRow)]
struct SyncedItemRow {
    status: String,
    room_id: Option<String>,
    station_ae_title: String,
}

/// Creates or updates an appointment's worklist item so that it says what the appointment
/// and its performed step say, in `room` (id, AE title) if given. Returns whether it
/// changed. No item is created for an appointment that should have none, nor without a
/// room served by a gateway.
pub(crate) async fn sync_item(
    tx: &mut Tx<'_>,
    scope: Scope,
    appointment_id: AppointmentId,
    room: Option<(String, String)>,
    create: bool,
) -> Result<bool> {
    let p = sql::id(scope.provider_id);
    let existing = sqlx::query_as::<_, SyncedItemRow>(
        "SELECT id, status, room_id, station_ae_title, revision FROM worklist_items \
         WHERE provider_id = $1 AND appointment_id = $2",
    )
    .bind(&p)
    .bind(sql::id(appointment_id))
    .fetch_optional(&mut **tx)
    .await?;
    if existing.is_none() && !create {
        // The common case for rooms without a gateway: nothing to do, nothing more read.
        return Ok(false);
    }
    let status: AppointmentStatus = parse_enum(
        &sqlx::query_scalar::<_, String>(
            "SELECT status FROM appointments WHERE id = $1 AND provider_id = $2",
        )
        .bind(sql::id(appointment_id))
        .bind(&p)
        .fetch_one(&mut **tx)
        .await?,
    )?;
    let mpps = mpps_status_in(tx, scope, appointment_id).await?;
    let desired = worklist_status(status, mpps);
    let now = sql::ts(sql::now());
    match existing {
        None => {
            let Some(desired) = desired.filter(|d| create && d.is_live()) else {
                return Ok(false);
            };
            let room = match room {
                Some(r) => Some(r),
                None => default_gateway_room(tx, scope, appointment_id).await?,
            };
            let Some((room_id, ae)) = room else {
                return Ok(false);
            };
            let seq = next_seq(tx, scope).await?;
            let id = new_id();
            sqlx::query(
                "INSERT INTO worklist_items (id, provider_id, appointment_id, accession_number, study_instance_uid, \
                 revision, status, room_id, station_ae_title, seq, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, 1, $6, $7, $8, $9, $10, $10)",
            )
            .bind(sql::id(id))
            .bind(&p)
            .bind(sql::id(appointment_id))
            .bind(accession_number(new_id().as_u128()))
            .bind(study_instance_uid(id.as_u128()))
            .bind(desired.as_str())
            .bind(&room_id)
            .bind(&ae)
            .bind(seq)
            .bind(&now)
            .execute(&mut **tx)
            .await?;
            Ok(true)
        }
        Some(row) => {
            let current: WorklistStatus = parse_enum(&row.status)?;
            let new_status = desired.unwrap_or(WorklistStatus::Cancelled);
            let (room_id, ae): (Option<String>, String) = match room {
                Some((id, ae)) => (Some(id), ae),
                None => (row.room_id.clone(), row.station_ae_title.clone()),
            };
            let same =
                current == new_status && room_id == row.room_id && ae == row.station_ae_title;
            if same {
                return Ok(false);
            }
            let seq = next_seq(tx, scope).await?;
            sqlx::query(
                "UPDATE worklist_items SET status = $1, room_id = $2, station_ae_title = $3, \
                 revision = revision + 1, seq = $4, updated_at = $5 WHERE provider_id = $6 AND appointment_id = $7",
            )
            .bind(new_status.as_str())
            .bind(room_id)
            .bind(&ae)
            .bind(seq)
            .bind(&now)
            .bind(&p)
            .bind(sql::id(appointment_id))
            .execute(&mut **tx)
            .await?;
            Ok(true)
        }
    }
}

/// How the gateway feature reacts to other features' events.
pub(crate) const SUBSCRIBERS: &[Subscriber] = &[
    // In the change's transaction: worklist changes are numbered in commit order by the
    // provider's counter row (ADR 11), and a machine must never be offered an
    // appointment whose status says otherwise.
    Subscriber {
        name: "gateway.worklist",
        kinds: &[kind::APPOINTMENT_STATUS_CHANGED],
        delivery: Delivery::InTransaction,
        handle: worklist_on_status_change,
    },
    // After the commit: the discrepancies are the office's to resolve, worked out again
    // from what is stored whenever something arrives, and must not hold up an ending.
    Subscriber {
        name: "gateway.reconcile",
        kinds: &[kind::APPOINTMENT_ENDED],
        delivery: Delivery::AfterCommit,
        handle: reconcile_on_ended,
    },
];

/// Keeps the worklist item in step with every appointment status change (issuing it at
/// check-in when the provider asks for that).
fn worklist_on_status_change<'a>(
    tx: &'a mut outbox::Tx,
    _actor: &'a Actor,
    event: &'a DomainEvent,
) -> Handled<'a> {
    Box::pin(async move {
        let DomainEvent::AppointmentStatusChanged(e) = event else {
            return Ok(());
        };
        let scope = Scope {
            provider_id: e.provider_id,
        };
        let create = e.to == AppointmentStatus::CheckedIn
            && trigger_in(tx, scope).await? == WorklistTrigger::CheckedIn;
        sync_item(tx, scope, e.appointment_id, None, create).await?;
        Ok(())
    })
}

/// Works out the discrepancies of an ended appointment. Idempotent: a discrepancy already
/// known with the same details is not raised again.
fn reconcile_on_ended<'a>(
    tx: &'a mut outbox::Tx,
    _actor: &'a Actor,
    event: &'a DomainEvent,
) -> Handled<'a> {
    Box::pin(async move {
        let DomainEvent::AppointmentEnded(e) = event else {
            return Ok(());
        };
        let scope = Scope {
            provider_id: e.provider_id,
        };
        reconcile_in(tx, scope, e.appointment_id).await
    })
}
