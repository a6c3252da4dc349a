//! Follow-up pages: the office's request lists and one request (`requests`), the overdue
//! setting (`settings`), choosing a free slot for a request, and the failsafe list.

mod requests;
mod settings;

use super::app::{self, BookFollowUp};
use crate::auth::Staff;
use crate::error::{AppError, PageResult};
use crate::http::extract::PageId;
use crate::pages::{errors_of, find, render};
use crate::present::{Layout, long_date, nhs_number};
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect};
use domain::follow_up::FollowUpKind;
use domain::ids::{ClinicId, FollowUpId};
use serde::Deserialize;
use store::{BookableSlot, FollowUpDetail};
use uuid::Uuid;

/// One free slot offered.
pub struct SlotOption {
    pub value: String,
    pub label: String,
    pub checked: bool,
}

/// One day's free slots.
pub struct SlotDay {
    pub heading: String,
    pub slots: Vec<SlotOption>,
}

#[derive(Template)]
#[template(path = "follow_ups/book.html")]
struct BookPage {
    layout: Layout,
    id: String,
    name: String,
    kind: &'static str,
    what: String,
    days: Vec<SlotDay>,
    clinic_type: &'static str,
    errors: Vec<(String, String)>,
    slot_error: Option<String>,
}

fn what_is_asked(detail: &FollowUpDetail) -> String {
    let r = &detail.request;
    let views = domain::imaging::RequestedViews::of(r.views.iter().copied());
    let mut parts = Vec::new();
    if let Some(v) = views {
        parts.push(format!("Views to take: {}", v.sentence()));
    }
    if !r.details.is_empty() {
        parts.push(r.details.clone());
    } else if !r.note.is_empty() {
        parts.push(r.note.clone());
    }
    parts.join(". ")
}

fn days_of(slots: &[BookableSlot], chosen: &str) -> Vec<SlotDay> {
    let mut days: Vec<SlotDay> = Vec::new();
    for s in slots {
        let heading = format!(
            "{}, {} ({})",
            long_date(s.clinic_date),
            s.location_name,
            s.session.label().to_lowercase()
        );
        let value = format!("{}:{}", s.clinic_id, s.slot_id);
        let option = SlotOption {
            label: s.starts_at.clone(),
            checked: value == chosen,
            value,
        };
        match days.last_mut() {
            Some(day) if day.heading == heading => day.slots.push(option),
            _ => days.push(SlotDay {
                heading,
                slots: vec![option],
            }),
        }
    }
    days
}

async fn book_page(
    state: &AppState,
    staff: &Staff,
    id: FollowUpId,
    chosen: &str,
    errors: Vec<(String, String)>,
) -> PageResult {
    let (detail, slots) = app::slots_for(&state.store, &staff.caller(), id, state.today()).await?;
    let kind: FollowUpKind = detail
        .request
        .kind
        .parse()
        .map_err(|_| AppError::NotFound)?;
    let Some(clinic_type) = kind.books_into() else {
        return Err(AppError::BadRequest(format!(
            "{} are not booked into a clinic",
            kind.label()
        )));
    };
    let title = if errors.is_empty() {
        "Book an appointment".to_owned()
    } else {
        "Error: Book an appointment".to_owned()
    };
    render(BookPage {
        layout: Layout::new(title, Some(staff.0.clone()), state.config.demo_mode),
        id: id.to_string(),
        name: detail.request.participant_name.clone(),
        kind: kind.label(),
        what: what_is_asked(&detail),
        days: days_of(&slots, chosen),
        clinic_type: match clinic_type {
            domain::ClinicType::Screening => "screening",
            domain::ClinicType::Assessment => "assessment",
        },
        slot_error: find(&errors, "slot"),
        errors,
    })
}

/// `GET /follow-ups/{id}/book`.
pub async fn book_form(
    State(state): State<AppState>,
    staff: Staff,
    PageId(id): PageId<FollowUpId>,
) -> PageResult {
    staff.require(domain::Permission::ManageAppointments)?;
    book_page(&state, &staff, id, "", Vec::new()).await
}

/// The chosen slot: "{clinic id}:{slot id}".
#[derive(Deserialize)]
pub struct BookForm {
    #[serde(default)]
    slot: String,
}

/// `POST /follow-ups/{id}/book`.
pub async fn book(
    State(state): State<AppState>,
    staff: Staff,
    PageId(id): PageId<FollowUpId>,
    Form(answers): Form<BookForm>,
) -> PageResult {
    staff.require(domain::Permission::ManageAppointments)?;
    let parsed = answers
        .slot
        .split_once(':')
        .and_then(|(c, s)| Some((c.parse::<ClinicId>().ok()?, Uuid::parse_str(s).ok()?)));
    let Some((clinic_id, slot_id)) = parsed else {
        let errors = vec![("slot".to_owned(), "Select an appointment time".to_owned())];
        return book_page(&state, &staff, id, "", errors).await;
    };
    let cmd = BookFollowUp {
        follow_up_id: id,
        clinic_id,
        slot_id,
    };
    match app::book(&state.store, &staff.caller(), cmd).await {
        Ok(appointment_id) => {
            Ok(Redirect::to(&format!("/appointments/{appointment_id}")).into_response())
        }
        Err(crate::application::Failure::Store(store::StoreError::Invalid(errors))) => {
            // Field errors name the request or the slot; both are shown against the choice.
            let errors = errors_of(errors)
                .into_iter()
                .map(|(_, message)| ("slot".to_owned(), message))
                .collect();
            book_page(&state, &staff, id, &answers.slot, errors).await
        }
        Err(e) => Err(AppError::from(e)),
    }
}

/// A row of the failsafe list.
pub struct FailsafeRow {
    pub id: String,
    pub participant_id: String,
    pub name: String,
    pub nhs_number: String,
    pub kind: &'static str,
    pub missed: String,
    pub raised: String,
}

#[derive(Template)]
#[template(path = "follow_ups/failsafe.html")]
struct FailsafePage {
    layout: Layout,
    rows: Vec<FailsafeRow>,
}

/// `GET /follow-ups/failsafe`.
pub async fn failsafe(State(state): State<AppState>, staff: Staff) -> PageResult {
    let rows = app::failsafe(&state.store, &staff.caller()).await?;
    render(FailsafePage {
        layout: Layout::new("Failsafe", Some(staff.0.clone()), state.config.demo_mode),
        rows: rows
            .into_iter()
            .map(|f| FailsafeRow {
                id: f.id.to_string(),
                participant_id: f.participant_id.to_string(),
                name: f.participant_name,
                nhs_number: nhs_number(&f.nhs_number),
                kind: f
                    .kind
                    .parse::<FollowUpKind>()
                    .map(|k| k.label())
                    .unwrap_or("Follow-up"),
                missed: f.booked_date.map(long_date).unwrap_or_default(),
                raised: long_date(f.created_at.date()),
            })
            .collect(),
    })
}

/// The follow-up page routes.
pub fn routes() -> axum::Router<AppState> {
    use axum::routing::get;
    axum::Router::new()
        .route("/follow-ups", get(requests::follow_ups))
        .route(
            "/follow-ups/settings",
            get(settings::settings_form).post(settings::settings_save),
        )
        .route(
            "/follow-ups/{id}",
            get(requests::follow_up_form).post(requests::follow_up_update),
        )
        .route("/follow-ups/{id}/book", get(book_form).post(book))
        .route("/follow-ups/failsafe", get(failsafe))
}
