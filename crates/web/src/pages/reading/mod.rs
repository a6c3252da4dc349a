//! Image reading pages: the reader dashboard, sessions, the case view with its opinion
//! pages ("What is your opinion of these images?" to "Confirm your opinion"), skip, defer
//! and priors, arbitration, and the office's lists (deferred cases, priors, outcomes to act
//! on), performance data and the provider's reading settings.
//!
//! Handlers parse the form, call the store (which asks `domain::reading`), and render.

use super::{FormPairs, errors_of, find, parse_id, render, with_status};
use crate::auth::Staff;
use crate::error::{AppError, PageResult};
use crate::features::reading::app::{OUTCOME_KINDS, context_of};
use crate::features::workflow::app as medical;
use crate::features::workflow::app::images_record;
use crate::present::{Layout, long_date, nhs_number};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use domain::Permission;
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
mod holds;
mod office;
mod opinion;
mod session;

pub use case::*;
pub use confirm::*;
pub use holds::*;
pub use office::*;
pub use opinion::*;
pub use session::*;

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

fn due_tag(status: DueStatus) -> Option<(String, String)> {
    match status {
        DueStatus::OnTime => None,
        DueStatus::DueSoon => Some((status.label().to_owned(), "nhsuk-tag--yellow".to_owned())),
        DueStatus::Urgent => Some((status.label().to_owned(), "nhsuk-tag--orange".to_owned())),
        DueStatus::Overdue => Some((status.label().to_owned(), "nhsuk-tag--red".to_owned())),
    }
}

fn age_on(dob: time::Date, on: time::Date) -> i32 {
    let mut age = on.year() - dob.year();
    if (on.month() as u8, on.day()) < (dob.month() as u8, dob.day()) {
        age -= 1;
    }
    age
}

fn case_header(l: &Loaded, today: time::Date) -> CaseHeader {
    let (detail, wf, settings) = (&l.detail, &l.wf, &l.settings);
    let p = &wf.appointment.participant;
    let case = &detail.case;
    let info = medical::information(wf).unwrap_or_default();
    let mut image_notes = Vec::new();
    let mut images_message = String::new();
    if let Some(record) = images_record(wf) {
        let derivation = derive(&record, &medical::imaging_context(wf));
        image_notes.push((
            "Views taken".to_owned(),
            derivation.summary_lines().join(", "),
            String::new(),
        ));
        image_notes.push((
            "Image quality".to_owned(),
            derivation.image_quality().label().to_owned(),
            String::new(),
        ));
        if let Some(not_all) = &record.not_all_taken {
            image_notes.push((
                "Not all mammograms taken".to_owned(),
                not_all.reasons_text(),
                derivation
                    .completeness
                    .summary_tag()
                    .unwrap_or_default()
                    .to_owned(),
            ));
        }
        if derivation.total_repeats > 0 || derivation.total_extras > 0 {
            image_notes.push((
                "Repeats and extra images".to_owned(),
                format!(
                    "{} repeat{}, {} extra image{}",
                    derivation.total_repeats,
                    if derivation.total_repeats == 1 {
                        ""
                    } else {
                        "s"
                    },
                    derivation.total_extras,
                    if derivation.total_extras == 1 {
                        ""
                    } else {
                        "s"
                    }
                ),
                String::new(),
            ));
        }
        if !record.notes_for_reader.trim().is_empty() {
            image_notes.push((
                "Notes for reader".to_owned(),
                record.notes_for_reader.trim().to_owned(),
                String::new(),
            ));
        }
        images_message = "The images were recorded manually: no thumbnails are available here. Open the study on the PACS workstation.".to_owned();
    }
    let mut thumbnails: Vec<(String, Vec<Thumbnail>)> = Vec::new();
    for (breast, prefix) in [("Right breast", 'R'), ("Left breast", 'L')] {
        let shown: Vec<_> = l
            .images
            .iter()
            .filter(|i| i.has_thumbnail && i.view.starts_with(prefix))
            .map(|i| {
                (
                    format!("/received-images/{}/thumbnail", i.id),
                    i.view.clone(),
                    i.thumbnail_width.unwrap_or(200),
                    i.thumbnail_height.unwrap_or(250),
                )
            })
            .collect();
        if !shown.is_empty() {
            thumbnails.push((breast.to_owned(), shown));
        }
    }
    if !l.images.is_empty() {
        images_message = format!(
            "{} image{} received from the x-ray machine. Open the study on the PACS workstation to read at full resolution.",
            l.images.len(),
            if l.images.len() == 1 { "" } else { "s" }
        );
    }
    let mut medical_rows = Vec::new();
    for s in &info.symptoms {
        medical_rows.push(("Symptom".to_owned(), s.item.summary()));
    }
    for h in &info.history {
        medical_rows.push(("Medical history".to_owned(), h.item.summary()));
    }
    for f in &info.features {
        medical_rows.push(("Breast feature".to_owned(), f.item.summary()));
    }
    let reported_mammograms = info.mammograms.iter().map(|m| m.item.summary()).collect();
    CaseHeader {
        name: p.full_name(),
        nhs_number: nhs_number(&p.nhs_number),
        date_of_birth: long_date(p.date_of_birth),
        age: format!("{} years old", age_on(p.date_of_birth, case.screened_on)),
        screened_on: long_date(case.screened_on),
        state: case.state.label().to_owned(),
        due: if case.state == ReadingState::Concluded {
            None
        } else {
            due_tag(settings.window().status(case.screened_on, today))
        },
        significant_symptoms: info
            .significant_symptoms()
            .iter()
            .map(|s| s.summary())
            .collect(),
        image_notes,
        images_message,
        medical: medical_rows,
        episode_cases: detail
            .episode_cases
            .iter()
            .map(|c| {
                (
                    format!("/reading/cases/{}", c.id),
                    long_date(c.screened_on),
                    c.outcome
                        .clone()
                        .unwrap_or_else(|| "Not concluded".to_owned()),
                )
            })
            .collect(),
        previous_episodes: detail
            .previous_episodes
            .iter()
            .map(|e| {
                (
                    long_date(e.opened_on),
                    e.episode_type.label().to_owned(),
                    e.outcome.clone().unwrap_or_else(|| "No result".to_owned()),
                )
            })
            .collect(),
        reported_mammograms,
        thumbnails,
        patient_id_warning: crate::pages::gateways::patient_id_warning(&l.images, p),
        holds: detail
            .holds
            .iter()
            .map(|h| {
                let what = if h.kind == "deferred" {
                    "Deferred"
                } else {
                    "Prior mammograms requested"
                };
                let mut line = format!("{what} by {}", h.requested_by_name);
                if !h.reason.is_empty() {
                    line.push_str(&format!(": {}", h.reason));
                }
                if let Some(how) = &h.released_how {
                    let how = how
                        .parse::<PriorsStatus>()
                        .map(|s| s.label().to_owned())
                        .unwrap_or_else(|_| how.replace('_', " "));
                    line.push_str(&format!(" ({how})"));
                }
                line
            })
            .collect(),
    }
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

fn reader(staff: &Staff) -> Result<(), AppError> {
    staff.require(Permission::ReadImages).map_err(|_| {
        AppError::BadRequest(
            "Only image readers can read cases. Ask your administrator for the Reader role."
                .to_owned(),
        )
    })?;
    Ok(())
}

fn forbidden_unless_reader(staff: &Staff) -> Result<(), AppError> {
    staff.require(Permission::ReadImages)
}

// ---------------------------------------------------------------------------------------
// Dashboard and sessions
// ---------------------------------------------------------------------------------------

/// Whose opinion the pages are building: the reader's own read, or an arbitration's other
/// outcome.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Purpose {
    Read,
    Arbitration,
}

