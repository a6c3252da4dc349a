//! Results: the one record per result that participant letters and GP messages are
//! rendered from (`domain::results`, store `results`). Today: a participant's results
//! with their versions, and the office's queue of current results.

pub mod api;
pub mod app;
pub mod pages;
