//! The automatic image flow's rules (reference §7, seed 2025-12, ADR 11): how a received
//! image is matched to an appointment or quarantined, how its view is counted, what a
//! worklist item's status is, how MPPS events merge in any order, when a gateway counts as
//! connected, and which discrepancies between what was recorded and what arrived the office
//! must resolve. No I/O: the store and the web service call these.
//!
//! Decisions made here, where the sources leave room:
//!
//! - An image is attached only when StudyInstanceUID or accession number names one live
//!   worklist item of the gateway's provider AND PatientID equals that appointment's NHS
//!   number (surrounding spaces ignored, as DICOM pads values). If the two keys name
//!   different appointments the image is quarantined: guessing could attach it to the wrong
//!   participant.
//! - Counted exposures are the "For Presentation" 2D images (or images without a
//!   presentation intent). "For Processing" images are the raw versions of the same
//!   exposures, and tomosynthesis objects are a different acquisition: both are stored and
//!   listed, but not counted, so one exposure is never counted twice.
//! - A view the manual record cannot hold (ML, LM, XCCL, ...) is counted as an "other view"
//!   under its code with the side ("RML", "LXCCL"); an image with no laterality or no view
//!   position is "unlabelled" and always worth a look.
//! - MPPS COMPLETED and DISCONTINUED are final: an IN PROGRESS that arrives after them (they
//!   can arrive in any order) does not reopen the step.
//! - Discrepancies are worked out once the appointment has ended (during it, the
//!   mammographer sees the images arrive and confirms them). Images received for an
//!   appointment that ended without a screen (attended not screened, cancelled, did not
//!   attend) are always one: no reading case opens for them, so a person must decide.
//! - Attaching an image by hand when its PatientID is not the appointment's NHS number, or
//!   an image once detached as a different participant's, needs a second person: one asks,
//!   a different one confirms ([`attachment_needs_second_person`], [`may_confirm`]).
//! - The IR(ME)R record counts every exposure received, whatever its view code
//!   ([`add_received_exposures`]): a view the record cannot hold is listed by its code.

use std::collections::{BTreeMap, BTreeSet};
use time::{Duration, OffsetDateTime};

use crate::appointment::AppointmentStatus;
use crate::imaging::{
    Breast, ExposureRecord, MAX_COUNT, OtherViewExposure, Projection, View, ViewCounts,
};

// ---------------------------------------------------------------------------------------
// Identifiers we assign
// ---------------------------------------------------------------------------------------

/// The StudyInstanceUID for a worklist item: `2.25.` and the decimal of a UUID (the DICOM
/// rule for UIDs made from UUIDs, at most 44 characters).
pub fn study_instance_uid(uuid: u128) -> String {
    format!("2.25.{uuid}")
}

/// The longest accession number DICOM allows (SH).
pub const ACCESSION_MAX: usize = 16;

