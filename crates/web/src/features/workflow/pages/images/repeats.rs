//! Page 3: repeated images and why.

use super::*;

// ---------------------------------------------------------------------------------------
// Page 3: repeats
// ---------------------------------------------------------------------------------------

/// The repeats question for one view, as shown.
pub struct RepeatsQuestion {
    pub id: String,
    /// The view's code: "RMLO".
    pub code: &'static str,
    pub question: String,
    pub error: Option<String>,
    pub options: Vec<Choice>,
    pub how_many_id: String,
    pub how_many_question: &'static str,
    pub how_many_hint: String,
    pub how_many_value: String,
    pub how_many_error: Option<String>,
    pub reasons_id: String,
    pub reasons: Vec<Choice>,
    pub reasons_error: Option<String>,
    pub other_id: String,
    pub other_value: String,
    pub other_error: Option<String>,
}

#[derive(Template)]
#[template(path = "workflow/images_repeats.html")]
pub(super) struct RepeatsPage {
    pub(super) layout: Layout,
    pub(super) frame: Frame,
    pub(super) errors: Vec<(String, String)>,
    pub(super) action: String,
    pub(super) reasons_question: &'static str,
    pub(super) views: Vec<RepeatsQuestion>,
}

/// One view's answers as typed: the answer, and the raw "How many were repeats?".
pub(super) struct TypedRepeats {
    pub(super) view: View,
    pub(super) images: u8,
    pub(super) repeats: ViewRepeats,
    pub(super) how_many: String,
}

pub(super) fn repeats_question(typed: &TypedRepeats, errors: &[ImagingError]) -> RepeatsQuestion {
    let TypedRepeats {
        view,
        images,
        repeats,
        how_many,
    } = typed;
    let (view, images) = (*view, *images);
    let id = ImagingField::Repeats(view).id();
    let chosen = repeats.answer.map(ExtraImagesAnswer::choice);
    let reasons_id = ImagingField::RepeatReasons(view).id();
    RepeatsQuestion {
        code: view.label(),
        question: ExtraImagesAnswer::question(view, images),
        error: error_on(errors, ImagingField::Repeats(view)),
        options: ExtraImagesChoice::options(images)
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let mut option =
                    choice(&id, i, c.as_str(), c.label_for(images), chosen == Some(*c));
                option.reveals = *c == ExtraImagesChoice::SomeRepeats;
                option
            })
            .collect(),
        how_many_id: ImagingField::RepeatsCount(view).id(),
        how_many_question: ExtraImagesAnswer::HOW_MANY_QUESTION,
        how_many_hint: ExtraImagesAnswer::how_many_hint(images),
        how_many_value: how_many.clone(),
        how_many_error: error_on(errors, ImagingField::RepeatsCount(view)),
        reasons: RepeatReason::ALL
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let mut option = choice(
                    &reasons_id,
                    i,
                    r.as_str(),
                    r.label(),
                    repeats.reasons.contains(r),
                );
                option.reveals = *r == RepeatReason::Other;
                option
            })
            .collect(),
        reasons_id,
        reasons_error: error_on(errors, ImagingField::RepeatReasons(view)),
        other_id: ImagingField::RepeatOtherDetails(view).id(),
        other_value: repeats.other_reason_details.clone(),
        other_error: error_on(errors, ImagingField::RepeatOtherDetails(view)),
        id,
    }
}

pub(super) fn repeats_page(
    state: &AppState,
    staff: &Staff,
    wf: &Workflow,
    typed: &[TypedRepeats],
    errors: &[ImagingError],
) -> PageResult {
    respond(
        RepeatsPage {
            layout: layout(state, staff, wf, "Repeat images", !errors.is_empty()),
            frame: Frame::new(wf, Step::Images),
            errors: summary(errors),
            action: page_href(wf.appointment.id, "repeats"),
            reasons_question: REPEAT_REASONS_QUESTION,
            views: typed.iter().map(|t| repeats_question(t, errors)).collect(),
        },
        !errors.is_empty(),
    )
}

