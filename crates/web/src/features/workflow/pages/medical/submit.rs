//! Saving a form: placing the item in its list, saving the workflow section, and the page handlers.

use super::*;

// ---------------------------------------------------------------------------------------
// Submitting a form
// ---------------------------------------------------------------------------------------

/// Puts an item in its list: a new one is recorded today; a changed one is updated, or
/// only confirmed when it comes back unchanged.
pub(super) fn place<T: PartialEq>(
    items: &mut Vec<CarriedForward<T>>,
    index: Option<usize>,
    item: T,
    today: Date,
) -> Result<(), AppError> {
    match index {
        None => items.push(CarriedForward::recorded(item, today)),
        Some(i) => {
            let existing = items.get_mut(i).ok_or(AppError::NotFound)?;
            if existing.item == item {
                existing.confirm();
            } else {
                existing.update(item, today);
            }
        }
    }
    Ok(())
}

/// Checks the whole document and saves it, then goes to `next` (or shows the form again
/// with whatever the document-wide rules refuse).
pub(super) async fn save_then(
    ctx: &Ctx<'_>,
    form: Form,
    v: &Answers,
    version: i64,
    next: String,
) -> PageResult {
    if let Err(errors) = ctx.info.validate(ctx.today) {
        return form_page(ctx, form, v, pairs(Err(errors)), false);
    }
    app::save_medical(
        &ctx.state.store,
        &ctx.staff.caller(),
        app::SaveMedical {
            appointment_id: ctx.id,
            info: &ctx.info,
            expected_version: version,
        },
    )
    .await?;
    Ok(Redirect::to(&next).into_response())
}

fn show(page: PageResult) -> PageResult<Outcome> {
    page.map(Outcome::Show)
}

fn choose_history(ctx: &Ctx<'_>, form: Form, v: &Answers) -> PageResult {
    match one::<MedicalHistoryType>(v, "type") {
        Some(kind) if can_add(ctx.info.history_items(), kind) => {
            Ok(Redirect::to(&Form::History(None, kind).href(ctx.id)).into_response())
        }
        Some(kind) => form_page(
            ctx,
            form,
            v,
            vec![(
                "type".to_owned(),
                format!(
                    "{} can only be recorded once: change the one recorded",
                    kind.label()
                ),
            )],
            false,
        ),
        None => form_page(
            ctx,
            form,
            v,
            vec![(
                "type".to_owned(),
                "Select the type of medical history".to_owned(),
            )],
            false,
        ),
    }
}

fn choose_symptom(ctx: &Ctx<'_>, form: Form, v: &Answers) -> PageResult {
    match one::<SymptomType>(v, "type") {
        Some(kind) => Ok(Redirect::to(&Form::Symptom(None, kind).href(ctx.id)).into_response()),
        None => form_page(
            ctx,
            form,
            v,
            vec![("type".to_owned(), "Select the type of symptom".to_owned())],
            false,
        ),
    }
}

fn mammogram(
    ctx: &mut Ctx<'_>,
    form: Form,
    index: Option<usize>,
    v: &Answers,
) -> PageResult<Outcome> {
    let today = ctx.today;
    let mut errors = Errors::new();
    let mut m = read_mammogram(v, &mut errors);
    let within = m.within_six_months(today);
    if !within {
        m.reason_to_continue = None;
    }
    errors.extend(pairs(m.validate_for_appointment(today)));
    // The first time a recent mammogram is entered the page explains the rule and asks for
    // a reason; only a blank reason once asked is an error.
    if v.get("reason_asked").is_none() {
        errors.retain(|(f, _)| f != "reason_to_continue");
    }
    if !errors.is_empty() || (within && !m.has_reason_to_continue()) {
        return show(form_page(ctx, form, v, errors, false));
    }
    place(&mut ctx.info.mammograms, index, m, today)?;
    Ok(Outcome::SaveThen(ctx.overview(form.section())))
}

/// A medical history item. Breast implants that need consent ask for it on a second page
/// (the details answered so far ride along); consent refused ends the appointment.
fn history(
    ctx: &mut Ctx<'_>,
    form: Form,
    (index, kind): (Option<usize>, MedicalHistoryType),
    v: &Answers,
) -> PageResult<Outcome> {
    let today = ctx.today;
    let mut errors = Errors::new();
    let mut next = ctx.overview(form.section());
    let item = read_history(kind, v, &mut errors);
    errors.extend(pairs(item.validate(today)));
    if let MedicalHistoryItem::BreastImplants(b) = &item {
        let consent_step = v.get("consent_step").is_some();
        let consent_only = errors.iter().all(|(f, _)| f == "consent");
        if !consent_step {
            errors.retain(|(f, _)| f != "consent");
            if !errors.is_empty() {
                return show(form_page(ctx, form, v, errors, false));
            }
            if b.consent_required() {
                return show(form_page(ctx, form, v, Vec::new(), true));
            }
        } else if !errors.is_empty() {
            return show(form_page(ctx, form, v, errors, consent_only));
        }
        if b.consent_outcome() == Some(ImplantConsentOutcome::EndAppointment) {
            next = format!("/appointments/{}/cannot-proceed", ctx.id);
        }
    } else if !errors.is_empty() {
        return show(form_page(ctx, form, v, errors, false));
    }
    place(&mut ctx.info.history, index, item, today)?;
    Ok(Outcome::SaveThen(next))
}

