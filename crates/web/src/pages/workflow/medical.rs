//! Step 2: "Review medical information" (reference §5; design history 2025-06 previous
//! mammograms, 2025-07 breast features, 2025-09 medical history, 2025-11 the workflow,
//! 2026-07 uncertainty and signs).
//!
//! The overview lists the six sections, each "To review" until marked reviewed, with what
//! is recorded in it. Items carried forward from the participant's previous appointment are
//! shown with "Recorded on {date}" to confirm, change or remove. Each kind of item has a
//! form; every form is described as data ([`Field`]) and drawn by one generic template, so
//! the answers a person gave are kept when the form comes back with errors.
//!
//! Every submit checks the answers with the domain rules and, when they pass, saves the
//! whole medical document (`domain::medical::MedicalInformation` with `all_reviewed`) at
//! the version the page was shown at, then returns to the overview. Nothing is saved
//! while anything is wrong.

use super::{Frame, Step, load_step};
use crate::auth::Staff;
use crate::error::{AppError, PageResult};
use crate::features::workflow::app;
pub use crate::features::workflow::app::{imaging_context, information};
use crate::pages::{FormPairs, parse_id, render};
use crate::present::{Layout, long_date};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use domain::medical::{
    Answer3, Augmentation, BenignLumpTreatment, BenignLumps, BreastCancer, BreastFeature,
    BreastImplants, BreastProcedure, CancerLocation, CarriedForward, CystTreatment, Cysts,
    DensityFactors, DeviceType, FeatureKind, FieldError, HIGHLIGHT_QUESTION, ImplantConsent,
    ImplantConsentOutcome, ImplantedMedicalDevice, MammogramLocation, MammogramLocationKind,
    MammogramWhen, MastectomyOrLumpectomy, MedicalHistoryItem, MedicalHistoryType,
    MedicalInformation, MedicalSection, NippleChange, OtherProcedureKind, OtherProcedures,
    OtherSurgery, PreviousMammogram, RECORDED_SCREEN_REASON_FIELD, Radiotherapy, RecordedScreen,
    RecordedYear, SHOULD_NOT_PROCEED, SectionStatus, Side, SixMonthRule, SkinChange, SurgeryReason,
    Symptom, SymptomArea, SymptomKind, SymptomStarted, SymptomType, SystemicTreatment,
    TreatmentLocation, breasts_without_tissue, can_add, has_implants, is_significant,
    recent_recorded_screens, validate_reason_to_continue,
};
use store::Workflow;
use time::{Date, Month};
use uuid::Uuid;

/// Field name and message, in the order the fields appear.
type Errors = Vec<(String, String)>;

// ---------------------------------------------------------------------------------------
// Loading and saving the medical document
// ---------------------------------------------------------------------------------------

fn read(wf: &Workflow) -> Result<MedicalInformation, AppError> {
    information(wf).map_err(|e| {
        AppError::Internal(anyhow::anyhow!(
            "the medical information could not be read: {e}"
        ))
    })
}

/// Domain field errors as (field, message) pairs.
fn pairs(result: Result<(), Vec<FieldError>>) -> Errors {
    result
        .err()
        .unwrap_or_default()
        .into_iter()
        .map(|e| (e.field.into_owned(), e.message.into_owned()))
        .collect()
}

// ---------------------------------------------------------------------------------------
// Forms as data
// ---------------------------------------------------------------------------------------

/// One question on a form, drawn by `workflow/medical_field.html`.
#[derive(Debug, Clone, Default)]
pub struct Field {
    /// "radios", "checkboxes", "text", "textarea", "date" or "year".
    pub kind: &'static str,
    /// "radio" or "checkbox" for choices.
    pub input_type: &'static str,
    /// The form field name (and the id errors link to).
    pub name: String,
    pub label: String,
    pub hint: String,
    pub error: Option<String>,
    pub options: Vec<Opt>,
    /// Text, textarea and year answers.
    pub value: String,
    /// Date answers.
    pub day: String,
    pub month: String,
    pub year: String,
    /// A year's "This date is approximate".
    pub approximate: bool,
    /// Width class of a text input.
    pub width: &'static str,
    /// Shown beside the next field (right breast beside left, as the mammographer sees
    /// the participant).
    pub beside: bool,
}

/// One option of a radios or checkboxes question, with the questions it reveals.
#[derive(Debug, Clone, Default)]
pub struct Opt {
    pub id: String,
    pub value: String,
    pub label: String,
    pub checked: bool,
    pub exclusive: bool,
    /// Draw an "or" divider before this option.
    pub divider: bool,
    pub reveal: Vec<Field>,
}

/// The labelled enumerations of the domain, as form options.
trait Choice: Copy + PartialEq + 'static {
    fn choices() -> &'static [Self];
    fn value(self) -> &'static str;
    fn text(self) -> &'static str;
}

macro_rules! choices {
    ($($t:ty),* $(,)?) => {
        $(impl Choice for $t {
            fn choices() -> &'static [Self] { <$t>::ALL }
            fn value(self) -> &'static str { self.as_str() }
            fn text(self) -> &'static str { self.label() }
        })*
    };
}

choices!(
    Answer3,
    Augmentation,
    BenignLumpTreatment,
    BreastProcedure,
    CancerLocation,
    CystTreatment,
    DeviceType,
    FeatureKind,
    ImplantConsent,
    MammogramLocationKind,
    MedicalHistoryType,
    MedicalSection,
    NippleChange,
    OtherProcedureKind,
    OtherSurgery,
    Radiotherapy,
    Side,
    SkinChange,
    SurgeryReason,
    SymptomArea,
    SymptomType,
    SystemicTreatment,
    TreatmentLocation,
);

impl Field {
    fn input(kind: &'static str, name: &str, label: &str, v: &FormPairs) -> Field {
        Field {
            kind,
            name: name.to_owned(),
            label: label.to_owned(),
            value: v.get(name).unwrap_or_default().to_owned(),
            width: "nhsuk-u-width-two-thirds",
            ..Field::default()
        }
    }

    fn text(name: &str, label: &str, v: &FormPairs) -> Field {
        Field::input("text", name, label, v)
    }

    fn textarea(name: &str, label: &str, v: &FormPairs) -> Field {
        Field::input("textarea", name, label, v)
    }

    /// A year, with "This date is approximate" (`{name}_approximate`).
    fn year(name: &str, label: &str, v: &FormPairs) -> Field {
        Field {
            width: "nhsuk-input--width-4",
            approximate: v.get(&format!("{name}_approximate")).is_some(),
            ..Field::input("year", name, label, v)
        }
        .hint("For example, 2019. Leave blank if not known.")
    }

    /// A day, month and year (`{name}-day`, `{name}-month`, `{name}-year`).
    fn date(name: &str, label: &str, v: &FormPairs) -> Field {
        let part = |p: &str| v.get(&format!("{name}-{p}")).unwrap_or_default().to_owned();
        Field {
            kind: "date",
            name: name.to_owned(),
            label: label.to_owned(),
            day: part("day"),
            month: part("month"),
            year: part("year"),
            ..Field::default()
        }
    }

