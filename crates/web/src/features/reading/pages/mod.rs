//! Image reading pages: the reader dashboard, sessions, the case view with its opinion
//! pages ("What is your opinion of these images?" to "Confirm your opinion"), skip, defer
//! and priors, arbitration, and the office's lists (deferred cases, priors, outcomes to act
//! on), performance data and the provider's reading settings.
//!
//! Handlers parse the path and the form, call a use case of `super::app` (which asks the
//! store, which asks `domain::reading`), and render.

use super::app::{self, context_of};
use crate::application::Failure;
use crate::auth::Staff;
use crate::error::{AppError, PageResult};
use crate::features::workflow::app::{images_record, imaging_context, information};
use crate::http::extract::{PageForm, PageId, PageIds};
use crate::pages::{errors_of, find, render, with_status};
use crate::present::{Layout, long_date, nhs_number};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{FromRequestParts, Query, RawPathParams, State};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use domain::Permission;
use domain::ids::CaseId;
use domain::imaging::{Breast, View, derive};
use domain::reading::{
    AbnormalityType, Annotation, ArbitrationDecision, ArbitrationPolicy, AssessmentCategory,
    BreastAssessment, DueStatus, LevelOfConcern, Location, OPINION_QUESTION, Opinion, OpinionKind,
    Period, PriorsStatus, ReadingState, RecalledView, SessionKind, TechnicalRecallReason,
};
use serde::Deserialize;
use store::{CaseDetail, ReadingSettings, Workflow};
use uuid::Uuid;

mod case;
mod confirm;
mod header;
mod holds;
mod office;
mod opinion;
mod session;

use case::*;
use confirm::*;
use header::case_header;
use holds::*;
use office::*;
use opinion::*;
use session::*;

/// Every `/reading...` page (behind the session and CSRF layers).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/reading", get(dashboard))
        .route("/reading/sessions", post(start_session))
        .route("/reading/sessions/{sid}", get(session))
        .route("/reading/sessions/{sid}/next", get(next_page).post(next))
        .route("/reading/sessions/{sid}/finish", post(finish_session))
        .route("/reading/sessions/{sid}/finalise", post(finalise))
        .route("/reading/sessions/{sid}/cases/{cid}", get(case))
        .route(
            "/reading/sessions/{sid}/cases/{cid}/opinion",
            post(choose_read),
        )
        .route(
            "/reading/sessions/{sid}/cases/{cid}/arbitration",
            get(arbitration_question).post(choose_arbitration),
        )
        .route(
            "/reading/sessions/{sid}/cases/{cid}/arbitrate",
            post(arbitrate),
        )
        .route("/reading/sessions/{sid}/cases/{cid}/skip", post(skip))
        .route(
            "/reading/sessions/{sid}/cases/{cid}/defer",
            get(defer_form).post(defer_save),
        )
        .route(
            "/reading/sessions/{sid}/cases/{cid}/priors",
            get(priors_form).post(priors_save),
        )
        .route(
            "/reading/sessions/{sid}/cases/{cid}/{purpose}/details",
            get(details_form).post(details_save),
        )
        .route(
            "/reading/sessions/{sid}/cases/{cid}/{purpose}/technical-recall",
            get(technical_form).post(technical_save),
        )
        .route(
            "/reading/sessions/{sid}/cases/{cid}/{purpose}/assessment",
            get(assessment_form).post(assessment_save),
        )
        .route(
            "/reading/sessions/{sid}/cases/{cid}/{purpose}/annotations/{breast}",
            get(annotation_form).post(annotation_save),
        )
        .route(
            "/reading/sessions/{sid}/cases/{cid}/{purpose}/annotations/{breast}/remove",
            post(annotation_remove),
        )
        .route(
            "/reading/sessions/{sid}/cases/{cid}/{purpose}/confirm",
            get(confirm_form).post(confirm),
        )
        .route("/reading/holds", get(holds))
        .route("/reading/cases/{cid}/unflag", post(unflag))
        .route("/reading/cases/{cid}/priors", post(priors_status))
        .route("/reading/outcomes", get(outcomes))
        .route("/reading/overdue", get(overdue))
        .route("/reading/performance", get(performance))
        .route("/reading/settings", get(settings_form).post(settings_save))
}

// ---------------------------------------------------------------------------------------
// Presenters
// ---------------------------------------------------------------------------------------

/// A radio or checkbox option.
pub struct Option_ {
    pub value: String,
    pub label: String,
    pub checked: bool,
    pub hint: String,
}

fn options<T: Copy + PartialEq>(
    all: &[T],
    value: impl Fn(T) -> &'static str,
    label: impl Fn(T) -> &'static str,
    selected: &[T],
) -> Vec<Option_> {
    all.iter()
        .map(|&v| Option_ {
            value: value(v).to_owned(),
            label: label(v).to_owned(),
            checked: selected.contains(&v),
            hint: String::new(),
        })
        .collect()
}

