//! Medical information: everything the "Review medical information" step records and the
//! rules that decide what happens next (the IR(ME)R six-month rule, implant consent,
//! breasts with no tissue to image, which symptoms are highlighted to image readers).
//!
//! Single-choice answers that a form requires are `Option`s, so [`validate`](BreastCancer::validate)
//! can name the unanswered field; multiple-choice answers are `Vec`s. Every value is stored as
//! JSON by the store, so every type here is `Serialize` and `Deserialize`.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::Date;

use crate::participant::SupportReason;

pub use crate::validation::FieldError;
pub(crate) use crate::validation::{Errors, is_blank};

/// The earliest year accepted for any year in medical history.
pub const EARLIEST_YEAR: i32 = 1900;

/// A year a participant gives for something in their history, which they may only know
/// roughly ("This date is approximate").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RecordedYear {
    /// The year, for example 2019.
    pub year: i32,
    /// Whether the participant was unsure and the year is approximate.
    #[serde(default)]
    pub approximate: bool,
}

impl RecordedYear {
    /// An exact year.
    pub const fn exact(year: i32) -> Self {
        RecordedYear {
            year,
            approximate: false,
        }
    }

    /// An approximate year.
    pub const fn approximate(year: i32) -> Self {
        RecordedYear {
            year,
            approximate: true,
        }
    }
}

impl fmt::Display for RecordedYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.approximate {
            write!(f, "{} (approximate)", self.year)
        } else {
            write!(f, "{}", self.year)
        }
    }
}

/// Checks an optional year is neither in the future nor before [`EARLIEST_YEAR`].
/// `what` starts the message, for example "Year of diagnosis".
fn check_year(
    errors: &mut Errors,
    field: &'static str,
    what: &str,
    year: Option<RecordedYear>,
    today: Date,
) {
    if let Some(RecordedYear { year, .. }) = year {
        if year > today.year() {
            errors.add(field, format!("{what} must be this year or in the past"));
        } else if year < EARLIEST_YEAR {
            errors.add(field, format!("{what} must be {EARLIEST_YEAR} or later"));
        }
    }
}

/// Checks a multiple-choice answer: at least one option, and an exclusive option (such as
/// "No radiotherapy" or "Not known") only on its own.
fn check_multi<T: Copy + PartialEq + fmt::Display>(
    errors: &mut Errors,
    field: &'static str,
    selected: &[T],
    exclusive: &[T],
    empty_message: &'static str,
) {
    if selected.is_empty() {
        errors.add(field, empty_message);
        return;
    }
    if selected.len() > 1
        && let Some(alone) = selected.iter().find(|s| exclusive.contains(s))
    {
        errors.add(
            field,
            format!("Select '{alone}' on its own, or remove it to select other options"),
        );
    }
}

/// "1 March 2026": the NHS date style.
pub fn format_date(date: Date) -> String {
    format!("{} {} {}", date.day(), date.month(), date.year())
}

// ---------------------------------------------------------------------------------------------
// Shared answers
// ---------------------------------------------------------------------------------------------

labelled_enum! {
    /// A breast (or side of the body). The imaging module has its own `Breast`; callers map.
    pub enum Side ("side") {
        Right => ("right", "Right"),
        Left => ("left", "Left"),
    }
}

impl Side {
    /// The other side.
    pub const fn other(self) -> Side {
        match self {
            Side::Right => Side::Left,
            Side::Left => Side::Right,
        }
    }
}

labelled_enum! {
    /// A yes / no question where the participant may not know.
    pub enum Answer3 ("answer") {
        Yes => ("yes", "Yes"),
        No => ("no", "No"),
        NotKnown => ("not_known", "Not known"),
    }
}

// ---------------------------------------------------------------------------------------------
// Mammogram history and the IR(ME)R six-month rule
// ---------------------------------------------------------------------------------------------

/// The heading of the page shown when a reported mammogram was in the last 6 months.
pub const SHOULD_NOT_PROCEED: &str = "This appointment should not proceed";

labelled_enum! {
    /// The answers to where a previous mammogram was taken.
    pub enum MammogramLocationKind ("mammogram location") {
        ThisUnit => ("this_unit", "At this unit"),
        AnotherNhsUnit => ("another_nhs_unit", "At another NHS breast screening unit"),
        ElsewhereInUk => ("elsewhere_in_uk", "Somewhere else in the UK"),
        OutsideUk => ("outside_uk", "Outside the UK"),
        PreferNotToSay => ("prefer_not_to_say", "Prefer not to say"),
    }
}

/// Where a previous mammogram was taken, with the detail each answer asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MammogramLocation {
    /// "At this unit".
    ThisUnit,
    /// "At another NHS breast screening unit": which unit (required).
    AnotherNhsUnit {
        /// The unit, as chosen from the list of units.
        unit: String,
    },
    /// "Somewhere else in the UK": the clinic, hospital or anything that helps find the images.
    ElsewhereInUk {
        /// Free-text details (optional).
        #[serde(default)]
        details: String,
    },
    /// "Outside the UK": where, in free text.
    OutsideUk {
        /// Free-text details (optional).
        #[serde(default)]
        details: String,
    },
    /// "Prefer not to say".
    PreferNotToSay,
}

impl MammogramLocation {
    /// Which answer this is.
    pub const fn kind(&self) -> MammogramLocationKind {
        match self {
            MammogramLocation::ThisUnit => MammogramLocationKind::ThisUnit,
            MammogramLocation::AnotherNhsUnit { .. } => MammogramLocationKind::AnotherNhsUnit,
            MammogramLocation::ElsewhereInUk { .. } => MammogramLocationKind::ElsewhereInUk,
            MammogramLocation::OutsideUk { .. } => MammogramLocationKind::OutsideUk,
            MammogramLocation::PreferNotToSay => MammogramLocationKind::PreferNotToSay,
        }
    }

    /// The answer's label.
    pub const fn label(&self) -> &'static str {
        self.kind().label()
    }

    /// The label with any detail given: "Outside the UK: Clinique X, Paris".
    pub fn describe(&self) -> String {
        match self {
            MammogramLocation::AnotherNhsUnit { unit: text, .. }
            | MammogramLocation::ElsewhereInUk { details: text }
            | MammogramLocation::OutsideUk { details: text }
                if !is_blank(text) =>
            {
                format!("{}: {}", self.label(), text.trim())
            }
            _ => self.label().to_owned(),
        }
    }
}

/// When a previous mammogram was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MammogramWhen {
    /// An exact date (never in the future).
    #[serde(rename = "exact_date")]
    ExactDate(Date),
    /// "Not sure (at least 6 months ago)".
    #[serde(rename = "not_sure_at_least_6_months")]
    NotSureAtLeast6Months,
    /// "Not sure (less than 6 months ago)".
    #[serde(rename = "not_sure_less_than_6_months")]
    NotSureLessThan6Months,
}

impl MammogramWhen {
    /// The answer's label ("Exact date" for a date).
    pub const fn label(&self) -> &'static str {
        match self {
            MammogramWhen::ExactDate(_) => "Exact date",
            MammogramWhen::NotSureAtLeast6Months => "Not sure (at least 6 months ago)",
            MammogramWhen::NotSureLessThan6Months => "Not sure (less than 6 months ago)",
        }
    }

    /// The date ("1 March 2026") or the label of a "Not sure" answer.
    pub fn describe(&self) -> String {
        match self {
            MammogramWhen::ExactDate(date) => format_date(*date),
            other => other.label().to_owned(),
        }
    }
}

/// A mammogram the participant reports that may not be on our records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviousMammogram {
    /// Where it was taken.
    pub location: MammogramLocation,
    /// When it was taken.
    pub when: MammogramWhen,
    /// The name the images were taken under, when not the name on their record.
    #[serde(default)]
    pub previous_name: Option<String>,
    /// Any other information.
    #[serde(default)]
    pub details: String,
    /// Why the mammographer continued although this mammogram was in the last 6 months.
    #[serde(default)]
    pub reason_to_continue: Option<String>,
}

pub use crate::dates::add_months;

/// Whether a mammogram taken `when` was less than 6 calendar months before `today` (IR(ME)R).
///
/// An exact date is within six months while it is after the same day six calendar months
/// before `today` (see [`crate::dates::within_months`]): on exactly six months the
/// appointment may proceed. Month ends clamp: on 31 August, six months ago is 28 February
/// (29 in a leap year); a mammogram on 31 August is within until 28 February.
/// "Not sure (less than 6 months ago)" is within; "Not sure (at least 6 months ago)" is not.
/// A date in the future (which validation refuses) counts as within, to be safe.
pub fn within_six_months(when: &MammogramWhen, today: Date) -> bool {
    match *when {
        MammogramWhen::ExactDate(date) => crate::dates::within_months(date, today, 6),
        MammogramWhen::NotSureLessThan6Months => true,
        MammogramWhen::NotSureAtLeast6Months => false,
    }
}

labelled_enum! {
    /// What the six-month rule says about the appointment. The label of `ShouldNotProceed`
    /// is the heading of the page that offers to end the appointment or continue with a reason.
    pub enum SixMonthRule ("six month rule") {
        Clear => ("clear", "Clear"),
        ShouldNotProceed => ("should_not_proceed", "This appointment should not proceed"),
    }
}

impl PreviousMammogram {
    /// Whether this mammogram was in the 6 months before `today`.
    pub fn within_six_months(&self, today: Date) -> bool {
        within_six_months(&self.when, today)
    }

    /// Whether the mammographer has recorded a (non-blank) reason to continue.
    pub fn has_reason_to_continue(&self) -> bool {
        self.reason_to_continue
            .as_deref()
            .is_some_and(|reason| !is_blank(reason))
    }

    /// Checks the answers: the unit for another NHS unit, a date that is not in the future,
    /// a previous name if one was asked for, and a reason to continue if one was started.
    pub fn validate(&self, today: Date) -> Result<(), Vec<FieldError>> {
        let mut errors = Errors::default();
        if let MammogramLocation::AnotherNhsUnit { unit } = &self.location
            && is_blank(unit)
        {
            errors.add("unit", "Select the breast screening unit");
        }
        if let MammogramWhen::ExactDate(date) = self.when
            && date > today
        {
            errors.add("when", "Date of the mammogram must be today or in the past");
        }
        if self.previous_name.as_deref().is_some_and(is_blank) {
            errors.add("previous_name", "Enter the previous name");
        }
        if self.reason_to_continue.as_deref().is_some_and(is_blank) {
            errors.add(
                "reason_to_continue",
                "Enter a reason for continuing with this appointment",
            );
        }
        errors.finish()
    }

    /// One line for lists: "Outside the UK: Paris, 1 March 2026".
    pub fn summary(&self) -> String {
        format!("{}, {}", self.location.describe(), self.when.describe())
    }
}

/// Checks the reason a mammographer gives for continuing after "This appointment should not
/// proceed", returning it trimmed.
pub fn validate_reason_to_continue(reason: &str) -> Result<String, FieldError> {
    if is_blank(reason) {
        Err(FieldError::new(
            "reason_to_continue",
            "Enter a reason for continuing with this appointment",
        ))
    } else {
        Ok(reason.trim().to_owned())
    }
}

/// The six-month rule over every reported mammogram: `ShouldNotProceed` while any mammogram
/// in the last 6 months has no reason recorded for continuing. Once the mammographer has
/// recorded a reason (kept on the mammogram for the record) the rule is `Clear` again.
pub fn mammogram_history_decision(mammograms: &[PreviousMammogram], today: Date) -> SixMonthRule {
    if mammograms
        .iter()
        .any(|m| m.within_six_months(today) && !m.has_reason_to_continue())
    {
        SixMonthRule::ShouldNotProceed
    } else {
        SixMonthRule::Clear
    }
}

/// The field of [`MedicalInformation::recorded_screen_reason_to_continue`] in errors and forms.
pub const RECORDED_SCREEN_REASON_FIELD: &str = "recorded_screen_reason_to_continue";

/// A screen of the participant on the service's own record, at this provider or another
/// (matched by NHS number): only where and when, nothing else of another provider's record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedScreen {
    /// The day the images were taken.
    pub screened_on: Date,
    /// The provider (breast screening unit) that screened her.
    pub provider_name: String,
    /// Whether that was this provider.
    pub this_provider: bool,
}

impl RecordedScreen {
    /// "a screen at West Yorkshire BSS on 1 March 2026" ("at this unit" for this provider).
    pub fn describe(&self) -> String {
        if self.this_provider {
            format!("a screen at this unit on {}", format_date(self.screened_on))
        } else {
            format!(
                "a screen at {} on {}",
                self.provider_name.trim(),
                format_date(self.screened_on)
            )
        }
    }
}

/// The recorded screens less than 6 calendar months before `today`
/// ([`crate::dates::within_months`]), most recent first. A screen dated after today counts
/// too, to be safe.
pub fn recent_recorded_screens(recorded: &[RecordedScreen], today: Date) -> Vec<&RecordedScreen> {
    let mut recent: Vec<&RecordedScreen> = recorded
        .iter()
        .filter(|s| crate::dates::within_months(s.screened_on, today, 6))
        .collect();
    recent.sort_by_key(|s| std::cmp::Reverse(s.screened_on));
    recent
}

// ---------------------------------------------------------------------------------------------
// Medical history
// ---------------------------------------------------------------------------------------------

labelled_enum! {
    /// The kinds of medical history item, as on the buttons that add them.
    pub enum MedicalHistoryType ("medical history type") {
        BreastCancer => ("breast_cancer", "Breast cancer"),
        ImplantedMedicalDevice => ("implanted_medical_device", "Implanted medical device"),
        BreastImplants => ("breast_implants", "Breast implants or augmentation"),
        MastectomyOrLumpectomy => ("mastectomy_or_lumpectomy", "Mastectomy or lumpectomy"),
        Cysts => ("cysts", "Cysts"),
        BenignLumps => ("benign_lumps", "Benign lumps"),
        OtherProcedures => ("other_procedures", "Other procedures"),
    }
}

impl MedicalHistoryType {
    /// Whether more than one item of this type may be recorded (only breast implants or
    /// augmentation is a single entry).
    pub const fn allows_multiple(self) -> bool {
        !matches!(self, MedicalHistoryType::BreastImplants)
    }
}

labelled_enum! {
    /// "In which breasts has {name} had a cancer diagnosis?"
    pub enum CancerLocation ("breast cancer location") {
        RightBreast => ("right_breast", "Right breast"),
        LeftBreast => ("left_breast", "Left breast"),
        BothBreasts => ("both_breasts", "Both breasts"),
        NotKnown => ("not_known", "Not known"),
    }
}

labelled_enum! {
    /// The procedure on one breast (breast cancer, mastectomy or lumpectomy).
    pub enum BreastProcedure ("breast procedure") {
        Lumpectomy => ("lumpectomy", "Lumpectomy"),
        MastectomyTissueRemaining => ("mastectomy_tissue_remaining", "Mastectomy (tissue remaining)"),
        MastectomyNoTissueRemaining => ("mastectomy_no_tissue_remaining", "Mastectomy (no tissue remaining)"),
        NoProcedure => ("no_procedure", "No procedure"),
        NotKnown => ("not_known", "Not known"),
    }
}

labelled_enum! {
    /// Other surgery on one breast after breast cancer (multiple choice).
    pub enum OtherSurgery ("other surgery") {
        LymphNodeSurgery => ("lymph_node_surgery", "Lymph node surgery"),
        Reconstruction => ("reconstruction", "Reconstruction"),
        Symmetrisation => ("symmetrisation", "Symmetrisation"),
        NoOtherSurgery => ("no_other_surgery", "No other surgery"),
        NotKnown => ("not_known", "Not known"),
    }
}

labelled_enum! {
    /// Radiotherapy on one breast (multiple choice).
    pub enum Radiotherapy ("radiotherapy") {
        Breast => ("breast", "Breast radiotherapy"),
        LymphNode => ("lymph_node", "Lymph node radiotherapy"),
        NoRadiotherapy => ("no_radiotherapy", "No radiotherapy"),
        NotKnown => ("not_known", "Not known"),
    }
}

labelled_enum! {
    /// Systemic treatment for breast cancer (multiple choice).
    pub enum SystemicTreatment ("systemic treatment") {
        Chemotherapy => ("chemotherapy", "Chemotherapy"),
        HormoneTherapy => ("hormone_therapy", "Hormone therapy"),
        Other => ("other", "Other"),
        NoSystemicTreatments => ("no_systemic_treatments", "No systemic treatments"),
        NotKnown => ("not_known", "Not known"),
    }
}

labelled_enum! {
    /// "Where did surgery and treatment take place?"
    pub enum TreatmentLocation ("treatment location") {
        NhsClinicOrHospital => ("nhs_clinic_or_hospital", "NHS clinic or hospital"),
        ElsewhereInUk => ("elsewhere_in_uk", "Elsewhere in the UK"),
        OutsideUk => ("outside_uk", "Outside the UK"),
        Multiple => ("multiple", "Multiple locations"),
        NotKnown => ("not_known", "Not known"),
    }
}

