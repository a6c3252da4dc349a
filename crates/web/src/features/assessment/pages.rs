//! Assessment's HTML adapter: the assessment form of an appointment in an assessment clinic
//! (`/appointments/{id}/assessment`), its "Confirm the outcome" step, the recorded
//! assessment with its success banner, and the office's "Awaiting pathology" list.

use super::app;
use crate::application::Failure;
use crate::auth::Staff;
use crate::error::{AppError, PageResult};
use crate::http::extract::PageId;
use crate::present::{Layout, long_date, nhs_number};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use domain::Permission;
use domain::assessment::{
    AssessmentOutcome, AssessmentRecord, BiopsyType, Breast, BreastWork, CancerDetails,
    EarlyRecallInterval, Grade, Invasiveness, MdmOutcome, NodalStatus, OutcomeKind, SizeBand,
};
use domain::ids::AppointmentId;
use serde::Deserialize;
use store::{AssessmentContext, StoreError};

/// The pages' routes (behind the session and CSRF layers).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/appointments/{id}/assessment", get(show).post(check))
        .route("/appointments/{id}/assessment/confirm", post(confirm))
        .route("/assessment/awaiting-pathology", get(awaiting))
}

/// The assessment form as submitted. Every answer is text until parsed; checkboxes send
/// "yes".
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct AssessmentForm {
    right_examination: Option<String>,
    right_further_views: Option<String>,
    right_ultrasound: Option<String>,
    right_biopsy: Option<String>,
    right_biopsy_type: Option<String>,
    left_examination: Option<String>,
    left_further_views: Option<String>,
    left_ultrasound: Option<String>,
    left_biopsy: Option<String>,
    left_biopsy_type: Option<String>,
    outcome: Option<String>,
    early_recall_interval: Option<String>,
    invasiveness: Option<String>,
    size_band: Option<String>,
    grade: Option<String>,
    nodal_status: Option<String>,
    mdm_held: Option<String>,
    mdm_day: Option<String>,
    mdm_month: Option<String>,
    mdm_year: Option<String>,
    mdm_outcome: Option<String>,
    version: Option<String>,
    /// "Change" on the confirm step: show the form again with these answers.
    change: Option<String>,
}

fn text(v: &Option<String>) -> String {
    v.as_deref().unwrap_or_default().trim().to_owned()
}

fn parse_opt<T: std::str::FromStr>(v: &Option<String>) -> Option<T> {
    v.as_deref().and_then(|s| s.trim().parse().ok())
}

impl AssessmentForm {
    /// The form filled with a recorded assessment (to record the pathology outcome).
    fn from_record(r: &AssessmentRecord, version: i64) -> Self {
        let yes = |b: bool| b.then(|| "yes".to_owned());
        let s = |v: Option<&str>| v.map(str::to_owned);
        let cancer = match &r.outcome {
            AssessmentOutcome::CancerDiagnosed(c) => Some(c),
            _ => None,
        };
        AssessmentForm {
            right_examination: yes(r.right.clinical_examination),
            right_further_views: yes(r.right.further_views),
            right_ultrasound: yes(r.right.ultrasound),
            right_biopsy: yes(r.right.needle_biopsy),
            right_biopsy_type: s(r.right.biopsy_type.map(BiopsyType::as_str)),
            left_examination: yes(r.left.clinical_examination),
            left_further_views: yes(r.left.further_views),
            left_ultrasound: yes(r.left.ultrasound),
            left_biopsy: yes(r.left.needle_biopsy),
            left_biopsy_type: s(r.left.biopsy_type.map(BiopsyType::as_str)),
            invasiveness: s(cancer
                .and_then(|c| c.invasiveness)
                .map(Invasiveness::as_str)),
            size_band: s(cancer.and_then(|c| c.size_band).map(SizeBand::as_str)),
            grade: s(cancer.and_then(|c| c.grade).map(Grade::as_str)),
            nodal_status: s(cancer.and_then(|c| c.nodal_status).map(NodalStatus::as_str)),
            mdm_held: yes(r.mdm.is_some()),
            mdm_day: r.mdm.as_ref().map(|m| m.date.day().to_string()),
            mdm_month: r.mdm.as_ref().map(|m| u8::from(m.date.month()).to_string()),
            mdm_year: r.mdm.as_ref().map(|m| m.date.year().to_string()),
            mdm_outcome: r.mdm.as_ref().map(|m| m.outcome.clone()),
            version: Some(version.to_string()),
            ..AssessmentForm::default()
        }
    }

