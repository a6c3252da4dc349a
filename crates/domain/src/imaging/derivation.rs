//! What an images record means, and the IR(ME)R exposure record.

use super::*;
use crate::gateway::RecordingMethod;

labelled_enum! {
    /// What the record means for the examination. Partial mammography is an outcome of
    /// the answers, never asked directly.
    pub enum Completeness ("completeness") {
        /// Every expected image was taken ("Not all mammograms taken" not ticked).
        Complete => ("complete", "Complete"),
        /// Not all taken, and the participant should be recalled for more images.
        ToBeRecalled => ("to_be_recalled", "Recall requested"),
        /// Not all taken, and no recall: the examination ends as it is.
        PartialMammography => ("partial_mammography", "Partial mammography"),
        /// No images at all.
        NoImages => ("no_images", "No images taken"),
    }
}

impl Completeness {
    /// The final appointment status: screened, partially screened, or attended not
    /// screened when no image was taken.
    pub const fn final_status(self) -> AppointmentStatus {
        match self {
            Completeness::Complete => AppointmentStatus::Screened,
            Completeness::ToBeRecalled | Completeness::PartialMammography => {
                AppointmentStatus::PartiallyScreened
            }
            Completeness::NoImages => AppointmentStatus::AttendedNotScreened,
        }
    }

    /// The tag on the "Not all mammograms taken" summary row, if the row is shown.
    pub const fn summary_tag(self) -> Option<&'static str> {
        match self {
            Completeness::ToBeRecalled | Completeness::PartialMammography => Some(self.label()),
            Completeness::Complete | Completeness::NoImages => None,
        }
    }
}

labelled_enum! {
    /// The "Image quality" summary row.
    pub enum ImageQuality ("image quality") {
        /// Nothing recorded about quality. Pages may leave the row out.
        Standard => ("standard", "Standard"),
        /// "Imperfect, but best possible images": readers are advised not to request a
        /// technical recall.
        ImperfectButBestPossible => ("imperfect_but_best_possible", "Imperfect, but best possible images"),
    }
}

/// What was taken of one view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViewTally {
    /// The view.
    pub view: View,
    /// Images (exposures) taken. When at least 1, `images = 1 + repeats + extras`.
    pub images: u8,
    /// Additional images that were repeats.
    pub repeats: u8,
    /// Additional images that were extras, needed to capture the complete view.
    pub extras: u8,
    /// Why images were repeated (empty without repeats).
    pub repeat_reasons: Vec<RepeatReason>,
    /// Details of the "Other" repeat reason.
    pub other_reason_details: String,
}

impl ViewTally {
    /// The "Views taken" line: "1x RCC", "2x RMLO: 1 repeat", "4x LCC: 1 repeat, 2 extras".
    pub fn summary_line(&self) -> String {
        let mut line = format!("{}x {}", self.images, self.view);
        let mut parts = Vec::new();
        if self.repeats > 0 {
            parts.push(count_of(self.repeats, "repeat", "repeats"));
        }
        if self.extras > 0 {
            parts.push(count_of(self.extras, "extra", "extras"));
        }
        if !parts.is_empty() {
            line.push_str(": ");
            line.push_str(&parts.join(", "));
        }
        line
    }

    /// The repeat reasons as one line, "Other" followed by its details: "Participant
    /// movement, Other: hair in view". `None` without repeats.
    pub fn repeat_reasons_text(&self) -> Option<String> {
        if self.repeats == 0 || self.repeat_reasons.is_empty() {
            return None;
        }
        let reasons: Vec<String> = self
            .repeat_reasons
            .iter()
            .map(|&reason| {
                let details = self.other_reason_details.trim();
                if reason == RepeatReason::Other && !details.is_empty() {
                    format!("{}: {details}", reason.label())
                } else {
                    reason.label().to_owned()
                }
            })
            .collect();
        Some(reasons.join(", "))
    }
}

/// What an [`ImagesRecord`] means. Built by [`derive()`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Derivation {
    /// The standard set answer the record was given with.
    pub standard_set: StandardSetAnswer,
    /// Every view, in [`View::ALL`] order, including those with no images.
    pub views: Vec<ViewTally>,
    /// All images (exposures) taken.
    pub total_images: u16,
    /// All repeats.
    pub total_repeats: u16,
    /// All extra images.
    pub total_extras: u16,
    /// Standard views of expected breasts with no image.
    pub missing_views: Vec<View>,
    /// Whether everything expected was taken, and if not, what happens next.
    pub completeness: Completeness,
    /// "Imperfect, but best possible images".
    pub imperfect_but_best_possible: bool,
}

