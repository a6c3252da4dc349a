//! Image reading: cases, sessions, reads, arbitration, holds, the office's reading lists
//! and the provider's reading settings. `app` holds the use cases both adapters call;
//! `pages` (HTML) and `api` (JSON) never import each other.

pub mod api;
pub mod app;
pub mod pages;