/// An accession number of 16 upper-case letters and digits from a UUIDv7's bits (the low
/// 82 bits: its 74 random bits and some of its time). The store keeps them unique per
/// provider.
pub fn accession_number(uuid: u128) -> String {
    const DIGITS: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut n = uuid & ((1u128 << 82) - 1);
    let mut out = [b'0'; ACCESSION_MAX];
    for slot in out.iter_mut().rev() {
        *slot = DIGITS[(n % 36) as usize];
        n /= 36;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A participant's name as DICOM writes it: `LAST^FIRST`, upper case.
pub fn dicom_person_name(first: &str, last: &str) -> String {
    format!("{}^{}", last.trim(), first.trim()).to_uppercase()
}

// ---------------------------------------------------------------------------------------
// Worklist items
// ---------------------------------------------------------------------------------------

labelled_enum! {
    /// A worklist item's status, as the gateway receives it. Only `scheduled` and
    /// `in_progress` answer C-FIND.
    pub enum WorklistStatus ("worklist status") {
        Scheduled => ("scheduled", "Scheduled"),
        InProgress => ("in_progress", "In progress"),
        Completed => ("completed", "Completed"),
        Discontinued => ("discontinued", "Discontinued"),
        Cancelled => ("cancelled", "Cancelled"),
    }
}

impl WorklistStatus {
    /// Whether the modality can still find the item.
    pub const fn is_live(self) -> bool {
        matches!(self, WorklistStatus::Scheduled | WorklistStatus::InProgress)
    }
}

labelled_enum! {
    /// When a provider issues worklist items.
    pub enum WorklistTrigger ("worklist trigger") {
        /// When the appointment reaches "Take mammogram images" (the default).
        Images => ("images", "When the appointment reaches \"Take mammogram images\""),
        /// When the participant is checked in.
        CheckedIn => ("checked_in", "When the participant is checked in"),
    }
}

/// The status a worklist item should have, from its appointment's status and the
/// performed procedure step, if any. `None` when the appointment should have no item.
pub fn worklist_status(
    appointment: AppointmentStatus,
    mpps: Option<MppsStatus>,
) -> Option<WorklistStatus> {
    use AppointmentStatus as A;
    Some(match appointment {
        A::Scheduled => return None,
        A::CheckedIn | A::InProgress | A::Paused => match mpps {
            Some(MppsStatus::InProgress) => WorklistStatus::InProgress,
            Some(MppsStatus::Completed) => WorklistStatus::Completed,
            Some(MppsStatus::Discontinued) => WorklistStatus::Discontinued,
            None => WorklistStatus::Scheduled,
        },
        A::Screened | A::PartiallyScreened => WorklistStatus::Completed,
        A::AttendedNotScreened => WorklistStatus::Discontinued,
        A::DidNotAttend | A::Cancelled | A::RescheduleRequested => WorklistStatus::Cancelled,
    })
}

// ---------------------------------------------------------------------------------------
// MPPS
// ---------------------------------------------------------------------------------------

labelled_enum! {
    /// A Modality Performed Procedure Step's status, as DICOM spells it.
    pub enum MppsStatus ("MPPS status") {
        InProgress => ("IN PROGRESS", "In progress"),
        Completed => ("COMPLETED", "Completed"),
        Discontinued => ("DISCONTINUED", "Discontinued"),
    }
}

impl MppsStatus {
    pub const fn is_final(self) -> bool {
        !matches!(self, MppsStatus::InProgress)
    }
}

/// The status after an event: a final status is never replaced by IN PROGRESS; otherwise
/// the incoming one wins.
pub fn merge_mpps(current: Option<MppsStatus>, incoming: MppsStatus) -> MppsStatus {
    match current {
        Some(c) if c.is_final() && !incoming.is_final() => c,
        _ => incoming,
    }
}

// ---------------------------------------------------------------------------------------
// Views and counts
// ---------------------------------------------------------------------------------------

/// How a received image is counted.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum ReceivedView {
    /// A view the record holds: RCC ... LMLOID.
    Counted(View),
    /// Another view, by its code with the side: "RML", "LXCCL", "RMLID".
    Other(String),
    /// No laterality or no view position.
    Unlabelled,
}

impl ReceivedView {
    /// The code stored and shown: "RCC", "RML", or "" when unlabelled.
    pub fn code(&self) -> String {
        match self {
            ReceivedView::Counted(v) => v.label().to_owned(),
            ReceivedView::Other(code) => code.clone(),
            ReceivedView::Unlabelled => String::new(),
        }
    }

    /// Reads a stored code back.
    pub fn from_code(code: &str) -> ReceivedView {
        if code.is_empty() {
            return ReceivedView::Unlabelled;
        }
        match View::ALL.iter().find(|v| v.label() == code) {
            Some(&v) => ReceivedView::Counted(v),
            None => ReceivedView::Other(code.to_owned()),
        }
    }

    /// The breast, when known.
    pub fn breast(&self) -> Option<Breast> {
        match self {
            ReceivedView::Counted(v) => Some(v.breast()),
            ReceivedView::Other(code) if code.starts_with('R') => Some(Breast::Right),
            ReceivedView::Other(code) if code.starts_with('L') => Some(Breast::Left),
            _ => None,
        }
    }

    /// The name shown under a thumbnail.
    pub fn name(&self) -> String {
        match self {
            ReceivedView::Unlabelled => "Unlabelled view".to_owned(),
            other => other.code(),
        }
    }
}

/// The view of an image from its ImageLaterality, ViewPosition and implant-displaced
/// modifier.
pub fn classify_view(
    laterality: Option<&str>,
    view_position: Option<&str>,
    implant_displaced: bool,
) -> ReceivedView {
    let breast = match laterality.map(|l| l.trim().to_ascii_uppercase()).as_deref() {
        Some("R") => Breast::Right,
        Some("L") => Breast::Left,
        _ => return ReceivedView::Unlabelled,
    };
    let position = view_position
        .map(|p| p.trim().to_ascii_uppercase())
        .filter(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric()));
    let Some(position) = position else {
        return ReceivedView::Unlabelled;
    };
    let projection = match position.as_str() {
        "CC" => Some(Projection::Cc),
        "MLO" => Some(Projection::Mlo),
        _ => None,
    };
    match projection {
        Some(p) => ReceivedView::Counted(View::of(breast, p, implant_displaced)),
        None => {
            let side = match breast {
                Breast::Right => "R",
                Breast::Left => "L",
            };
            let id = if implant_displaced { "ID" } else { "" };
            ReceivedView::Other(format!("{side}{position}{id}"))
        }
    }
}

/// Whether an image counts as an exposure (see the module notes).
pub fn counts_as_exposure(presentation_intent: Option<&str>, tomosynthesis: bool) -> bool {
    let for_processing =
        presentation_intent.is_some_and(|p| p.trim().eq_ignore_ascii_case("FOR PROCESSING"));
    !for_processing && !tomosynthesis
}

/// What the counted images add up to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedCounts {
    /// Images per view the record holds (at most [`MAX_COUNT`] each; see `over_limit`).
    pub counts: ViewCounts,
    /// Images of other views, by code.
    pub other: BTreeMap<String, u16>,
    /// Images with no laterality or view position.
    pub unlabelled: u16,
    /// Views with more images than the record can hold.
    pub over_limit: Vec<View>,
    /// Every counted image.
    pub total: u16,
}

impl Default for ReceivedCounts {
    /// Nothing received (note [`ViewCounts::default`] is the standard set, not zero).
    fn default() -> Self {
        ReceivedCounts {
            counts: ViewCounts::ZERO,
            other: BTreeMap::new(),
            unlabelled: 0,
            over_limit: Vec::new(),
            total: 0,
        }
    }
}

/// Adds up the counted images' views.
pub fn received_counts<'a>(views: impl IntoIterator<Item = &'a ReceivedView>) -> ReceivedCounts {
    let mut exact: BTreeMap<View, u16> = BTreeMap::new();
    let mut out = ReceivedCounts::default();
    for view in views {
        out.total = out.total.saturating_add(1);
        match view {
            ReceivedView::Counted(v) => *exact.entry(*v).or_default() += 1,
            ReceivedView::Other(code) => *out.other.entry(code.clone()).or_default() += 1,
            ReceivedView::Unlabelled => out.unlabelled += 1,
        }
    }
    for (view, n) in exact {
        let clamped = u8::try_from(n).unwrap_or(u8::MAX).min(MAX_COUNT);
        if u16::from(clamped) < n {
            out.over_limit.push(view);
        }
        // Within range by construction.
        let _ = out.counts.set(view, clamped);
    }
    out
}

