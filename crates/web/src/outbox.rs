//! The outbox dispatcher and its dead-letter list (ADR 18).
//!
//! The store records domain events in the transaction of the change and delivers the
//! after-commit ones right after that commit. This task is the reliable path for the rest:
//! deliveries left behind by a crash between a commit and its delivery, by another service
//! instance, or by a failure waiting for its retry. It polls every second (other instances
//! commit too) and is woken at once when a system administrator retries a dead delivery.
//! Each delivery is tried with exponential backoff (1 s doubling, at most 5 minutes) and is
//! dead after eight failures, until retried from the dead-letter page or the API.

use crate::api::{ApiCaller, Problem};
use crate::auth::SignedIn;
use crate::error::{AppError, PageResult};
use crate::present::{Layout, instant};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;
use store::{DeadDelivery, RetryPolicy, Store};
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use utoipa::ToSchema;
use uuid::Uuid;

/// How many due deliveries one pass takes.
const BATCH: i64 = 32;
/// How often the dispatcher looks for due deliveries when nothing wakes it.
const POLL: Duration = Duration::from_secs(1);

/// The running dispatcher. Aborts its task when the last copy of the state is dropped.
pub(crate) struct Dispatcher {
    wake: Arc<Notify>,
    task: JoinHandle<()>,
}

impl Drop for Dispatcher {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Dispatcher {
    /// Asks the dispatcher to look for due deliveries now.
    pub(crate) fn wake(&self) {
        self.wake.notify_one();
    }
}

/// Starts the dispatcher on the current Tokio runtime (none outside one).
pub(crate) fn start(store: Store) -> Option<Arc<Dispatcher>> {
    let runtime = tokio::runtime::Handle::try_current().ok()?;
    let wake = Arc::new(Notify::new());
    let woken = wake.clone();
    let task = runtime.spawn(async move {
        let policy = RetryPolicy::default();
        loop {
            tokio::select! {
                _ = woken.notified() => {}
                _ = tokio::time::sleep(POLL) => {}
            }
            if store.outbox_held() {
                continue;
            }
            drain(&store, &policy).await;
        }
    });
    tracing::debug!("outbox: dispatcher started");
    Some(Arc::new(Dispatcher { wake, task }))
}

/// Delivers every due delivery, a batch at a time.
async fn drain(store: &Store, policy: &RetryPolicy) {
    loop {
        let claimed = match store.claim_due_deliveries(BATCH).await {
            Ok(c) => c,
            Err(e) => {
                tracing::error!(error = %e, "outbox: could not claim due deliveries");
                return;
            }
        };
        let full = claimed.len() as i64 == BATCH;
        for c in claimed {
            match store.deliver(c.event_id, &c.subscriber, policy).await {
                Ok(outcome) => {
                    tracing::debug!(event_id = %c.event_id, subscriber = %c.subscriber, ?outcome, "outbox: delivery")
                }
                Err(e) => {
                    tracing::error!(event_id = %c.event_id, subscriber = %c.subscriber, error = %e, "outbox: delivery could not be recorded")
                }
            }
        }
        if !full {
            return;
        }
    }
}

/// The dead-letter page's routes (behind the session and CSRF layers of the pages).
pub(crate) fn page_routes() -> Router<AppState> {
    Router::new()
        .route("/admin/outbox", get(dead_letters_page))
        .route("/admin/outbox/retry", post(retry_from_page))
}

/// The dead-letter API routes (under `/api/v1`), each declared with its OpenAPI entry.
pub(crate) fn api_routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    utoipa_axum::router::OpenApiRouter::new()
        .routes(utoipa_axum::routes!(dead_letters_api))
        .routes(utoipa_axum::routes!(retry_from_api))
}

/// Dead deliveries, newest first.
#[derive(Serialize, ToSchema)]
pub struct DeadDeliveries {
    pub items: Vec<DeadDelivery>,
}

