//! The office's reading pages: outcomes to act on, performance, settings, overdue cases.

use super::*;

pub struct OutcomeRow {
    pub what: String,
    pub name: String,
    pub nhs_number: String,
    pub participant_id: String,
    pub screened_on: String,
    pub details: String,
    pub raised: String,
}

#[derive(Template)]
#[template(path = "reading/outcomes.html")]
pub(super) struct OutcomesPage {
    pub(super) layout: Layout,
    pub(super) rows: Vec<OutcomeRow>,
}

pub fn outcome_label(kind: &str) -> &'static str {
    match kind {
        "technical_recall" => "Book a technical recall appointment",
        "assessment_referral" => "Refer to an assessment clinic",
        "more_images" => "Book an appointment for more images",
        _ => "Follow up",
    }
}

pub async fn outcomes(State(state): State<AppState>, staff: Staff) -> PageResult {
    staff.require(Permission::ViewRecords)?;
    let rows = app::outcomes(&state.store, &staff.caller())
        .await?
        .into_iter()
        .map(|f| OutcomeRow {
            what: outcome_label(&f.kind).to_owned(),
            name: f.participant_name,
            nhs_number: nhs_number(&f.nhs_number),
            participant_id: f.participant_id.to_string(),
            screened_on: long_date(f.appointment_date),
            details: if f.details.is_empty() {
                f.note
            } else {
                f.details
            },
            raised: crate::present::instant(f.created_at),
        })
        .collect();
    render(OutcomesPage {
        layout: Layout::new(
            "Outcomes to act on",
            Some(staff.0.clone()),
            state.config.demo_mode,
        ),
        rows,
    })
}

// ---------------------------------------------------------------------------------------
// Performance
// ---------------------------------------------------------------------------------------

#[derive(Deserialize)]
pub struct PerformanceQuery {
    pub(super) period: Option<String>,
    pub(super) who: Option<String>,
}

pub struct RateRow {
    pub name: String,
    pub cells: Vec<String>,
}

#[derive(Template)]
#[template(path = "reading/performance.html")]
pub(super) struct PerformancePage {
    pub(super) layout: Layout,
    pub(super) periods: Vec<(String, String, bool)>,
    pub(super) office: bool,
    pub(super) period: String,
    pub(super) period_value: String,
    pub(super) readers: Vec<RateRow>,
    pub(super) mammographers: Vec<RateRow>,
}

pub(super) fn pct(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.1}%"))
        .unwrap_or_else(|| "–".to_owned())
}

pub async fn performance(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<PerformanceQuery>,
) -> PageResult {
    staff.require(Permission::ViewRecords)?;
    let period: Period = q
        .period
        .as_deref()
        .and_then(|p| p.parse().ok())
        .unwrap_or_default();
    let office = q.who.as_deref() == Some("office");
    let cmd = app::PerformanceOf {
        period,
        who: (!office).then_some(staff.0.user_id),
        today: state.today(),
    };
    let (readers, mammographers) = app::performance(&state.store, &staff.caller(), cmd).await?;
    let readers = readers
        .into_iter()
        .map(|r| RateRow {
            name: r.reader_name,
            cells: vec![
                r.rates.cases_read.to_string(),
                r.rates.first_reads.to_string(),
                r.rates.second_reads.to_string(),
                pct(r.rates.recall_rate),
                pct(r.rates.technical_recall_rate),
                pct(r.rates.arbitration_rate),
                pct(r.rates.agreement_with_outcome),
            ],
        })
        .collect();
    let mammographers = mammographers
        .into_iter()
        .map(|m| RateRow {
            name: m.user_name,
            cells: vec![
                m.screens.to_string(),
                m.images.to_string(),
                format!("{} ({})", m.repeats, pct(m.repeat_rate)),
                if m.repeat_reasons.is_empty() {
                    "–".to_owned()
                } else {
                    m.repeat_reasons
                        .iter()
                        .map(|c| {
                            let (r, n) = (&c.reason, c.views);
                            let label = r
                                .parse::<domain::imaging::RepeatReason>()
                                .map(|r| r.label().to_owned())
                                .unwrap_or_else(|_| r.clone());
                            format!("{label}: {n}")
                        })
                        .collect::<Vec<_>>()
                        .join(", ")
                },
                m.technical_recalls.to_string(),
                m.self_requested_recalls.to_string(),
                m.partial_mammographies.to_string(),
            ],
        })
        .collect();
    let who = if office { "office" } else { "me" };
    render(PerformancePage {
        layout: Layout::new("Performance", Some(staff.0.clone()), state.config.demo_mode),
        periods: Period::ALL
            .iter()
            .map(|p| {
                (
                    format!("/reading/performance?period={}&who={who}", p.as_str()),
                    p.label().to_owned(),
                    *p == period,
                )
            })
            .collect(),
        office,
        period: period.label().to_owned(),
        period_value: period.as_str().to_owned(),
        readers,
        mammographers,
    })
}