/// The summary of the case shown above every reading page.
pub struct CaseHeader {
    pub name: String,
    pub nhs_number: String,
    pub date_of_birth: String,
    pub age: String,
    pub screened_on: String,
    pub state: String,
    pub due: Option<(String, String)>,
    pub significant_symptoms: Vec<String>,
    /// The mammographer's image notes: (label, value, tag).
    pub image_notes: Vec<(String, String, String)>,
    pub images_message: String,
    pub medical: Vec<(String, String)>,
    pub previous_episodes: Vec<(String, String, String)>,
    /// The other cases of this episode: (case page, screened on, outcome).
    pub episode_cases: Vec<(String, String, String)>,
    pub reported_mammograms: Vec<String>,
    pub holds: Vec<String>,
    /// Thumbnails from the gateway, right breast first.
    pub thumbnails: Vec<(String, Vec<Thumbnail>)>,
    /// The warning when an image's PatientID is not the participant's NHS number.
    pub patient_id_warning: Option<String>,
}

/// One thumbnail: (url, view, width, height).
pub type Thumbnail = (String, String, i64, i64);

/// A read as a summary card shows it.
pub struct ReadCard {
    pub heading: String,
    pub reader: String,
    pub rows: Vec<(String, String)>,
    pub status: String,
}

fn view_label(view: View) -> String {
    view.label().to_owned()
}

/// The opinion as summary rows: ("Opinion", "Recall for assessment"), ("Right breast", ...).
pub fn opinion_rows(opinion: &Opinion) -> Vec<(String, String)> {
    let mut rows = vec![("Opinion".to_owned(), opinion.label().to_owned())];
    match opinion {
        Opinion::Normal {
            symptoms_acknowledged,
        } => {
            if *symptoms_acknowledged {
                rows.push((
                    "Symptoms".to_owned(),
                    "Considered the symptoms the participant reported".to_owned(),
                ));
            }
        }
        Opinion::NormalWithDetails {
            details,
            symptoms_acknowledged,
        } => {
            rows.push(("Details".to_owned(), details.clone()));
            if *symptoms_acknowledged {
                rows.push((
                    "Symptoms".to_owned(),
                    "Considered the symptoms the participant reported".to_owned(),
                ));
            }
        }
        Opinion::TechnicalRecall { views } => {
            for v in views {
                let reason = if v.details.trim().is_empty() {
                    v.reason.label().to_owned()
                } else {
                    format!("{}: {}", v.reason.label(), v.details.trim())
                };
                rows.push((format!("Retake {}", view_label(v.view)), reason));
            }
        }
        Opinion::RecallForAssessment { right, left } => {
            for (breast, a) in [(Breast::Right, right), (Breast::Left, left)] {
                rows.push((format!("{} breast", breast.label()), a.label().to_owned()));
                if let BreastAssessment::Abnormal { annotations } = a {
                    for (i, an) in annotations.iter().enumerate() {
                        rows.push((
                            format!("{} breast abnormality {}", breast.label(), i + 1),
                            annotation_text(an),
                        ));
                    }
                }
            }
        }
    }
    rows
}

fn annotation_text(a: &Annotation) -> String {
    let location = match &a.location {
        Location::Text { text } => text.clone(),
        Location::Mark { view, x, y } => format!(
            "marked on {} at {:.0}% across, {:.0}% down",
            view.label(),
            x * 100.0,
            y * 100.0
        ),
    };
    let what = if a.abnormality == AbnormalityType::Other {
        format!("Other: {}", a.abnormality_description.trim())
    } else {
        a.abnormality.label().to_owned()
    };
    let mut text = format!("{what}, {location}, {}", a.concern.label());
    if !a.comment.trim().is_empty() {
        text.push_str(&format!(" ({})", a.comment.trim()));
    }
    text
}

fn read_cards(detail: &CaseDetail) -> Vec<ReadCard> {
    detail
        .reads
        .iter()
        .map(|r| ReadCard {
            heading: r.slot.label().to_owned(),
            reader: r.reader_name.clone(),
            rows: opinion_rows(&r.opinion),
            status: if r.is_final {
                "Final".to_owned()
            } else {
                "Not yet final".to_owned()
            },
        })
        .collect()
}

/// Refuses a signed-in person without the Reader role, saying how to get it.
fn reader(staff: &Staff) -> Result<(), AppError> {
    staff.require(Permission::ReadImages).map_err(|_| {
        AppError::BadRequest(
            "Only image readers can read cases. Ask your administrator for the Reader role."
                .to_owned(),
        )
    })?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Paths
// ---------------------------------------------------------------------------------------

/// Whose opinion the pages are building: the reader's own read, or an arbitration's other
/// outcome.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Purpose {
    Read,
    Arbitration,
}

impl Purpose {
    fn parse(s: &str) -> Option<Self> {
        match s {
            "opinion" => Some(Purpose::Read),
            "arbitration" => Some(Purpose::Arbitration),
            _ => None,
        }
    }
    fn segment(self) -> &'static str {
        match self {
            Purpose::Read => "opinion",
            Purpose::Arbitration => "arbitration",
        }
    }
    fn draft_key(self) -> &'static str {
        match self {
            Purpose::Read => "read",
            Purpose::Arbitration => "arbitration",
        }
    }
}

