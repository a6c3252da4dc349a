//! Neutral helpers that several store feature modules legitimately need. Feature modules
//! (appointments, workflow, closing, reading, gateway, follow-ups, ...) depend on these and
//! on `audit`, `sql`, `dates`, `rounds` and `outbox`, never on each other; reactions from
//! one feature to another go through domain events (`outbox`, ADR 18).

pub(crate) mod appointment;
pub(crate) mod episode;
pub(crate) mod follow_up;
pub(crate) mod screening_status;

use crate::sql::parse_id;
use crate::{Result, Room, StoreError};
use sqlx::FromRow;

/// A room, from columns `room_id`, `location_id`, `room_name`, `machine`, `ae_title`, as
/// stored.
#[derive(FromRow)]
pub(crate) struct RoomRow {
    room_id: String,
    location_id: String,
    room_name: String,
    machine: String,
    ae_title: String,
}

impl TryFrom<RoomRow> for Room {
    type Error = StoreError;
    fn try_from(r: RoomRow) -> Result<Self> {
        Ok(Room {
            id: parse_id(&r.room_id)?,
            location_id: parse_id(&r.location_id)?,
            name: r.room_name,
            machine: r.machine,
            ae_title: r.ae_title,
        })
    }
}
