//! Result deliveries as pages: the failsafe list, one delivery (preview, re-issue,
//! resolve, send again), the print batches and the GP messages. The participant's page
//! lists her deliveries beside her results (`deliveries_view`).

use super::app::{self, Preview};
use crate::application::Failure;
use crate::auth::Staff;
use crate::error::{AppError, PageResult};
use crate::pages::{errors_of, find, render, with_status};
use crate::present::{Layout, instant, nhs_number};
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Redirect};
use domain::delivery::{Channel, DeliveryState};
use serde::Deserialize;
use store::{DeliveryRecord, StoreError};
use uuid::Uuid;

/// The page routes.
pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/results/failsafe", get(failsafe))
        .route("/results/gp-messages", get(gp_messages))
        .route("/results/print-batches", get(batches).post(make_batch))
        .route("/results/deliveries/{id}", get(detail))
        .route("/results/deliveries/{id}/letter.pdf", get(letter))
        .route("/results/deliveries/{id}/gp-message.json", get(gp_message))
        .route("/results/deliveries/{id}/reissue", post(reissue))
        .route("/results/deliveries/{id}/resolve", post(resolve))
        .route("/results/deliveries/{id}/retry", post(retry))
}

fn id_of(segment: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(segment).map_err(|_| AppError::NotFound)
}

/// The tag colour of a state.
pub fn state_class(state: DeliveryState) -> &'static str {
    match state {
        DeliveryState::Acknowledged | DeliveryState::Printed | DeliveryState::Resolved => {
            "nhsuk-tag--green"
        }
        DeliveryState::Sent | DeliveryState::Delivered => "nhsuk-tag--blue",
        DeliveryState::Queued => "nhsuk-tag--grey",
        DeliveryState::Retrying => "nhsuk-tag--yellow",
        DeliveryState::Failed | DeliveryState::Undeliverable => "nhsuk-tag--red",
        DeliveryState::NotSent | DeliveryState::Cancelled => "nhsuk-tag--white",
    }
}

/// One delivery as listed.
pub struct DeliveryView {
    pub id: String,
    pub participant_id: String,
    pub name: String,
    pub nhs_number: String,
    pub result: String,
    pub channel: &'static str,
    pub is_letter: bool,
    pub state: &'static str,
    pub state_class: &'static str,
    /// The reason, the last error, or where it went.
    pub detail: String,
    pub queued: String,
    pub sent: Option<String>,
}

