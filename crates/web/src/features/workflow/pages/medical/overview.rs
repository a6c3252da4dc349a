//! The medical information overview: each section with its items, and its actions.

use super::*;
use domain::ids::AppointmentId;

// ---------------------------------------------------------------------------------------
// The overview
// ---------------------------------------------------------------------------------------

pub struct ItemView {
    pub index: usize,
    pub title: String,
    pub summary: String,
    /// (text, colour)
    pub tags: Vec<(&'static str, &'static str)>,
    pub lines: Vec<String>,
    /// "Recorded on" for items recorded before today.
    pub recorded_on: Option<String>,
    /// Carried forward and not yet confirmed.
    pub unconfirmed: bool,
    pub change_href: String,
}

pub struct SectionView {
    pub value: &'static str,
    pub label: &'static str,
    pub status: &'static str,
    pub reviewed: bool,
    pub count: String,
    pub description: &'static str,
    pub empty: &'static str,
    pub items: Vec<ItemView>,
    pub rows: Vec<(String, String)>,
    pub add_href: String,
    pub add_label: &'static str,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "workflow/medical.html")]
pub(super) struct OverviewPage {
    pub(super) layout: Layout,
    pub(super) frame: Frame,
    pub(super) base: String,
    pub(super) errors: Errors,
    pub(super) should_not_proceed: bool,
    /// The participant's screens on record in the last 6 months ("a screen at ... on ...").
    pub(super) recent_screens: Vec<String>,
    /// The reason recorded for continuing despite them, if any.
    pub(super) recorded_reason: Option<String>,
    pub(super) recorded_reason_field: &'static str,
    pub(super) recorded_reason_error: Option<String>,
    pub(super) consent_refused: bool,
    pub(super) imaging_notes: Vec<String>,
    pub(super) sections: Vec<SectionView>,
}

/// A summary without its leading "Type: " (the row's key already says the type).
pub(super) fn without_heading(summary: String, heading: &str) -> String {
    if summary == heading {
        String::new()
    } else {
        summary
            .strip_prefix(&format!("{heading}: "))
            .map(str::to_owned)
            .unwrap_or(summary)
    }
}

pub(super) fn item_view<T>(
    c: &CarriedForward<T>,
    index: usize,
    title: String,
    summary: String,
    change_href: String,
    today: Date,
) -> ItemView {
    // From an earlier appointment: waiting to be confirmed, or recorded before today.
    let carried = !c.confirmed || c.recorded_on < today;
    let mut tags = Vec::new();
    if carried && c.confirmed {
        tags.push(("Confirmed", "green"));
    }
    ItemView {
        index,
        summary: without_heading(summary, &title),
        title,
        tags,
        lines: Vec::new(),
        recorded_on: carried.then(|| long_date(c.recorded_on)),
        unconfirmed: !c.confirmed,
        change_href,
    }
}

/// What a section describes and lists, before its status and count.
struct SectionContent {
    description: &'static str,
    empty: &'static str,
    add_label: &'static str,
    items: Vec<ItemView>,
    rows: Vec<(String, String)>,
}

impl SectionContent {
    fn list(
        description: &'static str,
        empty: &'static str,
        add_label: &'static str,
        items: Vec<ItemView>,
    ) -> Self {
        SectionContent {
            description,
            empty,
            add_label,
            items,
            rows: Vec::new(),
        }
    }
}

fn mammogram_items(
    info: &MedicalInformation,
    href: &dyn Fn(usize) -> String,
    today: Date,
) -> Vec<ItemView> {
    info.mammograms
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let mut v = item_view(
                c,
                i,
                "Previous mammogram".to_owned(),
                c.item.summary(),
                href(i),
                today,
            );
            if c.item.within_six_months(today) {
                v.tags.push(("Less than 6 months ago", "red"));
            }
            if let Some(name) = &c.item.previous_name {
                v.lines.push(format!("Previous name: {name}"));
            }
            if let Some(reason) = c
                .item
                .reason_to_continue
                .as_deref()
                .filter(|_| c.item.has_reason_to_continue())
            {
                v.lines.push(format!("Reason for continuing: {reason}"));
            }
            v
        })
        .collect()
}

fn history_items(
    info: &MedicalInformation,
    href: &dyn Fn(usize) -> String,
    today: Date,
) -> Vec<ItemView> {
    info.history
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let title = c.item.kind().label().to_owned();
            let mut v = item_view(c, i, title, c.item.summary(), href(i), today);
            if let MedicalHistoryItem::BreastImplants(b) = &c.item
                && b.consent_required()
            {
                v.lines.push(match b.consent {
                    Some(answer) => format!("Consent to continue: {}", answer.label()),
                    None => "Consent to continue: not yet asked".to_owned(),
                });
            }
            v
        })
        .collect()
}

