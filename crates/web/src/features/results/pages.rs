//! Results as pages: the office's queue (`/results`) and the results card on the
//! participant's page.

use super::app;
use crate::application::Failure;
use crate::auth::Staff;
use crate::error::AppError;
use crate::error::PageResult;
use crate::pages::render;
use crate::pages::{errors_of, find, with_status};
use crate::present::{Layout, instant, long_date, nhs_number};
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect};
use domain::results::{ResultKind, ResultState};
use serde::Deserialize;
use store::{CodingChange, ResultCode, ResultCoding, ResultRecord, StoreError};

/// The page routes.
pub fn routes() -> axum::Router<AppState> {
    use axum::routing::get;
    axum::Router::new()
        .route("/results", get(queue))
        .route("/admin/result-codes", get(codings))
        .route(
            "/admin/result-codes/{kind}",
            get(coding_form).post(save_coding),
        )
}

/// One result as shown.
pub struct ResultView {
    pub participant_id: String,
    pub name: String,
    pub nhs_number: String,
    pub kind: &'static str,
    /// "Version 2, supersedes version 1" or empty for a first version.
    pub version: String,
    pub state: &'static str,
    pub state_class: &'static str,
    pub summary: String,
    pub gp_text: String,
    /// "171175005 Breast neoplasm screening normal (finding)", or "Not coded: sent as text".
    pub coding: String,
    pub next_test_due: Option<String>,
    pub issued: String,
}