    fn options(
        kind: &'static str,
        name: &str,
        legend: &str,
        options: Vec<(&'static str, String)>,
        v: &FormPairs,
    ) -> Field {
        Field {
            kind,
            input_type: if kind == "radios" {
                "radio"
            } else {
                "checkbox"
            },
            name: name.to_owned(),
            label: legend.to_owned(),
            options: options
                .into_iter()
                .enumerate()
                .map(|(i, (value, label))| Opt {
                    id: if i == 0 {
                        name.to_owned()
                    } else {
                        format!("{name}-{value}")
                    },
                    value: value.to_owned(),
                    label,
                    checked: v.all(name).any(|given| given == value),
                    ..Opt::default()
                })
                .collect(),
            ..Field::default()
        }
    }

    fn radios<T: Choice>(name: &str, legend: &str, v: &FormPairs) -> Field {
        Field::radios_of(name, legend, T::choices(), v)
    }

    fn radios_of<T: Choice>(name: &str, legend: &str, list: &[T], v: &FormPairs) -> Field {
        let options = list
            .iter()
            .map(|c| (c.value(), c.text().to_owned()))
            .collect();
        Field::options("radios", name, legend, options, v)
    }

    /// Checkboxes where the `exclusive` options ("No ...", "Not known") stand alone.
    fn checkboxes<T: Choice>(name: &str, legend: &str, exclusive: &[T], v: &FormPairs) -> Field {
        let options = T::choices()
            .iter()
            .map(|c| (c.value(), c.text().to_owned()))
            .collect();
        let mut field = Field::options("checkboxes", name, legend, options, v);
        let mut first = true;
        for (opt, choice) in field.options.iter_mut().zip(T::choices()) {
            if exclusive.contains(choice) {
                opt.exclusive = true;
                opt.divider = first;
                first = false;
            }
        }
        field.hint("Select all that apply")
    }

    /// One checkbox: checked sends `yes`.
    fn tick(name: &str, legend: &str, label: &str, v: &FormPairs) -> Field {
        Field::options(
            "checkboxes",
            name,
            legend,
            vec![("yes", label.to_owned())],
            v,
        )
    }

    fn yes_no(name: &str, legend: &str, v: &FormPairs) -> Field {
        Field::options(
            "radios",
            name,
            legend,
            vec![("yes", "Yes".to_owned()), ("no", "No".to_owned())],
            v,
        )
    }

    fn beside_next(mut self) -> Field {
        self.beside = true;
        self
    }

    fn hint(mut self, hint: &str) -> Field {
        hint.clone_into(&mut self.hint);
        self
    }

    /// Shows `fields` beneath the option `value` (always, without JavaScript).
    fn reveal(mut self, value: &str, fields: Vec<Field>) -> Field {
        if let Some(opt) = self.options.iter_mut().find(|o| o.value == value) {
            opt.reveal.extend(fields);
        }
        self
    }
}

/// Every field name in page order, revealed ones after their option.
fn field_order(fields: &[Field], out: &mut Vec<String>) {
    for f in fields {
        out.push(f.name.clone());
        for o in &f.options {
            field_order(&o.reveal, out);
        }
    }
}

/// Puts each error on its field (the first error per field), and orders the errors as the
/// fields appear so the summary reads top to bottom.
fn attach_errors(fields: &mut [Field], errors: &mut Errors) {
    fn walk(fields: &mut [Field], errors: &Errors) {
        for f in fields {
            f.error = errors
                .iter()
                .find(|(name, _)| *name == f.name)
                .map(|(_, m)| m.clone());
            for o in &mut f.options {
                walk(&mut o.reveal, errors);
            }
        }
    }
    walk(fields, errors);
    let mut order = Vec::new();
    field_order(fields, &mut order);
    errors.sort_by_key(|(name, _)| order.iter().position(|n| n == name).unwrap_or(usize::MAX));
}

// ---------------------------------------------------------------------------------------
// Reading answers
// ---------------------------------------------------------------------------------------

fn one<T: Choice>(v: &FormPairs, name: &str) -> Option<T> {
    let given = v.get(name)?;
    T::choices().iter().copied().find(|c| c.value() == given)
}

/// The selected options, in the order they are offered.
fn many<T: Choice>(v: &FormPairs, name: &str) -> Vec<T> {
    T::choices()
        .iter()
        .copied()
        .filter(|c| v.all(name).any(|given| given == c.value()))
        .collect()
}

fn text(v: &FormPairs, name: &str) -> String {
    v.get(name).unwrap_or_default().trim().to_owned()
}

fn ticked(v: &FormPairs, name: &str, value: &str) -> bool {
    v.all(name).any(|given| given == value)
}

/// An optional year: blank is not known; anything else must be a whole number.
fn read_year(v: &FormPairs, name: &str, what: &str, errors: &mut Errors) -> Option<RecordedYear> {
    let given = text(v, name);
    if given.is_empty() {
        return None;
    }
    match given.parse::<i32>() {
        Ok(year) => Some(RecordedYear {
            year,
            approximate: v.get(&format!("{name}_approximate")).is_some(),
        }),
        Err(_) => {
            errors.push((
                name.to_owned(),
                format!("{what} must be a year, for example 2019"),
            ));
            None
        }
    }
}

/// A required date from its three parts.
fn read_date(v: &FormPairs, name: &str, what: &str, errors: &mut Errors) -> Option<Date> {
    let part = |p: &str| text(v, &format!("{name}-{p}"));
    let (day, month, year) = (part("day"), part("month"), part("year"));
    if day.is_empty() && month.is_empty() && year.is_empty() {
        errors.push((name.to_owned(), format!("Enter {}", what.to_lowercase())));
        return None;
    }
    let date = (|| {
        let month = Month::try_from(month.parse::<u8>().ok()?).ok()?;
        let year = year
            .parse::<i32>()
            .ok()
            .filter(|y| (1000..=9999).contains(y))?;
        Date::from_calendar_date(year, month, day.parse().ok()?).ok()
    })();
    if date.is_none() {
        errors.push((name.to_owned(), format!("{what} must be a real date")));
    }
    date
}

/// Form answers built from a saved item, to fill in its form.
#[derive(Default)]
struct Answers(Vec<(String, String)>);

impl Answers {
    fn set(&mut self, name: &str, value: impl Into<String>) {
        self.0.push((name.to_owned(), value.into()));
    }
    fn choice<T: Choice>(&mut self, name: &str, value: Option<T>) {
        if let Some(c) = value {
            self.set(name, c.value());
        }
    }
    fn choices<T: Choice>(&mut self, name: &str, values: &[T]) {
        for c in values {
            self.set(name, c.value());
        }
    }
    fn flag(&mut self, name: &str, on: bool) {
        if on {
            self.set(name, "yes");
        }
    }
    fn year(&mut self, name: &str, year: Option<RecordedYear>) {
        if let Some(y) = year {
            self.set(name, y.year.to_string());
            if y.approximate {
                self.set(&format!("{name}_approximate"), "yes");
            }
        }
    }
    fn date(&mut self, name: &str, date: Date) {
        self.set(&format!("{name}-day"), date.day().to_string());
        self.set(&format!("{name}-month"), (date.month() as u8).to_string());
        self.set(&format!("{name}-year"), date.year().to_string());
    }
    fn done(self) -> FormPairs {
        FormPairs(self.0)
    }
}

// ---------------------------------------------------------------------------------------
// Mammogram history
// ---------------------------------------------------------------------------------------

const WHEN_EXACT: &str = "exact_date";
const WHEN_AT_LEAST: &str = "not_sure_at_least_6_months";
const WHEN_LESS_THAN: &str = "not_sure_less_than_6_months";

fn mammogram_fields(v: &FormPairs, full_name: &str, today: Date) -> Vec<Field> {
    let when = [
        (WHEN_EXACT, MammogramWhen::ExactDate(today)),
        (WHEN_AT_LEAST, MammogramWhen::NotSureAtLeast6Months),
        (WHEN_LESS_THAN, MammogramWhen::NotSureLessThan6Months),
    ]
    .iter()
    .map(|(value, w)| (*value, w.label().to_owned()))
    .collect();
    vec![
        Field::radios::<MammogramLocationKind>(
            "location",
            "Where were the breast x-rays taken?",
            v,
        )
        .reveal(
            MammogramLocationKind::AnotherNhsUnit.as_str(),
            vec![Field::text("unit", "Which breast screening unit?", v)],
        )
        .reveal(
            MammogramLocationKind::ElsewhereInUk.as_str(),
            vec![
                Field::textarea("elsewhere_details", "Where in the UK? (optional)", v)
                    .hint("The clinic or hospital, or anything that would help find the images"),
            ],
        )
        .reveal(
            MammogramLocationKind::OutsideUk.as_str(),
            vec![
                Field::textarea("outside_details", "Where outside the UK? (optional)", v)
                    .hint("The country, clinic or hospital"),
            ],
        ),
        Field::options("radios", "when", "When were the x-rays taken?", when, v).reveal(
            WHEN_EXACT,
            vec![Field::date("date", "Date of the mammogram", v).hint("For example, 15 3 2026")],
        ),
        Field::yes_no(
            "same_name",
            &format!("Were the x-rays taken under the name {full_name}?"),
            v,
        )
        .reveal("no", vec![Field::text("previous_name", "Previous name", v)]),
        Field::textarea("details", "Additional information (optional)", v),
    ]
}

/// Reads the mammogram form. Unanswered required questions are reported in `errors` and
/// stand in with answers that raise nothing else, so every problem shows at once.
fn read_mammogram(v: &FormPairs, errors: &mut Errors) -> PreviousMammogram {
    let location = match one::<MammogramLocationKind>(v, "location") {
        Some(MammogramLocationKind::ThisUnit) => MammogramLocation::ThisUnit,
        Some(MammogramLocationKind::AnotherNhsUnit) => MammogramLocation::AnotherNhsUnit {
            unit: text(v, "unit"),
        },
        Some(MammogramLocationKind::ElsewhereInUk) => MammogramLocation::ElsewhereInUk {
            details: text(v, "elsewhere_details"),
        },
        Some(MammogramLocationKind::OutsideUk) => MammogramLocation::OutsideUk {
            details: text(v, "outside_details"),
        },
        Some(MammogramLocationKind::PreferNotToSay) => MammogramLocation::PreferNotToSay,
        None => {
            errors.push((
                "location".to_owned(),
                "Select where the mammogram was taken".to_owned(),
            ));
            MammogramLocation::PreferNotToSay
        }
    };
    let when = match v.get("when") {
        Some(WHEN_EXACT) => read_date(v, "date", "Date of the mammogram", errors).map_or(
            MammogramWhen::NotSureAtLeast6Months,
            MammogramWhen::ExactDate,
        ),
        Some(WHEN_AT_LEAST) => MammogramWhen::NotSureAtLeast6Months,
        Some(WHEN_LESS_THAN) => MammogramWhen::NotSureLessThan6Months,
        _ => {
            errors.push((
                "when".to_owned(),
                "Select when the mammogram was taken".to_owned(),
            ));
            MammogramWhen::NotSureAtLeast6Months
        }
    };
    PreviousMammogram {
        location,
        when,
        previous_name: (v.get("same_name") == Some("no")).then(|| text(v, "previous_name")),
        details: text(v, "details"),
        reason_to_continue: v.get("reason_asked").map(|_| text(v, "reason_to_continue")),
    }
}

fn mammogram_answers(m: &PreviousMammogram) -> FormPairs {
    let mut a = Answers::default();
    a.set("location", m.location.kind().as_str());
    match &m.location {
        MammogramLocation::AnotherNhsUnit { unit } => a.set("unit", unit.as_str()),
        MammogramLocation::ElsewhereInUk { details } => {
            a.set("elsewhere_details", details.as_str())
        }
        MammogramLocation::OutsideUk { details } => a.set("outside_details", details.as_str()),
        MammogramLocation::ThisUnit | MammogramLocation::PreferNotToSay => {}
    }
    match m.when {
        MammogramWhen::ExactDate(date) => {
            a.set("when", WHEN_EXACT);
            a.date("date", date);
        }
        MammogramWhen::NotSureAtLeast6Months => a.set("when", WHEN_AT_LEAST),
        MammogramWhen::NotSureLessThan6Months => a.set("when", WHEN_LESS_THAN),
    }
    match &m.previous_name {
        Some(name) => {
            a.set("same_name", "no");
            a.set("previous_name", name.as_str());
        }
        None => a.set("same_name", "yes"),
    }
    a.set("details", m.details.as_str());
    if let Some(reason) = &m.reason_to_continue {
        a.set("reason_to_continue", reason.as_str());
    }
    a.done()
}

// ---------------------------------------------------------------------------------------
// Medical history
// ---------------------------------------------------------------------------------------

const OPTIONAL: &str = " (optional)";

fn removal_fields(v: &FormPairs, what: &str) -> Field {
    Field::tick(
        "removed",
        &format!("Has the {what} been removed?"),
        &format!("Yes, the {what} has been removed"),
        v,
    )
    .reveal(
        "yes",
        vec![Field::year(
            "removal_year",
            &format!("Year of removal{OPTIONAL}"),
            v,
        )],
    )
}

fn details_field(v: &FormPairs) -> Field {
    Field::textarea("details", "Additional details (optional)", v)
}

fn history_fields(kind: MedicalHistoryType, v: &FormPairs, who: &str) -> Vec<Field> {
    match kind {
        MedicalHistoryType::BreastCancer => {
            let surgery = [OtherSurgery::NoOtherSurgery, OtherSurgery::NotKnown];
            let radiotherapy = [Radiotherapy::NoRadiotherapy, Radiotherapy::NotKnown];
            vec![
                Field::radios::<CancerLocation>(
                    "location",
                    &format!("In which breasts has {who} had a cancer diagnosis?"),
                    v,
                ),
                Field::year("diagnosis_year", &format!("Year of diagnosis{OPTIONAL}"), v),
                Field::radios::<BreastProcedure>("right_procedure", "Right breast: procedure", v)
                    .beside_next(),
                Field::radios::<BreastProcedure>("left_procedure", "Left breast: procedure", v),
                Field::checkboxes(
                    "right_other_surgery",
                    "Right breast: other surgery",
                    &surgery,
                    v,
                )
                .beside_next(),
                Field::checkboxes(
                    "left_other_surgery",
                    "Left breast: other surgery",
                    &surgery,
                    v,
                ),
                Field::checkboxes(
                    "right_radiotherapy",
                    "Right breast: radiotherapy",
                    &radiotherapy,
                    v,
                )
                .beside_next(),
                Field::checkboxes(
                    "left_radiotherapy",
                    "Left breast: radiotherapy",
                    &radiotherapy,
                    v,
                ),
                Field::checkboxes(
                    "systemic_treatments",
                    "Systemic treatments",
                    &[
                        SystemicTreatment::NoSystemicTreatments,
                        SystemicTreatment::NotKnown,
                    ],
                    v,
                )
                .reveal(
                    SystemicTreatment::Other.as_str(),
                    vec![Field::text("systemic_other_details", "Other treatment", v)],
                ),
                Field::radios::<TreatmentLocation>(
                    "treatment_location",
                    "Where did surgery and treatment take place?",
                    v,
                ),
                Field::text(
                    "treatment_location_details",
                    "Hospital or clinic (optional)",
                    v,
                ),
                details_field(v),
            ]
        }
        MedicalHistoryType::ImplantedMedicalDevice => vec![
            Field::radios::<DeviceType>("device", "What device does the participant have?", v)
                .reveal(
                    DeviceType::Other.as_str(),
                    vec![Field::text("other_description", "Describe the device", v)],
                ),
            removal_fields(v, "device"),
            details_field(v),
        ],
        MedicalHistoryType::BreastImplants => vec![
            Field::radios::<Augmentation>("right", "Right breast", v).beside_next(),
            Field::radios::<Augmentation>("left", "Left breast", v),
            removal_fields(v, "implants"),
            details_field(v),
        ],
        MedicalHistoryType::MastectomyOrLumpectomy => vec![
            Field::radios::<BreastProcedure>("right_procedure", "Right breast: procedure", v)
                .beside_next(),
            Field::radios::<BreastProcedure>("left_procedure", "Left breast: procedure", v),
            Field::year("year", &format!("Year of the surgery{OPTIONAL}"), v),
            Field::radios::<SurgeryReason>("reason", "Why was the surgery done?", v).reveal(
                SurgeryReason::Other.as_str(),
                vec![Field::text("reason_details", "Describe the reason", v)],
            ),
            details_field(v),
        ],
        MedicalHistoryType::Cysts => vec![
            Field::radios::<CystTreatment>(
                "treatment",
                "What treatment has there been for cysts?",
                v,
            ),
            details_field(v),
        ],
        MedicalHistoryType::BenignLumps => vec![
            Field::radios::<BenignLumpTreatment>(
                "treatment",
                "What treatment has there been for benign lumps?",
                v,
            ),
            Field::year("diagnosis_year", &format!("Year of diagnosis{OPTIONAL}"), v),
            details_field(v),
        ],
        MedicalHistoryType::OtherProcedures => vec![
            Field::radios::<OtherProcedureKind>("procedure", "What procedure was it?", v).reveal(
                OtherProcedureKind::Other.as_str(),
                vec![Field::text(
                    "other_description",
                    "Describe the procedure",
                    v,
                )],
            ),
            Field::year("year", &format!("Year of the procedure{OPTIONAL}"), v),
            details_field(v).hint("For example, which breasts"),
        ],
    }
}

fn read_history(
    kind: MedicalHistoryType,
    v: &FormPairs,
    errors: &mut Errors,
) -> MedicalHistoryItem {
    let removed = ticked(v, "removed", "yes");
    match kind {
        MedicalHistoryType::BreastCancer => MedicalHistoryItem::BreastCancer(BreastCancer {
            location: one(v, "location"),
            right_procedure: one(v, "right_procedure"),
            left_procedure: one(v, "left_procedure"),
            right_other_surgery: many(v, "right_other_surgery"),
            left_other_surgery: many(v, "left_other_surgery"),
            right_radiotherapy: many(v, "right_radiotherapy"),
            left_radiotherapy: many(v, "left_radiotherapy"),
            systemic_treatments: many(v, "systemic_treatments"),
            systemic_other_details: text(v, "systemic_other_details"),
            diagnosis_year: read_year(v, "diagnosis_year", "Year of diagnosis", errors),
            treatment_location: one(v, "treatment_location"),
            treatment_location_details: text(v, "treatment_location_details"),
            details: text(v, "details"),
        }),
        MedicalHistoryType::ImplantedMedicalDevice => {
            MedicalHistoryItem::ImplantedMedicalDevice(ImplantedMedicalDevice {
                device: one(v, "device"),
                other_description: text(v, "other_description"),
                removed,
                removal_year: read_year(v, "removal_year", "Year of removal", errors),
                details: text(v, "details"),
            })
        }
        MedicalHistoryType::BreastImplants => MedicalHistoryItem::BreastImplants(BreastImplants {
            right: one(v, "right"),
            left: one(v, "left"),
            removed,
            removal_year: read_year(v, "removal_year", "Year of removal", errors),
            consent: one(v, "consent"),
            details: text(v, "details"),
        }),
        MedicalHistoryType::MastectomyOrLumpectomy => {
            MedicalHistoryItem::MastectomyOrLumpectomy(MastectomyOrLumpectomy {
                right_procedure: one(v, "right_procedure"),
                left_procedure: one(v, "left_procedure"),
                year: read_year(v, "year", "Year of the surgery", errors),
                reason: one(v, "reason"),
                reason_details: text(v, "reason_details"),
                details: text(v, "details"),
            })
        }
        MedicalHistoryType::Cysts => MedicalHistoryItem::Cysts(Cysts {
            treatment: one(v, "treatment"),
            details: text(v, "details"),
        }),
        MedicalHistoryType::BenignLumps => MedicalHistoryItem::BenignLumps(BenignLumps {
            treatment: one(v, "treatment"),
            diagnosis_year: read_year(v, "diagnosis_year", "Year of diagnosis", errors),
            details: text(v, "details"),
        }),
        MedicalHistoryType::OtherProcedures => {
            MedicalHistoryItem::OtherProcedures(OtherProcedures {
                procedure: one(v, "procedure"),
                other_description: text(v, "other_description"),
                year: read_year(v, "year", "Year of the procedure", errors),
                details: text(v, "details"),
            })
        }
    }
}

fn history_answers(item: &MedicalHistoryItem) -> FormPairs {
    let mut a = Answers::default();
    match item {
        MedicalHistoryItem::BreastCancer(c) => {
            a.choice("location", c.location);
            a.choice("right_procedure", c.right_procedure);
            a.choice("left_procedure", c.left_procedure);
            a.choices("right_other_surgery", &c.right_other_surgery);
            a.choices("left_other_surgery", &c.left_other_surgery);
            a.choices("right_radiotherapy", &c.right_radiotherapy);
            a.choices("left_radiotherapy", &c.left_radiotherapy);
            a.choices("systemic_treatments", &c.systemic_treatments);
            a.set("systemic_other_details", c.systemic_other_details.as_str());
            a.year("diagnosis_year", c.diagnosis_year);
            a.choice("treatment_location", c.treatment_location);
            a.set(
                "treatment_location_details",
                c.treatment_location_details.as_str(),
            );
            a.set("details", c.details.as_str());
        }
        MedicalHistoryItem::ImplantedMedicalDevice(d) => {
            a.choice("device", d.device);
            a.set("other_description", d.other_description.as_str());
            a.flag("removed", d.removed);
            a.year("removal_year", d.removal_year);
            a.set("details", d.details.as_str());
        }
        MedicalHistoryItem::BreastImplants(b) => {
            a.choice("right", b.right);
            a.choice("left", b.left);
            a.flag("removed", b.removed);
            a.year("removal_year", b.removal_year);
            a.choice("consent", b.consent);
            a.set("details", b.details.as_str());
        }
        MedicalHistoryItem::MastectomyOrLumpectomy(m) => {
            a.choice("right_procedure", m.right_procedure);
            a.choice("left_procedure", m.left_procedure);
            a.year("year", m.year);
            a.choice("reason", m.reason);
            a.set("reason_details", m.reason_details.as_str());
            a.set("details", m.details.as_str());
        }
        MedicalHistoryItem::Cysts(c) => {
            a.choice("treatment", c.treatment);
            a.set("details", c.details.as_str());
        }
        MedicalHistoryItem::BenignLumps(b) => {
            a.choice("treatment", b.treatment);
            a.year("diagnosis_year", b.diagnosis_year);
            a.set("details", b.details.as_str());
        }
        MedicalHistoryItem::OtherProcedures(o) => {
            a.choice("procedure", o.procedure);
            a.set("other_description", o.other_description.as_str());
            a.year("year", o.year);
            a.set("details", o.details.as_str());
        }
    }
    a.done()
}

/// The implant consent question, offering only the answers the recorded implants allow.
fn consent_field(implants: &BreastImplants, v: &FormPairs, who: &str) -> Field {
    Field::radios_of(
        "consent",
        &format!("Does {who} consent to continuing the mammogram with breast implants?"),
        &implants.consent_options(),
        v,
    )
    .hint("Breast implants can very rarely be damaged during a mammogram.")
}

// ---------------------------------------------------------------------------------------
// Symptoms
// ---------------------------------------------------------------------------------------

/// The stored value of each "When did it start?" answer (the domain gives the labels).
fn started_value(s: &SymptomStarted) -> &'static str {
    match s {
        SymptomStarted::LessThan3Months => "less_than_3_months",
        SymptomStarted::ThreeMonthsToAYear => "3_months_to_a_year",
        SymptomStarted::OneToThreeYears => "1_to_3_years",
        SymptomStarted::OverThreeYears => "over_3_years",
        SymptomStarted::SinceDate(_) => "since_date",
        SymptomStarted::NotKnown => "not_known",
    }
}

