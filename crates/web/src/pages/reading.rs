//! Image reading pages: the reader dashboard, sessions, the case view with its opinion
//! pages ("What is your opinion of these images?" to "Confirm your opinion"), skip, defer
//! and priors, arbitration, and the office's lists (deferred cases, priors, outcomes to act
//! on), performance data and the provider's reading settings.
//!
//! Handlers parse the form, call the store (which asks `domain::reading`), and render.

use super::workflow::images::images_record;
use super::workflow::medical;
use super::{FormPairs, errors_of, find, parse_id, render, with_status};
use crate::auth::Staff;
use crate::error::{AppError, PageResult};
use crate::features::reading::app::{OUTCOME_KINDS, context_of};
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

#[derive(Template)]
#[template(path = "reading/dashboard.html")]
struct DashboardPage {
    layout: Layout,
    is_reader: bool,
    can_configure: bool,
    counts: store::ReadingCounts,
    open_session: Option<String>,
    kinds: Vec<Option_>,
    sizes: Vec<Option_>,
    clinics: Vec<(String, String)>,
    errors: Vec<(String, String)>,
}

async fn dashboard_page(
    state: &AppState,
    staff: &Staff,
    errors: Vec<(String, String)>,
) -> PageResult {
    let scope = staff.scope();
    let me = staff.0.user_id;
    // Independent look-ups, side by side.
    let (counts, open_session, clinics) = tokio::try_join!(
        state.store.reading_counts(scope, me, state.today()),
        state.store.open_session(scope, me),
        state.store.clinics_to_read(scope),
    )?;
    let open_session = open_session.map(|id| id.to_string());
    let clinics = clinics
        .into_iter()
        .map(|(id, date, location, n)| {
            (
                id.to_string(),
                format!(
                    "{} – {location} ({n} case{} to read)",
                    long_date(date),
                    if n == 1 { "" } else { "s" }
                ),
            )
        })
        .collect();
    let page = DashboardPage {
        layout: Layout::new(
            "Image reading",
            Some(staff.0.clone()),
            state.config.demo_mode,
        ),
        is_reader: staff.0.can(Permission::ReadImages),
        can_configure: staff.0.can(Permission::ConfigureProvider),
        counts,
        open_session,
        kinds: options(
            &[
                SessionKind::FirstReads,
                SessionKind::SecondReads,
                SessionKind::Custom,
                SessionKind::Clinic,
                SessionKind::Arbitration,
            ],
            SessionKind::as_str,
            SessionKind::label,
            &[SessionKind::FirstReads],
        ),
        sizes: domain::reading::SESSION_SIZES
            .iter()
            .map(|n| Option_ {
                value: n.to_string(),
                label: format!("{n} cases"),
                checked: *n == 25,
                hint: String::new(),
            })
            .collect(),
        clinics,
        errors,
    };
    let errors = page.errors.clone();
    Ok(with_status(render(page)?, &errors))
}

pub async fn dashboard(State(state): State<AppState>, staff: Staff) -> PageResult {
    staff.require(Permission::ViewRecords)?;
    dashboard_page(&state, &staff, Vec::new()).await
}

pub async fn start_session(
    State(state): State<AppState>,
    staff: Staff,
    form: FormPairs,
) -> PageResult {
    reader(&staff)?;
    let mut errors = Vec::new();
    let kind = form.get("kind").and_then(|k| k.parse::<SessionKind>().ok());
    if kind.is_none() {
        errors.push(("kind".to_owned(), "Select what to read".to_owned()));
    }
    let size = domain::reading::parse_session_size(form.get("size").unwrap_or_default());
    if let Err(e) = &size {
        errors.push((e.field.to_string(), e.message.to_string()));
    }
    let clinic = match form.get("clinic_id").filter(|c| !c.is_empty()) {
        Some(c) => Some(parse_id(c).map_err(|_| AppError::BadRequest("Unknown clinic".into()))?),
        None => None,
    };
    if kind == Some(SessionKind::Clinic) && clinic.is_none() {
        errors.push((
            "clinic_id".to_owned(),
            "Select the clinic to read".to_owned(),
        ));
    }
    let (Some(kind), Ok(size), true) = (kind, size, errors.is_empty()) else {
        return dashboard_page(&state, &staff, errors).await;
    };
    let clinic = if kind == SessionKind::Clinic {
        clinic
    } else {
        None
    };
    let id = state
        .store
        .start_session(staff.scope(), &staff.actor(), kind, clinic, size)
        .await?;
    claim_next(&state, &staff, id).await
}

/// `GET /reading/sessions/{sid}/next`: no side effects; the session page, which offers
/// "Next case" as a button.
pub async fn next_page(Path(sid): Path<String>) -> PageResult {
    let sid = parse_id(&sid)?;
    Ok(Redirect::to(&format!("/reading/sessions/{sid}")).into_response())
}

/// `POST /reading/sessions/{sid}/next`: settles the reads due and claims the next case.
pub async fn next(
    State(state): State<AppState>,
    staff: Staff,
    Path(sid): Path<String>,
) -> PageResult {
    reader(&staff)?;
    claim_next(&state, &staff, parse_id(&sid)?).await
}

/// Claims the session's next case and goes to it (the session page when none is left).
/// Only POST handlers call this: claiming settles reads and takes a case.
async fn claim_next(state: &AppState, staff: &Staff, sid: Uuid) -> PageResult {
    match state
        .store
        .next_case(staff.scope(), &staff.actor(), sid)
        .await?
    {
        Some(case) => {
            Ok(Redirect::to(&format!("/reading/sessions/{sid}/cases/{case}")).into_response())
        }
        None => Ok(Redirect::to(&format!("/reading/sessions/{sid}")).into_response()),
    }
}

#[derive(Template)]
#[template(path = "reading/session.html")]
struct SessionPage {
    layout: Layout,
    id: String,
    title: String,
    done: i64,
    size: i64,
    ended: bool,
    current: Option<String>,
    cases: Vec<store::SessionCase>,
    any_changeable: bool,
    /// Cases still to come in the session.
    remaining: i64,
}

pub async fn session(
    State(state): State<AppState>,
    staff: Staff,
    Path(sid): Path<String>,
) -> PageResult {
    reader(&staff)?;
    let sid = parse_id(&sid)?;
    let s = state
        .store
        .reading_session(staff.scope(), staff.0.user_id, sid)
        .await?;
    let done = s.done();
    let remaining = if s.ended {
        0
    } else {
        (s.size - s.cases.len() as i64).max(0)
    };
    let page = SessionPage {
        layout: Layout::new(
            if s.ended {
                "Session complete"
            } else {
                "Reading session"
            },
            Some(staff.0.clone()),
            state.config.demo_mode,
        ),
        id: sid.to_string(),
        title: s.kind.label().to_owned(),
        done,
        size: s.size,
        ended: s.ended,
        current: s.current().map(|c| c.to_string()),
        any_changeable: s.cases.iter().any(|c| c.changeable),
        cases: s.cases,
        remaining,
    };
    render(page)
}

pub async fn finish_session(
    State(state): State<AppState>,
    staff: Staff,
    Path(sid): Path<String>,
) -> PageResult {
    reader(&staff)?;
    let sid = parse_id(&sid)?;
    state
        .store
        .finish_session(staff.scope(), &staff.actor(), sid)
        .await?;
    Ok(Redirect::to(&format!("/reading/sessions/{sid}")).into_response())
}

pub async fn finalise(
    State(state): State<AppState>,
    staff: Staff,
    Path(sid): Path<String>,
) -> PageResult {
    reader(&staff)?;
    let sid = parse_id(&sid)?;
    state
        .store
        .finalise_reads(staff.scope(), &staff.actor())
        .await?;
    Ok(Redirect::to(&format!("/reading/sessions/{sid}")).into_response())
}

// ---------------------------------------------------------------------------------------
// The case
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

