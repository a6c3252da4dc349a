//! API for running a screening appointment: the same calls the workflow pages make.

mod endings;
mod received;

pub use endings::{CancelRequest, CannotProceedRequest, Ended};
pub use received::{CaptureCounts, CaptureView, ConfirmRequest, Confirmed, ManualModeRequest};

use super::app::{self, Step, step_unlocked};
use crate::api::{ApiCaller, ApiJson, Problem, ProblemField};
use crate::http::extract::IdPath;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use domain::Permission;
use domain::ids::AppointmentId;
use serde::{Deserialize, Serialize};
use store::{Note, Workflow};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

type ApiResult<T> = Result<T, Problem>;

/// The new version after a save: send it with the next change.
#[derive(Serialize, ToSchema)]
pub struct Saved {
    pub version: i64,
}

/// Everything recorded so far in an appointment's workflow.
#[utoipa::path(get, path = "/appointments/{id}/workflow", params(("id" = Uuid, Path)), responses(
    (status = 200, body = Workflow),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
pub async fn get_workflow(
    State(state): State<AppState>,
    caller: ApiCaller,
    IdPath(id): IdPath<AppointmentId>,
) -> ApiResult<Json<Workflow>> {
    caller.require(Permission::ViewRecords)?;
    let wf = state.store.workflow(caller.scope(), id).await?;
    state
        .store
        .record_view(
            &caller.actor(),
            "appointment",
            wf.appointment.id,
            Some(wf.appointment.participant.id),
        )
        .await?;
    Ok(Json(wf))
}

#[derive(Deserialize, ToSchema)]
pub struct VersionedRequest {
    /// The appointment version you last saw.
    pub expected_version: i64,
}

/// Step 1: confirm the participant's identity.
#[utoipa::path(post, path = "/appointments/{id}/identity", params(("id" = Uuid, Path)), request_body = VersionedRequest, responses(
    (status = 200, body = Saved),
    (status = 409, body = Problem, content_type = "application/problem+json"),
))]
pub async fn confirm_identity(
    State(state): State<AppState>,
    caller: ApiCaller,
    IdPath(id): IdPath<AppointmentId>,
    ApiJson(req): ApiJson<VersionedRequest>,
) -> ApiResult<Json<Saved>> {
    caller.require(Permission::RunAppointment)?;
    let version = app::confirm_identity(
        &state.store,
        &caller.caller(),
        app::ConfirmIdentity {
            appointment_id: id,
            expected_version: req.expected_version,
        },
    )
    .await?;
    Ok(Json(Saved { version }))
}

#[derive(Deserialize, ToSchema)]
pub struct NoteRequest {
    pub note: String,
}

/// Add an appointment note.
#[utoipa::path(post, path = "/appointments/{id}/notes", params(("id" = Uuid, Path)), request_body = NoteRequest, responses(
    (status = 201, body = Note),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
pub async fn add_note(
    State(state): State<AppState>,
    caller: ApiCaller,
    IdPath(id): IdPath<AppointmentId>,
    ApiJson(req): ApiJson<NoteRequest>,
) -> ApiResult<(axum::http::StatusCode, Json<Note>)> {
    caller.require(Permission::CheckIn)?;
    let note = state
        .store
        .add_note(caller.scope(), &caller.actor(), id, &req.note)
        .await?;
    Ok((axum::http::StatusCode::CREATED, Json(note)))
}

#[derive(Deserialize, ToSchema)]
pub struct RoomRequest {
    pub room_id: Uuid,
    pub expected_version: i64,
}

/// Set the room (and machine) the images are taken in; remembered for next time.
#[utoipa::path(put, path = "/appointments/{id}/room", params(("id" = Uuid, Path)), request_body = RoomRequest, responses(
    (status = 200, body = Saved),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
pub async fn set_room(
    State(state): State<AppState>,
    caller: ApiCaller,
    IdPath(id): IdPath<AppointmentId>,
    ApiJson(req): ApiJson<RoomRequest>,
) -> ApiResult<Json<Saved>> {
    caller.require(Permission::RunAppointment)?;
    let version = app::set_room(
        &state.store,
        &caller.caller(),
        app::SetRoom {
            appointment_id: id,
            room_id: req.room_id,
            expected_version: req.expected_version,
        },
    )
    .await?;
    Ok(Json(Saved { version }))
}