/// `GET /appointments/{id}/images/repeats`: skipped (to the details) when no view has 2
/// or more images.
pub async fn repeats_form(
    State(state): State<AppState>,
    staff: Staff,
    PageId(id): PageId<AppointmentId>,
) -> PageResult {
    let wf = load_images(&state, &staff, id).await?;
    let record = working_record(&wf);
    let views = if record.standard_set == StandardSetAnswer::No {
        record.views_needing_repeats()
    } else {
        Vec::new()
    };
    if views.is_empty() {
        return redirect(&page_href(wf.appointment.id, "details"));
    }
    let typed: Vec<TypedRepeats> = views
        .into_iter()
        .map(|(view, images)| {
            let repeats = record.repeats_for(view).cloned().unwrap_or_default();
            let how_many = match repeats.answer {
                Some(ExtraImagesAnswer::SomeRepeats(n)) => n.to_string(),
                _ => String::new(),
            };
            TypedRepeats {
                view,
                images,
                repeats,
                how_many,
            }
        })
        .collect();
    repeats_page(&state, &staff, &wf, &typed, &[])
}

/// `POST /appointments/{id}/images/repeats`.
pub async fn repeats_save(
    State(state): State<AppState>,
    staff: Staff,
    PageId(id): PageId<AppointmentId>,
    PageForm(form): PageForm<OpenForm>,
) -> PageResult {
    let version = form.version()?;
    let form = &form.answers;
    let wf = load_images(&state, &staff, id).await?;
    let id = wf.appointment.id;
    let mut record = working_record(&wf);
    if record.standard_set != StandardSetAnswer::No {
        return redirect(&page_href(id, "details"));
    }
    let mut errors = Vec::new();
    let mut typed = Vec::new();
    for (view, images) in record.views_needing_repeats() {
        let how_many = form
            .get(&ImagingField::RepeatsCount(view).id())
            .unwrap_or_default()
            .to_owned();
        let answer = match form
            .get(&ImagingField::Repeats(view).id())
            .and_then(|v| v.parse::<ExtraImagesChoice>().ok())
        {
            Some(ExtraImagesChoice::SomeRepeats) => {
                match ExtraImagesAnswer::parse_how_many(view, &how_many) {
                    Ok(n) => Some(ExtraImagesAnswer::SomeRepeats(n)),
                    Err(e) => {
                        errors.push(e);
                        Some(ExtraImagesAnswer::SomeRepeats(0))
                    }
                }
            }
            Some(c) => Some(ExtraImagesAnswer::from_choice(c, 0)),
            None => None,
        };
        let repeats = ViewRepeats {
            answer,
            reasons: form
                .all(&ImagingField::RepeatReasons(view).id())
                .filter_map(|r| r.parse::<RepeatReason>().ok())
                .collect(),
            other_reason_details: form
                .get(&ImagingField::RepeatOtherDetails(view).id())
                .unwrap_or_default()
                .trim()
                .to_owned(),
        };
        record.repeats.insert(view, repeats.clone());
        typed.push(TypedRepeats {
            view,
            images,
            repeats,
            how_many,
        });
    }
    // A number that could not be read is reported once, as read; the range is the domain's.
    for e in validate_repeats(&record) {
        if !errors.iter().any(|known| known.field == e.field) {
            errors.push(e);
        }
    }
    errors.sort_by_key(|e| {
        typed
            .iter()
            .position(|t| {
                matches!(e.field,
                    ImagingField::Repeats(v) | ImagingField::RepeatsCount(v)
                    | ImagingField::RepeatReasons(v) | ImagingField::RepeatOtherDetails(v) if v == t.view)
            })
            .unwrap_or(usize::MAX)
    });
    if !errors.is_empty() {
        return repeats_page(&state, &staff, &wf, &typed, &errors);
    }
    save_record(
        &state.store,
        staff.scope(),
        &staff.actor(),
        &wf,
        &record,
        version,
    )
    .await?;
    redirect(&page_href(id, "details"))
}
