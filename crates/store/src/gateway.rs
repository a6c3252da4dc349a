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
    QuarantineReason, ReceivedCounts, ReceivedView, ReconcileInput, RecordingMethod,
    WorklistStatus, WorklistTrigger, accession_number, classify_view, connection_state,
    counts_as_exposure, dicom_person_name, match_image, merge_mpps, received_counts, reconcile,
    study_instance_uid, worklist_status,
};
use domain::imaging::ImagesRecord;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;
use std::collections::BTreeSet;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

type Tx<'a> = sqlx::Transaction<'a, sqlx::Any>;

// ---------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------

/// A gateway, authenticated by its token: everything it sends is for this provider.
#[derive(Debug, Clone)]
pub struct GatewayPrincipal {
    pub gateway_id: Uuid,
    pub provider_id: Uuid,
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
    #[schema(value_type = String)]
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

/// A worklist item, exactly as ADR 11 sends it to gateways.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WorklistItem {
    pub id: Uuid,
    pub appointment_id: Uuid,
    pub revision: i64,
    #[schema(value_type = String)]
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

/// One image received, without its thumbnail bytes.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReceivedImage {
    pub id: Uuid,
    pub appointment_id: Option<Uuid>,
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
    #[schema(value_type = Option<String>)]
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
    pub appointment_id: Uuid,
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
    pub appointment_id: Uuid,
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
    Attached(Uuid),
    /// Asked for: a different person must confirm the attachment.
    AwaitingConfirmation,
    /// Kept out of every record.
    Dismissed,
}

impl Settlement {
    pub fn appointment_id(&self) -> Option<Uuid> {
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
    #[schema(value_type = Option<String>)]
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
    pub appointment_id: Uuid,
    pub participant_name: String,
    pub nhs_number: String,
}

/// A discrepancy for the office.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DiscrepancyRecord {
    pub id: Uuid,
    pub appointment_id: Uuid,
    pub participant_name: String,
    pub nhs_number: String,
    #[schema(value_type = String)]
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

/// One event from a gateway.
#[derive(Debug, Clone, Deserialize)]
pub struct GatewayEvent {
    /// The gateway's idempotency key.
    pub id: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    pub occurred_at: OffsetDateTime,
    #[serde(flatten)]
    pub body: EventBody,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum EventBody {
    Image(Box<ImageEvent>),
    Mpps(MppsEvent),
    Echo(EchoEvent),
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Thumbnail {
    pub media_type: String,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub data_base64: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, Default)]
#[serde(default)]
pub struct ImageEvent {
    pub sop_instance_uid: String,
    pub sop_class_uid: Option<String>,
    pub study_instance_uid: Option<String>,
    pub series_instance_uid: Option<String>,
    pub accession_number: Option<String>,
    pub patient_id: Option<String>,
    pub patient_name: Option<String>,
    pub laterality: Option<String>,
    pub view_position: Option<String>,
    pub implant_displaced: Option<bool>,
    pub implant_present: Option<bool>,
    pub presentation_intent: Option<String>,
    pub tomosynthesis: Option<bool>,
    pub operator_name: Option<String>,
    pub acquired_at: Option<String>,
    pub kvp: Option<f64>,
    pub exposure_uas: Option<f64>,
    pub entrance_dose_mgy: Option<f64>,
    pub organ_dose_mgy: Option<f64>,
    pub thickness_mm: Option<f64>,
    pub compression_n: Option<f64>,
    pub anode: Option<String>,
    pub filter: Option<String>,
    pub manufacturer: Option<String>,
    pub model: Option<String>,
    pub station_name: Option<String>,
    pub device_serial: Option<String>,
    pub rows: Option<i64>,
    pub columns: Option<i64>,
    pub bits_stored: Option<i64>,
    pub photometric: Option<String>,
    pub transfer_syntax: Option<String>,
    pub received_at: Option<String>,
    #[serde(skip_serializing)]
    pub thumbnail: Option<Thumbnail>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct PerformedSeries {
    #[serde(default)]
    pub series_instance_uid: Option<String>,
    #[serde(default)]
    pub sop_instance_uids: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default)]
pub struct MppsEvent {
    pub mpps_instance_uid: Option<String>,
    pub status: Option<String>,
    pub study_instance_uid: Option<String>,
    pub accession_number: Option<String>,
    pub patient_id: Option<String>,
    pub performed_series: Option<Vec<PerformedSeries>>,
    pub discontinuation_reason: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default)]
pub struct EchoEvent {
    pub ok: Option<bool>,
    pub round_trip_ms: Option<i64>,
}

/// What became of an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct EventReceipt {
    /// false when it (or its image) was already stored: delivered all the same.
    pub stored: bool,
    /// "attached", "quarantined", "mpps", "echo", "duplicate".
    pub outcome: String,
    pub appointment_id: Option<Uuid>,
    pub quarantine_reason: Option<String>,
}

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

fn opt_ts(s: Option<String>) -> Result<Option<OffsetDateTime>> {
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

fn gateway_from(r: &AnyRow, rooms: Vec<String>, now: OffsetDateTime) -> Result<GatewayStatus> {
    let last_contact_at = opt_ts(r.try_get("last_contact_at")?)?;
    let last_echo_at = opt_ts(r.try_get("last_echo_at")?)?;
    let last_echo_ok = r.try_get::<Option<i64>, _>("last_echo_ok")?.map(|v| v != 0);
    Ok(GatewayStatus {
        id: parse_id(&r.try_get::<String, _>("id")?)?,
        name: r.try_get("name")?,
        state: connection_state(now, last_contact_at, last_echo_at.zip(last_echo_ok)),
        last_contact_at,
        queue_depth: r.try_get("queue_depth")?,
        last_echo_at,
        last_echo_ok,
        last_echo_round_trip_ms: r.try_get("last_echo_round_trip_ms")?,
        rooms,
    })
}

const IMAGE_COLUMNS: &str = "id, appointment_id, sop_instance_uid, study_instance_uid, accession_number, \
     patient_id, patient_name, view_code, counted, entrance_dose_mgy, organ_dose_mgy, acquired_at, \
     stored_at, thumbnail_media_type, thumbnail_width, thumbnail_height, metadata, quarantine_reason, \
     attach_requested_for, attach_requested_by, attach_requested_by_name, attach_requested_at, \
     attach_request_reason, detached_from, detached_by_name, detached_at, detach_reason";

fn image_from(r: &AnyRow) -> Result<ReceivedImage> {
    Ok(ReceivedImage {
        id: parse_id(&r.try_get::<String, _>("id")?)?,
        appointment_id: r
            .try_get::<Option<String>, _>("appointment_id")?
            .as_deref()
            .map(parse_id)
            .transpose()?,
        sop_instance_uid: r.try_get("sop_instance_uid")?,
        study_instance_uid: r.try_get("study_instance_uid")?,
        accession_number: r.try_get("accession_number")?,
        patient_id: r.try_get("patient_id")?,
        patient_name: r.try_get("patient_name")?,
        view: r.try_get("view_code")?,
        counted: r.try_get::<i64, _>("counted")? != 0,
        entrance_dose_mgy: r.try_get("entrance_dose_mgy")?,
        organ_dose_mgy: r.try_get("organ_dose_mgy")?,
        acquired_at: opt_ts(r.try_get("acquired_at")?)?,
        stored_at: parse_ts(&r.try_get::<String, _>("stored_at")?)?,
        has_thumbnail: r
            .try_get::<Option<String>, _>("thumbnail_media_type")?
            .is_some(),
        thumbnail_width: r.try_get("thumbnail_width")?,
        thumbnail_height: r.try_get("thumbnail_height")?,
        metadata: sql::parse_json(&r.try_get::<String, _>("metadata")?)?,
        quarantine_reason: r
            .try_get::<Option<String>, _>("quarantine_reason")?
            .as_deref()
            .map(sql::parse_enum)
            .transpose()?,
        attach_request: match (
            r.try_get::<Option<String>, _>("attach_requested_for")?,
            r.try_get::<Option<String>, _>("attach_requested_at")?,
        ) {
            (Some(a), Some(at)) => Some(AttachRequest {
                appointment_id: parse_id(&a)?,
                requested_by: r
                    .try_get::<Option<String>, _>("attach_requested_by")?
                    .as_deref()
                    .map(parse_id)
                    .transpose()?,
                requested_by_name: r
                    .try_get::<Option<String>, _>("attach_requested_by_name")?
                    .unwrap_or_default(),
                requested_at: parse_ts(&at)?,
                reason: r
                    .try_get::<Option<String>, _>("attach_request_reason")?
                    .unwrap_or_default(),
            }),
            _ => None,
        },
        detached: match (
            r.try_get::<Option<String>, _>("detached_from")?,
            r.try_get::<Option<String>, _>("detached_at")?,
        ) {
            (Some(a), Some(at)) => Some(Detachment {
                appointment_id: parse_id(&a)?,
                detached_by_name: r
                    .try_get::<Option<String>, _>("detached_by_name")?
                    .unwrap_or_default(),
                detached_at: parse_ts(&at)?,
                reason: r
                    .try_get::<Option<String>, _>("detach_reason")?
                    .unwrap_or_default(),
            }),
            _ => None,
        },
    })
}

const ITEM_COLUMNS: &str = "w.id, w.appointment_id, w.revision, w.status, w.accession_number, \
     w.study_instance_uid, w.station_ae_title, s.starts_at, c.clinic_date, p.nhs_number, \
     p.first_name, p.last_name, p.date_of_birth, p.sex";

const ITEM_JOINS: &str = "FROM worklist_items w \
     JOIN appointments a ON a.id = w.appointment_id AND a.provider_id = w.provider_id \
     JOIN slots s ON s.id = a.slot_id AND s.provider_id = w.provider_id \
     JOIN clinics c ON c.id = a.clinic_id AND c.provider_id = w.provider_id \
     JOIN participants p ON p.id = a.participant_id AND p.provider_id = w.provider_id";

fn item_from(r: &AnyRow) -> Result<WorklistItem> {
    let accession: String = r.try_get("accession_number")?;
    let date: String = r.try_get("clinic_date")?;
    let starts: String = r.try_get("starts_at")?;
    let sex: String = r.try_get("sex")?;
    Ok(WorklistItem {
        id: parse_id(&r.try_get::<String, _>("id")?)?,
        appointment_id: parse_id(&r.try_get::<String, _>("appointment_id")?)?,
        revision: r.try_get("revision")?,
        status: parse_enum(&r.try_get::<String, _>("status")?)?,
        requested_procedure_id: accession.clone(),
        requested_procedure_description: "Screening mammography".to_owned(),
        scheduled_step_id: accession.clone(),
        scheduled_step_description: "Screening mammography".to_owned(),
        accession_number: accession,
        study_instance_uid: r.try_get("study_instance_uid")?,
        station_ae_title: r.try_get("station_ae_title")?,
        modality: "MG".to_owned(),
        scheduled_start: local_start(&date, &starts),
        patient_id: r.try_get("nhs_number")?,
        patient_name: dicom_person_name(
            &r.try_get::<String, _>("first_name")?,
            &r.try_get::<String, _>("last_name")?,
        ),
        birth_date: r.try_get::<String, _>("date_of_birth")?.replace('-', ""),
        sex: match sex.as_str() {
            "female" => "F",
            "male" => "M",
            _ => "O",
        }
        .to_owned(),
    })
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
        "INSERT INTO gateway_settings (provider_id, worklist_issued_at, worklist_seq) VALUES ($1, 'images', 0) \
         ON CONFLICT (provider_id) DO NOTHING",
    )
    .bind(&p)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "UPDATE gateway_settings SET worklist_seq = worklist_seq + 1 WHERE provider_id = $1",
    )
    .bind(&p)
    .execute(&mut **tx)
    .await?;
    Ok(
        sqlx::query("SELECT worklist_seq FROM gateway_settings WHERE provider_id = $1")
            .bind(&p)
            .fetch_one(&mut **tx)
            .await?
            .try_get("worklist_seq")?,
    )
}

