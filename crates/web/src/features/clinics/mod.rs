//! Clinics the office sets up: screening or assessment clinics at a site, with their slots;
//! the clinic list and a clinic's day.

pub mod api;
pub mod app;
pub mod pages;
