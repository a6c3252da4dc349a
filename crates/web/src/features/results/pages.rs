//! Results as pages: the office's queue (`/results`) and the results card on the
//! participant's page.

use super::app;
use crate::auth::Staff;
use crate::error::PageResult;
use crate::pages::render;
use crate::present::{Layout, instant, long_date, nhs_number};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use store::{ResultRecord, ResultState};

/// The page routes.
pub fn routes() -> axum::Router<AppState> {
    use axum::routing::get;
    axum::Router::new().route("/results", get(queue))
}

/// One result as shown.
pub struct ResultView {
    pub participant_id: String,
    pub name: String,
    pub nhs_number: String,
    pub kind: String,
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
            let (state, state_class) = match r.state {
                ResultState::Current => ("Current", "nhsuk-tag--green"),
                ResultState::Superseded => ("Superseded", "nhsuk-tag--grey"),
                ResultState::Withdrawn => ("Withdrawn", "nhsuk-tag--red"),
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
                kind: r.kind_label.clone(),
                version: if r.version > 1 {
                    format!(
                        "Version {}, supersedes version {}",
                        r.version,
                        r.version - 1
                    )
                } else {
                    String::new()
                },
                state,
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
