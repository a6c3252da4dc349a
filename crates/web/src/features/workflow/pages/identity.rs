//! Step 1: "Confirm identity".

use super::{Frame, Step, load_step};
use crate::auth::Staff;
use crate::error::PageResult;
use crate::features::workflow::app;
use crate::http::extract::PageId;
use crate::pages::render;
use crate::present::{Layout, long_date};
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect};
use domain::age_on;
use domain::ids::AppointmentId;
use serde::Deserialize;
use store::Workflow;

pub fn is_done(wf: &Workflow) -> bool {
    app::identity_confirmed(wf)
}

#[derive(Template)]
#[template(path = "workflow/identity.html")]
struct IdentityPage {
    layout: Layout,
    frame: Frame,
    first_name: String,
    date_of_birth: String,
    age: u16,
    address: String,
    confirmed: bool,
}

pub async fn show(
    State(state): State<AppState>,
    staff: Staff,
    PageId(id): PageId<AppointmentId>,
) -> PageResult {
    let wf = load_step(&state, &staff, id, Step::Identity).await?;
    let p = &wf.appointment.participant;
    let frame = Frame::new(&wf, Step::Identity);
    render(IdentityPage {
        layout: Layout::new(
            format!("Confirm identity – {}", p.full_name()),
            Some(staff.0.clone()),
            state.config.demo_mode,
        ),
        first_name: p.first_name.clone(),
        date_of_birth: long_date(p.date_of_birth),
        age: age_on(p.date_of_birth, state.today()),
        address: [
            p.address_line_1.as_str(),
            p.address_line_2.as_str(),
            p.town.as_str(),
            p.postcode.as_str(),
        ]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(", "),
        confirmed: is_done(&wf),
        frame,
    })
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    version: i64,
}

pub async fn confirm(
    State(state): State<AppState>,
    staff: Staff,
    PageId(id): PageId<AppointmentId>,
    Form(form): Form<ConfirmForm>,
) -> PageResult {
    app::confirm_identity(
        &state.store,
        &staff.caller(),
        app::ConfirmIdentity {
            appointment_id: id,
            expected_version: form.version,
        },
    )
    .await?;
    Ok(Redirect::to(&Step::Medical.href(id)).into_response())
}
