//! Assessment: what was done at an assessment clinic for each breast, the outcome, and what
//! that outcome means for the screening episode.
//!
//! A recall for assessment brings the participant to an assessment clinic. There each
//! breast may have a clinical examination, further mammogram views, an ultrasound and a
//! needle biopsy (core, vacuum-assisted or fine needle aspiration). The outcome either ends
//! the episode (normal or benign, early recall, cancer diagnosed, referred to symptomatic
//! care), each with its end code, or waits for the biopsy's pathology ("Awaiting
//! pathology"): the episode then stays "At assessment" until the outcome is recorded again
//! with the pathology result.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::appointment::AppointmentStatus;
use crate::clinic::ClinicType;
use crate::end_code::EndCode;
use crate::episode::EpisodeStage;
use crate::validation::{Errors, FieldError, is_blank};

labelled_enum! {
    /// The kind of needle biopsy taken.
    pub enum BiopsyType ("biopsy type") {
        Core => ("core", "Core biopsy"),
        Vacuum => ("vacuum", "Vacuum-assisted biopsy"),
        Fna => ("fna", "Fine needle aspiration (FNA)"),
    }
}

labelled_enum! {
    /// A breast, as assessment records what was done to each.
    pub enum Breast ("breast") {
        Right => ("right", "Right breast"),
        Left => ("left", "Left breast"),
    }
}

labelled_enum! {
    /// The outcome of an assessment, without its details.
    pub enum OutcomeKind ("assessment outcome") {
        NormalBenign => ("normal_benign", "Normal / benign"),
        EarlyRecall => ("early_recall", "Early recall"),
        AwaitingPathology => ("awaiting_pathology", "Awaiting pathology"),
        CancerDiagnosed => ("cancer_diagnosed", "Cancer diagnosed"),
        ReferredToSymptomatic => ("referred_to_symptomatic", "Referred to symptomatic care"),
    }
}

labelled_enum! {
    /// When an early recall invites the participant back.
    pub enum EarlyRecallInterval ("early recall interval") {
        SixMonths => ("6_months", "6 months"),
        TwelveMonths => ("12_months", "12 months"),
    }
}

labelled_enum! {
    /// Whether a diagnosed cancer is invasive.
    pub enum Invasiveness ("invasiveness") {
        Invasive => ("invasive", "Invasive"),
        NonInvasive => ("non_invasive", "Non-invasive (DCIS)"),
        MicroInvasive => ("micro_invasive", "Micro-invasive"),
    }
}

labelled_enum! {
    /// The size band of a cancer (the NHS Breast Screening Programme's pathology bands).
    pub enum SizeBand ("size band") {
        Under10 => ("under_10_mm", "Less than 10 mm"),
        From10To15 => ("10_to_15_mm", "10 mm to less than 15 mm"),
        From15To20 => ("15_to_20_mm", "15 mm to less than 20 mm"),
        From20To50 => ("20_to_50_mm", "20 mm to less than 50 mm"),
        From50 => ("50_mm_or_more", "50 mm or more"),
    }
}

labelled_enum! {
    /// The histological grade of a cancer.
    pub enum Grade ("grade") {
        One => ("1", "Grade 1"),
        Two => ("2", "Grade 2"),
        Three => ("3", "Grade 3"),
    }
}

labelled_enum! {
    /// Whether cancer was found in the lymph nodes.
    pub enum NodalStatus ("nodal status") {
        Positive => ("positive", "Positive"),
        Negative => ("negative", "Negative"),
        NotKnown => ("not_known", "Not known"),
    }
}

/// What was done for one breast at assessment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BreastWork {
    /// A clinical examination.
    #[serde(default)]
    pub clinical_examination: bool,
    /// Further mammogram views.
    #[serde(default)]
    pub further_views: bool,
    /// An ultrasound.
    #[serde(default)]
    pub ultrasound: bool,
    /// A needle biopsy (its type is then required).
    #[serde(default)]
    pub needle_biopsy: bool,
    /// The needle biopsy's type; only with `needle_biopsy`.
    #[serde(default)]
    pub biopsy_type: Option<BiopsyType>,
}

