//! The screening appointment workflow: one saved document per step, notes, the room,
//! finishing, follow-up requests for the office, and medical information carried between
//! episodes. Every save is checked against the version the person saw, so a stale or
//! repeated form never overwrites or records twice.

use crate::audit::{self, AuditAction};
use crate::outbox::{self, Tx};
use crate::shared::appointment::{
    apply_action_in, bump_version, require_runner, section_document, stale, upsert_section,
};
use crate::shared::follow_up::{NewFollowUpRow, insert_follow_up};
use crate::sql::{self, parse_date, parse_id, parse_ts};
use crate::write::AuditRow;
use crate::{Actor, AppointmentDetail, Result, Room, Scope, Store, StoreError, new_id};
use domain::ending::{AttendedNotScreened, Cancellation};
use domain::events::{DomainEvent, ScreenCompleted};
use domain::ids::{AppointmentId, EpisodeId, FollowUpId, ParticipantId};
use domain::imaging::ExposureRecord;
use domain::medical::{MedicalDocument, MedicalInformation};
use domain::workflow::{IdentityCheck, ImagesDocument, SectionDocument, SectionKind};
use domain::{AppointmentAction, AppointmentStatus, EpisodeOutcome, EpisodeStage};
use serde::Serialize;
use sqlx::FromRow;
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;
use uuid::Uuid;

/// One saved document of the workflow, with who saved it last and when.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SavedSection<T> {
    pub data: T,
    pub updated_by_name: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
}

/// The appointment's saved documents, one per [`SectionKind`], each in its own type. In
/// JSON, an object keyed by the kind's stored value, holding only the saved ones.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct Sections {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity: Option<SavedSection<IdentityCheck>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub medical: Option<SavedSection<MedicalDocument>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub images: Option<SavedSection<ImagesDocument>>,
    /// The IR(ME)R record written when the images were completed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exposure: Option<SavedSection<ExposureRecord>>,
    /// Why an appointment that started did not proceed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ending: Option<SavedSection<AttendedNotScreened>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancellation: Option<SavedSection<Cancellation>>,
}