#[derive(Template)]
#[template(path = "reading/case.html")]
struct CasePage {
    layout: Layout,
    base: String,
    sid: String,
    header: CaseHeader,
    reads: Vec<ReadCard>,
    first_read_hidden: bool,
    /// The opinion question (reads), or the arbitration form.
    arbitration: bool,
    slot_label: String,
    question: &'static str,
    kinds: Vec<Option_>,
    readers: Vec<Option_>,
    decisions: Vec<Option_>,
    warning: Option<String>,
    errors: Vec<(String, String)>,
    action: String,
    can_request_priors: bool,
}

async fn case_page(
    state: &AppState,
    staff: &Staff,
    l: &Loaded,
    purpose: Purpose,
    selected: Option<OpinionKind>,
    errors: Vec<(String, String)>,
) -> PageResult {
    let arbitration_form =
        purpose == Purpose::Read && l.detail.case.state == ReadingState::AwaitingArbitration;
    let readers = if arbitration_form {
        state
            .store
            .readers(staff.scope())
            .await?
            .into_iter()
            .filter(|(id, _)| *id != staff.0.user_id)
            .map(|(id, name)| Option_ {
                value: id.to_string(),
                label: name,
                checked: false,
                hint: String::new(),
            })
            .collect()
    } else {
        Vec::new()
    };
    let slot_label = match (&l.detail.can_read, purpose) {
        (_, Purpose::Arbitration) => "Arbitration".to_owned(),
        (Ok(slot), _) => slot.label().to_owned(),
        (Err(_), _) if l.detail.can_change => "Change your opinion".to_owned(),
        (Err(_), _) => String::new(),
    };
    let page = CasePage {
        layout: Layout::new(
            format!("Read case: {}", l.wf.appointment.participant.full_name()),
            Some(staff.0.clone()),
            state.config.demo_mode,
        ),
        base: l.base.clone(),
        sid: l.sid.to_string(),
        header: case_header(l, state.today()),
        reads: read_cards(&l.detail),
        first_read_hidden: l.detail.first_read_hidden,
        arbitration: arbitration_form,
        slot_label,
        question: OPINION_QUESTION,
        kinds: OpinionKind::ALL
            .iter()
            .enumerate()
            .map(|(i, k)| Option_ {
                value: k.as_str().to_owned(),
                label: k.label().to_owned(),
                checked: selected == Some(*k),
                hint: format!("Shortcut: {}", i + 1),
            })
            .collect(),
        readers,
        decisions: vec![
            Option_ {
                value: "agree_with_first".into(),
                label: "Agree with the 1st read".into(),
                checked: false,
                hint: String::new(),
            },
            Option_ {
                value: "agree_with_second".into(),
                label: "Agree with the 2nd read".into(),
                checked: false,
                hint: String::new(),
            },
            Option_ {
                value: "other".into(),
                label: "Give another outcome".into(),
                checked: false,
                hint: String::new(),
            },
        ],
        warning: if arbitration_form || purpose == Purpose::Arbitration {
            l.detail.arbitrator_warning.clone()
        } else {
            None
        },
        action: format!("{}/{}", l.base, purpose.segment()),
        can_request_priors: l.detail.case.priors_status.can_request(),
        errors,
    };
    let errors = page.errors.clone();
    Ok(with_status(render(page)?, &errors))
}

pub async fn case(
    State(state): State<AppState>,
    staff: Staff,
    Path((sid, cid)): Path<(String, String)>,
) -> PageResult {
    question_page(state, staff, sid, cid, Purpose::Read).await
}

/// GET of `{base}/arbitration`: the opinion question for an arbitration's other outcome.
pub async fn arbitration_question(
    State(state): State<AppState>,
    staff: Staff,
    Path((sid, cid)): Path<(String, String)>,
) -> PageResult {
    question_page(state, staff, sid, cid, Purpose::Arbitration).await
}

/// The case with the opinion question (or, for a read of a case awaiting arbitration, the
/// arbitration form), keeping any answer already chosen.
async fn question_page(
    state: AppState,
    staff: Staff,
    sid: String,
    cid: String,
    purpose: Purpose,
) -> PageResult {
    let l = load(&state, &staff, &sid, &cid).await?;
    if purpose == Purpose::Arbitration || l.detail.case.state != ReadingState::AwaitingArbitration {
        require_can_read(&l, purpose)?;
    }
    let draft = state
        .store
        .opinion_draft(staff.scope(), staff.0.user_id, l.cid, purpose.draft_key())
        .await?;
    case_page(
        &state,
        &staff,
        &l,
        purpose,
        draft.map(|d| d.kind()),
        Vec::new(),
    )
    .await
}

/// POST of the opinion question: keeps the kind (and anything already given for it) and
/// goes to the page that kind needs.
pub async fn choose_read(
    State(state): State<AppState>,
    staff: Staff,
    Path((sid, cid)): Path<(String, String)>,
    form: FormPairs,
) -> PageResult {
    choose(state, staff, sid, cid, Purpose::Read, form).await
}

pub async fn choose_arbitration(
    State(state): State<AppState>,
    staff: Staff,
    Path((sid, cid)): Path<(String, String)>,
    form: FormPairs,
) -> PageResult {
    choose(state, staff, sid, cid, Purpose::Arbitration, form).await
}