/// Adds to an IR(ME)R exposure record the counted images received whose view the record
/// cannot hold (other view codes such as ML or XCCL, and unlabelled images), so that its
/// total is every exposure the machine made. The record's own views keep their counts,
/// repeats and reasons. Building it again from the same record gives the same result.
pub fn add_received_exposures(record: &mut ExposureRecord, received: &ReceivedCounts) {
    record.other_exposures = received
        .other
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(code, n)| OtherViewExposure {
            view: code.clone(),
            exposures: *n,
        })
        .collect();
    if received.unlabelled > 0 {
        record.other_exposures.push(OtherViewExposure {
            view: ReceivedView::Unlabelled.name(),
            exposures: received.unlabelled,
        });
    }
    let standard: u16 = record
        .exposures
        .iter()
        .map(|e| u16::from(e.exposures))
        .sum();
    let other: u16 = record.other_exposures.iter().map(|e| e.exposures).sum();
    record.total_exposures = standard.saturating_add(other);
}

// ---------------------------------------------------------------------------------------
// Matching
// ---------------------------------------------------------------------------------------

/// The keys of a received image (or MPPS event) used to find its appointment.
#[derive(Debug, Clone, Copy, Default)]
pub struct ImageKeys<'a> {
    pub study_instance_uid: Option<&'a str>,
    pub accession_number: Option<&'a str>,
    pub patient_id: Option<&'a str>,
}

/// A worklist item an image may belong to, with its appointment's NHS number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate<Id> {
    pub appointment: Id,
    pub nhs_number: String,
}

labelled_enum! {
    /// Why an image was quarantined instead of attached.
    pub enum QuarantineReason ("quarantine reason") {
        UnknownStudy => ("unknown_study", "No worklist item has this StudyInstanceUID or accession number"),
        MissingPatientId => ("missing_patient_id", "The image has no PatientID"),
        PatientIdMismatch => ("patient_id_mismatch", "The image's PatientID is not the NHS number of the appointment it names"),
        ConflictingKeys => ("conflicting_keys", "The StudyInstanceUID and the accession number name different appointments"),
        DifferentParticipant => ("different_participant", "Detached from an appointment: these are a different participant's images"),
    }
}

labelled_enum! {
    /// Where a quarantined image is. An image that was never quarantined has none.
    pub enum QuarantineStatus ("quarantine status") {
        /// Waiting for the office: every change to a quarantined image requires this.
        Open => ("open", "In quarantine"),
        Attached => ("attached", "Attached to an appointment"),
        Dismissed => ("dismissed", "Kept out of all records"),
    }
}

/// Whether an image's PatientID is the NHS number (surrounding spaces ignored, as DICOM
/// pads values). No PatientID never matches.
pub fn patient_id_matches(patient_id: Option<&str>, nhs_number: &str) -> bool {
    patient_id
        .map(str::trim)
        .is_some_and(|p| !p.is_empty() && p == nhs_number.trim())
}

/// Whether attaching a quarantined image to an appointment by hand needs a second person
/// to confirm: its PatientID is not the participant's NHS number, or it was detached
/// before as a different participant's images (the machine's PatientID came from the
/// worklist entry chosen, which is exactly what was wrong).
pub fn attachment_needs_second_person(
    patient_id: Option<&str>,
    nhs_number: &str,
    detached_before: bool,
) -> bool {
    detached_before || !patient_id_matches(patient_id, nhs_number)
}

/// The message refusing a confirmation by the person who asked for the attachment.
pub const SAME_PERSON_CONFIRMS: &str =
    "You asked for this image to be attached, so a different person must check and confirm it.";

/// Whether `confirming` may confirm an attachment `requested_by` asked for: only a
/// different, known person.
pub fn may_confirm<Id: PartialEq>(
    requested_by: Option<&Id>,
    confirming: Option<&Id>,
) -> Result<(), &'static str> {
    match (requested_by, confirming) {
        (_, None) => Err("Only a signed-in person can confirm an attachment."),
        (None, _) => Err("Nobody has asked for this image to be attached yet."),
        (Some(r), Some(c)) if r == c => Err(SAME_PERSON_CONFIRMS),
        _ => Ok(()),
    }
}

/// Where an image goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchOutcome<Id> {
    Attach(Id),
    Quarantine(QuarantineReason),
}

/// Matches an image to an appointment: the worklist item found by its StudyInstanceUID
/// (`by_study`) or its accession number (`by_accession`), within the gateway's provider,
/// whose NHS number equals the image's PatientID. Anything else is quarantined.
pub fn match_image<Id: Copy + PartialEq>(
    keys: &ImageKeys<'_>,
    by_study: Option<&Candidate<Id>>,
    by_accession: Option<&Candidate<Id>>,
) -> MatchOutcome<Id> {
    let candidate = match (by_study, by_accession) {
        (Some(s), Some(a)) if s.appointment != a.appointment => {
            return MatchOutcome::Quarantine(QuarantineReason::ConflictingKeys);
        }
        (Some(c), _) | (None, Some(c)) => c,
        (None, None) => return MatchOutcome::Quarantine(QuarantineReason::UnknownStudy),
    };
    if keys.patient_id.map(str::trim).is_none_or(str::is_empty) {
        return MatchOutcome::Quarantine(QuarantineReason::MissingPatientId);
    }
    if !patient_id_matches(keys.patient_id, &candidate.nhs_number) {
        return MatchOutcome::Quarantine(QuarantineReason::PatientIdMismatch);
    }
    MatchOutcome::Attach(candidate.appointment)
}

