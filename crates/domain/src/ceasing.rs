//! A participant's screening status: ceased from screening, reinstated, deferred for a
//! while, under treatment, and very high risk (VHR), with the one rule every booking
//! passes through ([`may_offer`]).
//!
//! The status is about the person, not an episode: it outlives rounds. Ceasing stops every
//! invitation until someone reinstates her; a deferral stops them until a day; "under
//! treatment" is set when an episode closes "Referred for treatment" (she is in the
//! hospital's care, not the screening programme's). Very high risk is a flag beside the
//! status: she is screened every year (`EpisodeType::VeryHighRisk`, 12 months) and may be
//! referred for MRI.

use time::Date;

use crate::dates::add_months;
use crate::episode::EpisodeType;
use crate::validation::{Errors, FieldError, is_blank};

labelled_enum! {
    /// Why a participant is ceased from screening.
    pub enum CeaseReason ("cease reason") {
        BilateralMastectomy => ("bilateral_mastectomy", "Bilateral mastectomy"),
        UnderSpecialistCare => ("under_specialist_care", "Under the care of a breast specialist"),
        InformedChoice => ("informed_choice", "Informed choice"),
        BestInterests => ("best_interests", "Mental capacity: best interests decision"),
        LastingPowerOfAttorney => ("lasting_power_of_attorney", "Mental capacity: lasting power of attorney"),
        Deceased => ("deceased", "Deceased"),
        WithdrawnFromHighRisk => ("withdrawn_from_high_risk", "Withdrawn from high-risk screening"),
    }
}

labelled_enum! {
    /// Why a participant's screening is put off until a later day.
    pub enum DeferralReason ("deferral reason") {
        RecentMammogram => ("recent_mammogram", "Recent mammogram elsewhere"),
        TemporarilyUnwell => ("temporarily_unwell", "Temporarily unwell"),
        Other => ("other", "Other reason"),
    }
}

labelled_enum! {
    /// Why a participant is at very high risk of breast cancer.
    pub enum VhrBasis ("very high risk basis") {
        GeneCarrier => ("gene_carrier", "BRCA1, BRCA2 or TP53 gene carrier"),
        UntestedRelative => ("untested_relative", "Untested first-degree relative of a gene carrier"),
        ChestRadiotherapy => ("chest_radiotherapy", "Radiotherapy to the chest before age 30"),
        LifetimeRisk => ("lifetime_risk", "Lifetime risk of 30% or more"),
        Other => ("other", "Other"),
    }
}

labelled_enum! {
    /// One entry of a participant's append-only status history.
    pub enum StatusChange ("screening status change") {
        Ceased => ("ceased", "Ceased from screening"),
        Reinstated => ("reinstated", "Reinstated"),
        Deferred => ("deferred", "Deferred"),
        DeferralEnded => ("deferral_ended", "Deferral ended"),
        VhrSet => ("vhr_set", "Marked as very high risk"),
        VhrRemoved => ("vhr_removed", "Very high risk removed"),
        UnderTreatment => ("under_treatment", "Under treatment"),
    }
}

/// The longest free text kept with a status change.
pub const MAX_TEXT_CHARS: usize = 1000;

/// Whether she is invited at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Invited as her episode type says.
    Active,
    /// Ceased from screening on a day, for a reason, until reinstated.
    Ceased { reason: CeaseReason, on: Date },
    /// Her last episode closed "Referred for treatment": not invited until reinstated.
    UnderTreatment { since: Date },
}

/// A deferral: not invited before `until`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deferral {
    pub reason: DeferralReason,
    pub until: Date,
}

/// The very high risk flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VeryHighRisk {
    pub basis: VhrBasis,
    pub confirmed_on: Date,
}

/// A participant's screening status as stored (no row: the default, routine).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScreeningStatus {
    pub standing: Standing,
    /// The last deferral recorded; it has ended once `until` is today or past.
    pub deferral: Option<Deferral>,
    pub very_high_risk: Option<VeryHighRisk>,
}

