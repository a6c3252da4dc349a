//! "Add appointment note", available from every step.

use crate::auth::Staff;
use crate::error::PageResult;
use crate::http::extract::PageId;
use crate::state::AppState;
use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect};
use domain::Permission;
use domain::ids::AppointmentId;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct NoteForm {
    note: String,
    /// The page to return to (a path on this service).
    back: Option<String>,
}

pub async fn add(
    State(state): State<AppState>,
    staff: Staff,
    PageId(id): PageId<AppointmentId>,
    Form(form): Form<NoteForm>,
) -> PageResult {
    staff.require(Permission::CheckIn)?;
    state
        .store
        .add_note(staff.scope(), &staff.actor(), id, &form.note)
        .await?;
    let back = form
        .back
        .filter(|b| b.starts_with(&format!("/appointments/{id}")) && !b.contains("//"))
        .unwrap_or_else(|| format!("/appointments/{id}"));
    Ok(Redirect::to(&back).into_response())
}
