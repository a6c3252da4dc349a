//! Participants: finding and adding them, one participant's record (with her screening
//! status, episodes, results and deliveries), her appointments, and the special
//! appointment (why she needs additional support).

pub mod api;
pub mod app;
pub mod pages;
