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
//! [`ImagesRecord`], ask the domain what is wrong with it, save it (with the application
//! layer's [`save_record`], which the API uses too) and render.

use super::{Frame, OpenForm, Step, form_version, load_step, medical};
use crate::auth::Staff;
use crate::error::{AppError, PageResult};
use crate::features::workflow::app;
pub use crate::features::workflow::app::images::{
    images_record, recording_method, save_record, save_record_as,
};
use crate::http::extract::{PageForm, PageId};
use crate::pages::render;
use crate::present::Layout;
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use domain::gateway::RecordingMethod;
use domain::ids::AppointmentId;
use domain::imaging::{
    Breast, COUNTS_QUESTION, Derivation, ExtraImagesAnswer, ExtraImagesChoice, IMPERFECT_HINT,
    IMPERFECT_LABEL, INCOMPLETE_REASONS_QUESTION, ImagesRecord, ImagingContext, ImagingError,
    ImagingField, IncompleteReason, NOT_ALL_TAKEN_LABEL, NotAllTaken, PARTIAL_CONFIRM_LABEL,
    PARTIAL_CONFIRM_QUESTION, PARTIAL_MAMMOGRAPHY_GUIDANCE, RECALL_QUESTION,
    REPEAT_REASONS_QUESTION, RecallChoice, RecallDecision, RepeatReason, STANDARD_SET_QUESTION,
    StandardSetAnswer, View, ViewCounts, ViewRepeats, derive, validate, validate_details,
    validate_repeats,
};
use store::{Room, Workflow};
use uuid::Uuid;

/// Shown when the standard set question is submitted unanswered (a form matter, so not a
/// domain rule).
const SELECT_STANDARD_SET: &str = "Select whether you have taken a standard set of images";

/// Shown when the room page is submitted without a room.
const SELECT_ROOM: &str = "Select the room the images are taken in";

// ---------------------------------------------------------------------------------------
// The saved record
// ---------------------------------------------------------------------------------------

/// The record the later pages start from: the saved one, or the standard counts (on a
/// recall, one of each view asked for) with nothing else answered.
fn working_record(wf: &Workflow) -> ImagesRecord {
    images_record(wf).unwrap_or_else(|| ImagesRecord::with_counts(starting_counts(wf)))
}

/// The counts a new record starts at: the standard set, or on a recall the views asked for.
fn starting_counts(wf: &Workflow) -> ViewCounts {
    app::requested_views(wf).map_or(ViewCounts::STANDARD, |r| r.counts())
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
    id: AppointmentId,
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
        rows.push((
            NOT_ALL_TAKEN_LABEL.to_owned(),
            not_all_taken_text(not_all),
            details.clone(),
        ));
    }
    if d.has_additional_images() {
        let href = if record.views_needing_repeats().is_empty() {
            views_href
        } else {
            page_href(id, "repeats")
        };
        rows.push((
            "Additional images".to_owned(),
            additional_images_text(&d),
            href,
        ));
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

/// The "Not all mammograms taken" row: the reasons, details, the recall decision and any
/// confirmation against the guidance, one per line.
fn not_all_taken_text(not_all: &NotAllTaken) -> String {
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
    lines
        .into_iter()
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The "Additional images" row: "1 repeat, 2 extra images, 2 implant-displaced images".
fn additional_images_text(d: &Derivation) -> String {
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
    parts.join(", ")
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

pub(crate) fn page_href(id: AppointmentId, page: &str) -> String {
    format!("{}/{page}", Step::Images.href(id))
}

/// Where to fix a field: the page it is asked on.
fn href_for(id: AppointmentId, field: ImagingField) -> String {
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
    id: AppointmentId,
) -> Result<Workflow, AppError> {
    load_step(state, staff, id, Step::Images).await
}

mod counts;
mod details;
mod repeats;
mod room;
mod start;

pub use counts::*;
pub use details::*;
pub use repeats::*;
pub use room::*;
pub use start::*;

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
        let id = AppointmentId::from_uuid(Uuid::nil());
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
        let id = AppointmentId::from_uuid(Uuid::nil());
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
