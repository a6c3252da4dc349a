//! The room the images are taken in.

use super::*;

// ---------------------------------------------------------------------------------------
// The room
// ---------------------------------------------------------------------------------------

/// The rooms offered for this appointment (those at the clinic's location, or every room
/// of the provider if that location has none) and the room to show: the appointment's,
/// else the user's remembered room if offered, else the first room offered.
pub(crate) async fn rooms(
    state: &AppState,
    staff: &Staff,
    wf: &Workflow,
) -> Result<(Option<Room>, Vec<Room>), AppError> {
    Ok(app::rooms(&state.store, staff.scope(), Some(staff.0.user_id), wf).await?)
}

#[derive(Template)]
#[template(path = "workflow/images_room.html")]
pub(super) struct RoomPage {
    pub(super) layout: Layout,
    pub(super) frame: Frame,
    pub(super) errors: Vec<(String, String)>,
    pub(super) back: String,
    pub(super) rooms: Vec<Choice>,
    pub(super) error: Option<String>,
}

pub(super) async fn room_page(
    state: &AppState,
    staff: &Staff,
    wf: &Workflow,
    selected: Option<Uuid>,
    error: Option<&str>,
) -> PageResult {
    let (current, offered) = rooms(state, staff, wf).await?;
    let selected = selected.or(current.map(|r| r.id));
    let errors: Vec<(String, String)> = error
        .map(|e| vec![("room_id".to_owned(), e.to_owned())])
        .unwrap_or_default();
    respond(
        RoomPage {
            layout: layout(state, staff, wf, "Mammogram location", error.is_some()),
            frame: Frame::new(wf, Step::Images),
            back: Step::Images.href(wf.appointment.id),
            rooms: offered
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    let value = r.id.to_string();
                    let mut option = choice("room_id", i, &value, &r.name, selected == Some(r.id));
                    option.hint = Some(r.machine.clone());
                    option
                })
                .collect(),
            error: error.map(str::to_owned),
            errors,
        },
        error.is_some(),
    )
}

/// `GET /appointments/{id}/images/room`: "Which room are you taking the mammograms in?"
pub async fn room_form(
    State(state): State<AppState>,
    staff: Staff,
    PageId(id): PageId<AppointmentId>,
) -> PageResult {
    let wf = load_images(&state, &staff, id).await?;
    room_page(&state, &staff, &wf, None, None).await
}

/// "Which room are you taking the mammograms in?"
#[derive(serde::Deserialize)]
pub struct RoomForm {
    version: Option<String>,
    room_id: Option<String>,
}

/// `POST /appointments/{id}/images/room`: sets the room (remembered for next time).
pub async fn room_save(
    State(state): State<AppState>,
    staff: Staff,
    PageId(id): PageId<AppointmentId>,
    PageForm(form): PageForm<RoomForm>,
) -> PageResult {
    let version = form_version(form.version.as_deref())?;
    let wf = load_images(&state, &staff, id).await?;
    let (_, offered) = rooms(&state, &staff, &wf).await?;
    let chosen = form
        .room_id
        .as_deref()
        .and_then(|v| Uuid::parse_str(v.trim()).ok())
        .filter(|r| offered.iter().any(|o| o.id == *r));
    let Some(room_id) = chosen else {
        return room_page(&state, &staff, &wf, None, Some(SELECT_ROOM)).await;
    };
    let id = wf.appointment.id;
    app::set_room(
        &state.store,
        &staff.caller(),
        app::SetRoom {
            appointment_id: id,
            room_id,
            expected_version: version,
        },
    )
    .await?;
    redirect(&Step::Images.href(id))
}
