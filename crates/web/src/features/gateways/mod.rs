//! Image gateways (ADR 11, 16): the gateway-facing protocol (worklist, events), the office's
//! view of each gateway, the images in quarantine (attached by two people when the
//! PatientID differs, or kept out of every record), the discrepancies between the images
//! recorded and received, and detaching a different participant's images.

pub mod api;
pub mod app;
pub mod pages;
