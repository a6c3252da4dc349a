//! Plumbing shared by every feature: extractors that answer in the adapter's own error
//! format. Problem details, the API's caller and the OpenAPI document live beside the API
//! router; sessions and CSRF in `auth` and `security`.

pub mod extract;

/// Whether `c` may not appear in text a person or a system sends: every control
/// character but line feed, carriage return and tab (PostgreSQL cannot store a NUL, and no
/// field of ours means any of them).
pub fn forbidden_character(c: char) -> bool {
    c.is_control() && !matches!(c, '\n' | '\r' | '\t')
}
