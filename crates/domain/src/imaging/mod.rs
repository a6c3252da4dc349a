//! Recording the images taken: step 3 of an appointment ("Take mammogram images"), manual
//! flow. The rules live here once, for the web pages, the API and the store to call.
//!
//! The flow (reference §6, seeds 2025-12 and 2026-01, design history 2026-03):
//!
//! 1. "Have you taken a standard set of images?" ([`StandardSetAnswer`]). "Yes, 2 CC and 2
//!    MLO" records one image of each standard view; "No images taken" ends the appointment
//!    as attended not screened; "No, add other information" asks for the rest.
//! 2. "How many images were taken?": a count per view ([`ViewCounts`]), plus the
//!    "Additional details": "Imperfect, but best possible images", "Not all mammograms
//!    taken" ([`NotAllTaken`]) and "Notes for reader".
//! 3. For each view with 2 or more images, whether the additional images were repeats
//!    ([`ExtraImagesAnswer`], [`ViewRepeats`]).
//!
//! The whole answer set is an [`ImagesRecord`]. [`validate`] says what is wrong with it,
//! field by field, in the words staff see; [`derive()`] works out what it means (images,
//! repeats and extras per view, [`Completeness`], the final [`AppointmentStatus`], the lines
//! of the check information page); [`exposure_record`] builds the IR(ME)R record.
//!
//! Decisions made here, where the sources leave room:
//!
//! - Implant-displaced (Eklund) views are *additional to* the standard views, never a
//!   substitute for them (design history 2026-03: "Eklund views are the fifth and sixth view
//!   taken effectively"). So an RCCID image does not cover a missing RCC: a standard view
//!   of an expected breast with no image always needs "Not all mammograms taken".
//! - A breast that is not expected to be imaged (for example after a mastectomy with no
//!   tissue remaining, see [`ImagingContext`]) needs no views, and the record is complete
//!   without them. Answering "Yes, 2 CC and 2 MLO" for such a participant is refused,
//!   since it would record exposures that did not happen.
//! - With n images of a view there are n - 1 additional images. "Some were repeats and some
//!   were extra images" therefore means between 1 and n - 2 repeats, and is only offered
//!   when there are 2 or more additional images.
//! - Partial mammography is an outcome of what is recorded, never a question: "Not all
//!   mammograms taken" with "No" to recall is partial mammography; with "Yes" the
//!   participant is to be recalled. Both end the appointment as partially screened.
//! - Parts of a record that its answer makes irrelevant (counts and repeats after "Yes",
//!   everything after "No images taken") are ignored by [`validate`] and [`derive()`], and
//!   dropped by [`ImagesRecord::normalised`], which the store should apply before saving.
//!
//! The rules are split into [`views`], [`answers`] (the questions and their options),
//! [`counts`], [`record`] (the record and its context), [`validation`] and [`derivation`]
//! (what the record means, and the IR(ME)R exposure record). Every public item is
//! re-exported here, so callers name it `imaging::X`.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::appointment::AppointmentStatus;

mod answers;
mod counts;
mod derivation;
mod record;
mod validation;
mod views;

pub use answers::*;
pub use counts::*;
pub use derivation::*;
pub use record::*;
pub use validation::*;
pub use views::*;

/// The whole flow, table-driven: every answer set validated and derived.
#[cfg(test)]
mod tests {
    use super::*;
    use AppointmentStatus as S;
    use Completeness as C;
    use ExtraImagesAnswer as A;
    use IncompleteReason as I;
    use RepeatReason as RR;
    use StandardSetAnswer as Ans;
    use View::*;

    pub(super) const BOTH: ImagingContext = ImagingContext {
        right_breast_expected: true,
        left_breast_expected: true,
        has_implants: false,
        requested: None,
    };

    /// The recall question's answer in a table row.
    #[derive(Clone, Copy)]
    enum R {
        Recall(&'static str),
        NoRecall,
        /// "No", confirmed against the guidance.
        NoRecallConfirmed,
        Missing,
    }