/// The view of each delivery, in the order given.
pub fn deliveries_view(list: &[DeliveryRecord]) -> Vec<DeliveryView> {
    list.iter()
        .map(|d| {
            let mut detail = d.reason.clone();
            if let Some(e) = d
                .last_error
                .as_deref()
                .filter(|_| d.state == DeliveryState::Retrying)
            {
                detail = format!("Last try: {e}");
            } else if detail.is_empty()
                && let Some(m) = &d.mesh_mailbox
            {
                detail = format!("To {m}");
            }
            if d.channel == Channel::GpMessage && detail.is_empty() {
                detail = format!("Practice {}", d.gp_practice_code);
            }
            DeliveryView {
                id: d.id.to_string(),
                participant_id: d.participant_id.to_string(),
                name: d.participant_name.clone(),
                nhs_number: nhs_number(&d.nhs_number),
                result: if d.result_version > 1 {
                    format!("{} (version {})", d.result_kind.label(), d.result_version)
                } else {
                    d.result_kind.label().to_owned()
                },
                channel: d.channel.label(),
                is_letter: d.channel == Channel::Letter,
                state: d.state.label(),
                state_class: state_class(d.state),
                detail,
                queued: instant(d.queued_at),
                sent: d.sent_at.map(instant),
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "deliveries/failsafe.html")]
struct FailsafePage {
    layout: Layout,
    rows: Vec<(&'static str, DeliveryView)>,
    ack_days: i64,
    today: CountView,
}

/// The day's count, as read out.
pub struct CountView {
    pub results: i64,
    pub letters: String,
    pub gp_messages: String,
    pub missing: i64,
}

fn by_state(counts: &std::collections::BTreeMap<String, i64>) -> String {
    if counts.is_empty() {
        return "none".to_owned();
    }
    counts
        .iter()
        .map(|(state, n)| {
            let label = state
                .parse::<DeliveryState>()
                .map_or_else(|_| state.clone(), |s| s.label().to_lowercase());
            format!("{n} {label}")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `GET /results/failsafe`.
pub async fn failsafe(State(state): State<AppState>, staff: Staff) -> PageResult {
    let ack_days = state.config.results.ack_days;
    let items = app::failsafe(&state.store, &staff.caller(), ack_days).await?;
    let count = app::reconciliation(&state.store, &staff.caller(), state.today()).await?;
    let records: Vec<DeliveryRecord> = items.iter().map(|i| i.delivery.clone()).collect();
    let rows = items
        .iter()
        .map(|i| i.reason.label())
        .zip(deliveries_view(&records))
        .collect();
    render(FailsafePage {
        layout: Layout::new(
            "Results failsafe",
            Some(staff.0.clone()),
            state.config.demo_mode,
        ),
        rows,
        ack_days,
        today: CountView {
            results: count.results,
            letters: by_state(&count.letters),
            gp_messages: by_state(&count.gp_messages),
            missing: count.without_letter + count.without_gp_message,
        },
    })
}

#[derive(Template)]
#[template(path = "deliveries/gp_messages.html")]
struct GpMessagesPage {
    layout: Layout,
    rows: Vec<(&'static str, DeliveryView)>,
    local: bool,
}

/// `GET /results/gp-messages`.
pub async fn gp_messages(State(state): State<AppState>, staff: Staff) -> PageResult {
    let list = app::gp_messages(&state.store, &staff.caller()).await?;
    render(GpMessagesPage {
        layout: Layout::new("GP messages", Some(staff.0.clone()), state.config.demo_mode),
        rows: deliveries_view(&list)
            .into_iter()
            .map(|d| ("", d))
            .collect(),
        local: state.config.results.mesh.is_none(),
    })
}

/// A print batch as listed.
pub struct BatchView {
    pub file_name: String,
    pub letters: i64,
    pub pages: i64,
    pub sha256: String,
    pub made: String,
}

#[derive(Template)]
#[template(path = "deliveries/batches.html")]
struct BatchesPage {
    layout: Layout,
    rows: Vec<BatchView>,
    /// The batch just made (its file name, when it is one of those listed).
    made: Option<String>,
    /// The office asked for a batch and no letters were waiting.
    nothing_to_print: bool,
    folder: String,
    /// The time of day (London) the day's batch is made by itself, "HH:MM".
    batch_at: String,
    can_make: bool,
}

#[derive(Deserialize)]
pub struct MadeQuery {
    made: Option<String>,
}

/// `GET /results/print-batches`.
pub async fn batches(
    State(state): State<AppState>,
    staff: Staff,
    axum::extract::Query(q): axum::extract::Query<MadeQuery>,
) -> PageResult {
    let list = app::print_batches(&state.store, &staff.caller()).await?;
    let nothing_to_print = q.made.as_deref() == Some("none");
    let made = q.made.filter(|m| list.iter().any(|b| &b.file_name == m));
    let at = state.config.results.print_batch_at;
    render(BatchesPage {
        layout: Layout::new(
            "Print batches",
            Some(staff.0.clone()),
            state.config.demo_mode,
        ),
        rows: list
            .iter()
            .map(|b| BatchView {
                file_name: b.file_name.clone(),
                letters: b.letter_count,
                pages: b.page_count,
                sha256: b.sha256.clone(),
                made: format!("{} by {}", instant(b.created_at), b.created_by_name),
            })
            .collect(),
        made,
        nothing_to_print,
        folder: state.config.results.print_dir.display().to_string(),
        batch_at: format!("{:02}:{:02}", at.hour(), at.minute()),
        can_make: staff.0.can(domain::Permission::ManageResults),
    })
}

/// `POST /results/print-batches`: make the batch now.
pub async fn make_batch(State(state): State<AppState>, staff: Staff) -> PageResult {
    let made = app::make_print_batch(&state.store, &staff.caller(), &state.config.results).await?;
    let to = match made {
        Some(b) => format!("/results/print-batches?made={}", b.file_name),
        None => "/results/print-batches?made=none".to_owned(),
    };
    Ok(Redirect::to(&to).into_response())
}

/// One history row as shown.
pub struct HistoryView {
    pub state: &'static str,
    pub detail: String,
    pub by: String,
    pub at: String,
}

#[derive(Template)]
#[template(path = "deliveries/detail.html")]
struct DetailPage {
    layout: Layout,
    d: DeliveryView,
    history: Vec<HistoryView>,
    can_reissue: bool,
    can_resolve: bool,
    can_retry: bool,
    notice: Option<&'static str>,
    errors: Vec<(String, String)>,
    reason: String,
    note: String,
    reason_error: Option<String>,
    note_error: Option<String>,
}

#[derive(Deserialize)]
pub struct NoticeQuery {
    done: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    note: String,
}

async fn detail_page(
    state: &AppState,
    staff: &Staff,
    id: Uuid,
    notice: Option<&'static str>,
    form: ActionForm,
    errors: Vec<(String, String)>,
) -> PageResult {
    let detail = app::detail(&state.store, &staff.caller(), id).await?;
    let d = &detail.delivery;
    let manage = staff.0.can(domain::Permission::ManageResults);
    let title = format!("{} for {}", d.channel.label(), d.participant_name);
    let page = DetailPage {
        layout: Layout::new(
            if errors.is_empty() {
                title
            } else {
                format!("Error: {title}")
            },
            Some(staff.0.clone()),
            state.config.demo_mode,
        ),
        // Only a letter that went out is sent again: one still waiting goes in the next
        // batch anyway (and a held one must stay held), and a cancelled one was for a result
        // that changed.
        can_reissue: manage && domain::delivery::may_reissue(d.channel, d.state),
        can_resolve: manage
            && d.state
                .after(d.channel, domain::delivery::DeliveryEvent::OfficeResolved)
                .is_ok(),
        can_retry: manage
            && d.state
                .after(d.channel, domain::delivery::DeliveryEvent::OfficeRetry)
                .is_ok(),
        d: deliveries_view(std::slice::from_ref(d)).remove(0),
        history: detail
            .history
            .iter()
            .map(|h| HistoryView {
                state: h.state.label(),
                detail: h.detail.clone(),
                by: h.actor_name.clone(),
                at: instant(h.at),
            })
            .collect(),
        notice,
        reason_error: find(&errors, "reason"),
        note_error: find(&errors, "note"),
        errors,
        reason: form.reason,
        note: form.note,
    };
    let errors = page.errors.clone();
    Ok(with_status(Html(page.render()?).into_response(), &errors))
}

/// `GET /results/deliveries/{id}`.
pub async fn detail(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<NoticeQuery>,
) -> PageResult {
    let notice = match q.done.as_deref() {
        Some("reissued") => Some("The letter will be in the next print batch."),
        Some("resolved") => Some("Marked as resolved."),
        Some("retried") => Some("The GP message will be sent again."),
        _ => None,
    };
    detail_page(
        &state,
        &staff,
        id_of(&id)?,
        notice,
        ActionForm::default(),
        Vec::new(),
    )
    .await
}

/// `GET /results/deliveries/{id}/letter.pdf`: the letter as printed (audited).
pub async fn letter(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> PageResult {
    let pdf = app::preview(&state.store, &staff.caller(), id_of(&id)?, Preview::Letter).await?;
    Ok(([(header::CONTENT_TYPE, "application/pdf")], pdf).into_response())
}

/// `GET /results/deliveries/{id}/gp-message.json`: the GP message as sent (audited).
pub async fn gp_message(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> PageResult {
    let body = app::preview(
        &state.store,
        &staff.caller(),
        id_of(&id)?,
        Preview::GpMessage,
    )
    .await?;
    Ok(([(header::CONTENT_TYPE, "application/fhir+json")], body).into_response())
}

async fn act(
    state: AppState,
    staff: Staff,
    id: Uuid,
    form: ActionForm,
    done: Result<DeliveryRecord, Failure>,
    what: &str,
) -> PageResult {
    match done {
        Ok(d) => {
            Ok(Redirect::to(&format!("/results/deliveries/{}?done={what}", d.id)).into_response())
        }
        Err(Failure::Store(StoreError::Invalid(errors))) => {
            detail_page(&state, &staff, id, None, form, errors_of(errors)).await
        }
        Err(Failure::Store(StoreError::Conflict(why))) => {
            detail_page(
                &state,
                &staff,
                id,
                None,
                form,
                vec![("delivery".to_owned(), why)],
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /results/deliveries/{id}/reissue`.
pub async fn reissue(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Form(form): Form<ActionForm>,
) -> PageResult {
    let id = id_of(&id)?;
    let done = app::reissue(&state.store, &staff.caller(), id, &form.reason).await;
    act(state, staff, id, form, done, "reissued").await
}

/// `POST /results/deliveries/{id}/resolve`.
pub async fn resolve(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Form(form): Form<ActionForm>,
) -> PageResult {
    let id = id_of(&id)?;
    let done = app::resolve(&state.store, &staff.caller(), id, &form.note).await;
    act(state, staff, id, form, done, "resolved").await
}

/// `POST /results/deliveries/{id}/retry`.
pub async fn retry(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> PageResult {
    let id = id_of(&id)?;
    let done = app::retry(&state.store, &staff.caller(), id).await;
    act(state, staff, id, ActionForm::default(), done, "retried").await
}
