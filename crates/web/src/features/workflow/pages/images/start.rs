//! Page 1: were the standard images taken?

use super::*;

// ---------------------------------------------------------------------------------------
// Page 1: the room and "Have you taken a standard set of images?"
// ---------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "workflow/images.html")]
pub(super) struct StartPage {
    pub(super) layout: Layout,
    pub(super) frame: Frame,
    pub(super) errors: Vec<(String, String)>,
    pub(super) room: Option<String>,
    pub(super) room_id: String,
    pub(super) room_href: String,
    pub(super) question: &'static str,
    pub(super) options: Vec<Choice>,
    pub(super) error: Option<String>,
    /// After "Switch to manual image mode": what to do on the machine.
    pub(super) manual_notice: Option<String>,
    /// On a recall appointment: what the recall asks for.
    pub(super) recall: Option<String>,
}

/// "Technical recall: take RMLO and LCC again", for a recall appointment.
pub(super) fn recall_text(wf: &Workflow) -> Option<String> {
    let follow_up = wf.appointment.follow_up.as_ref()?;
    let views = app::requested_views(wf)?;
    Some(format!(
        "This appointment is {} for {}: record only the images the recall asks for.",
        follow_up.kind.singular(),
        views.sentence()
    ))
}

pub(super) async fn start_page(
    state: &AppState,
    staff: &Staff,
    wf: &Workflow,
    answer: Option<StandardSetAnswer>,
    errors: &[ImagingError],
) -> PageResult {
    let (room, _) = rooms(state, staff, wf).await?;
    let manual_notice =
        super::super::auto_images::manual_notice(state, staff, wf, room.as_ref()).await?;
    let field = ImagingField::StandardSet.id();
    respond(
        StartPage {
            layout: layout(
                state,
                staff,
                wf,
                "Take mammogram images",
                !errors.is_empty(),
            ),
            frame: Frame::new(wf, Step::Images),
            errors: summary(errors),
            room: room.as_ref().map(room_text),
            room_id: room.map(|r| r.id.to_string()).unwrap_or_default(),
            room_href: page_href(wf.appointment.id, "room"),
            question: STANDARD_SET_QUESTION,
            options: StandardSetAnswer::ALL
                .iter()
                .enumerate()
                .map(|(i, a)| choice(&field, i, a.as_str(), a.label(), answer == Some(*a)))
                .collect(),
            error: error_on(errors, ImagingField::StandardSet),
            manual_notice,
            recall: recall_text(wf),
        },
        !errors.is_empty(),
    )
}

/// `GET /appointments/{id}/images`.
pub async fn show(
    State(state): State<AppState>,
    staff: Staff,
    PageId(id): PageId<AppointmentId>,
) -> PageResult {
    let wf = load_images(&state, &staff, id).await?;
    let (room, _) = rooms(&state, &staff, &wf).await?;
    if let Some(page) = super::super::auto_images::page(&state, &staff, &wf, room.as_ref()).await? {
        return Ok(page);
    }
    let answer = images_record(&wf).map(|r| r.standard_set);
    start_page(&state, &staff, &wf, answer, &[]).await
}

/// "Have you taken a standard set of images?", and the room shown with it.
#[derive(serde::Deserialize)]
pub struct StandardSetForm {
    version: Option<String>,
    standard_set: Option<String>,
    room_id: Option<String>,
}

/// `POST /appointments/{id}/images`: the standard set answer, and the room shown if the
/// appointment has none yet.
pub async fn choose(
    State(state): State<AppState>,
    staff: Staff,
    PageId(id): PageId<AppointmentId>,
    PageForm(form): PageForm<StandardSetForm>,
) -> PageResult {
    let mut version = form_version(form.version.as_deref())?;
    let mut wf = load_images(&state, &staff, id).await?;
    let id = wf.appointment.id;
    let context = medical::imaging_context(&wf);
    let answer = form
        .standard_set
        .as_deref()
        .and_then(|v| v.parse::<StandardSetAnswer>().ok());
    let Some(answer) = answer else {
        let errors = [ImagingError::new(
            ImagingField::StandardSet,
            SELECT_STANDARD_SET,
        )];
        return start_page(&state, &staff, &wf, None, &errors).await;
    };
    let mut record = working_record(&wf);
    if answer == StandardSetAnswer::No && record.standard_set == StandardSetAnswer::NoImages {
        record.counts = starting_counts(&wf);
    }
    record.standard_set = answer;
    let errors: Vec<ImagingError> = validate_details(&record, &context)
        .into_iter()
        .filter(|e| e.field == ImagingField::StandardSet)
        .collect();
    if !errors.is_empty() {
        return start_page(&state, &staff, &wf, Some(answer), &errors).await;
    }
    // The room shown is the one the images were taken in, unless it was changed.
    if wf.room.is_none() {
        let shown = form
            .room_id
            .as_deref()
            .and_then(|v| Uuid::parse_str(v.trim()).ok());
        let room = match shown {
            Some(room_id) => state
                .store
                .rooms(staff.scope())
                .await?
                .into_iter()
                .find(|r| r.id == room_id),
            None => None,
        };
        if let Some(room) = room {
            version = app::set_room(
                &state.store,
                &staff.caller(),
                app::SetRoom {
                    appointment_id: id,
                    room_id: room.id,
                    expected_version: version,
                },
            )
            .await?;
            wf.room = Some(room);
        }
    } else {
        // An appointment that reached this step before the worklist item was issued by
        // the write that opens it gets its item here, at the first answer of the step.
        app::issue_worklist_if_reachable(&state.store, &staff.caller(), id).await?;
    }
    save_record_as(
        &state.store,
        staff.scope(),
        &staff.actor(),
        &wf,
        &record,
        version,
        Some(RecordingMethod::Manual),
    )
    .await?;
    redirect(&match answer {
        StandardSetAnswer::Yes => page_href(id, "details"),
        StandardSetAnswer::No => page_href(id, "counts"),
        StandardSetAnswer::NoImages => format!("/appointments/{id}/cannot-proceed"),
    })
}