// ---------------------------------------------------------------------------------------
// Step 3: the images record
// ---------------------------------------------------------------------------------------

use super::app::images;
use domain::imaging::{ImagesRecord, ImagingError, View, ViewCounts};

#[derive(Deserialize, ToSchema)]
pub struct ImagesRequest {
    /// The images record, as the workflow returns it in `sections.images.data.record`:
    /// `standard_set` ("yes", "no" or "no_images"); `counts` (view to number of images,
    /// 0 to 9: "rcc", "rmlo", "lcc", "lmlo", "rccid", "rmloid", "lccid", "lmloid");
    /// `repeats` (view to `{answer: {choice, repeats}, reasons, other_reason_details}`);
    /// `imperfect_but_best_possible`; `not_all_taken` (`{reasons, details, recall:
    /// {decision: "recall", timescale, scheduling_note} or {decision: "no_recall"},
    /// partial_confirmed}`: `partial_confirmed` must be true to record partial
    /// mammography ("no_recall") for "technical_issues" or "unable_to_scan_tissue", which
    /// the guidance says should lead to a recall; otherwise the problem names
    /// "not_all_taken_partial_confirmed"); `notes_for_reader`; `additional_operators`.
    #[schema(value_type = domain::imaging::ImagesRecord)]
    pub record: serde_json::Value,
    /// The appointment version you last saw.
    pub expected_version: i64,
}

/// The saved images record: the new version and what the record means.
#[derive(Serialize, ToSchema)]
pub struct ImagesSaved {
    pub version: i64,
    /// "complete", "to_be_recalled", "partial_mammography" or "no_images".
    pub completeness: String,
    /// The status the appointment ends with: "screened", "partially_screened" or
    /// "attended_not_screened".
    pub final_status: String,
    pub total_images: u16,
}

/// A validation problem naming the record's fields by their form ids ("count-rmlo",
/// "repeats-rmlo-reasons", "not_all_taken", ...).
fn imaging_problem(errors: Vec<ImagingError>) -> Problem {
    let mut problem = Problem::invalid(Vec::new());
    problem.detail = Some(
        errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect::<Vec<_>>()
            .join("; "),
    );
    problem.errors = errors
        .into_iter()
        .map(|e| ProblemField {
            field: e.field_id(),
            message: e.message,
        })
        .collect();
    problem
}

/// Reads the record, reporting each count that is not a whole number from 0 to 9 on its
/// field (the same messages as the pages) rather than as an unreadable body.
fn read_record(value: serde_json::Value) -> ApiResult<ImagesRecord> {
    if let Some(counts) = value.get("counts").and_then(serde_json::Value::as_object) {
        let errors: Vec<ImagingError> = counts
            .iter()
            .filter_map(|(key, n)| Some((key.parse::<View>().ok()?, n)))
            .filter_map(|(view, n)| ViewCounts::parse_count(view, &n.to_string()).err())
            .map(ImagingError::from)
            .collect();
        if !errors.is_empty() {
            return Err(imaging_problem(errors));
        }
    }
    serde_json::from_value(value).map_err(|e| {
        let mut problem = imaging_problem(Vec::new());
        problem.detail = Some(format!("The images record could not be read: {e}"));
        problem.errors = vec![ProblemField {
            field: "record".to_owned(),
            message: e.to_string(),
        }];
        problem
    })
}

