//! Assessment (issue 12): recording what was done at an assessment clinic and its outcome,
//! which closes the episode (or keeps it awaiting pathology), and the office's "Awaiting
//! pathology" list. `app` holds the use cases; `pages` and `api` are the two adapters.

pub mod api;
pub mod app;
pub mod pages;