// ---------------------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "reading/settings.html")]
pub(super) struct SettingsPage {
    pub(super) layout: Layout,
    pub(super) blinded: Vec<Option_>,
    pub(super) policies: Vec<Option_>,
    /// (name, label, value) of each number field.
    pub(super) fields: Vec<(&'static str, &'static str, String)>,
    pub(super) errors: Vec<(String, String)>,
    pub(super) saved: bool,
}

pub(super) fn settings_page(
    state: &AppState,
    staff: &Staff,
    s: &ReadingSettings,
    raw: Option<&SettingsForm>,
    errors: Vec<(String, String)>,
    saved: bool,
) -> PageResult {
    let value = |name: &str, v: String| {
        raw.and_then(|f| f.number(name))
            .map(str::to_owned)
            .unwrap_or(v)
    };
    let page = SettingsPage {
        layout: Layout::new(
            "Reading settings",
            Some(staff.0.clone()),
            state.config.demo_mode,
        ),
        blinded: vec![
            Option_ {
                value: "yes".into(),
                label: "Yes, hide the 1st opinion from the 2nd reader until both are in".into(),
                checked: s.blinded,
                hint: String::new(),
            },
            Option_ {
                value: "no".into(),
                label: "No, show the 1st opinion to the 2nd reader".into(),
                checked: !s.blinded,
                hint: String::new(),
            },
        ],
        policies: options(
            ArbitrationPolicy::ALL,
            ArbitrationPolicy::as_str,
            ArbitrationPolicy::label,
            &[s.arbitration_policy],
        ),
        fields: vec![
            (
                "finalisation_delay_minutes",
                "Minutes a reader can change their opinion before it is final (0: final at once)",
                value(
                    "finalisation_delay_minutes",
                    s.finalisation_delay_minutes.to_string(),
                ),
            ),
            (
                "window_days",
                "Reading window (days from screening)",
                value("window_days", s.window_days.to_string()),
            ),
            (
                "due_soon_days",
                "'Due soon' when this many days are left",
                value("due_soon_days", s.due_soon_days.to_string()),
            ),
            (
                "urgent_days",
                "'Urgent' when this many days are left",
                value("urgent_days", s.urgent_days.to_string()),
            ),
        ],
        errors,
        saved,
    };
    let errors = page.errors.clone();
    Ok(with_status(render(page)?, &errors))
}

pub async fn settings_form(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<DoneQuery>,
) -> PageResult {
    staff.require(Permission::ConfigureProvider)?;
    let s = state.store.reading_settings(staff.scope()).await?;
    settings_page(&state, &staff, &s, None, Vec::new(), q.done.is_some())
}

/// The reading settings as submitted.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SettingsForm {
    blinded: Option<String>,
    arbitration_policy: Option<String>,
    finalisation_delay_minutes: String,
    window_days: String,
    due_soon_days: String,
    urgent_days: String,
}

impl SettingsForm {
    /// A number field as typed, to show it again.
    fn number(&self, name: &str) -> Option<&str> {
        match name {
            "finalisation_delay_minutes" => Some(&self.finalisation_delay_minutes),
            "window_days" => Some(&self.window_days),
            "due_soon_days" => Some(&self.due_soon_days),
            "urgent_days" => Some(&self.urgent_days),
            _ => None,
        }
    }