fn symptom_items(
    info: &MedicalInformation,
    href: &dyn Fn(usize) -> String,
    today: Date,
) -> Vec<ItemView> {
    info.symptoms
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let title = c.item.kind.symptom_type().label().to_owned();
            let mut v = item_view(c, i, title, c.item.summary(), href(i), today);
            if is_significant(&c.item) {
                v.tags.push(("Significant", "orange"));
            }
            v
        })
        .collect()
}

fn density_content(info: &MedicalInformation) -> SectionContent {
    let mut rows = Vec::new();
    if let Some(d) = &info.density {
        let answer = |a: Option<Answer3>, details: &str| {
            let mut text = a.map_or("Not answered", Answer3::label).to_owned();
            if !details.trim().is_empty() {
                text.push_str(": ");
                text.push_str(details.trim());
            }
            text
        };
        rows.push((
            "HRT started since last screening".to_owned(),
            answer(d.hrt_started_since_last_screening, &d.hrt_details),
        ));
        rows.push((
            "Pregnant or breastfeeding".to_owned(),
            answer(d.pregnant_or_breastfeeding, &d.details),
        ));
    }
    SectionContent {
        description: "Hormone replacement therapy (HRT) started since their last screening, pregnancy and breastfeeding.",
        empty: "Not asked yet.",
        add_label: if info.density.is_some() {
            "Change breast density factors"
        } else {
            "Add breast density factors"
        },
        items: Vec::new(),
        rows,
    }
}

fn other_content(info: &MedicalInformation) -> SectionContent {
    let mut rows = Vec::new();
    if !info.other.trim().is_empty() {
        rows.push(("Details".to_owned(), info.other.clone()));
    }
    SectionContent {
        description: "Anything else relevant that comes up. There is no need to ask about this routinely.",
        empty: "Nothing recorded.",
        add_label: if info.other.trim().is_empty() {
            "Add other medical information"
        } else {
            "Change other medical information"
        },
        items: Vec::new(),
        rows,
    }
}

fn section_content(
    ctx: &Ctx<'_>,
    section: MedicalSection,
    href: &dyn Fn(usize) -> String,
) -> SectionContent {
    let info = &ctx.info;
    let today = ctx.today;
    match section {
        MedicalSection::MammogramHistory => SectionContent::list(
            "Mammograms the participant has had that may not be on our records, including outside the NHS or the UK.",
            "No previous mammograms reported.",
            "Add a previous mammogram",
            mammogram_items(info, href, today),
        ),
        MedicalSection::MedicalHistory => SectionContent::list(
            "Breast cancer, implants, implanted devices, breast surgery, cysts, benign lumps and other procedures.",
            "No medical history recorded.",
            "Add medical history",
            history_items(info, href, today),
        ),
        MedicalSection::Symptoms => SectionContent::list(
            "Current breast problems such as lumps, swelling, skin or nipple changes, and signs the mammographer notices.",
            "No symptoms recorded.",
            "Add a symptom",
            symptom_items(info, href, today),
        ),
        MedicalSection::BreastFeatures => SectionContent::list(
            "Moles, warts, scars, bruising and other visible features, so readers can tell them from findings.",
            "No breast features recorded.",
            "Add a breast feature",
            info.features
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    item_view(
                        c,
                        i,
                        c.item.kind.label().to_owned(),
                        c.item.summary(),
                        href(i),
                        today,
                    )
                })
                .collect(),
        ),
        MedicalSection::BreastDensityFactors => density_content(info),
        MedicalSection::OtherMedicalInformation => other_content(info),
    }
}

/// "2 items, 1 to confirm".
fn item_count(items: &[ItemView]) -> String {
    let unconfirmed = items.iter().filter(|i| i.unconfirmed).count();
    match (items.len(), unconfirmed) {
        (0, _) => String::new(),
        (1, 0) => "1 item".to_owned(),
        (n, 0) => format!("{n} items"),
        (n, u) => format!(
            "{n} {}, {u} to confirm",
            if n == 1 { "item" } else { "items" }
        ),
    }
}

