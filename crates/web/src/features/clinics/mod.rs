//! Clinics the office sets up: screening or assessment clinics at a site, with their slots.

pub mod api;
pub mod app;
