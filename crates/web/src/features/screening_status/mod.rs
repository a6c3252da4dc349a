//! A participant's screening status: ceasing and reinstating, deferring, under treatment,
//! very high risk and MRI referrals (issue 12, items 4 and 5).

pub mod api;
pub mod app;
pub mod pages;