impl Default for ScreeningStatus {
    fn default() -> Self {
        ScreeningStatus {
            standing: Standing::Active,
            deferral: None,
            very_high_risk: None,
        }
    }
}

impl ScreeningStatus {
    /// The deferral still running on `today`, if any.
    pub fn deferred_on(&self, today: Date) -> Option<Deferral> {
        self.deferral.filter(|d| d.until > today)
    }

    /// Whether anything stops her invitations on `today` that a reinstatement would lift.
    pub fn can_reinstate(&self, today: Date) -> bool {
        self.standing != Standing::Active || self.deferred_on(today).is_some()
    }

    /// The summary label: "Routine", "Ceased", "Deferred", "Under treatment" (very high
    /// risk is shown beside it).
    pub fn label(&self, today: Date) -> &'static str {
        match self.standing {
            Standing::Ceased { .. } => "Ceased",
            Standing::UnderTreatment { .. } => "Under treatment",
            Standing::Active if self.deferred_on(today).is_some() => "Deferred",
            Standing::Active => "Routine",
        }
    }
}

/// "3 March 2026".
pub fn long_date(d: Date) -> String {
    format!("{} {} {}", d.day(), d.month(), d.year())
}

/// The booking rule. May she be booked an appointment of `episode_type` today?
///
/// | status | new round (routine, VHR, self-referral) | answering a follow-up of an open episode |
/// |---|---|---|
/// | deceased | refused | refused |
/// | ceased (other reasons) | refused: reinstate first | allowed |
/// | under treatment | refused: reinstate first | allowed |
/// | deferred, the day not reached | refused until the deferral ends | allowed |
/// | very high risk, booking as routine | refused: book as very high risk | allowed |
/// | otherwise | allowed | allowed |
///
/// The refusal names the reason, so whoever books sees why.
pub fn may_offer(
    status: &ScreeningStatus,
    episode_type: EpisodeType,
    answering_follow_up: bool,
    today: Date,
) -> Result<(), String> {
    if let Standing::Ceased {
        reason: CeaseReason::Deceased,
        on,
    } = status.standing
    {
        return Err(format!(
            "This participant is recorded as deceased (ceased on {}): no appointment can be booked",
            long_date(on)
        ));
    }
    if answering_follow_up {
        // A recall or an assessment already under way is finished whatever her status.
        return Ok(());
    }
    match status.standing {
        Standing::Ceased { reason, on } => {
            return Err(format!(
                "This participant was ceased from routine screening on {} ({}): reinstate her before booking",
                long_date(on),
                reason.label()
            ));
        }
        Standing::UnderTreatment { since } => {
            return Err(format!(
                "This participant is under treatment (referred for treatment on {}): she is not invited for screening until she is reinstated",
                long_date(since)
            ));
        }
        Standing::Active => {}
    }
    if let Some(d) = status.deferred_on(today) {
        return Err(format!(
            "This participant's screening is deferred until {} ({}): book on or after that day, or end the deferral",
            long_date(d.until),
            d.reason.label()
        ));
    }
    if status.very_high_risk.is_some() && episode_type == EpisodeType::Routine {
        return Err(
            "This participant is at very high risk and is screened every year: book as very high risk"
                .to_owned(),
        );
    }
    Ok(())
}

/// "Cease from routine screening": the answers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cease {
    pub reason: Option<CeaseReason>,
    /// Informed choice: the day the signed form was received.
    pub signed_form_received_on: Option<Date>,
    /// Best interests decision: who decided.
    pub decided_by: String,
    pub details: String,
}

fn check_text(e: &mut Errors, field: &'static str, text: &str) {
    if text.chars().count() > MAX_TEXT_CHARS {
        e.add(field, "This must be 1,000 characters or fewer");
    }
}

