//! The screening appointment workflow: a separate mode for the mammographer running an
//! appointment, with a side navigation of four steps, each unlocked by the one before.
//! Every answer is saved when its page is submitted (with the version the page was shown
//! at), so a refresh, a crash or a switch of device loses nothing and a stale form never
//! overwrites a newer answer.

pub mod appointments;
pub mod auto_images;
pub mod cancellation;
pub mod check;
pub mod ending;
pub mod identity;
pub mod images;
pub mod medical;
pub mod notes;

use crate::auth::Staff;
use crate::error::{AppError, PageResult};
use crate::http::extract::PageId;
use crate::present::{SpecialView, nhs_number};
use crate::state::AppState;
use axum::Router;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use domain::ids::AppointmentId;
use domain::{AppointmentStatus, Permission};
use store::Workflow;
use uuid::Uuid;

pub use super::app::{Step, current_step, step_done, step_unlocked};

pub struct StepLink {
    pub label: &'static str,
    pub href: String,
    pub current: bool,
    pub done: bool,
    pub locked: bool,
}

/// What every workflow page shows around its step: who, status, steps, notes.
pub struct Frame {
    pub id: String,
    pub name: String,
    pub nhs_number: String,
    pub status: &'static str,
    pub status_class: &'static str,
    pub running_by: String,
    pub version: i64,
    pub steps: Vec<StepLink>,
    pub special: SpecialView,
    pub notes: Vec<(String, String, String)>,
    /// Where a note form returns to.
    pub back: String,
}

impl Frame {
    pub fn new(wf: &Workflow, current: Step) -> Self {
        let a = &wf.appointment;
        let p = &a.participant;
        Frame {
            id: a.id.to_string(),
            name: p.full_name(),
            nhs_number: nhs_number(&p.nhs_number),
            status: a.status.label(),
            status_class: a.status.tag_class(),
            running_by: wf.running_user_name.clone().unwrap_or_default(),
            version: a.version,
            steps: Step::ALL
                .iter()
                .map(|s| StepLink {
                    label: s.label(),
                    href: s.href(a.id),
                    current: *s == current,
                    done: step_done(wf, *s),
                    locked: !step_unlocked(wf, *s),
                })
                .collect(),
            special: SpecialView::of(p),
            notes: wf
                .notes
                .iter()
                .map(|n| {
                    (
                        crate::present::instant(n.created_at),
                        n.author_name.clone(),
                        n.body.clone(),
                    )
                })
                .collect(),
            back: current.href(a.id),
        }
    }
}

/// Parses the `{id}` segment of a path that has more after it, as [`PageId`] does: anything
/// that is not a UUID names no appointment, so it is "Page not found".
fn page_id(segment: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(segment).map_err(|_| AppError::NotFound)
}

/// `{id}/{name}`: the appointment and one more segment (an action, a page of a step).
pub struct IdAnd(pub AppointmentId, pub String);

impl<S: Send + Sync> FromRequestParts<S> for IdAnd {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path((id, name)) = Path::<(String, String)>::from_request_parts(parts, state)
            .await
            .map_err(|_| AppError::NotFound)?;
        Ok(IdAnd(page_id(&id)?.into(), name))
    }
}

/// `{id}/{list}/{key}`: the appointment and two more segments (a list and an item of it).
pub struct IdAndTwo(pub AppointmentId, pub String, pub String);

impl<S: Send + Sync> FromRequestParts<S> for IdAndTwo {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path((id, list, key)) =
            Path::<(String, String, String)>::from_request_parts(parts, state)
                .await
                .map_err(|_| AppError::NotFound)?;
        Ok(IdAndTwo(page_id(&id)?.into(), list, key))
    }
}

/// The appointment version a form was shown at (its hidden `version` field). Missing or
/// unreadable, the form is refused: the page must be reloaded.
pub fn form_version(given: Option<&str>) -> Result<i64, AppError> {
    given.and_then(|v| v.trim().parse().ok()).ok_or_else(|| {
        AppError::BadRequest(
            "The form is missing its version: reload the page and try again.".to_owned(),
        )
    })
}

/// A form that sends only the version it was shown at (a button: complete, confirm).
#[derive(Debug, Default, serde::Deserialize)]
pub struct VersionForm {
    version: Option<String>,
}

impl VersionForm {
    pub fn version(&self) -> Result<i64, AppError> {
        form_version(self.version.as_deref())
    }
}

/// A form whose questions depend on what is being recorded (the medical information's
/// items, the repeats of each view): its version, and every other answer by name, in the
/// order given (a repeated name, such as a group of checkboxes, once per value).
#[derive(Debug, Default, serde::Deserialize)]
pub struct OpenForm {
    version: Option<String>,
    #[serde(flatten)]
    pub answers: Answers,
}

impl OpenForm {
    /// The appointment version the page was shown at.
    pub fn version(&self) -> Result<i64, AppError> {
        form_version(self.version.as_deref())
    }
}

/// Answers by name, in order; a name may repeat.
#[derive(Debug, Default, Clone)]
pub struct Answers(pub Vec<(String, String)>);

