//! Closing a clinic: every participant needs a final outcome first (and an attended not
//! screened its reasons); the bulk actions mark whole groups at once.

pub mod api;
pub mod app;
pub mod pages;