impl Derivation {
    /// The tally for `view` (always present in a derivation built by [`derive()`]).
    pub fn tally(&self, view: View) -> Option<&ViewTally> {
        self.views.iter().find(|t| t.view == view)
    }

    /// The views with at least one image, in [`View::ALL`] order.
    pub fn views_taken(&self) -> impl Iterator<Item = &ViewTally> {
        self.views.iter().filter(|t| t.images > 0)
    }

    /// The "Views taken" lines: "1x RCC", "2x RMLO: 1 repeat".
    pub fn summary_lines(&self) -> Vec<String> {
        self.views_taken().map(ViewTally::summary_line).collect()
    }

    /// The summary card heading: "4 images taken", "1 image taken".
    pub fn images_taken_heading(&self) -> String {
        format!("{} taken", count_of(self.total_images, "image", "images"))
    }

    /// The status the appointment ends with.
    pub const fn final_status(&self) -> AppointmentStatus {
        self.completeness.final_status()
    }

    /// The "Image quality" row.
    pub const fn image_quality(&self) -> ImageQuality {
        if self.imperfect_but_best_possible {
            ImageQuality::ImperfectButBestPossible
        } else {
            ImageQuality::Standard
        }
    }

    /// Whether the case has images beyond one of each view taken ("This case has
    /// additional images"): a view with more than one image, or an implant-displaced view.
    pub fn has_additional_images(&self) -> bool {
        self.views_taken()
            .any(|t| t.images > 1 || t.view.is_implant_displaced())
    }

    /// Whether the images go to image readers: as long as one image was taken.
    pub const fn goes_to_reading(&self) -> bool {
        self.total_images > 0
    }
}

/// Works out what a record means. Call after [`validate`]; it is total anyway: an
/// unanswered repeats question counts the additional images as extras, an out of range
/// "some" number is clamped, and "Not all mammograms taken" without a recall decision is
/// taken as a recall request, so nobody is left without a follow-up.
pub fn derive(record: &ImagesRecord, context: &ImagingContext) -> Derivation {
    let counts = record.effective_counts();
    let use_repeats = record.standard_set == StandardSetAnswer::No;
    let views: Vec<ViewTally> = counts
        .iter()
        .map(|(view, images)| {
            let answer = record.repeats.get(&view).filter(|_| use_repeats);
            let (repeats, extras) = if images == 0 {
                (0, 0)
            } else {
                match answer.and_then(|a| a.answer) {
                    Some(a) => (a.repeats(images), a.extras(images)),
                    None => (0, images - 1),
                }
            };
            let (repeat_reasons, other_reason_details) = match answer {
                Some(a) if repeats > 0 => {
                    let mut reasons = a.reasons.clone();
                    reasons.sort();
                    reasons.dedup();
                    let details = if reasons.contains(&RepeatReason::Other) {
                        a.other_reason_details.trim().to_owned()
                    } else {
                        String::new()
                    };
                    (reasons, details)
                }
                _ => (Vec::new(), String::new()),
            };
            ViewTally {
                view,
                images,
                repeats,
                extras,
                repeat_reasons,
                other_reason_details,
            }
        })
        .collect();
    let sum = |f: fn(&ViewTally) -> u8| views.iter().map(|t| u16::from(f(t))).sum::<u16>();
    let total_images = sum(|t| t.images);
    let total_repeats = sum(|t| t.repeats);
    let total_extras = sum(|t| t.extras);
    let not_all = record.not_all_taken.as_ref().filter(|_| use_repeats);
    let completeness = if total_images == 0 {
        Completeness::NoImages
    } else {
        match not_all.map(|n| &n.recall) {
            None => Completeness::Complete,
            Some(Some(RecallDecision::NoRecall)) => Completeness::PartialMammography,
            Some(Some(RecallDecision::Recall { .. }) | None) => Completeness::ToBeRecalled,
        }
    };
    Derivation {
        standard_set: record.standard_set,
        missing_views: if total_images == 0 {
            Vec::new()
        } else {
            missing_views(&counts, context)
        },
        views,
        total_images,
        total_repeats,
        total_extras,
        completeness,
        imperfect_but_best_possible: record.imperfect_but_best_possible
            && record.standard_set != StandardSetAnswer::NoImages,
    }
}

fn count_of(n: impl Into<u16>, one: &str, many: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1 { one } else { many })
}

