//! Step 3: "Take mammogram images", the manual flow (reference §6; seeds 2025-12 and
//! 2026-01). Pages, each saved when submitted so a refresh or a crash loses nothing:
//!
//! 1. `/images`: "Mammogram location: {room}" (with "Change", `/images/room`), then
//!    "Have you taken a standard set of images?". "Yes" goes to the additional details,
//!    "No, add other information" to the counts, "No images taken" to cannot proceed.
//! 2. `/images/counts`: "How many images were taken?", a count per view per breast.
//! 3. `/images/repeats`: for each view with 2 or more images, whether the additional
//!    images were repeats. Skipped when no view has 2 or more.
//! 4. `/images/details`: "Imperfect, but best possible images", "Not all mammograms
//!    taken" and "Notes for reader". When everything is valid, on to "Check information".
//!
//! The rules are the domain's ([`domain::imaging`]): these handlers read a form into an
//! [`ImagesRecord`], ask the domain what is wrong with it, save it and render. The saved
//! "images" section is `{"record": <normalised record>, "valid": bool, "room_id": uuid or
//! null}`, written by [`save_record`] for both these pages and the API.

use super::{Frame, Step, load_step, medical};
use crate::auth::Staff;
use crate::error::{AppError, PageResult};
use crate::features::workflow::app;
use crate::pages::{FormPairs, parse_id, render};
use crate::present::Layout;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use domain::gateway::RecordingMethod;
use domain::imaging::{
    Breast, COUNTS_QUESTION, Derivation, ExtraImagesAnswer, ExtraImagesChoice, IMPERFECT_HINT,
    IMPERFECT_LABEL, INCOMPLETE_REASONS_QUESTION, ImagesRecord, ImagingContext, ImagingError,
    ImagingField, IncompleteReason, NOT_ALL_TAKEN_LABEL, NotAllTaken, PARTIAL_CONFIRM_LABEL,
    PARTIAL_CONFIRM_QUESTION, PARTIAL_MAMMOGRAPHY_GUIDANCE, RECALL_QUESTION,
    REPEAT_REASONS_QUESTION, RecallChoice, RecallDecision, RepeatReason, STANDARD_SET_QUESTION,
    StandardSetAnswer, View, ViewCounts, ViewRepeats, derive, validate, validate_details,
    validate_repeats,
};
use store::{Actor, Room, Scope, Store, Workflow};
use uuid::Uuid;

/// The workflow section the images record is saved in.
pub const SECTION: &str = "images";

/// Shown when the standard set question is submitted unanswered (a form matter, so not a
/// domain rule).
const SELECT_STANDARD_SET: &str = "Select whether you have taken a standard set of images";

/// Shown when the room page is submitted without a room.
const SELECT_ROOM: &str = "Select the room the images are taken in";

// ---------------------------------------------------------------------------------------
// The saved record
// ---------------------------------------------------------------------------------------

/// The images record saved for this appointment, if any.
pub fn images_record(wf: &Workflow) -> Option<ImagesRecord> {
    let data = wf.sections.get(SECTION)?.data.get("record")?;
    serde_json::from_value(data.clone()).ok()
}

/// Whether the step is complete: the record passes every domain check. "No images taken"
/// is never complete here: that appointment cannot proceed, it does not go on to "Check
/// information".
pub fn is_valid(record: &ImagesRecord, context: &ImagingContext) -> bool {
    record.standard_set != StandardSetAnswer::NoImages && validate(record, context).is_ok()
}

/// How the saved record was made: "Automatic" once the images received were confirmed,
/// "Manual" otherwise.
pub fn recording_method(wf: &Workflow) -> RecordingMethod {
    wf.sections
        .get(SECTION)
        .and_then(|s| s.data.get("method"))
        .and_then(|m| m.as_str())
        .and_then(|m| m.parse().ok())
        .unwrap_or(RecordingMethod::Manual)
}

/// Saves `record` (normalised) as the appointment's images section, with whether it is
/// valid and the room, and the number of images taken. The one way the record is saved,
/// by the pages and the API alike. Returns the new version and what the record means.
/// Keeps the recording method already saved.
pub async fn save_record(
    store: &Store,
    scope: Scope,
    actor: &Actor,
    wf: &Workflow,
    record: &ImagesRecord,
    expected_version: i64,
) -> store::Result<(i64, Derivation)> {
    save_record_as(store, scope, actor, wf, record, expected_version, None).await
}

/// [`save_record`], setting the recording method when `method` is given.
pub async fn save_record_as(
    store: &Store,
    scope: Scope,
    actor: &Actor,
    wf: &Workflow,
    record: &ImagesRecord,
    expected_version: i64,
    method: Option<RecordingMethod>,
) -> store::Result<(i64, Derivation)> {
    let context = medical::imaging_context(wf);
    let record = record.normalised();
    let derivation = derive(&record, &context);
    let data = serde_json::json!({
        "record": record,
        "valid": is_valid(&record, &context),
        "room_id": wf.room.as_ref().map(|r| r.id),
        "method": method.unwrap_or_else(|| recording_method(wf)),
    });
    let version = store
        .save_section(
            scope,
            actor,
            wf.appointment.id,
            store::SectionUpdate {
                section: SECTION,
                data: &data,
                images_taken: Some(i64::from(derivation.total_images)),
            },
            expected_version,
        )
        .await?;
    Ok((version, derivation))
}

/// The record the later pages start from: the saved one, or the standard counts (on a
/// recall, one of each view asked for) with nothing else answered.
fn working_record(wf: &Workflow) -> ImagesRecord {
    images_record(wf).unwrap_or_else(|| ImagesRecord::with_counts(starting_counts(wf)))
}

