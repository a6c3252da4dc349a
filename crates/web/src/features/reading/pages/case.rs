//! The case page and the first opinion question, for a read or an arbitration.

use super::*;

#[derive(Template)]
#[template(path = "reading/case.html")]
pub(super) struct CasePage {
    pub(super) layout: Layout,
    pub(super) base: String,
    pub(super) sid: String,
    pub(super) header: CaseHeader,
    pub(super) reads: Vec<ReadCard>,
    pub(super) first_read_hidden: bool,
    /// The opinion question (reads), or the arbitration form.
    pub(super) arbitration: bool,
    pub(super) slot_label: String,
    pub(super) question: &'static str,
    pub(super) kinds: Vec<Option_>,
    pub(super) readers: Vec<Option_>,
    pub(super) decisions: Vec<Option_>,
    pub(super) warning: Option<String>,
    pub(super) errors: Vec<(String, String)>,
    pub(super) action: String,
    pub(super) can_request_priors: bool,
}

pub(super) async fn case_page(
    state: &AppState,
    staff: &Staff,
    l: &Loaded,
    purpose: Purpose,
    selected: Option<OpinionKind>,
    errors: Vec<(String, String)>,
) -> PageResult {
    let arbitration_form =
        purpose == Purpose::Read && l.detail.case.state == ReadingState::AwaitingArbitration;
    let readers = if arbitration_form {
        state
            .store
            .readers(staff.scope())
            .await?
            .into_iter()
            .filter(|(id, _)| *id != staff.0.user_id)
            .map(|(id, name)| Option_ {
                value: id.to_string(),
                label: name,
                checked: false,
                hint: String::new(),
            })
            .collect()
    } else {
        Vec::new()
    };
    let slot_label = match (&l.detail.can_read, purpose) {
        (_, Purpose::Arbitration) => "Arbitration".to_owned(),
        (Ok(slot), _) => slot.label().to_owned(),
        (Err(_), _) if l.detail.can_change => "Change your opinion".to_owned(),
        (Err(_), _) => String::new(),
    };
    let page = CasePage {
        layout: Layout::new(
            format!("Read case: {}", l.wf.appointment.participant.full_name()),
            Some(staff.0.clone()),
            state.config.demo_mode,
        ),
        base: l.base.clone(),
        sid: l.sid.to_string(),
        header: case_header(l, state.today()),
        reads: read_cards(&l.detail),
        first_read_hidden: l.detail.first_read_hidden,
        arbitration: arbitration_form,
        slot_label,
        question: OPINION_QUESTION,
        kinds: OpinionKind::ALL
            .iter()
            .enumerate()
            .map(|(i, k)| Option_ {
                value: k.as_str().to_owned(),
                label: k.label().to_owned(),
                checked: selected == Some(*k),
                hint: format!("Shortcut: {}", i + 1),
            })
            .collect(),
        readers,
        decisions: vec![
            Option_ {
                value: "agree_with_first".into(),
                label: "Agree with the 1st read".into(),
                checked: false,
                hint: String::new(),
            },
            Option_ {
                value: "agree_with_second".into(),
                label: "Agree with the 2nd read".into(),
                checked: false,
                hint: String::new(),
            },
            Option_ {
                value: "other".into(),
                label: "Give another outcome".into(),
                checked: false,
                hint: String::new(),
            },
        ],
        warning: if arbitration_form || purpose == Purpose::Arbitration {
            l.detail.arbitrator_warning.clone()
        } else {
            None
        },
        action: format!("{}/{}", l.base, purpose.segment()),
        can_request_priors: l.detail.case.priors_status.can_request(),
        errors,
    };
    let errors = page.errors.clone();
    Ok(with_status(render(page)?, &errors))
}

pub async fn case(
    State(state): State<AppState>,
    staff: Staff,
    ids: PageIds<Uuid, CaseId>,
) -> PageResult {
    question_page(state, staff, ids, Purpose::Read).await
}

/// GET of `{base}/arbitration`: the opinion question for an arbitration's other outcome.
pub async fn arbitration_question(
    State(state): State<AppState>,
    staff: Staff,
    ids: PageIds<Uuid, CaseId>,
) -> PageResult {
    question_page(state, staff, ids, Purpose::Arbitration).await
}

/// The case with the opinion question (or, for a read of a case awaiting arbitration, the
/// arbitration form), keeping any answer already chosen.
pub(super) async fn question_page(
    state: AppState,
    staff: Staff,
    PageIds(sid, cid): PageIds<Uuid, CaseId>,
    purpose: Purpose,
) -> PageResult {
    let l = load(&state, &staff, sid, cid).await?;
    if purpose == Purpose::Arbitration || l.detail.case.state != ReadingState::AwaitingArbitration {
        require_can_read(&l, purpose)?;
    }
    let draft = state
        .store
        .opinion_draft(staff.scope(), staff.0.user_id, l.cid, purpose.draft_key())
        .await?;
    case_page(
        &state,
        &staff,
        &l,
        purpose,
        draft.map(|d| d.kind()),
        Vec::new(),
    )
    .await
}

/// The opinion question's answer.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ChooseForm {
    opinion: Option<String>,
}

/// POST of the opinion question: keeps the kind (and anything already given for it) and
/// goes to the page that kind needs.
pub async fn choose_read(
    State(state): State<AppState>,
    staff: Staff,
    PageIds(sid, cid): PageIds<Uuid, CaseId>,
    PageForm(form): PageForm<ChooseForm>,
) -> PageResult {
    choose(state, staff, (sid, cid), Purpose::Read, form).await
}

pub async fn choose_arbitration(
    State(state): State<AppState>,
    staff: Staff,
    PageIds(sid, cid): PageIds<Uuid, CaseId>,
    PageForm(form): PageForm<ChooseForm>,
) -> PageResult {
    choose(state, staff, (sid, cid), Purpose::Arbitration, form).await
}

pub(super) async fn choose(
    state: AppState,
    staff: Staff,
    ids: (Uuid, CaseId),
    purpose: Purpose,
    form: ChooseForm,
) -> PageResult {
    let l = load_for(&state, &staff, ids, purpose).await?;
    let Some(kind) = form
        .opinion
        .as_deref()
        .and_then(|k| k.parse::<OpinionKind>().ok())
    else {
        return case_page(
            &state,
            &staff,
            &l,
            purpose,
            None,
            vec![(
                "opinion".to_owned(),
                "Select your opinion of these images".to_owned(),
            )],
        )
        .await;
    };
    let draft = state
        .store
        .opinion_draft(staff.scope(), staff.0.user_id, l.cid, purpose.draft_key())
        .await?;
    let opinion = match (kind, draft) {
        (k, Some(d)) if d.kind() == k => d,
        (OpinionKind::Normal, _) => Opinion::normal(),
        (OpinionKind::NormalWithDetails, _) => Opinion::NormalWithDetails {
            details: String::new(),
            symptoms_acknowledged: false,
        },
        (OpinionKind::TechnicalRecall, _) => Opinion::TechnicalRecall { views: Vec::new() },
        (OpinionKind::RecallForAssessment, _) => Opinion::RecallForAssessment {
            right: BreastAssessment::Normal,
            left: BreastAssessment::Normal,
        },
    };
    save_draft(&state, &staff, &l, purpose, &opinion).await?;
    let page = match kind {
        OpinionKind::Normal => "confirm",
        OpinionKind::NormalWithDetails => "details",
        OpinionKind::TechnicalRecall => "technical-recall",
        OpinionKind::RecallForAssessment => "assessment",
    };
    Ok(Redirect::to(&format!("{}/{}/{page}", l.base, purpose.segment())).into_response())
}