impl Sections {
    /// Files a document read back from the store under its kind.
    fn insert(
        &mut self,
        document: SectionDocument,
        updated_by_name: String,
        updated_at: OffsetDateTime,
    ) {
        fn saved<T>(
            data: T,
            updated_by_name: String,
            updated_at: OffsetDateTime,
        ) -> Option<SavedSection<T>> {
            Some(SavedSection {
                data,
                updated_by_name,
                updated_at,
            })
        }
        match document {
            SectionDocument::Identity(d) => self.identity = saved(d, updated_by_name, updated_at),
            SectionDocument::Medical(d) => self.medical = saved(d, updated_by_name, updated_at),
            SectionDocument::Images(d) => self.images = saved(d, updated_by_name, updated_at),
            SectionDocument::Exposure(d) => self.exposure = saved(d, updated_by_name, updated_at),
            SectionDocument::Ending(d) => self.ending = saved(d, updated_by_name, updated_at),
            SectionDocument::Cancellation(d) => {
                self.cancellation = saved(d, updated_by_name, updated_at)
            }
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Note {
    pub id: Uuid,
    pub body: String,
    pub author_name: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

/// Medical information recorded in an earlier episode, offered for confirmation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CarriedMedical {
    pub data: MedicalInformation,
    #[schema(value_type = String, format = Date)]
    pub recorded_on: Date,
    pub recorded_appointment_id: Uuid,
}

/// Everything the workflow pages need about one appointment.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Workflow {
    pub appointment: AppointmentDetail,
    /// Who is running it (while in progress or paused).
    pub running_user_id: Option<Uuid>,
    pub running_user_name: Option<String>,
    pub last_changed_by_name: String,
    pub images_taken: i64,
    pub room: Option<Room>,
    pub sections: Sections,
    pub notes: Vec<Note>,
    /// Medical information from the participant's previous episode, if this appointment
    /// has not yet saved its own.
    pub carried_medical: Option<CarriedMedical>,
}

/// What decides whether an appointment can take images now ([`Store::images_gate`]).
#[derive(Debug, Clone)]
pub struct ImagesGate {
    pub status: AppointmentStatus,
    /// The identity step confirmed the participant.
    pub identity_confirmed: bool,
    /// The medical step's saved document marks every section reviewed.
    pub medical_reviewed: bool,
    /// The room chosen for the appointment, if any.
    pub room: Option<Room>,
    pub clinic_location_id: Uuid,
}

/// One step's answers to save.
#[derive(Debug, Clone, Copy)]
pub struct SectionUpdate<'a> {
    /// The step's document; its kind says which step.
    pub document: &'a SectionDocument,
    /// For the images step: how many images the record holds.
    pub images_taken: Option<i64>,
}

/// How to finish an appointment.
#[derive(Debug, Clone)]
pub struct Finish {
    pub action: AppointmentAction,
    pub episode_outcome: Option<EpisodeOutcome>,
    pub episode_stage: Option<EpisodeStage>,
    pub follow_up: Option<NewFollowUp>,
    /// A document to save with the ending (for example why it did not proceed).
    pub record: Option<SectionDocument>,
    /// What the images were, for the mammographer's statistics (completed screens only).
    pub tally: Option<ImagesTally>,
}

/// What one appointment's images came to.
#[derive(Debug, Clone)]
pub struct ImagesTally {
    pub images: i64,
    pub repeats: i64,
    /// The repeat reasons' values, one per view that had repeats for that reason.
    pub repeat_reasons: Vec<String>,
    pub completeness: domain::imaging::Completeness,
}

#[derive(Debug, Clone)]
pub struct NewFollowUp {
    /// "more_images" or "reschedule".
    pub kind: &'static str,
    pub timescale: String,
    pub note: String,
    /// For more images, the standard views still to take.
    pub views: Vec<domain::imaging::View>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FollowUp {
    pub id: FollowUpId,
    pub kind: String,
    pub timescale: String,
    pub note: String,
    pub status: String,
    pub participant_id: ParticipantId,
    pub participant_name: String,
    pub nhs_number: String,
    pub appointment_id: AppointmentId,
    #[schema(value_type = String, format = Date)]
    pub appointment_date: Date,
    pub created_by_name: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    /// What the office is to act on (the views to retake, the breasts to assess).
    pub details: String,
    /// The episode the request belongs to (a booking continues it).
    pub episode_id: EpisodeId,
    /// For a recall, the standard views to take (empty: the standard set).
    pub views: Vec<domain::imaging::View>,
    /// The appointment the request was booked into, once booked.
    pub booked_appointment_id: Option<Uuid>,
    /// That appointment's date and status.
    #[schema(value_type = Option<String>, format = Date)]
    pub booked_date: Option<Date>,
    pub booked_status: Option<domain::AppointmentStatus>,
}

/// The appointment's room, if one is chosen, from columns `room_id`, `location_id`,
/// `room_name`, `machine` and `ae_title` (the room LEFT JOINed), as stored.
#[derive(FromRow)]
struct RoomColumns {
    room_id: Option<String>,
    location_id: Option<String>,
    room_name: Option<String>,
    machine: Option<String>,
    ae_title: Option<String>,
}

impl TryFrom<RoomColumns> for Option<Room> {
    type Error = StoreError;
    fn try_from(r: RoomColumns) -> Result<Self> {
        let Some(id) = r.room_id else {
            return Ok(None);
        };
        let (Some(location_id), Some(name), Some(machine), Some(ae_title)) =
            (r.location_id, r.room_name, r.machine, r.ae_title)
        else {
            return Err(StoreError::Corrupt(format!("room {id:?} not found")));
        };
        Ok(Some(Room {
            id: parse_id(&id)?,
            location_id: parse_id(&location_id)?,
            name,
            machine,
            ae_title,
        }))
    }
}

/// The appointment's version and state, as stored.
#[derive(FromRow)]
struct VersionRow {
    status: String,
    version: i64,
    participant_id: String,
    last_changed_by_name: String,
    last_changed_at: String,
}

/// The workflow's own columns of the appointment, with its room, as stored.
#[derive(FromRow)]
struct WorkflowRow {
    images_taken: i64,
    last_changed_by_name: String,
    #[sqlx(flatten)]
    room: RoomColumns,
}

/// One saved step document, as stored.
#[derive(FromRow)]
struct SectionRow {
    section: String,
    data: String,
    updated_by_name: String,
    updated_at: String,
}

/// A note, as stored.
#[derive(FromRow)]
struct NoteRow {
    id: String,
    body: String,
    author_name: String,
    created_at: String,
}

impl TryFrom<NoteRow> for Note {
    type Error = StoreError;
    fn try_from(r: NoteRow) -> Result<Self> {
        Ok(Note {
            id: parse_id(&r.id)?,
            body: r.body,
            author_name: r.author_name,
            created_at: parse_ts(&r.created_at)?,
        })
    }
}

/// Medical information carried from an earlier episode, as stored.
#[derive(FromRow)]
struct CarriedMedicalRow {
    data: String,
    recorded_on: String,
    recorded_appointment_id: String,
}

impl TryFrom<CarriedMedicalRow> for CarriedMedical {
    type Error = StoreError;
    fn try_from(r: CarriedMedicalRow) -> Result<Self> {
        Ok(CarriedMedical {
            data: sql::parse_json(&r.data)?,
            recorded_on: parse_date(&r.recorded_on)?,
            recorded_appointment_id: parse_id(&r.recorded_appointment_id)?,
        })
    }
}

/// What [`Store::images_gate`] reads, as stored: the identity and medical steps' documents
/// are aliased by their section kinds' stored values.
#[derive(FromRow)]
struct ImagesGateRow {
    status: String,
    clinic_location_id: String,
    #[sqlx(flatten)]
    room: RoomColumns,
    identity: Option<String>,
    medical: Option<String>,
}

/// The appointment's episode, participant and clinic day, as stored.
#[derive(FromRow)]
struct FinishRow {
    episode_id: String,
    participant_id: String,
    clinic_date: String,
}

async fn lock_version(
    tx: &mut Tx,
    scope: Scope,
    id: AppointmentId,
    expected_version: i64,
) -> Result<(AppointmentStatus, ParticipantId)> {
    let row = sqlx::query_as::<_, VersionRow>(
        "SELECT status, version, participant_id, last_changed_by_name, last_changed_at \
         FROM appointments WHERE id = $1 AND provider_id = $2",
    )
    .bind(sql::id(id))
    .bind(sql::id(scope.provider_id))
    .fetch_one(&mut **tx)
    .await?;
    if row.version != expected_version {
        return Err(stale(&row.last_changed_by_name, &row.last_changed_at));
    }
    Ok((
        crate::sql::parse_enum(&row.status)?,
        parse_id(&row.participant_id)?,
    ))
}

/// Removes every step document of an appointment ("Discard changes"). The audit log keeps
/// what they said.
async fn discard_sections(tx: &mut Tx, scope: Scope, id: AppointmentId) -> Result<()> {
    sqlx::query("DELETE FROM appointment_sections WHERE provider_id = $1 AND appointment_id = $2")
        .bind(sql::id(scope.provider_id))
        .bind(sql::id(id))
        .execute(&mut **tx)
        .await?;
    Ok(())
}

impl Store {
    /// "Discard changes and revert status to 'Checked in'": only before any image is
    /// taken, by the person running the appointment.
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, user = actor.user_id.map(tracing::field::display), id = %id))]
    pub async fn discard_and_revert(
        &self,
        scope: Scope,
        actor: &Actor,
        id: AppointmentId,
        expected_version: i64,
    ) -> Result<AppointmentStatus> {
        self.delivering(async {
            let mut write = self.begin_change().await?;
            let tx = write.tx();
            let to = apply_action_in(
                tx,
                scope,
                actor,
                id,
                AppointmentAction::RevertToCheckedIn,
                Some(expected_version),
                None,
            )
            .await?;
            discard_sections(tx, scope, id).await?;
            sqlx::query(
                "UPDATE appointments SET images_taken = 0 WHERE id = $1 AND provider_id = $2",
            )
            .bind(sql::id(id))
            .bind(sql::id(scope.provider_id))
            .execute(&mut **tx)
            .await?;
            write.commit().await?;
            Ok(to)
        })
        .await
    }

    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, id = %id))]
    pub async fn workflow(&self, scope: Scope, id: AppointmentId) -> Result<Workflow> {
        let appointment = self.appointment(scope, id).await?;
        let p = sql::id(scope.provider_id);
        let row = sqlx::query_as::<_, WorkflowRow>(
            "SELECT a.images_taken, a.last_changed_by_name, a.room_id, r.location_id, r.name AS room_name, r.machine, r.ae_title \
             FROM appointments a LEFT JOIN rooms r ON r.id = a.room_id AND r.provider_id = a.provider_id \
             WHERE a.id = $1 AND a.provider_id = $2",
        )
        .bind(sql::id(id))
        .bind(&p)
        .fetch_one(self.pool())
        .await?;
        let room = row.room.try_into()?;
        let sections = sqlx::query_as::<_, SectionRow>(
            "SELECT section, data, updated_by_name, updated_at FROM appointment_sections \
             WHERE provider_id = $1 AND appointment_id = $2",
        )
        .bind(&p)
        .bind(sql::id(id))
        .fetch_all(self.pool())
        .await?
        .into_iter()
        .try_fold(Sections::default(), |mut sections, r| {
            let kind: SectionKind = sql::parse_enum(&r.section)?;
            sections.insert(
                section_document(kind, &r.data)?,
                r.updated_by_name,
                parse_ts(&r.updated_at)?,
            );
            Ok::<_, StoreError>(sections)
        })?;
        let notes = sqlx::query_as::<_, NoteRow>(
            "SELECT id, body, author_name, created_at FROM appointment_notes \
             WHERE provider_id = $1 AND appointment_id = $2 ORDER BY created_at, id",
        )
        .bind(&p)
        .bind(sql::id(id))
        .fetch_all(self.pool())
        .await?
        .into_iter()
        .map(Note::try_from)
        .collect::<Result<Vec<_>>>()?;
        let carried_medical = if sections.medical.is_some() {
            None
        } else {
            sqlx::query_as::<_, CarriedMedicalRow>(
                "SELECT data, recorded_on, recorded_appointment_id FROM participant_medical \
                 WHERE provider_id = $1 AND participant_id = $2 AND recorded_appointment_id <> $3",
            )
            .bind(&p)
            .bind(sql::id(appointment.participant.id))
            .bind(sql::id(id))
            .fetch_optional(self.pool())
            .await?
            .map(CarriedMedical::try_from)
            .transpose()?
        };
        let running = matches!(
            appointment.status,
            AppointmentStatus::InProgress | AppointmentStatus::Paused
        );
        let runner = appointment
            .history
            .iter()
            .rev()
            .find(|h| h.status == AppointmentStatus::InProgress)
            .filter(|_| running);
        Ok(Workflow {
            running_user_id: runner.and_then(|h| h.changed_by),
            running_user_name: runner.map(|h| h.changed_by_name.clone()),
            last_changed_by_name: row.last_changed_by_name,
            images_taken: row.images_taken,
            room,
            sections,
            notes,
            carried_medical,
            appointment,
        })
    }

    /// Saves one step's answers. Refused (and nothing written) unless the appointment is in
    /// progress, run by `actor`, and still at `expected_version`. Saving exactly what is
    /// already saved is a no-op success, so a double-submitted form records once.
    /// `images_taken` is given when the step is the images record.
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, user = actor.user_id.map(tracing::field::display), id = %id))]
    pub async fn save_section(
        &self,
        scope: Scope,
        actor: &Actor,
        id: AppointmentId,
        update: SectionUpdate<'_>,
        expected_version: i64,
    ) -> Result<i64> {
        let SectionUpdate {
            document,
            images_taken,
        } = update;
        let section = document.kind().as_str();
        let data = &document.to_json();
        let mut write = self.begin_change().await?;
        let tx = write.tx();
        let existing = sqlx::query_scalar::<_, String>("SELECT data FROM appointment_sections WHERE provider_id = $1 AND appointment_id = $2 AND section = $3")
            .bind(sql::id(scope.provider_id))
            .bind(sql::id(id))
            .bind(section)
            .fetch_optional(&mut **tx)
            .await?;
        let current_version = sqlx::query_scalar::<_, i64>(
            "SELECT version FROM appointments WHERE id = $1 AND provider_id = $2",
        )
        .bind(sql::id(id))
        .bind(sql::id(scope.provider_id))
        .fetch_one(&mut **tx)
        .await?;
        // Only the person running the appointment may save, even an unchanged answer.
        require_runner(tx, scope, actor, id).await?;
        if existing
            .as_deref()
            .and_then(|e| serde_json::from_str::<serde_json::Value>(e).ok())
            .as_ref()
            == Some(data)
        {
            return Ok(current_version);
        }
        let (status, participant_id) = lock_version(tx, scope, id, expected_version).await?;
        if status != AppointmentStatus::InProgress {
            return Err(StoreError::Refused(format!(
                "This appointment is {}, not in progress: resume it before changing its answers.",
                status.label().to_lowercase()
            )));
        }
        require_runner(tx, scope, actor, id).await?;
        upsert_section(tx, scope, actor, id, document.kind(), data).await?;
        if let Some(n) = images_taken {
            sqlx::query(
                "UPDATE appointments SET images_taken = $1 WHERE id = $2 AND provider_id = $3",
            )
            .bind(n)
            .bind(sql::id(id))
            .bind(sql::id(scope.provider_id))
            .execute(&mut **tx)
            .await?;
        }
        let version = bump_version(tx, scope, actor, id, expected_version).await?;
        write
            .commit_audited(AuditRow::new(
                actor,
                if existing.is_some() {
                    AuditAction::Update
                } else {
                    AuditAction::Create
                },
                format!("appointment_{section}"),
                id,
                Some(participant_id),
                data,
            ))
            .await?;
        Ok(version)
    }

    /// Adds a note to the appointment (from any step, by anyone who can see it).
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, user = actor.user_id.map(tracing::field::display), id = %id))]
    pub async fn add_note(
        &self,
        scope: Scope,
        actor: &Actor,
        id: AppointmentId,
        body: &str,
    ) -> Result<Note> {
        let body = body.trim();
        if body.is_empty() {
            return Err(StoreError::invalid("note", "Enter the note"));
        }
        if body.chars().count() > 2000 {
            return Err(StoreError::invalid(
                "note",
                "The note must be 2,000 characters or fewer",
            ));
        }
        let mut write = self.begin_change().await?;
        let tx = write.tx();
        let participant_id = sqlx::query_scalar::<_, String>(
            "SELECT participant_id FROM appointments WHERE id = $1 AND provider_id = $2",
        )
        .bind(sql::id(id))
        .bind(sql::id(scope.provider_id))
        .fetch_one(&mut **tx)
        .await?;
        let note = Note {
            id: new_id(),
            body: body.to_owned(),
            author_name: actor.name.clone(),
            created_at: sql::now(),
        };
        sqlx::query(
            "INSERT INTO appointment_notes (id, provider_id, appointment_id, body, author_id, author_name, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(sql::id(note.id))
        .bind(sql::id(scope.provider_id))
        .bind(sql::id(id))
        .bind(&note.body)
        .bind(actor.user_id.map(sql::id))
        .bind(&actor.name)
        .bind(sql::ts(note.created_at))
        .execute(&mut **tx)
        .await?;
        let audit = AuditRow::new(
            actor,
            AuditAction::Create,
            "appointment_note",
            note.id,
            Some(parse_id(&participant_id)?),
            serde_json::json!({ "appointment_id": id, "body": note.body }),
        );
        write.commit_audited(audit).await?;
        Ok(note)
    }

    /// Sets the room the images are taken in, and remembers it as the user's default.
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, user = actor.user_id.map(tracing::field::display), id = %id, room_id = %room_id))]
    pub async fn set_room(
        &self,
        scope: Scope,
        actor: &Actor,
        id: AppointmentId,
        room_id: Uuid,
        expected_version: i64,
    ) -> Result<i64> {
        let mut write = self.begin_change().await?;
        let tx = write.tx();
        sqlx::query("SELECT id FROM rooms WHERE id = $1 AND provider_id = $2")
            .bind(sql::id(room_id))
            .bind(sql::id(scope.provider_id))
            .fetch_one(&mut **tx)
            .await
            .map_err(|_| {
                StoreError::invalid("room_id", "Select the room the images are taken in")
            })?;
        let (_, participant_id) = lock_version(tx, scope, id, expected_version).await?;
        require_runner(tx, scope, actor, id).await?;
        sqlx::query("UPDATE appointments SET room_id = $1 WHERE id = $2 AND provider_id = $3")
            .bind(sql::id(room_id))
            .bind(sql::id(id))
            .bind(sql::id(scope.provider_id))
            .execute(&mut **tx)
            .await?;
        if let Some(user_id) = actor.user_id {
            let done = sqlx::query(
                "UPDATE user_preferences SET room_id = $1 WHERE user_id = $2 AND provider_id = $3",
            )
            .bind(sql::id(room_id))
            .bind(sql::id(user_id))
            .bind(sql::id(scope.provider_id))
            .execute(&mut **tx)
            .await?;
            if done.rows_affected() == 0 {
                sqlx::query("INSERT INTO user_preferences (user_id, provider_id, room_id) VALUES ($1, $2, $3)")
                    .bind(sql::id(user_id))
                    .bind(sql::id(scope.provider_id))
                    .bind(sql::id(room_id))
                    .execute(&mut **tx)
                    .await?;
            }
        }
        let version = bump_version(tx, scope, actor, id, expected_version).await?;
        write
            .commit_audited(AuditRow::new(
                actor,
                AuditAction::Update,
                "appointment_room",
                id,
                Some(participant_id),
                serde_json::json!({ "room_id": room_id }),
            ))
            .await?;
        Ok(version)
    }

    /// The room this user last took images in, at this provider.
    /// What decides whether an appointment can take images now, in one query: its status,
    /// the identity and medical steps' saved answers, its room (if chosen) and its clinic's
    /// location. Every workflow write that can make the images step reachable reads this,
    /// not the whole workflow.
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, id = %id))]
    pub async fn images_gate(&self, scope: Scope, id: AppointmentId) -> Result<ImagesGate> {
        let r = sqlx::query_as::<_, ImagesGateRow>(
            "SELECT a.status, c.location_id AS clinic_location_id, a.room_id, r.location_id, r.name AS room_name, r.machine, r.ae_title, \
             (SELECT s.data FROM appointment_sections s WHERE s.provider_id = a.provider_id AND s.appointment_id = a.id AND s.section = $3) AS identity, \
             (SELECT s.data FROM appointment_sections s WHERE s.provider_id = a.provider_id AND s.appointment_id = a.id AND s.section = $4) AS medical \
             FROM appointments a JOIN clinics c ON c.id = a.clinic_id AND c.provider_id = a.provider_id \
             LEFT JOIN rooms r ON r.id = a.room_id AND r.provider_id = a.provider_id \
             WHERE a.id = $1 AND a.provider_id = $2",
        )
        .bind(sql::id(id))
        .bind(sql::id(scope.provider_id))
        .bind(SectionKind::Identity.as_str())
        .bind(SectionKind::Medical.as_str())
        .fetch_optional(self.pool())
        .await?
        .ok_or(StoreError::NotFound)?;
        let section = |kind: SectionKind, data: Option<&str>| -> Result<Option<SectionDocument>> {
            data.map(|d| section_document(kind, d)).transpose()
        };
        Ok(ImagesGate {
            status: sql::parse_enum(&r.status)?,
            identity_confirmed: matches!(
                section(SectionKind::Identity, r.identity.as_deref())?,
                Some(SectionDocument::Identity(IdentityCheck { confirmed: true }))
            ),
            medical_reviewed: matches!(
                section(SectionKind::Medical, r.medical.as_deref())?,
                Some(SectionDocument::Medical(MedicalDocument {
                    all_reviewed: true,
                    ..
                }))
            ),
            room: r.room.try_into()?,
            clinic_location_id: parse_id(&r.clinic_location_id)?,
        })
    }

    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, user_id = %user_id))]
    pub async fn preferred_room(&self, scope: Scope, user_id: Uuid) -> Result<Option<Uuid>> {
        sqlx::query_scalar::<_, Option<String>>(
            "SELECT room_id FROM user_preferences WHERE user_id = $1 AND provider_id = $2",
        )
        .bind(sql::id(user_id))
        .bind(sql::id(scope.provider_id))
        .fetch_optional(self.pool())
        .await?
        .flatten()
        .as_deref()
        .map(parse_id)
        .transpose()
    }

    /// Ends an appointment: the final status move, the episode outcome and stage, any
    /// follow-up request for the office, and the medical information to carry forward,
    /// all in one transaction.
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, user = actor.user_id.map(tracing::field::display), id = %id))]
    pub async fn finish_appointment(
        &self,
        scope: Scope,
        actor: &Actor,
        id: AppointmentId,
        expected_version: i64,
        finish: Finish,
    ) -> Result<AppointmentStatus> {
        self.delivering(async {
let mut write = self.begin_change().await?;
let tx = write.tx();
        let to = apply_action_in(
            tx,
            scope,
            actor,
            id,
            finish.action,
            Some(expected_version),
            finish.episode_outcome,
        )
        .await?;
        let record = finish.record.as_ref().map(|d| (d.kind(), d.to_json()));
        if let Some((kind, data)) = &record {
            upsert_section(tx, scope, actor, id, *kind, data).await?;
        }
        let FinishRow {
            episode_id,
            participant_id,
            clinic_date,
        } = sqlx::query_as::<_, FinishRow>(
            "SELECT a.episode_id, a.participant_id, c.clinic_date FROM appointments a \
             JOIN clinics c ON c.id = a.clinic_id AND c.provider_id = a.provider_id WHERE a.id = $1 AND a.provider_id = $2",
        )
        .bind(sql::id(id))
        .bind(sql::id(scope.provider_id))
        .fetch_one(&mut **tx)
        .await?;
        if let Some((kind, data)) = &record {
            audit::record(
                &mut **tx,
                actor,
                AuditAction::Create,
                &format!("appointment_{}", kind.as_str()),
                id,
                Some(parse_id(&participant_id)?),
                data,
            )
            .await?;
        }
        // An ending's outcome was written (with its history) by the status change.
        let ending = domain::episode::ending_outcome(to, None).is_some();
        let episode_outcome = finish.episode_outcome.filter(|_| !ending);
        if episode_outcome.is_some() || finish.episode_stage.is_some() {
            sqlx::query(
                "UPDATE episodes SET outcome = COALESCE($1, outcome), stage = COALESCE($2, stage) WHERE id = $3 AND provider_id = $4",
            )
            .bind(episode_outcome.map(|o| o.as_str()))
            .bind(finish.episode_stage.map(|s| s.as_str()))
            .bind(&episode_id)
            .bind(sql::id(scope.provider_id))
            .execute(&mut **tx)
            .await?;
        }
        if let Some(tally) = &finish.tally {
            // The day the images were taken, as on the reading case.
            let screened_on = sql::date(crate::dates::screening_date(tx, scope, id).await?);
            sqlx::query(
                "INSERT INTO image_records (appointment_id, provider_id, user_id, user_name, screened_on, images, repeats, repeat_reasons, completeness, recorded_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(sql::id(id))
            .bind(sql::id(scope.provider_id))
            .bind(actor.user_id.map(sql::id))
            .bind(&actor.name)
            .bind(&screened_on)
            .bind(tally.images)
            .bind(tally.repeats)
            .bind(sql::json(&tally.repeat_reasons))
            .bind(tally.completeness.as_str())
            .bind(sql::ts(sql::now()))
            .execute(&mut **tx)
            .await?;
        }
        if matches!(
            to,
            AppointmentStatus::Screened | AppointmentStatus::PartiallyScreened
        ) {
            // What readers are told, and what the result does: the mammographer asked for
            // the participant back, or the examination ended as a partial mammography. The
            // reading feature writes it on the case, in this transaction.
            let completeness = if to == AppointmentStatus::Screened {
                domain::imaging::Completeness::Complete
            } else if finish
                .follow_up
                .as_ref()
                .is_some_and(|f| f.kind == "more_images")
            {
                domain::imaging::Completeness::ToBeRecalled
            } else {
                domain::imaging::Completeness::PartialMammography
            };
            outbox::record(
                tx,
                scope,
                actor,
                DomainEvent::ScreenCompleted(ScreenCompleted {
                    provider_id: scope.provider_id,
                    appointment_id: id,
                    episode_id: parse_id(&episode_id)?,
                    participant_id: parse_id(&participant_id)?,
                    status: to,
                    completeness,
                }),
            )
            .await?;
        }
        if let Some(f) = &finish.follow_up {
            insert_follow_up(
                tx,
                scope,
                actor,
                NewFollowUpRow {
                    participant_id: parse_id(&participant_id)?,
                    episode_id: parse_id(&episode_id)?,
                    appointment_id: id,
                    kind: f.kind,
                    timescale: &f.timescale,
                    note: &f.note,
                    details: "",
                    reading_case_id: None,
                    views: &f.views,
                },
            )
            .await?;
        }
        // Carry the confirmed medical information forward to the next episode.
        let medical = sqlx::query_scalar::<_, String>("SELECT data FROM appointment_sections WHERE provider_id = $1 AND appointment_id = $2 AND section = $3")
            .bind(sql::id(scope.provider_id))
            .bind(sql::id(id))
            .bind(SectionKind::Medical.as_str())
            .fetch_optional(&mut **tx)
            .await?;
        if let Some(data) = medical {
            let done = sqlx::query(
                "UPDATE participant_medical SET data = $1, recorded_appointment_id = $2, recorded_on = $3 WHERE participant_id = $4 AND provider_id = $5",
            )
            .bind(&data)
            .bind(sql::id(id))
            .bind(&clinic_date)
            .bind(&participant_id)
            .bind(sql::id(scope.provider_id))
            .execute(&mut **tx)
            .await?;
            if done.rows_affected() == 0 {
                sqlx::query(
                    "INSERT INTO participant_medical (participant_id, provider_id, data, recorded_appointment_id, recorded_on) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(&participant_id)
                .bind(sql::id(scope.provider_id))
                .bind(&data)
                .bind(sql::id(id))
                .bind(&clinic_date)
                .execute(&mut **tx)
                .await?;
            }
        }
        write.commit().await?;
Ok(to)
})
.await
    }
}