fn started_answers(today: Date) -> [SymptomStarted; 6] {
    [
        SymptomStarted::LessThan3Months,
        SymptomStarted::ThreeMonthsToAYear,
        SymptomStarted::OneToThreeYears,
        SymptomStarted::OverThreeYears,
        SymptomStarted::SinceDate(today),
        SymptomStarted::NotKnown,
    ]
}

fn symptom_fields(kind: SymptomType, v: &FormPairs, today: Date) -> Vec<Field> {
    let mut fields = vec![
        Field::tick(
            "noted_by_mammographer_as_clinical_sign",
            "Mammographer-noted sign",
            "This is a sign the mammographer noticed, not a symptom the participant reported",
            v,
        )
        .hint("For a sign, when it started can be left unanswered"),
    ];
    match kind {
        SymptomType::SkinChange => fields.push(
            Field::radios::<SkinChange>("change", "What kind of skin change?", v).reveal(
                SkinChange::Other.as_str(),
                vec![Field::text("description", "Describe the skin change", v)],
            ),
        ),
        SymptomType::NippleChange => fields.push(
            Field::radios::<NippleChange>("change", "What kind of nipple change?", v).reveal(
                NippleChange::Other.as_str(),
                vec![Field::text("description", "Describe the nipple change", v)],
            ),
        ),
        SymptomType::Other => fields.push(Field::text("description", "Describe the symptom", v)),
        _ => {}
    }
    let started = started_answers(today)
        .iter()
        .map(|s| (started_value(s), s.label().to_owned()))
        .collect();
    fields.extend([
        Field::radios::<SymptomArea>("area", "Where is the symptom?", v).reveal(
            SymptomArea::Other.as_str(),
            vec![Field::text("area_description", "Describe where", v)],
        ),
        Field::options("radios", "started", "When did it start?", started, v).reveal(
            "since_date",
            vec![Field::date("started_date", "Date it started", v).hint("For example, 15 3 2026")],
        ),
        Field::options(
            "checkboxes",
            "about",
            "About the symptom",
            vec![
                ("intermittent", "Intermittent".to_owned()),
                ("recently_resolved", "Recently resolved".to_owned()),
                ("investigated", "Investigated".to_owned()),
            ],
            v,
        )
        .hint("Select all that apply")
        .reveal(
            "investigated",
            vec![Field::textarea(
                "investigation_details",
                "How was it investigated?",
                v,
            )],
        ),
    ]);
    if symptom_kind(kind, None).asks_highlight() {
        fields.push(Field::yes_no("highlight_to_readers", HIGHLIGHT_QUESTION, v));
    }
    fields.push(details_field(v));
    fields
}

