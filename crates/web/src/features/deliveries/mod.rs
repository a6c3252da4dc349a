//! Sending results out (issue 13): each result's letter and GP message, where they are,
//! the letter preview and re-issue, the print batches, the GP messages (the local outbox
//! when no MESH is set up), the failsafe list and the daily count. The rules are in
//! `domain::delivery`, the records in `store::deliveries`, the rendering and sending in
//! the `delivery` crate.

pub mod api;
pub mod app;
pub mod pages;