    /// "Not all mammograms taken" in a table row.
    #[derive(Clone, Copy)]
    struct NotAll {
        reasons: &'static [IncompleteReason],
        details: &'static str,
        recall: R,
    }

    type Repeats = (
        View,
        Option<ExtraImagesAnswer>,
        &'static [RepeatReason],
        &'static str,
    );

    enum Expect {
        /// Views with images as (view, images, repeats, extras); every other view has none.
        Ok {
            views: &'static [(View, u8, u8, u8)],
            total: u16,
            repeats: u16,
            completeness: Completeness,
            status: AppointmentStatus,
            quality: ImageQuality,
        },
        /// (field id, message), in order.
        Errors(&'static [(&'static str, &'static str)]),
    }

    struct Case {
        name: &'static str,
        answer: StandardSetAnswer,
        /// Stepper inputs that differ from the defaults (standard 1, implant-displaced 0).
        counts: &'static [(View, &'static str)],
        repeats: &'static [Repeats],
        imperfect: bool,
        not_all: Option<NotAll>,
        context: ImagingContext,
        expect: Expect,
    }

    impl Default for Case {
        fn default() -> Self {
            Case {
                name: "",
                answer: Ans::No,
                counts: &[],
                repeats: &[],
                imperfect: false,
                not_all: None,
                context: BOTH,
                expect: Expect::Errors(&[]),
            }
        }
    }

    fn ok(
        views: &'static [(View, u8, u8, u8)],
        total: u16,
        repeats: u16,
        completeness: Completeness,
        status: AppointmentStatus,
    ) -> Expect {
        Expect::Ok {
            views,
            total,
            repeats,
            completeness,
            status,
            quality: ImageQuality::Standard,
        }
    }

    const STANDARD_4: &[(View, u8, u8, u8)] = &[
        (Rcc, 1, 0, 0),
        (Rmlo, 1, 0, 0),
        (Lcc, 1, 0, 0),
        (Lmlo, 1, 0, 0),
    ];

    /// Builds the record the pages would, parsing the stepper inputs first.
    fn record_for(case: &Case) -> Result<ImagesRecord, Vec<ImagingError>> {
        let inputs: Vec<(View, String)> = View::ALL
            .iter()
            .map(|&view| {
                let input = case
                    .counts
                    .iter()
                    .find(|(v, _)| *v == view)
                    .map(|(_, s)| s.to_string())
                    .unwrap_or_else(|| ViewCounts::default().get(view).to_string());
                (view, input)
            })
            .collect();
        let counts =
            ViewCounts::parse(inputs.iter().map(|(v, s)| (*v, s.as_str()))).map_err(|errors| {
                errors
                    .into_iter()
                    .map(ImagingError::from)
                    .collect::<Vec<_>>()
            })?;
        let mut record = ImagesRecord::with_counts(counts);
        record.standard_set = case.answer;
        record.imperfect_but_best_possible = case.imperfect;
        for &(view, answer, reasons, details) in case.repeats {
            record.repeats.insert(
                view,
                ViewRepeats {
                    answer,
                    reasons: reasons.to_vec(),
                    other_reason_details: details.to_owned(),
                },
            );
        }
        record.not_all_taken = case.not_all.map(|n| NotAllTaken {
            reasons: n.reasons.to_vec(),
            details: n.details.to_owned(),
            recall: match n.recall {
                R::Recall(timescale) => Some(RecallDecision::Recall {
                    timescale: timescale.to_owned(),
                    scheduling_note: String::new(),
                }),
                R::NoRecall | R::NoRecallConfirmed => Some(RecallDecision::NoRecall),
                R::Missing => None,
            },
            partial_confirmed: matches!(n.recall, R::NoRecallConfirmed),
        });
        Ok(record)
    }

