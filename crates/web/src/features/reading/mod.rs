//! Image reading: cases, sessions, reads, arbitration, outcomes.

pub mod app;