/// The view of each result, in the order given.
pub fn views(results: &[ResultRecord]) -> Vec<ResultView> {
    results
        .iter()
        .map(|r| {
            let state_class = match r.state {
                ResultState::Current => "nhsuk-tag--green",
                ResultState::Superseded => "nhsuk-tag--grey",
                ResultState::Withdrawn => "nhsuk-tag--red",
            };
            let coding: Vec<String> = [&r.finding, &r.procedure]
                .into_iter()
                .flatten()
                .map(|c| format!("{} {}", c.code, c.display))
                .collect();
            ResultView {
                participant_id: r.participant_id.to_string(),
                name: r.participant_name.clone(),
                nhs_number: nhs_number(&r.nhs_number),
                kind: r.kind.label(),
                version: if r.version > 1 {
                    format!(
                        "Version {}, supersedes version {}",
                        r.version,
                        r.version - 1
                    )
                } else {
                    String::new()
                },
                state: r.state.label(),
                state_class,
                summary: r.summary.clone(),
                gp_text: r.gp_text.clone(),
                coding: if r.finding.is_none() {
                    let mut c = vec!["Finding not coded: sent as text".to_owned()];
                    c.extend(coding);
                    c.join("; ")
                } else {
                    coding.join("; ")
                },
                next_test_due: r.next_test_due.map(long_date),
                issued: format!("{} by {}", instant(r.created_at), r.issued_by_name),
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "results/queue.html")]
struct QueuePage {
    layout: Layout,
    rows: Vec<ResultView>,
    limit: i64,
}

/// `GET /results`.
pub async fn queue(State(state): State<AppState>, staff: Staff) -> PageResult {
    let results = app::queue(&state.store, &staff.caller()).await?;
    render(QueuePage {
        layout: Layout::new("Results", Some(staff.0.clone()), state.config.demo_mode),
        rows: views(&results),
        limit: app::QUEUE_LIMIT,
    })
}

/// One result kind's coding as listed.
pub struct CodingRow {
    pub kind: &'static str,
    pub label: &'static str,
    pub finding: String,
    pub procedure: String,
    pub changed_by: Option<String>,
}

fn concept_text(c: &Option<ResultCode>, none: &str) -> String {
    c.as_ref()
        .map_or_else(|| none.to_owned(), |c| format!("{} {}", c.code, c.display))
}

#[derive(Template)]
#[template(path = "results/codings.html")]
struct CodingsPage {
    layout: Layout,
    rows: Vec<CodingRow>,
    saved: Option<&'static str>,
}

#[derive(Deserialize)]
pub struct SavedQuery {
    saved: Option<String>,
}

/// `GET /admin/result-codes`: how each result is coded in GP messages (system
/// administrators).
pub async fn codings(
    State(state): State<AppState>,
    staff: Staff,
    axum::extract::Query(q): axum::extract::Query<SavedQuery>,
) -> PageResult {
    let codings = app::codings(&state.store, &staff.caller()).await?;
    let rows: Vec<CodingRow> = codings
        .iter()
        .map(|c| CodingRow {
            kind: c.kind.as_str(),
            label: c.kind.label(),
            finding: concept_text(&c.finding, "Not coded: sent as text"),
            procedure: concept_text(&c.procedure, "None"),
            changed_by: c.updated_by_name.clone(),
        })
        .collect();
    let saved = q
        .saved
        .as_deref()
        .and_then(|k| k.parse::<ResultKind>().ok())
        .map(ResultKind::label);
    render(CodingsPage {
        layout: Layout::new(
            "How results are coded",
            Some(staff.0.clone()),
            state.config.demo_mode,
        ),
        rows,
        saved,
    })
}

#[derive(Template)]
#[template(path = "results/coding.html")]
struct CodingPage {
    layout: Layout,
    kind: &'static str,
    label: &'static str,
    parts: Vec<PartView>,
    errors: Vec<(String, String)>,
}

/// One concept's two fields on the form.
pub struct PartView {
    pub heading: &'static str,
    pub code_field: String,
    pub display_field: String,
    pub code: String,
    pub display: String,
    pub code_error: Option<String>,
    pub display_error: Option<String>,
}

/// The form's fields.
#[derive(Debug, Default, Deserialize)]
pub struct CodingForm {
    #[serde(default)]
    pub finding_code: String,
    #[serde(default)]
    pub finding_display: String,
    #[serde(default)]
    pub procedure_code: String,
    #[serde(default)]
    pub procedure_display: String,
}

fn kind_of(segment: &str) -> Result<ResultKind, AppError> {
    segment.parse().map_err(|_| AppError::NotFound)
}

fn coding_page(
    state: &AppState,
    staff: &Staff,
    kind: ResultKind,
    form: CodingForm,
    errors: Vec<(String, String)>,
) -> PageResult {
    let part = |name: &str, heading: &'static str, code: String, display: String| {
        let (code_field, display_field) = (format!("{name}_code"), format!("{name}_display"));
        PartView {
            heading,
            code_error: find(&errors, &code_field),
            display_error: find(&errors, &display_field),
            code_field,
            display_field,
            code,
            display,
        }
    };
    let parts = vec![
        part(
            "finding",
            "Finding",
            form.finding_code,
            form.finding_display,
        ),
        part(
            "procedure",
            "Procedure",
            form.procedure_code,
            form.procedure_display,
        ),
    ];
    let page = CodingPage {
        layout: Layout::new(
            format!("Change how \u{201c}{}\u{201d} is coded", kind.label()),
            Some(staff.0.clone()),
            state.config.demo_mode,
        ),
        kind: kind.as_str(),
        label: kind.label(),
        parts,
        errors,
    };
    let errors = page.errors.clone();
    Ok(with_status(Html(page.render()?).into_response(), &errors))
}

/// `GET /admin/result-codes/{kind}`.
pub async fn coding_form(
    State(state): State<AppState>,
    staff: Staff,
    Path(kind): Path<String>,
) -> PageResult {
    let kind = kind_of(&kind)?;
    let codings: Vec<ResultCoding> = app::codings(&state.store, &staff.caller()).await?;
    let current = codings
        .into_iter()
        .find(|c| c.kind == kind)
        .ok_or(AppError::NotFound)?;
    let part = |c: &Option<ResultCode>| {
        c.as_ref()
            .map(|c| (c.code.clone(), c.display.clone()))
            .unwrap_or_default()
    };
    let (finding_code, finding_display) = part(&current.finding);
    let (procedure_code, procedure_display) = part(&current.procedure);
    coding_page(
        &state,
        &staff,
        kind,
        CodingForm {
            finding_code,
            finding_display,
            procedure_code,
            procedure_display,
        },
        Vec::new(),
    )
}

/// `POST /admin/result-codes/{kind}`.
pub async fn save_coding(
    State(state): State<AppState>,
    staff: Staff,
    Path(kind): Path<String>,
    Form(form): Form<CodingForm>,
) -> PageResult {
    let kind = kind_of(&kind)?;
    let concept = |code: &str, display: &str| {
        (!code.trim().is_empty() || !display.trim().is_empty()).then(|| ResultCode {
            code: code.to_owned(),
            display: display.to_owned(),
        })
    };
    let change = CodingChange {
        finding: concept(&form.finding_code, &form.finding_display),
        procedure: concept(&form.procedure_code, &form.procedure_display),
    };
    match app::set_coding(&state.store, &staff.caller(), kind, change).await {
        Ok(_) => Ok(
            Redirect::to(&format!("/admin/result-codes?saved={}", kind.as_str())).into_response(),
        ),
        Err(Failure::Store(StoreError::Invalid(errors))) => {
            coding_page(&state, &staff, kind, form, errors_of(errors))
        }
        Err(e) => Err(e.into()),
    }
}