/// One named parameter of the page's path.
async fn segment<S: Send + Sync>(
    parts: &mut Parts,
    state: &S,
    name: &str,
) -> Result<String, AppError> {
    let params = RawPathParams::from_request_parts(parts, state)
        .await
        .map_err(|_| AppError::NotFound)?;
    params
        .iter()
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_owned())
        .ok_or(AppError::NotFound)
}

/// The `{purpose}` of an opinion page's path ("opinion" or "arbitration"); any other is
/// not found.
struct PurposePath(Purpose);

impl<S: Send + Sync> FromRequestParts<S> for PurposePath {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let purpose = segment(parts, state, "purpose").await?;
        Purpose::parse(&purpose)
            .map(PurposePath)
            .ok_or(AppError::NotFound)
    }
}

/// The `{breast}` of an annotation page's path; anything but "right" or "left" is not
/// found.
struct BreastPath(Breast);

impl<S: Send + Sync> FromRequestParts<S> for BreastPath {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let breast = segment(parts, state, "breast").await?;
        breast
            .parse::<Breast>()
            .map(BreastPath)
            .map_err(|_| AppError::NotFound)
    }
}

// ---------------------------------------------------------------------------------------
// The case being read
// ---------------------------------------------------------------------------------------

/// Everything a case page handler loads.
struct Loaded {
    sid: Uuid,
    cid: CaseId,
    detail: CaseDetail,
    wf: Workflow,
    settings: ReadingSettings,
    /// Images received from the gateway for the appointment (none when recorded manually).
    images: Vec<store::ReceivedImage>,
    base: String,
}

async fn load(state: &AppState, staff: &Staff, sid: Uuid, cid: CaseId) -> Result<Loaded, AppError> {
    let open = app::open_case(&state.store, &staff.caller(), sid, cid).await?;
    Ok(Loaded {
        base: format!("/reading/sessions/{sid}/cases/{cid}"),
        sid,
        cid,
        settings: open.detail.settings,
        detail: open.detail,
        wf: open.wf,
        images: open.images,
    })
}

/// Refuses to show opinion pages to a reader who cannot give (or change) a read.
fn require_can_read(l: &Loaded, purpose: Purpose) -> Result<(), AppError> {
    match purpose {
        Purpose::Read => {
            if l.detail.can_change {
                return Ok(());
            }
            if l.detail.case.held.is_some() {
                return Err(AppError::BadRequest(
                    "This case is held back from reading (deferred or awaiting priors)".to_owned(),
                ));
            }
            l.detail
                .can_read
                .as_ref()
                .map(|_| ())
                .map_err(|why| AppError::BadRequest(why.clone()))
        }
        Purpose::Arbitration => {
            if l.detail.case.state == ReadingState::AwaitingArbitration {
                Ok(())
            } else {
                Err(AppError::BadRequest(
                    "This case is not awaiting arbitration".to_owned(),
                ))
            }
        }
    }
}

/// Loads the case and refuses unless the reader may give this opinion.
async fn load_for(
    state: &AppState,
    staff: &Staff,
    (sid, cid): (Uuid, CaseId),
    purpose: Purpose,
) -> Result<Loaded, AppError> {
    let l = load(state, staff, sid, cid).await?;
    require_can_read(&l, purpose)?;
    Ok(l)
}

async fn draft_of(
    state: &AppState,
    staff: &Staff,
    l: &Loaded,
    purpose: Purpose,
) -> Result<Opinion, AppError> {
    state
        .store
        .opinion_draft(staff.scope(), staff.0.user_id, l.cid, purpose.draft_key())
        .await?
        .ok_or_else(|| AppError::Detour(format!("{}/{}", l.base, question_path(purpose))))
}

/// Keeps the opinion being built until it is confirmed.
async fn save_draft(
    state: &AppState,
    staff: &Staff,
    l: &Loaded,
    purpose: Purpose,
    opinion: &Opinion,
) -> Result<(), AppError> {
    app::save_draft(
        &state.store,
        &staff.caller(),
        l.cid,
        purpose.draft_key(),
        opinion,
    )
    .await?;
    Ok(())
}

fn question_path(purpose: Purpose) -> &'static str {
    match purpose {
        // The case page itself asks the question for a read.
        Purpose::Read => "",
        Purpose::Arbitration => "arbitration",
    }
}

/// `self.error("field")` in templates: the message for one field, if it has one.
macro_rules! field_errors {
    ($($page:ty),+) => {$(
        impl $page {
            fn error(&self, field: &str) -> Option<String> {
                find(&self.errors, field)
            }
        }
    )+};
}
field_errors!(
    DetailsPage,
    AnnotationPage,
    ReasonPage,
    SettingsPage,
    ConfirmPage
);