/// The counts a new record starts at: the standard set, or on a recall the views asked for.
fn starting_counts(wf: &Workflow) -> ViewCounts {
    crate::features::workflow::app::requested_views(wf).map_or(ViewCounts::STANDARD, |r| r.counts())
}

// ---------------------------------------------------------------------------------------
// The summary card for "Check information"
// ---------------------------------------------------------------------------------------

/// The "{n} images taken" card of the check information page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImagesCard {
    /// "4 images taken".
    pub heading: String,
    /// (key, value, change link). A value of several lines has them separated by "\n".
    pub rows: Vec<(String, String, String)>,
    /// "Partial mammography" or "Recall requested", for the "Not all mammograms taken" row.
    pub tag: Option<&'static str>,
}

/// The card summarising the saved images record, or `None` if nothing is saved.
pub fn images_card(wf: &Workflow) -> Option<ImagesCard> {
    let record = images_record(wf)?;
    let context = medical::imaging_context(wf);
    let mut card = card(&record, &context, wf.room.as_ref(), wf.appointment.id);
    if recording_method(wf) == RecordingMethod::Automatic {
        // The counts come from the images received: they are changed on the images step.
        for row in &mut card.rows {
            match row.0.as_str() {
                "Image recording method" => row.1 = RecordingMethod::Automatic.label().to_owned(),
                "Views taken" => row.2 = Step::Images.href(wf.appointment.id),
                _ => {}
            }
        }
    }
    Some(card)
}

fn card(
    record: &ImagesRecord,
    context: &ImagingContext,
    room: Option<&Room>,
    id: Uuid,
) -> ImagesCard {
    let record = record.normalised();
    let d = derive(&record, context);
    let details = page_href(id, "details");
    let views_href = if record.standard_set == StandardSetAnswer::No {
        page_href(id, "counts")
    } else {
        Step::Images.href(id)
    };
    let mut rows = vec![
        (
            "Image recording method".to_owned(),
            "Manual".to_owned(),
            Step::Images.href(id),
        ),
        (
            "Machine room".to_owned(),
            room.map(room_text)
                .unwrap_or_else(|| "Not recorded".to_owned()),
            page_href(id, "room"),
        ),
        (
            "Views taken".to_owned(),
            d.views_taken()
                .map(|t| match t.repeat_reasons_text() {
                    Some(reasons) => format!("{} ({reasons})", t.summary_line()),
                    None => t.summary_line(),
                })
                .collect::<Vec<_>>()
                .join("\n"),
            views_href.clone(),
        ),
    ];
    if d.imperfect_but_best_possible {
        rows.push((
            "Image quality".to_owned(),
            d.image_quality().label().to_owned(),
            details.clone(),
        ));
    }
    if let Some(not_all) = &record.not_all_taken {
        let mut lines = vec![not_all.reasons_text()];
        if !not_all.details.trim().is_empty() {
            lines.push(not_all.details.trim().to_owned());
        }
        match &not_all.recall {
            Some(RecallDecision::Recall {
                timescale,
                scheduling_note,
            }) => {
                let mut line = format!("Recall: {}", timescale.trim());
                if !scheduling_note.trim().is_empty() {
                    line.push_str(&format!(" ({})", scheduling_note.trim()));
                }
                lines.push(line);
            }
            Some(RecallDecision::NoRecall) => lines.push("No recall requested".to_owned()),
            None => {}
        }
        if let Some(confirmed) = not_all.confirmation_summary() {
            lines.push(confirmed);
        }
        rows.push((
            NOT_ALL_TAKEN_LABEL.to_owned(),
            lines
                .into_iter()
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
                .join("\n"),
            details.clone(),
        ));
    }
    if d.has_additional_images() {
        let implant_displaced: u16 = d
            .views_taken()
            .filter(|t| t.view.is_implant_displaced())
            .map(|t| u16::from(t.images))
            .sum();
        let mut parts = Vec::new();
        if d.total_repeats > 0 {
            parts.push(count_of(d.total_repeats, "repeat", "repeats"));
        }
        if d.total_extras > 0 {
            parts.push(count_of(d.total_extras, "extra image", "extra images"));
        }
        if implant_displaced > 0 {
            parts.push(count_of(
                implant_displaced,
                "implant-displaced image",
                "implant-displaced images",
            ));
        }
        let href = if record.views_needing_repeats().is_empty() {
            views_href
        } else {
            page_href(id, "repeats")
        };
        rows.push(("Additional images".to_owned(), parts.join(", "), href));
    }
    if !record.notes_for_reader.trim().is_empty() {
        rows.push((
            "Notes for reader".to_owned(),
            record.notes_for_reader.trim().to_owned(),
            details,
        ));
    }
    ImagesCard {
        heading: d.images_taken_heading(),
        rows,
        tag: d.completeness.summary_tag(),
    }
}