// ---------------------------------------------------------------------------------------
// IR(ME)R exposure record
// ---------------------------------------------------------------------------------------

/// The exposures of one view, for the IR(ME)R record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ViewExposure {
    /// The view.
    pub view: View,
    /// Exposures (images) of the view.
    pub exposures: u8,
    /// How many of them were repeats.
    pub repeats: u8,
    /// Why they were repeated.
    pub repeat_reasons: Vec<RepeatReason>,
    /// Details of the "Other" repeat reason.
    pub other_reason_details: String,
}

/// The record IR(ME)R 2017 requires of the exposures made: who took the images, which
/// views and how many exposures, the repeats and why, and the room and machine. The dose
/// is not recorded by hand; it comes from the images' metadata when they arrive.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExposureRecord {
    /// Who took the images: the signed-in mammographer first, then any others.
    pub operators: Vec<String>,
    /// The room the images were taken in.
    pub room: String,
    /// The x-ray machine (modality) used.
    pub machine: String,
    /// The views with at least one exposure, in [`View::ALL`] order.
    pub exposures: Vec<ViewExposure>,
    /// Exposures of views the record cannot hold, received from the machine: another view
    /// code ("RML", "LXCCL") or "Unlabelled view" (see `gateway::add_received_exposures`).
    #[serde(default)]
    pub other_exposures: Vec<OtherViewExposure>,
    /// All exposures, those of `other_exposures` included.
    pub total_exposures: u16,
    /// All repeats.
    pub total_repeats: u16,
    /// Recorded by hand, or made from the images the machine sent (which add the doses
    /// below).
    #[serde(default = "manual_method")]
    pub recording_method: RecordingMethod,
    /// Each counted image's doses, as its headers gave them (images received only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub image_doses: Vec<ImageDose>,
    /// The sum of the counted images' organ doses, when every one gave it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_organ_dose_mgy: Option<f64>,
    /// The operators the received images name, each once, in the order first seen.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub operators_on_images: Vec<String>,
}

fn manual_method() -> RecordingMethod {
    RecordingMethod::Manual
}

/// One received image's doses, for the IR(ME)R record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImageDose {
    pub sop_instance_uid: String,
    /// The view code the image carried ("RCC", "RML", or "" when unlabelled).
    pub view: String,
    pub organ_dose_mgy: Option<f64>,
    pub entrance_dose_mgy: Option<f64>,
}

/// The exposures of a view the record cannot hold, for the IR(ME)R record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OtherViewExposure {
    /// The view's code with its side ("RML"), or "Unlabelled view".
    pub view: String,
    pub exposures: u16,
}

