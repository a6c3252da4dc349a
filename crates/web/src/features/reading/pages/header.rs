//! The summary of the case shown above every reading page: the participant, the screen's
//! images and notes, her medical information, and the case's history and holds.

use super::*;
use domain::imaging::ImagesRecord;
use domain::medical::MedicalInformation;

fn due_tag(status: DueStatus) -> Option<(String, String)> {
    match status {
        DueStatus::OnTime => None,
        DueStatus::DueSoon => Some((status.label().to_owned(), "nhsuk-tag--yellow".to_owned())),
        DueStatus::Urgent => Some((status.label().to_owned(), "nhsuk-tag--orange".to_owned())),
        DueStatus::Overdue => Some((status.label().to_owned(), "nhsuk-tag--red".to_owned())),
    }
}

fn age_on(dob: time::Date, on: time::Date) -> i32 {
    let mut age = on.year() - dob.year();
    if (on.month() as u8, on.day()) < (dob.month() as u8, dob.day()) {
        age -= 1;
    }
    age
}

fn plural<N: PartialEq + From<u8>>(n: N) -> &'static str {
    if n == N::from(1) { "" } else { "s" }
}

/// The mammographer's notes on a manually recorded images record: (label, value, tag).
fn image_notes(record: &ImagesRecord, wf: &Workflow) -> Vec<(String, String, String)> {
    let derivation = derive(record, &imaging_context(wf));
    let mut notes = vec![
        (
            "Views taken".to_owned(),
            derivation.summary_lines().join(", "),
            String::new(),
        ),
        (
            "Image quality".to_owned(),
            derivation.image_quality().label().to_owned(),
            String::new(),
        ),
    ];
    if let Some(not_all) = &record.not_all_taken {
        notes.push((
            "Not all mammograms taken".to_owned(),
            not_all.reasons_text(),
            derivation
                .completeness
                .summary_tag()
                .unwrap_or_default()
                .to_owned(),
        ));
    }
    if derivation.total_repeats > 0 || derivation.total_extras > 0 {
        notes.push((
            "Repeats and extra images".to_owned(),
            format!(
                "{} repeat{}, {} extra image{}",
                derivation.total_repeats,
                plural(derivation.total_repeats),
                derivation.total_extras,
                plural(derivation.total_extras),
            ),
            String::new(),
        ));
    }
    if !record.notes_for_reader.trim().is_empty() {
        notes.push((
            "Notes for reader".to_owned(),
            record.notes_for_reader.trim().to_owned(),
            String::new(),
        ));
    }
    notes
}

/// The received images' thumbnails, by breast, right first.
fn thumbnails(images: &[store::ReceivedImage]) -> Vec<(String, Vec<Thumbnail>)> {
    let mut out = Vec::new();
    for (breast, prefix) in [("Right breast", 'R'), ("Left breast", 'L')] {
        let shown: Vec<_> = images
            .iter()
            .filter(|i| i.has_thumbnail && i.view.starts_with(prefix))
            .map(|i| {
                (
                    format!("/received-images/{}/thumbnail", i.id),
                    i.view.clone(),
                    i.thumbnail_width.unwrap_or(200),
                    i.thumbnail_height.unwrap_or(250),
                )
            })
            .collect();
        if !shown.is_empty() {
            out.push((breast.to_owned(), shown));
        }
    }
    out
}

/// Where the reader finds the images: received ones win over a manual record.
fn images_message(images: &[store::ReceivedImage], recorded_manually: bool) -> String {
    if !images.is_empty() {
        let n = images.len();
        format!(
            "{n} image{} received from the x-ray machine. Open the study on the PACS workstation to read at full resolution.",
            plural(n)
        )
    } else if recorded_manually {
        "The images were recorded manually: no thumbnails are available here. Open the study on the PACS workstation.".to_owned()
    } else {
        String::new()
    }
}

/// The participant's symptoms, medical history and breast features, one row each.
fn medical_rows(info: &MedicalInformation) -> Vec<(String, String)> {
    let symptoms = info.symptoms.iter().map(|s| ("Symptom", s.item.summary()));
    let history = info
        .history
        .iter()
        .map(|h| ("Medical history", h.item.summary()));
    let features = info
        .features
        .iter()
        .map(|f| ("Breast feature", f.item.summary()));
    symptoms
        .chain(history)
        .chain(features)
        .map(|(label, value)| (label.to_owned(), value))
        .collect()
}

/// A hold on the case as one line: who held it, why, and how it was released.
fn hold_line(h: &store::CaseHold) -> String {
    let what = if h.kind == "deferred" {
        "Deferred"
    } else {
        "Prior mammograms requested"
    };
    let mut line = format!("{what} by {}", h.requested_by_name);
    if !h.reason.is_empty() {
        line.push_str(&format!(": {}", h.reason));
    }
    if let Some(how) = &h.released_how {
        let how = how
            .parse::<PriorsStatus>()
            .map(|s| s.label().to_owned())
            .unwrap_or_else(|_| how.replace('_', " "));
        line.push_str(&format!(" ({how})"));
    }
    line
}

/// The other cases of the episode: (case page, screened on, outcome).
fn episode_cases(detail: &CaseDetail) -> Vec<(String, String, String)> {
    detail
        .episode_cases
        .iter()
        .map(|c| {
            (
                format!("/reading/cases/{}", c.id),
                long_date(c.screened_on),
                c.outcome
                    .clone()
                    .unwrap_or_else(|| "Not concluded".to_owned()),
            )
        })
        .collect()
}

/// Her earlier episodes: (opened on, type, outcome).
fn previous_episodes(detail: &CaseDetail) -> Vec<(String, String, String)> {
    detail
        .previous_episodes
        .iter()
        .map(|e| {
            (
                long_date(e.opened_on),
                e.episode_type.label().to_owned(),
                e.outcome.clone().unwrap_or_else(|| "No result".to_owned()),
            )
        })
        .collect()
}

pub(super) fn case_header(l: &Loaded, today: time::Date) -> CaseHeader {
    let (detail, wf, settings) = (&l.detail, &l.wf, &l.settings);
    let p = &wf.appointment.participant;
    let case = &detail.case;
    let info = information(wf);
    let record = images_record(wf);
    CaseHeader {
        name: p.full_name(),
        nhs_number: nhs_number(&p.nhs_number),
        date_of_birth: long_date(p.date_of_birth),
        age: format!("{} years old", age_on(p.date_of_birth, case.screened_on)),
        screened_on: long_date(case.screened_on),
        state: case.state.label().to_owned(),
        due: if case.state == ReadingState::Concluded {
            None
        } else {
            due_tag(settings.window().status(case.screened_on, today))
        },
        significant_symptoms: info
            .significant_symptoms()
            .iter()
            .map(|s| s.summary())
            .collect(),
        image_notes: record
            .as_ref()
            .map(|r| image_notes(r, wf))
            .unwrap_or_default(),
        images_message: images_message(&l.images, record.is_some()),
        medical: medical_rows(&info),
        episode_cases: episode_cases(detail),
        previous_episodes: previous_episodes(detail),
        reported_mammograms: info.mammograms.iter().map(|m| m.item.summary()).collect(),
        thumbnails: thumbnails(&l.images),
        patient_id_warning: crate::features::gateways::app::patient_id_warning(&l.images, p),
        holds: detail.holds.iter().map(hold_line).collect(),
    }
}