fn count_of(n: u16, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

pub(crate) fn room_text(room: &Room) -> String {
    format!("{} ({})", room.name, room.machine)
}

// ---------------------------------------------------------------------------------------
// Shared presentation
// ---------------------------------------------------------------------------------------

pub(crate) fn page_href(id: Uuid, page: &str) -> String {
    format!("{}/{page}", Step::Images.href(id))
}

/// Where to fix a field: the page it is asked on.
fn href_for(id: Uuid, field: ImagingField) -> String {
    match field {
        ImagingField::StandardSet => Step::Images.href(id),
        ImagingField::Counts | ImagingField::Count(_) => page_href(id, "counts"),
        f if f.is_on_repeats_page() => page_href(id, "repeats"),
        _ => page_href(id, "details"),
    }
}

const fn on_details_page(field: ImagingField) -> bool {
    matches!(
        field,
        ImagingField::NotAllTaken
            | ImagingField::NotAllTakenReasons
            | ImagingField::NotAllTakenDetails
            | ImagingField::Recall
            | ImagingField::RecallTimescale
            | ImagingField::PartialConfirmed
    )
}

/// One radio or checkbox. The first option of a group carries the group's field id, so the
/// error summary links to it.
pub struct Choice {
    pub id: String,
    pub value: String,
    pub label: String,
    pub hint: Option<String>,
    pub checked: bool,
    /// Whether the option reveals conditional content.
    pub reveals: bool,
}

fn choice(field_id: &str, index: usize, value: &str, label: &str, checked: bool) -> Choice {
    Choice {
        id: if index == 0 {
            field_id.to_owned()
        } else {
            format!("{field_id}-{value}")
        },
        value: value.to_owned(),
        label: label.to_owned(),
        hint: None,
        checked,
        reveals: false,
    }
}

/// The error summary entries: (field id, message).
fn summary(errors: &[ImagingError]) -> Vec<(String, String)> {
    errors
        .iter()
        .map(|e| (e.field_id(), e.message.clone()))
        .collect()
}

/// The message for one field, if it has one.
fn error_on(errors: &[ImagingError], field: ImagingField) -> Option<String> {
    errors
        .iter()
        .find(|e| e.field == field)
        .map(|e| e.message.clone())
}

pub(crate) fn layout(
    state: &AppState,
    staff: &Staff,
    wf: &Workflow,
    title: &str,
    error: bool,
) -> Layout {
    Layout::new(
        format!(
            "{}{title} – {}",
            if error { "Error: " } else { "" },
            wf.appointment.participant.full_name()
        ),
        Some(staff.0.clone()),
        state.config.demo_mode,
    )
}

/// Renders, as 422 when the page shows errors.
pub(crate) fn respond(page: impl Template, has_errors: bool) -> PageResult {
    let mut res = render(page)?;
    if has_errors {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

fn redirect(to: &str) -> PageResult {
    Ok(Redirect::to(to).into_response())
}

/// Loads the workflow for an images page (or where to send the person instead).
pub(crate) async fn load_images(
    state: &AppState,
    staff: &Staff,
    id: &str,
) -> Result<Workflow, AppError> {
    let id = parse_id(id)?;
    load_step(state, staff, id, Step::Images).await
}

// ---------------------------------------------------------------------------------------
// The room
// ---------------------------------------------------------------------------------------

/// The rooms offered for this appointment (those at the clinic's location, or every room
/// of the provider if that location has none) and the room to show: the appointment's,
/// else the user's remembered room if offered, else the first room offered.
pub(crate) async fn rooms(
    state: &AppState,
    staff: &Staff,
    wf: &Workflow,
) -> Result<(Option<Room>, Vec<Room>), AppError> {
    Ok(app::rooms(&state.store, staff.scope(), Some(staff.0.user_id), wf).await?)
}

#[derive(Template)]
#[template(path = "workflow/images_room.html")]
struct RoomPage {
    layout: Layout,
    frame: Frame,
    errors: Vec<(String, String)>,
    back: String,
    rooms: Vec<Choice>,
    error: Option<String>,
}

async fn room_page(
    state: &AppState,
    staff: &Staff,
    wf: &Workflow,
    selected: Option<Uuid>,
    error: Option<&str>,
) -> PageResult {
    let (current, offered) = rooms(state, staff, wf).await?;
    let selected = selected.or(current.map(|r| r.id));
    let errors: Vec<(String, String)> = error
        .map(|e| vec![("room_id".to_owned(), e.to_owned())])
        .unwrap_or_default();
    respond(
        RoomPage {
            layout: layout(state, staff, wf, "Mammogram location", error.is_some()),
            frame: Frame::new(wf, Step::Images),
            back: Step::Images.href(wf.appointment.id),
            rooms: offered
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    let value = r.id.to_string();
                    let mut option = choice("room_id", i, &value, &r.name, selected == Some(r.id));
                    option.hint = Some(r.machine.clone());
                    option
                })
                .collect(),
            error: error.map(str::to_owned),
            errors,
        },
        error.is_some(),
    )
}

/// `GET /appointments/{id}/images/room`: "Which room are you taking the mammograms in?"
pub async fn room_form(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> PageResult {
    let wf = load_images(&state, &staff, &id).await?;
    room_page(&state, &staff, &wf, None, None).await
}

/// `POST /appointments/{id}/images/room`: sets the room (remembered for next time).
pub async fn room_save(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    form: FormPairs,
) -> PageResult {
    let version = form.version()?;
    let wf = load_images(&state, &staff, &id).await?;
    let (_, offered) = rooms(&state, &staff, &wf).await?;
    let chosen = form
        .get("room_id")
        .and_then(|v| Uuid::parse_str(v.trim()).ok())
        .filter(|r| offered.iter().any(|o| o.id == *r));
    let Some(room_id) = chosen else {
        return room_page(&state, &staff, &wf, None, Some(SELECT_ROOM)).await;
    };
    let id = wf.appointment.id;
    app::set_room(
        &state.store,
        &staff.caller(),
        app::SetRoom {
            appointment_id: id,
            room_id,
            expected_version: version,
        },
    )
    .await?;
    redirect(&Step::Images.href(id))
}

// ---------------------------------------------------------------------------------------
// Page 1: the room and "Have you taken a standard set of images?"
// ---------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "workflow/images.html")]
struct StartPage {
    layout: Layout,
    frame: Frame,
    errors: Vec<(String, String)>,
    room: Option<String>,
    room_id: String,
    room_href: String,
    question: &'static str,
    options: Vec<Choice>,
    error: Option<String>,
    /// After "Switch to manual image mode": what to do on the machine.
    manual_notice: Option<String>,
    /// On a recall appointment: what the recall asks for.
    recall: Option<String>,
}

/// "Technical recall: take RMLO and LCC again", for a recall appointment.
fn recall_text(wf: &Workflow) -> Option<String> {
    let follow_up = wf.appointment.follow_up.as_ref()?;
    let views = crate::features::workflow::app::requested_views(wf)?;
    Some(format!(
        "This appointment is {} for {}: record only the images the recall asks for.",
        follow_up.kind.singular(),
        views.sentence()
    ))
}

async fn start_page(
    state: &AppState,
    staff: &Staff,
    wf: &Workflow,
    answer: Option<StandardSetAnswer>,
    errors: &[ImagingError],
) -> PageResult {
    let (room, _) = rooms(state, staff, wf).await?;
    let manual_notice = super::auto_images::manual_notice(state, staff, wf, room.as_ref()).await?;
    let field = ImagingField::StandardSet.id();
    respond(
        StartPage {
            layout: layout(
                state,
                staff,
                wf,
                "Take mammogram images",
                !errors.is_empty(),
            ),
            frame: Frame::new(wf, Step::Images),
            errors: summary(errors),
            room: room.as_ref().map(room_text),
            room_id: room.map(|r| r.id.to_string()).unwrap_or_default(),
            room_href: page_href(wf.appointment.id, "room"),
            question: STANDARD_SET_QUESTION,
            options: StandardSetAnswer::ALL
                .iter()
                .enumerate()
                .map(|(i, a)| choice(&field, i, a.as_str(), a.label(), answer == Some(*a)))
                .collect(),
            error: error_on(errors, ImagingField::StandardSet),
            manual_notice,
            recall: recall_text(wf),
        },
        !errors.is_empty(),
    )
}

/// `GET /appointments/{id}/images`.
pub async fn show(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> PageResult {
    let wf = load_images(&state, &staff, &id).await?;
    let (room, _) = rooms(&state, &staff, &wf).await?;
    if let Some(page) = super::auto_images::page(&state, &staff, &wf, room.as_ref()).await? {
        return Ok(page);
    }
    let answer = images_record(&wf).map(|r| r.standard_set);
    start_page(&state, &staff, &wf, answer, &[]).await
}

/// `POST /appointments/{id}/images`: the standard set answer, and the room shown if the
/// appointment has none yet.
pub async fn choose(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    form: FormPairs,
) -> PageResult {
    let mut version = form.version()?;
    let mut wf = load_images(&state, &staff, &id).await?;
    let id = wf.appointment.id;
    let context = medical::imaging_context(&wf);
    let answer = form
        .get("standard_set")
        .and_then(|v| v.parse::<StandardSetAnswer>().ok());
    let Some(answer) = answer else {
        let errors = [ImagingError::new(
            ImagingField::StandardSet,
            SELECT_STANDARD_SET,
        )];
        return start_page(&state, &staff, &wf, None, &errors).await;
    };
    let mut record = working_record(&wf);
    if answer == StandardSetAnswer::No && record.standard_set == StandardSetAnswer::NoImages {
        record.counts = starting_counts(&wf);
    }
    record.standard_set = answer;
    let errors: Vec<ImagingError> = validate_details(&record, &context)
        .into_iter()
        .filter(|e| e.field == ImagingField::StandardSet)
        .collect();
    if !errors.is_empty() {
        return start_page(&state, &staff, &wf, Some(answer), &errors).await;
    }
    // The room shown is the one the images were taken in, unless it was changed.
    if wf.room.is_none() {
        let shown = form
            .get("room_id")
            .and_then(|v| Uuid::parse_str(v.trim()).ok());
        let room = match shown {
            Some(room_id) => state
                .store
                .rooms(staff.scope())
                .await?
                .into_iter()
                .find(|r| r.id == room_id),
            None => None,
        };
        if let Some(room) = room {
            version = app::set_room(
                &state.store,
                &staff.caller(),
                app::SetRoom {
                    appointment_id: id,
                    room_id: room.id,
                    expected_version: version,
                },
            )
            .await?;
            wf.room = Some(room);
        }
    } else {
        // An appointment that reached this step before the worklist item was issued by
        // the write that opens it gets its item here, at the first answer of the step.
        app::issue_worklist_if_reachable(&state.store, &staff.caller(), id).await?;
    }
    save_record_as(
        &state.store,
        staff.scope(),
        &staff.actor(),
        &wf,
        &record,
        version,
        Some(RecordingMethod::Manual),
    )
    .await?;
    redirect(&match answer {
        StandardSetAnswer::Yes => page_href(id, "details"),
        StandardSetAnswer::No => page_href(id, "counts"),
        StandardSetAnswer::NoImages => format!("/appointments/{id}/cannot-proceed"),
    })
}

// ---------------------------------------------------------------------------------------
// Page 2: "How many images were taken?"
// ---------------------------------------------------------------------------------------

pub struct CountInput {
    pub id: String,
    pub label: &'static str,
    pub code: &'static str,
    pub value: String,
    pub error: Option<String>,
}

pub struct BreastGroup {
    pub heading: &'static str,
    pub inputs: Vec<CountInput>,
}

#[derive(Template)]
#[template(path = "workflow/images_counts.html")]
struct CountsPage {
    layout: Layout,
    frame: Frame,
    errors: Vec<(String, String)>,
    action: String,
    question: &'static str,
    groups: Vec<BreastGroup>,
    counts_error: Option<String>,
    total: u16,
}

/// The counts page, showing `value` in each view's input.
fn counts_page(
    state: &AppState,
    staff: &Staff,
    wf: &Workflow,
    value: impl Fn(View) -> String,
    errors: &[ImagingError],
) -> PageResult {
    let total = View::ALL
        .iter()
        .map(|&v| u16::from(ViewCounts::parse_count(v, &value(v)).unwrap_or(0)))
        .sum();
    respond(
        CountsPage {
            layout: layout(
                state,
                staff,
                wf,
                "Provide image details",
                !errors.is_empty(),
            ),
            frame: Frame::new(wf, Step::Images),
            errors: summary(errors),
            action: page_href(wf.appointment.id, "counts"),
            question: COUNTS_QUESTION,
            groups: Breast::ALL
                .iter()
                .map(|&breast| BreastGroup {
                    heading: breast.heading(),
                    inputs: View::for_breast(breast)
                        .into_iter()
                        .map(|view| CountInput {
                            id: ImagingField::Count(view).id(),
                            label: view.description(),
                            code: view.label(),
                            value: value(view),
                            error: error_on(errors, ImagingField::Count(view)),
                        })
                        .collect(),
                })
                .collect(),
            counts_error: error_on(errors, ImagingField::Counts),
            total,
        },
        !errors.is_empty(),
    )
}

/// `GET /appointments/{id}/images/counts`.
pub async fn counts_form(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> PageResult {
    let wf = load_images(&state, &staff, &id).await?;
    let counts = match images_record(&wf) {
        Some(r) if r.standard_set == StandardSetAnswer::No => r.counts,
        _ => ViewCounts::default(),
    };
    counts_page(&state, &staff, &wf, |v| counts.get(v).to_string(), &[])
}

/// `POST /appointments/{id}/images/counts`: saves the counts ("No, add other
/// information"), then the repeats question if any view has 2 or more images.
pub async fn counts_save(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    form: FormPairs,
) -> PageResult {
    let version = form.version()?;
    let wf = load_images(&state, &staff, &id).await?;
    let id = wf.appointment.id;
    let inputs: Vec<(View, String)> = View::ALL
        .iter()
        .map(|&v| {
            let field = ImagingField::Count(v).id();
            (v, form.get(&field).unwrap_or_default().to_owned())
        })
        .collect();
    let typed = |view: View| {
        inputs
            .iter()
            .find(|(v, _)| *v == view)
            .map(|(_, s)| s.clone())
            .unwrap_or_default()
    };
    let counts = match ViewCounts::parse(inputs.iter().map(|(v, s)| (*v, s.as_str()))) {
        Ok(counts) => counts,
        Err(errors) => {
            let errors: Vec<ImagingError> = errors.into_iter().map(ImagingError::from).collect();
            return counts_page(&state, &staff, &wf, typed, &errors);
        }
    };
    let mut record = working_record(&wf);
    record.standard_set = StandardSetAnswer::No;
    record.counts = counts;
    let context = medical::imaging_context(&wf);
    let errors: Vec<ImagingError> = validate_details(&record, &context)
        .into_iter()
        .filter(|e| matches!(e.field, ImagingField::Counts | ImagingField::Count(_)))
        .collect();
    if !errors.is_empty() {
        return counts_page(&state, &staff, &wf, typed, &errors);
    }
    save_record_as(
        &state.store,
        staff.scope(),
        &staff.actor(),
        &wf,
        &record,
        version,
        Some(RecordingMethod::Manual),
    )
    .await?;
    redirect(&if record.views_needing_repeats().is_empty() {
        page_href(id, "details")
    } else {
        page_href(id, "repeats")
    })
}

// ---------------------------------------------------------------------------------------
// Page 3: repeats
// ---------------------------------------------------------------------------------------

/// The repeats question for one view, as shown.
pub struct RepeatsQuestion {
    pub id: String,
    /// The view's code: "RMLO".
    pub code: &'static str,
    pub question: String,
    pub error: Option<String>,
    pub options: Vec<Choice>,
    pub how_many_id: String,
    pub how_many_question: &'static str,
    pub how_many_hint: String,
    pub how_many_value: String,
    pub how_many_error: Option<String>,
    pub reasons_id: String,
    pub reasons: Vec<Choice>,
    pub reasons_error: Option<String>,
    pub other_id: String,
    pub other_value: String,
    pub other_error: Option<String>,
}

#[derive(Template)]
#[template(path = "workflow/images_repeats.html")]
struct RepeatsPage {
    layout: Layout,
    frame: Frame,
    errors: Vec<(String, String)>,
    action: String,
    reasons_question: &'static str,
    views: Vec<RepeatsQuestion>,
}

/// One view's answers as typed: the answer, and the raw "How many were repeats?".
struct TypedRepeats {
    view: View,
    images: u8,
    repeats: ViewRepeats,
    how_many: String,
}

fn repeats_question(typed: &TypedRepeats, errors: &[ImagingError]) -> RepeatsQuestion {
    let TypedRepeats {
        view,
        images,
        repeats,
        how_many,
    } = typed;
    let (view, images) = (*view, *images);
    let id = ImagingField::Repeats(view).id();
    let chosen = repeats.answer.map(ExtraImagesAnswer::choice);
    let reasons_id = ImagingField::RepeatReasons(view).id();
    RepeatsQuestion {
        code: view.label(),
        question: ExtraImagesAnswer::question(view, images),
        error: error_on(errors, ImagingField::Repeats(view)),
        options: ExtraImagesChoice::options(images)
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let mut option =
                    choice(&id, i, c.as_str(), c.label_for(images), chosen == Some(*c));
                option.reveals = *c == ExtraImagesChoice::SomeRepeats;
                option
            })
            .collect(),
        how_many_id: ImagingField::RepeatsCount(view).id(),
        how_many_question: ExtraImagesAnswer::HOW_MANY_QUESTION,
        how_many_hint: ExtraImagesAnswer::how_many_hint(images),
        how_many_value: how_many.clone(),
        how_many_error: error_on(errors, ImagingField::RepeatsCount(view)),
        reasons: RepeatReason::ALL
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let mut option = choice(
                    &reasons_id,
                    i,
                    r.as_str(),
                    r.label(),
                    repeats.reasons.contains(r),
                );
                option.reveals = *r == RepeatReason::Other;
                option
            })
            .collect(),
        reasons_id,
        reasons_error: error_on(errors, ImagingField::RepeatReasons(view)),
        other_id: ImagingField::RepeatOtherDetails(view).id(),
        other_value: repeats.other_reason_details.clone(),
        other_error: error_on(errors, ImagingField::RepeatOtherDetails(view)),
        id,
    }
}