/// Step 3: record the images taken (the manual flow's answers in one go). Checked with
/// the same rules as the pages; nothing is saved if anything is wrong.
#[utoipa::path(put, path = "/appointments/{id}/images", params(("id" = Uuid, Path)), request_body = ImagesRequest, responses(
    (status = 200, body = ImagesSaved),
    (status = 409, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
pub async fn save_images(
    State(state): State<AppState>,
    caller: ApiCaller,
    IdPath(id): IdPath<AppointmentId>,
    ApiJson(req): ApiJson<ImagesRequest>,
) -> ApiResult<Json<ImagesSaved>> {
    caller.require(Permission::RunAppointment)?;
    let record = read_record(req.record)?;
    let wf = state.store.workflow(caller.scope(), id).await?;
    require_step(&wf, Step::Images)?;
    let context = app::imaging_context(&wf);
    domain::imaging::validate(&record, &context).map_err(imaging_problem)?;
    let (version, derivation) = images::save_record(
        &state.store,
        caller.scope(),
        &caller.actor(),
        &wf,
        &record,
        req.expected_version,
    )
    .await?;
    Ok(Json(ImagesSaved {
        version,
        completeness: derivation.completeness.as_str().to_owned(),
        final_status: derivation.final_status().as_str().to_owned(),
        total_images: derivation.total_images,
    }))
}

// ---------------------------------------------------------------------------------------
// Step 2: medical information
// ---------------------------------------------------------------------------------------

/// The whole medical information document to save.
#[derive(Deserialize, ToSchema)]
pub struct MedicalRequest {
    /// The medical information, as `GET .../medical-information` returns it in `medical`:
    /// `mammograms`, `history`, `symptoms` and `features` are lists of
    /// `{item, recorded_on, confirmed}` (an item added now is recorded today and
    /// confirmed; one carried forward is confirmed, changed or left out); `history` items
    /// have a `type` ("breast_cancer", "implanted_medical_device", "breast_implants",
    /// "mastectomy_or_lumpectomy", "cysts", "benign_lumps", "other_procedures");
    /// `density` (`{hrt_started_since_last_screening, pregnant_or_breastfeeding}`: "yes",
    /// "no" or "not_known"), `other` (text) and `reviewed` (sections marked reviewed:
    /// "mammogram_history", "medical_history", "symptoms", "breast_features",
    /// "breast_density_factors", "other_medical_information").
    #[schema(value_type = domain::medical::MedicalInformation)]
    pub medical: serde_json::Value,
    /// The appointment version you last saw.
    pub expected_version: i64,
}

/// The saved medical information: the new version, and whether the step is done.
#[derive(Serialize, ToSchema)]
pub struct MedicalSaved {
    pub version: i64,
    /// Every section is marked reviewed.
    pub all_reviewed: bool,
}

/// An appointment's medical information as the pages show it.
#[derive(Serialize, ToSchema)]
pub struct MedicalView {
    /// What this appointment saved or, before it saves any, what the participant's previous
    /// appointment saved, carried forward with every item unconfirmed.
    #[schema(value_type = domain::medical::MedicalInformation)]
    pub medical: serde_json::Value,
    pub all_reviewed: bool,
    /// "clear" or "should_not_proceed" (a mammogram in the last 6 months, reported or on the
    /// service's record at any provider, with no reason recorded for continuing; for a
    /// screen on record the reason is `medical.recorded_screen_reason_to_continue`).
    pub six_month_rule: String,
    /// The participant's screens on the service's record in the last 6 months, at any
    /// provider: `{screened_on, provider_name, this_provider}` only.
    #[schema(value_type = Vec<domain::medical::RecordedScreen>)]
    pub recent_screens_on_record: serde_json::Value,
    /// The appointment version, to send back with a save.
    pub version: i64,
}

/// A validation problem naming each field by its place in the request
/// (`medical.mammograms[0].reason_to_continue`).
fn medical_problem(errors: Vec<(String, String)>) -> Problem {
    let mut problem = Problem::invalid(Vec::new());
    problem.detail = Some(
        errors
            .iter()
            .map(|(f, m)| format!("{f}: {m}"))
            .collect::<Vec<_>>()
            .join("; "),
    );
    problem.errors = errors
        .into_iter()
        .map(|(field, message)| ProblemField { field, message })
        .collect();
    problem
}

/// Step 2: the medical information recorded so far (or carried forward).
#[utoipa::path(get, path = "/appointments/{id}/medical-information", params(("id" = Uuid, Path)), responses(
    (status = 200, body = MedicalView),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
pub async fn get_medical(
    State(state): State<AppState>,
    caller: ApiCaller,
    IdPath(id): IdPath<AppointmentId>,
) -> ApiResult<Json<MedicalView>> {
    caller.require(Permission::ViewRecords)?;
    let wf = state.store.workflow(caller.scope(), id).await?;
    let recorded = state
        .store
        .recorded_screens(
            caller.scope(),
            wf.appointment.participant.id,
            wf.appointment.id,
        )
        .await?;
    let info = app::information(&wf);
    state
        .store
        .record_view(
            &caller.actor(),
            "appointment",
            wf.appointment.id,
            Some(wf.appointment.participant.id),
        )
        .await?;
    Ok(Json(MedicalView {
        medical: serde_json::to_value(&info).unwrap_or_default(),
        all_reviewed: info.all_reviewed(),
        six_month_rule: info
            .six_month_rule_with_record(state.today(), &recorded)
            .as_str()
            .to_owned(),
        recent_screens_on_record: serde_json::to_value(domain::medical::recent_recorded_screens(
            &recorded,
            state.today(),
        ))
        .unwrap_or_default(),
        version: wf.appointment.version,
    }))
}

/// Step 2: save the whole medical information. Every item confirmed or recorded now is
/// checked with the same rules as the pages (a mammogram in the last 6 months needs a
/// reason to continue; a section can only be marked reviewed once every item carried
/// forward into it is confirmed, changed or removed); nothing is saved if anything is wrong.
#[utoipa::path(put, path = "/appointments/{id}/medical-information", params(("id" = Uuid, Path)), request_body = MedicalRequest, responses(
    (status = 200, body = MedicalSaved),
    (status = 409, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
pub async fn save_medical(
    State(state): State<AppState>,
    caller: ApiCaller,
    IdPath(id): IdPath<AppointmentId>,
    ApiJson(req): ApiJson<MedicalRequest>,
) -> ApiResult<Json<MedicalSaved>> {
    caller.require(Permission::RunAppointment)?;
    let wf = state.store.workflow(caller.scope(), id).await?;
    require_step(&wf, Step::Medical)?;
    let mut info: domain::medical::MedicalInformation = serde_json::from_value(req.medical)
        .map_err(|e| {
            medical_problem(vec![(
                "medical".to_owned(),
                format!("The medical information could not be read: {e}"),
            )])
        })?;
    info.normalise();
    let recorded = state
        .store
        .recorded_screens(caller.scope(), wf.appointment.participant.id, id)
        .await?;
    info.validate_with_record(state.today(), &recorded)
        .map_err(|errors| {
            medical_problem(
                errors
                    .into_iter()
                    .map(|e| (format!("medical.{}", e.field), e.message.into_owned()))
                    .collect(),
            )
        })?;
    let version = app::save_medical(
        &state.store,
        &caller.caller(),
        app::SaveMedical {
            appointment_id: id,
            info: &info,
            expected_version: req.expected_version,
        },
    )
    .await?;
    Ok(Json(MedicalSaved {
        version,
        all_reviewed: info.all_reviewed(),
    }))
}

/// The API follows the same order as the pages: a step opens once the steps before it are
/// done (identity confirmed, medical information reviewed, images recorded).
pub fn require_step(wf: &Workflow, step: Step) -> Result<(), Problem> {
    if step_unlocked(wf, step) {
        Ok(())
    } else {
        Err(Problem::new(
            axum::http::StatusCode::CONFLICT,
            "steps-incomplete",
            "Earlier steps are not complete",
            Some(format!(
                "Complete the steps before '{}' first: confirm identity, review the medical information, record the images",
                step.label()
            )),
        ))
    }
}

/// The appointment workflow: each route with its OpenAPI entry.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_workflow))
        .routes(routes!(confirm_identity))
        .routes(routes!(add_note))
        .routes(routes!(set_room))
        .routes(routes!(save_images))
        .routes(routes!(get_medical, save_medical))
        .merge(endings::router())
        .merge(received::router())
}