// ---------------------------------------------------------------------------------------
// Gateway health
// ---------------------------------------------------------------------------------------

labelled_enum! {
    /// A gateway's connection, as shown to staff.
    pub enum ConnectionState ("connection state") {
        Connected => ("connected", "Connected"),
        Delayed => ("delayed", "Delayed"),
        Disconnected => ("disconnected", "Disconnected"),
    }
}

impl ConnectionState {
    pub const fn tag_class(self) -> &'static str {
        match self {
            ConnectionState::Connected => "nhsuk-tag--green",
            ConnectionState::Delayed => "nhsuk-tag--yellow",
            ConnectionState::Disconnected => "nhsuk-tag--red",
        }
    }
}

/// The gateway asks for work at least every 25 s (long poll) and reports an echo every
/// minute.
pub const CONTACT_EXPECTED: Duration = Duration::seconds(60);
/// No contact for this long: disconnected.
pub const CONTACT_LOST: Duration = Duration::minutes(5);
/// No successful echo for this long: the DICOM side may not be working.
pub const ECHO_EXPECTED: Duration = Duration::minutes(3);

/// Connected: in contact within a minute and its last echo, within three minutes, worked.
/// Disconnected: never in contact, or not for five minutes. Otherwise delayed.
pub fn connection_state(
    now: OffsetDateTime,
    last_contact: Option<OffsetDateTime>,
    last_echo: Option<(OffsetDateTime, bool)>,
) -> ConnectionState {
    let Some(contact) = last_contact else {
        return ConnectionState::Disconnected;
    };
    let since = now - contact;
    if since > CONTACT_LOST {
        return ConnectionState::Disconnected;
    }
    let echo_ok = last_echo.is_some_and(|(at, ok)| ok && now - at <= ECHO_EXPECTED);
    if since <= CONTACT_EXPECTED && echo_ok {
        ConnectionState::Connected
    } else {
        ConnectionState::Delayed
    }
}

// ---------------------------------------------------------------------------------------
// Reconciliation
// ---------------------------------------------------------------------------------------

labelled_enum! {
    /// How the images of an appointment were recorded.
    pub enum RecordingMethod ("image recording method") {
        Manual => ("manual", "Manual"),
        Automatic => ("automatic", "Automatic"),
    }
}

labelled_enum! {
    /// A difference between what was recorded and what arrived, for the office to resolve.
    pub enum DiscrepancyKind ("discrepancy") {
        ImagesForManualRecord => ("images_for_manual_record", "Images received for an appointment recorded manually"),
        CountsDiffer => ("counts_differ", "Images recorded and images received differ"),
        ImagesAfterEnd => ("images_after_end", "Images received after the appointment ended"),
        PerformedStepDiffers => ("performed_step_differs", "The machine's performed procedure step and the images received differ"),
        ImagesWithoutScreen => ("images_without_screen", "Images received for an appointment that ended without a screen"),
    }
}

/// One discrepancy: its kind and the details that make it this one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discrepancy {
    pub kind: DiscrepancyKind,
    pub detail: String,
}

/// What is known about an ended appointment's images.
#[derive(Debug, Clone)]
pub struct ReconcileInput<'a> {
    /// How the appointment ended.
    pub ended_as: AppointmentStatus,
    /// How the images were recorded (`None` when no record was saved).
    pub method: Option<RecordingMethod>,
    /// The recorded counts per view.
    pub recorded: Option<ViewCounts>,
    /// What the counted images add up to.
    pub received: &'a ReceivedCounts,
    /// Every image received (SOPInstanceUIDs), counted or not.
    pub received_instances: &'a BTreeSet<String>,
    /// Images received after the appointment ended.
    pub received_after_end: u16,
    /// The instances a COMPLETED performed procedure step listed, if one did.
    pub performed_instances: Option<&'a BTreeSet<String>>,
}

/// The discrepancies of an ended appointment, in a stable order with stable details, so
/// that working them out again finds the same ones.
pub fn reconcile(input: &ReconcileInput<'_>) -> Vec<Discrepancy> {
    let mut out = Vec::new();
    let received = input.received;
    let screened = matches!(
        input.ended_as,
        AppointmentStatus::Screened | AppointmentStatus::PartiallyScreened
    );
    if !screened && !input.received_instances.is_empty() {
        // No reading case opened: these exposures are read or set aside only by a person.
        let n = u16::try_from(input.received_instances.len()).unwrap_or(u16::MAX);
        out.push(Discrepancy {
            kind: DiscrepancyKind::ImagesWithoutScreen,
            detail: format!(
                "{} received; the appointment ended as {} and no reading case was opened",
                count_of(n, "image", "images"),
                input.ended_as.label().to_lowercase()
            ),
        });
    }
    if input.method == Some(RecordingMethod::Manual) && received.total > 0 {
        out.push(Discrepancy {
            kind: DiscrepancyKind::ImagesForManualRecord,
            detail: format!(
                "{} received from the machine while the images were recorded by hand",
                count_of(received.total, "image", "images")
            ),
        });
    }
    if let Some(recorded) = input.recorded
        && received.total > 0
    {
        let mut lines: Vec<String> = View::ALL
            .iter()
            .filter(|&&v| recorded.get(v) != received.counts.get(v))
            .map(|&v| {
                format!(
                    "{v}: {} recorded, {} received",
                    recorded.get(v),
                    received.counts.get(v)
                )
            })
            .collect();
        for (code, n) in &received.other {
            lines.push(format!("{code}: 0 recorded, {n} received"));
        }
        if received.unlabelled > 0 {
            lines.push(format!(
                "{} received without a view",
                count_of(received.unlabelled, "image", "images")
            ));
        }
        if !lines.is_empty() {
            out.push(Discrepancy {
                kind: DiscrepancyKind::CountsDiffer,
                detail: lines.join("; "),
            });
        }
    }
    if input.received_after_end > 0 {
        out.push(Discrepancy {
            kind: DiscrepancyKind::ImagesAfterEnd,
            detail: format!(
                "{} received after the appointment ended",
                count_of(input.received_after_end, "image", "images")
            ),
        });
    }
    if let Some(listed) = input.performed_instances {
        let missing = listed.difference(input.received_instances).count();
        let unlisted = input.received_instances.difference(listed).count();
        if missing > 0 || unlisted > 0 {
            let mut parts = Vec::new();
            if missing > 0 {
                parts.push(format!(
                    "{} listed by the machine not received",
                    count_of(
                        u16::try_from(missing).unwrap_or(u16::MAX),
                        "image",
                        "images"
                    )
                ));
            }
            if unlisted > 0 {
                parts.push(format!(
                    "{} received not listed by the machine",
                    count_of(
                        u16::try_from(unlisted).unwrap_or(u16::MAX),
                        "image",
                        "images"
                    )
                ));
            }
            out.push(Discrepancy {
                kind: DiscrepancyKind::PerformedStepDiffers,
                detail: parts.join("; "),
            });
        }
    }
    out
}