impl Answers {
    /// The first value of a field.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a repeated field.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Answers {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Answers;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("form answers")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Answers, A::Error> {
                let mut out = Vec::new();
                while let Some((name, values)) = map.next_entry::<String, Values>()? {
                    out.extend(values.0.into_iter().map(|v| (name.clone(), v)));
                }
                Ok(Answers(out))
            }
        }
        d.deserialize_map(Visit)
    }
}

/// One field's values: one, or several for a repeated name.
struct Values(Vec<String>);

impl<'de> serde::Deserialize<'de> for Values {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Values;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a value or a list of values")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Values, E> {
                Ok(Values(vec![v.to_owned()]))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Values, A::Error> {
                let mut out = Vec::new();
                while let Some(v) = seq.next_element::<String>()? {
                    out.push(v);
                }
                Ok(Values(out))
            }
        }
        d.deserialize_any(Visit)
    }
}

/// Loads the workflow for the person running it. Anyone else, or an appointment not in
/// progress, is sent to the appointment page, which says who is running it.
pub async fn load(
    state: &AppState,
    staff: &Staff,
    id: AppointmentId,
) -> Result<Workflow, AppError> {
    staff.require(Permission::RunAppointment)?;
    let wf = state.store.workflow(staff.scope(), id).await?;
    let mine = wf.running_user_id == Some(staff.0.user_id);
    if wf.appointment.status != AppointmentStatus::InProgress || !mine {
        return Err(AppError::Detour(format!("/appointments/{id}")));
    }
    Ok(wf)
}

/// Loads the workflow for a page of `step`, sending the person to the right place if the
/// step is still locked.
pub async fn load_step(
    state: &AppState,
    staff: &Staff,
    id: AppointmentId,
    step: Step,
) -> Result<Workflow, AppError> {
    let wf = load(state, staff, id).await?;
    if !step_unlocked(&wf, step) {
        return Err(AppError::Detour(current_step(&wf).href(id)));
    }
    Ok(wf)
}

/// `GET /appointments/{id}/workflow`: the step to continue from.
pub async fn resume(
    State(state): State<AppState>,
    staff: Staff,
    PageId(id): PageId<AppointmentId>,
) -> PageResult {
    let wf = load(&state, &staff, id).await?;
    Ok(Redirect::to(&current_step(&wf).href(id)).into_response())
}

/// The appointment page and the workflow's page routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/appointments/{id}", get(appointments::show))
        .route("/appointments/{id}/{action}", post(appointments::act))
        .route(
            "/appointments/{id}/cancel",
            get(cancellation::cancel_form).post(cancellation::cancel),
        )
        .route(
            "/appointments/{id}/attended-not-screened",
            get(cancellation::ans_details_form).post(cancellation::ans_details),
        )
        .route("/appointments/{id}/workflow", get(resume))
        .route(
            "/appointments/{id}/identity",
            get(identity::show).post(identity::confirm),
        )
        .route("/appointments/{id}/notes", post(notes::add))
        .route(
            "/appointments/{id}/check",
            get(check::show).post(check::complete),
        )
        .route(
            "/appointments/{id}/exit",
            get(ending::exit_form).post(ending::exit),
        )
        .route(
            "/appointments/{id}/cannot-proceed",
            get(ending::cannot_proceed_form).post(ending::cannot_proceed),
        )
        .merge(medical_routes())
        .merge(images_routes())
}

/// Step 2's pages: the overview, and a form per item or section.
fn medical_routes() -> Router<AppState> {
    Router::new()
        .route(
            "/appointments/{id}/medical-information",
            get(medical::show).post(medical::act),
        )
        .route(
            "/appointments/{id}/medical-information/{page}",
            get(medical::page_show).post(medical::page_submit),
        )
        .route(
            "/appointments/{id}/medical-information/{list}/{key}",
            get(medical::item_show).post(medical::item_submit),
        )
        .route(
            "/appointments/{id}/medical-information/{list}/new/{kind}",
            get(medical::new_item_show).post(medical::new_item_submit),
        )
}

/// Step 3's pages: the manual flow, and the images received from the gateway.
fn images_routes() -> Router<AppState> {
    Router::new()
        .route(
            "/appointments/{id}/images",
            get(images::show).post(images::choose),
        )
        .route(
            "/appointments/{id}/images/room",
            get(images::room_form).post(images::room_save),
        )
        .route(
            "/appointments/{id}/images/counts",
            get(images::counts_form).post(images::counts_save),
        )
        .route(
            "/appointments/{id}/images/repeats",
            get(images::repeats_form).post(images::repeats_save),
        )
        .route(
            "/appointments/{id}/images/details",
            get(images::details_form).post(images::details_save),
        )
        .route("/appointments/{id}/images/live", get(auto_images::live))
        .route(
            "/appointments/{id}/images/confirm",
            post(auto_images::confirm),
        )
        .route(
            "/appointments/{id}/images/manual",
            post(auto_images::manual),
        )
        .route(
            "/received-images/{id}/thumbnail",
            get(auto_images::thumbnail),
        )
}
