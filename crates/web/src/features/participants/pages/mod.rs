//! The participant pages: search, one participant's record, and (in `special`) her
//! special appointment.

mod special;

use crate::auth::Staff;
use crate::error::PageResult;
use crate::http::extract::PageId;
use crate::pages::render;
use crate::present::{Layout, SpecialView, long_date, nhs_number};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::routing::get;
use domain::age_on;
use domain::ids::ParticipantId;
use serde::Deserialize;
use store::{Participant, ParticipantAppointment};
use time::Date;

/// The pages' routes (behind the session and CSRF layers).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/participants", get(search))
        .route("/participants/{id}", get(show))
        .route(
            "/participants/{id}/special-appointment",
            get(special::form).post(special::save),
        )
}

pub struct ParticipantView {
    pub name: String,
    pub nhs_number: String,
    pub date_of_birth: String,
    pub age: u16,
    pub sex: &'static str,
    pub ethnicity: &'static str,
    pub address: Vec<String>,
    pub phone: String,
    pub email: String,
    pub gp_practice_code: String,
    pub communication: String,
    pub access: String,
}

#[derive(Clone)]
pub struct ApptView {
    pub id: String,
    pub date: String,
    pub time: String,
    pub location: String,
    pub status: &'static str,
    pub status_class: &'static str,
}

#[derive(Template)]
#[template(path = "participant.html")]
struct ParticipantPage {
    layout: Layout,
    participant_id: String,
    p: ParticipantView,
    special: SpecialView,
    screening: crate::features::screening_status::pages::StatusCard,
    upcoming: Vec<ApptView>,
    past: Vec<ApptView>,
    episodes: Vec<crate::features::episodes::pages::EpisodeView>,
    results: Vec<crate::features::results::pages::ResultView>,
    deliveries: Vec<(
        &'static str,
        crate::features::deliveries::pages::DeliveryView,
    )>,
}

fn or_none(s: &str) -> String {
    if s.trim().is_empty() {
        "Not provided".to_owned()
    } else {
        s.to_owned()
    }
}

fn list_with_notes(items: Vec<&'static str>, notes: &str) -> String {
    let mut out = if items.is_empty() {
        "None recorded".to_owned()
    } else {
        items.join(", ")
    };
    if !notes.trim().is_empty() {
        out.push_str(&format!(" ({})", notes.trim()));
    }
    out
}

/// Her appointments as (upcoming, past): upcoming are those still to happen from `today`,
/// earliest first; past are the rest, latest first.
fn appointment_views(
    appointments: &[ParticipantAppointment],
    today: Date,
) -> (Vec<ApptView>, Vec<ApptView>) {
    let (upcoming, past): (Vec<_>, Vec<_>) = appointments
        .iter()
        .map(|a| {
            (
                a.clinic_date >= today && !a.status.is_final(),
                ApptView {
                    id: a.id.to_string(),
                    date: long_date(a.clinic_date),
                    time: a.starts_at.clone(),
                    location: a.location_name.clone(),
                    status: a.status.label(),
                    status_class: a.status.tag_class(),
                },
            )
        })
        .partition(|(upcoming, _)| *upcoming);
    (
        upcoming.into_iter().map(|(_, v)| v).collect(),
        past.into_iter().rev().map(|(_, v)| v).collect(),
    )
}

/// Her details as the record's summary shows them.
fn participant_view(p: &Participant, today: Date) -> ParticipantView {
    let mut address = vec![p.address_line_1.clone()];
    if !p.address_line_2.is_empty() {
        address.push(p.address_line_2.clone());
    }
    address.push(p.town.clone());
    address.push(p.postcode.clone());
    ParticipantView {
        name: p.full_name(),
        nhs_number: nhs_number(&p.nhs_number),
        date_of_birth: long_date(p.date_of_birth),
        age: age_on(p.date_of_birth, today),
        sex: p.sex.label(),
        ethnicity: p.ethnicity.map_or("Not recorded", |e| e.label()),
        address,
        phone: or_none(&p.phone),
        email: or_none(&p.email),
        gp_practice_code: p.gp_practice_code.clone(),
        communication: list_with_notes(
            p.communication_preferences
                .iter()
                .map(|c| c.label())
                .collect(),
            &p.communication_notes,
        ),
        access: list_with_notes(
            p.access_needs.iter().map(|c| c.label()).collect(),
            &p.access_notes,
        ),
    }
}

/// `GET /participants/{id}`: her record, recorded in the audit log as a view.
pub async fn show(
    State(state): State<AppState>,
    staff: Staff,
    PageId(id): PageId<ParticipantId>,
    Query(banner): Query<crate::features::screening_status::pages::BannerQuery>,
) -> PageResult {
    let scope = staff.scope();
    let (p, appointments, timeline, results, deliveries) = tokio::try_join!(
        state.store.participant(scope, id),
        state.store.participant_appointments(scope, id),
        state.store.timeline(scope, id),
        state.store.participant_results(scope, id),
        state.store.participant_deliveries(scope, id)
    )?;
    let deliveries = crate::features::deliveries::pages::deliveries_view(&deliveries)
        .into_iter()
        .map(|d| ("", d))
        .collect();
    let results = crate::features::results::pages::views(&results);
    let episodes = crate::features::episodes::pages::timeline_view(
        &timeline,
        staff.0.can(domain::Permission::ManageAppointments),
    );
    state
        .store
        .record_view(&staff.actor(), "participant", p.id, Some(p.id))
        .await?;
    let today = state.today();
    let (upcoming, past) = appointment_views(&appointments, today);
    let view = participant_view(&p, today);
    let screening =
        crate::features::screening_status::pages::card(&state, &staff, p.id, &view.name, &banner)
            .await?;
    render(ParticipantPage {
        screening,
        participant_id: p.id.to_string(),
        layout: Layout::new(
            format!("Participant: {}", view.name),
            Some(staff.0.clone()),
            state.config.demo_mode,
        ),
        special: SpecialView::of(&p),
        p: view,
        upcoming,
        past,
        episodes,
        results,
        deliveries,
    })
}

#[derive(Deserialize)]
pub struct SearchQuery {
    q: Option<String>,
}

#[derive(Template)]
#[template(path = "participants.html")]
struct SearchPage {
    layout: Layout,
    query: String,
    results: Vec<(String, String, String, String)>,
}

/// `GET /participants`: find participants by name or NHS number.
pub async fn search(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<SearchQuery>,
) -> PageResult {
    let query = q.q.unwrap_or_default();
    let results = if query.trim().is_empty() {
        Vec::new()
    } else {
        state
            .store
            .search_participants(staff.scope(), &query, 50)
            .await?
    };
    render(SearchPage {
        layout: Layout::new(
            "Participants",
            Some(staff.0.clone()),
            state.config.demo_mode,
        ),
        query,
        results: results
            .iter()
            .map(|p| {
                (
                    p.id.to_string(),
                    p.full_name(),
                    nhs_number(&p.nhs_number),
                    long_date(p.date_of_birth),
                )
            })
            .collect(),
    })
}
