//! Follow-up requests booked into their own episode: the free slots of the right type of
//! clinic, the booking itself, and the failsafe list of recalls and referrals whose
//! appointment the participant did not attend.

pub mod api;
pub mod app;
pub mod pages;