/// The symptom kind for a type and (for skin and nipple changes) the kind of change.
fn symptom_kind(kind: SymptomType, change: Option<&str>) -> SymptomKind {
    match kind {
        SymptomType::Lump => SymptomKind::Lump,
        SymptomType::SwellingOrShapeChange => SymptomKind::SwellingOrShapeChange,
        SymptomType::SkinChange => SymptomKind::SkinChange(
            change
                .and_then(|c| c.parse().ok())
                .unwrap_or(SkinChange::Rash),
        ),
        SymptomType::NippleChange => SymptomKind::NippleChange(
            change
                .and_then(|c| c.parse().ok())
                .unwrap_or(NippleChange::Inversion),
        ),
        SymptomType::BreastPain => SymptomKind::BreastPain,
        SymptomType::Other => SymptomKind::Other,
    }
}

fn read_symptom(kind: SymptomType, v: &FormPairs, today: Date, errors: &mut Errors) -> Symptom {
    let change = v.get("change");
    match kind {
        SymptomType::SkinChange if one::<SkinChange>(v, "change").is_none() => errors.push((
            "change".to_owned(),
            "Select the kind of skin change".to_owned(),
        )),
        SymptomType::NippleChange if one::<NippleChange>(v, "change").is_none() => errors.push((
            "change".to_owned(),
            "Select the kind of nipple change".to_owned(),
        )),
        _ => {}
    }
    let kind = symptom_kind(kind, change);
    let started = match v.get("started") {
        Some("since_date") => read_date(v, "started_date", "Date the symptom started", errors)
            .map(SymptomStarted::SinceDate)
            .or(Some(SymptomStarted::NotKnown)),
        Some(given) => started_answers(today)
            .into_iter()
            .find(|s| started_value(s) == given),
        None => None,
    };
    Symptom {
        kind,
        description: if kind.needs_description() {
            text(v, "description")
        } else {
            String::new()
        },
        area: one(v, "area"),
        area_description: text(v, "area_description"),
        started,
        intermittent: ticked(v, "about", "intermittent"),
        recently_resolved: ticked(v, "about", "recently_resolved"),
        investigated: ticked(v, "about", "investigated"),
        investigation_details: text(v, "investigation_details"),
        highlight_to_readers: if kind.asks_highlight() {
            v.get("highlight_to_readers").map(|a| a == "yes")
        } else {
            None
        },
        noted_by_mammographer_as_clinical_sign: ticked(
            v,
            "noted_by_mammographer_as_clinical_sign",
            "yes",
        ),
        details: text(v, "details"),
    }
}

fn symptom_answers(s: &Symptom) -> FormPairs {
    let mut a = Answers::default();
    a.flag(
        "noted_by_mammographer_as_clinical_sign",
        s.noted_by_mammographer_as_clinical_sign,
    );
    match s.kind {
        SymptomKind::SkinChange(c) => a.set("change", c.as_str()),
        SymptomKind::NippleChange(c) => a.set("change", c.as_str()),
        _ => {}
    }
    a.set("description", s.description.as_str());
    a.choice("area", s.area);
    a.set("area_description", s.area_description.as_str());
    if let Some(started) = &s.started {
        a.set("started", started_value(started));
        if let SymptomStarted::SinceDate(date) = started {
            a.date("started_date", *date);
        }
    }
    for (on, value) in [
        (s.intermittent, "intermittent"),
        (s.recently_resolved, "recently_resolved"),
        (s.investigated, "investigated"),
    ] {
        if on {
            a.set("about", value);
        }
    }
    a.set("investigation_details", s.investigation_details.as_str());
    if let Some(h) = s.highlight_to_readers {
        a.set("highlight_to_readers", if h { "yes" } else { "no" });
    }
    a.set("details", s.details.as_str());
    a.done()
}

// ---------------------------------------------------------------------------------------
// Breast features, density factors, other information
// ---------------------------------------------------------------------------------------

fn feature_fields(v: &FormPairs) -> Vec<Field> {
    vec![
        Field::radios::<FeatureKind>("kind", "What is the feature?", v).reveal(
            FeatureKind::Other.as_str(),
            vec![Field::text("description", "Describe the feature", v)],
        ),
        Field::radios::<Side>("side", "Which breast?", v),
        Field::text("location", "Where on the breast is it?", v)
            .hint("For example, upper outer, 2cm above the nipple"),
    ]
}

fn read_feature(
    v: &FormPairs,
    existing: Option<&BreastFeature>,
    errors: &mut Errors,
) -> Option<BreastFeature> {
    let kind = one::<FeatureKind>(v, "kind");
    let side = one::<Side>(v, "side");
    if kind.is_none() {
        errors.push(("kind".to_owned(), "Select the feature".to_owned()));
    }
    if side.is_none() {
        errors.push(("side".to_owned(), "Select which breast".to_owned()));
    }
    let feature = BreastFeature {
        kind: kind.unwrap_or(FeatureKind::Mole),
        description: text(v, "description"),
        side: side.unwrap_or(Side::Right),
        // No diagram here: a mark made elsewhere is kept.
        position: existing.and_then(|f| f.position),
        location: text(v, "location"),
    };
    // The domain names the place "position" (the diagram); here it is described.
    errors.extend(pairs(feature.validate()).into_iter().map(|(f, m)| {
        (
            if f == "position" {
                "location".to_owned()
            } else {
                f
            },
            m,
        )
    }));
    (kind.is_some() && side.is_some()).then_some(feature)
}