/// A previous breast cancer diagnosis and its treatment.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct BreastCancer {
    /// Which breasts had a cancer diagnosis (required).
    pub location: Option<CancerLocation>,
    /// Procedure on the right breast (required).
    pub right_procedure: Option<BreastProcedure>,
    /// Procedure on the left breast (required).
    pub left_procedure: Option<BreastProcedure>,
    /// Other surgery on the right breast (at least one answer).
    pub right_other_surgery: Vec<OtherSurgery>,
    /// Other surgery on the left breast (at least one answer).
    pub left_other_surgery: Vec<OtherSurgery>,
    /// Radiotherapy on the right breast (at least one answer).
    pub right_radiotherapy: Vec<Radiotherapy>,
    /// Radiotherapy on the left breast (at least one answer).
    pub left_radiotherapy: Vec<Radiotherapy>,
    /// Systemic treatments (at least one answer).
    pub systemic_treatments: Vec<SystemicTreatment>,
    /// What the "Other" systemic treatment was (required when "Other" is selected).
    pub systemic_other_details: String,
    /// Year of diagnosis (optional; `None` when not known).
    pub diagnosis_year: Option<RecordedYear>,
    /// Where surgery and treatment took place (required; may be "Not known").
    pub treatment_location: Option<TreatmentLocation>,
    /// More about where (optional).
    pub treatment_location_details: String,
    /// Anything else relevant (optional).
    pub details: String,
}

impl BreastCancer {
    /// The procedure on one side.
    pub fn procedure(&self, side: Side) -> Option<BreastProcedure> {
        match side {
            Side::Right => self.right_procedure,
            Side::Left => self.left_procedure,
        }
    }

    /// Checks every required answer, the exclusive options, the "Other" details and the year.
    pub fn validate(&self, today: Date) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::default();
        if self.location.is_none() {
            e.add(
                "location",
                "Select which breasts had a cancer diagnosis, or 'Not known'",
            );
        }
        check_year(
            &mut e,
            "diagnosis_year",
            "Year of diagnosis",
            self.diagnosis_year,
            today,
        );
        if self.right_procedure.is_none() {
            e.add(
                "right_procedure",
                "Select the procedure on the right breast, or 'Not known'",
            );
        }
        if self.left_procedure.is_none() {
            e.add(
                "left_procedure",
                "Select the procedure on the left breast, or 'Not known'",
            );
        }
        let surgery_alone = [OtherSurgery::NoOtherSurgery, OtherSurgery::NotKnown];
        check_multi(
            &mut e,
            "right_other_surgery",
            &self.right_other_surgery,
            &surgery_alone,
            "Select any other surgery on the right breast, or 'No other surgery'",
        );
        check_multi(
            &mut e,
            "left_other_surgery",
            &self.left_other_surgery,
            &surgery_alone,
            "Select any other surgery on the left breast, or 'No other surgery'",
        );
        let radiotherapy_alone = [Radiotherapy::NoRadiotherapy, Radiotherapy::NotKnown];
        check_multi(
            &mut e,
            "right_radiotherapy",
            &self.right_radiotherapy,
            &radiotherapy_alone,
            "Select any radiotherapy on the right breast, or 'No radiotherapy'",
        );
        check_multi(
            &mut e,
            "left_radiotherapy",
            &self.left_radiotherapy,
            &radiotherapy_alone,
            "Select any radiotherapy on the left breast, or 'No radiotherapy'",
        );
        check_multi(
            &mut e,
            "systemic_treatments",
            &self.systemic_treatments,
            &[
                SystemicTreatment::NoSystemicTreatments,
                SystemicTreatment::NotKnown,
            ],
            "Select any systemic treatments, or 'No systemic treatments'",
        );
        if self.systemic_treatments.contains(&SystemicTreatment::Other)
            && is_blank(&self.systemic_other_details)
        {
            e.add(
                "systemic_other_details",
                "Describe the other systemic treatment",
            );
        }
        if self.treatment_location.is_none() {
            e.add(
                "treatment_location",
                "Select where surgery and treatment took place, or 'Not known'",
            );
        }
        e.finish()
    }

    /// One line for lists: "Breast cancer: Right breast; diagnosed 2019; right: Lumpectomy".
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        if let Some(location) = self.location {
            parts.push(location.label().to_owned());
        }
        if let Some(year) = self.diagnosis_year {
            parts.push(format!("diagnosed {year}"));
        }
        for side in Side::ALL {
            if let Some(p) = self.procedure(*side)
                && p != BreastProcedure::NoProcedure
            {
                parts.push(format!("{}: {}", side.as_str(), p.label()));
            }
        }
        with_parts(MedicalHistoryType::BreastCancer.label(), &parts)
    }
}

/// "Heading: part; part" or just "Heading" when there are no parts.
fn with_parts(heading: &str, parts: &[String]) -> String {
    if parts.is_empty() {
        heading.to_owned()
    } else {
        format!("{heading}: {}", parts.join("; "))
    }
}

labelled_enum! {
    /// The kinds of implanted medical device.
    pub enum DeviceType ("implanted medical device") {
        CardiacDevice => ("cardiac_device", "Cardiac device (such as a pacemaker or ICD)"),
        HickmanLine => ("hickman_line", "Hickman line"),
        Other => ("other", "Other medical device"),
        NotKnown => ("not_known", "Not known"),
    }
}

/// An implanted medical device (which side does not matter: the mammographer can see it).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ImplantedMedicalDevice {
    /// The device (required; may be "Not known").
    pub device: Option<DeviceType>,
    /// What the other device is (required for "Other medical device").
    pub other_description: String,
    /// Whether the device has been removed.
    pub removed: bool,
    /// When it was removed (optional; only when removed).
    pub removal_year: Option<RecordedYear>,
    /// Anything else relevant (optional).
    pub details: String,
}

impl ImplantedMedicalDevice {
    /// Checks the device answer, the description of an "Other" device and the removal year.
    pub fn validate(&self, today: Date) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::default();
        match self.device {
            None => e.add("device", "Select the type of device, or 'Not known'"),
            Some(DeviceType::Other) if is_blank(&self.other_description) => {
                e.add("other_description", "Describe the device")
            }
            Some(_) => {}
        }
        check_removal_year(&mut e, self.removed, self.removal_year, today, "device");
        e.finish()
    }

    /// One line for lists: "Implanted medical device: Hickman line; removed 2020".
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        match self.device {
            Some(DeviceType::Other) if !is_blank(&self.other_description) => {
                parts.push(self.other_description.trim().to_owned())
            }
            Some(device) => parts.push(device.label().to_owned()),
            None => {}
        }
        if self.removed {
            parts.push(removed_text(self.removal_year));
        }
        with_parts(MedicalHistoryType::ImplantedMedicalDevice.label(), &parts)
    }
}

/// "removed 2020" or "removed".
fn removed_text(year: Option<RecordedYear>) -> String {
    match year {
        Some(year) => format!("removed {year}"),
        None => "removed".to_owned(),
    }
}

/// A removal year is only given when something was removed, and is checked like any year.
fn check_removal_year(
    errors: &mut Errors,
    removed: bool,
    removal_year: Option<RecordedYear>,
    today: Date,
    thing: &str,
) {
    if !removed && removal_year.is_some() {
        errors.add(
            "removal_year",
            format!("Only enter a year of removal if the {thing} has been removed"),
        );
    } else {
        check_year(
            errors,
            "removal_year",
            "Year of removal",
            removal_year,
            today,
        );
    }
}

labelled_enum! {
    /// What one breast has: breast implants, other augmentation, or neither.
    pub enum Augmentation ("breast augmentation") {
        Implants => ("implants", "Breast implants"),
        OtherAugmentation => ("other_augmentation", "Other augmentation"),
        NoAugmentation => ("no_augmentation", "No augmentation"),
        NotKnown => ("not_known", "Not known"),
    }
}

labelled_enum! {
    /// The participant's answer when asked for consent to continue with breast implants.
    /// The "No, but ..." answers name the breast WITHOUT an implant, which can still be scanned.
    pub enum ImplantConsent ("implant consent") {
        Yes => ("yes", "Yes"),
        NoButRightBreast => ("no_right_breast_only", "No, but right breast (no implant) can be scanned"),
        NoButLeftBreast => ("no_left_breast_only", "No, but left breast (no implant) can be scanned"),
        NoEndAppointment => ("no_end_appointment", "No, end appointment"),
    }
}

/// What happens after the implant consent question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "outcome", content = "side", rename_all = "snake_case")]
pub enum ImplantConsentOutcome {
    /// Continue the appointment as normal.
    Continue,
    /// Continue, imaging only this breast (the one without an implant).
    ContinueWithOneBreast(Side),
    /// End the appointment (it cannot proceed: consent withdrawn).
    EndAppointment,
}

impl ImplantConsent {
    /// The "No, but {side} breast (no implant) can be scanned" answer for `side`.
    pub const fn only_breast(side: Side) -> ImplantConsent {
        match side {
            Side::Right => ImplantConsent::NoButRightBreast,
            Side::Left => ImplantConsent::NoButLeftBreast,
        }
    }

    /// What this answer means for the appointment.
    pub const fn outcome(self) -> ImplantConsentOutcome {
        match self {
            ImplantConsent::Yes => ImplantConsentOutcome::Continue,
            ImplantConsent::NoButRightBreast => {
                ImplantConsentOutcome::ContinueWithOneBreast(Side::Right)
            }
            ImplantConsent::NoButLeftBreast => {
                ImplantConsentOutcome::ContinueWithOneBreast(Side::Left)
            }
            ImplantConsent::NoEndAppointment => ImplantConsentOutcome::EndAppointment,
        }
    }
}

/// Breast implants or other augmentation (a single entry per participant).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct BreastImplants {
    /// What the right breast has (required).
    pub right: Option<Augmentation>,
    /// What the left breast has (required).
    pub left: Option<Augmentation>,
    /// Whether the implants have been removed.
    pub removed: bool,
    /// When they were removed (optional; only when removed).
    pub removal_year: Option<RecordedYear>,
    /// The answer to the consent question (required while implants are in place).
    pub consent: Option<ImplantConsent>,
    /// Anything else relevant (optional).
    pub details: String,
}

impl BreastImplants {
    /// What one side has.
    pub fn side(&self, side: Side) -> Option<Augmentation> {
        match side {
            Side::Right => self.right,
            Side::Left => self.left,
        }
    }

    /// Whether a breast has an implant in place (not removed).
    pub fn has_implant(&self, side: Side) -> bool {
        !self.removed && self.side(side) == Some(Augmentation::Implants)
    }

    /// Whether consent to continue must be asked: an implant is in place in either breast.
    pub fn consent_required(&self) -> bool {
        Side::ALL.iter().any(|s| self.has_implant(*s))
    }

    /// The answers offered to the consent question: none when consent is not required;
    /// otherwise "Yes", then "No, but {side} breast (no implant) can be scanned" when exactly
    /// one breast has an implant, then "No, end appointment".
    pub fn consent_options(&self) -> Vec<ImplantConsent> {
        if !self.consent_required() {
            return Vec::new();
        }
        let mut options = vec![ImplantConsent::Yes];
        for side in Side::ALL {
            if !self.has_implant(*side) && self.has_implant(side.other()) {
                options.push(ImplantConsent::only_breast(*side));
            }
        }
        options.push(ImplantConsent::NoEndAppointment);
        options
    }

    /// The outcome: `Continue` when consent is not required, the answer's outcome when it
    /// is and has been given, `None` while it is required and unanswered.
    pub fn consent_outcome(&self) -> Option<ImplantConsentOutcome> {
        if !self.consent_required() {
            return Some(ImplantConsentOutcome::Continue);
        }
        self.consent.map(ImplantConsent::outcome)
    }

    /// Checks both breasts are answered with something recorded on at least one, the
    /// removal year, and the consent answer (required, and one of [`Self::consent_options`]).
    pub fn validate(&self, today: Date) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::default();
        if self.right.is_none() {
            e.add(
                "right",
                "Select what the right breast has, or 'No augmentation'",
            );
        }
        if self.left.is_none() {
            e.add(
                "left",
                "Select what the left breast has, or 'No augmentation'",
            );
        }
        if self.right == Some(Augmentation::NoAugmentation)
            && self.left == Some(Augmentation::NoAugmentation)
        {
            e.add(
                "right",
                "Select breast implants or other augmentation for at least one breast",
            );
        }
        check_removal_year(&mut e, self.removed, self.removal_year, today, "implants");
        if self.consent_required() {
            match self.consent {
                None => e.add(
                    "consent",
                    "Select whether they consent to continuing with breast implants",
                ),
                Some(answer) if !self.consent_options().contains(&answer) => e.add(
                    "consent",
                    "Only a breast without an implant can be scanned on its own",
                ),
                Some(_) => {}
            }
        }
        e.finish()
    }

    /// One line for lists: "Breast implants or augmentation: right: Breast implants".
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        for side in Side::ALL {
            if let Some(a) = self.side(*side)
                && a != Augmentation::NoAugmentation
            {
                parts.push(format!("{}: {}", side.as_str(), a.label()));
            }
        }
        if self.removed {
            parts.push(removed_text(self.removal_year));
        }
        with_parts(MedicalHistoryType::BreastImplants.label(), &parts)
    }
}

labelled_enum! {
    /// Why a mastectomy or lumpectomy was done (not for breast cancer).
    pub enum SurgeryReason ("surgery reason") {
        RiskReduction => ("risk_reduction", "Risk reduction"),
        GenderAffirmation => ("gender_affirmation", "Gender affirmation (top surgery)"),
        Other => ("other", "Other reason"),
        NotKnown => ("not_known", "Not known"),
    }
}

/// A mastectomy or lumpectomy for a reason other than breast cancer.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct MastectomyOrLumpectomy {
    /// Procedure on the right breast (required).
    pub right_procedure: Option<BreastProcedure>,
    /// Procedure on the left breast (required).
    pub left_procedure: Option<BreastProcedure>,
    /// When (optional).
    pub year: Option<RecordedYear>,
    /// Why (required; may be "Not known").
    pub reason: Option<SurgeryReason>,
    /// The other reason (required for "Other reason").
    pub reason_details: String,
    /// Anything else relevant (optional).
    pub details: String,
}

impl MastectomyOrLumpectomy {
    /// The procedure on one side.
    pub fn procedure(&self, side: Side) -> Option<BreastProcedure> {
        match side {
            Side::Right => self.right_procedure,
            Side::Left => self.left_procedure,
        }
    }

    /// Checks both breasts are answered with a procedure on at least one, the reason and
    /// its details, and the year.
    pub fn validate(&self, today: Date) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::default();
        if self.right_procedure.is_none() {
            e.add(
                "right_procedure",
                "Select the procedure on the right breast, or 'No procedure'",
            );
        }
        if self.left_procedure.is_none() {
            e.add(
                "left_procedure",
                "Select the procedure on the left breast, or 'No procedure'",
            );
        }
        if self.right_procedure == Some(BreastProcedure::NoProcedure)
            && self.left_procedure == Some(BreastProcedure::NoProcedure)
        {
            e.add(
                "right_procedure",
                "Select a procedure for at least one breast",
            );
        }
        check_year(&mut e, "year", "Year of the surgery", self.year, today);
        match self.reason {
            None => e.add(
                "reason",
                "Select the reason for the surgery, or 'Not known'",
            ),
            Some(SurgeryReason::Other) if is_blank(&self.reason_details) => {
                e.add("reason_details", "Describe the reason for the surgery")
            }
            Some(_) => {}
        }
        e.finish()
    }

    /// One line for lists: "Mastectomy or lumpectomy: right: Mastectomy (no tissue
    /// remaining); Risk reduction".
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        for side in Side::ALL {
            if let Some(p) = self.procedure(*side)
                && p != BreastProcedure::NoProcedure
            {
                parts.push(format!("{}: {}", side.as_str(), p.label()));
            }
        }
        match self.reason {
            Some(SurgeryReason::Other) if !is_blank(&self.reason_details) => {
                parts.push(self.reason_details.trim().to_owned())
            }
            Some(reason) => parts.push(reason.label().to_owned()),
            None => {}
        }
        if let Some(year) = self.year {
            parts.push(year.to_string());
        }
        with_parts(MedicalHistoryType::MastectomyOrLumpectomy.label(), &parts)
    }
}

labelled_enum! {
    /// Treatment for cysts.
    pub enum CystTreatment ("cyst treatment") {
        DrainageOrRemoval => ("drainage_or_removal", "Drainage or removal"),
        NoTreatment => ("no_treatment", "No treatment"),
        NotKnown => ("not_known", "Not known"),
    }
}

/// A history of cysts (how many or where does not matter).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Cysts {
    /// Treatment (required; may be "Not known").
    pub treatment: Option<CystTreatment>,
    /// Anything else relevant (optional).
    pub details: String,
}

impl Cysts {
    /// Checks the treatment is answered.
    pub fn validate(&self, _today: Date) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::default();
        if self.treatment.is_none() {
            e.add(
                "treatment",
                "Select the treatment for cysts, or 'Not known'",
            );
        }
        e.finish()
    }

    /// One line for lists: "Cysts: Drainage or removal".
    pub fn summary(&self) -> String {
        let parts: Vec<String> = self
            .treatment
            .iter()
            .map(|t| t.label().to_owned())
            .collect();
        with_parts(MedicalHistoryType::Cysts.label(), &parts)
    }
}

labelled_enum! {
    /// Treatment for benign lumps.
    pub enum BenignLumpTreatment ("benign lump treatment") {
        NeedleBiopsy => ("needle_biopsy", "Needle biopsy"),
        LumpRemoved => ("lump_removed", "Lump removed"),
        NoTreatment => ("no_treatment", "No treatment"),
        NotKnown => ("not_known", "Not known"),
    }
}

