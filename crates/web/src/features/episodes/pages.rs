//! Episode pages: the timeline cards on the participant page, and the office's forms to
//! close an episode or correct its end code.

use super::app::{self, EndEpisode};
use crate::auth::Staff;
use crate::error::{AppError, PageResult};
use crate::http::extract::PageId;
use crate::pages::{errors_of, find, render};
use crate::present::{Layout, instant, long_date};
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect};
use domain::Permission;
use domain::end_code::EndCode;
use domain::episode::EpisodeStage;
use domain::ids::EpisodeId;
use serde::Deserialize;
use store::{EpisodeBrief, EpisodeEnd, Timeline, TimelineKind};

/// One entry of an episode's timeline, as shown.
#[derive(Clone)]
pub struct EventView {
    pub when: String,
    pub title: String,
    pub detail: String,
    pub href: Option<String>,
    pub tag: &'static str,
}

/// One episode card of the timeline.
#[derive(Clone)]
pub struct EpisodeView {
    pub id: String,
    pub heading: String,
    pub stage: &'static str,
    pub outcome: &'static str,
    pub end: Option<String>,
    pub closed_on: Option<String>,
    pub next_test_due: Option<String>,
    pub events: Vec<EventView>,
    pub close_href: Option<String>,
    pub correct_href: Option<String>,
}

/// The participant page's episode cards, newest first; `can_manage` offers closing and
/// correcting.
pub fn timeline_view(timeline: &Timeline, can_manage: bool) -> Vec<EpisodeView> {
    timeline
        .episodes
        .iter()
        .map(|e| {
            let closed = e.stage == EpisodeStage::Closed;
            EpisodeView {
                id: e.id.to_string(),
                heading: format!(
                    "{} episode opened {}",
                    e.episode_type.label(),
                    long_date(e.opened_on)
                ),
                stage: e.stage.label(),
                outcome: e.outcome.map(|o| o.label()).unwrap_or("No result yet"),
                end: e.end_code.map(|c| {
                    if e.end_reason.is_empty() {
                        c.label().to_owned()
                    } else {
                        format!("{} ({})", c.label(), e.end_reason)
                    }
                }),
                closed_on: e.closed_on.map(long_date),
                next_test_due: e.next_test_due.map(long_date),
                events: e
                    .events
                    .iter()
                    .map(|ev| EventView {
                        when: instant(ev.at),
                        title: ev.title.clone(),
                        detail: ev.detail.clone(),
                        href: match (ev.kind, ev.appointment_id) {
                            (TimelineKind::Appointment, Some(id)) => {
                                Some(format!("/appointments/{id}"))
                            }
                            (TimelineKind::Assessment, Some(id)) => {
                                Some(format!("/appointments/{id}/assessment"))
                            }
                            _ => ev.follow_up_id.map(|id| format!("/follow-ups/{id}")),
                        },
                        tag: match ev.kind {
                            TimelineKind::Appointment => "Appointment",
                            TimelineKind::Reading => "Reading",
                            TimelineKind::FollowUp => "Follow-up",
                            TimelineKind::Assessment => "Assessment",
                            TimelineKind::EpisodeChange => "Episode",
                        },
                    })
                    .collect(),
                close_href: (can_manage && !closed).then(|| format!("/episodes/{}/close", e.id)),
                correct_href: (can_manage && closed)
                    .then(|| format!("/episodes/{}/end-code", e.id)),
            }
        })
        .collect()
}

