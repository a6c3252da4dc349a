//! The reader dashboard and reading sessions: start, next case, finish, finalise.

use super::*;

#[derive(Template)]
#[template(path = "reading/dashboard.html")]
pub(super) struct DashboardPage {
    pub(super) layout: Layout,
    pub(super) is_reader: bool,
    pub(super) can_configure: bool,
    pub(super) counts: store::ReadingCounts,
    pub(super) open_session: Option<String>,
    pub(super) kinds: Vec<Option_>,
    pub(super) sizes: Vec<Option_>,
    pub(super) clinics: Vec<(String, String)>,
    pub(super) errors: Vec<(String, String)>,
}

pub(super) async fn dashboard_page(
    state: &AppState,
    staff: &Staff,
    errors: Vec<(String, String)>,
) -> PageResult {
    let scope = staff.scope();
    let me = staff.0.user_id;
    // Independent look-ups, side by side.
    let (counts, open_session, clinics) = tokio::try_join!(
        state.store.reading_counts(scope, me, state.today()),
        state.store.open_session(scope, me),
        state.store.clinics_to_read(scope),
    )?;
    let open_session = open_session.map(|id| id.to_string());
    let clinics = clinics
        .into_iter()
        .map(|(id, date, location, n)| {
            (
                id.to_string(),
                format!(
                    "{} – {location} ({n} case{} to read)",
                    long_date(date),
                    if n == 1 { "" } else { "s" }
                ),
            )
        })
        .collect();
    let page = DashboardPage {
        layout: Layout::new(
            "Image reading",
            Some(staff.0.clone()),
            state.config.demo_mode,
        ),
        is_reader: staff.0.can(Permission::ReadImages),
        can_configure: staff.0.can(Permission::ConfigureProvider),
        counts,
        open_session,
        kinds: options(
            &[
                SessionKind::FirstReads,
                SessionKind::SecondReads,
                SessionKind::Custom,
                SessionKind::Clinic,
                SessionKind::Arbitration,
            ],
            SessionKind::as_str,
            SessionKind::label,
            &[SessionKind::FirstReads],
        ),
        sizes: domain::reading::SESSION_SIZES
            .iter()
            .map(|n| Option_ {
                value: n.to_string(),
                label: format!("{n} cases"),
                checked: *n == 25,
                hint: String::new(),
            })
            .collect(),
        clinics,
        errors,
    };
    let errors = page.errors.clone();
    Ok(with_status(render(page)?, &errors))
}

pub async fn dashboard(State(state): State<AppState>, staff: Staff) -> PageResult {
    staff.require(Permission::ViewRecords)?;
    dashboard_page(&state, &staff, Vec::new()).await
}

/// The "Start reading" form on the dashboard.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct StartForm {
    kind: Option<String>,
    size: Option<String>,
    clinic_id: Option<String>,
}

pub async fn start_session(
    State(state): State<AppState>,
    staff: Staff,
    PageForm(form): PageForm<StartForm>,
) -> PageResult {
    reader(&staff)?;
    let mut errors = Vec::new();
    let kind = form
        .kind
        .as_deref()
        .and_then(|k| k.parse::<SessionKind>().ok());
    if kind.is_none() {
        errors.push(("kind".to_owned(), "Select what to read".to_owned()));
    }
    let size = domain::reading::parse_session_size(form.size.as_deref().unwrap_or_default());
    if let Err(e) = &size {
        errors.push((e.field.to_string(), e.message.to_string()));
    }
    let clinic = match form.clinic_id.as_deref().filter(|c| !c.is_empty()) {
        Some(c) => {
            Some(Uuid::parse_str(c).map_err(|_| AppError::BadRequest("Unknown clinic".into()))?)
        }
        None => None,
    };
    if kind == Some(SessionKind::Clinic) && clinic.is_none() {
        errors.push((
            "clinic_id".to_owned(),
            "Select the clinic to read".to_owned(),
        ));
    }
    let (Some(kind), Ok(size), true) = (kind, size, errors.is_empty()) else {
        return dashboard_page(&state, &staff, errors).await;
    };
    let cmd = app::StartSession {
        kind,
        size,
        clinic_id: clinic
            .filter(|_| kind == SessionKind::Clinic)
            .map(domain::ids::ClinicId::from),
    };
    let id = app::start_session(&state.store, &staff.caller(), cmd).await?;
    claim_next(&state, &staff, id).await
}

/// `GET /reading/sessions/{sid}/next`: no side effects; the session page, which offers
/// "Next case" as a button.
pub async fn next_page(PageId(sid): PageId) -> PageResult {
    Ok(Redirect::to(&format!("/reading/sessions/{sid}")).into_response())
}

/// `POST /reading/sessions/{sid}/next`: settles the reads due and claims the next case.
pub async fn next(State(state): State<AppState>, staff: Staff, PageId(sid): PageId) -> PageResult {
    reader(&staff)?;
    claim_next(&state, &staff, sid).await
}

/// Claims the session's next case and goes to it (the session page when none is left).
/// Only POST handlers call this: claiming settles reads and takes a case.
pub(super) async fn claim_next(state: &AppState, staff: &Staff, sid: Uuid) -> PageResult {
    match app::next_case(&state.store, &staff.caller(), sid).await? {
        Some(case) => {
            Ok(Redirect::to(&format!("/reading/sessions/{sid}/cases/{case}")).into_response())
        }
        None => Ok(Redirect::to(&format!("/reading/sessions/{sid}")).into_response()),
    }
}

#[derive(Template)]
#[template(path = "reading/session.html")]
pub(super) struct SessionPage {
    pub(super) layout: Layout,
    pub(super) id: String,
    pub(super) title: String,
    pub(super) done: i64,
    pub(super) size: i64,
    pub(super) ended: bool,
    pub(super) current: Option<String>,
    pub(super) cases: Vec<store::SessionCase>,
    pub(super) any_changeable: bool,
    /// Cases still to come in the session.
    pub(super) remaining: i64,
}

pub async fn session(
    State(state): State<AppState>,
    staff: Staff,
    PageId(sid): PageId,
) -> PageResult {
    reader(&staff)?;
    let s = state
        .store
        .reading_session(staff.scope(), staff.0.user_id, sid)
        .await?;
    let done = s.done();
    let remaining = if s.ended {
        0
    } else {
        (s.size - s.cases.len() as i64).max(0)
    };
    let page = SessionPage {
        layout: Layout::new(
            if s.ended {
                "Session complete"
            } else {
                "Reading session"
            },
            Some(staff.0.clone()),
            state.config.demo_mode,
        ),
        id: sid.to_string(),
        title: s.kind.label().to_owned(),
        done,
        size: s.size,
        ended: s.ended,
        current: s.current().map(|c| c.to_string()),
        any_changeable: s.cases.iter().any(|c| c.changeable),
        cases: s.cases,
        remaining,
    };
    render(page)
}

pub async fn finish_session(
    State(state): State<AppState>,
    staff: Staff,
    PageId(sid): PageId,
) -> PageResult {
    reader(&staff)?;
    app::finish_session(&state.store, &staff.caller(), sid).await?;
    Ok(Redirect::to(&format!("/reading/sessions/{sid}")).into_response())
}

pub async fn finalise(
    State(state): State<AppState>,
    staff: Staff,
    PageId(sid): PageId,
) -> PageResult {
    reader(&staff)?;
    app::finalise(&state.store, &staff.caller()).await?;
    Ok(Redirect::to(&format!("/reading/sessions/{sid}")).into_response())
}