fn repeats_page(
    state: &AppState,
    staff: &Staff,
    wf: &Workflow,
    typed: &[TypedRepeats],
    errors: &[ImagingError],
) -> PageResult {
    respond(
        RepeatsPage {
            layout: layout(state, staff, wf, "Repeat images", !errors.is_empty()),
            frame: Frame::new(wf, Step::Images),
            errors: summary(errors),
            action: page_href(wf.appointment.id, "repeats"),
            reasons_question: REPEAT_REASONS_QUESTION,
            views: typed.iter().map(|t| repeats_question(t, errors)).collect(),
        },
        !errors.is_empty(),
    )
}

/// `GET /appointments/{id}/images/repeats`: skipped (to the details) when no view has 2
/// or more images.
pub async fn repeats_form(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> PageResult {
    let wf = load_images(&state, &staff, &id).await?;
    let record = working_record(&wf);
    let views = if record.standard_set == StandardSetAnswer::No {
        record.views_needing_repeats()
    } else {
        Vec::new()
    };
    if views.is_empty() {
        return redirect(&page_href(wf.appointment.id, "details"));
    }
    let typed: Vec<TypedRepeats> = views
        .into_iter()
        .map(|(view, images)| {
            let repeats = record.repeats_for(view).cloned().unwrap_or_default();
            let how_many = match repeats.answer {
                Some(ExtraImagesAnswer::SomeRepeats(n)) => n.to_string(),
                _ => String::new(),
            };
            TypedRepeats {
                view,
                images,
                repeats,
                how_many,
            }
        })
        .collect();
    repeats_page(&state, &staff, &wf, &typed, &[])
}

/// `POST /appointments/{id}/images/repeats`.
pub async fn repeats_save(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    form: FormPairs,
) -> PageResult {
    let version = form.version()?;
    let wf = load_images(&state, &staff, &id).await?;
    let id = wf.appointment.id;
    let mut record = working_record(&wf);
    if record.standard_set != StandardSetAnswer::No {
        return redirect(&page_href(id, "details"));
    }
    let mut errors = Vec::new();
    let mut typed = Vec::new();
    for (view, images) in record.views_needing_repeats() {
        let how_many = form
            .get(&ImagingField::RepeatsCount(view).id())
            .unwrap_or_default()
            .to_owned();
        let answer = match form
            .get(&ImagingField::Repeats(view).id())
            .and_then(|v| v.parse::<ExtraImagesChoice>().ok())
        {
            Some(ExtraImagesChoice::SomeRepeats) => {
                match ExtraImagesAnswer::parse_how_many(view, &how_many) {
                    Ok(n) => Some(ExtraImagesAnswer::SomeRepeats(n)),
                    Err(e) => {
                        errors.push(e);
                        Some(ExtraImagesAnswer::SomeRepeats(0))
                    }
                }
            }
            Some(c) => Some(ExtraImagesAnswer::from_choice(c, 0)),
            None => None,
        };
        let repeats = ViewRepeats {
            answer,
            reasons: form
                .all(&ImagingField::RepeatReasons(view).id())
                .filter_map(|r| r.parse::<RepeatReason>().ok())
                .collect(),
            other_reason_details: form
                .get(&ImagingField::RepeatOtherDetails(view).id())
                .unwrap_or_default()
                .trim()
                .to_owned(),
        };
        record.repeats.insert(view, repeats.clone());
        typed.push(TypedRepeats {
            view,
            images,
            repeats,
            how_many,
        });
    }
    // A number that could not be read is reported once, as read; the range is the domain's.
    for e in validate_repeats(&record) {
        if !errors.iter().any(|known| known.field == e.field) {
            errors.push(e);
        }
    }
    errors.sort_by_key(|e| {
        typed
            .iter()
            .position(|t| {
                matches!(e.field,
                    ImagingField::Repeats(v) | ImagingField::RepeatsCount(v)
                    | ImagingField::RepeatReasons(v) | ImagingField::RepeatOtherDetails(v) if v == t.view)
            })
            .unwrap_or(usize::MAX)
    });
    if !errors.is_empty() {
        return repeats_page(&state, &staff, &wf, &typed, &errors);
    }
    save_record(
        &state.store,
        staff.scope(),
        &staff.actor(),
        &wf,
        &record,
        version,
    )
    .await?;
    redirect(&page_href(id, "details"))
}

// ---------------------------------------------------------------------------------------
// Page 4: additional details
// ---------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "workflow/images_details.html")]
struct DetailsPage {
    layout: Layout,
    frame: Frame,
    errors: Vec<(String, String)>,
    action: String,
    /// "4 images taken: 1x RCC, 1x RMLO, …"
    taken: String,
    taken_href: String,
    /// Whether "Not all mammograms taken" is offered (not after "Yes, 2 CC and 2 MLO").
    can_be_incomplete: bool,
    imperfect_label: &'static str,
    imperfect_hint: &'static str,
    imperfect: bool,
    not_all_label: &'static str,
    not_all: bool,
    not_all_error: Option<String>,
    reasons_question: &'static str,
    reasons: Vec<Choice>,
    reasons_error: Option<String>,
    details: String,
    details_error: Option<String>,
    guidance: &'static str,
    reason_guidance: Vec<(&'static str, &'static str)>,
    recall_question: &'static str,
    recall: Vec<Choice>,
    recall_error: Option<String>,
    timescale: String,
    timescale_error: Option<String>,
    scheduling_note: String,
    /// What the guidance says, when partial mammography is recorded for a reason it says
    /// should lead to a recall; the confirmation question is shown with it.
    partial_warning: Option<String>,
    partial_question: &'static str,
    partial_label: &'static str,
    partial_confirmed: bool,
    partial_error: Option<String>,
    notes_for_reader: String,
}

fn details_page(
    state: &AppState,
    staff: &Staff,
    wf: &Workflow,
    record: &ImagesRecord,
    errors: &[ImagingError],
) -> PageResult {
    let id = wf.appointment.id;
    let d = derive(record, &medical::imaging_context(wf));
    let not_all = record.not_all_taken.clone();
    let reasons_id = ImagingField::NotAllTakenReasons.id();
    let recall_id = ImagingField::Recall.id();
    let decision = not_all.as_ref().and_then(|n| n.recall.clone());
    let (timescale, scheduling_note) = match &decision {
        Some(RecallDecision::Recall {
            timescale,
            scheduling_note,
        }) => (timescale.clone(), scheduling_note.clone()),
        _ => (String::new(), String::new()),
    };
    respond(
        DetailsPage {
            layout: layout(state, staff, wf, "Additional details", !errors.is_empty()),
            frame: Frame::new(wf, Step::Images),
            errors: summary(errors),
            action: page_href(id, "details"),
            taken: format!(
                "{}: {}",
                d.images_taken_heading(),
                d.summary_lines().join(", ")
            ),
            taken_href: if record.standard_set == StandardSetAnswer::No
                && recording_method(wf) == RecordingMethod::Manual
            {
                page_href(id, "counts")
            } else {
                Step::Images.href(id)
            },
            can_be_incomplete: record.standard_set == StandardSetAnswer::No,
            imperfect_label: IMPERFECT_LABEL,
            imperfect_hint: IMPERFECT_HINT,
            imperfect: record.imperfect_but_best_possible,
            not_all_label: NOT_ALL_TAKEN_LABEL,
            not_all: not_all.is_some(),
            not_all_error: error_on(errors, ImagingField::NotAllTaken),
            reasons_question: INCOMPLETE_REASONS_QUESTION,
            reasons: IncompleteReason::ALL
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    let checked = not_all.as_ref().is_some_and(|n| n.reasons.contains(r));
                    let mut option = choice(&reasons_id, i, r.as_str(), r.label(), checked);
                    option.hint = r.hint().map(str::to_owned);
                    option
                })
                .collect(),
            reasons_error: error_on(errors, ImagingField::NotAllTakenReasons),
            details: not_all
                .as_ref()
                .map(|n| n.details.clone())
                .unwrap_or_default(),
            details_error: error_on(errors, ImagingField::NotAllTakenDetails),
            guidance: PARTIAL_MAMMOGRAPHY_GUIDANCE,
            reason_guidance: IncompleteReason::ALL
                .iter()
                .filter_map(|r| r.partial_guidance().map(|g| (r.label(), g)))
                .collect(),
            recall_question: RECALL_QUESTION,
            recall: RecallChoice::ALL
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let checked = decision.as_ref().map(RecallDecision::choice) == Some(*c);
                    let mut option = choice(&recall_id, i, c.as_str(), c.label(), checked);
                    option.reveals = *c == RecallChoice::Recall;
                    option
                })
                .collect(),
            recall_error: error_on(errors, ImagingField::Recall),
            timescale,
            timescale_error: error_on(errors, ImagingField::RecallTimescale),
            scheduling_note,
            partial_warning: not_all.as_ref().and_then(NotAllTaken::partial_warning),
            partial_question: PARTIAL_CONFIRM_QUESTION,
            partial_label: PARTIAL_CONFIRM_LABEL,
            partial_confirmed: not_all.as_ref().is_some_and(|n| n.partial_confirmed),
            partial_error: error_on(errors, ImagingField::PartialConfirmed),
            notes_for_reader: record.notes_for_reader.clone(),
        },
        !errors.is_empty(),
    )
}