/// The other forms: a symptom, a breast feature, the density factors, other information.
fn other_forms(ctx: &mut Ctx<'_>, form: Form, v: &Answers) -> PageResult<Outcome> {
    let today = ctx.today;
    let mut errors = Errors::new();
    match form {
        Form::Symptom(index, kind) => {
            let symptom = read_symptom(kind, v, today, &mut errors);
            errors.extend(pairs(symptom.validate(today)));
            if !errors.is_empty() {
                return show(form_page(ctx, form, v, errors, false));
            }
            place(&mut ctx.info.symptoms, index, symptom, today)?;
        }
        Form::Feature(index) => {
            let existing = index
                .and_then(|i| ctx.info.features.get(i))
                .map(|c| &c.item);
            match read_feature(v, existing, &mut errors) {
                Some(feature) if errors.is_empty() => {
                    place(&mut ctx.info.features, index, feature, today)?;
                }
                _ => return show(form_page(ctx, form, v, errors, false)),
            }
        }
        Form::Density => {
            let density = read_density(v);
            errors.extend(pairs(density.validate()));
            if !errors.is_empty() {
                return show(form_page(ctx, form, v, errors, false));
            }
            ctx.info.density = Some(density);
        }
        Form::Other => {
            ctx.info.other = text(v, "other");
        }
        Form::Mammogram(_) | Form::ChooseHistory | Form::History(..) | Form::ChooseSymptom => {
            return Err(AppError::NotFound);
        }
    }
    Ok(Outcome::SaveThen(ctx.overview(form.section())))
}

pub(super) async fn submit(mut ctx: Ctx<'_>, form: Form, submitted: OpenForm) -> PageResult {
    let version = submitted.version()?;
    let v = submitted.answers;
    let outcome = match form {
        Form::ChooseHistory => return choose_history(&ctx, form, &v),
        Form::ChooseSymptom => return choose_symptom(&ctx, form, &v),
        Form::Mammogram(index) => mammogram(&mut ctx, form, index, &v)?,
        Form::History(index, kind) => history(&mut ctx, form, (index, kind), &v)?,
        _ => other_forms(&mut ctx, form, &v)?,
    };
    match outcome {
        Outcome::SaveThen(next) => save_then(&ctx, form, &v, version, next).await,
        Outcome::Show(page) => Ok(page),
    }
}

// ---------------------------------------------------------------------------------------
// Form handlers
// ---------------------------------------------------------------------------------------

/// `GET /appointments/{id}/medical-information/{page}` (density, other).
pub async fn page_show(
    State(state): State<AppState>,
    staff: Staff,
    IdAnd(id, page): IdAnd,
) -> PageResult {
    let ctx = context(&state, &staff, id).await?;
    let form = page_form(&page)?;
    form_page(&ctx, form, &form.answers(&ctx.info), Vec::new(), false)
}

/// `POST /appointments/{id}/medical-information/{page}`.
pub async fn page_submit(
    State(state): State<AppState>,
    staff: Staff,
    IdAnd(id, page): IdAnd,
    PageForm(v): PageForm<OpenForm>,
) -> PageResult {
    let ctx = context(&state, &staff, id).await?;
    let form = page_form(&page)?;
    submit(ctx, form, v).await
}

/// `GET /appointments/{id}/medical-information/{list}/{key}`: add ("new") or change.
pub async fn item_show(
    State(state): State<AppState>,
    staff: Staff,
    IdAndTwo(id, list, key): IdAndTwo,
) -> PageResult {
    let ctx = context(&state, &staff, id).await?;
    let form = item_form(&ctx.info, &list, &key)?;
    form_page(&ctx, form, &form.answers(&ctx.info), Vec::new(), false)
}

/// `POST /appointments/{id}/medical-information/{list}/{key}`.
pub async fn item_submit(
    State(state): State<AppState>,
    staff: Staff,
    IdAndTwo(id, list, key): IdAndTwo,
    PageForm(v): PageForm<OpenForm>,
) -> PageResult {
    let ctx = context(&state, &staff, id).await?;
    let form = item_form(&ctx.info, &list, &key)?;
    submit(ctx, form, v).await
}

/// `GET /appointments/{id}/medical-information/{list}/new/{kind}`.
pub async fn new_item_show(
    State(state): State<AppState>,
    staff: Staff,
    IdAndTwo(id, list, kind): IdAndTwo,
) -> PageResult {
    let ctx = context(&state, &staff, id).await?;
    let form = new_typed_form(&list, &kind)?;
    if let Form::History(_, kind) = form
        && !can_add(ctx.info.history_items(), kind)
    {
        return Ok(Redirect::to(&ctx.overview(MedicalSection::MedicalHistory)).into_response());
    }
    form_page(&ctx, form, &Answers(Vec::new()), Vec::new(), false)
}

/// `POST /appointments/{id}/medical-information/{list}/new/{kind}`.
pub async fn new_item_submit(
    State(state): State<AppState>,
    staff: Staff,
    IdAndTwo(id, list, kind): IdAndTwo,
    PageForm(v): PageForm<OpenForm>,
) -> PageResult {
    let ctx = context(&state, &staff, id).await?;
    let form = new_typed_form(&list, &kind)?;
    submit(ctx, form, v).await
}