/// A dead delivery given a fresh set of attempts.
#[derive(Serialize, ToSchema)]
pub struct Retried {
    pub event_id: Uuid,
    pub subscriber: String,
}

#[derive(Template)]
#[template(path = "outbox_dead.html")]
struct DeadLettersPage {
    layout: Layout,
    retried: bool,
    rows: Vec<DeadRow>,
}

struct DeadRow {
    event_id: String,
    kind: String,
    subscriber: String,
    attempts: i64,
    last_error: String,
    created: String,
}

#[derive(Deserialize)]
pub(crate) struct RetryForm {
    event_id: String,
    subscriber: String,
}

#[derive(Deserialize)]
pub(crate) struct PageQuery {
    retried: Option<String>,
}

/// `GET /admin/outbox`: the deliveries that failed for good, for system administrators.
async fn dead_letters_page(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    axum::extract::Query(q): axum::extract::Query<PageQuery>,
) -> PageResult {
    if !user.is_system_admin {
        return Err(AppError::Forbidden);
    }
    let rows = state
        .store
        .dead_deliveries(200)
        .await?
        .into_iter()
        .map(|d| DeadRow {
            event_id: d.event_id.to_string(),
            kind: d.kind,
            subscriber: d.subscriber,
            attempts: d.attempts,
            last_error: d.last_error.unwrap_or_default(),
            created: instant(d.created_at),
        })
        .collect();
    let page = DeadLettersPage {
        layout: Layout::new(
            "Undelivered events",
            Some(user.clone()),
            state.config.demo_mode,
        ),
        retried: q.retried.is_some(),
        rows,
    };
    Ok(Html(page.render()?).into_response())
}

/// `POST /admin/outbox/retry`: gives a dead delivery a fresh set of attempts (audited).
async fn retry_from_page(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Form(form): Form<RetryForm>,
) -> PageResult {
    if !user.is_system_admin {
        return Err(AppError::Forbidden);
    }
    let event_id = Uuid::parse_str(form.event_id.trim()).map_err(|_| AppError::NotFound)?;
    let actor = store::Actor {
        user_id: Some(user.user_id),
        name: user.name.clone(),
        provider_id: user.provider.as_ref().map(|p| p.id),
    };
    state
        .store
        .retry_dead_delivery(&actor, event_id, form.subscriber.trim())
        .await?;
    if let Some(d) = &state.outbox {
        d.wake();
    }
    Ok(Redirect::to("/admin/outbox?retried=1").into_response())
}

/// Dead deliveries at every provider, newest first (system administrators only).
#[utoipa::path(get, path = "/outbox/dead-deliveries", responses(
    (status = 200, body = DeadDeliveries),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
))]
async fn dead_letters_api(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<DeadDeliveries>, Problem> {
    // Only a system administrator's own token may see or retry dead deliveries.
    caller.caller().require_system_admin(&state.store).await?;
    Ok(Json(DeadDeliveries {
        items: state.store.dead_deliveries(200).await?,
    }))
}

/// Gives a dead delivery a fresh set of attempts, due now (system administrators only;
/// audited). 404 unless the delivery is dead.
#[utoipa::path(post, path = "/outbox/dead-deliveries/{event_id}/{subscriber}/retry",
    params(("event_id" = Uuid, Path), ("subscriber" = String, Path)),
    responses(
        (status = 200, body = Retried),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
async fn retry_from_api(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path((event_id, subscriber)): Path<(String, String)>,
) -> Result<Response, Problem> {
    caller.caller().require_system_admin(&state.store).await?;
    let event_id = Uuid::parse_str(&event_id).map_err(|_| Problem::not_found())?;
    state
        .store
        .retry_dead_delivery(&caller.actor(), event_id, &subscriber)
        .await?;
    if let Some(d) = &state.outbox {
        d.wake();
    }
    Ok((
        StatusCode::OK,
        Json(Retried {
            event_id,
            subscriber,
        }),
    )
        .into_response())
}