    fn cases() -> Vec<Case> {
        vec![
            Case {
                name: "standard set",
                answer: Ans::Yes,
                expect: ok(STANDARD_4, 4, 0, C::Complete, S::Screened),
                ..Case::default()
            },
            Case {
                name: "standard set ignores counts and repeats left from an earlier answer",
                answer: Ans::Yes,
                counts: &[(Rmlo, "3"), (Lcc, "0")],
                repeats: &[(Rmlo, Some(A::AllRepeats), &[], "")],
                not_all: Some(NotAll {
                    reasons: &[],
                    details: "",
                    recall: R::Missing,
                }),
                expect: ok(STANDARD_4, 4, 0, C::Complete, S::Screened),
                ..Case::default()
            },
            Case {
                name: "counts with no additional images",
                expect: ok(STANDARD_4, 4, 0, C::Complete, S::Screened),
                ..Case::default()
            },
            Case {
                name: "one repeat: 2x RMLO, participant movement",
                counts: &[(Rmlo, "2")],
                repeats: &[(Rmlo, Some(A::AllRepeats), &[RR::ParticipantMovement], "")],
                expect: ok(
                    &[
                        (Rcc, 1, 0, 0),
                        (Rmlo, 2, 1, 0),
                        (Lcc, 1, 0, 0),
                        (Lmlo, 1, 0, 0),
                    ],
                    5,
                    1,
                    C::Complete,
                    S::Screened,
                ),
                ..Case::default()
            },
            Case {
                name: "one extra image, not a repeat",
                counts: &[(Lcc, "2")],
                repeats: &[(Lcc, Some(A::AllExtra), &[], "")],
                expect: ok(
                    &[
                        (Rcc, 1, 0, 0),
                        (Rmlo, 1, 0, 0),
                        (Lcc, 2, 0, 1),
                        (Lmlo, 1, 0, 0),
                    ],
                    5,
                    0,
                    C::Complete,
                    S::Screened,
                ),
                ..Case::default()
            },
            Case {
                name: "several additional images, all repeats",
                counts: &[(Rcc, "3")],
                repeats: &[(Rcc, Some(A::AllRepeats), &[RR::PositioningError], "")],
                expect: ok(
                    &[
                        (Rcc, 3, 2, 0),
                        (Rmlo, 1, 0, 0),
                        (Lcc, 1, 0, 0),
                        (Lmlo, 1, 0, 0),
                    ],
                    6,
                    2,
                    C::Complete,
                    S::Screened,
                ),
                ..Case::default()
            },
            Case {
                name: "3 additional images: 1 repeat, 2 extras",
                counts: &[(Lmlo, "4")],
                repeats: &[(Lmlo, Some(A::SomeRepeats(1)), &[RR::CompressionIssues], "")],
                expect: ok(
                    &[
                        (Rcc, 1, 0, 0),
                        (Rmlo, 1, 0, 0),
                        (Lcc, 1, 0, 0),
                        (Lmlo, 4, 1, 2),
                    ],
                    7,
                    1,
                    C::Complete,
                    S::Screened,
                ),
                ..Case::default()
            },
            Case {
                name: "3 additional images: 2 repeats, 1 extra",
                counts: &[(Lmlo, "4")],
                repeats: &[(Lmlo, Some(A::SomeRepeats(2)), &[RR::PoorExposure], "")],
                expect: ok(
                    &[
                        (Rcc, 1, 0, 0),
                        (Rmlo, 1, 0, 0),
                        (Lcc, 1, 0, 0),
                        (Lmlo, 4, 2, 1),
                    ],
                    7,
                    2,
                    C::Complete,
                    S::Screened,
                ),
                ..Case::default()
            },
            Case {
                name: "several additional images, all extra, no reasons needed",
                counts: &[(Rmlo, "3")],
                repeats: &[(Rmlo, Some(A::AllExtra), &[], "")],
                expect: ok(
                    &[
                        (Rcc, 1, 0, 0),
                        (Rmlo, 3, 0, 2),
                        (Lcc, 1, 0, 0),
                        (Lmlo, 1, 0, 0),
                    ],
                    6,
                    0,
                    C::Complete,
                    S::Screened,
                ),
                ..Case::default()
            },
            Case {
                name: "a repeat on one view and an extra on another",
                counts: &[(Rcc, "2"), (Lmlo, "2")],
                repeats: &[
                    (Rcc, Some(A::AllRepeats), &[RR::TechnicalFault], ""),
                    (Lmlo, Some(A::AllExtra), &[], ""),
                ],
                expect: ok(
                    &[
                        (Rcc, 2, 1, 0),
                        (Rmlo, 1, 0, 0),
                        (Lcc, 1, 0, 0),
                        (Lmlo, 2, 0, 1),
                    ],
                    6,
                    1,
                    C::Complete,
                    S::Screened,
                ),
                ..Case::default()
            },
            Case {
                name: "Other repeat reason with details",
                counts: &[(Rmlo, "2")],
                repeats: &[(Rmlo, Some(A::AllRepeats), &[RR::Other], "Hair in view")],
                expect: ok(
                    &[
                        (Rcc, 1, 0, 0),
                        (Rmlo, 2, 1, 0),
                        (Lcc, 1, 0, 0),
                        (Lmlo, 1, 0, 0),
                    ],
                    5,
                    1,
                    C::Complete,
                    S::Screened,
                ),
                ..Case::default()
            },
            Case {
                name: "implants: 4 standard and 4 implant-displaced views",
                counts: &[(Rccid, "1"), (Rmloid, "1"), (Lccid, "1"), (Lmloid, "1")],
                context: BOTH.with_implants(),
                expect: ok(
                    &[
                        (Rcc, 1, 0, 0),
                        (Rmlo, 1, 0, 0),
                        (Lcc, 1, 0, 0),
                        (Lmlo, 1, 0, 0),
                        (Rccid, 1, 0, 0),
                        (Rmloid, 1, 0, 0),
                        (Lccid, 1, 0, 0),
                        (Lmloid, 1, 0, 0),
                    ],
                    8,
                    0,
                    C::Complete,
                    S::Screened,
                ),
                ..Case::default()
            },
            Case {
                name: "implants: a repeated implant-displaced view",
                counts: &[(Rccid, "2"), (Lccid, "1")],
                repeats: &[(
                    Rccid,
                    Some(A::AllRepeats),
                    &[RR::ArtefactsObscuringImage],
                    "",
                )],
                context: BOTH.with_implants(),
                expect: ok(
                    &[
                        (Rcc, 1, 0, 0),
                        (Rmlo, 1, 0, 0),
                        (Lcc, 1, 0, 0),
                        (Lmlo, 1, 0, 0),
                        (Rccid, 2, 1, 0),
                        (Lccid, 1, 0, 0),
                    ],
                    7,
                    1,
                    C::Complete,
                    S::Screened,
                ),
                ..Case::default()
            },
            Case {
                name: "implant-displaced view does not stand in for a missing standard view",
                counts: &[(Rcc, "0"), (Rccid, "1")],
                context: BOTH.with_implants(),
                expect: Expect::Errors(&[(
                    "not_all_taken",
                    "Select 'Not all mammograms taken' and say why, as no RCC image was recorded",
                )]),
                ..Case::default()
            },
            Case {
                name: "missing view, recall requested",
                counts: &[(Lmlo, "0")],
                not_all: Some(NotAll {
                    reasons: &[I::WheelchairPositioning],
                    details: "",
                    recall: R::Recall("In 6 weeks"),
                }),
                expect: ok(
                    &[(Rcc, 1, 0, 0), (Rmlo, 1, 0, 0), (Lcc, 1, 0, 0)],
                    3,
                    0,
                    C::ToBeRecalled,
                    S::PartiallyScreened,
                ),
                ..Case::default()
            },
            Case {
                name: "missing views, no recall: partial mammography",
                counts: &[(Lcc, "0"), (Lmlo, "0")],
                not_all: Some(NotAll {
                    reasons: &[I::ConsentWithdrawn],
                    details: "",
                    recall: R::NoRecall,
                }),
                expect: ok(
                    &[(Rcc, 1, 0, 0), (Rmlo, 1, 0, 0)],
                    2,
                    0,
                    C::PartialMammography,
                    S::PartiallyScreened,
                ),
                ..Case::default()
            },
            Case {
                name: "all views taken but not all tissue: partial mammography",
                not_all: Some(NotAll {
                    reasons: &[I::UnableToScanTissue],
                    details: "Implanted device",
                    recall: R::NoRecallConfirmed,
                }),
                expect: ok(
                    STANDARD_4,
                    4,
                    0,
                    C::PartialMammography,
                    S::PartiallyScreened,
                ),
                ..Case::default()
            },
            Case {
                name: "missing view without 'Not all mammograms taken'",
                counts: &[(Lmlo, "0")],
                expect: Expect::Errors(&[(
                    "not_all_taken",
                    "Select 'Not all mammograms taken' and say why, as no LMLO image was recorded",
                )]),
                ..Case::default()
            },
            Case {
                name: "two missing views are named together",
                counts: &[(Rcc, "0"), (Lmlo, "0")],
                expect: Expect::Errors(&[(
                    "not_all_taken",
                    "Select 'Not all mammograms taken' and say why, as no RCC or LMLO images \
                     were recorded",
                )]),
                ..Case::default()
            },
            Case {
                name: "three missing views are listed",
                counts: &[(Rcc, "0"), (Rmlo, "0"), (Lcc, "0")],
                expect: Expect::Errors(&[(
                    "not_all_taken",
                    "Select 'Not all mammograms taken' and say why, as no RCC, RMLO or LCC \
                     images were recorded",
                )]),
                ..Case::default()
            },
            Case {
                name: "mastectomy: left breast not expected, left views zero",
                counts: &[(Lcc, "0"), (Lmlo, "0")],
                context: BOTH.without(Breast::Left),
                expect: ok(
                    &[(Rcc, 1, 0, 0), (Rmlo, 1, 0, 0)],
                    2,
                    0,
                    C::Complete,
                    S::Screened,
                ),
                ..Case::default()
            },
            Case {
                name: "mastectomy: right breast not expected, one left view missing",
                counts: &[(Rcc, "0"), (Rmlo, "0"), (Lcc, "0")],
                context: BOTH.without(Breast::Right),
                expect: Expect::Errors(&[(
                    "not_all_taken",
                    "Select 'Not all mammograms taken' and say why, as no LCC image was recorded",
                )]),
                ..Case::default()
            },
            Case {
                name: "mastectomy: standard set answer refused",
                answer: Ans::Yes,
                context: BOTH.without(Breast::Left),
                expect: Expect::Errors(&[(
                    "standard_set",
                    "Select 'No, add other information', as the left breast is not expected \
                     to be imaged",
                )]),
                ..Case::default()
            },
            Case {
                name: "imperfect, but best possible images",
                answer: Ans::Yes,
                imperfect: true,
                expect: Expect::Ok {
                    views: STANDARD_4,
                    total: 4,
                    repeats: 0,
                    completeness: C::Complete,
                    status: S::Screened,
                    quality: ImageQuality::ImperfectButBestPossible,
                },
                ..Case::default()
            },
            Case {
                name: "imperfect with a mastectomy",
                counts: &[(Rcc, "0"), (Rmlo, "0")],
                imperfect: true,
                context: BOTH.without(Breast::Right),
                expect: Expect::Ok {
                    views: &[(Lcc, 1, 0, 0), (Lmlo, 1, 0, 0)],
                    total: 2,
                    repeats: 0,
                    completeness: C::Complete,
                    status: S::Screened,
                    quality: ImageQuality::ImperfectButBestPossible,
                },
                ..Case::default()
            },
            Case {
                name: "no images taken",
                answer: Ans::NoImages,
                expect: ok(&[], 0, 0, C::NoImages, S::AttendedNotScreened),
                ..Case::default()
            },
            Case {
                name: "no images taken ignores everything else",
                answer: Ans::NoImages,
                counts: &[(Rmlo, "2")],
                imperfect: true,
                not_all: Some(NotAll {
                    reasons: &[],
                    details: "",
                    recall: R::Missing,
                }),
                expect: ok(&[], 0, 0, C::NoImages, S::AttendedNotScreened),
                ..Case::default()
            },
            Case {
                name: "all counts zero",
                counts: &[(Rcc, "0"), (Rmlo, "0"), (Lcc, "0"), (Lmlo, "0")],
                expect: Expect::Errors(&[("counts", "Enter at least one image count")]),
                ..Case::default()
            },
            Case {
                name: "count of 10",
                counts: &[(Rmlo, "10")],
                expect: Expect::Errors(&[(
                    "count-rmlo",
                    "Number of RMLO images must be at most 9",
                )]),
                ..Case::default()
            },
            Case {
                name: "negative count",
                counts: &[(Lcc, "-1")],
                expect: Expect::Errors(&[("count-lcc", "Number of LCC images must be at least 0")]),
                ..Case::default()
            },
            Case {
                name: "count that is not a number, and one too many",
                counts: &[(Rcc, "two"), (Lmloid, "12")],
                expect: Expect::Errors(&[
                    ("count-rcc", "Enter a valid number of RCC images"),
                    ("count-lmloid", "Number of LMLOID images must be at most 9"),
                ]),
                ..Case::default()
            },
            Case {
                name: "blank count reads as 0",
                counts: &[(Rmlo, " ")],
                expect: Expect::Errors(&[(
                    "not_all_taken",
                    "Select 'Not all mammograms taken' and say why, as no RMLO image was recorded",
                )]),
                ..Case::default()
            },
            Case {
                name: "repeats answer missing, one additional image",
                counts: &[(Rmlo, "2")],
                expect: Expect::Errors(&[(
                    "repeats-rmlo",
                    "Select whether the additional RMLO image was a repeat",
                )]),
                ..Case::default()
            },
            Case {
                name: "repeats answer missing, several additional images",
                counts: &[(Lcc, "3")],
                repeats: &[(Lcc, None, &[RR::Other], "")],
                expect: Expect::Errors(&[(
                    "repeats-lcc",
                    "Select whether the additional LCC images were repeats",
                )]),
                ..Case::default()
            },
            Case {
                name: "some repeats, number above the range",
                counts: &[(Rmlo, "4")],
                repeats: &[(Rmlo, Some(A::SomeRepeats(3)), &[RR::PositioningError], "")],
                expect: Expect::Errors(&[(
                    "repeats-rmlo-count",
                    "Number of RMLO repeats must be between 1 and 2",
                )]),
                ..Case::default()
            },
            Case {
                name: "some repeats, zero",
                counts: &[(Rmlo, "3")],
                repeats: &[(Rmlo, Some(A::SomeRepeats(0)), &[], "")],
                expect: Expect::Errors(&[(
                    "repeats-rmlo-count",
                    "Number of RMLO repeats must be 1",
                )]),
                ..Case::default()
            },
            Case {
                name: "some repeats is not an answer for one additional image",
                counts: &[(Rmlo, "2")],
                repeats: &[(Rmlo, Some(A::SomeRepeats(1)), &[RR::PositioningError], "")],
                expect: Expect::Errors(&[(
                    "repeats-rmlo",
                    "Select whether the additional RMLO image was a repeat",
                )]),
                ..Case::default()
            },
            Case {
                name: "repeat without a reason",
                counts: &[(Rmlo, "2")],
                repeats: &[(Rmlo, Some(A::AllRepeats), &[], "")],
                expect: Expect::Errors(&[(
                    "repeats-rmlo-reasons",
                    "Select why the RMLO image was repeated",
                )]),
                ..Case::default()
            },
            Case {
                name: "several repeats without a reason",
                counts: &[(Rcc, "3")],
                repeats: &[(Rcc, Some(A::AllRepeats), &[], "")],
                expect: Expect::Errors(&[(
                    "repeats-rcc-reasons",
                    "Select why the RCC images were repeated",
                )]),
                ..Case::default()
            },
            Case {
                name: "Other repeat reason without details",
                counts: &[(Rmlo, "2")],
                repeats: &[(Rmlo, Some(A::AllRepeats), &[RR::Other], "  ")],
                expect: Expect::Errors(&[(
                    "repeats-rmlo-other-details",
                    "Provide details of why the RMLO image was repeated",
                )]),
                ..Case::default()
            },
            Case {
                name: "not all taken without a reason",
                counts: &[(Lmlo, "0")],
                not_all: Some(NotAll {
                    reasons: &[],
                    details: "",
                    recall: R::NoRecall,
                }),
                expect: Expect::Errors(&[(
                    "not_all_taken_reasons",
                    "Select a reason why you could not take all the images",
                )]),
                ..Case::default()
            },
            Case {
                name: "not all taken, Other without details",
                counts: &[(Lmlo, "0")],
                not_all: Some(NotAll {
                    reasons: &[I::Other],
                    details: "",
                    recall: R::NoRecall,
                }),
                expect: Expect::Errors(&[(
                    "not_all_taken_details",
                    "Provide details of why you could not take all the images",
                )]),
                ..Case::default()
            },
            Case {
                name: "not all taken without a recall decision",
                counts: &[(Lmlo, "0")],
                not_all: Some(NotAll {
                    reasons: &[I::TechnicalIssues],
                    details: "",
                    recall: R::Missing,
                }),
                expect: Expect::Errors(&[(
                    "not_all_taken_recall",
                    "Select whether the participant should be recalled to take more images",
                )]),
                ..Case::default()
            },
            Case {
                name: "recall without a timescale",
                counts: &[(Lmlo, "0")],
                not_all: Some(NotAll {
                    reasons: &[I::TechnicalIssues],
                    details: "",
                    recall: R::Recall(" "),
                }),
                expect: Expect::Errors(&[(
                    "not_all_taken_recall_timescale",
                    "Enter when the participant should be recalled",
                )]),
                ..Case::default()
            },
            Case {
                name: "several errors come in page order",
                counts: &[(Rcc, "0"), (Lcc, "2")],
                repeats: &[(Lcc, Some(A::AllRepeats), &[], "")],
                not_all: Some(NotAll {
                    reasons: &[],
                    details: "",
                    recall: R::Missing,
                }),
                expect: Expect::Errors(&[
                    (
                        "not_all_taken_reasons",
                        "Select a reason why you could not take all the images",
                    ),
                    (
                        "not_all_taken_recall",
                        "Select whether the participant should be recalled to take more images",
                    ),
                    (
                        "repeats-lcc-reasons",
                        "Select why the LCC image was repeated",
                    ),
                ]),
                ..Case::default()
            },
        ]
    }

