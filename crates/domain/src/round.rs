//! One screening round at a time: booking an appointment never opens a second open
//! episode for a participant.

use time::Date;

use crate::appointment::AppointmentStatus;
use crate::episode::{EpisodeStage, EpisodeType};
use crate::medical::format_date;

/// A participant's episode that is still open (not closed), as booking sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenEpisode<Id> {
    /// The episode.
    pub id: Id,
    /// Its type.
    pub episode_type: EpisodeType,
    /// Its stage.
    pub stage: EpisodeStage,
    /// When it was opened.
    pub opened_on: Date,
    /// The status of each of its appointments.
    pub appointments: Vec<AppointmentStatus>,
}

/// Which episode a new appointment belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BookInto<Id> {
    /// Open a new episode: the participant has none open.
    NewEpisode,
    /// The open episode of this round, whose earlier appointments all ended without a
    /// screen (did not attend, cancelled, reschedule requested, attended not screened):
    /// the new appointment continues that round.
    OpenEpisode(Id),
}

/// Where a new appointment of `episode_type` goes, given the participant's open episodes,
/// or why it is refused:
///
/// | open episode | result |
/// |---|---|
/// | none | a new episode |
/// | one with an appointment still to happen or running | refused: already booked |
/// | one that screened her (waiting for reading, at assessment, a screen recorded) | refused: finish it first |
/// | one whose appointments all ended without a screen, same type | continue it |
/// | the same, another type | refused |
/// | two or more (which only old data could hold) | refused |
pub fn book_into<Id: Clone>(
    open: &[OpenEpisode<Id>],
    episode_type: EpisodeType,
) -> Result<BookInto<Id>, String> {
    let episode = match open {
        [] => return Ok(BookInto::NewEpisode),
        [one] => one,
        _ => {
            return Err(
                "This participant has more than one open screening episode: the screening office must close one before booking"
                    .to_owned(),
            );
        }
    };
    let opened = format_date(episode.opened_on);
    if episode.appointments.iter().any(|s| !s.is_final()) {
        return Err(format!(
            "This participant already has an appointment booked in the open screening episode (opened {opened}): change or cancel that appointment instead"
        ));
    }
    let screened = episode.appointments.iter().any(|s| {
        matches!(
            s,
            AppointmentStatus::Screened | AppointmentStatus::PartiallyScreened
        )
    });
    if screened
        || matches!(
            episode.stage,
            EpisodeStage::Mammograms | EpisodeStage::WaitingForReading | EpisodeStage::AtAssessment
        )
    {
        return Err(format!(
            "This participant's screening episode opened {opened} is still open ({}): it must be closed before another appointment is booked",
            episode.stage.label()
        ));
    }
    if episode.episode_type != episode_type {
        return Err(format!(
            "This participant has an open {} screening episode (opened {opened}): book the appointment as {} or close that episode first",
            episode.episode_type.label().to_lowercase(),
            episode.episode_type.label().to_lowercase()
        ));
    }
    Ok(BookInto::OpenEpisode(episode.id.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use AppointmentStatus as S;
    use time::macros::date;

    fn open(stage: EpisodeStage, appointments: &[S]) -> OpenEpisode<u8> {
        OpenEpisode {
            id: 7,
            episode_type: EpisodeType::Routine,
            stage,
            opened_on: date!(2026 - 03 - 02),
            appointments: appointments.to_vec(),
        }
    }

    #[test]
    fn a_second_open_episode_is_refused() {
        use EpisodeStage::*;
        // (open episodes, result: Some(true) new, Some(false) continue, None refused)
        let table: Vec<(Vec<OpenEpisode<u8>>, Option<bool>)> = vec![
            (vec![], Some(true)),
            // Already booked, checked in, running or paused: refused.
            (vec![open(Scheduled, &[S::Scheduled])], None),
            (vec![open(Scheduled, &[S::Cancelled, S::CheckedIn])], None),
            (vec![open(Mammograms, &[S::InProgress])], None),
            (vec![open(Mammograms, &[S::Paused])], None),
            // Screened, waiting for reading or at assessment: refused.
            (vec![open(WaitingForReading, &[S::Screened])], None),
            (vec![open(WaitingForReading, &[S::PartiallyScreened])], None),
            (vec![open(AtAssessment, &[S::Screened])], None),
            (vec![open(Mammograms, &[S::PartiallyScreened])], None),
            // Ended without a screen: the round goes on in the same episode.
            (vec![open(Scheduled, &[S::DidNotAttend])], Some(false)),
            (vec![open(Scheduled, &[S::Cancelled, S::RescheduleRequested])], Some(false)),
            (vec![open(Scheduled, &[S::AttendedNotScreened])], Some(false)),
            // Two open episodes: refused.
            (vec![open(Scheduled, &[S::DidNotAttend]), open(Scheduled, &[S::Cancelled])], None),
        ];
        for (episodes, expected) in table {
            let got = book_into(&episodes, EpisodeType::Routine);
            let got = match got {
                Ok(BookInto::NewEpisode) => Some(true),
                Ok(BookInto::OpenEpisode(id)) => {
                    assert_eq!(id, 7);
                    Some(false)
                }
                Err(message) => {
                    assert!(message.starts_with("This participant"), "{message}");
                    None
                }
            };
            assert_eq!(got, expected, "{episodes:?}");
        }
        // Another type of episode is refused, with the reason.
        let err = book_into(&[open(Scheduled, &[S::DidNotAttend])], EpisodeType::VeryHighRisk)
            .unwrap_err();
        assert!(err.contains("open routine screening episode (opened 2 March 2026)"), "{err}");
        let err = book_into(&[open(Scheduled, &[S::Scheduled])], EpisodeType::Routine).unwrap_err();
        assert_eq!(
            err,
            "This participant already has an appointment booked in the open screening episode (opened 2 March 2026): change or cancel that appointment instead"
        );
    }
}