impl BreastWork {
    /// Whether anything was done.
    pub const fn any(&self) -> bool {
        self.clinical_examination || self.further_views || self.ultrasound || self.needle_biopsy
    }
}

/// The details of a diagnosed cancer. Invasiveness is required; the rest is recorded when
/// known (it may follow with the full pathology).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CancerDetails {
    /// Invasive, non-invasive (DCIS) or micro-invasive. Required.
    #[serde(default)]
    pub invasiveness: Option<Invasiveness>,
    /// The size band, when known.
    #[serde(default)]
    pub size_band: Option<SizeBand>,
    /// The grade, 1 to 3, when known.
    #[serde(default)]
    pub grade: Option<Grade>,
    /// The nodal status, when known.
    #[serde(default)]
    pub nodal_status: Option<NodalStatus>,
}

/// The outcome of an assessment, tagged by `outcome`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum AssessmentOutcome {
    /// "Normal / benign": back to routine recall.
    NormalBenign,
    /// "Early recall" in 6 or 12 months.
    EarlyRecall {
        /// When she is invited back.
        interval: EarlyRecallInterval,
    },
    /// "Awaiting pathology": a biopsy was taken and its result is awaited; the episode
    /// stays at assessment until the outcome is recorded again.
    AwaitingPathology,
    /// "Cancer diagnosed": referred for treatment. The details are inlined in the schema:
    /// client generators reject a tagged union whose member is an `allOf` of a reference.
    CancerDiagnosed(#[cfg_attr(feature = "openapi", schema(inline))] CancerDetails),
    /// "Referred to symptomatic care".
    ReferredToSymptomatic,
}

impl AssessmentOutcome {
    /// The outcome without its details.
    pub const fn kind(&self) -> OutcomeKind {
        match self {
            AssessmentOutcome::NormalBenign => OutcomeKind::NormalBenign,
            AssessmentOutcome::EarlyRecall { .. } => OutcomeKind::EarlyRecall,
            AssessmentOutcome::AwaitingPathology => OutcomeKind::AwaitingPathology,
            AssessmentOutcome::CancerDiagnosed(_) => OutcomeKind::CancerDiagnosed,
            AssessmentOutcome::ReferredToSymptomatic => OutcomeKind::ReferredToSymptomatic,
        }
    }

    /// The end code the episode closes with, or `None` while pathology is awaited (the
    /// episode stays "At assessment").
    pub const fn end_code(&self) -> Option<EndCode> {
        match self {
            AssessmentOutcome::NormalBenign => Some(EndCode::RoutineRecall),
            AssessmentOutcome::EarlyRecall {
                interval: EarlyRecallInterval::SixMonths,
            } => Some(EndCode::EarlyRecall6Months),
            AssessmentOutcome::EarlyRecall {
                interval: EarlyRecallInterval::TwelveMonths,
            } => Some(EndCode::EarlyRecall12Months),
            AssessmentOutcome::AwaitingPathology => None,
            AssessmentOutcome::CancerDiagnosed(_) => Some(EndCode::ReferredForTreatment),
            AssessmentOutcome::ReferredToSymptomatic => Some(EndCode::ReferredToSymptomatic),
        }
    }

    /// How the outcome reads in a sentence or a banner: "Early recall in 6 months",
    /// "Cancer diagnosed: Invasive, Grade 2".
    pub fn describe(&self) -> String {
        match self {
            AssessmentOutcome::EarlyRecall { interval } => {
                format!("Early recall in {}", interval.label())
            }
            AssessmentOutcome::CancerDiagnosed(c) => {
                let parts: Vec<&str> = [
                    c.invasiveness.map(Invasiveness::label),
                    c.size_band.map(SizeBand::label),
                    c.grade.map(Grade::label),
                    c.nodal_status.map(|n| match n {
                        NodalStatus::Positive => "Nodes positive",
                        NodalStatus::Negative => "Nodes negative",
                        NodalStatus::NotKnown => "Nodal status not known",
                    }),
                ]
                .into_iter()
                .flatten()
                .collect();
                if parts.is_empty() {
                    "Cancer diagnosed".to_owned()
                } else {
                    format!("Cancer diagnosed: {}", parts.join(", "))
                }
            }
            other => other.kind().label().to_owned(),
        }
    }
}