fn section_view(ctx: &Ctx<'_>, section: MedicalSection, errors: &Errors) -> SectionView {
    let base = Step::Medical.href(ctx.id);
    let list = list_path(section);
    let href = |i: usize| format!("{base}/{list}/{i}");
    let content = section_content(ctx, section, &href);
    let add_href = match section {
        MedicalSection::BreastDensityFactors => Form::Density.href(ctx.id),
        MedicalSection::OtherMedicalInformation => Form::Other.href(ctx.id),
        _ => format!("{base}/{list}/new"),
    };
    let status = ctx.info.status(section);
    SectionView {
        value: section.as_str(),
        label: section.label(),
        status: status.label(),
        reviewed: status == SectionStatus::Reviewed,
        count: item_count(&content.items),
        description: content.description,
        empty: content.empty,
        items: content.items,
        rows: content.rows,
        add_href,
        add_label: content.add_label,
        error: errors
            .iter()
            .find(|(f, _)| *f == format!("section-{}", section.as_str()))
            .map(|(_, m)| m.clone()),
    }
}

pub(super) fn section_views(ctx: &Ctx<'_>, errors: &Errors) -> Vec<SectionView> {
    MedicalSection::ALL
        .iter()
        .map(|&section| section_view(ctx, section, errors))
        .collect()
}

/// What the images step will expect, so the mammographer sees it before imaging.
pub(super) fn imaging_notes(info: &MedicalInformation) -> Vec<String> {
    let mut notes: Vec<String> = breasts_without_tissue(info.history_items())
        .into_iter()
        .map(|side| {
            format!(
                "No tissue remaining in the {} breast: it is not expected to be imaged.",
                side.label().to_lowercase()
            )
        })
        .collect();
    if let Some(ImplantConsentOutcome::ContinueWithOneBreast(side)) = info.implant_consent_outcome()
    {
        notes.push(format!(
            "Consent given to scan the {} breast (no implant) only.",
            side.label().to_lowercase()
        ));
    }
    if has_implants(info.history_items()) {
        notes.push("Breast implants in place: implant-displaced views may be needed.".to_owned());
    }
    notes
}