impl Cease {
    /// Checks the answers against her status on `today` (fields `reason`,
    /// `signed_form_received_on`, `decided_by`, `details`).
    pub fn check(&self, status: &ScreeningStatus, today: Date) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::default();
        match (self.reason, status.standing) {
            (_, Standing::Ceased { reason, on }) => e.add(
                "reason",
                format!(
                    "She was already ceased on {} ({}): reinstate her first to record another reason",
                    long_date(on),
                    reason.label()
                ),
            ),
            (None, _) => e.add("reason", "Select why she is being ceased from screening"),
            (Some(CeaseReason::WithdrawnFromHighRisk), _) if status.very_high_risk.is_none() => e
                .add(
                    "reason",
                    "She is not on very high risk screening: choose another reason",
                ),
            (Some(CeaseReason::InformedChoice), _) => match self.signed_form_received_on {
                None => e.add(
                    "signed_form_received_on",
                    "Enter the date the signed form was received",
                ),
                Some(d) if d > today => e.add(
                    "signed_form_received_on",
                    "The date the signed form was received must be today or in the past",
                ),
                Some(_) => {}
            },
            (Some(CeaseReason::BestInterests), _) if is_blank(&self.decided_by) => e.add(
                "decided_by",
                "Enter who made the best interests decision",
            ),
            (Some(_), _) => {}
        }
        check_text(&mut e, "decided_by", &self.decided_by);
        check_text(&mut e, "details", &self.details);
        e.finish()
    }
}

/// Checks a reinstatement (field `reason`): she must be ceased, under treatment or deferred
/// on `today`, and the reason given (for example "Opt back in").
pub fn check_reinstate(
    status: &ScreeningStatus,
    reason: &str,
    today: Date,
) -> Result<(), Vec<FieldError>> {
    let mut e = Errors::default();
    if !status.can_reinstate(today) {
        e.add(
            "reason",
            "She is not ceased, deferred or under treatment: there is nothing to reinstate",
        );
    } else if is_blank(reason) {
        e.add("reason", "Enter why she is being reinstated");
    }
    check_text(&mut e, "reason", reason);
    e.finish()
}

/// "Defer": the answers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeferAnswers {
    pub reason: Option<DeferralReason>,
    pub details: String,
    pub until: Option<Date>,
}

/// The longest a deferral runs: 12 calendar months from today.
pub const MAX_DEFERRAL_MONTHS: u32 = 12;

impl DeferAnswers {
    /// Checks the answers (fields `reason`, `details`, `until`): a reason ("Other reason"
    /// with details), and a day from tomorrow to 12 months ahead (clamped at month ends).
    /// A ceased or under-treatment participant is not deferred: she is not invited anyway.
    pub fn check(
        &self,
        status: &ScreeningStatus,
        today: Date,
    ) -> Result<Deferral, Vec<FieldError>> {
        let mut e = Errors::default();
        if status.standing != Standing::Active {
            e.add(
                "reason",
                "She is ceased or under treatment and is not invited: reinstate her before deferring",
            );
        } else if self.reason.is_none() {
            e.add("reason", "Select why screening is being deferred");
        } else if self.reason == Some(DeferralReason::Other) && is_blank(&self.details) {
            e.add("details", "Enter why screening is being deferred");
        }
        check_text(&mut e, "details", &self.details);
        let latest = add_months(today, MAX_DEFERRAL_MONTHS);
        match self.until {
            None => e.add("until", "Enter the date screening is deferred until"),
            Some(d) if d <= today => e.add("until", "The date must be in the future"),
            Some(d) if d > latest => e.add(
                "until",
                format!(
                    "The date must be within 12 months, on or before {}",
                    long_date(latest)
                ),
            ),
            Some(_) => {}
        }
        e.finish()?;
        match (self.reason, self.until) {
            (Some(reason), Some(until)) => Ok(Deferral { reason, until }),
            _ => Err(vec![FieldError::new(
                "reason",
                "Select why screening is being deferred",
            )]),
        }
    }
}

/// "Mark as very high risk": the answers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VhrAnswers {
    pub basis: Option<VhrBasis>,
    pub details: String,
    pub confirmed_on: Option<Date>,
}

