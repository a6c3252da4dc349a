//! Image reading: the cases waiting to be read. (Reads, sessions and arbitration come next.)

use super::ApiCaller;
use super::problem::Problem;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Query, State};
use domain::Permission;
use domain::reading::{ReadingState, ReadingWindow};
use serde::{Deserialize, Serialize};
use store::ReadingCase;
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
pub struct CasesQuery {
    /// awaiting_first_read (default), awaiting_second_read, awaiting_finalisation,
    /// awaiting_arbitration or concluded.
    state: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CaseView {
    #[serde(flatten)]
    pub case: ReadingCase,
    /// on_time, due_soon, urgent or overdue, against the 14-day reading window.
    pub due: String,
}

/// Reading cases in one state, oldest screening first.
#[utoipa::path(get, path = "/reading/cases", params(CasesQuery), responses(
    (status = 200, body = Vec<CaseView>),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
pub async fn cases(
    State(state): State<AppState>,
    caller: ApiCaller,
    Query(q): Query<CasesQuery>,
) -> Result<Json<Vec<CaseView>>, Problem> {
    caller.require(Permission::ViewRecords)?;
    let reading_state = match q.state.as_deref() {
        None => ReadingState::AwaitingFirstRead,
        Some(s) => s.parse().map_err(|_| {
            Problem::invalid_fields(vec![(
                "state".to_owned(),
                "Must be awaiting_first_read, awaiting_second_read, awaiting_finalisation, awaiting_arbitration or concluded".to_owned(),
            )])
        })?,
    };
    let window = ReadingWindow::default();
    let today = state.today();
    let cases = state
        .store
        .reading_cases(caller.scope(), reading_state, 500)
        .await?;
    Ok(Json(
        cases
            .into_iter()
            .map(|case| CaseView {
                due: window.status(case.screened_on, today).as_str().to_owned(),
                case,
            })
            .collect(),
    ))
}