/// Benign (non-cancerous) lumps.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct BenignLumps {
    /// Treatment (required; may be "Not known").
    pub treatment: Option<BenignLumpTreatment>,
    /// Year of diagnosis (optional; helps find pathology reports).
    pub diagnosis_year: Option<RecordedYear>,
    /// Anything else relevant (optional).
    pub details: String,
}

impl BenignLumps {
    /// Checks the treatment is answered and the year.
    pub fn validate(&self, today: Date) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::default();
        if self.treatment.is_none() {
            e.add(
                "treatment",
                "Select the treatment for benign lumps, or 'Not known'",
            );
        }
        check_year(
            &mut e,
            "diagnosis_year",
            "Year of diagnosis",
            self.diagnosis_year,
            today,
        );
        e.finish()
    }

    /// One line for lists: "Benign lumps: Needle biopsy; diagnosed 2015".
    pub fn summary(&self) -> String {
        let mut parts: Vec<String> = self
            .treatment
            .iter()
            .map(|t| t.label().to_owned())
            .collect();
        if let Some(year) = self.diagnosis_year {
            parts.push(format!("diagnosed {year}"));
        }
        with_parts(MedicalHistoryType::BenignLumps.label(), &parts)
    }
}

labelled_enum! {
    /// Other breast procedures.
    pub enum OtherProcedureKind ("other procedure") {
        BreastReduction => ("breast_reduction", "Breast reduction"),
        Symmetrisation => ("symmetrisation", "Symmetrisation"),
        NippleCorrection => ("nipple_correction", "Nipple correction"),
        Other => ("other", "Other"),
        NotKnown => ("not_known", "Not known"),
    }
}

/// Another breast procedure.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct OtherProcedures {
    /// The procedure (required; may be "Not known").
    pub procedure: Option<OtherProcedureKind>,
    /// What the other procedure was (required for "Other").
    pub other_description: String,
    /// When (optional).
    pub year: Option<RecordedYear>,
    /// Anything else relevant, such as which breasts (optional).
    pub details: String,
}

impl OtherProcedures {
    /// Checks the procedure answer, the description of "Other" and the year.
    pub fn validate(&self, today: Date) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::default();
        match self.procedure {
            None => e.add("procedure", "Select the procedure, or 'Not known'"),
            Some(OtherProcedureKind::Other) if is_blank(&self.other_description) => {
                e.add("other_description", "Describe the procedure")
            }
            Some(_) => {}
        }
        check_year(&mut e, "year", "Year of the procedure", self.year, today);
        e.finish()
    }

    /// One line for lists: "Other procedures: Breast reduction; 2010".
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        match self.procedure {
            Some(OtherProcedureKind::Other) if !is_blank(&self.other_description) => {
                parts.push(self.other_description.trim().to_owned())
            }
            Some(p) => parts.push(p.label().to_owned()),
            None => {}
        }
        if let Some(year) = self.year {
            parts.push(year.to_string());
        }
        with_parts(MedicalHistoryType::OtherProcedures.label(), &parts)
    }
}

/// One item of medical history. Stored as JSON with a `"type"` tag holding the
/// [`MedicalHistoryType`] value, beside the item's own fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum MedicalHistoryItem {
    /// Breast cancer.
    BreastCancer(BreastCancer),
    /// Implanted medical device.
    ImplantedMedicalDevice(ImplantedMedicalDevice),
    /// Breast implants or augmentation (single entry).
    BreastImplants(BreastImplants),
    /// Mastectomy or lumpectomy.
    MastectomyOrLumpectomy(MastectomyOrLumpectomy),
    /// Cysts.
    Cysts(Cysts),
    /// Benign lumps.
    BenignLumps(BenignLumps),
    /// Other procedures.
    OtherProcedures(OtherProcedures),
}

impl MedicalHistoryItem {
    /// The item's type.
    pub const fn kind(&self) -> MedicalHistoryType {
        match self {
            MedicalHistoryItem::BreastCancer(_) => MedicalHistoryType::BreastCancer,
            MedicalHistoryItem::ImplantedMedicalDevice(_) => {
                MedicalHistoryType::ImplantedMedicalDevice
            }
            MedicalHistoryItem::BreastImplants(_) => MedicalHistoryType::BreastImplants,
            MedicalHistoryItem::MastectomyOrLumpectomy(_) => {
                MedicalHistoryType::MastectomyOrLumpectomy
            }
            MedicalHistoryItem::Cysts(_) => MedicalHistoryType::Cysts,
            MedicalHistoryItem::BenignLumps(_) => MedicalHistoryType::BenignLumps,
            MedicalHistoryItem::OtherProcedures(_) => MedicalHistoryType::OtherProcedures,
        }
    }

    /// Validates the item's form (see each type's `validate`).
    pub fn validate(&self, today: Date) -> Result<(), Vec<FieldError>> {
        match self {
            MedicalHistoryItem::BreastCancer(i) => i.validate(today),
            MedicalHistoryItem::ImplantedMedicalDevice(i) => i.validate(today),
            MedicalHistoryItem::BreastImplants(i) => i.validate(today),
            MedicalHistoryItem::MastectomyOrLumpectomy(i) => i.validate(today),
            MedicalHistoryItem::Cysts(i) => i.validate(today),
            MedicalHistoryItem::BenignLumps(i) => i.validate(today),
            MedicalHistoryItem::OtherProcedures(i) => i.validate(today),
        }
    }

    /// One line for lists, starting with the type's label.
    pub fn summary(&self) -> String {
        match self {
            MedicalHistoryItem::BreastCancer(i) => i.summary(),
            MedicalHistoryItem::ImplantedMedicalDevice(i) => i.summary(),
            MedicalHistoryItem::BreastImplants(i) => i.summary(),
            MedicalHistoryItem::MastectomyOrLumpectomy(i) => i.summary(),
            MedicalHistoryItem::Cysts(i) => i.summary(),
            MedicalHistoryItem::BenignLumps(i) => i.summary(),
            MedicalHistoryItem::OtherProcedures(i) => i.summary(),
        }
    }

    /// The procedure recorded on one breast, for the items that record one.
    fn procedure(&self, side: Side) -> Option<BreastProcedure> {
        match self {
            MedicalHistoryItem::BreastCancer(i) => i.procedure(side),
            MedicalHistoryItem::MastectomyOrLumpectomy(i) => i.procedure(side),
            _ => None,
        }
    }
}

/// Whether another item of `kind` may be added to `items` (breast implants or augmentation
/// is a single entry: edit the one there).
pub fn can_add<'a>(
    items: impl IntoIterator<Item = &'a MedicalHistoryItem>,
    kind: MedicalHistoryType,
) -> bool {
    kind.allows_multiple() || !items.into_iter().any(|i| i.kind() == kind)
}

/// The breasts with no tissue remaining (a mastectomy with no tissue remaining, for breast
/// cancer or otherwise), which are not expected to be imaged. Right first; each side once.
pub fn breasts_without_tissue<'a>(
    items: impl IntoIterator<Item = &'a MedicalHistoryItem>,
) -> Vec<Side> {
    let items: Vec<&MedicalHistoryItem> = items.into_iter().collect();
    Side::ALL
        .iter()
        .copied()
        .filter(|side| {
            items
                .iter()
                .any(|i| i.procedure(*side) == Some(BreastProcedure::MastectomyNoTissueRemaining))
        })
        .collect()
}

/// Whether neither breast has tissue remaining (a bilateral mastectomy): no images need to
/// be taken and the appointment ends.
pub fn no_breast_tissue<'a>(items: impl IntoIterator<Item = &'a MedicalHistoryItem>) -> bool {
    breasts_without_tissue(items).len() == Side::ALL.len()
}

/// Whether the participant has a breast implant in place (recorded and not removed).
pub fn has_implants<'a>(items: impl IntoIterator<Item = &'a MedicalHistoryItem>) -> bool {
    items.into_iter().any(|i| match i {
        MedicalHistoryItem::BreastImplants(b) => b.consent_required(),
        _ => false,
    })
}

/// The outcome of the implant consent question across the history: `Continue` when no
/// implant needs consent, otherwise the recorded answer's outcome (`None` while unanswered).
pub fn implant_consent_outcome<'a>(
    items: impl IntoIterator<Item = &'a MedicalHistoryItem>,
) -> Option<ImplantConsentOutcome> {
    let mut outcome = ImplantConsentOutcome::Continue;
    for item in items {
        if let MedicalHistoryItem::BreastImplants(b) = item {
            match b.consent_outcome()? {
                ImplantConsentOutcome::Continue => {}
                other => outcome = other,
            }
        }
    }
    Some(outcome)
}

// ---------------------------------------------------------------------------------------------
// Symptoms
// ---------------------------------------------------------------------------------------------

/// The question asked for symptoms that are not significant by default.
pub const HIGHLIGHT_QUESTION: &str = "Should this symptom be highlighted to image readers?";

labelled_enum! {
    /// The symptom types, as on the buttons that add them.
    pub enum SymptomType ("symptom type") {
        Lump => ("lump", "Lump"),
        SwellingOrShapeChange => ("swelling_or_shape_change", "Swelling or shape change"),
        SkinChange => ("skin_change", "Skin change"),
        NippleChange => ("nipple_change", "Nipple change"),
        BreastPain => ("breast_pain", "Breast pain"),
        Other => ("other", "Other"),
    }
}

labelled_enum! {
    /// The kinds of skin change.
    pub enum SkinChange ("skin change") {
        SoresOrCysts => ("sores_or_cysts", "Sores or cysts"),
        DimplesOrIndentation => ("dimples_or_indentation", "Dimples or indentation"),
        Rash => ("rash", "Rash"),
        ColourChange => ("colour_change", "Colour change"),
        Other => ("other", "Other"),
    }
}

labelled_enum! {
    /// The kinds of nipple change.
    pub enum NippleChange ("nipple change") {
        BloodyDischarge => ("bloody_discharge", "Bloody discharge"),
        OtherDischarge => ("other_discharge", "Other discharge"),
        Inversion => ("inversion", "Inversion"),
        RashOrEczema => ("rash_or_eczema", "Rash or eczema"),
        ShapeChange => ("shape_change", "Shape change"),
        ColourChange => ("colour_change", "Colour change"),
        Other => ("other", "Other"),
    }
}

/// A symptom's type with the kind of skin or nipple change. The description of an "Other"
/// symptom, skin change or nipple change is [`Symptom::description`].
/// Stored as `{"type": "skin_change", "change": "rash"}` or `{"type": "lump"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", content = "change", rename_all = "snake_case")]
pub enum SymptomKind {
    /// "Lump".
    Lump,
    /// "Swelling or shape change".
    SwellingOrShapeChange,
    /// "Skin change", with its kind.
    SkinChange(SkinChange),
    /// "Nipple change", with its kind.
    NippleChange(NippleChange),
    /// "Breast pain".
    BreastPain,
    /// "Other" (described in [`Symptom::description`]).
    Other,
}

impl SymptomKind {
    /// The symptom type.
    pub const fn symptom_type(self) -> SymptomType {
        match self {
            SymptomKind::Lump => SymptomType::Lump,
            SymptomKind::SwellingOrShapeChange => SymptomType::SwellingOrShapeChange,
            SymptomKind::SkinChange(_) => SymptomType::SkinChange,
            SymptomKind::NippleChange(_) => SymptomType::NippleChange,
            SymptomKind::BreastPain => SymptomType::BreastPain,
            SymptomKind::Other => SymptomType::Other,
        }
    }

    /// Lump, swelling or shape change, skin change and nipple change are significant by
    /// default and always highlighted to image readers.
    pub const fn significant_by_default(self) -> bool {
        !matches!(self, SymptomKind::BreastPain | SymptomKind::Other)
    }

    /// Whether the form asks [`HIGHLIGHT_QUESTION`] (breast pain and other).
    pub const fn asks_highlight(self) -> bool {
        !self.significant_by_default()
    }

    /// Whether the symptom must be described: "Other", or an "Other" skin or nipple change.
    pub const fn needs_description(self) -> bool {
        matches!(
            self,
            SymptomKind::Other
                | SymptomKind::SkinChange(SkinChange::Other)
                | SymptomKind::NippleChange(NippleChange::Other)
        )
    }

    /// "Lump", "Skin change (rash)", "Nipple change (bloody discharge)".
    pub fn label(self) -> String {
        match self {
            SymptomKind::SkinChange(c) => {
                format!("{} ({})", self.symptom_type(), c.label().to_lowercase())
            }
            SymptomKind::NippleChange(c) => {
                format!("{} ({})", self.symptom_type(), c.label().to_lowercase())
            }
            _ => self.symptom_type().label().to_owned(),
        }
    }
}

labelled_enum! {
    /// Where a symptom is.
    pub enum SymptomArea ("symptom area") {
        Right => ("right", "Right"),
        Left => ("left", "Left"),
        Both => ("both", "Both"),
        Other => ("other", "Other"),
    }
}

/// When a symptom started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SymptomStarted {
    /// "Less than 3 months".
    #[serde(rename = "less_than_3_months")]
    LessThan3Months,
    /// "3 months to a year".
    #[serde(rename = "3_months_to_a_year")]
    ThreeMonthsToAYear,
    /// "1 to 3 years".
    #[serde(rename = "1_to_3_years")]
    OneToThreeYears,
    /// "Over 3 years".
    #[serde(rename = "over_3_years")]
    OverThreeYears,
    /// "Since a specific date" (never in the future).
    #[serde(rename = "since_date")]
    SinceDate(Date),
    /// "Not known".
    #[serde(rename = "not_known")]
    NotKnown,
}

impl SymptomStarted {
    /// The answer's label.
    pub const fn label(&self) -> &'static str {
        match self {
            SymptomStarted::LessThan3Months => "Less than 3 months",
            SymptomStarted::ThreeMonthsToAYear => "3 months to a year",
            SymptomStarted::OneToThreeYears => "1 to 3 years",
            SymptomStarted::OverThreeYears => "Over 3 years",
            SymptomStarted::SinceDate(_) => "Since a specific date",
            SymptomStarted::NotKnown => "Not known",
        }
    }

    /// The label, or "Since 1 March 2026" for a date.
    pub fn describe(&self) -> String {
        match self {
            SymptomStarted::SinceDate(date) => format!("Since {}", format_date(*date)),
            other => other.label().to_owned(),
        }
    }
}

/// A symptom the participant reports, or a clinical sign the mammographer notices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Symptom {
    /// What it is.
    pub kind: SymptomKind,
    /// A description (required when [`SymptomKind::needs_description`]).
    #[serde(default)]
    pub description: String,
    /// Where it is (required).
    #[serde(default)]
    pub area: Option<SymptomArea>,
    /// Where, for area "Other" (required then).
    #[serde(default)]
    pub area_description: String,
    /// When it started (required, except for a mammographer-noted sign, where an
    /// unanswered question means not known).
    #[serde(default)]
    pub started: Option<SymptomStarted>,
    /// It comes and goes.
    #[serde(default)]
    pub intermittent: bool,
    /// It has recently resolved.
    #[serde(default)]
    pub recently_resolved: bool,
    /// It has been investigated.
    #[serde(default)]
    pub investigated: bool,
    /// How it was investigated (required when investigated).
    #[serde(default)]
    pub investigation_details: String,
    /// The answer to [`HIGHLIGHT_QUESTION`] (required for breast pain and other; ignored
    /// for the kinds that are always highlighted).
    #[serde(default)]
    pub highlight_to_readers: Option<bool>,
    /// A "Mammographer-noted sign" rather than a participant-reported symptom.
    #[serde(default)]
    pub noted_by_mammographer_as_clinical_sign: bool,
    /// Anything else relevant (optional).
    #[serde(default)]
    pub details: String,
}

impl Symptom {
    /// A symptom of `kind` with nothing else answered yet.
    pub fn new(kind: SymptomKind) -> Self {
        Symptom {
            kind,
            description: String::new(),
            area: None,
            area_description: String::new(),
            started: None,
            intermittent: false,
            recently_resolved: false,
            investigated: false,
            investigation_details: String::new(),
            highlight_to_readers: None,
            noted_by_mammographer_as_clinical_sign: false,
            details: String::new(),
        }
    }

    /// Checks the description, area, when it started (not required for a mammographer-noted
    /// sign; a date must not be in the future), investigation details and the highlight answer.
    pub fn validate(&self, today: Date) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::default();
        if self.kind.needs_description() && is_blank(&self.description) {
            e.add("description", "Describe the symptom");
        }
        match self.area {
            None => e.add("area", "Select where the symptom is"),
            Some(SymptomArea::Other) if is_blank(&self.area_description) => {
                e.add("area_description", "Describe where the symptom is")
            }
            Some(_) => {}
        }
        match self.started {
            None if !self.noted_by_mammographer_as_clinical_sign => {
                e.add("started", "Select when the symptom started, or 'Not known'")
            }
            Some(SymptomStarted::SinceDate(date)) if date > today => e.add(
                "started",
                "Date the symptom started must be today or in the past",
            ),
            _ => {}
        }
        if self.investigated && is_blank(&self.investigation_details) {
            e.add(
                "investigation_details",
                "Describe how the symptom was investigated",
            );
        }
        if self.kind.asks_highlight() && self.highlight_to_readers.is_none() {
            e.add(
                "highlight_to_readers",
                "Select whether this symptom should be highlighted to image readers",
            );
        }
        e.finish()
    }

    /// One line for lists: "Skin change (rash): Right; Less than 3 months; intermittent".
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        if self.kind.needs_description() && !is_blank(&self.description) {
            parts.push(self.description.trim().to_owned());
        }
        match self.area {
            Some(SymptomArea::Other) if !is_blank(&self.area_description) => {
                parts.push(self.area_description.trim().to_owned())
            }
            Some(area) => parts.push(area.label().to_owned()),
            None => {}
        }
        if let Some(started) = self.started {
            parts.push(started.describe());
        }
        for (flag, text) in [
            (self.intermittent, "intermittent"),
            (self.recently_resolved, "recently resolved"),
            (self.investigated, "investigated"),
            (
                self.noted_by_mammographer_as_clinical_sign,
                "mammographer-noted sign",
            ),
        ] {
            if flag {
                parts.push(text.to_owned());
            }
        }
        with_parts(&self.kind.label(), &parts)
    }
}

