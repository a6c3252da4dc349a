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
    v: &FormPairs,
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

pub(super) async fn submit(mut ctx: Ctx<'_>, form: Form, v: FormPairs) -> PageResult {
    let version = v.version()?;
    let today = ctx.today;
    let mut errors = Errors::new();
    let mut next = ctx.overview(form.section());
    match form {
        Form::ChooseHistory => {
            return match one::<MedicalHistoryType>(&v, "type") {
                Some(kind) if can_add(ctx.info.history_items(), kind) => {
                    Ok(Redirect::to(&Form::History(None, kind).href(ctx.id)).into_response())
                }
                Some(kind) => form_page(
                    &ctx,
                    form,
                    &v,
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
                    &ctx,
                    form,
                    &v,
                    vec![(
                        "type".to_owned(),
                        "Select the type of medical history".to_owned(),
                    )],
                    false,
                ),
            };
        }
        Form::ChooseSymptom => {
            return match one::<SymptomType>(&v, "type") {
                Some(kind) => {
                    Ok(Redirect::to(&Form::Symptom(None, kind).href(ctx.id)).into_response())
                }
                None => form_page(
                    &ctx,
                    form,
                    &v,
                    vec![("type".to_owned(), "Select the type of symptom".to_owned())],
                    false,
                ),
            };
        }
        Form::Mammogram(index) => {
            let mut m = read_mammogram(&v, &mut errors);
            let within = m.within_six_months(today);
            if !within {
                m.reason_to_continue = None;
            }
            errors.extend(pairs(m.validate_for_appointment(today)));
            // The first time a recent mammogram is entered the page explains the rule and
            // asks for a reason; only a blank reason once asked is an error.
            if v.get("reason_asked").is_none() {
                errors.retain(|(f, _)| f != "reason_to_continue");
            }
            if !errors.is_empty() || (within && !m.has_reason_to_continue()) {
                return form_page(&ctx, form, &v, errors, false);
            }
            place(&mut ctx.info.mammograms, index, m, today)?;
        }
        Form::History(index, kind) => {
            let item = read_history(kind, &v, &mut errors);
            errors.extend(pairs(item.validate(today)));
            if let MedicalHistoryItem::BreastImplants(b) = &item {
                let consent_step = v.get("consent_step").is_some();
                let consent_only = errors.iter().all(|(f, _)| f == "consent");
                if !consent_step {
                    errors.retain(|(f, _)| f != "consent");
                    if !errors.is_empty() {
                        return form_page(&ctx, form, &v, errors, false);
                    }
                    if b.consent_required() {
                        return form_page(&ctx, form, &v, Vec::new(), true);
                    }
                } else if !errors.is_empty() {
                    return form_page(&ctx, form, &v, errors, consent_only);
                }
                if b.consent_outcome() == Some(ImplantConsentOutcome::EndAppointment) {
                    next = format!("/appointments/{}/cannot-proceed", ctx.id);
                }
            } else if !errors.is_empty() {
                return form_page(&ctx, form, &v, errors, false);
            }
            place(&mut ctx.info.history, index, item, today)?;
        }
        Form::Symptom(index, kind) => {
            let symptom = read_symptom(kind, &v, today, &mut errors);
            errors.extend(pairs(symptom.validate(today)));
            if !errors.is_empty() {
                return form_page(&ctx, form, &v, errors, false);
            }
            place(&mut ctx.info.symptoms, index, symptom, today)?;
        }
        Form::Feature(index) => {
            let existing = index
                .and_then(|i| ctx.info.features.get(i))
                .map(|c| &c.item);
            let feature = read_feature(&v, existing, &mut errors);
            match feature {
                Some(feature) if errors.is_empty() => {
                    place(&mut ctx.info.features, index, feature, today)?;
                }
                _ => return form_page(&ctx, form, &v, errors, false),
            }
        }
        Form::Density => {
            let density = read_density(&v);
            errors.extend(pairs(density.validate()));
            if !errors.is_empty() {
                return form_page(&ctx, form, &v, errors, false);
            }
            ctx.info.density = Some(density);
        }
        Form::Other => {
            ctx.info.other = text(&v, "other");
        }
    }
    save_then(&ctx, form, &v, version, next).await
}

// ---------------------------------------------------------------------------------------
// Form handlers
// ---------------------------------------------------------------------------------------

/// `GET /appointments/{id}/medical-information/{page}` (density, other).
pub async fn page_show(
    State(state): State<AppState>,
    staff: Staff,
    Path((id, page)): Path<(String, String)>,
) -> PageResult {
    let ctx = context(&state, &staff, &id).await?;
    let form = page_form(&page)?;
    form_page(&ctx, form, &form.answers(&ctx.info), Vec::new(), false)
}

/// `POST /appointments/{id}/medical-information/{page}`.
pub async fn page_submit(
    State(state): State<AppState>,
    staff: Staff,
    Path((id, page)): Path<(String, String)>,
    v: FormPairs,
) -> PageResult {
    let ctx = context(&state, &staff, &id).await?;
    let form = page_form(&page)?;
    submit(ctx, form, v).await
}

/// `GET /appointments/{id}/medical-information/{list}/{key}`: add ("new") or change.
pub async fn item_show(
    State(state): State<AppState>,
    staff: Staff,
    Path((id, list, key)): Path<(String, String, String)>,
) -> PageResult {
    let ctx = context(&state, &staff, &id).await?;
    let form = item_form(&ctx.info, &list, &key)?;
    form_page(&ctx, form, &form.answers(&ctx.info), Vec::new(), false)
}

/// `POST /appointments/{id}/medical-information/{list}/{key}`.
pub async fn item_submit(
    State(state): State<AppState>,
    staff: Staff,
    Path((id, list, key)): Path<(String, String, String)>,
    v: FormPairs,
) -> PageResult {
    let ctx = context(&state, &staff, &id).await?;
    let form = item_form(&ctx.info, &list, &key)?;
    submit(ctx, form, v).await
}

/// `GET /appointments/{id}/medical-information/{list}/new/{kind}`.
pub async fn new_item_show(
    State(state): State<AppState>,
    staff: Staff,
    Path((id, list, kind)): Path<(String, String, String)>,
) -> PageResult {
    let ctx = context(&state, &staff, &id).await?;
    let form = new_typed_form(&list, &kind)?;
    if let Form::History(_, kind) = form
        && !can_add(ctx.info.history_items(), kind)
    {
        return Ok(Redirect::to(&ctx.overview(MedicalSection::MedicalHistory)).into_response());
    }
    form_page(&ctx, form, &FormPairs(Vec::new()), Vec::new(), false)
}

/// `POST /appointments/{id}/medical-information/{list}/new/{kind}`.
pub async fn new_item_submit(
    State(state): State<AppState>,
    staff: Staff,
    Path((id, list, kind)): Path<(String, String, String)>,
    v: FormPairs,
) -> PageResult {
    let ctx = context(&state, &staff, &id).await?;
    let form = new_typed_form(&list, &kind)?;
    submit(ctx, form, v).await
}
