//! The screening appointment workflow: identity, medical information, images, check.

pub mod app;