/// Whether a symptom is highlighted to image readers: always for lump, swelling or shape
/// change, skin change and nipple change; for breast pain and other, when the mammographer
/// answered "Yes" to [`HIGHLIGHT_QUESTION`].
pub fn is_significant(symptom: &Symptom) -> bool {
    symptom.kind.significant_by_default() || symptom.highlight_to_readers == Some(true)
}

// ---------------------------------------------------------------------------------------------
// Breast features
// ---------------------------------------------------------------------------------------------

labelled_enum! {
    /// Visible features recorded so readers can tell them from findings.
    pub enum FeatureKind ("breast feature") {
        Mole => ("mole", "Mole"),
        Wart => ("wart", "Wart"),
        NonSurgicalScar => ("non_surgical_scar", "Non-surgical scar"),
        BruisingOrTrauma => ("bruising_or_trauma", "Bruising or trauma"),
        Other => ("other", "Other"),
    }
}

/// A feature on a breast, marked on the breast diagram or described.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BreastFeature {
    /// What it is.
    pub kind: FeatureKind,
    /// What the "Other" feature is (required then).
    #[serde(default)]
    pub description: String,
    /// Which breast.
    pub side: Side,
    /// Where on that breast's diagram: `(x, y)`, each from 0 to 1, from the top left of the
    /// diagram as drawn.
    #[serde(default)]
    pub position: Option<(f32, f32)>,
    /// Where, in words (required when not marked on the diagram).
    #[serde(default)]
    pub location: String,
}

impl BreastFeature {
    /// Checks the feature is described when "Other" and is placed on the diagram (within it)
    /// or described in words.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::default();
        if self.kind == FeatureKind::Other && is_blank(&self.description) {
            e.add("description", "Describe the feature");
        }
        match self.position {
            Some((x, y)) if !((0.0..=1.0).contains(&x) && (0.0..=1.0).contains(&y)) => {
                e.add("position", "Mark the feature within the breast diagram")
            }
            None if is_blank(&self.location) => e.add(
                "position",
                "Mark the feature on the diagram or describe where it is",
            ),
            _ => {}
        }
        e.finish()
    }

    /// One line for lists: "Mole: Right breast, upper outer".
    pub fn summary(&self) -> String {
        let what = if self.kind == FeatureKind::Other && !is_blank(&self.description) {
            self.description.trim().to_owned()
        } else {
            self.kind.label().to_owned()
        };
        let mut text = format!("{what}: {} breast", self.side.label());
        if !is_blank(&self.location) {
            text.push_str(", ");
            text.push_str(self.location.trim());
        }
        text
    }
}

// ---------------------------------------------------------------------------------------------
// Breast density factors and other medical information
// ---------------------------------------------------------------------------------------------

/// Things that affect breast density.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct DensityFactors {
    /// Has HRT been started since the last screening? (required when the form is saved)
    pub hrt_started_since_last_screening: Option<Answer3>,
    /// About the HRT (optional).
    pub hrt_details: String,
    /// Is the participant pregnant or breastfeeding? (required when the form is saved)
    pub pregnant_or_breastfeeding: Option<Answer3>,
    /// About the pregnancy or breastfeeding (optional).
    pub details: String,
}

impl DensityFactors {
    /// Checks both questions are answered (either may be "Not known").
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::default();
        if self.hrt_started_since_last_screening.is_none() {
            e.add(
                "hrt_started_since_last_screening",
                "Select whether they have started HRT since their last screening",
            );
        }
        if self.pregnant_or_breastfeeding.is_none() {
            e.add(
                "pregnant_or_breastfeeding",
                "Select whether they are pregnant or breastfeeding",
            );
        }
        e.finish()
    }
}

/// "Other medical information": free text.
pub type OtherMedicalInformation = String;

// ---------------------------------------------------------------------------------------------
// Sections and review
// ---------------------------------------------------------------------------------------------

labelled_enum! {
    /// The sections of "Review medical information", in page order.
    pub enum MedicalSection ("medical information section") {
        MammogramHistory => ("mammogram_history", "Mammogram history"),
        MedicalHistory => ("medical_history", "Medical history"),
        Symptoms => ("symptoms", "Symptoms"),
        BreastFeatures => ("breast_features", "Breast features"),
        BreastDensityFactors => ("breast_density_factors", "Breast density factors"),
        OtherMedicalInformation => ("other_medical_information", "Other medical information"),
    }
}

impl MedicalSection {
    /// Whether items recorded in an earlier episode are carried forward into this section
    /// for confirmation. Density factors ("since last screening") and other medical
    /// information are asked afresh each time.
    pub const fn carries_forward(self) -> bool {
        matches!(
            self,
            MedicalSection::MammogramHistory
                | MedicalSection::MedicalHistory
                | MedicalSection::Symptoms
                | MedicalSection::BreastFeatures
        )
    }
}

labelled_enum! {
    /// A section's review status tag.
    pub enum SectionStatus ("section status") {
        ToReview => ("to_review", "To review"),
        Reviewed => ("reviewed", "Reviewed"),
    }
}

/// The status of `section` given the sections marked reviewed.
pub fn section_status(section: MedicalSection, reviewed: &[MedicalSection]) -> SectionStatus {
    if reviewed.contains(&section) {
        SectionStatus::Reviewed
    } else {
        SectionStatus::ToReview
    }
}

/// Whether every section is marked reviewed.
pub fn all_reviewed(reviewed: &[MedicalSection]) -> bool {
    MedicalSection::ALL.iter().all(|s| reviewed.contains(s))
}

// ---------------------------------------------------------------------------------------------
// Carry-forward
// ---------------------------------------------------------------------------------------------

/// An item recorded in an earlier episode, shown again for the mammographer to confirm,
/// update or remove (rather than asking from zero).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CarriedForward<T> {
    /// The item as last recorded.
    pub item: T,
    /// When it was last recorded (or updated).
    pub recorded_on: Date,
    /// Whether it has been confirmed (or updated) in this appointment.
    pub confirmed: bool,
}

impl<T> CarriedForward<T> {
    /// An item carried forward from `recorded_on`, not yet confirmed.
    pub fn new(item: T, recorded_on: Date) -> Self {
        CarriedForward {
            item,
            recorded_on,
            confirmed: false,
        }
    }

    /// The participant confirms the item is still right.
    pub fn confirm(&mut self) {
        self.confirmed = true;
    }

    /// The item is corrected `on` a date; an update counts as confirmation.
    pub fn update(&mut self, item: T, on: Date) {
        self.item = item;
        self.recorded_on = on;
        self.confirmed = true;
    }
}

/// Why a section cannot be marked reviewed yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error(
    "Confirm, update or remove {} carried forward from a previous appointment before marking this section as reviewed",
    if *.unconfirmed == 1 { "the item".to_owned() } else { format!("the {} items", .unconfirmed) }
)]
pub struct SectionNotReviewable {
    /// How many carried-forward items are still unconfirmed.
    pub unconfirmed: usize,
}

/// A section may be marked reviewed only when every item carried forward into it has been
/// confirmed or updated (removed items are simply no longer in `items`).
pub fn section_reviewable<T>(items: &[CarriedForward<T>]) -> Result<(), SectionNotReviewable> {
    let unconfirmed = items.iter().filter(|i| !i.confirmed).count();
    if unconfirmed == 0 {
        Ok(())
    } else {
        Err(SectionNotReviewable { unconfirmed })
    }
}

// ---------------------------------------------------------------------------------------------
// Special appointments
// ---------------------------------------------------------------------------------------------

/// "Are any of these reasons temporary?"
pub const SUPPORT_TEMPORARY_QUESTION: &str = "Are any of these reasons temporary?";

/// "Why does {name} need additional support?"
pub fn support_question(name: &str) -> String {
    format!("Why does {name} need additional support?")
}