/// `GET /appointments/{id}/images/details`.
pub async fn details_form(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> PageResult {
    let wf = load_images(&state, &staff, &id).await?;
    let Some(record) = images_record(&wf) else {
        return redirect(&Step::Images.href(wf.appointment.id));
    };
    if record.standard_set == StandardSetAnswer::NoImages {
        return redirect(&Step::Images.href(wf.appointment.id));
    }
    details_page(&state, &staff, &wf, &record, &[])
}

/// `POST /appointments/{id}/images/details`: saves the details, then goes on to "Check
/// information" if the whole record is valid, or back to the first page with a problem.
pub async fn details_save(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    form: FormPairs,
) -> PageResult {
    let version = form.version()?;
    let wf = load_images(&state, &staff, &id).await?;
    let id = wf.appointment.id;
    let Some(mut record) = images_record(&wf) else {
        return redirect(&Step::Images.href(id));
    };
    if record.standard_set == StandardSetAnswer::NoImages {
        return redirect(&Step::Images.href(id));
    }
    let text = |name: &str| form.get(name).unwrap_or_default().trim().to_owned();
    record.imperfect_but_best_possible = form.get("imperfect_but_best_possible").is_some();
    record.notes_for_reader = text("notes_for_reader");
    record.not_all_taken = (record.standard_set == StandardSetAnswer::No
        && form.get(&ImagingField::NotAllTaken.id()).is_some())
    .then(|| NotAllTaken {
        reasons: form
            .all(&ImagingField::NotAllTakenReasons.id())
            .filter_map(|r| r.parse::<IncompleteReason>().ok())
            .collect(),
        details: text(&ImagingField::NotAllTakenDetails.id()),
        recall: match form
            .get(&ImagingField::Recall.id())
            .and_then(|v| v.parse::<RecallChoice>().ok())
        {
            Some(RecallChoice::Recall) => Some(RecallDecision::Recall {
                timescale: text(&ImagingField::RecallTimescale.id()),
                scheduling_note: text("not_all_taken_recall_note"),
            }),
            Some(RecallChoice::NoRecall) => Some(RecallDecision::NoRecall),
            None => None,
        },
        partial_confirmed: form.get(&ImagingField::PartialConfirmed.id()).is_some(),
    });
    let context = medical::imaging_context(&wf);
    let errors: Vec<ImagingError> = validate_details(&record, &context)
        .into_iter()
        .filter(|e| on_details_page(e.field))
        .collect();
    if !errors.is_empty() {
        return details_page(&state, &staff, &wf, &record, &errors);
    }
    save_record(
        &state.store,
        staff.scope(),
        &staff.actor(),
        &wf,
        &record,
        version,
    )
    .await?;
    redirect(&match validate(&record, &context) {
        Ok(()) => Step::Check.href(id),
        Err(errors) => href_for(id, errors[0].field),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::imaging::{IncompleteReason as I, RepeatReason as RR};

    fn rows(card: &ImagesCard) -> Vec<(&str, &str)> {
        card.rows
            .iter()
            .map(|(k, v, _)| (k.as_str(), v.as_str()))
            .collect()
    }

    #[test]
    fn the_check_information_card_summarises_a_standard_set() {
        let id = Uuid::nil();
        let room = Room {
            id: Uuid::nil(),
            location_id: Uuid::nil(),
            name: "Room A".into(),
            machine: "Hologic 3Dimensions".into(),
            ae_title: "ROOMA".into(),
        };
        let card = card(
            &ImagesRecord::standard_set(),
            &ImagingContext::default(),
            Some(&room),
            id,
        );
        assert_eq!(card.heading, "4 images taken");
        assert_eq!(card.tag, None);
        assert_eq!(
            rows(&card),
            [
                ("Image recording method", "Manual"),
                ("Machine room", "Room A (Hologic 3Dimensions)"),
                ("Views taken", "1x RCC\n1x RMLO\n1x LCC\n1x LMLO"),
            ]
        );
        assert_eq!(card.rows[0].2, format!("/appointments/{id}/images"));
        assert_eq!(card.rows[1].2, format!("/appointments/{id}/images/room"));
    }

    #[test]
    fn the_check_information_card_shows_repeats_quality_and_not_all_taken() {
        let id = Uuid::nil();
        let counts = ViewCounts::from_pairs(&[(View::Rcc, 1), (View::Rmlo, 2), (View::Lmlo, 1)])
            .expect("counts");
        let mut record = ImagesRecord::with_counts(counts);
        record.repeats.insert(
            View::Rmlo,
            ViewRepeats::new(ExtraImagesAnswer::AllRepeats, &[RR::ParticipantMovement]),
        );
        record.imperfect_but_best_possible = true;
        record.not_all_taken = Some(NotAllTaken {
            reasons: vec![I::WheelchairPositioning],
            details: String::new(),
            recall: Some(RecallDecision::Recall {
                timescale: "In 6 weeks".into(),
                scheduling_note: "Allow the wrist to heal".into(),
            }),
            partial_confirmed: false,
        });
        record.notes_for_reader = "Best possible".into();
        let context = ImagingContext::default();
        assert_eq!(validate(&record, &context), Ok(()));
        let card = card(&record, &context, None, id);
        assert_eq!(card.heading, "4 images taken");
        assert_eq!(card.tag, Some("Recall requested"));
        assert_eq!(
            rows(&card),
            [
                ("Image recording method", "Manual"),
                ("Machine room", "Not recorded"),
                (
                    "Views taken",
                    "1x RCC\n2x RMLO: 1 repeat (Participant movement)\n1x LMLO"
                ),
                ("Image quality", "Imperfect, but best possible images"),
                (
                    "Not all mammograms taken",
                    "Positioning difficulties due to wheelchair\nRecall: In 6 weeks (Allow the wrist to heal)"
                ),
                ("Additional images", "1 repeat"),
                ("Notes for reader", "Best possible"),
            ]
        );
        assert_eq!(card.rows[2].2, format!("/appointments/{id}/images/counts"));
        assert_eq!(card.rows[5].2, format!("/appointments/{id}/images/repeats"));

        record.not_all_taken.as_mut().expect("not all").recall = Some(RecallDecision::NoRecall);
        let card = super::card(&record, &context, None, id);
        assert_eq!(card.tag, Some("Partial mammography"));
        assert_eq!(
            card.rows[4].1,
            "Positioning difficulties due to wheelchair\nNo recall requested"
        );

        // Partial mammography confirmed against the guidance says so on the summary.
        let not_all = record.not_all_taken.as_mut().expect("not all");
        not_all.reasons = vec![I::TechnicalIssues];
        assert!(validate(&record, &context).is_err());
        record
            .not_all_taken
            .as_mut()
            .expect("not all")
            .partial_confirmed = true;
        assert_eq!(validate(&record, &context), Ok(()));
        let card = super::card(&record, &context, None, id);
        assert_eq!(
            card.rows[4].1,
            "Technical issues\nNo recall requested\nPartial mammography confirmed by the \
             mammographer against the guidance for Technical issues"
        );
    }
}