async fn choose(
    state: AppState,
    staff: Staff,
    sid: String,
    cid: String,
    purpose: Purpose,
    form: FormPairs,
) -> PageResult {
    let l = load(&state, &staff, &sid, &cid).await?;
    require_can_read(&l, purpose)?;
    let Some(kind) = form
        .get("opinion")
        .and_then(|k| k.parse::<OpinionKind>().ok())
    else {
        return case_page(
            &state,
            &staff,
            &l,
            purpose,
            None,
            vec![(
                "opinion".to_owned(),
                "Select your opinion of these images".to_owned(),
            )],
        )
        .await;
    };
    let draft = state
        .store
        .opinion_draft(staff.scope(), staff.0.user_id, l.cid, purpose.draft_key())
        .await?;
    let opinion = match (kind, draft) {
        (k, Some(d)) if d.kind() == k => d,
        (OpinionKind::Normal, _) => Opinion::normal(),
        (OpinionKind::NormalWithDetails, _) => Opinion::NormalWithDetails {
            details: String::new(),
            symptoms_acknowledged: false,
        },
        (OpinionKind::TechnicalRecall, _) => Opinion::TechnicalRecall { views: Vec::new() },
        (OpinionKind::RecallForAssessment, _) => Opinion::RecallForAssessment {
            right: BreastAssessment::Normal,
            left: BreastAssessment::Normal,
        },
    };
    state
        .store
        .save_opinion_draft(
            staff.scope(),
            &staff.actor(),
            l.cid,
            purpose.draft_key(),
            &opinion,
        )
        .await?;
    let page = match kind {
        OpinionKind::Normal => "confirm",
        OpinionKind::NormalWithDetails => "details",
        OpinionKind::TechnicalRecall => "technical-recall",
        OpinionKind::RecallForAssessment => "assessment",
    };
    Ok(Redirect::to(&format!("{}/{}/{page}", l.base, purpose.segment())).into_response())
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

#[derive(Template)]
#[template(path = "reading/details.html")]
struct DetailsPage {
    layout: Layout,
    header: CaseHeader,
    action: String,
    back: String,
    details: String,
    symptoms: bool,
    acknowledged: bool,
    errors: Vec<(String, String)>,
}

fn details_page(
    state: &AppState,
    staff: &Staff,
    l: &Loaded,
    purpose: Purpose,
    opinion: &Opinion,
    errors: Vec<(String, String)>,
) -> PageResult {
    let (details, acknowledged) = match opinion {
        Opinion::NormalWithDetails {
            details,
            symptoms_acknowledged,
        } => (details.clone(), *symptoms_acknowledged),
        _ => (String::new(), false),
    };
    let page = DetailsPage {
        layout: Layout::new(
            "Normal, but add details",
            Some(staff.0.clone()),
            state.config.demo_mode,
        ),
        header: case_header(l, state.today()),
        action: format!("{}/{}/details", l.base, purpose.segment()),
        back: format!("{}/{}", l.base, question_path(purpose)),
        details,
        symptoms: context_of(&l.wf).has_significant_symptoms,
        acknowledged,
        errors,
    };
    let errors = page.errors.clone();
    Ok(with_status(render(page)?, &errors))
}

pub async fn details_form(
    State(state): State<AppState>,
    staff: Staff,
    Path((sid, cid, purpose)): Path<(String, String, String)>,
) -> PageResult {
    let purpose = Purpose::parse(&purpose)?;
    let l = load(&state, &staff, &sid, &cid).await?;
    require_can_read(&l, purpose)?;
    let opinion = draft_of(&state, &staff, &l, purpose).await?;
    details_page(&state, &staff, &l, purpose, &opinion, Vec::new())
}

pub async fn details_save(
    State(state): State<AppState>,
    staff: Staff,
    Path((sid, cid, purpose)): Path<(String, String, String)>,
    form: FormPairs,
) -> PageResult {
    let purpose = Purpose::parse(&purpose)?;
    let l = load(&state, &staff, &sid, &cid).await?;
    require_can_read(&l, purpose)?;
    let opinion = Opinion::NormalWithDetails {
        details: form.get("details").unwrap_or_default().trim().to_owned(),
        symptoms_acknowledged: form.get("symptoms_acknowledged") == Some("yes"),
    };
    if let Err(errors) = opinion.validate(&context_of(&l.wf)) {
        return details_page(&state, &staff, &l, purpose, &opinion, errors_of(errors));
    }
    state
        .store
        .save_opinion_draft(
            staff.scope(),
            &staff.actor(),
            l.cid,
            purpose.draft_key(),
            &opinion,
        )
        .await?;
    Ok(Redirect::to(&format!("{}/{}/confirm", l.base, purpose.segment())).into_response())
}

// --- Technical recall ------------------------------------------------------------------

pub struct ViewRow {
    pub value: String,
    pub label: String,
    pub checked: bool,
    pub reasons: Vec<Option_>,
    pub details: String,
    pub reason_error: Option<String>,
    pub details_error: Option<String>,
}

pub struct BreastViews {
    pub heading: String,
    pub views: Vec<ViewRow>,
}

#[derive(Template)]
#[template(path = "reading/technical.html")]
struct TechnicalPage {
    layout: Layout,
    header: CaseHeader,
    action: String,
    back: String,
    breasts: Vec<BreastViews>,
    views_error: Option<String>,
    errors: Vec<(String, String)>,
}

fn technical_page(
    state: &AppState,
    staff: &Staff,
    l: &Loaded,
    purpose: Purpose,
    chosen: &[(View, Option<TechnicalRecallReason>, String)],
    errors: Vec<(String, String)>,
) -> PageResult {
    let breasts = [Breast::Right, Breast::Left]
        .into_iter()
        .map(|breast| BreastViews {
            heading: format!("{} breast", breast.label()),
            views: View::ALL
                .iter()
                .filter(|v| v.breast() == breast)
                .map(|&view| {
                    let given = chosen.iter().find(|(v, _, _)| *v == view);
                    ViewRow {
                        value: view.as_str().to_owned(),
                        label: view.label().to_owned(),
                        checked: given.is_some(),
                        reasons: options(
                            TechnicalRecallReason::ALL,
                            TechnicalRecallReason::as_str,
                            TechnicalRecallReason::label,
                            &given.and_then(|g| g.1).into_iter().collect::<Vec<_>>(),
                        ),
                        details: given.map(|g| g.2.clone()).unwrap_or_default(),
                        reason_error: find(&errors, &format!("{}_reason", view.as_str())),
                        details_error: find(&errors, &format!("{}_details", view.as_str())),
                    }
                })
                .collect(),
        })
        .collect();
    let page = TechnicalPage {
        layout: Layout::new(
            domain::reading::TECHNICAL_RECALL_QUESTION,
            Some(staff.0.clone()),
            state.config.demo_mode,
        ),
        header: case_header(l, state.today()),
        action: format!("{}/{}/technical-recall", l.base, purpose.segment()),
        back: format!("{}/{}", l.base, question_path(purpose)),
        breasts,
        views_error: find(&errors, "views"),
        errors,
    };
    let errors = page.errors.clone();
    Ok(with_status(render(page)?, &errors))
}

pub async fn technical_form(
    State(state): State<AppState>,
    staff: Staff,
    Path((sid, cid, purpose)): Path<(String, String, String)>,
) -> PageResult {
    let purpose = Purpose::parse(&purpose)?;
    let l = load(&state, &staff, &sid, &cid).await?;
    require_can_read(&l, purpose)?;
    let chosen = match draft_of(&state, &staff, &l, purpose).await? {
        Opinion::TechnicalRecall { views } => views
            .into_iter()
            .map(|v| (v.view, Some(v.reason), v.details))
            .collect(),
        _ => Vec::new(),
    };
    technical_page(&state, &staff, &l, purpose, &chosen, Vec::new())
}

pub async fn technical_save(
    State(state): State<AppState>,
    staff: Staff,
    Path((sid, cid, purpose)): Path<(String, String, String)>,
    form: FormPairs,
) -> PageResult {
    let purpose = Purpose::parse(&purpose)?;
    let l = load(&state, &staff, &sid, &cid).await?;
    require_can_read(&l, purpose)?;
    let mut chosen = Vec::new();
    let mut errors = Vec::new();
    for value in form.all("views") {
        let Ok(view) = value.parse::<View>() else {
            continue;
        };
        if chosen.iter().any(|(v, _, _)| *v == view) {
            continue;
        }
        let reason = form
            .get(&format!("{}_reason", view.as_str()))
            .and_then(|r| r.parse::<TechnicalRecallReason>().ok());
        if reason.is_none() {
            errors.push((
                format!("{}_reason", view.as_str()),
                format!("Select the reason for retaking {}", view.label()),
            ));
        }
        let details = form
            .get(&format!("{}_details", view.as_str()))
            .unwrap_or_default()
            .trim()
            .to_owned();
        chosen.push((view, reason, details));
    }
    let opinion = Opinion::TechnicalRecall {
        views: chosen
            .iter()
            .filter_map(|(view, reason, details)| {
                reason.map(|reason| RecalledView {
                    view: *view,
                    reason,
                    details: details.clone(),
                })
            })
            .collect(),
    };
    if let Err(more) = opinion.validate(&context_of(&l.wf)) {
        // "Select which views" only when nothing was ticked at all.
        errors.extend(
            errors_of(more)
                .into_iter()
                .filter(|(f, _)| f != "views" || chosen.is_empty()),
        );
    }
    if !errors.is_empty() {
        return technical_page(&state, &staff, &l, purpose, &chosen, errors);
    }
    state
        .store
        .save_opinion_draft(
            staff.scope(),
            &staff.actor(),
            l.cid,
            purpose.draft_key(),
            &opinion,
        )
        .await?;
    Ok(Redirect::to(&format!("{}/{}/confirm", l.base, purpose.segment())).into_response())
}

// --- Recall for assessment -------------------------------------------------------------

pub struct BreastChoice {
    pub name: String,
    pub heading: String,
    pub options: Vec<Option_>,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "reading/assessment.html")]
struct AssessmentPage {
    layout: Layout,
    header: CaseHeader,
    action: String,
    back: String,
    breasts: Vec<BreastChoice>,
    errors: Vec<(String, String)>,
}

fn assessment_page(
    state: &AppState,
    staff: &Staff,
    l: &Loaded,
    purpose: Purpose,
    right: Option<AssessmentCategory>,
    left: Option<AssessmentCategory>,
    errors: Vec<(String, String)>,
) -> PageResult {
    let breasts = [(Breast::Right, right), (Breast::Left, left)]
        .into_iter()
        .map(|(breast, selected)| BreastChoice {
            name: breast.as_str().to_owned(),
            heading: format!("{} breast", breast.label()),
            options: options(
                AssessmentCategory::ALL,
                AssessmentCategory::as_str,
                AssessmentCategory::label,
                &selected.into_iter().collect::<Vec<_>>(),
            ),
            error: find(&errors, breast.as_str()),
        })
        .collect();
    let page = AssessmentPage {
        layout: Layout::new(
            "Recall for assessment",
            Some(staff.0.clone()),
            state.config.demo_mode,
        ),
        header: case_header(l, state.today()),
        action: format!("{}/{}/assessment", l.base, purpose.segment()),
        back: format!("{}/{}", l.base, question_path(purpose)),
        breasts,
        errors,
    };
    let errors = page.errors.clone();
    Ok(with_status(render(page)?, &errors))
}

