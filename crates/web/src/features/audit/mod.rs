//! The audit log page for system administrators: who did what to which record, filtered by
//! user, participant and dates.

pub mod pages;