fn feature_answers(f: &BreastFeature) -> FormPairs {
    let mut a = Answers::default();
    a.set("kind", f.kind.as_str());
    a.set("description", f.description.as_str());
    a.set("side", f.side.as_str());
    a.set("location", f.location.as_str());
    a.done()
}

fn density_fields(v: &FormPairs, who: &str) -> Vec<Field> {
    vec![
        Field::radios::<Answer3>(
            "hrt_started_since_last_screening",
            &format!("Has {who} started hormone replacement therapy (HRT) since their last breast screening?"),
            v,
        )
        .reveal(
            Answer3::Yes.as_str(),
            vec![Field::textarea("hrt_details", "About the HRT (optional)", v)],
        ),
        Field::radios::<Answer3>(
            "pregnant_or_breastfeeding",
            &format!("Is {who} pregnant or breastfeeding?"),
            v,
        )
        .reveal(
            Answer3::Yes.as_str(),
            vec![Field::textarea("details", "Details (optional)", v)],
        ),
    ]
}

fn read_density(v: &FormPairs) -> DensityFactors {
    DensityFactors {
        hrt_started_since_last_screening: one(v, "hrt_started_since_last_screening"),
        hrt_details: text(v, "hrt_details"),
        pregnant_or_breastfeeding: one(v, "pregnant_or_breastfeeding"),
        details: text(v, "details"),
    }
}

fn density_answers(d: &DensityFactors) -> FormPairs {
    let mut a = Answers::default();
    a.choice(
        "hrt_started_since_last_screening",
        d.hrt_started_since_last_screening,
    );
    a.set("hrt_details", d.hrt_details.as_str());
    a.choice("pregnant_or_breastfeeding", d.pregnant_or_breastfeeding);
    a.set("details", d.details.as_str());
    a.done()
}

// ---------------------------------------------------------------------------------------
// Which form
// ---------------------------------------------------------------------------------------

/// A form of the step: adding (`None`) or changing (`Some(index)`) an item, choosing what
/// to add, or one of the two single-answer sections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    Mammogram(Option<usize>),
    ChooseHistory,
    History(Option<usize>, MedicalHistoryType),
    ChooseSymptom,
    Symptom(Option<usize>, SymptomType),
    Feature(Option<usize>),
    Density,
    Other,
}

const LISTS: [(&str, MedicalSection); 4] = [
    ("mammograms", MedicalSection::MammogramHistory),
    ("history", MedicalSection::MedicalHistory),
    ("symptoms", MedicalSection::Symptoms),
    ("features", MedicalSection::BreastFeatures),
];

fn list_path(section: MedicalSection) -> &'static str {
    LISTS
        .iter()
        .find(|(_, s)| *s == section)
        .map_or("", |(p, _)| p)
}

impl Form {
    fn section(self) -> MedicalSection {
        match self {
            Form::Mammogram(_) => MedicalSection::MammogramHistory,
            Form::ChooseHistory | Form::History(..) => MedicalSection::MedicalHistory,
            Form::ChooseSymptom | Form::Symptom(..) => MedicalSection::Symptoms,
            Form::Feature(_) => MedicalSection::BreastFeatures,
            Form::Density => MedicalSection::BreastDensityFactors,
            Form::Other => MedicalSection::OtherMedicalInformation,
        }
    }

    /// Where the form is shown and submitted.
    fn href(self, id: Uuid) -> String {
        let base = Step::Medical.href(id);
        let item = |index: Option<usize>| index.map_or("new".to_owned(), |i| i.to_string());
        match self {
            Form::Mammogram(i) => format!("{base}/mammograms/{}", item(i)),
            Form::ChooseHistory => format!("{base}/history/new"),
            Form::History(None, kind) => format!("{base}/history/new/{}", kind.as_str()),
            Form::History(i, _) => format!("{base}/history/{}", item(i)),
            Form::ChooseSymptom => format!("{base}/symptoms/new"),
            Form::Symptom(None, kind) => format!("{base}/symptoms/new/{}", kind.as_str()),
            Form::Symptom(i, _) => format!("{base}/symptoms/{}", item(i)),
            Form::Feature(i) => format!("{base}/features/{}", item(i)),
            Form::Density => format!("{base}/density"),
            Form::Other => format!("{base}/other"),
        }
    }

    /// The change form of an item already recorded.
    fn of_item(info: &MedicalInformation, section: MedicalSection, index: usize) -> Option<Form> {
        match section {
            MedicalSection::MammogramHistory => info
                .mammograms
                .get(index)
                .map(|_| Form::Mammogram(Some(index))),
            MedicalSection::MedicalHistory => info
                .history
                .get(index)
                .map(|c| Form::History(Some(index), c.item.kind())),
            MedicalSection::Symptoms => info
                .symptoms
                .get(index)
                .map(|c| Form::Symptom(Some(index), c.item.kind.symptom_type())),
            MedicalSection::BreastFeatures => {
                info.features.get(index).map(|_| Form::Feature(Some(index)))
            }
            _ => None,
        }
    }

    /// The answers the form starts with: the saved item's, or none.
    fn answers(self, info: &MedicalInformation) -> FormPairs {
        let saved = |index: Option<usize>, f: &dyn Fn(usize) -> Option<FormPairs>| {
            index.and_then(f).unwrap_or(FormPairs(Vec::new()))
        };
        match self {
            Form::Mammogram(i) => saved(i, &|i| {
                info.mammograms.get(i).map(|c| mammogram_answers(&c.item))
            }),
            Form::History(i, _) => saved(i, &|i| {
                info.history.get(i).map(|c| history_answers(&c.item))
            }),
            Form::Symptom(i, _) => saved(i, &|i| {
                info.symptoms.get(i).map(|c| symptom_answers(&c.item))
            }),
            Form::Feature(i) => saved(i, &|i| {
                info.features.get(i).map(|c| feature_answers(&c.item))
            }),
            Form::Density => info
                .density
                .as_ref()
                .map_or(FormPairs(Vec::new()), density_answers),
            Form::Other => FormPairs(vec![("other".to_owned(), info.other.clone())]),
            Form::ChooseHistory | Form::ChooseSymptom => FormPairs(Vec::new()),
        }
    }
}

/// `/medical-information/{page}`: "density" or "other".
fn page_form(page: &str) -> Result<Form, AppError> {
    match page {
        "density" => Ok(Form::Density),
        "other" => Ok(Form::Other),
        _ => Err(AppError::NotFound),
    }
}

/// `/medical-information/{list}/{key}`: "new" or the index of a recorded item.
fn item_form(info: &MedicalInformation, list: &str, key: &str) -> Result<Form, AppError> {
    let section = LISTS
        .iter()
        .find(|(p, _)| *p == list)
        .map(|(_, s)| *s)
        .ok_or(AppError::NotFound)?;
    if key == "new" {
        return Ok(match section {
            MedicalSection::MammogramHistory => Form::Mammogram(None),
            MedicalSection::MedicalHistory => Form::ChooseHistory,
            MedicalSection::Symptoms => Form::ChooseSymptom,
            _ => Form::Feature(None),
        });
    }
    let index = key.parse::<usize>().map_err(|_| AppError::NotFound)?;
    Form::of_item(info, section, index).ok_or(AppError::NotFound)
}

/// `/medical-information/{list}/new/{kind}`.
fn new_typed_form(list: &str, kind: &str) -> Result<Form, AppError> {
    match list {
        "history" => kind
            .parse()
            .map(|k| Form::History(None, k))
            .map_err(|_| AppError::NotFound),
        "symptoms" => kind
            .parse()
            .map(|k| Form::Symptom(None, k))
            .map_err(|_| AppError::NotFound),
        _ => Err(AppError::NotFound),
    }
}

// ---------------------------------------------------------------------------------------
// Rendering a form
// ---------------------------------------------------------------------------------------

pub struct Callout {
    pub heading: &'static str,
    pub paragraphs: Vec<String>,
    pub end_href: String,
    pub end_label: &'static str,
    pub fields: Vec<Field>,
}

#[derive(Template)]
#[template(path = "workflow/medical_form.html")]
struct FormPage {
    layout: Layout,
    frame: Frame,
    caption: &'static str,
    heading: String,
    intro: Vec<String>,
    action: String,
    back: String,
    errors: Errors,
    hidden: Vec<(String, String)>,
    /// Questions in page order; two in a row are drawn side by side.
    rows: Vec<Vec<Field>>,
    callout: Option<Callout>,
    submit: &'static str,
}

/// Everything a step page needs: the workflow, its medical information, and today.
struct Ctx<'a> {
    state: &'a AppState,
    staff: &'a Staff,
    id: Uuid,
    wf: Workflow,
    info: MedicalInformation,
    today: Date,
    /// The participant's other screens on the service's record (any provider).
    recorded: Vec<RecordedScreen>,
}

impl Ctx<'_> {
    fn first_name(&self) -> &str {
        &self.wf.appointment.participant.first_name
    }

    fn overview(&self, section: MedicalSection) -> String {
        format!(
            "{}#section-{}",
            Step::Medical.href(self.id),
            section.as_str()
        )
    }

    fn layout(&self, title: &str, errors: bool) -> Layout {
        let title = format!(
            "{}{title} – {}",
            if errors { "Error: " } else { "" },
            self.wf.appointment.participant.full_name()
        );
        Layout::new(
            title,
            Some(self.staff.0.clone()),
            self.state.config.demo_mode,
        )
    }
}

