//! Image reading rules both adapters share.

use crate::features::workflow::app::information;
use domain::reading::ReadingContext;
use store::Workflow;

/// What the reading rules need to know about the screen: whether the participant reported
/// significant symptoms.
pub fn context_of(wf: &Workflow) -> ReadingContext {
    let significant = information(wf)
        .map(|info| !info.significant_symptoms().is_empty())
        .unwrap_or(false);
    ReadingContext {
        has_significant_symptoms: significant,
    }
}

/// The kinds of follow-up request a reading result raises.
pub const OUTCOME_KINDS: [&str; 3] = ["technical_recall", "assessment_referral", "more_images"];
