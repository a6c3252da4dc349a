//! "Add appointment note", available from every step.

use crate::auth::Staff;
use crate::error::PageResult;
use crate::pages::parse_id;
use crate::state::AppState;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect};
use domain::Permission;
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
    Path(id): Path<String>,
    Form(form): Form<NoteForm>,
) -> PageResult {
    let id = parse_id(&id)?;
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
