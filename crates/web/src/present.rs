//! Presenters: the shapes templates render, built from store records. Templates do no
//! formatting of their own beyond printing these strings.

use crate::auth::SessionUser;
use askama::Template;
use domain::nhs_number::format_digits;
use std::sync::Arc;
use time::macros::format_description;
use time::{Date, OffsetDateTime};

/// What every page's layout needs.
pub struct Layout {
    pub title: String,
    pub user: Option<Arc<SessionUser>>,
    pub csrf_token: String,
    pub demo_mode: bool,
}

impl Layout {
    pub fn new(title: impl Into<String>, user: Option<Arc<SessionUser>>, demo_mode: bool) -> Self {
        let csrf_token = user
            .as_ref()
            .map(|u| u.csrf_token.clone())
            .unwrap_or_default();
        Layout {
            title: title.into(),
            user,
            csrf_token,
            demo_mode,
        }
    }
}

/// "25 November 2026"
pub fn long_date(d: Date) -> String {
    d.format(format_description!(
        "[day padding:none] [month repr:long] [year]"
    ))
    .unwrap_or_else(|_| d.to_string())
}

/// "Wednesday 25 November 2026"
pub fn day_date(d: Date) -> String {
    d.format(format_description!(
        "[weekday repr:long] [day padding:none] [month repr:long] [year]"
    ))
    .unwrap_or_else(|_| d.to_string())
}

/// "25 November 2026, 14:05" (UTC)
pub fn instant(t: OffsetDateTime) -> String {
    t.format(format_description!(
        "[day padding:none] [month repr:short] [year], [hour]:[minute]:[second]"
    ))
    .unwrap_or_else(|_| t.to_string())
}

pub fn nhs_number(digits: &str) -> String {
    format_digits(digits)
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub layout: Layout,
    pub title: String,
    pub message: String,
    /// Shown as an error summary (a request the rules refuse, 422).
    pub summary: bool,
}

pub struct TabLink {
    pub label: &'static str,
    pub href: String,
    pub count: usize,
    pub selected: bool,
}

/// One radio or checkbox of a fixed list (a reason, a decision, a status to move to).
pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
    pub checked: bool,
}

/// The special appointment warning, shown wherever the participant appears.
#[derive(Clone)]
pub struct SpecialView {
    pub first_name: String,
    pub support: Vec<(&'static str, String)>,
    pub temporary: bool,
}

impl SpecialView {
    pub fn of(p: &store::Participant) -> Self {
        SpecialView {
            first_name: p.first_name.clone(),
            support: p
                .support_reasons
                .iter()
                .map(|s| (s.reason.label(), s.details.clone()))
                .collect(),
            temporary: p.support_temporary,
        }
    }
}