/// The outcome of a multidisciplinary meeting (MDM) that discussed the case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MdmOutcome {
    /// The day of the meeting (not in the future).
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub date: Date,
    /// What the meeting decided.
    pub outcome: String,
}

/// Everything recorded at assessment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AssessmentRecord {
    /// What was done for the right breast.
    #[serde(default)]
    pub right: BreastWork,
    /// What was done for the left breast.
    #[serde(default)]
    pub left: BreastWork,
    /// The outcome.
    pub outcome: AssessmentOutcome,
    /// The multidisciplinary meeting's outcome, if the case was discussed at one.
    #[serde(default)]
    pub mdm: Option<MdmOutcome>,
}

/// The longest MDM outcome kept.
pub const MAX_MDM_CHARS: usize = 2000;

impl AssessmentRecord {
    /// What was done for `breast`.
    pub const fn work(&self, breast: Breast) -> &BreastWork {
        match breast {
            Breast::Right => &self.right,
            Breast::Left => &self.left,
        }
    }

    /// What was done, in a line for a timeline: "Right breast: clinical examination,
    /// ultrasound, core biopsy; Left breast: clinical examination". A breast with nothing
    /// done is left out.
    pub fn work_summary(&self) -> String {
        Breast::ALL
            .iter()
            .filter_map(|breast| {
                let w = self.work(*breast);
                let done: Vec<String> = [
                    w.clinical_examination
                        .then(|| "clinical examination".to_owned()),
                    w.further_views.then(|| "further views".to_owned()),
                    w.ultrasound.then(|| "ultrasound".to_owned()),
                    w.needle_biopsy.then(|| {
                        match w.biopsy_type {
                            Some(BiopsyType::Core) => "core biopsy",
                            Some(BiopsyType::Vacuum) => "vacuum-assisted biopsy",
                            Some(BiopsyType::Fna) => "fine needle aspiration (FNA)",
                            None => "needle biopsy",
                        }
                        .to_owned()
                    }),
                ]
                .into_iter()
                .flatten()
                .collect();
                (!done.is_empty()).then(|| format!("{}: {}", breast.label(), done.join(", ")))
            })
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// Whether a needle biopsy was taken from either breast.
    pub const fn biopsy_taken(&self) -> bool {
        self.right.needle_biopsy || self.left.needle_biopsy
    }

    /// Checks the record, field by field (fields `{breast}_biopsy_type`, `work`,
    /// `outcome`, `early_recall_interval`, `invasiveness`, `mdm_date`, `mdm_outcome`):
    /// something was done; a biopsy has its type (and a type has its biopsy); awaiting
    /// pathology and a cancer diagnosis need a biopsy; a cancer has its invasiveness; the
    /// MDM is not in the future and says what it decided.
    pub fn validate(&self, today: Date) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::default();
        if !self.right.any() && !self.left.any() {
            e.add("work", "Select what was done for at least one breast");
        }
        for breast in Breast::ALL {
            let work = self.work(*breast);
            let field = format!("{}_biopsy_type", breast.as_str());
            let side = breast.as_str();
            if work.needle_biopsy && work.biopsy_type.is_none() {
                e.add(
                    field,
                    format!("Select the type of needle biopsy taken from the {side} breast"),
                );
            } else if !work.needle_biopsy && work.biopsy_type.is_some() {
                e.add(
                    field,
                    format!("Select \u{201c}Needle biopsy\u{201d} for the {side} breast, or remove the biopsy type"),
                );
            }
        }
        match &self.outcome {
            AssessmentOutcome::AwaitingPathology if !self.biopsy_taken() => e.add(
                "outcome",
                "Awaiting pathology needs a needle biopsy: record the biopsy, or choose another outcome",
            ),
            AssessmentOutcome::CancerDiagnosed(c) => {
                if !self.biopsy_taken() {
                    e.add(
                        "outcome",
                        "A cancer diagnosis needs a needle biopsy: record the biopsy it was made on",
                    );
                }
                if c.invasiveness.is_none() {
                    e.add(
                        "invasiveness",
                        "Select whether the cancer is invasive, non-invasive (DCIS) or micro-invasive",
                    );
                }
            }
            _ => {}
        }
        if let Some(mdm) = &self.mdm {
            if mdm.date > today {
                e.add(
                    "mdm_date",
                    "The date of the multidisciplinary meeting must be today or in the past",
                );
            }
            if is_blank(&mdm.outcome) {
                e.add(
                    "mdm_outcome",
                    "Enter the outcome of the multidisciplinary meeting",
                );
            } else if mdm.outcome.chars().count() > MAX_MDM_CHARS {
                e.add(
                    "mdm_outcome",
                    "The outcome of the multidisciplinary meeting must be 2,000 characters or fewer",
                );
            }
        }
        e.finish()
    }
}

