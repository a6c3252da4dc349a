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
    /// Open a new episode: the participant has none open in this round.
    NewEpisode,
    /// The open episode of this round: the new appointment continues it (a rebooking
    /// after did not attend or a cancellation, a technical recall, more images, an
    /// assessment), so the round keeps its first offered appointment.
    OpenEpisode(Id),
}

/// Whether an open episode belongs to an earlier round: it was opened at least a whole
/// recall interval (36 months, 12 for very high risk) before `today`, so the participant is
/// due again whatever became of it. Such an episode (a record left open, which the office
/// must resolve) neither takes nor blocks a new round's appointment.
pub fn from_earlier_round<Id>(episode: &OpenEpisode<Id>, today: Date) -> bool {
    today
        >= crate::dates::add_months(
            episode.opened_on,
            u32::from(episode.episode_type.recall_interval_months()),
        )
}

/// Where a new appointment of `episode_type` goes on `today`, given the participant's open
/// episodes, or why it is refused. A participant never has two open episodes of one round:
///
/// | open episodes of this round | result |
/// |---|---|
/// | none | a new episode |
/// | any (of any round) with an appointment still to happen or running | refused: already booked |
/// | one, of the same type | the new appointment continues it |
/// | one, of another type | refused: book it as that type or close it |
/// | two or more (which only old data could hold) | refused |
pub fn book_into<Id: Clone>(
    open: &[OpenEpisode<Id>],
    episode_type: EpisodeType,
    today: Date,
) -> Result<BookInto<Id>, String> {
    if let Some(booked) = open
        .iter()
        .find(|e| e.appointments.iter().any(|s| !s.is_final()))
    {
        return Err(format!(
            "This participant already has an appointment booked in the open screening episode opened {}: change or cancel that appointment instead",
            format_date(booked.opened_on)
        ));
    }
    let current: Vec<&OpenEpisode<Id>> = open
        .iter()
        .filter(|e| !from_earlier_round(e, today))
        .collect();
    let episode = match current.as_slice() {
        [] => return Ok(BookInto::NewEpisode),
        [one] => *one,
        _ => {
            return Err(
                "This participant has more than one open screening episode: the screening office must close one before booking"
                    .to_owned(),
            );
        }
    };
    if episode.episode_type != episode_type {
        let open_type = episode.episode_type.label().to_lowercase();
        return Err(format!(
            "This participant has an open {open_type} screening episode (opened {}, {}): book the appointment as {open_type} or close that episode first",
            format_date(episode.opened_on),
            episode.stage.label().to_lowercase()
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
        opened(date!(2026 - 03 - 02), stage, appointments)
    }

    fn opened(on: Date, stage: EpisodeStage, appointments: &[S]) -> OpenEpisode<u8> {
        OpenEpisode {
            id: 7,
            episode_type: EpisodeType::Routine,
            stage,
            opened_on: on,
            appointments: appointments.to_vec(),
        }
    }

    const TODAY: Date = date!(2026 - 06 - 01);

    #[test]
    fn a_second_open_episode_is_refused() {
        use EpisodeStage::*;
        // (open episodes, result: Some(true) new, Some(false) continue the open one, None refused)
        let table: Vec<(Vec<OpenEpisode<u8>>, Option<bool>)> = vec![
            (vec![], Some(true)),
            // Already booked, checked in, running or paused: refused.
            (vec![open(Scheduled, &[S::Scheduled])], None),
            (vec![open(Scheduled, &[S::Cancelled, S::CheckedIn])], None),
            (vec![open(Mammograms, &[S::InProgress])], None),
            (vec![open(Mammograms, &[S::Paused])], None),
            // Ended without a screen: the round goes on in the same episode.
            (vec![open(Scheduled, &[S::DidNotAttend])], Some(false)),
            (
                vec![open(Scheduled, &[S::Cancelled, S::RescheduleRequested])],
                Some(false),
            ),
            (
                vec![open(Scheduled, &[S::AttendedNotScreened])],
                Some(false),
            ),
            // Screened and still open (waiting for reading, more images, technical
            // recall, assessment): the new appointment belongs to the same round.
            (vec![open(WaitingForReading, &[S::Screened])], Some(false)),
            (vec![open(Mammograms, &[S::PartiallyScreened])], Some(false)),
            (vec![open(AtAssessment, &[S::Screened])], Some(false)),
            // Two open episodes of this round: refused.
            (
                vec![
                    open(Scheduled, &[S::DidNotAttend]),
                    open(Scheduled, &[S::Cancelled]),
                ],
                None,
            ),
            // An episode left open from an earlier round (opened 36 months ago) does not
            // take the new round's appointment, but a live booking in it still refuses.
            (
                vec![opened(
                    date!(2023 - 06 - 01),
                    WaitingForReading,
                    &[S::Screened],
                )],
                Some(true),
            ),
            (
                vec![opened(
                    date!(2023 - 06 - 02),
                    WaitingForReading,
                    &[S::Screened],
                )],
                Some(false),
            ),
            (
                vec![opened(date!(2023 - 06 - 01), Scheduled, &[S::Scheduled])],
                None,
            ),
            (
                vec![
                    opened(date!(2023 - 06 - 01), WaitingForReading, &[S::Screened]),
                    open(Scheduled, &[S::DidNotAttend]),
                ],
                Some(false),
            ),
        ];
        for (episodes, expected) in table {
            let got = match book_into(&episodes, EpisodeType::Routine, TODAY) {
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
        let err = book_into(
            &[open(Scheduled, &[S::DidNotAttend])],
            EpisodeType::VeryHighRisk,
            TODAY,
        )
        .unwrap_err();
        assert!(
            err.contains("open routine screening episode (opened 2 March 2026, scheduled)"),
            "{err}"
        );
        let err = book_into(
            &[open(Scheduled, &[S::Scheduled])],
            EpisodeType::Routine,
            TODAY,
        )
        .unwrap_err();
        assert_eq!(
            err,
            "This participant already has an appointment booked in the open screening episode opened 2 March 2026: change or cancel that appointment instead"
        );
    }
}
