//! "When is a follow-up request overdue?": the office's setting.

use super::super::app;
use crate::application::Failure;
use crate::auth::Staff;
use crate::error::PageResult;
use crate::http::extract::PageForm;
use crate::pages::{errors_of, find, render, with_status};
use crate::present::Layout;
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect};
use domain::Permission;
use serde::Deserialize;
use store::{OfficeSettings, StoreError};

#[derive(Template)]
#[template(path = "follow_up_settings.html")]
struct SettingsPage {
    layout: Layout,
    days: String,
    errors: Vec<(String, String)>,
    days_error: Option<String>,
}

fn settings_page(
    state: &AppState,
    staff: &Staff,
    days: String,
    errors: Vec<(String, String)>,
) -> PageResult {
    let page = SettingsPage {
        layout: Layout::new(
            "When is a follow-up request overdue?",
            Some(staff.0.clone()),
            state.config.demo_mode,
        ),
        days,
        days_error: find(&errors, "follow_up_overdue_days"),
        errors,
    };
    let errors = page.errors.clone();
    Ok(with_status(render(page)?, &errors))
}

/// `GET /follow-ups/settings`.
pub async fn settings_form(State(state): State<AppState>, staff: Staff) -> PageResult {
    staff.require(Permission::ConfigureProvider)?;
    let settings = app::settings(&state.store, &staff.caller()).await?;
    settings_page(
        &state,
        &staff,
        settings.follow_up_overdue_days.to_string(),
        Vec::new(),
    )
}

/// The setting as typed: text until it is read as a whole number, so a mistake is shown.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SettingsForm {
    follow_up_overdue_days: String,
}

/// `POST /follow-ups/settings`.
pub async fn settings_save(
    State(state): State<AppState>,
    staff: Staff,
    PageForm(form): PageForm<SettingsForm>,
) -> PageResult {
    staff.require(Permission::ConfigureProvider)?;
    let given = form.follow_up_overdue_days.trim().to_owned();
    let Ok(days) = given.parse::<i64>() else {
        let errors = vec![(
            "follow_up_overdue_days".to_owned(),
            "Enter the number of days as a whole number, like 14".to_owned(),
        )];
        return settings_page(&state, &staff, given, errors);
    };
    let settings = OfficeSettings {
        follow_up_overdue_days: days,
    };
    match app::set_settings(&state.store, &staff.caller(), &settings).await {
        Ok(_) => Ok(Redirect::to("/follow-ups").into_response()),
        Err(Failure::Store(StoreError::Invalid(errors))) => {
            settings_page(&state, &staff, given, errors_of(errors))
        }
        Err(e) => Err(e.into()),
    }
}