impl VhrAnswers {
    /// Checks the answers (fields `basis`, `details`, `confirmed_on`): a basis ("Other"
    /// with details) and the day it was confirmed, not in the future.
    pub fn check(&self, today: Date) -> Result<VeryHighRisk, Vec<FieldError>> {
        let mut e = Errors::default();
        match self.basis {
            None => e.add("basis", "Select why she is at very high risk"),
            Some(VhrBasis::Other) if is_blank(&self.details) => {
                e.add("details", "Enter why she is at very high risk")
            }
            Some(_) => {}
        }
        check_text(&mut e, "details", &self.details);
        match self.confirmed_on {
            None => e.add(
                "confirmed_on",
                "Enter the date her very high risk was confirmed",
            ),
            Some(d) if d > today => e.add(
                "confirmed_on",
                "The date her very high risk was confirmed must be today or in the past",
            ),
            Some(_) => {}
        }
        e.finish()?;
        match (self.basis, self.confirmed_on) {
            (Some(basis), Some(confirmed_on)) => Ok(VeryHighRisk {
                basis,
                confirmed_on,
            }),
            _ => Err(vec![FieldError::new(
                "basis",
                "Select why she is at very high risk",
            )]),
        }
    }
}

/// Checks removing the very high risk flag (field `reason`).
pub fn check_remove_vhr(status: &ScreeningStatus, reason: &str) -> Result<(), Vec<FieldError>> {
    let mut e = Errors::default();
    if status.very_high_risk.is_none() {
        e.add("reason", "She is not marked as very high risk");
    } else if is_blank(reason) {
        e.add("reason", "Enter why she is no longer at very high risk");
    }
    check_text(&mut e, "reason", reason);
    e.finish()
}

/// Checks recording an MRI referral (field `details`): only for a very high risk
/// participant who is still invited.
pub fn check_mri_referral(status: &ScreeningStatus, details: &str) -> Result<(), Vec<FieldError>> {
    let mut e = Errors::default();
    if status.standing != Standing::Active {
        e.add(
            "details",
            "She is ceased or under treatment: reinstate her before referring her for MRI",
        );
    } else if status.very_high_risk.is_none() {
        e.add(
            "details",
            "Only a very high risk participant is referred for MRI screening: mark her as very high risk first",
        );
    }
    check_text(&mut e, "details", details);
    e.finish()
}