async fn trigger_in(tx: &mut Tx<'_>, scope: Scope) -> Result<WorklistTrigger> {
    let row = sqlx::query("SELECT worklist_issued_at FROM gateway_settings WHERE provider_id = $1")
        .bind(sql::id(scope.provider_id))
        .fetch_optional(&mut **tx)
        .await?;
    match row {
        Some(r) => parse_enum(&r.try_get::<String, _>("worklist_issued_at")?),
        None => Ok(WorklistTrigger::Images),
    }
}

/// The room and AE title a new item should name when none is given: the first room with a
/// gateway at the clinic's location.
async fn default_gateway_room(
    tx: &mut Tx<'_>,
    scope: Scope,
    appointment_id: Uuid,
) -> Result<Option<(String, String)>> {
    let row = sqlx::query(
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
    row.map(|r| Ok((r.try_get("id")?, r.try_get("ae_title")?)))
        .transpose()
}

async fn mpps_status_in(
    tx: &mut Tx<'_>,
    scope: Scope,
    appointment_id: Uuid,
) -> Result<Option<MppsStatus>> {
    let rows = sqlx::query(
        "SELECT status FROM gateway_mpps WHERE provider_id = $1 AND appointment_id = $2 ORDER BY updated_at",
    )
    .bind(sql::id(scope.provider_id))
    .bind(sql::id(appointment_id))
    .fetch_all(&mut **tx)
    .await?;
    let mut status = None;
    for r in rows {
        let s: MppsStatus = parse_enum(&r.try_get::<String, _>("status")?)?;
        status = Some(merge_mpps(status, s));
    }
    Ok(status)
}

/// Creates or updates an appointment's worklist item so that it says what the appointment
/// and its performed step say, in `room` (id, AE title) if given. Returns whether it
/// changed. No item is created for an appointment that should have none, nor without a
/// room served by a gateway.
pub(crate) async fn sync_item(
    tx: &mut Tx<'_>,
    scope: Scope,
    appointment_id: Uuid,
    room: Option<(String, String)>,
    create: bool,
) -> Result<bool> {
    let p = sql::id(scope.provider_id);
    let existing = sqlx::query(
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
        &sqlx::query("SELECT status FROM appointments WHERE id = $1 AND provider_id = $2")
            .bind(sql::id(appointment_id))
            .bind(&p)
            .fetch_one(&mut **tx)
            .await?
            .try_get::<String, _>("status")?,
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
            let current: WorklistStatus = parse_enum(&row.try_get::<String, _>("status")?)?;
            let new_status = desired.unwrap_or(WorklistStatus::Cancelled);
            let (room_id, ae): (Option<String>, String) = match room {
                Some((id, ae)) => (Some(id), ae),
                None => (row.try_get("room_id")?, row.try_get("station_ae_title")?),
            };
            let same = current == new_status
                && room_id == row.try_get::<Option<String>, _>("room_id")?
                && ae == row.try_get::<String, _>("station_ae_title")?;
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

/// The images recorded in the appointment's saved images step, and how.
async fn recorded_in(
    tx: &mut Tx<'_>,
    scope: Scope,
    appointment_id: Uuid,
) -> Result<(Option<RecordingMethod>, Option<domain::imaging::ViewCounts>)> {
    let row = sqlx::query(
        "SELECT data FROM appointment_sections WHERE provider_id = $1 AND appointment_id = $2 AND section = 'images'",
    )
    .bind(sql::id(scope.provider_id))
    .bind(sql::id(appointment_id))
    .fetch_optional(&mut **tx)
    .await?;
    let Some(row) = row else {
        return Ok((None, None));
    };
    let data: serde_json::Value = sql::parse_json(&row.try_get::<String, _>("data")?)?;
    let record: Option<ImagesRecord> = data
        .get("record")
        .and_then(|r| serde_json::from_value(r.clone()).ok());
    let method = data
        .get("method")
        .and_then(|m| m.as_str())
        .and_then(|m| m.parse().ok())
        .unwrap_or(RecordingMethod::Manual);
    Ok((Some(method), record.map(|r| r.effective_counts())))
}

/// Works out an ended appointment's discrepancies and records any new one. An open
/// discrepancy of the same kind takes the new details; one already resolved with the same
/// details is not raised again.
pub(crate) async fn reconcile_in(
    tx: &mut Tx<'_>,
    scope: Scope,
    appointment_id: Uuid,
) -> Result<()> {
    let p = sql::id(scope.provider_id);
    let a = sqlx::query(
        "SELECT status, status_changed_at FROM appointments WHERE id = $1 AND provider_id = $2",
    )
    .bind(sql::id(appointment_id))
    .bind(&p)
    .fetch_one(&mut **tx)
    .await?;
    let status: AppointmentStatus = parse_enum(&a.try_get::<String, _>("status")?)?;
    if !status.is_final() {
        return Ok(());
    }
    let ended_at: String = a.try_get("status_changed_at")?;
    let any = sqlx::query(
        "SELECT 1 FROM gateway_images WHERE provider_id = $1 AND appointment_id = $2 \
         UNION ALL SELECT 1 FROM gateway_mpps WHERE provider_id = $1 AND appointment_id = $2 LIMIT 1",
    )
    .bind(&p)
    .bind(sql::id(appointment_id))
    .fetch_optional(&mut **tx)
    .await?;
    if any.is_none() {
        // Nothing arrived from a machine: nothing to reconcile.
        return Ok(());
    }
    let images = sqlx::query(
        "SELECT sop_instance_uid, view_code, counted, stored_at FROM gateway_images \
         WHERE provider_id = $1 AND appointment_id = $2",
    )
    .bind(&p)
    .bind(sql::id(appointment_id))
    .fetch_all(&mut **tx)
    .await?;
    let mut instances = BTreeSet::new();
    let mut views = Vec::new();
    let mut after_end: u16 = 0;
    for r in &images {
        instances.insert(r.try_get::<String, _>("sop_instance_uid")?);
        if r.try_get::<i64, _>("counted")? != 0 {
            views.push(ReceivedView::from_code(
                &r.try_get::<String, _>("view_code")?,
            ));
        }
        if r.try_get::<String, _>("stored_at")? > ended_at {
            after_end = after_end.saturating_add(1);
        }
    }
    let received = received_counts(&views);
    let (method, recorded) = recorded_in(tx, scope, appointment_id).await?;
    let mut performed: Option<BTreeSet<String>> = None;
    for r in sqlx::query(
        "SELECT performed_series FROM gateway_mpps WHERE provider_id = $1 AND appointment_id = $2 AND status = 'COMPLETED'",
    )
    .bind(&p)
    .bind(sql::id(appointment_id))
    .fetch_all(&mut **tx)
    .await?
    {
        let series: Vec<PerformedSeries> =
            sql::parse_json(&r.try_get::<String, _>("performed_series")?)?;
        let set = performed.get_or_insert_with(BTreeSet::new);
        for s in series {
            set.extend(s.sop_instance_uids);
        }
    }
    let found = reconcile(&ReconcileInput {
        ended_as: status,
        method,
        recorded,
        received: &received,
        received_instances: &instances,
        received_after_end: after_end,
        performed_instances: performed.as_ref().filter(|s| !s.is_empty()),
    });
    for d in found {
        let rows = sqlx::query(
            "SELECT id, detail, resolved_at FROM image_discrepancies \
             WHERE provider_id = $1 AND appointment_id = $2 AND kind = $3",
        )
        .bind(&p)
        .bind(sql::id(appointment_id))
        .bind(d.kind.as_str())
        .fetch_all(&mut **tx)
        .await?;
        let mut known = false;
        let mut open: Option<String> = None;
        for r in &rows {
            let resolved = r.try_get::<Option<String>, _>("resolved_at")?.is_some();
            if r.try_get::<String, _>("detail")? == d.detail {
                known = true;
            }
            if !resolved {
                open = Some(r.try_get("id")?);
            }
        }
        if known {
            continue;
        }
        match open {
            Some(id) => {
                sqlx::query(
                    "UPDATE image_discrepancies SET detail = $1 WHERE id = $2 AND provider_id = $3",
                )
                .bind(&d.detail)
                .bind(id)
                .bind(&p)
                .execute(&mut **tx)
                .await?;
            }
            None => {
                sqlx::query(
                    "INSERT INTO image_discrepancies (id, provider_id, appointment_id, kind, detail, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(sql::id(new_id()))
                .bind(&p)
                .bind(sql::id(appointment_id))
                .bind(d.kind.as_str())
                .bind(&d.detail)
                .bind(sql::ts(sql::now()))
                .execute(&mut **tx)
                .await?;
            }
        }
    }
    Ok(())
}

/// Finds the appointment an image or MPPS event belongs to, by the domain's rule.
async fn find_match(
    tx: &mut Tx<'_>,
    scope: Scope,
    keys: &ImageKeys<'_>,
) -> Result<MatchOutcome<Uuid>> {
    let p = sql::id(scope.provider_id);
    let lookup = |column: &'static str| {
        format!(
            "SELECT w.appointment_id, pt.nhs_number FROM worklist_items w \
             JOIN appointments a ON a.id = w.appointment_id AND a.provider_id = w.provider_id \
             JOIN participants pt ON pt.id = a.participant_id AND pt.provider_id = w.provider_id \
             WHERE w.provider_id = $1 AND w.{column} = $2"
        )
    };
    let mut found = Vec::new();
    for (column, value) in [
        ("study_instance_uid", keys.study_instance_uid),
        ("accession_number", keys.accession_number),
    ] {
        let candidate = match value.map(str::trim).filter(|v| !v.is_empty()) {
            Some(v) => sqlx::query(&lookup(column))
                .bind(&p)
                .bind(v)
                .fetch_optional(&mut **tx)
                .await?
                .map(|r| {
                    Ok::<_, StoreError>(Candidate {
                        appointment: parse_id(&r.try_get::<String, _>("appointment_id")?)?,
                        nhs_number: r.try_get("nhs_number")?,
                    })
                })
                .transpose()?,
            None => None,
        };
        found.push(candidate);
    }
    Ok(match_image(keys, found[0].as_ref(), found[1].as_ref()))
}

fn check_len(
    errors: &mut Vec<crate::FieldError>,
    field: &'static str,
    value: &Option<String>,
    max: usize,
) {
    if value.as_ref().is_some_and(|v| v.chars().count() > max) {
        errors.push(crate::FieldError::new(
            field,
            format!("must be at most {max} characters"),
        ));
    }
}

/// Checks an image event; returns the decoded thumbnail's size in bytes, if any.
fn validate_image(e: &ImageEvent) -> Result<()> {
    let mut errors = Vec::new();
    let uid_ok = |s: &str| {
        !s.is_empty() && s.len() <= 64 && s.chars().all(|c| c.is_ascii_digit() || c == '.')
    };
    if !uid_ok(e.sop_instance_uid.trim()) {
        errors.push(crate::FieldError::new(
            "sop_instance_uid",
            "must be a DICOM UID (digits and dots, at most 64 characters)".to_owned(),
        ));
    }
    for (field, v) in [
        ("study_instance_uid", &e.study_instance_uid),
        ("series_instance_uid", &e.series_instance_uid),
        ("sop_class_uid", &e.sop_class_uid),
    ] {
        if let Some(v) = nonempty(v)
            && !uid_ok(v)
        {
            errors.push(crate::FieldError::new(
                field,
                "must be a DICOM UID (digits and dots, at most 64 characters)".to_owned(),
            ));
        }
    }
    check_len(&mut errors, "accession_number", &e.accession_number, 16);
    check_len(&mut errors, "patient_id", &e.patient_id, 64);
    check_len(&mut errors, "patient_name", &e.patient_name, 324);
    check_len(&mut errors, "laterality", &e.laterality, 16);
    check_len(&mut errors, "view_position", &e.view_position, 16);
    for (field, v) in [
        ("kvp", e.kvp),
        ("exposure_uas", e.exposure_uas),
        ("entrance_dose_mgy", e.entrance_dose_mgy),
        ("organ_dose_mgy", e.organ_dose_mgy),
        ("thickness_mm", e.thickness_mm),
        ("compression_n", e.compression_n),
    ] {
        if v.is_some_and(|v| !v.is_finite() || v < 0.0) {
            errors.push(crate::FieldError::new(
                field,
                "must be a number of at least 0".to_owned(),
            ));
        }
    }
    for (field, v) in [
        ("acquired_at", &e.acquired_at),
        ("received_at", &e.received_at),
    ] {
        if let Some(v) = nonempty(v)
            && OffsetDateTime::parse(v, &time::format_description::well_known::Rfc3339).is_err()
        {
            errors.push(crate::FieldError::new(
                field,
                "must be an RFC 3339 date and time".to_owned(),
            ));
        }
    }
    if let Some(t) = &e.thumbnail {
        if !matches!(t.media_type.as_str(), "image/png" | "image/jpeg") {
            errors.push(crate::FieldError::new(
                "thumbnail.media_type",
                "must be image/png or image/jpeg".to_owned(),
            ));
        }
        match BASE64.decode(t.data_base64.as_bytes()) {
            Ok(bytes) if !bytes.is_empty() && bytes.len() <= 4 * 1024 * 1024 => {}
            Ok(_) => errors.push(crate::FieldError::new(
                "thumbnail.data_base64",
                "must hold between 1 byte and 4 MB".to_owned(),
            )),
            Err(_) => errors.push(crate::FieldError::new(
                "thumbnail.data_base64",
                "is not base64".to_owned(),
            )),
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(StoreError::Invalid(errors))
    }
}

fn validate_mpps(e: &MppsEvent) -> Result<MppsStatus> {
    let mut errors = Vec::new();
    if nonempty(&e.mpps_instance_uid).is_none() {
        errors.push(crate::FieldError::new(
            "mpps_instance_uid",
            "is required".to_owned(),
        ));
    }
    check_len(&mut errors, "mpps_instance_uid", &e.mpps_instance_uid, 64);
    check_len(&mut errors, "accession_number", &e.accession_number, 16);
    check_len(&mut errors, "patient_id", &e.patient_id, 64);
    let status = nonempty(&e.status).and_then(|s| s.parse::<MppsStatus>().ok());
    if status.is_none() {
        errors.push(crate::FieldError::new(
            "status",
            "must be IN PROGRESS, COMPLETED or DISCONTINUED".to_owned(),
        ));
    }
    match status {
        Some(s) if errors.is_empty() => Ok(s),
        _ => Err(StoreError::Invalid(errors)),
    }
}

// ---------------------------------------------------------------------------------------
// The store's functions
// ---------------------------------------------------------------------------------------

impl Store {
    /// Registers a gateway for a provider, serving `rooms` (ids of that provider's rooms),
    /// and returns its id and bearer token. The token is shown once: only its SHA-256 is
    /// kept.
    pub async fn register_gateway(
        &self,
        scope: Scope,
        actor: &Actor,
        name: &str,
        rooms: &[Uuid],
    ) -> Result<(Uuid, String)> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(StoreError::invalid(
                "name",
                "Enter a gateway name of at most 100 characters",
            ));
        }
        let token = new_secret();
        let id = new_id();
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO gateways (id, provider_id, name, token_hash, created_at, queue_depth) VALUES ($1, $2, $3, $4, $5, 0)",
        )
        .bind(sql::id(id))
        .bind(sql::id(scope.provider_id))
        .bind(name)
        .bind(hash_secret(&token))
        .bind(sql::ts(sql::now()))
        .execute(&mut *tx)
        .await?;
        assign_rooms(&mut tx, scope, id, rooms).await?;
        audit::record(
            &mut *tx,
            actor,
            AuditAction::Create,
            "gateway",
            id,
            None,
            &serde_json::json!({ "name": name, "rooms": rooms }),
        )
        .await?;
        tx.commit().await?;
        Ok((id, token))
    }

    /// Demo data: makes sure provider `code` has the gateway "Demo gateway" serving the
    /// second room (by name) of its first static site ("Room B" at Seacroft Hospital for
    /// DMO1, so the other rooms keep the manual flow), and returns a fresh token for it.
    /// Each call replaces the token. Returns `None` if the provider does not exist.
    pub async fn ensure_demo_gateway(&self, code: &str) -> Result<Option<String>> {
        let Ok(provider) = self.provider_by_code(code).await else {
            return Ok(None);
        };
        let scope = Scope {
            provider_id: provider.id,
        };
        let rooms = self.rooms(scope).await?;
        let locations = self.locations(scope).await?;
        let site = locations
            .iter()
            .find(|l| l.kind == domain::LocationKind::StaticSite)
            .or(locations.first());
        let mut here: Vec<&Room> = rooms
            .iter()
            .filter(|r| site.is_some_and(|s| s.id == r.location_id))
            .collect();
        here.sort_by(|a, b| a.name.cmp(&b.name));
        let room = here.get(1).or(here.first()).map(|r| r.id);
        let token = new_secret();
        let existing = sqlx::query("SELECT id FROM gateways WHERE provider_id = $1 AND name = $2")
            .bind(sql::id(provider.id))
            .bind("Demo gateway")
            .fetch_optional(self.pool())
            .await?;
        match existing {
            Some(r) => {
                let id: String = r.try_get("id")?;
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "UPDATE gateways SET token_hash = $1 WHERE id = $2 AND provider_id = $3",
                )
                .bind(hash_secret(&token))
                .bind(&id)
                .bind(sql::id(provider.id))
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
            }
            None => {
                let (_, t) = self
                    .register_gateway(
                        scope,
                        &Actor::system("demo data"),
                        "Demo gateway",
                        &room.into_iter().collect::<Vec<_>>(),
                    )
                    .await?;
                return Ok(Some(t));
            }
        }
        Ok(Some(token))
    }

    /// The gateway a bearer token belongs to, unless revoked.
    pub async fn gateway_by_token(&self, token: &str) -> Result<Option<GatewayPrincipal>> {
        let row = sqlx::query(
            "SELECT id, provider_id, name FROM gateways WHERE token_hash = $1 AND revoked_at IS NULL",
        )
        .bind(hash_secret(token))
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| {
            Ok(GatewayPrincipal {
                gateway_id: parse_id(&r.try_get::<String, _>("id")?)?,
                provider_id: parse_id(&r.try_get::<String, _>("provider_id")?)?,
                name: r.try_get("name")?,
            })
        })
        .transpose()
    }

    /// Records that a gateway was in contact now, with its queue depth.
    pub async fn gateway_contact(&self, gw: &GatewayPrincipal, queue_depth: i64) -> Result<()> {
        sqlx::query(
            "UPDATE gateways SET last_contact_at = $1, queue_depth = $2 WHERE id = $3 AND provider_id = $4",
        )
        .bind(sql::ts(sql::now()))
        .bind(queue_depth.max(0))
        .bind(sql::id(gw.gateway_id))
        .bind(sql::id(gw.provider_id))
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// The provider's gateways and their health, by name.
    pub async fn gateways(&self, scope: Scope) -> Result<Vec<GatewayStatus>> {
        let p = sql::id(scope.provider_id);
        let rooms = sqlx::query(
            "SELECT gr.gateway_id, r.name, l.name AS location_name FROM gateway_rooms gr \
             JOIN rooms r ON r.id = gr.room_id AND r.provider_id = gr.provider_id \
             JOIN locations l ON l.id = r.location_id AND l.provider_id = gr.provider_id \
             WHERE gr.provider_id = $1 ORDER BY l.name, r.name",
        )
        .bind(&p)
        .fetch_all(self.pool())
        .await?;
        let now = sql::now();
        sqlx::query(&format!(
            "SELECT {GATEWAY_COLUMNS} FROM gateways g WHERE g.provider_id = $1 AND g.revoked_at IS NULL ORDER BY g.name"
        ))
        .bind(&p)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|r| {
            let id: String = r.try_get("id")?;
            let names = rooms
                .iter()
                .filter(|x| x.try_get::<String, _>("gateway_id").ok().as_ref() == Some(&id))
                .map(|x| {
                    Ok(format!(
                        "{}, {}",
                        x.try_get::<String, _>("name")?,
                        x.try_get::<String, _>("location_name")?
                    ))
                })
                .collect::<Result<Vec<_>>>()?;
            gateway_from(r, names, now)
        })
        .collect()
    }

    /// The gateway serving a room, if any.
    pub async fn room_gateway(&self, scope: Scope, room_id: Uuid) -> Result<Option<GatewayStatus>> {
        let row = sqlx::query(&format!(
            "SELECT {GATEWAY_COLUMNS} FROM gateway_rooms gr \
             JOIN gateways g ON g.id = gr.gateway_id AND g.provider_id = gr.provider_id \
             WHERE gr.provider_id = $1 AND gr.room_id = $2 AND g.revoked_at IS NULL"
        ))
        .bind(sql::id(scope.provider_id))
        .bind(sql::id(room_id))
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| gateway_from(&r, Vec::new(), sql::now()))
            .transpose()
    }

    /// When this provider issues worklist items.
    pub async fn set_worklist_trigger(
        &self,
        scope: Scope,
        actor: &Actor,
        trigger: WorklistTrigger,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        next_seq(&mut tx, scope).await?;
        sqlx::query("UPDATE gateway_settings SET worklist_issued_at = $1 WHERE provider_id = $2")
            .bind(trigger.as_str())
            .bind(sql::id(scope.provider_id))
            .execute(&mut *tx)
            .await?;
        audit::record(
            &mut *tx,
            actor,
            AuditAction::Update,
            "gateway_settings",
            scope.provider_id,
            None,
            &serde_json::json!({ "worklist_issued_at": trigger }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Issues (or brings up to date) the appointment's worklist item for `room`, if a
    /// gateway serves that room. Called when the appointment reaches "Take mammogram
    /// images". Returns the item, if there is one.
    pub async fn issue_worklist_item(
        &self,
        scope: Scope,
        appointment_id: Uuid,
        room: &Room,
    ) -> Result<Option<WorklistItem>> {
        if self.room_gateway(scope, room.id).await?.is_some() {
            let existing = self.worklist_item(scope, appointment_id).await?;
            let up_to_date = existing
                .as_ref()
                .is_some_and(|i| i.station_ae_title == room.ae_title);
            if !up_to_date {
                let room = (sql::id(room.id), room.ae_title.clone());
                let issue = || async {
                    let mut tx = self.begin_write().await?;
                    sync_item(&mut tx, scope, appointment_id, Some(room.clone()), true).await?;
                    tx.commit().await?;
                    Ok::<_, StoreError>(())
                };
                // Issued by another request at the same moment: this one then updates it.
                match issue().await {
                    Err(StoreError::Duplicate(_)) => issue().await?,
                    other => other?,
                }
            }
        }
        self.worklist_item(scope, appointment_id).await
    }

    /// The appointment's worklist item, if it has one.
    pub async fn worklist_item(
        &self,
        scope: Scope,
        appointment_id: Uuid,
    ) -> Result<Option<WorklistItem>> {
        sqlx::query(&format!(
            "SELECT {ITEM_COLUMNS} {ITEM_JOINS} WHERE w.provider_id = $1 AND w.appointment_id = $2"
        ))
        .bind(sql::id(scope.provider_id))
        .bind(sql::id(appointment_id))
        .fetch_optional(self.pool())
        .await?
        .as_ref()
        .map(item_from)
        .transpose()
    }

    /// Worklist changes for a gateway: every item changed after `after` (every live item
    /// when `None`, or when `after` is beyond the latest change), oldest change first, and
    /// the cursor to send next time.
    pub async fn worklist_changes(
        &self,
        gw: &GatewayPrincipal,
        after: Option<i64>,
    ) -> Result<(i64, Vec<WorklistItem>)> {
        let p = sql::id(gw.provider_id);
        let cursor: i64 =
            sqlx::query("SELECT worklist_seq FROM gateway_settings WHERE provider_id = $1")
                .bind(&p)
                .fetch_optional(self.pool())
                .await?
                .map(|r| r.try_get("worklist_seq"))
                .transpose()?
                .unwrap_or(0);
        // A cursor from the future (the database was restored from a backup): start again
        // from every live item, rather than wait for changes that will never come.
        let after = after.filter(|a| *a <= cursor);
        if let Some(after) = after {
            // Asking from `after` means the gateway keeps every change up to it.
            sqlx::query(
                "UPDATE gateways SET worklist_acked_seq = $1 WHERE id = $2 AND provider_id = $3 \
                 AND worklist_acked_seq < $1",
            )
            .bind(after)
            .bind(sql::id(gw.gateway_id))
            .bind(&p)
            .execute(self.writer())
            .await?;
        }
        let rows = match after {
            Some(after) => {
                sqlx::query(&format!(
                    "SELECT {ITEM_COLUMNS} {ITEM_JOINS} WHERE w.provider_id = $1 AND w.seq > $2 AND w.seq <= $3 ORDER BY w.seq"
                ))
                .bind(&p)
                .bind(after)
                .bind(cursor)
                .fetch_all(self.pool())
                .await?
            }
            None => {
                sqlx::query(&format!(
                    "SELECT {ITEM_COLUMNS} {ITEM_JOINS} WHERE w.provider_id = $1 AND w.status IN ('scheduled', 'in_progress') \
                     AND w.seq <= $2 ORDER BY w.seq"
                ))
                .bind(&p)
                .bind(cursor)
                .fetch_all(self.pool())
                .await?
            }
        };
        Ok((cursor, rows.iter().map(item_from).collect::<Result<_>>()?))
    }

    /// Stores one event from a gateway, exactly once. Returns `stored: false` when the
    /// event, or the image it carries, was already stored. Invalid events change nothing.
    pub async fn record_gateway_event(
        &self,
        gw: &GatewayPrincipal,
        event: &GatewayEvent,
    ) -> Result<EventReceipt> {
        // Two deliveries of one event (or image) at the same moment: the second to commit
        // hits a unique key, rolls back, and finds the first on its second try.
        match self.record_event_once(gw, event).await {
            Err(StoreError::Duplicate(_)) => self.record_event_once(gw, event).await,
            other => other,
        }
    }

    async fn record_event_once(
        &self,
        gw: &GatewayPrincipal,
        event: &GatewayEvent,
    ) -> Result<EventReceipt> {
        let scope = gw.scope();
        match &event.body {
            EventBody::Image(image) => validate_image(image)?,
            EventBody::Mpps(m) => {
                validate_mpps(m)?;
            }
            EventBody::Echo(_) => {}
        }
        let p = sql::id(scope.provider_id);
        let mut tx = self.begin_write().await?;
        let seen =
            sqlx::query("SELECT outcome FROM gateway_events WHERE provider_id = $1 AND id = $2")
                .bind(&p)
                .bind(sql::id(event.id))
                .fetch_optional(&mut *tx)
                .await?;
        if seen.is_some() {
            return Ok(EventReceipt {
                stored: false,
                outcome: "duplicate".to_owned(),
                appointment_id: None,
                quarantine_reason: None,
            });
        }
        let receipt = match &event.body {
            EventBody::Echo(e) => {
                sqlx::query(
                    "UPDATE gateways SET last_echo_at = $1, last_echo_ok = $2, last_echo_round_trip_ms = $3 \
                     WHERE id = $4 AND provider_id = $5",
                )
                .bind(sql::ts(event.occurred_at))
                .bind(i64::from(e.ok.unwrap_or(false)))
                .bind(e.round_trip_ms)
                .bind(sql::id(gw.gateway_id))
                .bind(&p)
                .execute(&mut *tx)
                .await?;
                EventReceipt {
                    stored: true,
                    outcome: "echo".to_owned(),
                    appointment_id: None,
                    quarantine_reason: None,
                }
            }
            EventBody::Image(image) => store_image(&mut tx, gw, event, image).await?,
            EventBody::Mpps(m) => store_mpps(&mut tx, scope, event, m).await?,
        };
        sqlx::query(
            "INSERT INTO gateway_events (id, provider_id, gateway_id, kind, occurred_at, received_at, outcome) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(sql::id(event.id))
        .bind(&p)
        .bind(sql::id(gw.gateway_id))
        .bind(match event.body {
            EventBody::Image(_) => "image",
            EventBody::Mpps(_) => "mpps",
            EventBody::Echo(_) => "echo",
        })
        .bind(sql::ts(event.occurred_at))
        .bind(sql::ts(sql::now()))
        .bind(&receipt.outcome)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(receipt)
    }

    /// Everything the images step needs about an appointment's automatic capture.
    /// `room` is the room the images are taken in (the gateway is the one serving it).
    pub async fn image_capture(
        &self,
        scope: Scope,
        appointment_id: Uuid,
        room: Option<&Room>,
    ) -> Result<ImageCapture> {
        let p = sql::id(scope.provider_id);
        let gateway = match room {
            Some(r) => self.room_gateway(scope, r.id).await?,
            None => None,
        };
        let mode = sqlx::query(
            "SELECT mode, reason FROM appointment_image_modes WHERE provider_id = $1 AND appointment_id = $2",
        )
        .bind(&p)
        .bind(sql::id(appointment_id))
        .fetch_optional(self.pool())
        .await?;
        let (manual_mode, manual_reason) = match mode {
            Some(r) => (
                r.try_get::<String, _>("mode")? == "manual",
                Some(r.try_get::<String, _>("reason")?),
            ),
            None => (false, None),
        };
        let mut status = None;
        for r in sqlx::query(
            "SELECT status FROM gateway_mpps WHERE provider_id = $1 AND appointment_id = $2 ORDER BY updated_at",
        )
        .bind(&p)
        .bind(sql::id(appointment_id))
        .fetch_all(self.pool())
        .await?
        {
            status = Some(merge_mpps(
                status,
                parse_enum(&r.try_get::<String, _>("status")?)?,
            ));
        }
        let collected = sqlx::query(
            "SELECT w.seq, g.worklist_acked_seq FROM worklist_items w \
             JOIN gateway_rooms gr ON gr.room_id = w.room_id AND gr.provider_id = w.provider_id \
             JOIN gateways g ON g.id = gr.gateway_id AND g.provider_id = w.provider_id \
             WHERE w.provider_id = $1 AND w.appointment_id = $2",
        )
        .bind(&p)
        .bind(sql::id(appointment_id))
        .fetch_optional(self.pool())
        .await?;
        let on_worklist = match collected {
            Some(r) => r.try_get::<i64, _>("seq")? <= r.try_get::<i64, _>("worklist_acked_seq")?,
            None => false,
        };
        Ok(ImageCapture {
            gateway,
            manual_mode,
            manual_reason,
            on_worklist,
            worklist_item: self.worklist_item(scope, appointment_id).await?,
            mpps_status: status,
            images: self.appointment_images(scope, appointment_id).await?,
        })
    }

    /// The images attached to an appointment, oldest first, without thumbnail bytes (fetch
    /// those with [`Store::image_thumbnail`]). For the images step and the reading case.
    pub async fn appointment_images(
        &self,
        scope: Scope,
        appointment_id: Uuid,
    ) -> Result<Vec<ReceivedImage>> {
        sqlx::query(&format!(
            "SELECT {IMAGE_COLUMNS} FROM gateway_images WHERE provider_id = $1 AND appointment_id = $2 \
             ORDER BY stored_at, id"
        ))
        .bind(sql::id(scope.provider_id))
        .bind(sql::id(appointment_id))
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(image_from)
        .collect()
    }

    /// An image's thumbnail (media type and bytes), within the provider.
    pub async fn image_thumbnail(&self, scope: Scope, image_id: Uuid) -> Result<(String, Vec<u8>)> {
        let row = sqlx::query(
            "SELECT thumbnail_media_type, thumbnail_base64 FROM gateway_images WHERE id = $1 AND provider_id = $2",
        )
        .bind(sql::id(image_id))
        .bind(sql::id(scope.provider_id))
        .fetch_one(self.pool())
        .await?;
        let (Some(media), Some(data)) = (
            row.try_get::<Option<String>, _>("thumbnail_media_type")?,
            row.try_get::<Option<String>, _>("thumbnail_base64")?,
        ) else {
            return Err(StoreError::NotFound);
        };
        let bytes = BASE64
            .decode(data.as_bytes())
            .map_err(|e| StoreError::Corrupt(format!("thumbnail: {e}")))?;
        Ok((media, bytes))
    }

    /// Images waiting in quarantine (never attached automatically), oldest first.
    pub async fn quarantined_images(&self, scope: Scope) -> Result<Vec<ReceivedImage>> {
        sqlx::query(&format!(
            "SELECT {IMAGE_COLUMNS} FROM gateway_images WHERE provider_id = $1 AND quarantine_status = 'open' \
             ORDER BY stored_at, id"
        ))
        .bind(sql::id(scope.provider_id))
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(image_from)
        .collect()
    }

    /// The one appointment a quarantined image's keys name, if they name exactly one.
    pub async fn quarantine_candidate(
        &self,
        scope: Scope,
        image_id: Uuid,
    ) -> Result<Option<QuarantineCandidate>> {
        let rows = sqlx::query(
            "SELECT DISTINCT w.appointment_id, pt.first_name, pt.last_name, pt.nhs_number FROM gateway_images gi \
             JOIN worklist_items w ON w.provider_id = gi.provider_id \
               AND (w.study_instance_uid = gi.study_instance_uid OR w.accession_number = gi.accession_number) \
             JOIN appointments a ON a.id = w.appointment_id AND a.provider_id = w.provider_id \
             JOIN participants pt ON pt.id = a.participant_id AND pt.provider_id = w.provider_id \
             WHERE gi.id = $1 AND gi.provider_id = $2 AND gi.quarantine_status = 'open'",
        )
        .bind(sql::id(image_id))
        .bind(sql::id(scope.provider_id))
        .fetch_all(self.pool())
        .await?;
        match rows.as_slice() {
            [r] => Ok(Some(QuarantineCandidate {
                appointment_id: parse_id(&r.try_get::<String, _>("appointment_id")?)?,
                participant_name: format!(
                    "{} {}",
                    r.try_get::<String, _>("first_name")?,
                    r.try_get::<String, _>("last_name")?
                ),
                nhs_number: r.try_get("nhs_number")?,
            })),
            _ => Ok(None),
        }
    }

    /// Ends a quarantine, deliberately: attaches the image to the appointment its keys name
    /// (`attach`), or keeps it out of every record. Either way who did it, when and why are
    /// recorded, and the audit log keeps it. Refused for an image no longer in quarantine.
    ///
    /// An image whose PatientID is not the participant's NHS number (or one detached before
    /// as a different participant's) is not attached at once: the request is recorded and
    /// a different person must confirm it ([`Store::confirm_quarantine_attachment`]).
    pub async fn settle_quarantined_image(
        &self,
        scope: Scope,
        actor: &Actor,
        image_id: Uuid,
        attach: bool,
        reason: &str,
    ) -> Result<Settlement> {
        let reason = domain::gateway::validate_resolution(reason)
            .map_err(|_| StoreError::invalid("reason", "Enter why"))?;
        // Another provider's image is not found, whatever is asked of it.
        sqlx::query("SELECT id FROM gateway_images WHERE id = $1 AND provider_id = $2")
            .bind(sql::id(image_id))
            .bind(sql::id(scope.provider_id))
            .fetch_one(self.pool())
            .await?;
        let candidate = if attach {
            Some(self.attach_candidate(scope, image_id).await?)
        } else {
            None
        };
        let mut tx = self.begin_write().await?;
        let row = open_quarantined(&mut tx, scope, image_id).await?;
        if let Some(c) = &candidate {
            let patient_id: Option<String> = row.try_get("patient_id")?;
            let detached = row.try_get::<Option<String>, _>("detached_from")?.is_some();
            if domain::gateway::attachment_needs_second_person(
                patient_id.as_deref(),
                &c.nhs_number,
                detached,
            ) {
                if let Some(by) = row.try_get::<Option<String>, _>("attach_requested_by_name")? {
                    let same = row
                        .try_get::<Option<String>, _>("attach_requested_by")?
                        .is_some_and(|u| Some(u) == actor.user_id.map(sql::id));
                    return Err(StoreError::Refused(if same {
                        domain::gateway::SAME_PERSON_CONFIRMS.to_owned()
                    } else {
                        format!(
                            "{by} has already asked for this image to be attached. Confirm the attachment, or keep the image out of all records."
                        )
                    }));
                }
                if actor.user_id.is_none() {
                    return Err(StoreError::Refused(
                        "Only a signed-in person can ask for an image to be attached.".to_owned(),
                    ));
                }
                let now = sql::now();
                sqlx::query(
                    "UPDATE gateway_images SET attach_requested_for = $1, attach_requested_by = $2, \
                     attach_requested_by_name = $3, attach_requested_at = $4, attach_request_reason = $5 \
                     WHERE id = $6 AND provider_id = $7 AND quarantine_status = 'open'",
                )
                .bind(sql::id(c.appointment_id))
                .bind(actor.user_id.map(sql::id))
                .bind(&actor.name)
                .bind(sql::ts(now))
                .bind(&reason)
                .bind(sql::id(image_id))
                .bind(sql::id(scope.provider_id))
                .execute(&mut *tx)
                .await?;
                let participant_id = participant_of(&mut tx, scope, c.appointment_id).await?;
                audit::record(
                    &mut *tx,
                    actor,
                    AuditAction::Update,
                    "quarantined_image",
                    image_id,
                    Some(participant_id),
                    &serde_json::json!({
                        "outcome": "attachment_requested",
                        "appointment_id": c.appointment_id,
                        "sop_instance_uid": row.try_get::<String, _>("sop_instance_uid")?,
                        "patient_id": patient_id,
                        "nhs_number": c.nhs_number,
                        "reason": reason,
                    }),
                )
                .await?;
                tx.commit().await?;
                return Ok(Settlement::AwaitingConfirmation);
            }
        }
        let appointment = candidate.as_ref().map(|c| c.appointment_id);
        let participant_id = match appointment {
            Some(a) => Some(participant_of(&mut tx, scope, a).await?),
            None => None,
        };
        sqlx::query(
            "UPDATE gateway_images SET appointment_id = $1, quarantine_status = $2, quarantine_resolved_by_name = $3, \
             quarantine_resolved_at = $4 WHERE id = $5 AND provider_id = $6 AND quarantine_status = 'open'",
        )
        .bind(appointment.map(sql::id))
        .bind(if attach { "attached" } else { "dismissed" })
        .bind(&actor.name)
        .bind(sql::ts(sql::now()))
        .bind(sql::id(image_id))
        .bind(sql::id(scope.provider_id))
        .execute(&mut *tx)
        .await?;
        audit::record(
            &mut *tx,
            actor,
            AuditAction::Update,
            "quarantined_image",
            image_id,
            participant_id,
            &serde_json::json!({
                "outcome": if attach { "attached" } else { "dismissed" },
                "appointment_id": appointment,
                "sop_instance_uid": row.try_get::<String, _>("sop_instance_uid")?,
                "reason": reason,
            }),
        )
        .await?;
        if let Some(a) = appointment {
            reconcile_in(&mut tx, scope, a).await?;
        }
        tx.commit().await?;
        Ok(match appointment {
            Some(a) => Settlement::Attached(a),
            None => Settlement::Dismissed,
        })
    }

    /// The one appointment a quarantined image may be attached to, or a refusal.
    async fn attach_candidate(&self, scope: Scope, image_id: Uuid) -> Result<QuarantineCandidate> {
        self.quarantine_candidate(scope, image_id)
            .await?
            .ok_or_else(|| {
                StoreError::Refused(
                    "This image does not name exactly one appointment, so it cannot be attached."
                        .to_owned(),
                )
            })
    }

    /// The second person's check: attaches a quarantined image someone else asked to
    /// attach, recording both people. Refused for the person who asked, for an image
    /// nobody asked to attach, and when the image now names another appointment.
    pub async fn confirm_quarantine_attachment(
        &self,
        scope: Scope,
        actor: &Actor,
        image_id: Uuid,
        reason: &str,
    ) -> Result<Uuid> {
        let reason = domain::gateway::validate_resolution(reason)
            .map_err(|_| StoreError::invalid("reason", "Enter why"))?;
        sqlx::query("SELECT id FROM gateway_images WHERE id = $1 AND provider_id = $2")
            .bind(sql::id(image_id))
            .bind(sql::id(scope.provider_id))
            .fetch_one(self.pool())
            .await?;
        let candidate = self.attach_candidate(scope, image_id).await?;
        let mut tx = self.begin_write().await?;
        let row = open_quarantined(&mut tx, scope, image_id).await?;
        let requested_by: Option<String> = row.try_get("attach_requested_by")?;
        let requested_for: Option<String> = row.try_get("attach_requested_for")?;
        domain::gateway::may_confirm(requested_by.as_ref(), actor.user_id.map(sql::id).as_ref())
            .map_err(|m| StoreError::Refused(m.to_owned()))?;
        if requested_for.as_deref() != Some(sql::id(candidate.appointment_id).as_str()) {
            return Err(StoreError::Refused(
                "This image now names a different appointment from the one the attachment was asked for. Ask again."
                    .to_owned(),
            ));
        }
        let requester: String = row
            .try_get::<Option<String>, _>("attach_requested_by_name")?
            .unwrap_or_default();
        let a = candidate.appointment_id;
        let participant_id = participant_of(&mut tx, scope, a).await?;
        sqlx::query(
            "UPDATE gateway_images SET appointment_id = $1, quarantine_status = 'attached', quarantine_resolved_by_name = $2, \
             quarantine_resolved_at = $3 WHERE id = $4 AND provider_id = $5 AND quarantine_status = 'open'",
        )
        .bind(sql::id(a))
        .bind(format!("{requester}, confirmed by {}", actor.name))
        .bind(sql::ts(sql::now()))
        .bind(sql::id(image_id))
        .bind(sql::id(scope.provider_id))
        .execute(&mut *tx)
        .await?;
        audit::record(
            &mut *tx,
            actor,
            AuditAction::Update,
            "quarantined_image",
            image_id,
            Some(participant_id),
            &serde_json::json!({
                "outcome": "attached",
                "appointment_id": a,
                "sop_instance_uid": row.try_get::<String, _>("sop_instance_uid")?,
                "requested_by": requester,
                "request_reason": row.try_get::<Option<String>, _>("attach_request_reason")?,
                "confirmed_by": actor.name,
                "reason": reason,
            }),
        )
        .await?;
        reconcile_in(&mut tx, scope, a).await?;
        tx.commit().await?;
        Ok(a)
    }

    /// "These are a different participant's images": takes an attached image off its
    /// appointment and puts it back in quarantine, so it leaves the appointment's images,
    /// the reading case's thumbnails and every count made from them. Who, when and why are
    /// recorded on the image and in the audit log; an ended appointment is reconciled
    /// again. Returns the appointment it was detached from.
    pub async fn detach_image(
        &self,
        scope: Scope,
        actor: &Actor,
        image_id: Uuid,
        reason: &str,
    ) -> Result<Uuid> {
        let reason = domain::gateway::validate_resolution(reason).map_err(|_| {
            StoreError::invalid(
                "reason",
                "Enter why these are a different participant's images",
            )
        })?;
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(
            "SELECT appointment_id, sop_instance_uid FROM gateway_images WHERE id = $1 AND provider_id = $2",
        )
        .bind(sql::id(image_id))
        .bind(sql::id(scope.provider_id))
        .fetch_one(&mut *tx)
        .await?;
        let Some(a) = row
            .try_get::<Option<String>, _>("appointment_id")?
            .as_deref()
            .map(parse_id)
            .transpose()?
        else {
            return Err(StoreError::Refused(
                "This image is not attached to an appointment.".to_owned(),
            ));
        };
        let participant_id = participant_of(&mut tx, scope, a).await?;
        let now = sql::ts(sql::now());
        sqlx::query(
            "UPDATE gateway_images SET appointment_id = NULL, quarantine_status = 'open', quarantine_reason = $1, \
             quarantine_resolved_by_name = NULL, quarantine_resolved_at = NULL, attach_requested_for = NULL, \
             attach_requested_by = NULL, attach_requested_by_name = NULL, attach_requested_at = NULL, \
             attach_request_reason = NULL, detached_from = $2, detached_by_name = $3, detached_at = $4, detach_reason = $5 \
             WHERE id = $6 AND provider_id = $7 AND appointment_id = $2",
        )
        .bind(QuarantineReason::DifferentParticipant.as_str())
        .bind(sql::id(a))
        .bind(&actor.name)
        .bind(&now)
        .bind(&reason)
        .bind(sql::id(image_id))
        .bind(sql::id(scope.provider_id))
        .execute(&mut *tx)
        .await?;
        audit::record(
            &mut *tx,
            actor,
            AuditAction::Update,
            "received_image",
            image_id,
            Some(participant_id),
            &serde_json::json!({
                "outcome": "detached",
                "appointment_id": a,
                "sop_instance_uid": row.try_get::<String, _>("sop_instance_uid")?,
                "reason": reason,
            }),
        )
        .await?;
        reconcile_in(&mut tx, scope, a).await?;
        tx.commit().await?;
        Ok(a)
    }

    /// How many images the gateway has delivered for an appointment (counted or not).
    pub async fn received_image_count(&self, scope: Scope, appointment_id: Uuid) -> Result<i64> {
        Ok(sqlx::query(
            "SELECT COUNT(*) AS n FROM gateway_images WHERE provider_id = $1 AND appointment_id = $2",
        )
        .bind(sql::id(scope.provider_id))
        .bind(sql::id(appointment_id))
        .fetch_one(self.pool())
        .await?
        .try_get::<i64, _>("n")?)
    }

    /// One received image, within the provider (attached or not).
    pub async fn received_image(&self, scope: Scope, image_id: Uuid) -> Result<ReceivedImage> {
        image_from(
            &sqlx::query(&format!(
                "SELECT {IMAGE_COLUMNS} FROM gateway_images WHERE id = $1 AND provider_id = $2"
            ))
            .bind(sql::id(image_id))
            .bind(sql::id(scope.provider_id))
            .fetch_one(self.pool())
            .await?,
        )
    }

    /// "Switch to manual image mode": this appointment's images are recorded by hand from
    /// now on. `reason` says why (which troubleshooting case).
    pub async fn switch_to_manual(
        &self,
        scope: Scope,
        actor: &Actor,
        appointment_id: Uuid,
        reason: &str,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let participant_id: String = sqlx::query(
            "SELECT participant_id FROM appointments WHERE id = $1 AND provider_id = $2",
        )
        .bind(sql::id(appointment_id))
        .bind(sql::id(scope.provider_id))
        .fetch_one(&mut *tx)
        .await?
        .try_get("participant_id")?;
        require_runner(&mut tx, scope, actor, appointment_id).await?;
        let now = sql::ts(sql::now());
        let done = sqlx::query(
            "UPDATE appointment_image_modes SET mode = 'manual', reason = $1, changed_by_name = $2, changed_at = $3 \
             WHERE provider_id = $4 AND appointment_id = $5",
        )
        .bind(reason)
        .bind(&actor.name)
        .bind(&now)
        .bind(sql::id(scope.provider_id))
        .bind(sql::id(appointment_id))
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            sqlx::query(
                "INSERT INTO appointment_image_modes (appointment_id, provider_id, mode, reason, changed_by_name, changed_at) \
                 VALUES ($1, $2, 'manual', $3, $4, $5)",
            )
            .bind(sql::id(appointment_id))
            .bind(sql::id(scope.provider_id))
            .bind(reason)
            .bind(&actor.name)
            .bind(&now)
            .execute(&mut *tx)
            .await?;
        }
        audit::record(
            &mut *tx,
            actor,
            AuditAction::Update,
            "appointment_image_mode",
            appointment_id,
            Some(parse_id(&participant_id)?),
            &serde_json::json!({ "mode": "manual", "reason": reason }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Discrepancies, open ones only or all, oldest first.
    pub async fn image_discrepancies(
        &self,
        scope: Scope,
        open_only: bool,
    ) -> Result<Vec<DiscrepancyRecord>> {
        let filter = if open_only {
            " AND d.resolved_at IS NULL"
        } else {
            ""
        };
        sqlx::query(&format!(
            "SELECT d.id, d.appointment_id, d.kind, d.detail, d.created_at, d.resolved_by_name, d.resolved_at, \
             d.resolution, p.first_name, p.last_name, p.nhs_number FROM image_discrepancies d \
             JOIN appointments a ON a.id = d.appointment_id AND a.provider_id = d.provider_id \
             JOIN participants p ON p.id = a.participant_id AND p.provider_id = d.provider_id \
             WHERE d.provider_id = $1{filter} ORDER BY d.created_at, d.id"
        ))
        .bind(sql::id(scope.provider_id))
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|r| {
            let kind: DiscrepancyKind = parse_enum(&r.try_get::<String, _>("kind")?)?;
            Ok(DiscrepancyRecord {
                id: parse_id(&r.try_get::<String, _>("id")?)?,
                appointment_id: parse_id(&r.try_get::<String, _>("appointment_id")?)?,
                participant_name: format!(
                    "{} {}",
                    r.try_get::<String, _>("first_name")?,
                    r.try_get::<String, _>("last_name")?
                ),
                nhs_number: r.try_get("nhs_number")?,
                kind,
                kind_label: kind.label().to_owned(),
                detail: r.try_get("detail")?,
                created_at: parse_ts(&r.try_get::<String, _>("created_at")?)?,
                resolved_by_name: r.try_get("resolved_by_name")?,
                resolved_at: opt_ts(r.try_get("resolved_at")?)?,
                resolution: r.try_get("resolution")?,
            })
        })
        .collect()
    }

    /// Resolves a discrepancy, recording who and how. Resolving one already resolved is
    /// refused.
    pub async fn resolve_discrepancy(
        &self,
        scope: Scope,
        actor: &Actor,
        id: Uuid,
        resolution: &str,
    ) -> Result<()> {
        let resolution = domain::gateway::validate_resolution(resolution)
            .map_err(|m| StoreError::invalid("resolution", m))?;
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(
            "SELECT d.resolved_at, a.participant_id FROM image_discrepancies d \
             JOIN appointments a ON a.id = d.appointment_id AND a.provider_id = d.provider_id \
             WHERE d.id = $1 AND d.provider_id = $2",
        )
        .bind(sql::id(id))
        .bind(sql::id(scope.provider_id))
        .fetch_one(&mut *tx)
        .await?;
        if row.try_get::<Option<String>, _>("resolved_at")?.is_some() {
            return Err(StoreError::Refused(
                "This discrepancy has already been resolved.".to_owned(),
            ));
        }
        sqlx::query(
            "UPDATE image_discrepancies SET resolved_by = $1, resolved_by_name = $2, resolved_at = $3, resolution = $4 \
             WHERE id = $5 AND provider_id = $6 AND resolved_at IS NULL",
        )
        .bind(actor.user_id.map(sql::id))
        .bind(&actor.name)
        .bind(sql::ts(sql::now()))
        .bind(&resolution)
        .bind(sql::id(id))
        .bind(sql::id(scope.provider_id))
        .execute(&mut *tx)
        .await?;
        audit::record(
            &mut *tx,
            actor,
            AuditAction::Update,
            "image_discrepancy",
            id,
            Some(parse_id(&row.try_get::<String, _>("participant_id")?)?),
            &serde_json::json!({ "resolution": resolution }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// A quarantined image's row; refused when no longer in quarantine (every change that
/// follows is guarded by `quarantine_status = 'open'` too).
async fn open_quarantined(tx: &mut Tx<'_>, scope: Scope, image_id: Uuid) -> Result<AnyRow> {
    let row = sqlx::query(
        "SELECT quarantine_status, sop_instance_uid, patient_id, detached_from, attach_requested_for, \
         attach_requested_by, attach_requested_by_name, attach_request_reason \
         FROM gateway_images WHERE id = $1 AND provider_id = $2",
    )
    .bind(sql::id(image_id))
    .bind(sql::id(scope.provider_id))
    .fetch_one(&mut **tx)
    .await?;
    if row
        .try_get::<Option<String>, _>("quarantine_status")?
        .as_deref()
        != Some("open")
    {
        return Err(StoreError::Refused(
            "This image is no longer in quarantine.".to_owned(),
        ));
    }
    Ok(row)
}

async fn participant_of(tx: &mut Tx<'_>, scope: Scope, appointment_id: Uuid) -> Result<Uuid> {
    parse_id(
        &sqlx::query("SELECT participant_id FROM appointments WHERE id = $1 AND provider_id = $2")
            .bind(sql::id(appointment_id))
            .bind(sql::id(scope.provider_id))
            .fetch_one(&mut **tx)
            .await?
            .try_get::<String, _>("participant_id")?,
    )
}

async fn assign_rooms(tx: &mut Tx<'_>, scope: Scope, gateway: Uuid, rooms: &[Uuid]) -> Result<()> {
    for room in rooms {
        sqlx::query("SELECT id FROM rooms WHERE id = $1 AND provider_id = $2")
            .bind(sql::id(*room))
            .bind(sql::id(scope.provider_id))
            .fetch_one(&mut **tx)
            .await
            .map_err(|_| StoreError::invalid("rooms", "No such room"))?;
        sqlx::query("DELETE FROM gateway_rooms WHERE room_id = $1 AND provider_id = $2")
            .bind(sql::id(*room))
            .bind(sql::id(scope.provider_id))
            .execute(&mut **tx)
            .await?;
        sqlx::query(
            "INSERT INTO gateway_rooms (room_id, provider_id, gateway_id) VALUES ($1, $2, $3)",
        )
        .bind(sql::id(*room))
        .bind(sql::id(scope.provider_id))
        .bind(sql::id(gateway))
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

async fn store_image(
    tx: &mut Tx<'_>,
    gw: &GatewayPrincipal,
    event: &GatewayEvent,
    image: &ImageEvent,
) -> Result<EventReceipt> {
    let scope = gw.scope();
    let p = sql::id(scope.provider_id);
    let sop = image.sop_instance_uid.trim();
    let known = sqlx::query(
        "SELECT appointment_id, quarantine_reason FROM gateway_images WHERE provider_id = $1 AND sop_instance_uid = $2",
    )
    .bind(&p)
    .bind(sop)
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(r) = known {
        return Ok(EventReceipt {
            stored: false,
            outcome: "duplicate".to_owned(),
            appointment_id: r
                .try_get::<Option<String>, _>("appointment_id")?
                .as_deref()
                .map(parse_id)
                .transpose()?,
            quarantine_reason: r.try_get("quarantine_reason")?,
        });
    }
    let keys = ImageKeys {
        study_instance_uid: nonempty(&image.study_instance_uid),
        accession_number: nonempty(&image.accession_number),
        patient_id: image.patient_id.as_deref(),
    };
    let outcome = find_match(tx, scope, &keys).await?;
    let (appointment, reason) = match outcome {
        MatchOutcome::Attach(a) => (Some(a), None),
        MatchOutcome::Quarantine(q) => (None, Some(q)),
    };
    let view = classify_view(
        image.laterality.as_deref(),
        image.view_position.as_deref(),
        image.implant_displaced.unwrap_or(false),
    );
    let counted = counts_as_exposure(
        image.presentation_intent.as_deref(),
        image.tomosynthesis.unwrap_or(false),
    );
    let id = new_id();
    let thumb = image.thumbnail.as_ref();
    sqlx::query(
        "INSERT INTO gateway_images (id, provider_id, gateway_id, event_id, appointment_id, sop_instance_uid, \
         study_instance_uid, accession_number, patient_id, patient_name, view_code, counted, entrance_dose_mgy, \
         organ_dose_mgy, acquired_at, received_at, stored_at, metadata, thumbnail_media_type, thumbnail_base64, \
         thumbnail_width, thumbnail_height, quarantine_reason, quarantine_status) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24)",
    )
    .bind(sql::id(id))
    .bind(&p)
    .bind(sql::id(gw.gateway_id))
    .bind(sql::id(event.id))
    .bind(appointment.map(sql::id))
    .bind(sop)
    .bind(nonempty(&image.study_instance_uid))
    .bind(nonempty(&image.accession_number))
    .bind(image.patient_id.as_deref())
    .bind(image.patient_name.as_deref())
    .bind(view.code())
    .bind(i64::from(counted))
    .bind(image.entrance_dose_mgy)
    .bind(image.organ_dose_mgy)
    .bind(
        nonempty(&image.acquired_at)
            .and_then(|s| {
                OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
            })
            .map(sql::ts),
    )
    .bind(
        nonempty(&image.received_at)
            .and_then(|s| {
                OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
            })
            .map_or_else(|| sql::ts(event.occurred_at), sql::ts),
    )
    .bind(sql::ts(sql::now()))
    .bind(sql::json(image))
    .bind(thumb.map(|t| t.media_type.clone()))
    .bind(thumb.map(|t| t.data_base64.clone()))
    .bind(thumb.and_then(|t| t.width))
    .bind(thumb.and_then(|t| t.height))
    .bind(reason.map(|r| r.as_str()))
    .bind(reason.map(|_| "open"))
    .execute(&mut **tx)
    .await?;
    let actor = Actor {
        user_id: None,
        name: format!("Gateway: {}", gw.name),
        provider_id: Some(gw.provider_id),
    };
    match appointment {
        Some(a) => {
            reconcile_in(tx, scope, a).await?;
        }
        None => {
            audit::record(
                &mut **tx,
                &actor,
                AuditAction::Create,
                "quarantined_image",
                id,
                None,
                &serde_json::json!({
                    "sop_instance_uid": sop,
                    "reason": reason.map(|r| r.as_str()),
                    "study_instance_uid": image.study_instance_uid,
                    "accession_number": image.accession_number,
                }),
            )
            .await?;
        }
    }
    Ok(EventReceipt {
        stored: true,
        outcome: if appointment.is_some() {
            "attached"
        } else {
            "quarantined"
        }
        .to_owned(),
        appointment_id: appointment,
        quarantine_reason: reason.map(|r| r.as_str().to_owned()),
    })
}

async fn store_mpps(
    tx: &mut Tx<'_>,
    scope: Scope,
    event: &GatewayEvent,
    m: &MppsEvent,
) -> Result<EventReceipt> {
    let p = sql::id(scope.provider_id);
    let status = validate_mpps(m)?;
    let uid = nonempty(&m.mpps_instance_uid)
        .unwrap_or_default()
        .to_owned();
    let existing = sqlx::query(
        "SELECT status, appointment_id, study_instance_uid, accession_number, patient_id, performed_series, \
         discontinuation_reason FROM gateway_mpps WHERE provider_id = $1 AND mpps_instance_uid = $2",
    )
    .bind(&p)
    .bind(&uid)
    .fetch_optional(&mut **tx)
    .await?;
    // Keys from this event, else from earlier events of the same step (an N-SET need not
    // repeat them).
    let earlier = |col: &str| -> Option<String> {
        existing
            .as_ref()
            .and_then(|r| r.try_get::<Option<String>, _>(col).ok().flatten())
    };
    let study = nonempty(&m.study_instance_uid)
        .map(str::to_owned)
        .or_else(|| earlier("study_instance_uid"));
    let accession = nonempty(&m.accession_number)
        .map(str::to_owned)
        .or_else(|| earlier("accession_number"));
    let patient = nonempty(&m.patient_id)
        .map(str::to_owned)
        .or_else(|| earlier("patient_id"));
    let merged = merge_mpps(
        existing
            .as_ref()
            .map(|r| r.try_get::<String, _>("status"))
            .transpose()?
            .and_then(|s| s.parse().ok()),
        status,
    );
    let series = match &m.performed_series {
        Some(s) if !s.is_empty() => sql::json(s),
        _ => earlier("performed_series").unwrap_or_else(|| "[]".to_owned()),
    };
    let reason = nonempty(&m.discontinuation_reason)
        .map(str::to_owned)
        .or_else(|| earlier("discontinuation_reason"));
    let outcome = find_match(
        tx,
        scope,
        &ImageKeys {
            study_instance_uid: study.as_deref(),
            accession_number: accession.as_deref(),
            patient_id: patient.as_deref(),
        },
    )
    .await?;
    let appointment = match outcome {
        MatchOutcome::Attach(a) => Some(a),
        MatchOutcome::Quarantine(_) => None,
    };
    let now = sql::ts(event.occurred_at.max(sql::now()));
    if existing.is_some() {
        sqlx::query(
            "UPDATE gateway_mpps SET status = $1, appointment_id = $2, study_instance_uid = $3, accession_number = $4, \
             patient_id = $5, performed_series = $6, discontinuation_reason = $7, updated_at = $8 \
             WHERE provider_id = $9 AND mpps_instance_uid = $10",
        )
        .bind(merged.as_str())
        .bind(appointment.map(sql::id))
        .bind(&study)
        .bind(&accession)
        .bind(&patient)
        .bind(&series)
        .bind(&reason)
        .bind(&now)
        .bind(&p)
        .bind(&uid)
        .execute(&mut **tx)
        .await?;
    } else {
        sqlx::query(
            "INSERT INTO gateway_mpps (mpps_instance_uid, provider_id, appointment_id, study_instance_uid, accession_number, \
             patient_id, status, performed_series, discontinuation_reason, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(&uid)
        .bind(&p)
        .bind(appointment.map(sql::id))
        .bind(&study)
        .bind(&accession)
        .bind(&patient)
        .bind(merged.as_str())
        .bind(&series)
        .bind(&reason)
        .bind(&now)
        .execute(&mut **tx)
        .await?;
    }
    if let Some(a) = appointment {
        sync_item(tx, scope, a, None, false).await?;
        reconcile_in(tx, scope, a).await?;
    }
    Ok(EventReceipt {
        stored: true,
        outcome: "mpps".to_owned(),
        appointment_id: appointment,
        quarantine_reason: match outcome {
            MatchOutcome::Quarantine(q) => Some(q.as_str().to_owned()),
            MatchOutcome::Attach(_) => None,
        },
    })
}