/// Checks a special appointment: at least one reason, each once, each with details of the
/// support required (field `"{reason value}_details"`), and an answer to
/// [`SUPPORT_TEMPORARY_QUESTION`].
pub fn validate_support(
    needs: &[(SupportReason, String)],
    temporary: Option<bool>,
) -> Result<(), Vec<FieldError>> {
    let mut e = Errors::default();
    if needs.is_empty() {
        e.add("reasons", "Select why they need additional support");
    }
    for (i, (reason, _)) in needs.iter().enumerate() {
        if needs[..i].iter().any(|(r, _)| r == reason) {
            e.add("reasons", "Select each reason only once");
            break;
        }
    }
    for (reason, details) in needs {
        if is_blank(details) {
            e.add(
                format!("{}_details", reason.as_str()),
                format!(
                    "Describe the support required for {}",
                    reason.label().to_lowercase()
                ),
            );
        }
    }
    if temporary.is_none() {
        e.add(
            "temporary",
            "Select whether any of these reasons are temporary",
        );
    }
    e.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    /// The fields named by a validation result, in order (empty when valid).
    fn fields(result: Result<(), Vec<FieldError>>) -> Vec<String> {
        result
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.field.into_owned())
            .collect()
    }

    /// The messages of a validation result, in order.
    fn messages(result: Result<(), Vec<FieldError>>) -> Vec<String> {
        result
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.message.into_owned())
            .collect()
    }

    const TODAY: Date = date!(2026 - 07 - 15);

    #[test]
    fn add_months_clamps_to_month_end() {
        let table = [
            (date!(2025 - 08 - 31), 6, date!(2026 - 02 - 28)),
            (date!(2023 - 08 - 31), 6, date!(2024 - 02 - 29)),
            (date!(2023 - 08 - 29), 6, date!(2024 - 02 - 29)),
            (date!(2025 - 08 - 29), 6, date!(2026 - 02 - 28)),
            (date!(2026 - 03 - 31), 6, date!(2026 - 09 - 30)),
            (date!(2025 - 09 - 15), 6, date!(2026 - 03 - 15)),
            (date!(2025 - 07 - 10), 6, date!(2026 - 01 - 10)),
            (date!(2025 - 12 - 31), 0, date!(2025 - 12 - 31)),
            (date!(2025 - 12 - 31), 2, date!(2026 - 02 - 28)),
            (date!(2025 - 01 - 31), 25, date!(2027 - 02 - 28)),
            (date!(9999 - 12 - 31), 6, Date::MAX),
        ];
        for (from, months, expected) in table {
            assert_eq!(add_months(from, months), expected, "{from} + {months}");
        }
    }

    #[test]
    fn six_month_rule_table() {
        use MammogramWhen::*;
        // (mammogram, today, within six months)
        let table = [
            // Exactly six months ago may proceed; a day less may not.
            (
                ExactDate(date!(2025 - 09 - 15)),
                date!(2026 - 03 - 15),
                false,
            ),
            (
                ExactDate(date!(2025 - 09 - 16)),
                date!(2026 - 03 - 15),
                true,
            ),
            (
                ExactDate(date!(2025 - 09 - 14)),
                date!(2026 - 03 - 15),
                false,
            ),
            // Today looking back from 31 August: the boundary is 28 February (29 in a leap year).
            (
                ExactDate(date!(2026 - 02 - 28)),
                date!(2026 - 08 - 31),
                false,
            ),
            (
                ExactDate(date!(2026 - 03 - 01)),
                date!(2026 - 08 - 31),
                true,
            ),
            (
                ExactDate(date!(2024 - 02 - 29)),
                date!(2024 - 08 - 31),
                false,
            ),
            (
                ExactDate(date!(2024 - 03 - 01)),
                date!(2024 - 08 - 31),
                true,
            ),
            (
                ExactDate(date!(2024 - 02 - 28)),
                date!(2024 - 08 - 30),
                false,
            ),
            // A mammogram on 31 August: 28 February (29 in a leap year) minus six months is
            // 28 (29) August, so it is within six months until the end of February.
            (
                ExactDate(date!(2025 - 08 - 31)),
                date!(2026 - 02 - 28),
                true,
            ),
            (
                ExactDate(date!(2025 - 08 - 31)),
                date!(2026 - 03 - 01),
                false,
            ),
            (
                ExactDate(date!(2025 - 08 - 31)),
                date!(2026 - 02 - 27),
                true,
            ),
            (
                ExactDate(date!(2023 - 08 - 31)),
                date!(2024 - 02 - 29),
                true,
            ),
            (
                ExactDate(date!(2023 - 08 - 29)),
                date!(2024 - 02 - 29),
                false,
            ),
            (
                ExactDate(date!(2023 - 08 - 31)),
                date!(2024 - 02 - 28),
                true,
            ),
            (
                ExactDate(date!(2023 - 08 - 29)),
                date!(2024 - 02 - 28),
                true,
            ),
            (
                ExactDate(date!(2023 - 08 - 28)),
                date!(2024 - 02 - 28),
                false,
            ),
            // Across a year end.
            (
                ExactDate(date!(2025 - 07 - 10)),
                date!(2026 - 01 - 10),
                false,
            ),
            (
                ExactDate(date!(2025 - 07 - 11)),
                date!(2026 - 01 - 10),
                true,
            ),
            // Today, long ago, and (invalid) future dates.
            (ExactDate(date!(2026 - 07 - 15)), TODAY, true),
            (ExactDate(date!(2023 - 07 - 15)), TODAY, false),
            (ExactDate(date!(2026 - 07 - 16)), TODAY, true),
            // "Not sure" answers.
            (NotSureLessThan6Months, TODAY, true),
            (NotSureAtLeast6Months, TODAY, false),
        ];
        for (when, today, within) in table {
            assert_eq!(
                within_six_months(&when, today),
                within,
                "{when:?} on {today}"
            );
        }
    }

    fn mammogram(when: MammogramWhen, reason: Option<&str>) -> PreviousMammogram {
        PreviousMammogram {
            location: MammogramLocation::OutsideUk {
                details: "Paris".into(),
            },
            when,
            previous_name: None,
            details: String::new(),
            reason_to_continue: reason.map(str::to_owned),
        }
    }

    #[test]
    fn mammogram_history_decision_table() {
        use MammogramWhen::*;
        use SixMonthRule::*;
        let old = ExactDate(date!(2025 - 01 - 15));
        let recent = ExactDate(date!(2026 - 05 - 01));
        let table: &[(&[PreviousMammogram], SixMonthRule)] = &[
            (&[], Clear),
            (&[mammogram(old, None)], Clear),
            (&[mammogram(NotSureAtLeast6Months, None)], Clear),
            (&[mammogram(recent, None)], ShouldNotProceed),
            (&[mammogram(NotSureLessThan6Months, None)], ShouldNotProceed),
            (&[mammogram(recent, Some("   "))], ShouldNotProceed),
            (&[mammogram(recent, Some("Symptomatic referral"))], Clear),
            (
                &[mammogram(old, None), mammogram(recent, None)],
                ShouldNotProceed,
            ),
            (
                &[
                    mammogram(recent, Some("Clinician agreed")),
                    mammogram(NotSureLessThan6Months, None),
                ],
                ShouldNotProceed,
            ),
        ];
        for (mammograms, expected) in table {
            assert_eq!(
                mammogram_history_decision(mammograms, TODAY),
                *expected,
                "{mammograms:?}"
            );
        }
        assert_eq!(ShouldNotProceed.label(), SHOULD_NOT_PROCEED);
    }

    #[test]
    fn previous_mammogram_validation() {
        let ok = mammogram(MammogramWhen::ExactDate(TODAY), None);
        let table: Vec<(PreviousMammogram, Vec<&str>)> = vec![
            (ok.clone(), vec![]),
            (
                mammogram(MammogramWhen::ExactDate(date!(2026 - 07 - 16)), None),
                vec!["when"],
            ),
            (
                mammogram(MammogramWhen::NotSureLessThan6Months, None),
                vec![],
            ),
            (
                mammogram(MammogramWhen::NotSureLessThan6Months, Some(" ")),
                vec!["reason_to_continue"],
            ),
            (
                mammogram(MammogramWhen::NotSureLessThan6Months, Some("Agreed")),
                vec![],
            ),
            (
                PreviousMammogram {
                    location: MammogramLocation::AnotherNhsUnit { unit: " ".into() },
                    previous_name: Some(String::new()),
                    ..ok.clone()
                },
                vec!["unit", "previous_name"],
            ),
            (
                PreviousMammogram {
                    location: MammogramLocation::ElsewhereInUk {
                        details: String::new(),
                    },
                    ..ok.clone()
                },
                vec![],
            ),
        ];
        for (m, expected) in table {
            assert_eq!(fields(m.validate(TODAY)), expected, "{m:?}");
        }
        assert_eq!(
            messages(
                mammogram(MammogramWhen::ExactDate(date!(2027 - 01 - 01)), None).validate(TODAY)
            ),
            ["Date of the mammogram must be today or in the past"]
        );
        assert_eq!(
            validate_reason_to_continue("  Referred by GP "),
            Ok("Referred by GP".to_owned())
        );
        assert_eq!(
            validate_reason_to_continue(" ").unwrap_err().message,
            "Enter a reason for continuing with this appointment"
        );
    }

    #[test]
    fn mammogram_labels_and_summaries() {
        let locations = [
            (MammogramLocation::ThisUnit, "At this unit", "At this unit"),
            (
                MammogramLocation::AnotherNhsUnit {
                    unit: "Leeds".into(),
                },
                "At another NHS breast screening unit",
                "At another NHS breast screening unit: Leeds",
            ),
            (
                MammogramLocation::ElsewhereInUk {
                    details: String::new(),
                },
                "Somewhere else in the UK",
                "Somewhere else in the UK",
            ),
            (
                MammogramLocation::OutsideUk {
                    details: " Paris ".into(),
                },
                "Outside the UK",
                "Outside the UK: Paris",
            ),
            (
                MammogramLocation::PreferNotToSay,
                "Prefer not to say",
                "Prefer not to say",
            ),
        ];
        assert_eq!(locations.len(), MammogramLocationKind::ALL.len());
        for (location, label, described) in locations {
            assert_eq!(location.label(), label);
            assert_eq!(location.describe(), described);
        }
        let whens = [
            (
                MammogramWhen::ExactDate(date!(2026 - 03 - 01)),
                "1 March 2026",
            ),
            (
                MammogramWhen::NotSureAtLeast6Months,
                "Not sure (at least 6 months ago)",
            ),
            (
                MammogramWhen::NotSureLessThan6Months,
                "Not sure (less than 6 months ago)",
            ),
        ];
        for (when, text) in whens {
            assert_eq!(when.describe(), text);
        }
        assert_eq!(
            mammogram(MammogramWhen::ExactDate(date!(2026 - 03 - 01)), None).summary(),
            "Outside the UK: Paris, 1 March 2026"
        );
    }

    fn valid_cancer() -> BreastCancer {
        BreastCancer {
            location: Some(CancerLocation::RightBreast),
            right_procedure: Some(BreastProcedure::Lumpectomy),
            left_procedure: Some(BreastProcedure::NoProcedure),
            right_other_surgery: vec![OtherSurgery::LymphNodeSurgery],
            left_other_surgery: vec![OtherSurgery::NoOtherSurgery],
            right_radiotherapy: vec![Radiotherapy::Breast, Radiotherapy::LymphNode],
            left_radiotherapy: vec![Radiotherapy::NoRadiotherapy],
            systemic_treatments: vec![SystemicTreatment::Chemotherapy],
            systemic_other_details: String::new(),
            diagnosis_year: Some(RecordedYear::exact(2019)),
            treatment_location: Some(TreatmentLocation::NhsClinicOrHospital),
            treatment_location_details: String::new(),
            details: String::new(),
        }
    }

    #[test]
    fn breast_cancer_validation_table() {
        let ok = valid_cancer();
        let table: Vec<(BreastCancer, Vec<&str>)> = vec![
            (ok.clone(), vec![]),
            (
                BreastCancer::default(),
                vec![
                    "location",
                    "right_procedure",
                    "left_procedure",
                    "right_other_surgery",
                    "left_other_surgery",
                    "right_radiotherapy",
                    "left_radiotherapy",
                    "systemic_treatments",
                    "treatment_location",
                ],
            ),
            // Everything "Not known" is a complete answer.
            (
                BreastCancer {
                    location: Some(CancerLocation::NotKnown),
                    right_procedure: Some(BreastProcedure::NotKnown),
                    left_procedure: Some(BreastProcedure::NotKnown),
                    right_other_surgery: vec![OtherSurgery::NotKnown],
                    left_other_surgery: vec![OtherSurgery::NotKnown],
                    right_radiotherapy: vec![Radiotherapy::NotKnown],
                    left_radiotherapy: vec![Radiotherapy::NotKnown],
                    systemic_treatments: vec![SystemicTreatment::NotKnown],
                    diagnosis_year: None,
                    treatment_location: Some(TreatmentLocation::NotKnown),
                    ..BreastCancer::default()
                },
                vec![],
            ),
            (
                BreastCancer {
                    right_other_surgery: vec![
                        OtherSurgery::Reconstruction,
                        OtherSurgery::NoOtherSurgery,
                    ],
                    left_radiotherapy: vec![Radiotherapy::NotKnown, Radiotherapy::Breast],
                    systemic_treatments: vec![
                        SystemicTreatment::NoSystemicTreatments,
                        SystemicTreatment::HormoneTherapy,
                    ],
                    ..ok.clone()
                },
                vec![
                    "right_other_surgery",
                    "left_radiotherapy",
                    "systemic_treatments",
                ],
            ),
            (
                BreastCancer {
                    systemic_treatments: vec![SystemicTreatment::Other],
                    systemic_other_details: "  ".into(),
                    ..ok.clone()
                },
                vec!["systemic_other_details"],
            ),
            (
                BreastCancer {
                    systemic_treatments: vec![SystemicTreatment::Other],
                    systemic_other_details: "Immunotherapy".into(),
                    ..ok.clone()
                },
                vec![],
            ),
            (
                BreastCancer {
                    diagnosis_year: Some(RecordedYear::exact(2027)),
                    ..ok.clone()
                },
                vec!["diagnosis_year"],
            ),
            (
                BreastCancer {
                    diagnosis_year: Some(RecordedYear::approximate(2026)),
                    ..ok.clone()
                },
                vec![],
            ),
            (
                BreastCancer {
                    diagnosis_year: Some(RecordedYear::exact(1899)),
                    ..ok.clone()
                },
                vec!["diagnosis_year"],
            ),
        ];
        for (item, expected) in table {
            assert_eq!(fields(item.validate(TODAY)), expected, "{item:?}");
        }
        let future = BreastCancer {
            diagnosis_year: Some(RecordedYear::exact(2030)),
            right_other_surgery: vec![OtherSurgery::Symmetrisation, OtherSurgery::NotKnown],
            ..ok
        };
        assert_eq!(
            messages(future.validate(TODAY)),
            [
                "Year of diagnosis must be this year or in the past",
                "Select 'Not known' on its own, or remove it to select other options",
            ]
        );
    }

    #[test]
    fn implanted_device_validation_table() {
        let ok = ImplantedMedicalDevice {
            device: Some(DeviceType::CardiacDevice),
            ..Default::default()
        };
        let table: Vec<(ImplantedMedicalDevice, Vec<&str>)> = vec![
            (ok.clone(), vec![]),
            (ImplantedMedicalDevice::default(), vec!["device"]),
            (
                ImplantedMedicalDevice {
                    device: Some(DeviceType::NotKnown),
                    ..Default::default()
                },
                vec![],
            ),
            (
                ImplantedMedicalDevice {
                    device: Some(DeviceType::Other),
                    ..Default::default()
                },
                vec!["other_description"],
            ),
            (
                ImplantedMedicalDevice {
                    device: Some(DeviceType::Other),
                    other_description: "Port-a-cath".into(),
                    ..Default::default()
                },
                vec![],
            ),
            (
                ImplantedMedicalDevice {
                    removal_year: Some(RecordedYear::exact(2020)),
                    ..ok.clone()
                },
                vec!["removal_year"],
            ),
            (
                ImplantedMedicalDevice {
                    removed: true,
                    removal_year: Some(RecordedYear::exact(2020)),
                    ..ok.clone()
                },
                vec![],
            ),
            (
                ImplantedMedicalDevice {
                    removed: true,
                    removal_year: None,
                    ..ok.clone()
                },
                vec![],
            ),
            (
                ImplantedMedicalDevice {
                    removed: true,
                    removal_year: Some(RecordedYear::exact(2027)),
                    ..ok.clone()
                },
                vec!["removal_year"],
            ),
        ];
        for (item, expected) in table {
            assert_eq!(fields(item.validate(TODAY)), expected, "{item:?}");
        }
    }

    fn implants(right: Augmentation, left: Augmentation) -> BreastImplants {
        BreastImplants {
            right: Some(right),
            left: Some(left),
            ..Default::default()
        }
    }

    #[test]
    fn implant_consent_options_and_outcomes() {
        use Augmentation::*;
        use ImplantConsent as C;
        // (right, left, removed, options offered)
        let table: &[(Augmentation, Augmentation, bool, &[ImplantConsent])] = &[
            (Implants, Implants, false, &[C::Yes, C::NoEndAppointment]),
            (
                Implants,
                NoAugmentation,
                false,
                &[C::Yes, C::NoButLeftBreast, C::NoEndAppointment],
            ),
            (
                OtherAugmentation,
                Implants,
                false,
                &[C::Yes, C::NoButRightBreast, C::NoEndAppointment],
            ),
            (
                NotKnown,
                Implants,
                false,
                &[C::Yes, C::NoButRightBreast, C::NoEndAppointment],
            ),
            (OtherAugmentation, NoAugmentation, false, &[]),
            (Implants, Implants, true, &[]),
        ];
        for &(right, left, removed, options) in table {
            let item = BreastImplants {
                removed,
                ..implants(right, left)
            };
            assert_eq!(
                item.consent_options(),
                options,
                "{right:?} {left:?} {removed}"
            );
            assert_eq!(item.consent_required(), !options.is_empty());
            if options.is_empty() {
                assert_eq!(
                    item.consent_outcome(),
                    Some(ImplantConsentOutcome::Continue)
                );
            } else {
                assert_eq!(item.consent_outcome(), None);
            }
        }

        let outcomes = [
            (C::Yes, "Yes", ImplantConsentOutcome::Continue),
            (
                C::NoButRightBreast,
                "No, but right breast (no implant) can be scanned",
                ImplantConsentOutcome::ContinueWithOneBreast(Side::Right),
            ),
            (
                C::NoButLeftBreast,
                "No, but left breast (no implant) can be scanned",
                ImplantConsentOutcome::ContinueWithOneBreast(Side::Left),
            ),
            (
                C::NoEndAppointment,
                "No, end appointment",
                ImplantConsentOutcome::EndAppointment,
            ),
        ];
        assert_eq!(outcomes.len(), C::ALL.len());
        for (consent, label, outcome) in outcomes {
            assert_eq!(consent.label(), label);
            assert_eq!(consent.outcome(), outcome);
            let item = BreastImplants {
                consent: Some(consent),
                ..implants(Implants, Implants)
            };
            assert_eq!(item.consent_outcome(), Some(outcome));
        }
    }

    #[test]
    fn breast_implants_validation_table() {
        use Augmentation::*;
        let with_consent = |right, left, consent| BreastImplants {
            consent: Some(consent),
            ..implants(right, left)
        };
        let table: Vec<(BreastImplants, Vec<&str>)> = vec![
            (
                with_consent(Implants, Implants, ImplantConsent::Yes),
                vec![],
            ),
            (BreastImplants::default(), vec!["right", "left"]),
            (implants(Implants, NoAugmentation), vec!["consent"]),
            (implants(OtherAugmentation, NoAugmentation), vec![]),
            (implants(NoAugmentation, NoAugmentation), vec!["right"]),
            (
                with_consent(Implants, NoAugmentation, ImplantConsent::NoButLeftBreast),
                vec![],
            ),
            // The breast named must be the one without an implant.
            (
                with_consent(Implants, NoAugmentation, ImplantConsent::NoButRightBreast),
                vec!["consent"],
            ),
            (
                with_consent(Implants, Implants, ImplantConsent::NoButLeftBreast),
                vec!["consent"],
            ),
            (
                BreastImplants {
                    removed: true,
                    removal_year: Some(RecordedYear::exact(2015)),
                    ..implants(Implants, Implants)
                },
                vec![],
            ),
            (
                BreastImplants {
                    removal_year: Some(RecordedYear::exact(2015)),
                    consent: Some(ImplantConsent::Yes),
                    ..implants(Implants, Implants)
                },
                vec!["removal_year"],
            ),
            (
                BreastImplants {
                    removed: true,
                    removal_year: Some(RecordedYear::exact(2099)),
                    ..implants(Implants, NoAugmentation)
                },
                vec!["removal_year"],
            ),
        ];
        for (item, expected) in table {
            assert_eq!(fields(item.validate(TODAY)), expected, "{item:?}");
        }
    }

    fn mastectomy(right: BreastProcedure, left: BreastProcedure) -> MastectomyOrLumpectomy {
        MastectomyOrLumpectomy {
            right_procedure: Some(right),
            left_procedure: Some(left),
            reason: Some(SurgeryReason::RiskReduction),
            ..Default::default()
        }
    }

    #[test]
    fn mastectomy_validation_table() {
        use BreastProcedure::*;
        let table: Vec<(MastectomyOrLumpectomy, Vec<&str>)> = vec![
            (mastectomy(MastectomyNoTissueRemaining, NoProcedure), vec![]),
            (mastectomy(NotKnown, NotKnown), vec![]),
            (
                MastectomyOrLumpectomy::default(),
                vec!["right_procedure", "left_procedure", "reason"],
            ),
            (
                mastectomy(NoProcedure, NoProcedure),
                vec!["right_procedure"],
            ),
            (
                MastectomyOrLumpectomy {
                    reason: Some(SurgeryReason::Other),
                    ..mastectomy(Lumpectomy, NoProcedure)
                },
                vec!["reason_details"],
            ),
            (
                MastectomyOrLumpectomy {
                    reason: Some(SurgeryReason::Other),
                    reason_details: "Abscess".into(),
                    ..mastectomy(Lumpectomy, NoProcedure)
                },
                vec![],
            ),
            (
                MastectomyOrLumpectomy {
                    reason: Some(SurgeryReason::NotKnown),
                    year: Some(RecordedYear::exact(2027)),
                    ..mastectomy(Lumpectomy, NoProcedure)
                },
                vec!["year"],
            ),
        ];
        for (item, expected) in table {
            assert_eq!(fields(item.validate(TODAY)), expected, "{item:?}");
        }
        assert_eq!(
            SurgeryReason::GenderAffirmation.label(),
            "Gender affirmation (top surgery)"
        );
    }

    #[test]
    fn cysts_lumps_and_other_procedures_validation() {
        let table: Vec<(MedicalHistoryItem, Vec<&str>)> = vec![
            (
                MedicalHistoryItem::Cysts(Cysts::default()),
                vec!["treatment"],
            ),
            (
                MedicalHistoryItem::Cysts(Cysts {
                    treatment: Some(CystTreatment::NotKnown),
                    ..Default::default()
                }),
                vec![],
            ),
            (
                MedicalHistoryItem::BenignLumps(BenignLumps::default()),
                vec!["treatment"],
            ),
            (
                MedicalHistoryItem::BenignLumps(BenignLumps {
                    treatment: Some(BenignLumpTreatment::NeedleBiopsy),
                    diagnosis_year: Some(RecordedYear::exact(2030)),
                    ..Default::default()
                }),
                vec!["diagnosis_year"],
            ),
            (
                MedicalHistoryItem::BenignLumps(BenignLumps {
                    treatment: Some(BenignLumpTreatment::LumpRemoved),
                    diagnosis_year: Some(RecordedYear::approximate(2010)),
                    ..Default::default()
                }),
                vec![],
            ),
            (
                MedicalHistoryItem::OtherProcedures(OtherProcedures::default()),
                vec!["procedure"],
            ),
            (
                MedicalHistoryItem::OtherProcedures(OtherProcedures {
                    procedure: Some(OtherProcedureKind::Other),
                    ..Default::default()
                }),
                vec!["other_description"],
            ),
            (
                MedicalHistoryItem::OtherProcedures(OtherProcedures {
                    procedure: Some(OtherProcedureKind::NippleCorrection),
                    year: Some(RecordedYear::exact(1850)),
                    ..Default::default()
                }),
                vec!["year"],
            ),
            (
                MedicalHistoryItem::OtherProcedures(OtherProcedures {
                    procedure: Some(OtherProcedureKind::NotKnown),
                    ..Default::default()
                }),
                vec![],
            ),
        ];
        for (item, expected) in table {
            assert_eq!(fields(item.validate(TODAY)), expected, "{item:?}");
        }
    }

    #[test]
    fn medical_history_summaries() {
        let table = [
            (
                MedicalHistoryItem::BreastCancer(valid_cancer()),
                "Breast cancer: Right breast; diagnosed 2019; right: Lumpectomy",
            ),
            (
                MedicalHistoryItem::BreastCancer(BreastCancer::default()),
                "Breast cancer",
            ),
            (
                MedicalHistoryItem::ImplantedMedicalDevice(ImplantedMedicalDevice {
                    device: Some(DeviceType::HickmanLine),
                    removed: true,
                    removal_year: Some(RecordedYear::approximate(2020)),
                    ..Default::default()
                }),
                "Implanted medical device: Hickman line; removed 2020 (approximate)",
            ),
            (
                MedicalHistoryItem::ImplantedMedicalDevice(ImplantedMedicalDevice {
                    device: Some(DeviceType::Other),
                    other_description: "Port".into(),
                    ..Default::default()
                }),
                "Implanted medical device: Port",
            ),
            (
                MedicalHistoryItem::BreastImplants(implants(
                    Augmentation::Implants,
                    Augmentation::NoAugmentation,
                )),
                "Breast implants or augmentation: right: Breast implants",
            ),
            (
                MedicalHistoryItem::MastectomyOrLumpectomy(mastectomy(
                    BreastProcedure::MastectomyNoTissueRemaining,
                    BreastProcedure::MastectomyTissueRemaining,
                )),
                "Mastectomy or lumpectomy: right: Mastectomy (no tissue remaining); \
                 left: Mastectomy (tissue remaining); Risk reduction",
            ),
            (
                MedicalHistoryItem::Cysts(Cysts {
                    treatment: Some(CystTreatment::DrainageOrRemoval),
                    ..Default::default()
                }),
                "Cysts: Drainage or removal",
            ),
            (
                MedicalHistoryItem::BenignLumps(BenignLumps {
                    treatment: Some(BenignLumpTreatment::NeedleBiopsy),
                    diagnosis_year: Some(RecordedYear::exact(2015)),
                    ..Default::default()
                }),
                "Benign lumps: Needle biopsy; diagnosed 2015",
            ),
            (
                MedicalHistoryItem::OtherProcedures(OtherProcedures {
                    procedure: Some(OtherProcedureKind::BreastReduction),
                    year: Some(RecordedYear::exact(2010)),
                    ..Default::default()
                }),
                "Other procedures: Breast reduction; 2010",
            ),
        ];
        for (item, summary) in table {
            assert_eq!(item.summary(), summary);
            assert!(summary.starts_with(item.kind().label()));
        }
    }

    #[test]
    fn breasts_without_tissue_table() {
        use BreastProcedure::*;
        let cancer = |right, left| {
            MedicalHistoryItem::BreastCancer(BreastCancer {
                right_procedure: Some(right),
                left_procedure: Some(left),
                ..valid_cancer()
            })
        };
        let other =
            |right, left| MedicalHistoryItem::MastectomyOrLumpectomy(mastectomy(right, left));
        let table: Vec<(Vec<MedicalHistoryItem>, Vec<Side>)> = vec![
            (vec![], vec![]),
            (vec![cancer(Lumpectomy, NoProcedure)], vec![]),
            (vec![cancer(MastectomyTissueRemaining, NoProcedure)], vec![]),
            (vec![cancer(NotKnown, NotKnown)], vec![]),
            (
                vec![cancer(MastectomyNoTissueRemaining, NoProcedure)],
                vec![Side::Right],
            ),
            (
                vec![other(NoProcedure, MastectomyNoTissueRemaining)],
                vec![Side::Left],
            ),
            (
                vec![
                    other(NoProcedure, MastectomyNoTissueRemaining),
                    cancer(MastectomyNoTissueRemaining, NoProcedure),
                ],
                vec![Side::Right, Side::Left],
            ),
            (
                vec![
                    cancer(MastectomyNoTissueRemaining, MastectomyNoTissueRemaining),
                    other(MastectomyNoTissueRemaining, NoProcedure),
                ],
                vec![Side::Right, Side::Left],
            ),
            (vec![MedicalHistoryItem::Cysts(Cysts::default())], vec![]),
        ];
        for (items, expected) in table {
            assert_eq!(breasts_without_tissue(&items), expected, "{items:?}");
            assert_eq!(no_breast_tissue(&items), expected.len() == 2);
        }
    }

    #[test]
    fn implants_across_history() {
        use Augmentation::*;
        let item = |b: BreastImplants| MedicalHistoryItem::BreastImplants(b);
        let cysts = MedicalHistoryItem::Cysts(Cysts::default());
        // (items, has implants, consent outcome)
        let table: Vec<(Vec<MedicalHistoryItem>, bool, Option<ImplantConsentOutcome>)> = vec![
            (vec![], false, Some(ImplantConsentOutcome::Continue)),
            (
                vec![cysts.clone()],
                false,
                Some(ImplantConsentOutcome::Continue),
            ),
            (
                vec![item(implants(OtherAugmentation, NoAugmentation))],
                false,
                Some(ImplantConsentOutcome::Continue),
            ),
            (
                vec![item(BreastImplants {
                    removed: true,
                    ..implants(Implants, Implants)
                })],
                false,
                Some(ImplantConsentOutcome::Continue),
            ),
            (
                vec![cysts, item(implants(Implants, NoAugmentation))],
                true,
                None,
            ),
            (
                vec![item(BreastImplants {
                    consent: Some(ImplantConsent::NoButLeftBreast),
                    ..implants(Implants, NoAugmentation)
                })],
                true,
                Some(ImplantConsentOutcome::ContinueWithOneBreast(Side::Left)),
            ),
            (
                vec![item(BreastImplants {
                    consent: Some(ImplantConsent::NoEndAppointment),
                    ..implants(Implants, Implants)
                })],
                true,
                Some(ImplantConsentOutcome::EndAppointment),
            ),
        ];
        for (items, has, outcome) in table {
            assert_eq!(has_implants(&items), has, "{items:?}");
            assert_eq!(implant_consent_outcome(&items), outcome, "{items:?}");
        }
    }

    #[test]
    fn only_one_breast_implants_entry() {
        let items = vec![
            MedicalHistoryItem::Cysts(Cysts::default()),
            MedicalHistoryItem::BreastImplants(BreastImplants::default()),
        ];
        for kind in MedicalHistoryType::ALL {
            let expected = *kind != MedicalHistoryType::BreastImplants;
            assert_eq!(can_add(&items, *kind), expected, "{kind:?}");
            assert_eq!(kind.allows_multiple(), expected);
            assert!(can_add(&[], *kind));
        }
        assert_eq!(
            MedicalHistoryType::BreastImplants.label(),
            "Breast implants or augmentation"
        );
    }

    fn symptom(kind: SymptomKind) -> Symptom {
        Symptom {
            area: Some(SymptomArea::Right),
            started: Some(SymptomStarted::LessThan3Months),
            ..Symptom::new(kind)
        }
    }

    #[test]
    fn significance_table() {
        use SymptomKind::*;
        // (kind, significant by default, asks the highlight question)
        let kinds = [
            (Lump, true),
            (SwellingOrShapeChange, true),
            (SkinChange(self::SkinChange::Rash), true),
            (SkinChange(self::SkinChange::Other), true),
            (NippleChange(self::NippleChange::BloodyDischarge), true),
            (NippleChange(self::NippleChange::Inversion), true),
            (BreastPain, false),
            (Other, false),
        ];
        for (kind, by_default) in kinds {
            assert_eq!(kind.significant_by_default(), by_default, "{kind:?}");
            assert_eq!(kind.asks_highlight(), !by_default, "{kind:?}");
            for (answer, expected) in [
                (None, by_default),
                (Some(true), true),
                (Some(false), by_default),
            ] {
                let s = Symptom {
                    highlight_to_readers: answer,
                    ..symptom(kind)
                };
                assert_eq!(is_significant(&s), expected, "{kind:?} {answer:?}");
            }
        }
    }

    #[test]
    fn symptom_validation_table() {
        use SymptomKind::*;
        let ok = symptom(Lump);
        let table: Vec<(Symptom, Vec<&str>)> = vec![
            (ok.clone(), vec![]),
            (Symptom::new(Lump), vec!["area", "started"]),
            (symptom(BreastPain), vec!["highlight_to_readers"]),
            (
                Symptom {
                    highlight_to_readers: Some(false),
                    ..symptom(BreastPain)
                },
                vec![],
            ),
            (
                Symptom {
                    highlight_to_readers: Some(true),
                    ..symptom(Other)
                },
                vec!["description"],
            ),
            (
                Symptom {
                    highlight_to_readers: Some(true),
                    description: "Itching".into(),
                    ..symptom(Other)
                },
                vec![],
            ),
            (
                symptom(SkinChange(self::SkinChange::Other)),
                vec!["description"],
            ),
            (
                symptom(NippleChange(self::NippleChange::Other)),
                vec!["description"],
            ),
            (
                symptom(NippleChange(self::NippleChange::ShapeChange)),
                vec![],
            ),
            (
                Symptom {
                    area: Some(SymptomArea::Other),
                    ..ok.clone()
                },
                vec!["area_description"],
            ),
            (
                Symptom {
                    area: Some(SymptomArea::Other),
                    area_description: "Left armpit".into(),
                    ..ok.clone()
                },
                vec![],
            ),
            (
                Symptom {
                    started: Some(SymptomStarted::SinceDate(date!(2026 - 07 - 16))),
                    ..ok.clone()
                },
                vec!["started"],
            ),
            (
                Symptom {
                    started: Some(SymptomStarted::SinceDate(TODAY)),
                    ..ok.clone()
                },
                vec![],
            ),
            (
                Symptom {
                    started: Some(SymptomStarted::NotKnown),
                    ..ok.clone()
                },
                vec![],
            ),
            (
                Symptom {
                    investigated: true,
                    ..ok.clone()
                },
                vec!["investigation_details"],
            ),
            (
                Symptom {
                    investigated: true,
                    investigation_details: "Ultrasound, 2025".into(),
                    ..ok.clone()
                },
                vec![],
            ),
            // A mammographer-noted sign need not say when it started.
            (
                Symptom {
                    started: None,
                    noted_by_mammographer_as_clinical_sign: true,
                    ..ok.clone()
                },
                vec![],
            ),
        ];
        for (s, expected) in table {
            assert_eq!(fields(s.validate(TODAY)), expected, "{s:?}");
        }
        assert_eq!(
            messages(symptom(Other).validate(TODAY)),
            [
                "Describe the symptom",
                "Select whether this symptom should be highlighted to image readers",
            ]
        );
    }

    #[test]
    fn symptom_labels_and_summaries() {
        assert_eq!(
            SymptomType::ALL
                .iter()
                .map(|t| t.label())
                .collect::<Vec<_>>(),
            [
                "Lump",
                "Swelling or shape change",
                "Skin change",
                "Nipple change",
                "Breast pain",
                "Other"
            ]
        );
        let started = [
            (SymptomStarted::LessThan3Months, "Less than 3 months"),
            (SymptomStarted::ThreeMonthsToAYear, "3 months to a year"),
            (SymptomStarted::OneToThreeYears, "1 to 3 years"),
            (SymptomStarted::OverThreeYears, "Over 3 years"),
            (
                SymptomStarted::SinceDate(date!(2026 - 03 - 01)),
                "Since 1 March 2026",
            ),
            (SymptomStarted::NotKnown, "Not known"),
        ];
        for (s, text) in started {
            assert_eq!(s.describe(), text);
        }
        let rash = Symptom {
            intermittent: true,
            noted_by_mammographer_as_clinical_sign: true,
            ..symptom(SymptomKind::SkinChange(SkinChange::Rash))
        };
        assert_eq!(
            rash.summary(),
            "Skin change (rash): Right; Less than 3 months; intermittent; mammographer-noted sign"
        );
        let other = Symptom {
            description: "Itching".into(),
            area: Some(SymptomArea::Other),
            area_description: "Under the arm".into(),
            started: None,
            ..symptom(SymptomKind::Other)
        };
        assert_eq!(other.summary(), "Other: Itching; Under the arm");
    }

    #[test]
    fn breast_feature_validation_table() {
        let ok = BreastFeature {
            kind: FeatureKind::Mole,
            description: String::new(),
            side: Side::Left,
            position: Some((0.25, 0.8)),
            location: String::new(),
        };
        let table: Vec<(BreastFeature, Vec<&str>)> = vec![
            (ok.clone(), vec![]),
            (
                BreastFeature {
                    position: Some((0.0, 1.0)),
                    ..ok.clone()
                },
                vec![],
            ),
            (
                BreastFeature {
                    position: Some((1.01, 0.5)),
                    ..ok.clone()
                },
                vec!["position"],
            ),
            (
                BreastFeature {
                    position: Some((0.5, f32::NAN)),
                    ..ok.clone()
                },
                vec!["position"],
            ),
            (
                BreastFeature {
                    position: None,
                    ..ok.clone()
                },
                vec!["position"],
            ),
            (
                BreastFeature {
                    position: None,
                    location: "Upper outer quadrant".into(),
                    ..ok.clone()
                },
                vec![],
            ),
            (
                BreastFeature {
                    kind: FeatureKind::Other,
                    ..ok.clone()
                },
                vec!["description"],
            ),
            (
                BreastFeature {
                    kind: FeatureKind::Other,
                    description: "Tattoo".into(),
                    ..ok.clone()
                },
                vec![],
            ),
        ];
        for (f, expected) in table {
            assert_eq!(fields(f.validate()), expected, "{f:?}");
        }
        let tattoo = BreastFeature {
            kind: FeatureKind::Other,
            description: "Tattoo".into(),
            location: "below the nipple".into(),
            ..ok
        };
        assert_eq!(tattoo.summary(), "Tattoo: Left breast, below the nipple");
        assert_eq!(FeatureKind::NonSurgicalScar.label(), "Non-surgical scar");
        assert_eq!(FeatureKind::BruisingOrTrauma.label(), "Bruising or trauma");
    }

    #[test]
    fn density_factors_validation() {
        let table = [
            (
                DensityFactors::default(),
                vec![
                    "hrt_started_since_last_screening",
                    "pregnant_or_breastfeeding",
                ],
            ),
            (
                DensityFactors {
                    hrt_started_since_last_screening: Some(Answer3::NotKnown),
                    pregnant_or_breastfeeding: Some(Answer3::No),
                    ..Default::default()
                },
                vec![],
            ),
            (
                DensityFactors {
                    hrt_started_since_last_screening: Some(Answer3::Yes),
                    ..Default::default()
                },
                vec!["pregnant_or_breastfeeding"],
            ),
        ];
        for (d, expected) in table {
            assert_eq!(fields(d.validate()), expected, "{d:?}");
        }
    }

    #[test]
    fn sections_and_review() {
        let table = [
            (MedicalSection::MammogramHistory, "Mammogram history", true),
            (MedicalSection::MedicalHistory, "Medical history", true),
            (MedicalSection::Symptoms, "Symptoms", true),
            (MedicalSection::BreastFeatures, "Breast features", true),
            (
                MedicalSection::BreastDensityFactors,
                "Breast density factors",
                false,
            ),
            (
                MedicalSection::OtherMedicalInformation,
                "Other medical information",
                false,
            ),
        ];
        assert_eq!(table.len(), MedicalSection::ALL.len());
        for ((section, label, carries), in_order) in table.iter().zip(MedicalSection::ALL) {
            assert_eq!(section, in_order);
            assert_eq!(section.label(), *label);
            assert_eq!(section.carries_forward(), *carries);
            assert_eq!(section.as_str().parse::<MedicalSection>(), Ok(*section));
        }
        assert_eq!(SectionStatus::ToReview.label(), "To review");
        assert_eq!(SectionStatus::Reviewed.label(), "Reviewed");

        let some = [MedicalSection::Symptoms, MedicalSection::MammogramHistory];
        assert_eq!(
            section_status(MedicalSection::Symptoms, &some),
            SectionStatus::Reviewed
        );
        assert_eq!(
            section_status(MedicalSection::BreastFeatures, &some),
            SectionStatus::ToReview
        );
        assert!(!all_reviewed(&[]));
        assert!(!all_reviewed(&some));
        assert!(!all_reviewed(&MedicalSection::ALL[1..]));
        assert!(all_reviewed(MedicalSection::ALL));
        let mut reversed = MedicalSection::ALL.to_vec();
        reversed.reverse();
        assert!(all_reviewed(&reversed));
    }

    #[test]
    fn carried_forward_reviewability() {
        let earlier = date!(2023 - 07 - 01);
        let fresh = || CarriedForward::new(Cysts::default(), earlier);
        let confirmed = || {
            let mut c = fresh();
            c.confirm();
            c
        };
        let updated = || {
            let mut c = fresh();
            c.update(
                Cysts {
                    treatment: Some(CystTreatment::NoTreatment),
                    ..Default::default()
                },
                TODAY,
            );
            c
        };
        // (items left in the section, unconfirmed count or None when reviewable)
        let table: Vec<(Vec<CarriedForward<Cysts>>, Option<usize>)> = vec![
            (vec![], None),
            (vec![fresh()], Some(1)),
            (vec![confirmed()], None),
            (vec![updated()], None),
            (vec![confirmed(), fresh(), updated(), fresh()], Some(2)),
        ];
        for (items, unconfirmed) in table {
            let result = section_reviewable(&items);
            assert_eq!(
                result.err().map(|e| e.unconfirmed),
                unconfirmed,
                "{items:?}"
            );
        }
        let u = updated();
        assert_eq!(u.recorded_on, TODAY);
        assert_eq!(u.item.treatment, Some(CystTreatment::NoTreatment));
        assert_eq!(
            SectionNotReviewable { unconfirmed: 1 }.to_string(),
            "Confirm, update or remove the item carried forward from a previous appointment \
             before marking this section as reviewed"
        );
        assert_eq!(
            SectionNotReviewable { unconfirmed: 3 }.to_string(),
            "Confirm, update or remove the 3 items carried forward from a previous appointment \
             before marking this section as reviewed"
        );
    }

    #[test]
    fn support_validation_table() {
        use SupportReason as R;
        let s = |r: R, d: &str| (r, d.to_owned());
        type Case = (Vec<(R, String)>, Option<bool>, Vec<&'static str>);
        let table: Vec<Case> = vec![
            (
                vec![s(R::BreastImplants, "Eklund technique")],
                Some(false),
                vec![],
            ),
            (vec![], None, vec!["reasons", "temporary"]),
            (
                vec![
                    s(R::Vision, "Partially sighted"),
                    s(R::PhysicalRestriction, " "),
                ],
                Some(true),
                vec!["physical_restriction_details"],
            ),
            (
                vec![s(R::Other, ""), s(R::Language, "")],
                Some(false),
                vec!["other_details", "language_details"],
            ),
            (
                vec![s(R::Hearing, "BSL"), s(R::Hearing, "BSL")],
                Some(false),
                vec!["reasons"],
            ),
            (
                vec![s(R::GenderIdentity, "End of day")],
                None,
                vec!["temporary"],
            ),
        ];
        for (needs, temporary, expected) in table {
            assert_eq!(
                fields(validate_support(&needs, temporary)),
                expected,
                "{needs:?} {temporary:?}"
            );
        }
        assert_eq!(
            messages(validate_support(
                &[s(R::SocialEmotionalMentalHealth, "")],
                Some(false)
            )),
            ["Describe the support required for social, emotional, and mental health"]
        );
        assert_eq!(
            support_question("Janet"),
            "Why does Janet need additional support?"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// One appointment's medical information (the stored "medical" document)
// ---------------------------------------------------------------------------------------------

impl<T> CarriedForward<T> {
    /// An item recorded (added) in this appointment `on` a date: nothing to confirm.
    pub fn recorded(item: T, on: Date) -> Self {
        CarriedForward {
            item,
            recorded_on: on,
            confirmed: true,
        }
    }
}

impl PreviousMammogram {
    /// Checks the answers ([`PreviousMammogram::validate`]) and, for a mammogram in the 6
    /// months before `today`, that a reason to continue is recorded: without one this
    /// appointment should not proceed (IR(ME)R), so it is not saved as going ahead.
    pub fn validate_for_appointment(&self, today: Date) -> Result<(), Vec<FieldError>> {
        let mut errors = self.validate(today).err().unwrap_or_default();
        // A blank reason is already refused by `validate`; here, no reason at all.
        if self.reason_to_continue.is_none() && self.within_six_months(today) {
            errors.extend(validate_reason_to_continue("").err());
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// Everything "Review medical information" records in one appointment, stored as the
/// appointment's "medical" document (with `all_reviewed` beside it, see
/// [`MedicalInformation::document`]) and copied to the participant when the appointment
/// finishes, to be carried into their next one ([`MedicalInformation::carried_from`]).
///
/// Decisions where the sources leave room:
///
/// - Symptoms carry forward, like mammogram history, medical history and breast features
///   ([`MedicalSection::carries_forward`]): the whole-person record keeps symptoms across
///   episodes (seed 2025-09) and history recorded once is confirmed, not asked from zero.
///   A symptom that has gone is simply removed; one still there is confirmed or updated
///   (for example when it started). So they are `CarriedForward<Symptom>`.
/// - The reason for continuing despite a mammogram in the last 6 months stays on the
///   mammogram ([`PreviousMammogram::reason_to_continue`]): there is no separate field.
/// - Answers that belong to one appointment are not carried forward: the reason to continue
///   (the rule is applied afresh), implant consent (asked at every appointment), breast
///   density factors ("since last screening"), other medical information and the review
///   marks.
/// - Items carried forward are not re-checked until they are confirmed (they were valid
///   when recorded); confirming one re-asserts it, so a confirmed item must pass today's
///   checks, including the six-month rule and implant consent.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct MedicalInformation {
    /// "Mammogram history": previous mammograms the participant reports.
    pub mammograms: Vec<CarriedForward<PreviousMammogram>>,
    /// "Medical history".
    pub history: Vec<CarriedForward<MedicalHistoryItem>>,
    /// "Symptoms" (and mammographer-noted signs).
    pub symptoms: Vec<CarriedForward<Symptom>>,
    /// "Breast features".
    pub features: Vec<CarriedForward<BreastFeature>>,
    /// "Breast density factors" (`None` until the form is saved).
    pub density: Option<DensityFactors>,
    /// "Other medical information".
    pub other: OtherMedicalInformation,
    /// The sections marked reviewed, in page order.
    pub reviewed: Vec<MedicalSection>,
    /// Why the mammographer continued although the service's own record shows a screen in
    /// the last 6 months ([`MedicalInformation::six_month_rule_with_record`]). Belongs to
    /// this appointment: never carried forward.
    pub recorded_screen_reason_to_continue: Option<String>,
}

/// The stored form of [`MedicalInformation`]: its fields, plus `all_reviewed` for readers
/// of the document that do not apply the rules themselves (the workflow's step status).
#[derive(Debug, Clone, Serialize)]
pub struct MedicalDocument<'a> {
    /// The information.
    #[serde(flatten)]
    pub information: &'a MedicalInformation,
    /// Whether every section is marked reviewed.
    pub all_reviewed: bool,
}

/// Carries the items of a section forward, or nothing when the section does not carry.
/// An item confirmed at the previous appointment was re-recorded then; one never confirmed
/// keeps the date it was recorded.
fn carry<T: Clone>(
    section: MedicalSection,
    items: &[CarriedForward<T>],
    recorded_on: Date,
    clean: impl Fn(T) -> T,
) -> Vec<CarriedForward<T>> {
    if !section.carries_forward() {
        return Vec::new();
    }
    items
        .iter()
        .map(|c| {
            let on = if c.confirmed {
                recorded_on
            } else {
                c.recorded_on.min(recorded_on)
            };
            CarriedForward::new(clean(c.item.clone()), on)
        })
        .collect()
}

/// Prefixes an item's field errors with where the item is: `history[2].location`.
fn prefixed(errors: &mut Vec<FieldError>, list: &str, index: usize, found: Vec<FieldError>) {
    errors.extend(found.into_iter().map(|e| FieldError {
        field: format!("{list}[{index}].{}", e.field).into(),
        message: e.message,
    }));
}

/// Checks the items of one list: the confirmed ones with `check`, and every item's date.
fn check_items<T>(
    errors: &mut Vec<FieldError>,
    list: &str,
    items: &[CarriedForward<T>],
    today: Date,
    check: impl Fn(&T) -> Result<(), Vec<FieldError>>,
) {
    for (i, c) in items.iter().enumerate() {
        if c.recorded_on > today {
            errors.push(FieldError::new(
                format!("{list}[{i}].recorded_on"),
                "Date recorded must be today or in the past",
            ));
        }
        if c.confirmed
            && let Err(found) = check(&c.item)
        {
            prefixed(errors, list, i, found);
        }
    }
}

impl MedicalInformation {
    /// The starting point of an appointment from the information saved by the participant's
    /// previous one (`recorded_on` being that appointment's date): the sections that carry
    /// forward come across unconfirmed, without the answers that belong to one appointment
    /// (reason to continue, implant consent); density factors, other information and the
    /// review marks start empty.
    pub fn carried_from(previous: &MedicalInformation, recorded_on: Date) -> MedicalInformation {
        MedicalInformation {
            mammograms: carry(
                MedicalSection::MammogramHistory,
                &previous.mammograms,
                recorded_on,
                |m| PreviousMammogram {
                    reason_to_continue: None,
                    ..m
                },
            ),
            history: carry(
                MedicalSection::MedicalHistory,
                &previous.history,
                recorded_on,
                |item| match item {
                    MedicalHistoryItem::BreastImplants(b) => {
                        MedicalHistoryItem::BreastImplants(BreastImplants { consent: None, ..b })
                    }
                    other => other,
                },
            ),
            symptoms: carry(
                MedicalSection::Symptoms,
                &previous.symptoms,
                recorded_on,
                |s| s,
            ),
            features: carry(
                MedicalSection::BreastFeatures,
                &previous.features,
                recorded_on,
                |f| f,
            ),
            density: None,
            other: String::new(),
            reviewed: Vec::new(),
            recorded_screen_reason_to_continue: None,
        }
    }

    /// The document to store: the information with `all_reviewed`.
    pub fn document(&self) -> MedicalDocument<'_> {
        MedicalDocument {
            information: self,
            all_reviewed: self.all_reviewed(),
        }
    }

    /// The medical history items (confirmed or not).
    pub fn history_items(&self) -> impl Iterator<Item = &MedicalHistoryItem> + '_ {
        self.history.iter().map(|c| &c.item)
    }

    /// How many items a section holds (density factors and other information count as one
    /// when answered).
    pub fn item_count(&self, section: MedicalSection) -> usize {
        match section {
            MedicalSection::MammogramHistory => self.mammograms.len(),
            MedicalSection::MedicalHistory => self.history.len(),
            MedicalSection::Symptoms => self.symptoms.len(),
            MedicalSection::BreastFeatures => self.features.len(),
            MedicalSection::BreastDensityFactors => usize::from(self.density.is_some()),
            MedicalSection::OtherMedicalInformation => usize::from(!is_blank(&self.other)),
        }
    }

    /// Whether a section may be marked reviewed now ([`section_reviewable`] over its items).
    pub fn section_reviewable(&self, section: MedicalSection) -> Result<(), SectionNotReviewable> {
        match section {
            MedicalSection::MammogramHistory => section_reviewable(&self.mammograms),
            MedicalSection::MedicalHistory => section_reviewable(&self.history),
            MedicalSection::Symptoms => section_reviewable(&self.symptoms),
            MedicalSection::BreastFeatures => section_reviewable(&self.features),
            MedicalSection::BreastDensityFactors | MedicalSection::OtherMedicalInformation => {
                Ok(())
            }
        }
    }

    /// "Mark as reviewed": refused while items carried forward into the section are
    /// unconfirmed. Marking a reviewed section again changes nothing.
    pub fn mark_reviewed(&mut self, section: MedicalSection) -> Result<(), SectionNotReviewable> {
        self.section_reviewable(section)?;
        if !self.reviewed.contains(&section) {
            self.reviewed.push(section);
            self.reviewed.sort();
        }
        Ok(())
    }

    /// "Complete all and continue": marks every section reviewed, or, when any cannot be,
    /// changes nothing and says which and why.
    pub fn mark_all_reviewed(&mut self) -> Result<(), Vec<(MedicalSection, SectionNotReviewable)>> {
        let refused: Vec<_> = MedicalSection::ALL
            .iter()
            .filter_map(|s| self.section_reviewable(*s).err().map(|e| (*s, e)))
            .collect();
        if !refused.is_empty() {
            return Err(refused);
        }
        self.reviewed = MedicalSection::ALL.to_vec();
        Ok(())
    }

    /// A section's status tag ("To review" / "Reviewed").
    pub fn status(&self, section: MedicalSection) -> SectionStatus {
        section_status(section, &self.reviewed)
    }

    /// Whether every section is marked reviewed: the step is done.
    pub fn all_reviewed(&self) -> bool {
        all_reviewed(&self.reviewed)
    }

    /// Confirms the carried-forward item at `index` of a section; false when there is none.
    pub fn confirm(&mut self, section: MedicalSection, index: usize) -> bool {
        fn at<T>(items: &mut [CarriedForward<T>], index: usize) -> bool {
            items.get_mut(index).map(CarriedForward::confirm).is_some()
        }
        match section {
            MedicalSection::MammogramHistory => at(&mut self.mammograms, index),
            MedicalSection::MedicalHistory => at(&mut self.history, index),
            MedicalSection::Symptoms => at(&mut self.symptoms, index),
            MedicalSection::BreastFeatures => at(&mut self.features, index),
            _ => false,
        }
    }

    /// Removes the item at `index` of a section; false when there is none.
    pub fn remove(&mut self, section: MedicalSection, index: usize) -> bool {
        fn at<T>(items: &mut Vec<CarriedForward<T>>, index: usize) -> bool {
            if index < items.len() {
                items.remove(index);
                true
            } else {
                false
            }
        }
        match section {
            MedicalSection::MammogramHistory => at(&mut self.mammograms, index),
            MedicalSection::MedicalHistory => at(&mut self.history, index),
            MedicalSection::Symptoms => at(&mut self.symptoms, index),
            MedicalSection::BreastFeatures => at(&mut self.features, index),
            _ => false,
        }
    }

    /// The six-month rule over every reported mammogram, confirmed or not
    /// ([`mammogram_history_decision`]).
    pub fn six_month_rule(&self, today: Date) -> SixMonthRule {
        let mammograms: Vec<PreviousMammogram> =
            self.mammograms.iter().map(|c| c.item.clone()).collect();
        mammogram_history_decision(&mammograms, today)
    }

    /// The six-month rule over what the participant reports and the service's own record
    /// of her screens (at any provider): `ShouldNotProceed` while [`Self::six_month_rule`]
    /// says so, or while a recorded screen was less than 6 months before `today`
    /// ([`recent_recorded_screens`]) and no reason to continue has been recorded for it.
    pub fn six_month_rule_with_record(
        &self,
        today: Date,
        recorded: &[RecordedScreen],
    ) -> SixMonthRule {
        if self.six_month_rule(today) == SixMonthRule::ShouldNotProceed
            || (!recent_recorded_screens(recorded, today).is_empty()
                && !self.has_recorded_screen_reason())
        {
            SixMonthRule::ShouldNotProceed
        } else {
            SixMonthRule::Clear
        }
    }

    /// Whether a (non-blank) reason to continue despite a recent recorded screen is given.
    pub fn has_recorded_screen_reason(&self) -> bool {
        self.recorded_screen_reason_to_continue
            .as_deref()
            .is_some_and(|r| !is_blank(r))
    }

    /// [`Self::validate`], and the six-month rule over the service's own record: the
    /// mammogram history cannot be marked reviewed while a recorded screen in the last 6
    /// months has no reason to continue (`recorded_screen_reason_to_continue`), and a
    /// reason that was started must not be blank.
    pub fn validate_with_record(
        &self,
        today: Date,
        recorded: &[RecordedScreen],
    ) -> Result<(), Vec<FieldError>> {
        let mut errors = self.validate(today).err().unwrap_or_default();
        let recent = recent_recorded_screens(recorded, today);
        let reason = self.recorded_screen_reason_to_continue.as_deref();
        if reason.is_some_and(is_blank)
            || (!recent.is_empty()
                && !self.has_recorded_screen_reason()
                && self.reviewed.contains(&MedicalSection::MammogramHistory))
        {
            errors.push(FieldError::new(
                RECORDED_SCREEN_REASON_FIELD,
                match recent.first() {
                    Some(screen) => format!(
                        "Enter a reason for continuing with this appointment, as {} was less than 6 months ago",
                        screen.describe()
                    ),
                    None => "Enter a reason for continuing with this appointment".to_owned(),
                },
            ));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// The outcome of the implant consent question ([`implant_consent_outcome`]).
    pub fn implant_consent_outcome(&self) -> Option<ImplantConsentOutcome> {
        implant_consent_outcome(self.history_items())
    }

    /// The symptoms highlighted to image readers ([`is_significant`]).
    pub fn significant_symptoms(&self) -> Vec<&Symptom> {
        self.symptoms
            .iter()
            .map(|c| &c.item)
            .filter(|s| is_significant(s))
            .collect()
    }

    /// What the images step expects: a breast with no tissue remaining is not expected, nor
    /// is a breast with an implant when the participant consents only to the other one
    /// being scanned; implants in place make implant-displaced views likely.
    pub fn imaging_context(&self) -> crate::imaging::ImagingContext {
        use crate::imaging::{Breast, ImagingContext};
        let breast = |side: Side| match side {
            Side::Right => Breast::Right,
            Side::Left => Breast::Left,
        };
        let mut context = ImagingContext::default();
        for side in breasts_without_tissue(self.history_items()) {
            context = context.without(breast(side));
        }
        if let Some(ImplantConsentOutcome::ContinueWithOneBreast(only)) =
            self.implant_consent_outcome()
        {
            context = context.without(breast(only.other()));
        }
        if has_implants(self.history_items()) {
            context = context.with_implants();
        }
        context
    }

    /// Checks the whole document, naming each problem by where it is
    /// (`mammograms[0].reason_to_continue`, `history[1].right_procedure`,
    /// `density.pregnant_or_breastfeeding`, `reviewed`): every confirmed item (mammograms
    /// with the six-month rule), at most one breast implants entry, no date recorded in the
    /// future, the density factors when given, and no section marked reviewed that may not be.
    pub fn validate(&self, today: Date) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        check_items(&mut errors, "mammograms", &self.mammograms, today, |m| {
            m.validate_for_appointment(today)
        });
        check_items(&mut errors, "history", &self.history, today, |h| {
            h.validate(today)
        });
        let implants = self
            .history_items()
            .filter(|i| i.kind() == MedicalHistoryType::BreastImplants)
            .count();
        if implants > 1 {
            errors.push(FieldError::new(
                "history",
                "Breast implants or augmentation can only be recorded once: change the one recorded",
            ));
        }
        check_items(&mut errors, "symptoms", &self.symptoms, today, |s| {
            s.validate(today)
        });
        check_items(&mut errors, "features", &self.features, today, |f| {
            f.validate()
        });
        if let Some(Err(found)) = self.density.as_ref().map(DensityFactors::validate) {
            errors.extend(found.into_iter().map(|e| FieldError {
                field: format!("density.{}", e.field).into(),
                message: e.message,
            }));
        }
        for section in &self.reviewed {
            if let Err(e) = self.section_reviewable(*section) {
                errors.push(FieldError::new(
                    "reviewed",
                    format!("{}: {e}", section.label()),
                ));
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// The review marks in page order, each once.
    pub fn normalise(&mut self) {
        self.reviewed.sort();
        self.reviewed.dedup();
    }
}

#[cfg(test)]
mod information_tests {
    use super::*;
    use crate::imaging::{Breast, ImagingContext};
    use time::macros::date;

    const TODAY: Date = date!(2026 - 07 - 15);
    const LAST_TIME: Date = date!(2023 - 07 - 10);

    #[test]
    fn six_month_rule_uses_the_record_of_screens_at_any_provider() {
        let screen = |on: Date, this_provider: bool| RecordedScreen {
            screened_on: on,
            provider_name: "North Hills BSS".to_owned(),
            this_provider,
        };
        let reviewed = |reason: Option<&str>| MedicalInformation {
            reviewed: vec![MedicalSection::MammogramHistory],
            recorded_screen_reason_to_continue: reason.map(str::to_owned),
            ..Default::default()
        };
        // (screens on record, reason to continue, rule, error on the reason field)
        let table: Vec<(Vec<RecordedScreen>, Option<&str>, SixMonthRule, bool)> = vec![
            (vec![], None, SixMonthRule::Clear, false),
            // Nothing reported, but screened elsewhere 2 months ago: stop or give a reason.
            (
                vec![screen(date!(2026 - 05 - 15), false)],
                None,
                SixMonthRule::ShouldNotProceed,
                true,
            ),
            (
                vec![screen(date!(2026 - 05 - 15), true)],
                None,
                SixMonthRule::ShouldNotProceed,
                true,
            ),
            (
                vec![screen(date!(2026 - 05 - 15), false)],
                Some("Clinician agreed"),
                SixMonthRule::Clear,
                false,
            ),
            (
                vec![screen(date!(2026 - 05 - 15), false)],
                Some("  "),
                SixMonthRule::ShouldNotProceed,
                true,
            ),
            // Exactly six months ago (15 January) is clear; a day later is not.
            (
                vec![screen(date!(2026 - 01 - 15), false)],
                None,
                SixMonthRule::Clear,
                false,
            ),
            (
                vec![screen(date!(2026 - 01 - 16), false)],
                None,
                SixMonthRule::ShouldNotProceed,
                true,
            ),
            // An old screen and a recent one: the recent one counts.
            (
                vec![
                    screen(date!(2023 - 07 - 10), true),
                    screen(date!(2026 - 07 - 01), false),
                ],
                None,
                SixMonthRule::ShouldNotProceed,
                true,
            ),
            // A blank reason is refused even when no screen is recent.
            (vec![], Some(""), SixMonthRule::Clear, true),
        ];
        for (screens, reason, rule, error) in table {
            let info = reviewed(reason);
            assert_eq!(
                info.six_month_rule_with_record(TODAY, &screens),
                rule,
                "{screens:?} {reason:?}"
            );
            let errors: Vec<String> = info
                .validate_with_record(TODAY, &screens)
                .err()
                .unwrap_or_default()
                .into_iter()
                .map(|e| e.field.into_owned())
                .collect();
            assert_eq!(
                errors.contains(&RECORDED_SCREEN_REASON_FIELD.to_owned()),
                error,
                "{screens:?} {reason:?}: {errors:?}"
            );
        }
        // Before the mammogram history is marked reviewed, the document can be saved.
        let screens = vec![screen(date!(2026 - 05 - 15), false)];
        assert_eq!(
            MedicalInformation::default().validate_with_record(TODAY, &screens),
            Ok(())
        );
        // The message names where and when, and nothing else.
        let err = reviewed(None)
            .validate_with_record(TODAY, &screens)
            .unwrap_err();
        assert_eq!(
            err[0].message,
            "Enter a reason for continuing with this appointment, as a screen at North Hills BSS on 15 May 2026 was less than 6 months ago"
        );
        assert_eq!(
            screen(date!(2026 - 05 - 15), true).describe(),
            "a screen at this unit on 15 May 2026"
        );
        // The reason belongs to this appointment: not carried forward.
        let carried = MedicalInformation::carried_from(&reviewed(Some("Clinician agreed")), TODAY);
        assert_eq!(carried.recorded_screen_reason_to_continue, None);
    }

    fn fields(result: Result<(), Vec<FieldError>>) -> Vec<String> {
        result
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.field.into_owned())
            .collect()
    }

    fn mammogram(when: MammogramWhen, reason: Option<&str>) -> PreviousMammogram {
        PreviousMammogram {
            location: MammogramLocation::ThisUnit,
            when,
            previous_name: None,
            details: String::new(),
            reason_to_continue: reason.map(str::to_owned),
        }
    }

    fn cysts() -> MedicalHistoryItem {
        MedicalHistoryItem::Cysts(Cysts {
            treatment: Some(CystTreatment::NoTreatment),
            details: String::new(),
        })
    }

    fn implants(
        right: Augmentation,
        left: Augmentation,
        consent: Option<ImplantConsent>,
    ) -> MedicalHistoryItem {
        MedicalHistoryItem::BreastImplants(BreastImplants {
            right: Some(right),
            left: Some(left),
            consent,
            ..Default::default()
        })
    }

    fn mastectomy(right: BreastProcedure, left: BreastProcedure) -> MedicalHistoryItem {
        MedicalHistoryItem::MastectomyOrLumpectomy(MastectomyOrLumpectomy {
            right_procedure: Some(right),
            left_procedure: Some(left),
            reason: Some(SurgeryReason::RiskReduction),
            ..Default::default()
        })
    }

    fn lump() -> Symptom {
        Symptom {
            area: Some(SymptomArea::Left),
            started: Some(SymptomStarted::OverThreeYears),
            ..Symptom::new(SymptomKind::Lump)
        }
    }

    fn pain(highlight: bool) -> Symptom {
        Symptom {
            area: Some(SymptomArea::Both),
            started: Some(SymptomStarted::NotKnown),
            highlight_to_readers: Some(highlight),
            ..Symptom::new(SymptomKind::BreastPain)
        }
    }

    fn mole() -> BreastFeature {
        BreastFeature {
            kind: FeatureKind::Mole,
            description: String::new(),
            side: Side::Right,
            position: None,
            location: "Upper outer".into(),
        }
    }

    /// What an earlier appointment saved: one item in every carrying section, some
    /// confirmed there, plus the answers that belong to that appointment only.
    fn previous() -> MedicalInformation {
        let mut unconfirmed_cysts = CarriedForward::new(cysts(), date!(2020 - 03 - 01));
        unconfirmed_cysts.confirmed = false;
        MedicalInformation {
            mammograms: vec![CarriedForward::recorded(
                mammogram(
                    MammogramWhen::ExactDate(date!(2023 - 05 - 01)),
                    Some("Clinician agreed"),
                ),
                LAST_TIME,
            )],
            history: vec![
                unconfirmed_cysts,
                CarriedForward::recorded(
                    implants(
                        Augmentation::Implants,
                        Augmentation::NoAugmentation,
                        Some(ImplantConsent::Yes),
                    ),
                    LAST_TIME,
                ),
            ],
            symptoms: vec![CarriedForward::recorded(lump(), LAST_TIME)],
            features: vec![CarriedForward::recorded(mole(), LAST_TIME)],
            density: Some(DensityFactors {
                hrt_started_since_last_screening: Some(Answer3::Yes),
                pregnant_or_breastfeeding: Some(Answer3::No),
                ..Default::default()
            }),
            other: "Uses a wheelchair".into(),
            reviewed: MedicalSection::ALL.to_vec(),
            recorded_screen_reason_to_continue: Some("Clinician agreed".into()),
        }
    }

    #[test]
    fn carried_forward_sections_come_across_unconfirmed_and_the_rest_empty() {
        let carried = MedicalInformation::carried_from(&previous(), LAST_TIME);
        assert_eq!(carried.mammograms.len(), 1);
        assert_eq!(carried.history.len(), 2);
        assert_eq!(carried.symptoms.len(), 1);
        assert_eq!(carried.features.len(), 1);
        assert!(carried.mammograms.iter().all(|c| !c.confirmed));
        assert!(carried.history.iter().all(|c| !c.confirmed));
        assert!(carried.symptoms.iter().all(|c| !c.confirmed));
        assert!(carried.features.iter().all(|c| !c.confirmed));
        // Confirmed (or recorded) last time: dated then. Never confirmed: its own date.
        assert_eq!(carried.mammograms[0].recorded_on, LAST_TIME);
        assert_eq!(carried.history[0].recorded_on, date!(2020 - 03 - 01));
        // What belongs to one appointment does not come across.
        assert_eq!(carried.mammograms[0].item.reason_to_continue, None);
        match &carried.history[1].item {
            MedicalHistoryItem::BreastImplants(b) => assert_eq!(b.consent, None),
            other => panic!("{other:?}"),
        }
        assert_eq!(carried.density, None);
        assert_eq!(carried.other, "");
        assert!(carried.reviewed.is_empty());
        assert!(!carried.all_reviewed());
        for section in MedicalSection::ALL {
            assert_eq!(
                carried.item_count(*section) > 0,
                section.carries_forward(),
                "{section:?}"
            );
        }
        // Nothing carries from nothing.
        assert_eq!(
            MedicalInformation::carried_from(&MedicalInformation::default(), LAST_TIME),
            MedicalInformation::default()
        );
    }

    #[test]
    fn reviewing_needs_every_carried_item_confirmed_updated_or_removed() {
        let mut info = MedicalInformation::carried_from(&previous(), LAST_TIME);
        // Sections that never carry can always be reviewed.
        assert_eq!(
            info.mark_reviewed(MedicalSection::BreastDensityFactors),
            Ok(())
        );
        assert_eq!(
            info.mark_reviewed(MedicalSection::MedicalHistory),
            Err(SectionNotReviewable { unconfirmed: 2 })
        );
        assert_eq!(
            info.status(MedicalSection::MedicalHistory),
            SectionStatus::ToReview
        );
        // "Complete all and continue" changes nothing while any section is refused.
        let before = info.clone();
        let refused = info.mark_all_reviewed().unwrap_err();
        assert_eq!(
            refused.iter().map(|(s, _)| *s).collect::<Vec<_>>(),
            [
                MedicalSection::MammogramHistory,
                MedicalSection::MedicalHistory,
                MedicalSection::Symptoms,
                MedicalSection::BreastFeatures,
            ]
        );
        assert_eq!(info, before);

        assert!(info.confirm(MedicalSection::MedicalHistory, 0));
        assert!(info.remove(MedicalSection::MedicalHistory, 1));
        assert!(!info.remove(MedicalSection::MedicalHistory, 1));
        assert!(!info.confirm(MedicalSection::OtherMedicalInformation, 0));
        assert_eq!(info.mark_reviewed(MedicalSection::MedicalHistory), Ok(()));
        assert_eq!(info.mark_reviewed(MedicalSection::MedicalHistory), Ok(()));
        assert_eq!(
            info.reviewed,
            [
                MedicalSection::MedicalHistory,
                MedicalSection::BreastDensityFactors
            ]
        );
        assert_eq!(
            info.status(MedicalSection::MedicalHistory),
            SectionStatus::Reviewed
        );

        info.mammograms[0].update(
            mammogram(MammogramWhen::ExactDate(date!(2023 - 05 - 01)), None),
            TODAY,
        );
        info.symptoms[0].confirm();
        info.features.clear();
        assert_eq!(info.mark_all_reviewed(), Ok(()));
        assert!(info.all_reviewed());
        assert_eq!(info.validate(TODAY), Ok(()));
    }

    #[test]
    fn imaging_context_from_history() {
        use BreastProcedure::*;
        let with = |items: Vec<MedicalHistoryItem>| MedicalInformation {
            history: items
                .into_iter()
                .map(|i| CarriedForward::recorded(i, TODAY))
                .collect(),
            ..Default::default()
        };
        let both = ImagingContext::default();
        let table: Vec<(Vec<MedicalHistoryItem>, ImagingContext)> = vec![
            (vec![], both),
            (vec![cysts()], both),
            (
                vec![mastectomy(MastectomyNoTissueRemaining, NoProcedure)],
                both.without(Breast::Right),
            ),
            (
                vec![mastectomy(MastectomyTissueRemaining, Lumpectomy)],
                both,
            ),
            (
                vec![
                    mastectomy(NoProcedure, MastectomyNoTissueRemaining),
                    mastectomy(MastectomyNoTissueRemaining, NoProcedure),
                ],
                both.without(Breast::Right).without(Breast::Left),
            ),
            (
                vec![implants(
                    Augmentation::Implants,
                    Augmentation::Implants,
                    Some(ImplantConsent::Yes),
                )],
                both.with_implants(),
            ),
            // Consent only to scanning the left breast, which has no implant.
            (
                vec![implants(
                    Augmentation::Implants,
                    Augmentation::NoAugmentation,
                    Some(ImplantConsent::NoButLeftBreast),
                )],
                both.without(Breast::Right).with_implants(),
            ),
            // Removed implants: nothing special.
            (
                vec![MedicalHistoryItem::BreastImplants(BreastImplants {
                    right: Some(Augmentation::Implants),
                    left: Some(Augmentation::Implants),
                    removed: true,
                    ..Default::default()
                })],
                both,
            ),
            (
                vec![implants(
                    Augmentation::OtherAugmentation,
                    Augmentation::NoAugmentation,
                    None,
                )],
                both,
            ),
        ];
        for (items, expected) in table {
            assert_eq!(with(items.clone()).imaging_context(), expected, "{items:?}");
        }
        // Items carried forward and not yet confirmed count too.
        let carried = MedicalInformation::carried_from(
            &with(vec![mastectomy(NoProcedure, MastectomyNoTissueRemaining)]),
            LAST_TIME,
        );
        assert_eq!(carried.imaging_context(), both.without(Breast::Left));
    }

    #[test]
    fn six_month_rule_and_significant_symptoms() {
        let recent = MammogramWhen::ExactDate(date!(2026 - 05 - 01));
        let mut info = MedicalInformation::default();
        assert_eq!(info.six_month_rule(TODAY), SixMonthRule::Clear);
        info.mammograms
            .push(CarriedForward::recorded(mammogram(recent, None), TODAY));
        assert_eq!(info.six_month_rule(TODAY), SixMonthRule::ShouldNotProceed);
        assert_eq!(
            fields(info.validate(TODAY)),
            ["mammograms[0].reason_to_continue"]
        );
        info.mammograms[0].item.reason_to_continue = Some("Symptomatic referral".into());
        assert_eq!(info.six_month_rule(TODAY), SixMonthRule::Clear);
        assert_eq!(info.validate(TODAY), Ok(()));
        // Carried forward, the reason is dropped and the rule applies again.
        let carried = MedicalInformation::carried_from(&info, date!(2026 - 06 - 01));
        assert_eq!(
            carried.six_month_rule(TODAY),
            SixMonthRule::ShouldNotProceed
        );
        assert_eq!(
            carried.validate(TODAY),
            Ok(()),
            "unconfirmed: not re-checked"
        );
        let mut confirmed = carried.clone();
        confirmed.confirm(MedicalSection::MammogramHistory, 0);
        assert_eq!(
            fields(confirmed.validate(TODAY)),
            ["mammograms[0].reason_to_continue"]
        );

        info.symptoms = [lump(), pain(false), pain(true)]
            .into_iter()
            .map(|s| CarriedForward::recorded(s, TODAY))
            .collect();
        assert_eq!(info.significant_symptoms(), [&lump(), &pain(true)]);
    }

    #[test]
    fn whole_document_validation_names_where_each_problem_is() {
        let mut info = MedicalInformation {
            history: vec![
                CarriedForward::recorded(cysts(), TODAY),
                CarriedForward::recorded(
                    implants(Augmentation::Implants, Augmentation::Implants, None),
                    TODAY,
                ),
                CarriedForward::recorded(
                    implants(
                        Augmentation::OtherAugmentation,
                        Augmentation::NoAugmentation,
                        None,
                    ),
                    date!(2026 - 07 - 16),
                ),
            ],
            symptoms: vec![CarriedForward::recorded(
                Symptom::new(SymptomKind::Lump),
                TODAY,
            )],
            features: vec![CarriedForward::recorded(
                BreastFeature {
                    location: String::new(),
                    ..mole()
                },
                TODAY,
            )],
            density: Some(DensityFactors::default()),
            reviewed: vec![MedicalSection::Symptoms],
            ..Default::default()
        };
        assert_eq!(
            fields(info.validate(TODAY)),
            [
                "history[1].consent",
                "history[2].recorded_on",
                "history",
                "symptoms[0].area",
                "symptoms[0].started",
                "features[0].position",
                "density.hrt_started_since_last_screening",
                "density.pregnant_or_breastfeeding",
            ]
        );
        // A section marked reviewed while it holds unconfirmed carried items.
        info = MedicalInformation::carried_from(&previous(), LAST_TIME);
        info.reviewed = vec![MedicalSection::Symptoms, MedicalSection::Symptoms];
        info.normalise();
        assert_eq!(info.reviewed, [MedicalSection::Symptoms]);
        let errors = info.validate(TODAY).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "reviewed");
        assert_eq!(
            errors[0].message,
            "Symptoms: Confirm, update or remove the item carried forward from a previous \
             appointment before marking this section as reviewed"
        );
    }
}
