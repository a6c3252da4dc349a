//! How an appointment ends, for the pages and the API alike: what completing the screen
//! records, what "attended not screened" records, and what a cancellation records.

use super::images::images_record;
use super::imaging_context;
use domain::AppointmentAction;
use domain::ending::{AttendedNotScreened, Cancellation};
use domain::imaging::{Completeness, RecallDecision, derive, exposure_record, validate};
use domain::workflow::SectionDocument;
use store::{Finish, ImagesTally, NewFollowUp, Workflow};

/// Why "Complete screening" was refused, in words for the person completing it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CannotComplete(pub String);

/// What completing the appointment records, from the saved images: Screened or Partially
/// screened, the IR(ME)R exposure record, and a recall request for the office when the
/// mammographer asked for the participant to come back for more images.
pub fn completion(wf: &Workflow, operator: &str) -> Result<Finish, CannotComplete> {
    let record = images_record(wf)
        .ok_or_else(|| CannotComplete("Record the images taken before completing.".to_owned()))?;
    let context = imaging_context(wf);
    validate(&record, &context).map_err(|errors| {
        CannotComplete(format!(
            "The images record is not complete: {}",
            errors
                .iter()
                .map(|e| e.message.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        ))
    })?;
    let derivation = derive(&record, &context);
    let action = match derivation.completeness {
        Completeness::Complete => AppointmentAction::Screen,
        Completeness::ToBeRecalled | Completeness::PartialMammography => {
            AppointmentAction::PartiallyScreen
        }
        Completeness::NoImages => {
            return Err(CannotComplete(
                "No images were taken: end the appointment with 'Appointment cannot proceed'."
                    .to_owned(),
            ));
        }
    };
    let counts = record.effective_counts();
    let missing_views: Vec<domain::imaging::View> = context
        .expected_views()
        .into_iter()
        .filter(|v| counts.get(*v) == 0)
        .collect();
    let follow_up = match record
        .not_all_taken
        .as_ref()
        .and_then(|n| n.recall.as_ref())
    {
        Some(RecallDecision::Recall {
            timescale,
            scheduling_note,
        }) if derivation.completeness == Completeness::ToBeRecalled => Some(NewFollowUp {
            kind: "more_images",
            timescale: timescale.clone(),
            note: scheduling_note.clone(),
            views: missing_views,
        }),
        _ => None,
    };
    let (room, machine) = wf
        .room
        .as_ref()
        .map(|r| (r.name.clone(), r.machine.clone()))
        .unwrap_or_default();
    let exposure = exposure_record(&record, &derivation, operator, &room, &machine);
    Ok(Finish {
        action,
        episode_outcome: None,
        episode_stage: None,
        follow_up,
        record: Some(SectionDocument::Exposure(exposure)),
        tally: Some(ImagesTally {
            images: i64::from(derivation.total_images),
            repeats: i64::from(derivation.total_repeats),
            repeat_reasons: derivation
                .views
                .iter()
                .filter(|t| t.repeats > 0)
                .flat_map(|t| t.repeat_reasons.iter().map(|r| r.as_str().to_owned()))
                .collect(),
            completeness: derivation.completeness,
        }),
    })
}

/// What ending as attended not screened records: the reasons, and a reschedule request
/// for the office when the participant is to be rescheduled.
pub fn attended_not_screened_finish(answer: &AttendedNotScreened) -> Finish {
    let follow_up = answer
        .reschedule
        .and_then(|d| d.follow_up().map(|kind| (d, kind)))
        .map(|(d, kind)| NewFollowUp {
            kind: kind.as_str(),
            timescale: if d.reschedules() {
                d.label().to_owned()
            } else {
                String::new()
            },
            note: answer
                .reasons
                .iter()
                .map(|(r, d)| {
                    if d.is_empty() {
                        r.label().to_owned()
                    } else {
                        format!("{}: {d}", r.label())
                    }
                })
                .collect::<Vec<_>>()
                .join("; "),
            views: Vec::new(),
        });
    Finish {
        action: AppointmentAction::AttendedNotScreened,
        episode_outcome: domain::episode::ending_outcome(
            domain::AppointmentStatus::AttendedNotScreened,
            answer.reschedule,
        ),
        episode_stage: None,
        follow_up,
        record: Some(SectionDocument::Ending(answer.clone())),
        tally: None,
    }
}

/// What a cancellation records: the status move, the reasons, and a reschedule request
/// for the office when rescheduling.
pub fn cancellation_finish(c: &Cancellation) -> Option<Finish> {
    let action = c.action()?;
    let follow_up = c
        .reschedule
        .and_then(|d| d.follow_up().map(|kind| (d, kind)))
        .map(|(d, kind)| NewFollowUp {
            kind: kind.as_str(),
            timescale: if d.reschedules() {
                d.label().to_owned()
            } else {
                String::new()
            },
            note: match c.reason {
                Some(r) if c.details.trim().is_empty() => r.label().to_owned(),
                Some(r) => format!("{}: {}", r.label(), c.details.trim()),
                None => String::new(),
            },
            views: Vec::new(),
        });
    let status = domain::AppointmentStatus::Scheduled.apply(action).ok()?;
    Some(Finish {
        action,
        episode_outcome: domain::episode::ending_outcome(status, c.reschedule),
        episode_stage: None,
        follow_up,
        record: Some(SectionDocument::Cancellation(c.clone())),
        tally: None,
    })
}