impl Purpose {
    fn parse(s: &str) -> Result<Self, AppError> {
        match s {
            "opinion" => Ok(Purpose::Read),
            "arbitration" => Ok(Purpose::Arbitration),
            _ => Err(AppError::NotFound),
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

/// Everything a case page handler loads.
struct Loaded {
    sid: Uuid,
    cid: Uuid,
    detail: CaseDetail,
    wf: Workflow,
    settings: ReadingSettings,
    /// Images received from the gateway for the appointment (none when recorded manually).
    images: Vec<store::ReceivedImage>,
    base: String,
}

async fn load(state: &AppState, staff: &Staff, sid: &str, cid: &str) -> Result<Loaded, AppError> {
    forbidden_unless_reader(staff)?;
    let sid = parse_id(sid)?;
    let cid = parse_id(cid)?;
    let scope = staff.scope();
    // The session must be this reader's; the case and its appointment load beside it.
    let (_, detail) = tokio::try_join!(
        state.store.session_header(scope, staff.0.user_id, sid),
        state.store.case_detail(scope, staff.0.user_id, cid),
    )?;
    let actor = staff.actor();
    let settings = detail.settings;
    let (wf, images, ()) = tokio::try_join!(
        state.store.workflow(scope, detail.case.appointment_id),
        state
            .store
            .appointment_images(scope, detail.case.appointment_id),
        state.store.record_view(
            &actor,
            "reading_case",
            cid,
            Some(detail.case.participant_id)
        ),
    )?;
    Ok(Loaded {
        images,
        base: format!("/reading/sessions/{sid}/cases/{cid}"),
        sid,
        cid,
        detail,
        wf,
        settings,
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

fn question_path(purpose: Purpose) -> &'static str {
    match purpose {
        // The case page itself asks the question for a read.
        Purpose::Read => "",
        Purpose::Arbitration => "arbitration",
    }
}

// --- Normal, but add details -----------------------------------------------------------

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