fn assessments(opinion: &Opinion) -> (BreastAssessment, BreastAssessment) {
    match opinion {
        Opinion::RecallForAssessment { right, left } => (right.clone(), left.clone()),
        _ => (BreastAssessment::Normal, BreastAssessment::Normal),
    }
}

pub async fn assessment_form(
    State(state): State<AppState>,
    staff: Staff,
    Path((sid, cid, purpose)): Path<(String, String, String)>,
) -> PageResult {
    let purpose = Purpose::parse(&purpose)?;
    let l = load(&state, &staff, &sid, &cid).await?;
    require_can_read(&l, purpose)?;
    let opinion = draft_of(&state, &staff, &l, purpose).await?;
    let (right, left) = assessments(&opinion);
    let fresh = matches!(
        (&right, &left),
        (BreastAssessment::Normal, BreastAssessment::Normal)
    );
    let (r, lft) = if fresh {
        (None, None)
    } else {
        (Some(right.category()), Some(left.category()))
    };
    assessment_page(&state, &staff, &l, purpose, r, lft, Vec::new())
}

fn with_category(current: BreastAssessment, category: AssessmentCategory) -> BreastAssessment {
    match (category, current) {
        (AssessmentCategory::Abnormal, BreastAssessment::Abnormal { annotations }) => {
            BreastAssessment::Abnormal { annotations }
        }
        (AssessmentCategory::Abnormal, _) => BreastAssessment::Abnormal {
            annotations: Vec::new(),
        },
        (AssessmentCategory::Normal, _) => BreastAssessment::Normal,
        (AssessmentCategory::NormalSymptomsNeedAssessment, _) => {
            BreastAssessment::NormalSymptomsNeedAssessment
        }
    }
}

pub async fn assessment_save(
    State(state): State<AppState>,
    staff: Staff,
    Path((sid, cid, purpose)): Path<(String, String, String)>,
    form: FormPairs,
) -> PageResult {
    let purpose = Purpose::parse(&purpose)?;
    let l = load(&state, &staff, &sid, &cid).await?;
    require_can_read(&l, purpose)?;
    let right = form
        .get("right")
        .and_then(|v| v.parse::<AssessmentCategory>().ok());
    let left = form
        .get("left")
        .and_then(|v| v.parse::<AssessmentCategory>().ok());
    let mut errors = Vec::new();
    for (breast, given) in [(Breast::Right, right), (Breast::Left, left)] {
        if given.is_none() {
            errors.push((
                breast.as_str().to_owned(),
                format!("Select your opinion of {}", breast.in_sentence()),
            ));
        }
    }
    let (Some(r), Some(lc)) = (right, left) else {
        return assessment_page(&state, &staff, &l, purpose, right, left, errors);
    };
    let (old_right, old_left) = assessments(&draft_of(&state, &staff, &l, purpose).await?);
    let opinion = Opinion::RecallForAssessment {
        right: with_category(old_right, r),
        left: with_category(old_left, lc),
    };
    // Only the breast-level rules here ("Both breasts cannot be normal"); the annotations
    // come next.
    if let Err(e) = opinion.validate(&context_of(&l.wf)) {
        let breast_level: Vec<_> = errors_of(e)
            .into_iter()
            .filter(|(f, _)| f == "right" || f == "left")
            .collect();
        if !breast_level.is_empty() {
            return assessment_page(&state, &staff, &l, purpose, right, left, breast_level);
        }
    }
    state
        .store
        .save_opinion_draft(
            staff.scope(),
            &staff.actor(),
            l.cid,
            purpose.draft_key(),
            &opinion,
        )
        .await?;
    Ok(Redirect::to(&next_after_assessment(&l.base, purpose, &opinion, None)).into_response())
}

/// The annotation page of the first abnormal breast (after `after`) that has none, else
/// the confirm page.
fn next_after_assessment(
    base: &str,
    purpose: Purpose,
    opinion: &Opinion,
    after: Option<Breast>,
) -> String {
    let (right, left) = assessments(opinion);
    let start = match after {
        None => 0,
        Some(Breast::Right) => 1,
        Some(Breast::Left) => 2,
    };
    for (i, (breast, a)) in [(Breast::Right, right), (Breast::Left, left)]
        .into_iter()
        .enumerate()
    {
        if i < start {
            continue;
        }
        if let BreastAssessment::Abnormal { .. } = a {
            return format!(
                "{base}/{}/annotations/{}",
                purpose.segment(),
                breast.as_str()
            );
        }
    }
    format!("{base}/{}/confirm", purpose.segment())
}

// --- Annotations -----------------------------------------------------------------------

#[derive(Template)]
#[template(path = "reading/annotation.html")]
struct AnnotationPage {
    layout: Layout,
    header: CaseHeader,
    action: String,
    back: String,
    breast_label: String,
    breast_sentence: String,
    existing: Vec<(usize, String)>,
    remove_action: String,
    location_kinds: Vec<Option_>,
    location_text: String,
    views: Vec<Option_>,
    x: String,
    y: String,
    abnormalities: Vec<Option_>,
    description: String,
    concerns: Vec<Option_>,
    comment: String,
    errors: Vec<(String, String)>,
}

#[derive(Default, Clone)]
struct AnnotationForm {
    location_kind: Option<String>,
    text: String,
    view: Option<View>,
    x: String,
    y: String,
    abnormality: Option<AbnormalityType>,
    description: String,
    concern: Option<LevelOfConcern>,
    comment: String,
}

fn parse_breast(s: &str) -> Result<Breast, AppError> {
    s.parse::<Breast>().map_err(|_| AppError::NotFound)
}

#[allow(clippy::too_many_arguments)]
fn annotation_page(
    state: &AppState,
    staff: &Staff,
    l: &Loaded,
    purpose: Purpose,
    breast: Breast,
    opinion: &Opinion,
    form: &AnnotationForm,
    errors: Vec<(String, String)>,
) -> PageResult {
    let existing = match opinion.assessment(breast) {
        Some(BreastAssessment::Abnormal { annotations }) => annotations
            .iter()
            .enumerate()
            .map(|(i, a)| (i + 1, annotation_text(a)))
            .collect(),
        _ => Vec::new(),
    };
    let seg = format!(
        "{}/{}/annotations/{}",
        l.base,
        purpose.segment(),
        breast.as_str()
    );
    let page = AnnotationPage {
        layout: Layout::new(
            format!("Abnormalities in the {} breast", breast.as_str()),
            Some(staff.0.clone()),
            state.config.demo_mode,
        ),
        header: case_header(l, state.today()),
        action: seg.clone(),
        back: format!("{}/{}/assessment", l.base, purpose.segment()),
        breast_label: breast.label().to_owned(),
        breast_sentence: breast.in_sentence().to_owned(),
        existing,
        remove_action: format!("{seg}/remove"),
        location_kinds: vec![
            Option_ {
                value: "text".into(),
                label: "Describe the location".into(),
                checked: form.location_kind.as_deref() == Some("text"),
                hint: "For example UOQ (upper outer quadrant)".into(),
            },
            Option_ {
                value: "mark".into(),
                label: "Mark it on a view".into(),
                checked: form.location_kind.as_deref() == Some("mark"),
                hint: "Where it is across and down the image, as percentages".into(),
            },
        ],
        location_text: form.text.clone(),
        views: options(
            &View::ALL
                .iter()
                .copied()
                .filter(|v| v.breast() == breast)
                .collect::<Vec<_>>(),
            View::as_str,
            View::label,
            &form.view.into_iter().collect::<Vec<_>>(),
        ),
        x: form.x.clone(),
        y: form.y.clone(),
        abnormalities: options(
            AbnormalityType::ALL,
            AbnormalityType::as_str,
            AbnormalityType::label,
            &form.abnormality.into_iter().collect::<Vec<_>>(),
        ),
        description: form.description.clone(),
        concerns: options(
            LevelOfConcern::ALL,
            LevelOfConcern::as_str,
            LevelOfConcern::label,
            &form.concern.into_iter().collect::<Vec<_>>(),
        ),
        comment: form.comment.clone(),
        errors,
    };
    let errors = page.errors.clone();
    Ok(with_status(render(page)?, &errors))
}

