//! Plumbing shared by every feature: extractors that answer in the adapter's own error
//! format. Problem details, the API's caller and the OpenAPI document live beside the API
//! router; sessions and CSRF in `auth` and `security`.

pub mod extract;
