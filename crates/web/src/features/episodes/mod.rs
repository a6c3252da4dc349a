//! Episodes: the participant's whole pathway as a timeline, and the office's closures and
//! end-code corrections (`domain::end_code`).

pub mod api;
pub mod app;
pub mod pages;