async fn context<'a>(state: &'a AppState, staff: &'a Staff, id: &str) -> Result<Ctx<'a>, AppError> {
    let id = parse_id(id)?;
    let wf = load_step(state, staff, id, Step::Medical).await?;
    let info = read(&wf)?;
    let recorded = state
        .store
        .recorded_screens(staff.scope(), wf.appointment.participant.id, id)
        .await?;
    Ok(Ctx {
        state,
        staff,
        id,
        wf,
        info,
        today: state.today(),
        recorded,
    })
}

/// Answers to carry from the details of breast implants onto the consent question.
fn answers_so_far(v: &FormPairs) -> Vec<(String, String)> {
    v.0.iter()
        .filter(|(k, _)| {
            !matches!(
                k.as_str(),
                "csrf_token" | "version" | "consent" | "consent_step"
            )
        })
        .cloned()
        .collect()
}

/// Draws a form with the answers given and any errors. `consent` shows the implant consent
/// question (the details answered so far ride along as hidden fields).
fn form_page(
    ctx: &Ctx<'_>,
    form: Form,
    v: &FormPairs,
    mut errors: Errors,
    consent: bool,
) -> PageResult {
    let who = ctx.first_name();
    let section = form.section();
    let mut intro = Vec::new();
    let mut hidden = Vec::new();
    let mut callout = None;
    let mut submit = "Save";
    let (heading, mut fields) = match form {
        Form::Mammogram(i) => {
            let m = read_mammogram(v, &mut Vec::new());
            if m.within_six_months(ctx.today) {
                submit = "Continue with this appointment";
                callout = Some(Callout {
                    heading: SHOULD_NOT_PROCEED,
                    paragraphs: vec![
                        "This mammogram was less than 6 months ago. Mammograms should be at least 6 months apart (IR(ME)R).".to_owned(),
                        "End the appointment, or continue only if there is a clinical reason to and record that reason below.".to_owned(),
                    ],
                    end_href: format!("/appointments/{}/cannot-proceed", ctx.id),
                    end_label: "End the appointment",
                    fields: vec![Field::textarea(
                        "reason_to_continue",
                        "Reason for continuing with this appointment",
                        v,
                    )],
                });
            }
            (
                if i.is_some() {
                    "Change previous mammogram"
                } else {
                    "Add a previous mammogram"
                }
                .to_owned(),
                mammogram_fields(v, &ctx.wf.appointment.participant.full_name(), ctx.today),
            )
        }
        Form::ChooseHistory => {
            let offered: Vec<MedicalHistoryType> = MedicalHistoryType::ALL
                .iter()
                .copied()
                .filter(|k| can_add(ctx.info.history_items(), *k))
                .collect();
            if offered.len() < MedicalHistoryType::ALL.len() {
                intro.push(format!(
                    "{} is already recorded: change it on the medical information page.",
                    MedicalHistoryType::BreastImplants.label()
                ));
            }
            submit = "Continue";
            (
                "What kind of medical history?".to_owned(),
                vec![Field::radios_of(
                    "type",
                    "Type of medical history",
                    &offered,
                    v,
                )],
            )
        }
        Form::History(i, kind) => {
            if consent
                && let MedicalHistoryItem::BreastImplants(b) =
                    read_history(kind, v, &mut Vec::new())
            {
                hidden = answers_so_far(v);
                hidden.push(("consent_step".to_owned(), "1".to_owned()));
                (
                    "Consent to continue".to_owned(),
                    vec![consent_field(&b, v, who)],
                )
            } else {
                (
                    format!(
                        "{} {}",
                        if i.is_some() { "Change" } else { "Add" },
                        kind.label().to_lowercase()
                    ),
                    history_fields(kind, v, who),
                )
            }
        }
        Form::ChooseSymptom => {
            submit = "Continue";
            (
                "What kind of symptom?".to_owned(),
                vec![Field::radios::<SymptomType>("type", "Type of symptom", v)],
            )
        }
        Form::Symptom(i, kind) => (
            format!(
                "{} symptom: {}",
                if i.is_some() { "Change" } else { "Add" },
                kind.label().to_lowercase()
            ),
            symptom_fields(kind, v, ctx.today),
        ),
        Form::Feature(i) => {
            intro.push("Record moles, warts, scars and other features so that image readers can tell them from findings.".to_owned());
            (
                if i.is_some() {
                    "Change breast feature"
                } else {
                    "Add a breast feature"
                }
                .to_owned(),
                feature_fields(v),
            )
        }
        Form::Density => ("Breast density factors".to_owned(), density_fields(v, who)),
        Form::Other => (
            "Other medical information".to_owned(),
            vec![
                Field::textarea("other", "Other medical information", v)
                    .hint("Only what is relevant to the mammogram or to image readers"),
            ],
        ),
    };
    // The callout's reason is a field of the form too: errors attach to it in page order.
    let in_callout = callout.as_ref().map_or(0, |c| c.fields.len());
    if let Some(c) = &mut callout {
        fields.append(&mut c.fields);
    }
    attach_errors(&mut fields, &mut errors);
    if let Some(c) = &mut callout {
        c.fields = fields.split_off(fields.len() - in_callout);
    }
    let mut rows: Vec<Vec<Field>> = Vec::new();
    let mut joining = false;
    for field in fields {
        let beside = field.beside;
        match rows.last_mut() {
            Some(row) if joining => row.push(field),
            _ => rows.push(vec![field]),
        }
        joining = beside;
    }
    let has_errors = !errors.is_empty();
    let page = FormPage {
        layout: ctx.layout(&heading, has_errors),
        frame: Frame::new(&ctx.wf, Step::Medical),
        caption: section.label(),
        heading,
        intro,
        action: form.href(ctx.id),
        back: ctx.overview(section),
        errors,
        hidden,
        rows,
        callout,
        submit,
    };
    let mut res = render(page)?;
    if has_errors {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

// ---------------------------------------------------------------------------------------
// Submitting a form
// ---------------------------------------------------------------------------------------

/// Puts an item in its list: a new one is recorded today; a changed one is updated, or
/// only confirmed when it comes back unchanged.
fn place<T: PartialEq>(
    items: &mut Vec<CarriedForward<T>>,
    index: Option<usize>,
    item: T,
    today: Date,
) -> Result<(), AppError> {
    match index {
        None => items.push(CarriedForward::recorded(item, today)),
        Some(i) => {
            let existing = items.get_mut(i).ok_or(AppError::NotFound)?;
            if existing.item == item {
                existing.confirm();
            } else {
                existing.update(item, today);
            }
        }
    }
    Ok(())
}

/// Checks the whole document and saves it, then goes to `next` (or shows the form again
/// with whatever the document-wide rules refuse).
async fn save_then(
    ctx: &Ctx<'_>,
    form: Form,
    v: &FormPairs,
    version: i64,
    next: String,
) -> PageResult {
    if let Err(errors) = ctx.info.validate(ctx.today) {
        return form_page(ctx, form, v, pairs(Err(errors)), false);
    }
    app::save_medical(
        &ctx.state.store,
        &ctx.staff.caller(),
        app::SaveMedical {
            appointment_id: ctx.id,
            info: &ctx.info,
            expected_version: version,
        },
    )
    .await?;
    Ok(Redirect::to(&next).into_response())
}

async fn submit(mut ctx: Ctx<'_>, form: Form, v: FormPairs) -> PageResult {
    let version = v.version()?;
    let today = ctx.today;
    let mut errors = Errors::new();
    let mut next = ctx.overview(form.section());
    match form {
        Form::ChooseHistory => {
            return match one::<MedicalHistoryType>(&v, "type") {
                Some(kind) if can_add(ctx.info.history_items(), kind) => {
                    Ok(Redirect::to(&Form::History(None, kind).href(ctx.id)).into_response())
                }
                Some(kind) => form_page(
                    &ctx,
                    form,
                    &v,
                    vec![(
                        "type".to_owned(),
                        format!(
                            "{} can only be recorded once: change the one recorded",
                            kind.label()
                        ),
                    )],
                    false,
                ),
                None => form_page(
                    &ctx,
                    form,
                    &v,
                    vec![(
                        "type".to_owned(),
                        "Select the type of medical history".to_owned(),
                    )],
                    false,
                ),
            };
        }
        Form::ChooseSymptom => {
            return match one::<SymptomType>(&v, "type") {
                Some(kind) => {
                    Ok(Redirect::to(&Form::Symptom(None, kind).href(ctx.id)).into_response())
                }
                None => form_page(
                    &ctx,
                    form,
                    &v,
                    vec![("type".to_owned(), "Select the type of symptom".to_owned())],
                    false,
                ),
            };
        }
        Form::Mammogram(index) => {
            let mut m = read_mammogram(&v, &mut errors);
            let within = m.within_six_months(today);
            if !within {
                m.reason_to_continue = None;
            }
            errors.extend(pairs(m.validate_for_appointment(today)));
            // The first time a recent mammogram is entered the page explains the rule and
            // asks for a reason; only a blank reason once asked is an error.
            if v.get("reason_asked").is_none() {
                errors.retain(|(f, _)| f != "reason_to_continue");
            }
            if !errors.is_empty() || (within && !m.has_reason_to_continue()) {
                return form_page(&ctx, form, &v, errors, false);
            }
            place(&mut ctx.info.mammograms, index, m, today)?;
        }
        Form::History(index, kind) => {
            let item = read_history(kind, &v, &mut errors);
            errors.extend(pairs(item.validate(today)));
            if let MedicalHistoryItem::BreastImplants(b) = &item {
                let consent_step = v.get("consent_step").is_some();
                let consent_only = errors.iter().all(|(f, _)| f == "consent");
                if !consent_step {
                    errors.retain(|(f, _)| f != "consent");
                    if !errors.is_empty() {
                        return form_page(&ctx, form, &v, errors, false);
                    }
                    if b.consent_required() {
                        return form_page(&ctx, form, &v, Vec::new(), true);
                    }
                } else if !errors.is_empty() {
                    return form_page(&ctx, form, &v, errors, consent_only);
                }
                if b.consent_outcome() == Some(ImplantConsentOutcome::EndAppointment) {
                    next = format!("/appointments/{}/cannot-proceed", ctx.id);
                }
            } else if !errors.is_empty() {
                return form_page(&ctx, form, &v, errors, false);
            }
            place(&mut ctx.info.history, index, item, today)?;
        }
        Form::Symptom(index, kind) => {
            let symptom = read_symptom(kind, &v, today, &mut errors);
            errors.extend(pairs(symptom.validate(today)));
            if !errors.is_empty() {
                return form_page(&ctx, form, &v, errors, false);
            }
            place(&mut ctx.info.symptoms, index, symptom, today)?;
        }
        Form::Feature(index) => {
            let existing = index
                .and_then(|i| ctx.info.features.get(i))
                .map(|c| &c.item);
            let feature = read_feature(&v, existing, &mut errors);
            match feature {
                Some(feature) if errors.is_empty() => {
                    place(&mut ctx.info.features, index, feature, today)?;
                }
                _ => return form_page(&ctx, form, &v, errors, false),
            }
        }
        Form::Density => {
            let density = read_density(&v);
            errors.extend(pairs(density.validate()));
            if !errors.is_empty() {
                return form_page(&ctx, form, &v, errors, false);
            }
            ctx.info.density = Some(density);
        }
        Form::Other => {
            ctx.info.other = text(&v, "other");
        }
    }
    save_then(&ctx, form, &v, version, next).await
}

// ---------------------------------------------------------------------------------------
// Form handlers
// ---------------------------------------------------------------------------------------

/// `GET /appointments/{id}/medical-information/{page}` (density, other).
pub async fn page_show(
    State(state): State<AppState>,
    staff: Staff,
    Path((id, page)): Path<(String, String)>,
) -> PageResult {
    let ctx = context(&state, &staff, &id).await?;
    let form = page_form(&page)?;
    form_page(&ctx, form, &form.answers(&ctx.info), Vec::new(), false)
}

/// `POST /appointments/{id}/medical-information/{page}`.
pub async fn page_submit(
    State(state): State<AppState>,
    staff: Staff,
    Path((id, page)): Path<(String, String)>,
    v: FormPairs,
) -> PageResult {
    let ctx = context(&state, &staff, &id).await?;
    let form = page_form(&page)?;
    submit(ctx, form, v).await
}

/// `GET /appointments/{id}/medical-information/{list}/{key}`: add ("new") or change.
pub async fn item_show(
    State(state): State<AppState>,
    staff: Staff,
    Path((id, list, key)): Path<(String, String, String)>,
) -> PageResult {
    let ctx = context(&state, &staff, &id).await?;
    let form = item_form(&ctx.info, &list, &key)?;
    form_page(&ctx, form, &form.answers(&ctx.info), Vec::new(), false)
}

/// `POST /appointments/{id}/medical-information/{list}/{key}`.
pub async fn item_submit(
    State(state): State<AppState>,
    staff: Staff,
    Path((id, list, key)): Path<(String, String, String)>,
    v: FormPairs,
) -> PageResult {
    let ctx = context(&state, &staff, &id).await?;
    let form = item_form(&ctx.info, &list, &key)?;
    submit(ctx, form, v).await
}

/// `GET /appointments/{id}/medical-information/{list}/new/{kind}`.
pub async fn new_item_show(
    State(state): State<AppState>,
    staff: Staff,
    Path((id, list, kind)): Path<(String, String, String)>,
) -> PageResult {
    let ctx = context(&state, &staff, &id).await?;
    let form = new_typed_form(&list, &kind)?;
    if let Form::History(_, kind) = form
        && !can_add(ctx.info.history_items(), kind)
    {
        return Ok(Redirect::to(&ctx.overview(MedicalSection::MedicalHistory)).into_response());
    }
    form_page(&ctx, form, &FormPairs(Vec::new()), Vec::new(), false)
}

/// `POST /appointments/{id}/medical-information/{list}/new/{kind}`.
pub async fn new_item_submit(
    State(state): State<AppState>,
    staff: Staff,
    Path((id, list, kind)): Path<(String, String, String)>,
    v: FormPairs,
) -> PageResult {
    let ctx = context(&state, &staff, &id).await?;
    let form = new_typed_form(&list, &kind)?;
    submit(ctx, form, v).await
}

// ---------------------------------------------------------------------------------------
// The overview
// ---------------------------------------------------------------------------------------

pub struct ItemView {
    pub index: usize,
    pub title: String,
    pub summary: String,
    /// (text, colour)
    pub tags: Vec<(&'static str, &'static str)>,
    pub lines: Vec<String>,
    /// "Recorded on" for items recorded before today.
    pub recorded_on: Option<String>,
    /// Carried forward and not yet confirmed.
    pub unconfirmed: bool,
    pub change_href: String,
}

pub struct SectionView {
    pub value: &'static str,
    pub label: &'static str,
    pub status: &'static str,
    pub reviewed: bool,
    pub count: String,
    pub description: &'static str,
    pub empty: &'static str,
    pub items: Vec<ItemView>,
    pub rows: Vec<(String, String)>,
    pub add_href: String,
    pub add_label: &'static str,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "workflow/medical.html")]
struct OverviewPage {
    layout: Layout,
    frame: Frame,
    base: String,
    errors: Errors,
    should_not_proceed: bool,
    /// The participant's screens on record in the last 6 months ("a screen at ... on ...").
    recent_screens: Vec<String>,
    /// The reason recorded for continuing despite them, if any.
    recorded_reason: Option<String>,
    recorded_reason_field: &'static str,
    recorded_reason_error: Option<String>,
    consent_refused: bool,
    imaging_notes: Vec<String>,
    sections: Vec<SectionView>,
}

/// A summary without its leading "Type: " (the row's key already says the type).
fn without_heading(summary: String, heading: &str) -> String {
    if summary == heading {
        String::new()
    } else {
        summary
            .strip_prefix(&format!("{heading}: "))
            .map(str::to_owned)
            .unwrap_or(summary)
    }
}

fn item_view<T>(
    c: &CarriedForward<T>,
    index: usize,
    title: String,
    summary: String,
    change_href: String,
    today: Date,
) -> ItemView {
    // From an earlier appointment: waiting to be confirmed, or recorded before today.
    let carried = !c.confirmed || c.recorded_on < today;
    let mut tags = Vec::new();
    if carried && c.confirmed {
        tags.push(("Confirmed", "green"));
    }
    ItemView {
        index,
        summary: without_heading(summary, &title),
        title,
        tags,
        lines: Vec::new(),
        recorded_on: carried.then(|| long_date(c.recorded_on)),
        unconfirmed: !c.confirmed,
        change_href,
    }
}

fn section_views(ctx: &Ctx<'_>, errors: &Errors) -> Vec<SectionView> {
    let info = &ctx.info;
    let today = ctx.today;
    let base = Step::Medical.href(ctx.id);
    MedicalSection::ALL
        .iter()
        .map(|&section| {
            let list = list_path(section);
            let href = |i: usize| format!("{base}/{list}/{i}");
            let mut rows = Vec::new();
            let (description, empty, add_label, items): (_, _, _, Vec<ItemView>) = match section {
                MedicalSection::MammogramHistory => (
                    "Mammograms the participant has had that may not be on our records, including outside the NHS or the UK.",
                    "No previous mammograms reported.",
                    "Add a previous mammogram",
                    info.mammograms
                        .iter()
                        .enumerate()
                        .map(|(i, c)| {
                            let mut v = item_view(c, i, "Previous mammogram".to_owned(), c.item.summary(), href(i), today);
                            if c.item.within_six_months(today) {
                                v.tags.push(("Less than 6 months ago", "red"));
                            }
                            if let Some(name) = &c.item.previous_name {
                                v.lines.push(format!("Previous name: {name}"));
                            }
                            if let Some(reason) = c.item.reason_to_continue.as_deref().filter(|_| c.item.has_reason_to_continue()) {
                                v.lines.push(format!("Reason for continuing: {reason}"));
                            }
                            v
                        })
                        .collect(),
                ),
                MedicalSection::MedicalHistory => (
                    "Breast cancer, implants, implanted devices, breast surgery, cysts, benign lumps and other procedures.",
                    "No medical history recorded.",
                    "Add medical history",
                    info.history
                        .iter()
                        .enumerate()
                        .map(|(i, c)| {
                            let title = c.item.kind().label().to_owned();
                            let mut v = item_view(c, i, title, c.item.summary(), href(i), today);
                            if let MedicalHistoryItem::BreastImplants(b) = &c.item
                                && b.consent_required()
                            {
                                v.lines.push(match b.consent {
                                    Some(answer) => format!("Consent to continue: {}", answer.label()),
                                    None => "Consent to continue: not yet asked".to_owned(),
                                });
                            }
                            v
                        })
                        .collect(),
                ),
                MedicalSection::Symptoms => (
                    "Current breast problems such as lumps, swelling, skin or nipple changes, and signs the mammographer notices.",
                    "No symptoms recorded.",
                    "Add a symptom",
                    info.symptoms
                        .iter()
                        .enumerate()
                        .map(|(i, c)| {
                            let title = c.item.kind.symptom_type().label().to_owned();
                            let mut v = item_view(c, i, title, c.item.summary(), href(i), today);
                            if is_significant(&c.item) {
                                v.tags.push(("Significant", "orange"));
                            }
                            v
                        })
                        .collect(),
                ),
                MedicalSection::BreastFeatures => (
                    "Moles, warts, scars, bruising and other visible features, so readers can tell them from findings.",
                    "No breast features recorded.",
                    "Add a breast feature",
                    info.features
                        .iter()
                        .enumerate()
                        .map(|(i, c)| item_view(c, i, c.item.kind.label().to_owned(), c.item.summary(), href(i), today))
                        .collect(),
                ),
                MedicalSection::BreastDensityFactors => {
                    if let Some(d) = &info.density {
                        let answer = |a: Option<Answer3>, details: &str| {
                            let mut text = a.map_or("Not answered", Answer3::label).to_owned();
                            if !details.trim().is_empty() {
                                text.push_str(": ");
                                text.push_str(details.trim());
                            }
                            text
                        };
                        rows.push((
                            "HRT started since last screening".to_owned(),
                            answer(d.hrt_started_since_last_screening, &d.hrt_details),
                        ));
                        rows.push((
                            "Pregnant or breastfeeding".to_owned(),
                            answer(d.pregnant_or_breastfeeding, &d.details),
                        ));
                    }
                    (
                        "Hormone replacement therapy (HRT) started since their last screening, pregnancy and breastfeeding.",
                        "Not asked yet.",
                        if info.density.is_some() { "Change breast density factors" } else { "Add breast density factors" },
                        Vec::new(),
                    )
                }
                MedicalSection::OtherMedicalInformation => {
                    if !info.other.trim().is_empty() {
                        rows.push(("Details".to_owned(), info.other.clone()));
                    }
                    (
                        "Anything else relevant that comes up. There is no need to ask about this routinely.",
                        "Nothing recorded.",
                        if info.other.trim().is_empty() { "Add other medical information" } else { "Change other medical information" },
                        Vec::new(),
                    )
                }
            };
            let add_href = match section {
                MedicalSection::BreastDensityFactors => Form::Density.href(ctx.id),
                MedicalSection::OtherMedicalInformation => Form::Other.href(ctx.id),
                _ => format!("{base}/{list}/new"),
            };
            let unconfirmed = items.iter().filter(|i| i.unconfirmed).count();
            let count = match (items.len(), unconfirmed) {
                (0, _) => String::new(),
                (1, 0) => "1 item".to_owned(),
                (n, 0) => format!("{n} items"),
                (n, u) => format!("{n} {}, {u} to confirm", if n == 1 { "item" } else { "items" }),
            };
            let status = info.status(section);
            SectionView {
                value: section.as_str(),
                label: section.label(),
                status: status.label(),
                reviewed: status == SectionStatus::Reviewed,
                count,
                description,
                empty,
                items,
                rows,
                add_href,
                add_label,
                error: errors
                    .iter()
                    .find(|(f, _)| *f == format!("section-{}", section.as_str()))
                    .map(|(_, m)| m.clone()),
            }
        })
        .collect()
}

/// What the images step will expect, so the mammographer sees it before imaging.
fn imaging_notes(info: &MedicalInformation) -> Vec<String> {
    let mut notes: Vec<String> = breasts_without_tissue(info.history_items())
        .into_iter()
        .map(|side| {
            format!(
                "No tissue remaining in the {} breast: it is not expected to be imaged.",
                side.label().to_lowercase()
            )
        })
        .collect();
    if let Some(ImplantConsentOutcome::ContinueWithOneBreast(side)) = info.implant_consent_outcome()
    {
        notes.push(format!(
            "Consent given to scan the {} breast (no implant) only.",
            side.label().to_lowercase()
        ));
    }
    if has_implants(info.history_items()) {
        notes.push("Breast implants in place: implant-displaced views may be needed.".to_owned());
    }
    notes
}

fn overview_page(ctx: &Ctx<'_>, errors: Errors) -> PageResult {
    let has_errors = !errors.is_empty();
    let page = OverviewPage {
        layout: ctx.layout(Step::Medical.label(), has_errors),
        frame: Frame::new(&ctx.wf, Step::Medical),
        base: Step::Medical.href(ctx.id),
        should_not_proceed: ctx
            .info
            .six_month_rule_with_record(ctx.today, &ctx.recorded)
            == SixMonthRule::ShouldNotProceed,
        recent_screens: recent_recorded_screens(&ctx.recorded, ctx.today)
            .into_iter()
            .map(RecordedScreen::describe)
            .collect(),
        recorded_reason: ctx
            .info
            .recorded_screen_reason_to_continue
            .clone()
            .filter(|_| ctx.info.has_recorded_screen_reason()),
        recorded_reason_field: RECORDED_SCREEN_REASON_FIELD,
        recorded_reason_error: errors
            .iter()
            .find(|(f, _)| f == RECORDED_SCREEN_REASON_FIELD)
            .map(|(_, m)| m.clone()),
        consent_refused: ctx.info.implant_consent_outcome()
            == Some(ImplantConsentOutcome::EndAppointment),
        imaging_notes: imaging_notes(&ctx.info),
        sections: section_views(ctx, &errors),
        errors,
    };
    let mut res = render(page)?;
    if has_errors {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

/// `GET /appointments/{id}/medical-information`.
pub async fn show(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> PageResult {
    let ctx = context(&state, &staff, &id).await?;
    overview_page(&ctx, Vec::new())
}

/// `POST /appointments/{id}/medical-information`: `action` is "review" (a `section`),
/// "complete" (every section, then on to the images), "confirm" or "remove" (the item at
/// `index` of `section`).
pub async fn act(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    v: FormPairs,
) -> PageResult {
    let mut ctx = context(&state, &staff, &id).await?;
    let version = v.version()?;
    let section = v
        .get("section")
        .and_then(|s| s.parse::<MedicalSection>().ok());
    let index = v.get("index").and_then(|s| s.trim().parse::<usize>().ok());
    let bad = || {
        AppError::BadRequest(
            "The form could not be read: go back to the medical information page and try again."
                .to_owned(),
        )
    };
    let anchor = |s: MedicalSection| format!("section-{}", s.as_str());
    let next = match v.get("action") {
        Some("review") => {
            let section = section.ok_or_else(bad)?;
            if let Err(e) = ctx.info.mark_reviewed(section) {
                return overview_page(&ctx, vec![(anchor(section), e.to_string())]);
            }
            // On to the next section, as a checklist would.
            let following = MedicalSection::ALL
                .iter()
                .skip_while(|s| **s != section)
                .nth(1)
                .copied()
                .unwrap_or(section);
            ctx.overview(following)
        }
        Some("complete") => {
            if let Err(refused) = ctx.info.mark_all_reviewed() {
                let errors = refused
                    .into_iter()
                    .map(|(s, e)| (anchor(s), format!("{}: {e}", s.label())))
                    .collect();
                return overview_page(&ctx, errors);
            }
            Step::Images.href(ctx.id)
        }
        Some("confirm") => {
            let (section, index) = section.zip(index).ok_or_else(bad)?;
            let info = &ctx.info;
            let today = ctx.today;
            let check = match section {
                MedicalSection::MammogramHistory => info
                    .mammograms
                    .get(index)
                    .map(|c| c.item.validate_for_appointment(today)),
                MedicalSection::MedicalHistory => {
                    info.history.get(index).map(|c| c.item.validate(today))
                }
                MedicalSection::Symptoms => {
                    info.symptoms.get(index).map(|c| c.item.validate(today))
                }
                MedicalSection::BreastFeatures => {
                    info.features.get(index).map(|c| c.item.validate())
                }
                _ => None,
            }
            .ok_or(AppError::NotFound)?;
            if let Err(errors) = check {
                // Confirming re-asserts the item: it must meet today's rules, so ask for
                // what is missing (a reason to continue, implant consent, ...).
                let form = Form::of_item(info, section, index).ok_or(AppError::NotFound)?;
                let answers = form.answers(info);
                let mut errors = pairs(Err(errors));
                if let Form::Feature(_) = form {
                    for (f, _) in &mut errors {
                        if f == "position" {
                            "location".clone_into(f);
                        }
                    }
                }
                let consent_only =
                    matches!(form, Form::History(_, MedicalHistoryType::BreastImplants))
                        && errors.iter().all(|(f, _)| f == "consent");
                if consent_only {
                    errors.clear();
                }
                // A missing reason to continue is asked for, as when the mammogram is added.
                if matches!(form, Form::Mammogram(_)) {
                    errors.retain(|(f, _)| f != "reason_to_continue");
                }
                return form_page(&ctx, form, &answers, errors, consent_only);
            }
            ctx.info.confirm(section, index);
            ctx.overview(section)
        }
        Some("continue_recorded") => {
            // A screen on record in the last 6 months: continue only with a reason.
            let reason = v.get(RECORDED_SCREEN_REASON_FIELD).unwrap_or_default();
            match validate_reason_to_continue(reason) {
                Ok(reason) => ctx.info.recorded_screen_reason_to_continue = Some(reason),
                Err(e) => {
                    return overview_page(
                        &ctx,
                        vec![(
                            RECORDED_SCREEN_REASON_FIELD.to_owned(),
                            e.message.into_owned(),
                        )],
                    );
                }
            }
            ctx.overview(MedicalSection::MammogramHistory)
        }
        Some("remove") => {
            let (section, index) = section.zip(index).ok_or_else(bad)?;
            if !ctx.info.remove(section, index) {
                return Err(AppError::NotFound);
            }
            ctx.overview(section)
        }
        _ => return Err(bad()),
    };
    if let Err(errors) = ctx.info.validate_with_record(ctx.today, &ctx.recorded) {
        return overview_page(&ctx, pairs(Err(errors)));
    }
    app::save_medical(
        &state.store,
        &staff.caller(),
        app::SaveMedical {
            appointment_id: ctx.id,
            info: &ctx.info,
            expected_version: version,
        },
    )
    .await?;
    Ok(Redirect::to(&next).into_response())
}