pub async fn annotation_form(
    State(state): State<AppState>,
    staff: Staff,
    Path((sid, cid, purpose, breast)): Path<(String, String, String, String)>,
) -> PageResult {
    let purpose = Purpose::parse(&purpose)?;
    let breast = parse_breast(&breast)?;
    let l = load(&state, &staff, &sid, &cid).await?;
    require_can_read(&l, purpose)?;
    let opinion = draft_of(&state, &staff, &l, purpose).await?;
    annotation_page(
        &state,
        &staff,
        &l,
        purpose,
        breast,
        &opinion,
        &AnnotationForm::default(),
        Vec::new(),
    )
}

fn parse_percent(s: &str) -> Option<f64> {
    s.trim()
        .trim_end_matches('%')
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .map(|v| v / 100.0)
}

/// POST: "Add abnormality" adds the one on the form; "Continue" (with the form empty)
/// moves on once the breast's annotations pass the rules.
pub async fn annotation_save(
    State(state): State<AppState>,
    staff: Staff,
    Path((sid, cid, purpose, breast)): Path<(String, String, String, String)>,
    form: FormPairs,
) -> PageResult {
    let purpose = Purpose::parse(&purpose)?;
    let breast = parse_breast(&breast)?;
    let l = load(&state, &staff, &sid, &cid).await?;
    require_can_read(&l, purpose)?;
    let mut opinion = draft_of(&state, &staff, &l, purpose).await?;
    let side = breast.as_str();
    let f = AnnotationForm {
        location_kind: form.get("location_kind").map(str::to_owned),
        text: form
            .get("location_text")
            .unwrap_or_default()
            .trim()
            .to_owned(),
        view: form.get("view").and_then(|v| v.parse().ok()),
        x: form.get("x").unwrap_or_default().to_owned(),
        y: form.get("y").unwrap_or_default().to_owned(),
        abnormality: form.get("abnormality").and_then(|v| v.parse().ok()),
        description: form
            .get("abnormality_description")
            .unwrap_or_default()
            .trim()
            .to_owned(),
        concern: form.get("concern").and_then(|v| v.parse().ok()),
        comment: form.get("comment").unwrap_or_default().trim().to_owned(),
    };
    let adding = form.get("action") == Some("add");
    let context = context_of(&l.wf);
    let Opinion::RecallForAssessment { right, left } = &mut opinion else {
        return Err(AppError::Detour(format!(
            "{}/{}/assessment",
            l.base,
            purpose.segment()
        )));
    };
    let target = match breast {
        Breast::Right => right,
        Breast::Left => left,
    };
    let BreastAssessment::Abnormal { annotations } = target else {
        return Err(AppError::Detour(format!(
            "{}/{}/assessment",
            l.base,
            purpose.segment()
        )));
    };
    if adding {
        let mut errors = Vec::new();
        let location = match f.location_kind.as_deref() {
            Some("text") => Some(Location::Text {
                text: f.text.clone(),
            }),
            Some("mark") => match (f.view, parse_percent(&f.x), parse_percent(&f.y)) {
                (Some(view), Some(x), Some(y)) => Some(Location::Mark { view, x, y }),
                (None, _, _) => {
                    errors.push((
                        "view".to_owned(),
                        "Select the view the abnormality is marked on".to_owned(),
                    ));
                    None
                }
                _ => {
                    errors.push(("x".to_owned(), "Enter where the abnormality is across and down the image, as percentages from 0 to 100".to_owned()));
                    None
                }
            },
            _ => {
                errors.push((
                    "location_kind".to_owned(),
                    "Select how to give the location of the abnormality".to_owned(),
                ));
                None
            }
        };
        if f.abnormality.is_none() {
            errors.push((
                "abnormality".to_owned(),
                "Select the type of abnormality".to_owned(),
            ));
        }
        if f.concern.is_none() {
            errors.push((
                "concern".to_owned(),
                "Select the level of concern".to_owned(),
            ));
        }
        if let (Some(location), Some(abnormality), Some(concern)) =
            (location, f.abnormality, f.concern)
        {
            let annotation = Annotation {
                location,
                abnormality,
                abnormality_description: f.description.clone(),
                concern,
                comment: f.comment.clone(),
            };
            // The domain's rules for this one annotation (location inside the image, on
            // this breast, "Other" described), checked on a copy holding only it.
            let probe = Opinion::RecallForAssessment {
                right: BreastAssessment::Abnormal {
                    annotations: vec![annotation.clone()],
                },
                left: BreastAssessment::Abnormal {
                    annotations: vec![annotation.clone()],
                },
            };
            if let Err(e) = probe.validate(&context) {
                let prefix = format!("{side}_annotation_1_");
                for (field, message) in errors_of(e) {
                    if let Some(rest) = field.strip_prefix(&prefix) {
                        let field = match rest {
                            "location" => {
                                if f.location_kind.as_deref() == Some("mark") {
                                    "x"
                                } else {
                                    "location_text"
                                }
                            }
                            "abnormality_description" => "abnormality_description",
                            other => other,
                        };
                        errors.push((
                            field.to_owned(),
                            message.replace("abnormality 1", "this abnormality"),
                        ));
                    }
                }
            }
            if errors.is_empty() {
                annotations.push(annotation);
            }
        }
        if !errors.is_empty() {
            let current = draft_of(&state, &staff, &l, purpose).await?;
            return annotation_page(&state, &staff, &l, purpose, breast, &current, &f, errors);
        }
        state
            .store
            .save_opinion_draft(
                staff.scope(),
                &staff.actor(),
                l.cid,
                purpose.draft_key(),
                &opinion,
            )
            .await?;
        return Err(AppError::Detour(format!(
            "{}/{}/annotations/{side}",
            l.base,
            purpose.segment()
        )));
    }
    // Continue: this breast's annotation rules must hold.
    let errors: Vec<_> = match opinion.validate(&context) {
        Ok(()) => Vec::new(),
        Err(e) => errors_of(e)
            .into_iter()
            .filter(|(field, _)| field.starts_with(&format!("{side}_annotation")))
            .map(|(_, m)| ("location_kind".to_owned(), m))
            .collect(),
    };
    if !errors.is_empty() {
        return annotation_page(&state, &staff, &l, purpose, breast, &opinion, &f, errors);
    }
    Ok(Redirect::to(&next_after_assessment(
        &l.base,
        purpose,
        &opinion,
        Some(breast),
    ))
    .into_response())
}

pub async fn annotation_remove(
    State(state): State<AppState>,
    staff: Staff,
    Path((sid, cid, purpose, breast)): Path<(String, String, String, String)>,
    form: FormPairs,
) -> PageResult {
    let purpose = Purpose::parse(&purpose)?;
    let breast = parse_breast(&breast)?;
    let l = load(&state, &staff, &sid, &cid).await?;
    require_can_read(&l, purpose)?;
    let mut opinion = draft_of(&state, &staff, &l, purpose).await?;
    let n: usize = form
        .get("n")
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| AppError::BadRequest("Which abnormality to remove is missing".to_owned()))?;
    if let Opinion::RecallForAssessment { right, left } = &mut opinion {
        let target = match breast {
            Breast::Right => right,
            Breast::Left => left,
        };
        if let BreastAssessment::Abnormal { annotations } = target
            && n >= 1
            && n <= annotations.len()
        {
            annotations.remove(n - 1);
        }
    }
    state
        .store
        .save_opinion_draft(
            staff.scope(),
            &staff.actor(),
            l.cid,
            purpose.draft_key(),
            &opinion,
        )
        .await?;
    Ok(Redirect::to(&format!(
        "{}/{}/annotations/{}",
        l.base,
        purpose.segment(),
        breast.as_str()
    ))
    .into_response())
}