    /// The settings, or every problem with the answers.
    fn parse(&self) -> Result<ReadingSettings, Vec<(String, String)>> {
        let mut errors = Vec::new();
        let mut number = |name: &str, what: &str| -> Option<u32> {
            match self.number(name).and_then(|v| v.trim().parse::<u32>().ok()) {
                Some(n) => Some(n),
                None => {
                    errors.push((name.to_owned(), format!("Enter {what} as a whole number")));
                    None
                }
            }
        };
        let delay = number(
            "finalisation_delay_minutes",
            "the finalisation delay in minutes",
        );
        let window = number("window_days", "the reading window in days");
        let due_soon = number("due_soon_days", "the days left when a case is due soon");
        let urgent = number("urgent_days", "the days left when a case is urgent");
        let policy = self
            .arbitration_policy
            .as_deref()
            .and_then(|p| p.parse::<ArbitrationPolicy>().ok());
        if policy.is_none() {
            errors.push((
                "arbitration_policy".to_owned(),
                "Select which reads go to arbitration".to_owned(),
            ));
        }
        let blinded = match self.blinded.as_deref() {
            Some("yes") => Some(true),
            Some("no") => Some(false),
            _ => {
                errors.push((
                    "blinded".to_owned(),
                    "Select whether reading is blind".to_owned(),
                ));
                None
            }
        };
        let small = |v: Option<u32>| v.and_then(|v| u16::try_from(v).ok());
        match (
            delay,
            small(window),
            small(due_soon),
            small(urgent),
            policy,
            blinded,
            errors.is_empty(),
        ) {
            (
                Some(delay),
                Some(window),
                Some(due_soon),
                Some(urgent),
                Some(policy),
                Some(blinded),
                true,
            ) => Ok(ReadingSettings {
                blinded,
                arbitration_policy: policy,
                finalisation_delay_minutes: delay,
                window_days: window,
                due_soon_days: due_soon,
                urgent_days: urgent,
            }),
            _ => Err(errors),
        }
    }
}

pub async fn settings_save(
    State(state): State<AppState>,
    staff: Staff,
    PageForm(form): PageForm<SettingsForm>,
) -> PageResult {
    staff.require(Permission::ConfigureProvider)?;
    let caller = staff.caller();
    let current = state.store.reading_settings(staff.scope()).await?;
    let settings = match form.parse() {
        Ok(settings) => settings,
        Err(errors) => return settings_page(&state, &staff, &current, Some(&form), errors, false),
    };
    match app::save_settings(&state.store, &caller, settings).await {
        Ok(()) => Ok(Redirect::to("/reading/settings?done=1").into_response()),
        Err(Failure::Store(store::StoreError::Invalid(e))) => {
            settings_page(&state, &staff, &settings, Some(&form), errors_of(e), false)
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------
// Overdue cases
// ---------------------------------------------------------------------------------------

/// An overdue case as the office's list shows it.
pub struct OverdueRow {
    pub name: String,
    pub nhs_number: String,
    pub participant_id: String,
    pub screened_on: String,
    pub past_window: String,
    pub state: String,
    pub holder: String,
}

#[derive(Template)]
#[template(path = "reading/overdue.html")]
pub(super) struct OverduePage {
    pub(super) layout: Layout,
    pub(super) window_days: u16,
    pub(super) rows: Vec<OverdueRow>,
}

/// "Overdue cases": every case past its reading window without a result, held ones
/// included, and who holds it.
pub async fn overdue(State(state): State<AppState>, staff: Staff) -> PageResult {
    staff.require(Permission::ViewRecords)?;
    let caller = staff.caller();
    let (settings, cases) = tokio::try_join!(
        app::settings(&state.store, &caller),
        app::overdue(&state.store, &caller, state.today()),
    )?;
    let rows = cases
        .into_iter()
        .map(|o| OverdueRow {
            name: o.case.participant_name.clone(),
            nhs_number: nhs_number(&o.case.nhs_number),
            participant_id: o.case.participant_id.to_string(),
            screened_on: long_date(o.case.screened_on),
            past_window: format!(
                "{} day{}",
                o.days_past_window,
                if o.days_past_window == 1 { "" } else { "s" }
            ),
            state: o.case.state.label().to_owned(),
            holder: match &o.held_by {
                Some(name) => format!("{} {name}", o.holder_label),
                None => o.holder_label.clone(),
            },
        })
        .collect();
    render(OverduePage {
        layout: Layout::new(
            "Overdue cases",
            Some(staff.0.clone()),
            state.config.demo_mode,
        ),
        window_days: settings.window_days,
        rows,
    })
}
