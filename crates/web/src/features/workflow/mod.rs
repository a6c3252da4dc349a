//! The screening appointment workflow: the appointment page and its actions, identity,
//! medical information, images, check, and the endings (exit, cannot proceed, attended not
//! screened, cancellation).

pub mod api;
pub mod app;
pub mod pages;
