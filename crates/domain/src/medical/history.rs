//! Medical history: previous cancer, devices, implants, surgery, cysts and lumps.

use super::*;

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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
pub(super) fn with_parts(heading: &str, parts: &[String]) -> String {
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::medical::test_support::{TODAY, fields, messages};

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
}