/// What recording an assessment does to its appointment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recording {
    /// The first recording: the appointment, attended, ends as "Screened".
    Completes,
    /// The pathology outcome after "Awaiting pathology": the appointment has already ended.
    Pathology,
}

/// Whether an assessment may be recorded for an appointment now, and what recording it
/// does: only in an assessment clinic; the first recording once the participant has
/// arrived (checked in, in progress or paused), which ends the appointment; later, only
/// the outcome that follows "Awaiting pathology". A closed episode's assessment is not
/// changed: its end code is corrected instead. The message says why not.
pub fn check_recording(
    clinic_type: ClinicType,
    status: AppointmentStatus,
    stage: EpisodeStage,
    recorded: Option<OutcomeKind>,
) -> Result<Recording, &'static str> {
    use AppointmentStatus as S;
    if clinic_type != ClinicType::Assessment {
        return Err(
            "Only an appointment in an assessment clinic takes an assessment record: this is a screening appointment",
        );
    }
    if stage == EpisodeStage::Closed {
        return Err(
            "This screening episode is closed: its assessment is not changed. Correct the episode's end code instead",
        );
    }
    match (recorded, status) {
        (Some(OutcomeKind::AwaitingPathology), _) => Ok(Recording::Pathology),
        (Some(_), _) => Err(
            "This assessment's outcome has been recorded: correct the episode's end code instead",
        ),
        (None, S::CheckedIn | S::InProgress | S::Paused) => Ok(Recording::Completes),
        (None, S::Scheduled) => Err("Check the participant in before recording her assessment"),
        (None, _) => {
            Err("This appointment has ended without an assessment: it takes no assessment record")
        }
    }
}