/// A day from a form's day, month and year boxes; `None` unless it is a real date.
pub fn date_from_parts(day: &str, month: &str, year: &str) -> Option<Date> {
    let day: u8 = day.trim().parse().ok()?;
    let month: u8 = month.trim().parse().ok()?;
    let year: i32 = year.trim().parse().ok()?;
    if !(1900..=9999).contains(&year) {
        return None;
    }
    Date::from_calendar_date(year, time::Month::try_from(month).ok()?, day).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 03 - 10);

    fn ceased(reason: CeaseReason) -> ScreeningStatus {
        ScreeningStatus {
            standing: Standing::Ceased {
                reason,
                on: date!(2026 - 03 - 03),
            },
            ..Default::default()
        }
    }

    fn deferred(until: Date) -> ScreeningStatus {
        ScreeningStatus {
            deferral: Some(Deferral {
                reason: DeferralReason::TemporarilyUnwell,
                until,
            }),
            ..Default::default()
        }
    }

    fn vhr() -> ScreeningStatus {
        ScreeningStatus {
            very_high_risk: Some(VeryHighRisk {
                basis: VhrBasis::GeneCarrier,
                confirmed_on: date!(2025 - 01 - 01),
            }),
            ..Default::default()
        }
    }

    fn fields(r: Result<(), Vec<FieldError>>) -> Vec<String> {
        r.err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.field.into_owned())
            .collect()
    }

    #[test]
    fn may_offer_every_status_episode_type_and_follow_up() {
        use EpisodeType::{Routine, SelfReferral, VeryHighRisk as Vhr};
        let under_treatment = ScreeningStatus {
            standing: Standing::UnderTreatment {
                since: date!(2026 - 02 - 01),
            },
            ..Default::default()
        };
        let routine = ScreeningStatus::default();
        let statuses: &[(&str, ScreeningStatus)] = &[
            ("routine", routine),
            ("ceased", ceased(CeaseReason::BilateralMastectomy)),
            ("deceased", ceased(CeaseReason::Deceased)),
            ("under treatment", under_treatment),
            ("deferred", deferred(date!(2026 - 06 - 01))),
            ("deferral ends today", deferred(TODAY)),
            ("deferral ended", deferred(date!(2026 - 03 - 01))),
            ("very high risk", vhr()),
        ];
        // (status, [routine, vhr, self-referral] for a new round, then answering a
        // follow-up) -> the refusal contains this, or None when allowed.
        type Row = (
            &'static str,
            [Option<&'static str>; 3],
            Option<&'static str>,
        );
        let table: &[Row] = &[
            ("routine", [None, None, None], None),
            (
                "ceased",
                [Some(
                    "ceased from routine screening on 3 March 2026 (Bilateral mastectomy): reinstate her before booking",
                ); 3],
                None,
            ),
            ("deceased", [Some("deceased"); 3], Some("deceased")),
            ("under treatment", [Some("under treatment"); 3], None),
            (
                "deferred",
                [Some("deferred until 1 June 2026 (Temporarily unwell)"); 3],
                None,
            ),
            ("deferral ends today", [None, None, None], None),
            ("deferral ended", [None, None, None], None),
            (
                "very high risk",
                [Some("book as very high risk"), None, None],
                None,
            ),
        ];
        assert_eq!(table.len(), statuses.len());
        for (name, status) in statuses {
            let (_, new_round, follow_up) = table
                .iter()
                .find(|(n, _, _)| n == name)
                .expect("every status has a row");
            for (episode_type, expected) in [Routine, Vhr, SelfReferral].into_iter().zip(new_round)
            {
                for (answering, expected) in [(false, expected), (true, follow_up)] {
                    let got = may_offer(status, episode_type, answering, TODAY);
                    match (expected, &got) {
                        (None, Ok(())) => {}
                        (Some(part), Err(message)) => assert!(
                            message.contains(part),
                            "{name} {episode_type:?} follow-up {answering}: {message}"
                        ),
                        _ => panic!("{name} {episode_type:?} follow-up {answering}: {got:?}"),
                    }
                }
            }
        }
    }

    #[test]
    fn every_cease_reason_is_validated() {
        let routine = ScreeningStatus::default();
        let cease = |reason: CeaseReason| Cease {
            reason: Some(reason),
            ..Default::default()
        };
        // (reason, status, signed form date, decided by, error fields)
        type Row = (
            Option<CeaseReason>,
            ScreeningStatus,
            Option<Date>,
            &'static str,
            &'static [&'static str],
        );
        use CeaseReason::*;
        let table: &[Row] = &[
            (None, routine, None, "", &["reason"]),
            (Some(BilateralMastectomy), routine, None, "", &[]),
            (Some(UnderSpecialistCare), routine, None, "", &[]),
            (
                Some(InformedChoice),
                routine,
                None,
                "",
                &["signed_form_received_on"],
            ),
            (
                Some(InformedChoice),
                routine,
                Some(date!(2026 - 03 - 11)),
                "",
                &["signed_form_received_on"],
            ),
            (Some(InformedChoice), routine, Some(TODAY), "", &[]),
            (Some(BestInterests), routine, None, "  ", &["decided_by"]),
            (Some(BestInterests), routine, None, "Dr A Patel, GP", &[]),
            (Some(LastingPowerOfAttorney), routine, None, "", &[]),
            (Some(Deceased), routine, None, "", &[]),
            (Some(WithdrawnFromHighRisk), routine, None, "", &["reason"]),
            (Some(WithdrawnFromHighRisk), vhr(), None, "", &[]),
            (
                Some(Deceased),
                ceased(InformedChoice),
                None,
                "",
                &["reason"],
            ),
        ];
        for (reason, status, signed, decided_by, expected) in table {
            let mut c = reason.map(cease).unwrap_or_default();
            c.signed_form_received_on = *signed;
            c.decided_by = (*decided_by).to_owned();
            assert_eq!(fields(c.check(status, TODAY)), *expected, "{reason:?}");
        }
        assert_eq!(CeaseReason::ALL.len(), 7, "every reason is in the table");
        let long = Cease {
            reason: Some(BilateralMastectomy),
            details: "x".repeat(1001),
            ..Default::default()
        };
        assert_eq!(fields(long.check(&routine, TODAY)), ["details"]);
    }

    #[test]
    fn cease_reason_labels_are_exact() {
        let labels: Vec<_> = CeaseReason::ALL.iter().map(|r| r.label()).collect();
        assert_eq!(
            labels,
            [
                "Bilateral mastectomy",
                "Under the care of a breast specialist",
                "Informed choice",
                "Mental capacity: best interests decision",
                "Mental capacity: lasting power of attorney",
                "Deceased",
                "Withdrawn from high-risk screening",
            ]
        );
    }

    #[test]
    fn reinstating_needs_something_to_lift_and_a_reason() {
        let table: &[(ScreeningStatus, &str, &[&str])] = &[
            (ceased(CeaseReason::InformedChoice), "Opt back in", &[]),
            (ceased(CeaseReason::InformedChoice), " ", &["reason"]),
            (deferred(date!(2026 - 04 - 01)), "Feeling better", &[]),
            (deferred(TODAY), "Feeling better", &["reason"]),
            (ScreeningStatus::default(), "Opt back in", &["reason"]),
            (vhr(), "Opt back in", &["reason"]),
            (
                ScreeningStatus {
                    standing: Standing::UnderTreatment { since: TODAY },
                    ..Default::default()
                },
                "Treatment finished; discharged to screening",
                &[],
            ),
        ];
        for (status, reason, expected) in table {
            assert_eq!(
                fields(check_reinstate(status, reason, TODAY)),
                *expected,
                "{status:?} {reason:?}"
            );
        }
    }

    #[test]
    fn deferral_dates_run_from_tomorrow_to_twelve_months_clamped_at_month_ends() {
        // (today, until, error fields)
        let table: &[(Date, Option<Date>, &[&str])] = &[
            (TODAY, None, &["until"]),
            (TODAY, Some(TODAY), &["until"]),
            (TODAY, Some(date!(2026 - 03 - 09)), &["until"]),
            (TODAY, Some(date!(2026 - 03 - 11)), &[]),
            (TODAY, Some(date!(2027 - 03 - 10)), &[]),
            (TODAY, Some(date!(2027 - 03 - 11)), &["until"]),
            // 12 months after 29 February is 28 February.
            (date!(2028 - 02 - 29), Some(date!(2029 - 02 - 28)), &[]),
            (
                date!(2028 - 02 - 29),
                Some(date!(2029 - 03 - 01)),
                &["until"],
            ),
            (date!(2026 - 01 - 31), Some(date!(2027 - 01 - 31)), &[]),
            (date!(2026 - 12 - 31), Some(date!(2027 - 01 - 01)), &[]),
            (date!(2026 - 12 - 31), Some(date!(2027 - 12 - 31)), &[]),
        ];
        for (today, until, expected) in table {
            let a = DeferAnswers {
                reason: Some(DeferralReason::RecentMammogram),
                details: String::new(),
                until: *until,
            };
            let got = a.check(&ScreeningStatus::default(), *today).map(|_| ());
            assert_eq!(fields(got), *expected, "{today} {until:?}");
        }
    }

    #[test]
    fn deferral_reasons_are_validated() {
        let until = Some(date!(2026 - 05 - 01));
        // (reason, details, status, error fields)
        type Row = (
            Option<DeferralReason>,
            &'static str,
            ScreeningStatus,
            &'static [&'static str],
        );
        let table: &[Row] = &[
            (None, "", ScreeningStatus::default(), &["reason"]),
            (
                Some(DeferralReason::RecentMammogram),
                "",
                ScreeningStatus::default(),
                &[],
            ),
            (
                Some(DeferralReason::TemporarilyUnwell),
                "",
                ScreeningStatus::default(),
                &[],
            ),
            (
                Some(DeferralReason::Other),
                "",
                ScreeningStatus::default(),
                &["details"],
            ),
            (
                Some(DeferralReason::Other),
                "Caring for a relative",
                ScreeningStatus::default(),
                &[],
            ),
            (
                Some(DeferralReason::RecentMammogram),
                "",
                ceased(CeaseReason::InformedChoice),
                &["reason"],
            ),
            (Some(DeferralReason::RecentMammogram), "", vhr(), &[]),
        ];
        for (reason, details, status, expected) in table {
            let a = DeferAnswers {
                reason: *reason,
                details: (*details).to_owned(),
                until,
            };
            let got = a.check(status, TODAY).map(|_| ());
            assert_eq!(fields(got), *expected, "{reason:?} {details:?}");
        }
    }

    #[test]
    fn very_high_risk_needs_a_basis_and_a_confirmed_date() {
        use VhrBasis::*;
        // (basis, details, confirmed, error fields)
        type Row = (
            Option<VhrBasis>,
            &'static str,
            Option<Date>,
            &'static [&'static str],
        );
        let table: &[Row] = &[
            (None, "", Some(TODAY), &["basis"]),
            (Some(GeneCarrier), "", Some(TODAY), &[]),
            (Some(UntestedRelative), "", Some(TODAY), &[]),
            (Some(ChestRadiotherapy), "", Some(TODAY), &[]),
            (Some(LifetimeRisk), "", Some(TODAY), &[]),
            (Some(Other), "", Some(TODAY), &["details"]),
            (Some(Other), "CanRisk assessment", Some(TODAY), &[]),
            (Some(GeneCarrier), "", None, &["confirmed_on"]),
            (
                Some(GeneCarrier),
                "",
                Some(date!(2026 - 03 - 11)),
                &["confirmed_on"],
            ),
        ];
        for (basis, details, confirmed, expected) in table {
            let a = VhrAnswers {
                basis: *basis,
                details: (*details).to_owned(),
                confirmed_on: *confirmed,
            };
            assert_eq!(fields(a.check(TODAY).map(|_| ())), *expected, "{basis:?}");
        }
        assert_eq!(
            fields(check_remove_vhr(&vhr(), "Genetic test negative")),
            Vec::<String>::new()
        );
        assert_eq!(fields(check_remove_vhr(&vhr(), "")), ["reason"]);
        assert_eq!(
            fields(check_remove_vhr(&ScreeningStatus::default(), "x")),
            ["reason"]
        );
    }

    #[test]
    fn mri_referrals_are_for_very_high_risk_participants_still_invited() {
        let mut ceased_vhr = vhr();
        ceased_vhr.standing = ceased(CeaseReason::InformedChoice).standing;
        let table: &[(ScreeningStatus, &[&str])] = &[
            (vhr(), &[]),
            (ScreeningStatus::default(), &["details"]),
            (ceased_vhr, &["details"]),
        ];
        for (status, expected) in table {
            assert_eq!(
                fields(check_mri_referral(status, "")),
                *expected,
                "{status:?}"
            );
        }
    }

    #[test]
    fn status_labels_and_form_dates() {
        assert_eq!(ScreeningStatus::default().label(TODAY), "Routine");
        assert_eq!(ceased(CeaseReason::Deceased).label(TODAY), "Ceased");
        assert_eq!(deferred(date!(2026 - 04 - 01)).label(TODAY), "Deferred");
        assert_eq!(deferred(TODAY).label(TODAY), "Routine");
        let table = [
            (("3", "3", "2026"), Some(date!(2026 - 03 - 03))),
            ((" 29 ", "02", "2028"), Some(date!(2028 - 02 - 29))),
            (("29", "2", "2027"), None),
            (("", "3", "2026"), None),
            (("1", "13", "2026"), None),
            (("1", "1", "26"), None),
        ];
        for ((d, m, y), expected) in table {
            assert_eq!(date_from_parts(d, m, y), expected, "{d}/{m}/{y}");
        }
        assert_eq!(long_date(date!(2026 - 03 - 03)), "3 March 2026");
    }
}
