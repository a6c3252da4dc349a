//! Neutral helpers that several store feature modules legitimately need. Feature modules
//! (appointments, workflow, closing, reading, gateway, follow-ups, ...) depend on these and
//! on `audit`, `sql`, `dates`, `rounds` and `outbox`, never on each other; reactions from
//! one feature to another go through domain events (`outbox`, ADR 18).

pub(crate) mod appointment;
pub(crate) mod episode;
pub(crate) mod follow_up;
pub(crate) mod screening_status;

use crate::sql::parse_id;
use crate::{Result, Room};
use sqlx::Row;
use sqlx::any::AnyRow;

/// A room from columns `room_id`, `location_id`, `room_name`, `machine`, `ae_title`.
pub(crate) fn room_from(r: &AnyRow) -> Result<Room> {
    Ok(Room {
        id: parse_id(&r.try_get::<String, _>("room_id")?)?,
        location_id: parse_id(&r.try_get::<String, _>("location_id")?)?,
        name: r.try_get("room_name")?,
        machine: r.try_get("machine")?,
        ae_title: r.try_get("ae_title")?,
    })
}