// --- Confirm ---------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "reading/confirm.html")]
struct ConfirmPage {
    layout: Layout,
    header: CaseHeader,
    action: String,
    change: String,
    rows: Vec<(String, String)>,
    heading: &'static str,
    /// Ask for the acknowledgement of significant symptoms (a plain "Normal"; "Normal, but
    /// add details" asks on its details page).
    ask_symptoms: bool,
    acknowledged: bool,
    acknowledgement: &'static str,
    errors: Vec<(String, String)>,
}

fn confirm_page(
    state: &AppState,
    staff: &Staff,
    l: &Loaded,
    purpose: Purpose,
    opinion: &Opinion,
    errors: Vec<(String, String)>,
) -> PageResult {
    let page = ConfirmPage {
        layout: Layout::new(
            domain::reading::CONFIRM_OPINION,
            Some(staff.0.clone()),
            state.config.demo_mode,
        ),
        header: case_header(l, state.today()),
        action: format!("{}/{}/confirm", l.base, purpose.segment()),
        change: format!("{}/{}", l.base, question_path(purpose)),
        rows: opinion_rows(opinion)
            .into_iter()
            .filter(|(key, _)| !(asks_symptoms(l, opinion) && key == "Symptoms"))
            .collect(),
        heading: domain::reading::CONFIRM_OPINION,
        ask_symptoms: asks_symptoms(l, opinion),
        acknowledged: opinion.symptoms_acknowledged() == Some(true),
        acknowledgement: domain::reading::SYMPTOMS_ACKNOWLEDGEMENT,
        errors,
    };
    let errors = page.errors.clone();
    Ok(with_status(render(page)?, &errors))
}

/// Whether the confirm page asks for the acknowledgement of significant symptoms: a plain
/// "Normal" of a participant who reported them.
fn asks_symptoms(l: &Loaded, opinion: &Opinion) -> bool {
    matches!(opinion, Opinion::Normal { .. }) && context_of(&l.wf).has_significant_symptoms
}

pub async fn confirm_form(
    State(state): State<AppState>,
    staff: Staff,
    Path((sid, cid, purpose)): Path<(String, String, String)>,
) -> PageResult {
    let purpose = Purpose::parse(&purpose)?;
    let l = load(&state, &staff, &sid, &cid).await?;
    require_can_read(&l, purpose)?;
    let opinion = draft_of(&state, &staff, &l, purpose).await?;
    // The acknowledgement a plain "Normal" needs is asked on this page: not an error yet.
    let asked_here = asks_symptoms(&l, &opinion);
    let errors = opinion
        .validate(&context_of(&l.wf))
        .err()
        .map(errors_of)
        .unwrap_or_default()
        .into_iter()
        .filter(|(field, _)| !(asked_here && field == "symptoms_acknowledged"))
        .collect();
    confirm_page(&state, &staff, &l, purpose, &opinion, errors)
}

pub async fn confirm(
    State(state): State<AppState>,
    staff: Staff,
    Path((sid, cid, purpose)): Path<(String, String, String)>,
    form: FormPairs,
) -> PageResult {
    let purpose = Purpose::parse(&purpose)?;
    let l = load(&state, &staff, &sid, &cid).await?;
    require_can_read(&l, purpose)?;
    let mut opinion = draft_of(&state, &staff, &l, purpose).await?;
    if let Opinion::Normal {
        symptoms_acknowledged,
    } = &mut opinion
    {
        *symptoms_acknowledged = form.get("symptoms_acknowledged") == Some("yes");
    }
    let context = context_of(&l.wf);
    if let Err(errors) = opinion.validate(&context) {
        return confirm_page(&state, &staff, &l, purpose, &opinion, errors_of(errors));
    }
    let result = match purpose {
        Purpose::Read => state
            .store
            .record_read(
                staff.scope(),
                &staff.actor(),
                Some(l.sid),
                l.cid,
                &opinion,
                &context,
            )
            .await
            .map(|_| ()),
        Purpose::Arbitration => {
            let panel = state
                .store
                .arbitration_panel(staff.scope(), staff.0.user_id, l.cid)
                .await?;
            state
                .store
                .record_arbitration(
                    staff.scope(),
                    &staff.actor(),
                    Some(l.sid),
                    l.cid,
                    &store::NewArbitration {
                        arbitrators: panel,
                        decision: ArbitrationDecision::Other(opinion.clone()),
                    },
                    &context,
                )
                .await
                .map(|_| ())
        }
    };
    match result {
        Ok(()) => claim_next(&state, &staff, l.sid).await,
        Err(store::StoreError::Invalid(errors)) => {
            confirm_page(&state, &staff, &l, purpose, &opinion, errors_of(errors))
        }
        Err(e) => Err(e.into()),
    }
}

// --- Arbitration -----------------------------------------------------------------------

pub async fn arbitrate(
    State(state): State<AppState>,
    staff: Staff,
    Path((sid, cid)): Path<(String, String)>,
    form: FormPairs,
) -> PageResult {
    let l = load(&state, &staff, &sid, &cid).await?;
    require_can_read(&l, Purpose::Arbitration)?;
    let panel: Vec<Uuid> = form
        .all("arbitrators")
        .filter_map(|v| Uuid::parse_str(v).ok())
        .collect();
    let decision = match form.get("decision") {
        Some("agree_with_first") => Some(ArbitrationDecision::AgreeWithFirst),
        Some("agree_with_second") => Some(ArbitrationDecision::AgreeWithSecond),
        Some("other") => None,
        _ => {
            return case_page(
                &state,
                &staff,
                &l,
                Purpose::Read,
                None,
                vec![(
                    "decision".to_owned(),
                    "Select the arbitration decision".to_owned(),
                )],
            )
            .await;
        }
    };
    state
        .store
        .save_arbitration_panel(staff.scope(), &staff.actor(), l.cid, &panel)
        .await?;
    let Some(decision) = decision else {
        return Ok(Redirect::to(&format!("{}/arbitration", l.base)).into_response());
    };
    match state
        .store
        .record_arbitration(
            staff.scope(),
            &staff.actor(),
            Some(l.sid),
            l.cid,
            &store::NewArbitration {
                arbitrators: panel,
                decision,
            },
            &context_of(&l.wf),
        )
        .await
    {
        Ok(_) => claim_next(&state, &staff, l.sid).await,
        Err(store::StoreError::Invalid(errors)) => {
            case_page(&state, &staff, &l, Purpose::Read, None, errors_of(errors)).await
        }
        Err(e) => Err(e.into()),
    }
}

// --- Skip, defer, priors ---------------------------------------------------------------

pub async fn skip(
    State(state): State<AppState>,
    staff: Staff,
    Path((sid, cid)): Path<(String, String)>,
) -> PageResult {
    reader(&staff)?;
    let (sid, cid) = (parse_id(&sid)?, parse_id(&cid)?);
    state
        .store
        .skip_case(staff.scope(), &staff.actor(), sid, cid)
        .await?;
    claim_next(&state, &staff, sid).await
}

#[derive(Template)]
#[template(path = "reading/reason.html")]
struct ReasonPage {
    layout: Layout,
    base: String,
    header: CaseHeader,
    action: String,
    heading: &'static str,
    label: &'static str,
    hint: &'static str,
    button: &'static str,
    reason: String,
    errors: Vec<(String, String)>,
}

#[derive(Clone, Copy)]
enum Hold {
    Defer,
    Priors,
}

fn reason_page(
    state: &AppState,
    staff: &Staff,
    l: &Loaded,
    hold: Hold,
    reason: String,
    errors: Vec<(String, String)>,
) -> PageResult {
    let (heading, label, hint, button, seg) = match hold {
        Hold::Defer => (
            "Defer this case",
            "Reason for deferring",
            "Describe what is wrong. The office will review the case before it is read.",
            "Defer case",
            "defer",
        ),
        Hold::Priors => (
            "Request prior mammograms",
            "Reason for requesting priors (optional)",
            "This helps the next reader, who may not be you.",
            "Request priors",
            "priors",
        ),
    };
    let page = ReasonPage {
        layout: Layout::new(heading, Some(staff.0.clone()), state.config.demo_mode),
        base: l.base.clone(),
        header: case_header(l, state.today()),
        action: format!("{}/{seg}", l.base),
        heading,
        label,
        hint,
        button,
        reason,
        errors,
    };
    let errors = page.errors.clone();
    Ok(with_status(render(page)?, &errors))
}