/// Whole days from `assessed_on` to `today` (0 on the day; never negative).
pub fn days_waiting(assessed_on: Date, today: Date) -> i64 {
    (today - assessed_on).whole_days().max(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 25);

    fn work(biopsy: Option<BiopsyType>) -> BreastWork {
        BreastWork {
            clinical_examination: true,
            further_views: true,
            ultrasound: true,
            needle_biopsy: biopsy.is_some(),
            biopsy_type: biopsy,
        }
    }

    fn record(right: BreastWork, outcome: AssessmentOutcome) -> AssessmentRecord {
        AssessmentRecord {
            right,
            left: BreastWork::default(),
            outcome,
            mdm: None,
        }
    }

    fn cancer(invasiveness: Option<Invasiveness>) -> AssessmentOutcome {
        AssessmentOutcome::CancerDiagnosed(CancerDetails {
            invasiveness,
            grade: Some(Grade::Two),
            ..CancerDetails::default()
        })
    }

    #[test]
    fn the_work_summary_names_what_was_done_per_breast() {
        let table = [
            (
                work(Some(BiopsyType::Core)),
                BreastWork::default(),
                "Right breast: clinical examination, further views, ultrasound, core biopsy",
            ),
            (
                BreastWork {
                    ultrasound: true,
                    ..BreastWork::default()
                },
                work(Some(BiopsyType::Fna)),
                "Right breast: ultrasound; Left breast: clinical examination, further views, \
                 ultrasound, fine needle aspiration (FNA)",
            ),
            (BreastWork::default(), BreastWork::default(), ""),
        ];
        for (right, left, expected) in table {
            let r = AssessmentRecord {
                right,
                left,
                outcome: AssessmentOutcome::NormalBenign,
                mdm: None,
            };
            assert_eq!(r.work_summary(), expected);
        }
    }

    #[test]
    fn every_outcome_maps_to_its_end_code() {
        let table = [
            (
                AssessmentOutcome::NormalBenign,
                Some(EndCode::RoutineRecall),
            ),
            (
                AssessmentOutcome::EarlyRecall {
                    interval: EarlyRecallInterval::SixMonths,
                },
                Some(EndCode::EarlyRecall6Months),
            ),
            (
                AssessmentOutcome::EarlyRecall {
                    interval: EarlyRecallInterval::TwelveMonths,
                },
                Some(EndCode::EarlyRecall12Months),
            ),
            (AssessmentOutcome::AwaitingPathology, None),
            (
                cancer(Some(Invasiveness::Invasive)),
                Some(EndCode::ReferredForTreatment),
            ),
            (
                cancer(Some(Invasiveness::NonInvasive)),
                Some(EndCode::ReferredForTreatment),
            ),
            (
                AssessmentOutcome::ReferredToSymptomatic,
                Some(EndCode::ReferredToSymptomatic),
            ),
        ];
        for (outcome, code) in &table {
            assert_eq!(outcome.end_code(), *code, "{outcome:?}");
        }
        // Every kind of outcome has a row.
        for kind in OutcomeKind::ALL {
            assert!(table.iter().any(|(o, _)| o.kind() == *kind), "{kind:?}");
        }
        // Only awaiting pathology leaves the episode open; cancer and symptomatic care stop
        // the routine recall date.
        assert_eq!(
            EndCode::ReferredForTreatment.next_test_due(crate::end_code::DueBasis {
                first_offered: TODAY,
                episode_type: crate::EpisodeType::Routine,
                date_of_birth: date!(1970 - 01 - 01),
                closed_on: TODAY,
            }),
            None
        );
    }

    #[test]
    fn validation_rules() {
        let core = Some(BiopsyType::Core);
        let with_type_only = BreastWork {
            biopsy_type: core,
            ..work(None)
        };
        let biopsy_no_type = BreastWork {
            needle_biopsy: true,
            ..work(None)
        };
        let mdm = |date, text: &str| {
            Some(MdmOutcome {
                date,
                outcome: text.to_owned(),
            })
        };
        type Row = (
            BreastWork,
            AssessmentOutcome,
            Option<MdmOutcome>,
            Option<&'static str>,
        );
        let table: Vec<Row> = vec![
            (work(None), AssessmentOutcome::NormalBenign, None, None),
            (work(core), AssessmentOutcome::AwaitingPathology, None, None),
            (
                work(core),
                cancer(Some(Invasiveness::Invasive)),
                mdm(TODAY, "Surgery"),
                None,
            ),
            (
                BreastWork::default(),
                AssessmentOutcome::NormalBenign,
                None,
                Some("work"),
            ),
            (
                biopsy_no_type,
                AssessmentOutcome::NormalBenign,
                None,
                Some("right_biopsy_type"),
            ),
            (
                with_type_only,
                AssessmentOutcome::NormalBenign,
                None,
                Some("right_biopsy_type"),
            ),
            (
                work(None),
                AssessmentOutcome::AwaitingPathology,
                None,
                Some("outcome"),
            ),
            (work(core), cancer(None), None, Some("invasiveness")),
            (
                work(None),
                cancer(Some(Invasiveness::MicroInvasive)),
                None,
                Some("outcome"),
            ),
            (
                work(None),
                AssessmentOutcome::NormalBenign,
                mdm(date!(2026 - 11 - 26), "Benign"),
                Some("mdm_date"),
            ),
            (
                work(None),
                AssessmentOutcome::NormalBenign,
                mdm(TODAY, "  "),
                Some("mdm_outcome"),
            ),
        ];
        for (right, outcome, mdm, expected) in table {
            let r = AssessmentRecord {
                mdm,
                ..record(right, outcome)
            };
            let got = r
                .validate(TODAY)
                .err()
                .map(|e| e.first().map(|f| f.field.to_string()).unwrap_or_default());
            assert_eq!(got.as_deref(), expected, "{r:?}");
        }
    }

    #[test]
    fn a_biopsy_on_the_left_counts_for_awaiting_pathology() {
        let r = AssessmentRecord {
            right: BreastWork::default(),
            left: work(Some(BiopsyType::Fna)),
            outcome: AssessmentOutcome::AwaitingPathology,
            mdm: None,
        };
        assert_eq!(r.validate(TODAY), Ok(()));
    }

    #[test]
    fn recording_rules() {
        use AppointmentStatus as S;
        use ClinicType::{Assessment as A, Screening};
        use EpisodeStage as E;
        use OutcomeKind as O;
        let table = [
            (
                A,
                S::CheckedIn,
                E::Scheduled,
                None,
                Ok(Recording::Completes),
            ),
            (
                A,
                S::InProgress,
                E::Mammograms,
                None,
                Ok(Recording::Completes),
            ),
            (A, S::Paused, E::Mammograms, None, Ok(Recording::Completes)),
            (
                A,
                S::Screened,
                E::AtAssessment,
                Some(O::AwaitingPathology),
                Ok(Recording::Pathology),
            ),
            (
                A,
                S::Scheduled,
                E::AtAssessment,
                None,
                Err("Check the participant in"),
            ),
            (A, S::DidNotAttend, E::AtAssessment, None, Err("has ended")),
            (
                Screening,
                S::CheckedIn,
                E::Scheduled,
                None,
                Err("assessment clinic"),
            ),
            (
                A,
                S::Screened,
                E::Closed,
                Some(O::NormalBenign),
                Err("closed"),
            ),
            (
                A,
                S::Screened,
                E::Closed,
                Some(O::AwaitingPathology),
                Err("closed"),
            ),
            (
                A,
                S::Screened,
                E::AtAssessment,
                Some(O::CancerDiagnosed),
                Err("has been recorded"),
            ),
        ];
        for (clinic, status, stage, recorded, expected) in table {
            let got = check_recording(clinic, status, stage, recorded);
            match (got, expected) {
                (Ok(g), Ok(e)) => assert_eq!(g, e),
                (Err(g), Err(e)) => assert!(g.contains(e), "{g} lacks {e}"),
                (g, e) => panic!("{clinic:?} {status:?} {stage:?}: {g:?}, expected {e:?}"),
            }
        }
    }

    #[test]
    fn outcomes_read_in_words_and_round_trip_as_tagged_json() {
        let c = cancer(Some(Invasiveness::Invasive));
        assert_eq!(c.describe(), "Cancer diagnosed: Invasive, Grade 2");
        assert_eq!(
            AssessmentOutcome::EarlyRecall {
                interval: EarlyRecallInterval::TwelveMonths
            }
            .describe(),
            "Early recall in 12 months"
        );
        assert_eq!(
            AssessmentOutcome::NormalBenign.describe(),
            "Normal / benign"
        );
        let json = serde_json::to_value(&c).expect("json");
        assert_eq!(json["outcome"], "cancer_diagnosed");
        assert_eq!(json["invasiveness"], "invasive");
        assert_eq!(json["grade"], "2");
        let back: AssessmentOutcome = serde_json::from_value(json).expect("back");
        assert_eq!(back, c);
    }

    #[test]
    fn days_waiting_counts_whole_days() {
        assert_eq!(days_waiting(TODAY, TODAY), 0);
        assert_eq!(days_waiting(date!(2026 - 11 - 11), TODAY), 14);
        assert_eq!(days_waiting(date!(2026 - 11 - 26), TODAY), 0);
    }
}