    fn work(&self, breast: Breast) -> BreastWork {
        let (exam, views, us, biopsy, kind) = match breast {
            Breast::Right => (
                &self.right_examination,
                &self.right_further_views,
                &self.right_ultrasound,
                &self.right_biopsy,
                &self.right_biopsy_type,
            ),
            Breast::Left => (
                &self.left_examination,
                &self.left_further_views,
                &self.left_ultrasound,
                &self.left_biopsy,
                &self.left_biopsy_type,
            ),
        };
        BreastWork {
            clinical_examination: exam.is_some(),
            further_views: views.is_some(),
            ultrasound: us.is_some(),
            needle_biopsy: biopsy.is_some(),
            biopsy_type: parse_opt(kind),
        }
    }

    fn mdm(&self, errors: &mut Vec<(String, String)>) -> Option<MdmOutcome> {
        self.mdm_held.as_ref()?;
        let n = |v: &Option<String>| text(v).parse::<i32>().ok();
        let date = match (n(&self.mdm_day), n(&self.mdm_month), n(&self.mdm_year)) {
            (Some(d), Some(m), Some(y)) => u8::try_from(m)
                .ok()
                .and_then(|m| time::Month::try_from(m).ok())
                .zip(u8::try_from(d).ok())
                .and_then(|(m, d)| time::Date::from_calendar_date(y, m, d).ok()),
            _ => None,
        };
        match date {
            Some(date) => Some(MdmOutcome {
                date,
                outcome: text(&self.mdm_outcome),
            }),
            None => {
                errors.push((
                    "mdm_date".to_owned(),
                    "Enter the date of the multidisciplinary meeting as a real date, for example 14 11 2026".to_owned(),
                ));
                None
            }
        }
    }

    fn outcome(&self, errors: &mut Vec<(String, String)>) -> Option<AssessmentOutcome> {
        let Some(kind) = parse_opt::<OutcomeKind>(&self.outcome) else {
            errors.push((
                "outcome".to_owned(),
                "Select the outcome of the assessment".to_owned(),
            ));
            return None;
        };
        Some(match kind {
            OutcomeKind::NormalBenign => AssessmentOutcome::NormalBenign,
            OutcomeKind::AwaitingPathology => AssessmentOutcome::AwaitingPathology,
            OutcomeKind::ReferredToSymptomatic => AssessmentOutcome::ReferredToSymptomatic,
            OutcomeKind::EarlyRecall => match parse_opt(&self.early_recall_interval) {
                Some(interval) => AssessmentOutcome::EarlyRecall { interval },
                None => {
                    errors.push((
                        "early_recall_interval".to_owned(),
                        "Select when she should be recalled".to_owned(),
                    ));
                    return None;
                }
            },
            OutcomeKind::CancerDiagnosed => AssessmentOutcome::CancerDiagnosed(CancerDetails {
                invasiveness: parse_opt(&self.invasiveness),
                size_band: parse_opt(&self.size_band),
                grade: parse_opt(&self.grade),
                nodal_status: parse_opt(&self.nodal_status),
            }),
        })
    }

    /// The record, or every problem with the answers (the form's own, then the rules').
    fn parse(&self, today: time::Date) -> Result<AssessmentRecord, Vec<(String, String)>> {
        let mut errors = Vec::new();
        let outcome = self.outcome(&mut errors);
        let mdm = self.mdm(&mut errors);
        let record = outcome.map(|outcome| AssessmentRecord {
            right: self.work(Breast::Right),
            left: self.work(Breast::Left),
            outcome,
            mdm,
        });
        let probe = record.clone().unwrap_or(AssessmentRecord {
            right: self.work(Breast::Right),
            left: self.work(Breast::Left),
            outcome: AssessmentOutcome::NormalBenign,
            mdm: None,
        });
        if let Err(rule_errors) = probe.validate(today) {
            errors.extend(crate::pages::errors_of(rule_errors));
        }
        match record {
            Some(r) if errors.is_empty() => Ok(r),
            _ => Err(errors),
        }
    }

    fn version(&self) -> Option<i64> {
        parse_opt(&self.version)
    }