    #[test]
    fn recording_the_images_taken() {
        let cases = cases();
        assert!(cases.len() >= 30, "{} cases", cases.len());
        for case in &cases {
            let name = case.name;
            let checked = record_for(case).and_then(|r| validate(&r, &case.context).map(|()| r));
            match (&case.expect, checked) {
                (
                    Expect::Ok {
                        views,
                        total,
                        repeats,
                        completeness,
                        status,
                        quality,
                    },
                    Ok(record),
                ) => {
                    let d = derive(&record, &case.context);
                    for tally in &d.views {
                        let expected = views
                            .iter()
                            .find(|(v, ..)| *v == tally.view)
                            .map(|&(_, i, r, e)| (i, r, e))
                            .unwrap_or((0, 0, 0));
                        assert_eq!(
                            (tally.images, tally.repeats, tally.extras),
                            expected,
                            "{name}: {}",
                            tally.view
                        );
                    }
                    assert_eq!(d.total_images, *total, "{name}");
                    assert_eq!(d.total_repeats, *repeats, "{name}");
                    assert_eq!(d.completeness, *completeness, "{name}");
                    assert_eq!(d.final_status(), *status, "{name}");
                    assert_eq!(d.image_quality(), *quality, "{name}");
                    assert_images_are_first_repeats_and_extras(&d, name);
                    // Normalising changes nothing the record means.
                    let normalised = record.normalised();
                    assert_eq!(validate(&normalised, &case.context), Ok(()), "{name}");
                    assert_eq!(derive(&normalised, &case.context), d, "{name}");
                }
                (Expect::Errors(expected), Err(errors)) => {
                    let got: Vec<(String, &str)> = errors
                        .iter()
                        .map(|e| (e.field_id(), e.message.as_str()))
                        .collect();
                    let expected: Vec<(String, &str)> =
                        expected.iter().map(|&(f, m)| (f.to_owned(), m)).collect();
                    assert_eq!(got, expected, "{name}");
                }
                (Expect::Ok { .. }, Err(errors)) => panic!("{name}: unexpected {errors:?}"),
                (Expect::Errors(expected), Ok(_)) => panic!("{name}: expected {expected:?}"),
            }
        }
    }