pub(super) fn overview_page(ctx: &Ctx<'_>, errors: Errors) -> PageResult {
    let has_errors = !errors.is_empty();
    let page = OverviewPage {
        layout: ctx.layout(Step::Medical.label(), has_errors),
        frame: Frame::new(&ctx.wf, Step::Medical),
        base: Step::Medical.href(ctx.id),
        should_not_proceed: ctx
            .info
            .six_month_rule_with_record(ctx.today, &ctx.recorded)
            == SixMonthRule::ShouldNotProceed,
        recent_screens: recent_recorded_screens(&ctx.recorded, ctx.today)
            .into_iter()
            .map(RecordedScreen::describe)
            .collect(),
        recorded_reason: ctx
            .info
            .recorded_screen_reason_to_continue
            .clone()
            .filter(|_| ctx.info.has_recorded_screen_reason()),
        recorded_reason_field: RECORDED_SCREEN_REASON_FIELD,
        recorded_reason_error: errors
            .iter()
            .find(|(f, _)| f == RECORDED_SCREEN_REASON_FIELD)
            .map(|(_, m)| m.clone()),
        consent_refused: ctx.info.implant_consent_outcome()
            == Some(ImplantConsentOutcome::EndAppointment),
        imaging_notes: imaging_notes(&ctx.info),
        sections: section_views(ctx, &errors),
        errors,
    };
    let mut res = render(page)?;
    if has_errors {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

/// `GET /appointments/{id}/medical-information`.
pub async fn show(
    State(state): State<AppState>,
    staff: Staff,
    PageId(id): PageId<AppointmentId>,
) -> PageResult {
    let ctx = context(&state, &staff, id).await?;
    overview_page(&ctx, Vec::new())
}

fn anchor(s: MedicalSection) -> String {
    format!("section-{}", s.as_str())
}

fn bad_form() -> AppError {
    AppError::BadRequest(
        "The form could not be read: go back to the medical information page and try again."
            .to_owned(),
    )
}

/// Marks one section reviewed, then on to the next section, as a checklist would.
fn review(ctx: &mut Ctx<'_>, section: MedicalSection) -> PageResult<Outcome> {
    if let Err(e) = ctx.info.mark_reviewed(section) {
        return Ok(Outcome::Show(overview_page(
            ctx,
            vec![(anchor(section), e.to_string())],
        )?));
    }
    let following = MedicalSection::ALL
        .iter()
        .skip_while(|s| **s != section)
        .nth(1)
        .copied()
        .unwrap_or(section);
    Ok(Outcome::SaveThen(ctx.overview(following)))
}

/// Marks every section reviewed, then on to the images.
fn complete(ctx: &mut Ctx<'_>) -> PageResult<Outcome> {
    if let Err(refused) = ctx.info.mark_all_reviewed() {
        let errors = refused
            .into_iter()
            .map(|(s, e)| (anchor(s), format!("{}: {e}", s.label())))
            .collect();
        return Ok(Outcome::Show(overview_page(ctx, errors)?));
    }
    Ok(Outcome::SaveThen(Step::Images.href(ctx.id)))
}

/// Confirms an item carried forward. Confirming re-asserts the item: it must meet today's
/// rules, so its form asks for what is missing (a reason to continue, implant consent, ...).
fn confirm(ctx: &mut Ctx<'_>, section: MedicalSection, index: usize) -> PageResult<Outcome> {
    let info = &ctx.info;
    let today = ctx.today;
    let check = match section {
        MedicalSection::MammogramHistory => info
            .mammograms
            .get(index)
            .map(|c| c.item.validate_for_appointment(today)),
        MedicalSection::MedicalHistory => info.history.get(index).map(|c| c.item.validate(today)),
        MedicalSection::Symptoms => info.symptoms.get(index).map(|c| c.item.validate(today)),
        MedicalSection::BreastFeatures => info.features.get(index).map(|c| c.item.validate()),
        _ => None,
    }
    .ok_or(AppError::NotFound)?;
    if let Err(errors) = check {
        let form = Form::of_item(info, section, index).ok_or(AppError::NotFound)?;
        let answers = form.answers(info);
        let mut errors = pairs(Err(errors));
        if let Form::Feature(_) = form {
            for (f, _) in &mut errors {
                if f == "position" {
                    "location".clone_into(f);
                }
            }
        }
        let consent_only = matches!(form, Form::History(_, MedicalHistoryType::BreastImplants))
            && errors.iter().all(|(f, _)| f == "consent");
        if consent_only {
            errors.clear();
        }
        // A missing reason to continue is asked for, as when the mammogram is added.
        if matches!(form, Form::Mammogram(_)) {
            errors.retain(|(f, _)| f != "reason_to_continue");
        }
        return Ok(Outcome::Show(form_page(
            ctx,
            form,
            &answers,
            errors,
            consent_only,
        )?));
    }
    ctx.info.confirm(section, index);
    Ok(Outcome::SaveThen(ctx.overview(section)))
}

/// A screen on record in the last 6 months: continue only with a reason.
fn continue_recorded(ctx: &mut Ctx<'_>, reason: &str) -> PageResult<Outcome> {
    match validate_reason_to_continue(reason) {
        Ok(reason) => ctx.info.recorded_screen_reason_to_continue = Some(reason),
        Err(e) => {
            return Ok(Outcome::Show(overview_page(
                ctx,
                vec![(
                    RECORDED_SCREEN_REASON_FIELD.to_owned(),
                    e.message.into_owned(),
                )],
            )?));
        }
    }
    Ok(Outcome::SaveThen(
        ctx.overview(MedicalSection::MammogramHistory),
    ))
}

/// `POST /appointments/{id}/medical-information`: `action` is "review" (a `section`),
/// "complete" (every section, then on to the images), "confirm" or "remove" (the item at
/// `index` of `section`).
pub async fn act(
    State(state): State<AppState>,
    staff: Staff,
    PageId(id): PageId<AppointmentId>,
    PageForm(form): PageForm<OpenForm>,
) -> PageResult {
    let mut ctx = context(&state, &staff, id).await?;
    let version = form.version()?;
    let v = form.answers;
    let section = v
        .get("section")
        .and_then(|s| s.parse::<MedicalSection>().ok());
    let index = v.get("index").and_then(|s| s.trim().parse::<usize>().ok());
    let outcome = match v.get("action") {
        Some("review") => review(&mut ctx, section.ok_or_else(bad_form)?)?,
        Some("complete") => complete(&mut ctx)?,
        Some("confirm") => {
            let (section, index) = section.zip(index).ok_or_else(bad_form)?;
            confirm(&mut ctx, section, index)?
        }
        Some("continue_recorded") => continue_recorded(
            &mut ctx,
            v.get(RECORDED_SCREEN_REASON_FIELD).unwrap_or_default(),
        )?,
        Some("remove") => {
            let (section, index) = section.zip(index).ok_or_else(bad_form)?;
            if !ctx.info.remove(section, index) {
                return Err(AppError::NotFound);
            }
            Outcome::SaveThen(ctx.overview(section))
        }
        _ => return Err(bad_form()),
    };
    let next = match outcome {
        Outcome::SaveThen(next) => next,
        Outcome::Show(page) => return Ok(page),
    };
    if let Err(errors) = ctx.info.validate_with_record(ctx.today, &ctx.recorded) {
        return overview_page(&ctx, pairs(Err(errors)));
    }
    app::save_medical(
        &state.store,
        &staff.caller(),
        app::SaveMedical {
            appointment_id: ctx.id,
            info: &ctx.info,
            expected_version: version,
        },
    )
    .await?;
    Ok(Redirect::to(&next).into_response())
}