pub async fn defer_form(
    State(state): State<AppState>,
    staff: Staff,
    Path((sid, cid)): Path<(String, String)>,
) -> PageResult {
    hold_form(state, staff, sid, cid, Hold::Defer).await
}

pub async fn priors_form(
    State(state): State<AppState>,
    staff: Staff,
    Path((sid, cid)): Path<(String, String)>,
) -> PageResult {
    hold_form(state, staff, sid, cid, Hold::Priors).await
}

pub async fn defer_save(
    State(state): State<AppState>,
    staff: Staff,
    Path((sid, cid)): Path<(String, String)>,
    form: FormPairs,
) -> PageResult {
    hold_save(state, staff, sid, cid, Hold::Defer, form).await
}

pub async fn priors_save(
    State(state): State<AppState>,
    staff: Staff,
    Path((sid, cid)): Path<(String, String)>,
    form: FormPairs,
) -> PageResult {
    hold_save(state, staff, sid, cid, Hold::Priors, form).await
}

async fn hold_form(
    state: AppState,
    staff: Staff,
    sid: String,
    cid: String,
    hold: Hold,
) -> PageResult {
    let l = load(&state, &staff, &sid, &cid).await?;
    reason_page(&state, &staff, &l, hold, String::new(), Vec::new())
}