    /// Every answer as hidden fields for the confirm step.
    fn hidden(&self) -> Vec<(&'static str, String)> {
        let all: [(&'static str, &Option<String>); 22] = [
            ("right_examination", &self.right_examination),
            ("right_further_views", &self.right_further_views),
            ("right_ultrasound", &self.right_ultrasound),
            ("right_biopsy", &self.right_biopsy),
            ("right_biopsy_type", &self.right_biopsy_type),
            ("left_examination", &self.left_examination),
            ("left_further_views", &self.left_further_views),
            ("left_ultrasound", &self.left_ultrasound),
            ("left_biopsy", &self.left_biopsy),
            ("left_biopsy_type", &self.left_biopsy_type),
            ("outcome", &self.outcome),
            ("early_recall_interval", &self.early_recall_interval),
            ("invasiveness", &self.invasiveness),
            ("size_band", &self.size_band),
            ("grade", &self.grade),
            ("nodal_status", &self.nodal_status),
            ("mdm_held", &self.mdm_held),
            ("mdm_day", &self.mdm_day),
            ("mdm_month", &self.mdm_month),
            ("mdm_year", &self.mdm_year),
            ("mdm_outcome", &self.mdm_outcome),
            ("version", &self.version),
        ];
        all.into_iter()
            .filter_map(|(k, v)| v.as_ref().map(|v| (k, v.clone())))
            .collect()
    }
}

/// A radio or checkbox.
pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
    pub checked: bool,
}

fn choices<T: Copy + PartialEq>(
    all: &[T],
    selected: Option<T>,
    value: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
) -> Vec<Choice> {
    all.iter()
        .map(|v| Choice {
            value: value(*v),
            label: label(*v),
            checked: selected == Some(*v),
        })
        .collect()
}

/// One breast's part of the form.
pub struct BreastFields {
    pub key: &'static str,
    pub label: &'static str,
    pub done: Vec<(String, &'static str, bool)>,
    pub biopsy: bool,
    pub biopsy_types: Vec<Choice>,
    pub biopsy_error: Option<String>,
}

#[derive(Template)]
#[template(path = "assessment/form.html")]
struct FormPage {
    layout: Layout,
    id: String,
    ctx: Summary,
    errors: Vec<(String, String)>,
    breasts: Vec<BreastFields>,
    outcomes: Vec<Choice>,
    intervals: Vec<Choice>,
    invasiveness: Vec<Choice>,
    size_bands: Vec<Choice>,
    grades: Vec<Choice>,
    nodal: Vec<Choice>,
    mdm_held: bool,
    mdm_day: String,
    mdm_month: String,
    mdm_year: String,
    mdm_outcome: String,
    version: String,
}

impl FormPage {
    fn error(&self, field: &str) -> Option<String> {
        crate::pages::find(&self.errors, field)
    }
}

/// What every assessment page says about the appointment.
pub struct Summary {
    pub name: String,
    pub nhs_number: String,
    pub date: String,
    pub stage: &'static str,
    pub end_code: Option<&'static str>,
    pub next_test_due: Option<String>,
    /// Rows describing the record, if one is recorded.
    pub rows: Vec<(&'static str, String)>,
    pub recorded_by: Option<String>,
}

fn done_list(w: &BreastWork) -> String {
    let mut done: Vec<String> = Vec::new();
    if w.clinical_examination {
        done.push("Clinical examination".into());
    }
    if w.further_views {
        done.push("Further mammogram views".into());
    }
    if w.ultrasound {
        done.push("Ultrasound".into());
    }
    if w.needle_biopsy {
        done.push(match w.biopsy_type {
            Some(t) => format!("Needle biopsy ({})", t.label()),
            None => "Needle biopsy".to_owned(),
        });
    }
    if done.is_empty() {
        "Nothing".to_owned()
    } else {
        done.join(", ")
    }
}

/// The record as summary rows ("Right breast", "Outcome", ...).
fn record_rows(r: &AssessmentRecord) -> Vec<(&'static str, String)> {
    let mut rows = vec![
        ("Right breast", done_list(&r.right)),
        ("Left breast", done_list(&r.left)),
        ("Outcome", r.outcome.describe()),
    ];
    if let Some(end) = r.outcome.end_code() {
        rows.push(("Episode ends as", end.label().to_owned()));
    } else {
        rows.push((
            "Episode",
            "Stays at assessment until the pathology outcome is recorded".to_owned(),
        ));
    }
    if let Some(m) = &r.mdm {
        rows.push((
            "Multidisciplinary meeting",
            format!("{}: {}", long_date(m.date), m.outcome.trim()),
        ));
    }
    rows
}

fn summary(c: &AssessmentContext) -> Summary {
    Summary {
        name: c.participant_name.clone(),
        nhs_number: nhs_number(&c.nhs_number),
        date: long_date(c.clinic_date),
        stage: c.episode_stage.label(),
        end_code: c.episode_end_code.map(|e| e.label()),
        next_test_due: c.next_test_due.map(long_date),
        rows: c
            .assessment
            .as_ref()
            .map(|a| record_rows(&a.record))
            .unwrap_or_default(),
        recorded_by: c.assessment.as_ref().map(|a| {
            format!(
                "{}, {}",
                a.recorded_by_name,
                crate::present::instant(a.recorded_at)
            )
        }),
    }
}

fn breast_fields(form: &AssessmentForm, errors: &[(String, String)]) -> Vec<BreastFields> {
    Breast::ALL
        .iter()
        .map(|b| {
            let w = form.work(*b);
            let key = b.as_str();
            BreastFields {
                key,
                label: b.label(),
                done: vec![
                    (
                        format!("{key}_examination"),
                        "Clinical examination",
                        w.clinical_examination,
                    ),
                    (
                        format!("{key}_further_views"),
                        "Further mammogram views",
                        w.further_views,
                    ),
                    (format!("{key}_ultrasound"), "Ultrasound", w.ultrasound),
                ],
                biopsy: w.needle_biopsy,
                biopsy_types: choices(
                    BiopsyType::ALL,
                    w.biopsy_type,
                    BiopsyType::as_str,
                    BiopsyType::label,
                ),
                biopsy_error: crate::pages::find(errors, &format!("{key}_biopsy_type")),
            }
        })
        .collect()
}

fn form_page(
    state: &AppState,
    staff: &Staff,
    ctx: &AssessmentContext,
    form: &AssessmentForm,
    errors: Vec<(String, String)>,
) -> PageResult {
    let page = FormPage {
        layout: Layout::new(
            format!("Record assessment: {}", ctx.participant_name),
            Some(staff.0.clone()),
            state.config.demo_mode,
        ),
        id: ctx.appointment_id.to_string(),
        ctx: summary(ctx),
        breasts: breast_fields(form, &errors),
        outcomes: choices(
            OutcomeKind::ALL,
            parse_opt(&form.outcome),
            OutcomeKind::as_str,
            OutcomeKind::label,
        ),
        intervals: choices(
            EarlyRecallInterval::ALL,
            parse_opt(&form.early_recall_interval),
            EarlyRecallInterval::as_str,
            EarlyRecallInterval::label,
        ),
        invasiveness: choices(
            Invasiveness::ALL,
            parse_opt(&form.invasiveness),
            Invasiveness::as_str,
            Invasiveness::label,
        ),
        size_bands: choices(
            SizeBand::ALL,
            parse_opt(&form.size_band),
            SizeBand::as_str,
            SizeBand::label,
        ),
        grades: choices(
            Grade::ALL,
            parse_opt(&form.grade),
            Grade::as_str,
            Grade::label,
        ),
        nodal: choices(
            NodalStatus::ALL,
            parse_opt(&form.nodal_status),
            NodalStatus::as_str,
            NodalStatus::label,
        ),
        mdm_held: form.mdm_held.is_some(),
        mdm_day: text(&form.mdm_day),
        mdm_month: text(&form.mdm_month),
        mdm_year: text(&form.mdm_year),
        mdm_outcome: text(&form.mdm_outcome),
        version: text(&form.version),
        errors,
    };
    let status = if page.errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, Html(page.render()?)).into_response())
}