/// Builds the IR(ME)R record from a record and its [`derive()`]d meaning. `operator` is the
/// signed-in mammographer; the record's additional operators follow, trimmed, without
/// blanks or repeats of a name already listed.
pub fn exposure_record(
    record: &ImagesRecord,
    derivation: &Derivation,
    operator: &str,
    room: &str,
    machine: &str,
) -> ExposureRecord {
    let mut operators: Vec<String> = Vec::new();
    let names =
        std::iter::once(operator).chain(record.additional_operators.iter().map(String::as_str));
    for name in names.map(str::trim) {
        if !name.is_empty() && !operators.iter().any(|o| o == name) {
            operators.push(name.to_owned());
        }
    }
    ExposureRecord {
        operators,
        room: room.to_owned(),
        machine: machine.to_owned(),
        exposures: derivation
            .views_taken()
            .map(|t| ViewExposure {
                view: t.view,
                exposures: t.images,
                repeats: t.repeats,
                repeat_reasons: t.repeat_reasons.clone(),
                other_reason_details: t.other_reason_details.clone(),
            })
            .collect(),
        other_exposures: Vec::new(),
        recording_method: RecordingMethod::Manual,
        image_doses: Vec::new(),
        total_organ_dose_mgy: None,
        operators_on_images: Vec::new(),
        total_exposures: derivation.total_images,
        total_repeats: derivation.total_repeats,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::imaging::tests::{BOTH, detailed_record};
    use AppointmentStatus as S;
    use Completeness as C;
    use RepeatReason as RR;
    use StandardSetAnswer as Ans;
    use View::*;

    #[test]
    fn completeness_tags_and_statuses() {
        let table: &[(C, &str, &str, Option<&str>, S)] = &[
            (C::Complete, "complete", "Complete", None, S::Screened),
            (
                C::ToBeRecalled,
                "to_be_recalled",
                "Recall requested",
                Some("Recall requested"),
                S::PartiallyScreened,
            ),
            (
                C::PartialMammography,
                "partial_mammography",
                "Partial mammography",
                Some("Partial mammography"),
                S::PartiallyScreened,
            ),
            (
                C::NoImages,
                "no_images",
                "No images taken",
                None,
                S::AttendedNotScreened,
            ),
        ];
        assert_eq!(table.len(), C::ALL.len());
        for &(c, value, label, tag, status) in table {
            assert_eq!(
                (c.as_str(), c.label(), c.summary_tag()),
                (value, label, tag)
            );
            assert_eq!(c.final_status(), status);
            assert!(status.is_final());
        }
        assert_eq!(
            ImageQuality::ImperfectButBestPossible.label(),
            IMPERFECT_LABEL
        );
    }

    #[test]
    fn derive_is_total_on_invalid_records() {
        // Unanswered repeats count as extras.
        let record = ImagesRecord::with_counts(ViewCounts::STANDARD.with(Rmlo, 3).unwrap());
        let t = derive(&record, &BOTH).tally(Rmlo).unwrap().clone();
        assert_eq!((t.images, t.repeats, t.extras), (3, 0, 2));
        // "Not all mammograms taken" without a decision is taken as a recall request.
        let mut record = ImagesRecord::with_counts(ViewCounts::STANDARD.with(Lcc, 0).unwrap());
        record.not_all_taken = Some(NotAllTaken {
            reasons: vec![],
            details: String::new(),
            recall: None,
            partial_confirmed: false,
        });
        assert_eq!(derive(&record, &BOTH).completeness, C::ToBeRecalled);
        // All zero after "no" is no images.
        let d = derive(&ImagesRecord::with_counts(ViewCounts::ZERO), &BOTH);
        assert_eq!(d.completeness, C::NoImages);
        assert_eq!(d.final_status(), S::AttendedNotScreened);
    }

    #[test]
    fn views_needing_repeats_and_other_views() {
        let record = detailed_record();
        assert_eq!(record.views_needing_repeats(), [(Rmlo, 2), (Lcc, 4)]);
        assert!(
            ImagesRecord::standard_set()
                .views_needing_repeats()
                .is_empty()
        );
        let mut yes = record.clone();
        yes.standard_set = Ans::Yes;
        assert!(yes.views_needing_repeats().is_empty());
        assert!(BOTH.other_views_open(&record.counts));
        assert!(!BOTH.other_views_open(&ViewCounts::STANDARD));
        assert!(BOTH.with_implants().other_views_open(&ViewCounts::STANDARD));
        assert_eq!(BOTH.without(Breast::Right).expected_views(), [Lcc, Lmlo]);
        assert_eq!(ImagingContext::default(), BOTH);
    }

    #[test]
    fn exposure_record_for_irmer() {
        let record = detailed_record();
        let d = derive(&record, &BOTH.with_implants());
        let e = exposure_record(
            &record,
            &d,
            "Ann Smith",
            "Room A",
            "Hologic Selenia Dimensions",
        );
        assert_eq!(e.operators, ["Ann Smith", "Sam Jones"]);
        assert_eq!(
            (e.room.as_str(), e.machine.as_str()),
            ("Room A", "Hologic Selenia Dimensions")
        );
        assert_eq!(e.total_exposures, 9);
        assert_eq!(e.total_repeats, 2);
        let per_view: Vec<(View, u8, u8)> = e
            .exposures
            .iter()
            .map(|x| (x.view, x.exposures, x.repeats))
            .collect();
        assert_eq!(
            per_view,
            [
                (Rcc, 1, 0),
                (Rmlo, 2, 1),
                (Lcc, 4, 1),
                (Lmlo, 1, 0),
                (Rccid, 1, 0)
            ]
        );
        assert_eq!(e.exposures[1].repeat_reasons, [RR::ParticipantMovement]);
        assert_eq!(e.exposures[2].other_reason_details, "Hair in view");
        assert_eq!(
            e.total_exposures,
            e.exposures
                .iter()
                .map(|x| u16::from(x.exposures))
                .sum::<u16>()
        );

        let none = ImagesRecord::no_images();
        let e = exposure_record(&none, &derive(&none, &BOTH), "Ann Smith", "Room A", "M");
        assert!(e.exposures.is_empty());
        assert_eq!(e.total_exposures, 0);
    }
}