async fn hold_save(
    state: AppState,
    staff: Staff,
    sid: String,
    cid: String,
    hold: Hold,
    form: FormPairs,
) -> PageResult {
    let l = load(&state, &staff, &sid, &cid).await?;
    let reason = form.get("reason").unwrap_or_default().to_owned();
    let result = match hold {
        Hold::Defer => {
            state
                .store
                .defer_case(staff.scope(), &staff.actor(), Some(l.sid), l.cid, &reason)
                .await
        }
        Hold::Priors => {
            state
                .store
                .request_priors(staff.scope(), &staff.actor(), Some(l.sid), l.cid, &reason)
                .await
        }
    };
    match result {
        Ok(()) => claim_next(&state, &staff, l.sid).await,
        Err(store::StoreError::Invalid(errors)) => {
            reason_page(&state, &staff, &l, hold, reason, errors_of(errors))
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------
// The office's lists
// ---------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "reading/holds.html")]
struct HoldsPage {
    layout: Layout,
    deferred: Vec<store::CaseHold>,
    priors: Vec<(store::CaseHold, Vec<Option_>)>,
    can_manage: bool,
    done: Option<String>,
}

#[derive(Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

pub async fn holds(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<DoneQuery>,
) -> PageResult {
    staff.require(Permission::ViewRecords)?;
    let scope = staff.scope();
    let deferred = state.store.case_holds(scope, "deferred").await?;
    let priors = state
        .store
        .case_holds(scope, "priors")
        .await?
        .into_iter()
        .map(|h| {
            let next = options(
                h.priors_status.next(),
                PriorsStatus::as_str,
                PriorsStatus::label,
                &[],
            );
            (h, next)
        })
        .collect();
    render(HoldsPage {
        layout: Layout::new(
            "Deferred cases and priors",
            Some(staff.0.clone()),
            state.config.demo_mode,
        ),
        deferred,
        priors,
        can_manage: staff.0.can(Permission::ManageAppointments),
        done: q.done.map(|d| match d.as_str() {
            "unflagged" => "The case has been returned to reading".to_owned(),
            _ => "The priors status has been updated".to_owned(),
        }),
    })
}

pub async fn unflag(
    State(state): State<AppState>,
    staff: Staff,
    Path(cid): Path<String>,
) -> PageResult {
    staff.require(Permission::ManageAppointments)?;
    let cid = parse_id(&cid)?;
    state
        .store
        .unflag_case(staff.scope(), &staff.actor(), cid)
        .await?;
    Ok(Redirect::to("/reading/holds?done=unflagged").into_response())
}

pub async fn priors_status(
    State(state): State<AppState>,
    staff: Staff,
    Path(cid): Path<String>,
    form: FormPairs,
) -> PageResult {
    staff.require(Permission::ManageAppointments)?;
    let cid = parse_id(&cid)?;
    let to = form
        .get("status")
        .and_then(|s| s.parse::<PriorsStatus>().ok())
        .ok_or_else(|| AppError::BadRequest("Select the new status of the priors".to_owned()))?;
    state
        .store
        .set_priors_status(staff.scope(), &staff.actor(), cid, to)
        .await?;
    Ok(Redirect::to("/reading/holds?done=priors").into_response())
}

pub struct OutcomeRow {
    pub what: String,
    pub name: String,
    pub nhs_number: String,
    pub participant_id: String,
    pub screened_on: String,
    pub details: String,
    pub raised: String,
}

#[derive(Template)]
#[template(path = "reading/outcomes.html")]
struct OutcomesPage {
    layout: Layout,
    rows: Vec<OutcomeRow>,
}

pub fn outcome_label(kind: &str) -> &'static str {
    match kind {
        "technical_recall" => "Book a technical recall appointment",
        "assessment_referral" => "Refer to an assessment clinic",
        "more_images" => "Book an appointment for more images",
        _ => "Follow up",
    }
}

pub async fn outcomes(State(state): State<AppState>, staff: Staff) -> PageResult {
    staff.require(Permission::ViewRecords)?;
    let rows = state
        .store
        .follow_ups_of(staff.scope(), &OUTCOME_KINDS)
        .await?
        .into_iter()
        .map(|f| OutcomeRow {
            what: outcome_label(&f.kind).to_owned(),
            name: f.participant_name,
            nhs_number: nhs_number(&f.nhs_number),
            participant_id: f.participant_id.to_string(),
            screened_on: long_date(f.appointment_date),
            details: if f.details.is_empty() {
                f.note
            } else {
                f.details
            },
            raised: crate::present::instant(f.created_at),
        })
        .collect();
    render(OutcomesPage {
        layout: Layout::new(
            "Outcomes to act on",
            Some(staff.0.clone()),
            state.config.demo_mode,
        ),
        rows,
    })
}

// ---------------------------------------------------------------------------------------
// Performance
// ---------------------------------------------------------------------------------------

#[derive(Deserialize)]
pub struct PerformanceQuery {
    period: Option<String>,
    who: Option<String>,
}

pub struct RateRow {
    pub name: String,
    pub cells: Vec<String>,
}

#[derive(Template)]
#[template(path = "reading/performance.html")]
struct PerformancePage {
    layout: Layout,
    periods: Vec<(String, String, bool)>,
    office: bool,
    period: String,
    period_value: String,
    readers: Vec<RateRow>,
    mammographers: Vec<RateRow>,
}

fn pct(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.1}%"))
        .unwrap_or_else(|| "–".to_owned())
}

pub async fn performance(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<PerformanceQuery>,
) -> PageResult {
    staff.require(Permission::ViewRecords)?;
    let period: Period = q
        .period
        .as_deref()
        .and_then(|p| p.parse().ok())
        .unwrap_or_default();
    let office = q.who.as_deref() == Some("office");
    let since = state.today() - time::Duration::days(period.days());
    let me = (!office).then_some(staff.0.user_id);
    let (readers, mammographers) = tokio::try_join!(
        state.store.reader_stats(staff.scope(), since, me),
        state.store.mammographer_stats(staff.scope(), since, me),
    )?;
    let readers = readers
        .into_iter()
        .map(|r| RateRow {
            name: r.reader_name,
            cells: vec![
                r.rates.cases_read.to_string(),
                r.rates.first_reads.to_string(),
                r.rates.second_reads.to_string(),
                pct(r.rates.recall_rate),
                pct(r.rates.technical_recall_rate),
                pct(r.rates.arbitration_rate),
                pct(r.rates.agreement_with_outcome),
            ],
        })
        .collect();
    let mammographers = mammographers
        .into_iter()
        .map(|m| RateRow {
            name: m.user_name,
            cells: vec![
                m.screens.to_string(),
                m.images.to_string(),
                format!("{} ({})", m.repeats, pct(m.repeat_rate)),
                if m.repeat_reasons.is_empty() {
                    "–".to_owned()
                } else {
                    m.repeat_reasons
                        .iter()
                        .map(|c| {
                            let (r, n) = (&c.reason, c.views);
                            let label = r
                                .parse::<domain::imaging::RepeatReason>()
                                .map(|r| r.label().to_owned())
                                .unwrap_or_else(|_| r.clone());
                            format!("{label}: {n}")
                        })
                        .collect::<Vec<_>>()
                        .join(", ")
                },
                m.technical_recalls.to_string(),
                m.self_requested_recalls.to_string(),
                m.partial_mammographies.to_string(),
            ],
        })
        .collect();
    let who = if office { "office" } else { "me" };
    render(PerformancePage {
        layout: Layout::new("Performance", Some(staff.0.clone()), state.config.demo_mode),
        periods: Period::ALL
            .iter()
            .map(|p| {
                (
                    format!("/reading/performance?period={}&who={who}", p.as_str()),
                    p.label().to_owned(),
                    *p == period,
                )
            })
            .collect(),
        office,
        period: period.label().to_owned(),
        period_value: period.as_str().to_owned(),
        readers,
        mammographers,
    })
}

// ---------------------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "reading/settings.html")]
struct SettingsPage {
    layout: Layout,
    blinded: Vec<Option_>,
    policies: Vec<Option_>,
    /// (name, label, value) of each number field.
    fields: Vec<(&'static str, &'static str, String)>,
    errors: Vec<(String, String)>,
    saved: bool,
}

fn settings_page(
    state: &AppState,
    staff: &Staff,
    s: &ReadingSettings,
    raw: Option<&FormPairs>,
    errors: Vec<(String, String)>,
    saved: bool,
) -> PageResult {
    let value = |name: &str, v: String| {
        raw.and_then(|f| f.get(name).map(str::to_owned))
            .unwrap_or(v)
    };
    let page = SettingsPage {
        layout: Layout::new(
            "Reading settings",
            Some(staff.0.clone()),
            state.config.demo_mode,
        ),
        blinded: vec![
            Option_ {
                value: "yes".into(),
                label: "Yes, hide the 1st opinion from the 2nd reader until both are in".into(),
                checked: s.blinded,
                hint: String::new(),
            },
            Option_ {
                value: "no".into(),
                label: "No, show the 1st opinion to the 2nd reader".into(),
                checked: !s.blinded,
                hint: String::new(),
            },
        ],
        policies: options(
            ArbitrationPolicy::ALL,
            ArbitrationPolicy::as_str,
            ArbitrationPolicy::label,
            &[s.arbitration_policy],
        ),
        fields: vec![
            (
                "finalisation_delay_minutes",
                "Minutes a reader can change their opinion before it is final (0: final at once)",
                value(
                    "finalisation_delay_minutes",
                    s.finalisation_delay_minutes.to_string(),
                ),
            ),
            (
                "window_days",
                "Reading window (days from screening)",
                value("window_days", s.window_days.to_string()),
            ),
            (
                "due_soon_days",
                "'Due soon' when this many days are left",
                value("due_soon_days", s.due_soon_days.to_string()),
            ),
            (
                "urgent_days",
                "'Urgent' when this many days are left",
                value("urgent_days", s.urgent_days.to_string()),
            ),
        ],
        errors,
        saved,
    };
    let errors = page.errors.clone();
    Ok(with_status(render(page)?, &errors))
}

pub async fn settings_form(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<DoneQuery>,
) -> PageResult {
    staff.require(Permission::ConfigureProvider)?;
    let s = state.store.reading_settings(staff.scope()).await?;
    settings_page(&state, &staff, &s, None, Vec::new(), q.done.is_some())
}

pub async fn settings_save(
    State(state): State<AppState>,
    staff: Staff,
    form: FormPairs,
) -> PageResult {
    staff.require(Permission::ConfigureProvider)?;
    let current = state.store.reading_settings(staff.scope()).await?;
    let mut errors = Vec::new();
    let mut number = |name: &str, what: &str| -> Option<u32> {
        match form
            .get(name)
            .map(str::trim)
            .and_then(|v| v.parse::<u32>().ok())
        {
            Some(n) => Some(n),
            None => {
                errors.push((name.to_owned(), format!("Enter {what} as a whole number")));
                None
            }
        }
    };
    let delay = number(
        "finalisation_delay_minutes",
        "the finalisation delay in minutes",
    );
    let window = number("window_days", "the reading window in days");
    let due_soon = number("due_soon_days", "the days left when a case is due soon");
    let urgent = number("urgent_days", "the days left when a case is urgent");
    let policy = form
        .get("arbitration_policy")
        .and_then(|p| p.parse::<ArbitrationPolicy>().ok());
    if policy.is_none() {
        errors.push((
            "arbitration_policy".to_owned(),
            "Select which reads go to arbitration".to_owned(),
        ));
    }
    let blinded = match form.get("blinded") {
        Some("yes") => Some(true),
        Some("no") => Some(false),
        _ => {
            errors.push((
                "blinded".to_owned(),
                "Select whether reading is blind".to_owned(),
            ));
            None
        }
    };
    let small = |v: Option<u32>| v.and_then(|v| u16::try_from(v).ok());
    let (
        Some(delay),
        Some(window),
        Some(due_soon),
        Some(urgent),
        Some(policy),
        Some(blinded),
        true,
    ) = (
        delay,
        small(window),
        small(due_soon),
        small(urgent),
        policy,
        blinded,
        errors.is_empty(),
    )
    else {
        return settings_page(&state, &staff, &current, Some(&form), errors, false);
    };
    let settings = ReadingSettings {
        blinded,
        arbitration_policy: policy,
        finalisation_delay_minutes: delay,
        window_days: window,
        due_soon_days: due_soon,
        urgent_days: urgent,
    };
    match state
        .store
        .save_reading_settings(staff.scope(), &staff.actor(), settings)
        .await
    {
        Ok(()) => Ok(Redirect::to("/reading/settings?done=1").into_response()),
        Err(store::StoreError::Invalid(e)) => {
            settings_page(&state, &staff, &settings, Some(&form), errors_of(e), false)
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------
// Overdue cases
// ---------------------------------------------------------------------------------------

/// An overdue case as the office's list shows it.
pub struct OverdueRow {
    pub name: String,
    pub nhs_number: String,
    pub participant_id: String,
    pub screened_on: String,
    pub past_window: String,
    pub state: String,
    pub holder: String,
}

#[derive(Template)]
#[template(path = "reading/overdue.html")]
struct OverduePage {
    layout: Layout,
    window_days: u16,
    rows: Vec<OverdueRow>,
}

/// "Overdue cases": every case past its reading window without a result, held ones
/// included, and who holds it.
pub async fn overdue(State(state): State<AppState>, staff: Staff) -> PageResult {
    staff.require(Permission::ViewRecords)?;
    let scope = staff.scope();
    let (settings, cases) = tokio::try_join!(
        state.store.reading_settings(scope),
        state.store.overdue_cases(scope, state.today()),
    )?;
    let rows = cases
        .into_iter()
        .map(|o| OverdueRow {
            name: o.case.participant_name.clone(),
            nhs_number: nhs_number(&o.case.nhs_number),
            participant_id: o.case.participant_id.to_string(),
            screened_on: long_date(o.case.screened_on),
            past_window: format!(
                "{} day{}",
                o.days_past_window,
                if o.days_past_window == 1 { "" } else { "s" }
            ),
            state: o.case.state.label().to_owned(),
            holder: match &o.held_by {
                Some(name) => format!("{} {name}", o.holder_label),
                None => o.holder_label.clone(),
            },
        })
        .collect();
    render(OverduePage {
        layout: Layout::new(
            "Overdue cases",
            Some(staff.0.clone()),
            state.config.demo_mode,
        ),
        window_days: settings.window_days,
        rows,
    })
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