#[derive(Template)]
#[template(path = "assessment/show.html")]
struct ShowPage {
    layout: Layout,
    id: String,
    ctx: Summary,
    banner: Option<String>,
    cannot_record: Option<String>,
}

#[derive(Template)]
#[template(path = "assessment/confirm.html")]
struct ConfirmPage {
    layout: Layout,
    id: String,
    ctx: Summary,
    rows: Vec<(&'static str, String)>,
    hidden: Vec<(&'static str, String)>,
}

#[derive(Deserialize)]
pub struct ShowQuery {
    recorded: Option<String>,
}

/// `GET /appointments/{id}/assessment`: the form while an assessment can be recorded
/// (pre-filled with the record awaiting pathology), otherwise the recorded assessment.
async fn show(
    State(state): State<AppState>,
    staff: Staff,
    PageId(id): PageId<AppointmentId>,
    Query(q): Query<ShowQuery>,
) -> PageResult {
    let ctx = app::view(&state.store, &staff.caller(), id).await?;
    let can_record = ctx.cannot_record.is_none() && staff.0.can(Permission::RecordAssessment);
    if can_record && q.recorded.is_none() {
        let form = ctx
            .assessment
            .as_ref()
            .map(|a| AssessmentForm::from_record(&a.record, a.version))
            .unwrap_or_default();
        return form_page(&state, &staff, &ctx, &form, Vec::new());
    }
    let banner = q.recorded.is_some().then(|| banner(&ctx)).flatten();
    let page = ShowPage {
        layout: Layout::new(
            format!("Assessment: {}", ctx.participant_name),
            Some(staff.0.clone()),
            state.config.demo_mode,
        ),
        id: ctx.appointment_id.to_string(),
        ctx: summary(&ctx),
        banner,
        cannot_record: if can_record {
            None
        } else {
            ctx.cannot_record.clone()
        },
    };
    Ok(Html(page.render()?).into_response())
}

/// The success banner: the outcome, and what it did to the episode.
fn banner(ctx: &AssessmentContext) -> Option<String> {
    let a = ctx.assessment.as_ref()?;
    let outcome = a.record.outcome.describe();
    Some(match (ctx.episode_end_code, ctx.next_test_due) {
        (Some(end), Some(due)) => format!(
            "Assessment outcome recorded: {outcome}. The episode is closed ({}); next test due {}.",
            end.label(),
            long_date(due)
        ),
        (Some(end), None) => format!(
            "Assessment outcome recorded: {outcome}. The episode is closed ({}).",
            end.label()
        ),
        (None, _) => format!(
            "Assessment outcome recorded: {outcome}. The episode stays at assessment until the pathology outcome is recorded."
        ),
    })
}

/// `POST /appointments/{id}/assessment`: checks the answers, then "Confirm the outcome".
async fn check(
    State(state): State<AppState>,
    staff: Staff,
    PageId(id): PageId<AppointmentId>,
    Form(form): Form<AssessmentForm>,
) -> PageResult {
    staff.require(Permission::RecordAssessment)?;
    let ctx = app::view(&state.store, &staff.caller(), id).await?;
    if form.change.is_some() {
        return form_page(&state, &staff, &ctx, &form, Vec::new());
    }
    let record = match form.parse(state.today()) {
        Ok(r) => r,
        Err(errors) => return form_page(&state, &staff, &ctx, &form, errors),
    };
    let page = ConfirmPage {
        layout: Layout::new(
            "Confirm the outcome",
            Some(staff.0.clone()),
            state.config.demo_mode,
        ),
        id: ctx.appointment_id.to_string(),
        ctx: summary(&ctx),
        rows: record_rows(&record),
        hidden: form.hidden(),
    };
    Ok(Html(page.render()?).into_response())
}

/// `POST /appointments/{id}/assessment/confirm`: records it, then shows it with a banner.
async fn confirm(
    State(state): State<AppState>,
    staff: Staff,
    PageId(id): PageId<AppointmentId>,
    Form(form): Form<AssessmentForm>,
) -> PageResult {
    let caller = staff.caller();
    let ctx = app::view(&state.store, &caller, id).await?;
    let record = match form.parse(state.today()) {
        Ok(r) => r,
        Err(errors) => return form_page(&state, &staff, &ctx, &form, errors),
    };
    let cmd = app::RecordAssessment {
        appointment_id: id,
        record,
        version: form.version(),
    };
    match app::record(&state.store, &caller, cmd).await {
        Ok(_) => {
            Ok(Redirect::to(&format!("/appointments/{id}/assessment?recorded=1")).into_response())
        }
        Err(Failure::Store(StoreError::Invalid(errors))) => {
            form_page(&state, &staff, &ctx, &form, crate::pages::errors_of(errors))
        }
        Err(e) => Err(AppError::from(e)),
    }
}

#[derive(Template)]
#[template(path = "assessment/awaiting_pathology.html")]
struct AwaitingPage {
    layout: Layout,
    rows: Vec<AwaitingRow>,
}

pub struct AwaitingRow {
    pub appointment_id: String,
    pub name: String,
    pub nhs_number: String,
    pub assessed_on: String,
    pub days_waiting: String,
}

/// `GET /assessment/awaiting-pathology`: the office's list of episodes waiting for a
/// pathology outcome, longest waiting first.
async fn awaiting(State(state): State<AppState>, staff: Staff) -> Result<Response, AppError> {
    let rows = app::awaiting_pathology(&state.store, &staff.caller(), state.today())
        .await?
        .into_iter()
        .map(|w| AwaitingRow {
            appointment_id: w.item.appointment_id.to_string(),
            name: w.item.participant_name,
            nhs_number: nhs_number(&w.item.nhs_number),
            assessed_on: long_date(w.item.assessed_on),
            days_waiting: match w.days_waiting {
                0 => "Today".to_owned(),
                1 => "1 day".to_owned(),
                n => format!("{n} days"),
            },
        })
        .collect();
    let page = AwaitingPage {
        layout: Layout::new(
            "Awaiting pathology",
            Some(staff.0.clone()),
            state.config.demo_mode,
        ),
        rows,
    };
    Ok(Html(page.render()?).into_response())
}
