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

use super::{Answers, Frame, IdAnd, IdAndTwo, OpenForm, Step, load_step};
use crate::auth::Staff;
use crate::error::{AppError, PageResult};
use crate::features::workflow::app;
pub use crate::features::workflow::app::{imaging_context, information};
use crate::http::extract::{PageForm, PageId};
use crate::pages::render;
use crate::present::{Layout, long_date};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
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

/// Field name and message, in the order the fields appear.
type Errors = Vec<(String, String)>;

// ---------------------------------------------------------------------------------------
// Loading and saving the medical document
// ---------------------------------------------------------------------------------------

/// Domain field errors as (field, message) pairs.
fn pairs(result: Result<(), Vec<FieldError>>) -> Errors {
    result
        .err()
        .unwrap_or_default()
        .into_iter()
        .map(|e| (e.field.into_owned(), e.message.into_owned()))
        .collect()
}

/// What a submitted action leads to: the document saved, then on to the address given; or
/// a page shown again (with what is wrong, or the next question) and nothing saved.
enum Outcome {
    SaveThen(String),
    Show(axum::response::Response),
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
    fn input(kind: &'static str, name: &str, label: &str, v: &Answers) -> Field {
        Field {
            kind,
            name: name.to_owned(),
            label: label.to_owned(),
            value: v.get(name).unwrap_or_default().to_owned(),
            width: "nhsuk-u-width-two-thirds",
            ..Field::default()
        }
    }

    fn text(name: &str, label: &str, v: &Answers) -> Field {
        Field::input("text", name, label, v)
    }

    fn textarea(name: &str, label: &str, v: &Answers) -> Field {
        Field::input("textarea", name, label, v)
    }

    /// A year, with "This date is approximate" (`{name}_approximate`).
    fn year(name: &str, label: &str, v: &Answers) -> Field {
        Field {
            width: "nhsuk-input--width-4",
            approximate: v.get(&format!("{name}_approximate")).is_some(),
            ..Field::input("year", name, label, v)
        }
        .hint("For example, 2019. Leave blank if not known.")
    }

    /// A day, month and year (`{name}-day`, `{name}-month`, `{name}-year`).
    fn date(name: &str, label: &str, v: &Answers) -> Field {
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
        v: &Answers,
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

    fn radios<T: Choice>(name: &str, legend: &str, v: &Answers) -> Field {
        Field::radios_of(name, legend, T::choices(), v)
    }

    fn radios_of<T: Choice>(name: &str, legend: &str, list: &[T], v: &Answers) -> Field {
        let options = list
            .iter()
            .map(|c| (c.value(), c.text().to_owned()))
            .collect();
        Field::options("radios", name, legend, options, v)
    }

    /// Checkboxes where the `exclusive` options ("No ...", "Not known") stand alone.
    fn checkboxes<T: Choice>(name: &str, legend: &str, exclusive: &[T], v: &Answers) -> Field {
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
    fn tick(name: &str, legend: &str, label: &str, v: &Answers) -> Field {
        Field::options(
            "checkboxes",
            name,
            legend,
            vec![("yes", label.to_owned())],
            v,
        )
    }

    fn yes_no(name: &str, legend: &str, v: &Answers) -> Field {
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

fn one<T: Choice>(v: &Answers, name: &str) -> Option<T> {
    let given = v.get(name)?;
    T::choices().iter().copied().find(|c| c.value() == given)
}

/// The selected options, in the order they are offered.
fn many<T: Choice>(v: &Answers, name: &str) -> Vec<T> {
    T::choices()
        .iter()
        .copied()
        .filter(|c| v.all(name).any(|given| given == c.value()))
        .collect()
}

fn text(v: &Answers, name: &str) -> String {
    v.get(name).unwrap_or_default().trim().to_owned()
}

fn ticked(v: &Answers, name: &str, value: &str) -> bool {
    v.all(name).any(|given| given == value)
}

/// An optional year: blank is not known; anything else must be a whole number.
fn read_year(v: &Answers, name: &str, what: &str, errors: &mut Errors) -> Option<RecordedYear> {
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
fn read_date(v: &Answers, name: &str, what: &str, errors: &mut Errors) -> Option<Date> {
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
struct Filled(Vec<(String, String)>);

impl Filled {
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
    fn done(self) -> Answers {
        Answers(self.0)
    }
}

mod forms;
mod overview;
mod questions;
mod submit;

pub use forms::*;
pub use overview::*;
use questions::*;
pub use submit::*;