/// "How was it resolved?": required, at most 2,000 characters. Returns the trimmed text or
/// the message to show.
pub fn validate_resolution(text: &str) -> Result<String, &'static str> {
    let text = text.trim();
    if text.is_empty() {
        Err("Enter how the discrepancy was resolved")
    } else if text.chars().count() > 2000 {
        Err("How it was resolved must be 2,000 characters or fewer")
    } else {
        Ok(text.to_owned())
    }
}

fn count_of(n: u16, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;
    use View::*;
    use time::macros::datetime;

    #[test]
    fn quarantine_statuses_are_stored_as() {
        let table = [
            (QuarantineStatus::Open, "open"),
            (QuarantineStatus::Attached, "attached"),
            (QuarantineStatus::Dismissed, "dismissed"),
        ];
        assert_eq!(QuarantineStatus::ALL.len(), table.len());
        for (status, stored) in table {
            assert_eq!(status.as_str(), stored);
            assert_eq!(stored.parse::<QuarantineStatus>(), Ok(status));
        }
    }

    #[test]
    fn uids_and_accession_numbers_fit_dicom() {
        let id: u128 = 0x0193_6f1e_2b3c_7abc_8def_0123_4567_89ab;
        let uid = study_instance_uid(id);
        assert!(uid.starts_with("2.25.") && uid.len() <= 64);
        assert_eq!(uid, format!("2.25.{id}"));
        assert_eq!(study_instance_uid(u128::MAX).len(), 44);
        let acc = accession_number(id);
        assert_eq!(acc.len(), ACCESSION_MAX);
        assert!(
            acc.chars()
                .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
        );
        assert_ne!(acc, accession_number(id + 1));
        assert_eq!(accession_number(u128::MAX).len(), ACCESSION_MAX);
        assert_eq!(dicom_person_name("Jane ", "Smith"), "SMITH^JANE");
    }

    #[test]
    fn views_are_classified_from_laterality_position_and_modifier() {
        let cases: &[(Option<&str>, Option<&str>, bool, ReceivedView)] = &[
            (Some("R"), Some("CC"), false, ReceivedView::Counted(Rcc)),
            (Some("R"), Some("MLO"), false, ReceivedView::Counted(Rmlo)),
            (Some("L"), Some("CC"), false, ReceivedView::Counted(Lcc)),
            (Some("l"), Some(" mlo "), false, ReceivedView::Counted(Lmlo)),
            (Some("R"), Some("CC"), true, ReceivedView::Counted(Rccid)),
            (Some("L"), Some("MLO"), true, ReceivedView::Counted(Lmloid)),
            (
                Some("R"),
                Some("ML"),
                false,
                ReceivedView::Other("RML".into()),
            ),
            (
                Some("L"),
                Some("XCCL"),
                false,
                ReceivedView::Other("LXCCL".into()),
            ),
            (
                Some("L"),
                Some("LM"),
                true,
                ReceivedView::Other("LLMID".into()),
            ),
            (None, Some("CC"), false, ReceivedView::Unlabelled),
            (Some("B"), Some("CC"), false, ReceivedView::Unlabelled),
            (Some("R"), None, false, ReceivedView::Unlabelled),
            (Some("R"), Some(""), false, ReceivedView::Unlabelled),
            (Some("R"), Some("C C"), false, ReceivedView::Unlabelled),
        ];
        for (lat, pos, id, expected) in cases {
            let got = classify_view(*lat, *pos, *id);
            assert_eq!(&got, expected, "{lat:?} {pos:?} {id}");
            assert_eq!(ReceivedView::from_code(&got.code()), got);
        }
        assert_eq!(
            ReceivedView::Other("LXCCL".into()).breast(),
            Some(Breast::Left)
        );
        assert_eq!(ReceivedView::Unlabelled.name(), "Unlabelled view");
    }

    #[test]
    fn only_for_presentation_2d_images_count() {
        assert!(counts_as_exposure(Some("FOR PRESENTATION"), false));
        assert!(counts_as_exposure(None, false));
        assert!(!counts_as_exposure(Some("FOR PROCESSING"), false));
        assert!(!counts_as_exposure(Some("for processing "), false));
        assert!(!counts_as_exposure(Some("FOR PRESENTATION"), true));
    }

    #[test]
    fn counts_add_up_per_view_like_the_manual_record() {
        let views = [
            ReceivedView::Counted(Rcc),
            ReceivedView::Counted(Rmlo),
            ReceivedView::Counted(Rmlo),
            ReceivedView::Counted(Lcc),
            ReceivedView::Counted(Lmlo),
            ReceivedView::Counted(Lmloid),
            ReceivedView::Other("RML".into()),
            ReceivedView::Unlabelled,
        ];
        let c = received_counts(&views);
        assert_eq!(c.total, 8);
        assert_eq!(c.counts.get(Rcc), 1);
        assert_eq!(c.counts.get(Rmlo), 2);
        assert_eq!(c.counts.get(Lmloid), 1);
        assert_eq!(c.counts.get(Rccid), 0);
        assert_eq!(c.other.get("RML"), Some(&1));
        assert_eq!(c.unlabelled, 1);
        assert!(c.over_limit.is_empty());
        let many = vec![ReceivedView::Counted(Lcc); 12];
        let c = received_counts(&many);
        assert_eq!(c.counts.get(Lcc), MAX_COUNT);
        assert_eq!(c.over_limit, vec![Lcc]);
        assert_eq!(c.total, 12);
        assert_eq!(received_counts(&[]), ReceivedCounts::default());
    }

    #[test]
    fn images_attach_only_when_a_key_matches_and_the_patient_id_is_the_nhs_number() {
        let a = Candidate {
            appointment: 1,
            nhs_number: "9990001234".to_owned(),
        };
        let b = Candidate {
            appointment: 2,
            nhs_number: "9990005678".to_owned(),
        };
        let keys = |p: Option<&'static str>| ImageKeys {
            study_instance_uid: Some("2.25.1"),
            accession_number: Some("ACC"),
            patient_id: p,
        };
        use MatchOutcome::*;
        use QuarantineReason as Q;
        type Case<'a> = (
            ImageKeys<'a>,
            Option<&'a Candidate<i32>>,
            Option<&'a Candidate<i32>>,
            MatchOutcome<i32>,
        );
        let cases: &[Case<'_>] = &[
            (keys(Some("9990001234")), Some(&a), None, Attach(1)),
            (keys(Some("9990001234")), None, Some(&a), Attach(1)),
            (keys(Some("9990001234")), Some(&a), Some(&a), Attach(1)),
            (keys(Some(" 9990001234 ")), Some(&a), None, Attach(1)),
            (
                keys(Some("9990005678")),
                Some(&a),
                None,
                Quarantine(Q::PatientIdMismatch),
            ),
            (
                keys(Some("999 000 1234")),
                Some(&a),
                None,
                Quarantine(Q::PatientIdMismatch),
            ),
            (keys(None), Some(&a), None, Quarantine(Q::MissingPatientId)),
            (
                keys(Some("  ")),
                None,
                Some(&a),
                Quarantine(Q::MissingPatientId),
            ),
            (
                keys(Some("9990001234")),
                None,
                None,
                Quarantine(Q::UnknownStudy),
            ),
            (
                keys(Some("9990001234")),
                Some(&a),
                Some(&b),
                Quarantine(Q::ConflictingKeys),
            ),
        ];
        for (i, (k, s, acc, expected)) in cases.iter().enumerate() {
            assert_eq!(match_image(k, *s, *acc), *expected, "case {i}");
        }
    }

    #[test]
    fn worklist_status_follows_the_appointment_and_its_performed_step() {
        use AppointmentStatus as A;
        use MppsStatus as M;
        use WorklistStatus as W;
        let cases = [
            (A::Scheduled, None, None),
            (A::CheckedIn, None, Some(W::Scheduled)),
            (A::InProgress, None, Some(W::Scheduled)),
            (A::InProgress, Some(M::InProgress), Some(W::InProgress)),
            (A::Paused, Some(M::InProgress), Some(W::InProgress)),
            (A::InProgress, Some(M::Completed), Some(W::Completed)),
            (A::InProgress, Some(M::Discontinued), Some(W::Discontinued)),
            (A::Screened, Some(M::InProgress), Some(W::Completed)),
            (A::PartiallyScreened, None, Some(W::Completed)),
            (A::AttendedNotScreened, None, Some(W::Discontinued)),
            (A::Cancelled, None, Some(W::Cancelled)),
            (A::DidNotAttend, None, Some(W::Cancelled)),
            (A::RescheduleRequested, None, Some(W::Cancelled)),
        ];
        for (a, m, expected) in cases {
            assert_eq!(worklist_status(a, m), expected, "{a:?} {m:?}");
        }
        assert!(W::Scheduled.is_live() && W::InProgress.is_live());
        assert!(!W::Completed.is_live() && !W::Cancelled.is_live());
    }

    #[test]
    fn mpps_events_merge_in_any_order() {
        use MppsStatus::*;
        assert_eq!(merge_mpps(None, InProgress), InProgress);
        assert_eq!(merge_mpps(None, Completed), Completed);
        assert_eq!(merge_mpps(Some(InProgress), Completed), Completed);
        assert_eq!(merge_mpps(Some(Completed), InProgress), Completed);
        assert_eq!(merge_mpps(Some(Discontinued), InProgress), Discontinued);
        assert_eq!(merge_mpps(Some(InProgress), Discontinued), Discontinued);
        assert_eq!("IN PROGRESS".parse::<MppsStatus>(), Ok(InProgress));
    }

    #[test]
    fn connection_state_comes_from_last_contact_and_last_echo() {
        let now = datetime!(2026-11-25 10:00:00 UTC);
        let s = |secs: i64| now - Duration::seconds(secs);
        use ConnectionState::*;
        let cases = [
            (None, None, Disconnected),
            (Some(s(5)), Some((s(30), true)), Connected),
            (Some(s(60)), Some((s(180), true)), Connected),
            (Some(s(61)), Some((s(30), true)), Delayed),
            (Some(s(5)), None, Delayed),
            (Some(s(5)), Some((s(30), false)), Delayed),
            (Some(s(5)), Some((s(181), true)), Delayed),
            (Some(s(300)), Some((s(30), true)), Delayed),
            (Some(s(301)), Some((s(30), true)), Disconnected),
        ];
        for (contact, echo, expected) in cases {
            assert_eq!(
                connection_state(now, contact, echo),
                expected,
                "{contact:?} {echo:?}"
            );
        }
    }

    fn set(items: &[&str]) -> BTreeSet<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn reconciliation_lists_what_the_office_must_look_at() {
        let standard = ViewCounts::STANDARD;
        let four = received_counts(&[
            ReceivedView::Counted(Rcc),
            ReceivedView::Counted(Rmlo),
            ReceivedView::Counted(Lcc),
            ReceivedView::Counted(Lmlo),
        ]);
        let three = received_counts(&[
            ReceivedView::Counted(Rcc),
            ReceivedView::Counted(Rmlo),
            ReceivedView::Counted(Lcc),
        ]);
        let none = ReceivedCounts::default();
        let sops4 = set(&["1", "2", "3", "4"]);
        let sops3 = set(&["1", "2", "3"]);
        let empty = set(&[]);
        let input = |method, recorded, received, instances, after, performed| ReconcileInput {
            ended_as: AppointmentStatus::Screened,
            method,
            recorded,
            received,
            received_instances: instances,
            received_after_end: after,
            performed_instances: performed,
        };
        use DiscrepancyKind as K;
        use RecordingMethod::*;
        let kinds =
            |i: &ReconcileInput<'_>| reconcile(i).into_iter().map(|d| d.kind).collect::<Vec<_>>();
        // Automatic, everything agrees.
        assert_eq!(
            kinds(&input(
                Some(Automatic),
                Some(standard),
                &four,
                &sops4,
                0,
                Some(&sops4)
            )),
            vec![]
        );
        // Manual, no gateway images: nothing to compare.
        assert_eq!(
            kinds(&input(Some(Manual), Some(standard), &none, &empty, 0, None)),
            vec![]
        );
        // Manual, and images arrived anyway.
        assert_eq!(
            kinds(&input(Some(Manual), Some(standard), &four, &sops4, 0, None)),
            vec![K::ImagesForManualRecord]
        );
        // Notes say 4, the machine sent 3.
        let d = reconcile(&input(
            Some(Manual),
            Some(standard),
            &three,
            &sops3,
            0,
            None,
        ));
        assert_eq!(d[1].kind, K::CountsDiffer);
        assert_eq!(d[1].detail, "LMLO: 1 recorded, 0 received");
        // An image after the end, confirmed with 3.
        let d = reconcile(&input(
            Some(Automatic),
            Some(three.counts),
            &four,
            &sops4,
            1,
            None,
        ));
        assert_eq!(
            d.iter().map(|d| d.kind).collect::<Vec<_>>(),
            vec![K::CountsDiffer, K::ImagesAfterEnd]
        );
        assert_eq!(d[1].detail, "1 image received after the appointment ended");
        // The performed step lists 4, 3 arrived (and one it did not list).
        let listed = set(&["1", "2", "3", "9"]);
        let d = reconcile(&input(
            Some(Automatic),
            Some(three.counts),
            &three,
            &sops3,
            0,
            Some(&listed),
        ));
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].kind, K::PerformedStepDiffers);
        assert_eq!(d[0].detail, "1 image listed by the machine not received");
        let d = reconcile(&input(
            Some(Automatic),
            Some(standard),
            &four,
            &sops4,
            0,
            Some(&listed),
        ));
        assert_eq!(
            d[0].detail,
            "1 image listed by the machine not received; 1 image received not listed by the machine"
        );
        // Other and unlabelled views are differences too.
        let odd = received_counts(&[ReceivedView::Other("RML".into()), ReceivedView::Unlabelled]);
        let d = reconcile(&input(
            Some(Automatic),
            Some(ViewCounts::ZERO),
            &odd,
            &empty,
            0,
            None,
        ));
        assert_eq!(
            d[0].detail,
            "RML: 0 recorded, 1 received; 1 image received without a view"
        );
    }

    #[test]
    fn images_received_for_an_appointment_ended_without_a_screen_go_to_the_office() {
        use AppointmentStatus as A;
        let one = received_counts(&[ReceivedView::Counted(Rcc)]);
        let none = ReceivedCounts::default();
        let sop = set(&["1"]);
        let two = set(&["1", "2"]);
        let empty = set(&[]);
        // (ended as, received instances, counts, raised?)
        let table: &[(A, &BTreeSet<String>, &ReceivedCounts, Option<&str>)] = &[
            (
                A::AttendedNotScreened,
                &sop,
                &one,
                Some(
                    "1 image received; the appointment ended as attended not screened and no reading case was opened",
                ),
            ),
            (
                A::Cancelled,
                &two,
                &one,
                Some(
                    "2 images received; the appointment ended as cancelled and no reading case was opened",
                ),
            ),
            (
                A::DidNotAttend,
                &sop,
                &one,
                Some(
                    "1 image received; the appointment ended as did not attend and no reading case was opened",
                ),
            ),
            (
                A::RescheduleRequested,
                &sop,
                &none,
                Some(
                    "1 image received; the appointment ended as reschedule requested and no reading case was opened",
                ),
            ),
            (A::Screened, &sop, &one, None),
            (A::PartiallyScreened, &sop, &one, None),
            (A::AttendedNotScreened, &empty, &none, None),
        ];
        for (ended_as, instances, received, expected) in table {
            let found = reconcile(&ReconcileInput {
                ended_as: *ended_as,
                method: None,
                recorded: None,
                received,
                received_instances: instances,
                received_after_end: 0,
                performed_instances: None,
            });
            let got = found
                .iter()
                .find(|d| d.kind == DiscrepancyKind::ImagesWithoutScreen)
                .map(|d| d.detail.as_str());
            assert_eq!(got, *expected, "{ended_as:?}");
        }
    }

    #[test]
    fn a_wrong_participants_image_needs_a_second_person_to_attach() {
        // (PatientID, NHS number, detached before, needs a second person)
        let table = [
            (Some("9990001234"), "9990001234", false, false),
            (Some(" 9990001234 "), "9990001234", false, false),
            (Some("9990001234"), "9990001234", true, true),
            (Some("9990005678"), "9990001234", false, true),
            (Some("999 000 1234"), "9990001234", false, true),
            (None, "9990001234", false, true),
            (Some(""), "9990001234", false, true),
        ];
        for (pid, nhs, detached, expected) in table {
            assert_eq!(
                attachment_needs_second_person(pid, nhs, detached),
                expected,
                "{pid:?} {nhs} {detached}"
            );
        }
        assert_eq!(may_confirm(Some(&1), Some(&2)), Ok(()));
        assert_eq!(may_confirm(Some(&1), Some(&1)), Err(SAME_PERSON_CONFIRMS));
        assert!(may_confirm(Some(&1), None).is_err());
        assert!(may_confirm::<i32>(None, Some(&2)).is_err());
    }

    #[test]
    fn the_irmer_record_counts_every_exposure_whatever_its_view_code() {
        use crate::imaging::{ImagesRecord, ImagingContext, derive, exposure_record};
        let both = ImagingContext::default();
        // (ImageLaterality, ViewPosition, presentation intent, tomosynthesis, counted as)
        type Row = (
            Option<&'static str>,
            Option<&'static str>,
            Option<&'static str>,
            bool,
            Option<&'static str>,
        );
        let standard: &[Row] = &[
            (Some("R"), Some("CC"), None, false, Some("RCC")),
            (Some("R"), Some("MLO"), None, false, Some("RMLO")),
            (Some("L"), Some("CC"), None, false, Some("LCC")),
            (Some("L"), Some("MLO"), None, false, Some("LMLO")),
        ];
        let extra: &[Row] = &[
            (Some("R"), Some("ML"), None, false, Some("RML")),
            (Some("L"), Some("XCCL"), None, false, Some("LXCCL")),
            (Some("L"), Some("LM"), None, false, Some("LLM")),
            (Some("R"), Some("XCCM"), None, false, Some("RXCCM")),
            (Some("R"), Some("SIO"), None, false, Some("RSIO")),
            (None, Some("CC"), None, false, Some("Unlabelled view")),
            (Some("L"), None, None, false, Some("Unlabelled view")),
            (None, None, None, false, Some("Unlabelled view")),
            (Some("R"), Some("ML"), Some("FOR PROCESSING"), false, None),
            (Some("L"), Some("CC"), None, true, None),
        ];
        for upto in 0..=extra.len() {
            let rows: Vec<&Row> = standard.iter().chain(&extra[..upto]).collect();
            let views: Vec<ReceivedView> = rows
                .iter()
                .filter(|(_, _, intent, tomo, _)| counts_as_exposure(*intent, *tomo))
                .map(|(lat, pos, _, _, _)| classify_view(*lat, *pos, false))
                .collect();
            let received = received_counts(&views);
            let record = ImagesRecord::with_counts(received.counts);
            let derivation = derive(&record, &both);
            let mut e = exposure_record(&record, &derivation, "Jane", "Room B", "M1");
            add_received_exposures(&mut e, &received);
            let expected = rows.iter().filter(|r| r.4.is_some()).count();
            assert_eq!(
                usize::from(e.total_exposures),
                expected,
                "with {:?}",
                rows.last()
            );
            assert_eq!(e.total_exposures, received.total);
            // Each exposure is listed under its view.
            let mut listed: BTreeMap<String, u16> = BTreeMap::new();
            for x in &e.exposures {
                *listed.entry(x.view.label().to_owned()).or_default() += u16::from(x.exposures);
            }
            for x in &e.other_exposures {
                *listed.entry(x.view.clone()).or_default() += x.exposures;
            }
            let mut want: BTreeMap<String, u16> = BTreeMap::new();
            for r in &rows {
                if let Some(v) = r.4 {
                    *want.entry(v.to_owned()).or_default() += 1;
                }
            }
            assert_eq!(listed, want);
            // Applying it twice changes nothing.
            let again = e.clone();
            add_received_exposures(&mut e, &received);
            assert_eq!(e, again);
        }
    }

    #[test]
    fn a_resolution_must_say_how() {
        assert_eq!(
            validate_resolution("  "),
            Err("Enter how the discrepancy was resolved")
        );
        assert_eq!(
            validate_resolution(" Checked PACS "),
            Ok("Checked PACS".to_owned())
        );
        assert!(validate_resolution(&"x".repeat(2001)).is_err());
    }
}