/// A radio option.
pub struct EndOption {
    pub value: &'static str,
    pub label: &'static str,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "episodes/end.html")]
struct EndPage {
    layout: Layout,
    episode: EpisodeBrief,
    action: String,
    heading: &'static str,
    summary: String,
    options: Vec<EndOption>,
    reason: String,
    errors: Vec<(String, String)>,
    end_code_error: Option<String>,
    reason_error: Option<String>,
    back: String,
}

/// The answers of the closing or correcting form.
#[derive(Deserialize)]
pub struct EndForm {
    #[serde(default)]
    end_code: String,
    #[serde(default)]
    reason: String,
}

fn end_page(
    state: &AppState,
    staff: &Staff,
    episode: EpisodeBrief,
    how: EpisodeEnd,
    chosen: Option<EndCode>,
    reason: &str,
    errors: Vec<(String, String)>,
) -> PageResult {
    let (codes, heading, path) = match how {
        EpisodeEnd::Close => (EndCode::MANUAL, "Close this screening episode", "close"),
        EpisodeEnd::Correct => (EndCode::ALL, "Correct the episode's end code", "end-code"),
    };
    let title = if errors.is_empty() {
        heading.to_owned()
    } else {
        format!("Error: {heading}")
    };
    render(EndPage {
        layout: Layout::new(title, Some(staff.0.clone()), state.config.demo_mode),
        action: format!("/episodes/{}/{path}", episode.id),
        back: format!("/participants/{}", episode.participant_id),
        options: codes
            .iter()
            .filter(|c| how == EpisodeEnd::Close || episode.end_code != Some(**c))
            .map(|c| EndOption {
                value: c.as_str(),
                label: c.label(),
                checked: chosen == Some(*c),
            })
            .collect(),
        heading,
        summary: format!(
            "{} episode opened {}: {}{}{}.",
            episode.episode_type.label(),
            long_date(episode.opened_on),
            episode.stage.label(),
            episode
                .outcome
                .map(|o| format!(", {}", o.label()))
                .unwrap_or_default(),
            episode
                .end_code
                .map(|c| format!(", ended as {}", c.label()))
                .unwrap_or_default()
        ),
        reason: reason.to_owned(),
        end_code_error: find(&errors, "end_code"),
        reason_error: find(&errors, "reason"),
        errors,
        episode,
    })
}

async fn form(state: AppState, staff: Staff, id: EpisodeId, how: EpisodeEnd) -> PageResult {
    staff.require(Permission::ManageAppointments)?;
    let episode = state.store.episode_brief(staff.scope(), id).await?;
    end_page(&state, &staff, episode, how, None, "", Vec::new())
}

async fn submit(
    state: AppState,
    staff: Staff,
    id: EpisodeId,
    how: EpisodeEnd,
    answers: EndForm,
) -> PageResult {
    staff.require(Permission::ManageAppointments)?;
    let episode = state.store.episode_brief(staff.scope(), id).await?;
    let Ok(end_code) = answers.end_code.parse::<EndCode>() else {
        let errors = vec![(
            "end_code".to_owned(),
            "Select how the episode ended".to_owned(),
        )];
        return end_page(&state, &staff, episode, how, None, &answers.reason, errors);
    };
    let cmd = EndEpisode {
        episode_id: id,
        how,
        end_code,
        reason: &answers.reason,
    };
    match app::end_episode(&state.store, &staff.caller(), cmd).await {
        Ok(_) => Ok(Redirect::to(&format!(
            "/participants/{}#episode-{id}",
            episode.participant_id
        ))
        .into_response()),
        Err(crate::application::Failure::Store(store::StoreError::Invalid(errors))) => end_page(
            &state,
            &staff,
            episode,
            how,
            Some(end_code),
            &answers.reason,
            errors_of(errors),
        ),
        Err(e) => Err(AppError::from(e)),
    }
}

/// `GET /episodes/{id}/close`.
pub async fn close_form(
    State(state): State<AppState>,
    staff: Staff,
    PageId(id): PageId<EpisodeId>,
) -> PageResult {
    form(state, staff, id, EpisodeEnd::Close).await
}

/// `POST /episodes/{id}/close`.
pub async fn close(
    State(state): State<AppState>,
    staff: Staff,
    PageId(id): PageId<EpisodeId>,
    Form(answers): Form<EndForm>,
) -> PageResult {
    submit(state, staff, id, EpisodeEnd::Close, answers).await
}

/// `GET /episodes/{id}/end-code`.
pub async fn correct_form(
    State(state): State<AppState>,
    staff: Staff,
    PageId(id): PageId<EpisodeId>,
) -> PageResult {
    form(state, staff, id, EpisodeEnd::Correct).await
}

/// `POST /episodes/{id}/end-code`.
pub async fn correct(
    State(state): State<AppState>,
    staff: Staff,
    PageId(id): PageId<EpisodeId>,
    Form(answers): Form<EndForm>,
) -> PageResult {
    submit(state, staff, id, EpisodeEnd::Correct, answers).await
}

/// The episode page routes.
pub fn routes() -> axum::Router<AppState> {
    use axum::routing::get;
    axum::Router::new()
        .route("/episodes/{id}/close", get(close_form).post(close))
        .route("/episodes/{id}/end-code", get(correct_form).post(correct))
}