    fn assert_images_are_first_repeats_and_extras(d: &Derivation, name: &str) {
        assert_eq!(d.views.len(), View::ALL.len(), "{name}");
        for (tally, &view) in d.views.iter().zip(View::ALL) {
            assert_eq!(tally.view, view, "{name}");
            if tally.images == 0 {
                assert_eq!((tally.repeats, tally.extras), (0, 0), "{name}: {view}");
            } else {
                assert_eq!(
                    tally.images,
                    1 + tally.repeats + tally.extras,
                    "{name}: {view}"
                );
            }
        }
        let sum = |f: fn(&ViewTally) -> u8| d.views.iter().map(|t| u16::from(f(t))).sum::<u16>();
        assert_eq!(d.total_images, sum(|t| t.images), "{name}");
        assert_eq!(d.total_repeats, sum(|t| t.repeats), "{name}");
        assert_eq!(d.total_extras, sum(|t| t.extras), "{name}");
    }

    #[test]
    fn every_answer_splits_additional_images_into_repeats_and_extras() {
        let mut answers = vec![A::AllRepeats, A::AllExtra];
        answers.extend((0..=12).map(A::SomeRepeats));
        for images in 0..=MAX_COUNT {
            for &answer in &answers {
                let (r, e) = (answer.repeats(images), answer.extras(images));
                assert_eq!(r + e, images.saturating_sub(1), "{images} {answer:?}");
                let mut record =
                    ImagesRecord::with_counts(ViewCounts::STANDARD.with(Rmlo, images).unwrap());
                record
                    .repeats
                    .insert(Rmlo, ViewRepeats::new(answer, &[RR::Other]));
                let d = derive(&record, &BOTH);
                assert_images_are_first_repeats_and_extras(&d, "property");
                // Every answer the pages accept derives to a consistent split.
                if validate(&record, &BOTH).is_err() {
                    continue;
                }
                let t = d.tally(Rmlo).unwrap();
                assert_eq!((t.repeats, t.extras), (r, e));
            }
        }
    }

