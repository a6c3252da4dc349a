//! Feature slices. Each feature folder holds its application layer (`app`: the use
//! cases), and the two adapters over it: `pages` (HTML) and `api` (JSON, `/api/v1`).
//! Neither adapter imports the other (ADR 19; `crates/screening/tests/structure.rs`).

pub mod assessment;
pub mod reading;
pub mod workflow;