    #[test]
    fn some_repeats_is_valid_exactly_from_1_to_images_minus_2() {
        for images in 2..=MAX_COUNT {
            for n in 0..=MAX_COUNT {
                let mut record =
                    ImagesRecord::with_counts(ViewCounts::STANDARD.with(Lcc, images).unwrap());
                let mut repeats = ViewRepeats::new(A::SomeRepeats(n), &[RR::Other]);
                repeats.other_reason_details = "Details".to_owned();
                record.repeats.insert(Lcc, repeats);
                let valid = images >= 3 && (1..=images - 2).contains(&n);
                assert_eq!(
                    validate(&record, &BOTH).is_ok(),
                    valid,
                    "{images} images, {n}"
                );
            }
        }
    }

    pub(super) fn detailed_record() -> ImagesRecord {
        let counts =
            ViewCounts::from_pairs(&[(Rcc, 1), (Rmlo, 2), (Lcc, 4), (Lmlo, 1), (Rccid, 1)])
                .unwrap();
        let mut record = ImagesRecord::with_counts(counts);
        record.repeats.insert(
            Rmlo,
            ViewRepeats::new(A::AllRepeats, &[RR::ParticipantMovement]),
        );
        record.repeats.insert(
            Lcc,
            ViewRepeats {
                answer: Some(A::SomeRepeats(1)),
                reasons: vec![RR::Other, RR::CompressionIssues],
                other_reason_details: " Hair in view ".to_owned(),
            },
        );
        record.additional_operators = vec![" Sam Jones ".into(), "".into(), "Ann Smith".into()];
        record
    }
}
