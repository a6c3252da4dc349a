//! The demo clinics, what happens to each appointment in them, and who is booked where.
//! Everything here is planned before anything is written, so it can be checked without a
//! database.

use crate::catalogue::{GREATER_MANCHESTER, WEST_YORKSHIRE};
use crate::people::Person;
use anyhow::{Result, bail};
use domain::{AppointmentAction, ClinicStatus, EpisodeType, RiskType, Session};
use std::collections::VecDeque;

/// Days before today of the clinic some of today's participants were last screened at:
/// 157 weeks, on the same weekday and always at least a whole 36-month round ago.
pub(crate) const PREVIOUS_ROUND_DAYS: i64 = 3 * 364 + 7;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Site {
    Static,
    Van,
}

/// One clinic, relative to today.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ClinicPlan {
    pub provider: usize,
    pub site: Site,
    /// Days after today (negative: before).
    pub day: i64,
    pub session: Session,
    pub risk: RiskType,
    pub starts_at: &'static str,
    pub slot_minutes: u16,
    pub slot_count: u16,
    /// One letter per booked appointment, in slot order: what happens to it. See
    /// [`Fate::from_letter`].
    pub fates: &'static str,
    /// The mammographer running the clinic, and a colleague working alongside.
    pub lead: &'static str,
    pub colleague: &'static str,
}

impl ClinicPlan {
    pub fn status(&self) -> ClinicStatus {
        match self.day {
            d if d < 0 => ClinicStatus::Closed,
            0 => ClinicStatus::InProgress,
            _ => ClinicStatus::Scheduled,
        }
    }

    /// A clinic from the previous screening round, booked with people seen again today.
    pub fn is_previous_round(&self) -> bool {
        self.day == -PREVIOUS_ROUND_DAYS
    }

    pub fn fates(&self) -> impl Iterator<Item = Fate> + '_ {
        self.fates.chars().filter_map(Fate::from_letter)
    }

    pub fn booked(&self) -> usize {
        self.fates.chars().count()
    }
}

const JANE: &str = "jane.hargreaves@example.nhs.uk";
const CHLOE: &str = "chloe.bennett@example.nhs.uk";
const AISHA: &str = "aisha.rahman@example.nhs.uk";
const TOM: &str = "tom.fletcher@example.nhs.uk";

/// The office user who checks people in, cancels and closes clinics, per provider.
pub(crate) const OFFICE: [&str; 2] = ["karen.booth@example.nhs.uk", "grace.okafor@example.nhs.uk"];

/// Every demo clinic. Today's first clinic at West Yorkshire is the all-day one at the
/// static site with exactly 40 appointments, none of them cancelled.
pub(crate) const CLINICS: &[ClinicPlan] = &[
    // West Yorkshire: the previous round, three years ago.
    ClinicPlan {
        provider: WEST_YORKSHIRE,
        site: Site::Static,
        day: -PREVIOUS_ROUND_DAYS,
        session: Session::Morning,
        risk: RiskType::Routine,
        starts_at: "09:00",
        slot_minutes: 12,
        slot_count: 14,
        fates: "SSSSSSpSSSSS",
        lead: JANE,
        colleague: CHLOE,
    },
    // Yesterday.
    ClinicPlan {
        provider: WEST_YORKSHIRE,
        site: Site::Static,
        day: -1,
        session: Session::Morning,
        risk: RiskType::Mixed,
        starts_at: "08:45",
        slot_minutes: 12,
        slot_count: 18,
        fates: "SSSDSpSSPSSASD",
        lead: JANE,
        colleague: AISHA,
    },
    ClinicPlan {
        provider: WEST_YORKSHIRE,
        site: Site::Van,
        day: -1,
        session: Session::Afternoon,
        risk: RiskType::Mobile,
        starts_at: "13:30",
        slot_minutes: 10,
        slot_count: 16,
        fates: "SSCSSDSSaS",
        lead: CHLOE,
        colleague: AISHA,
    },
    // Today: 40 slots of 12 minutes, 08:30 to 16:30.
    ClinicPlan {
        provider: WEST_YORKSHIRE,
        site: Site::Static,
        day: 0,
        session: Session::AllDay,
        risk: RiskType::Routine,
        starts_at: "08:30",
        slot_minutes: 12,
        slot_count: 40,
        fates: "SSpSPSSASSSSIZKKKsssssssssssssssssssssss",
        lead: JANE,
        colleague: AISHA,
    },
    ClinicPlan {
        provider: WEST_YORKSHIRE,
        site: Site::Van,
        day: 0,
        session: Session::Morning,
        risk: RiskType::Mobile,
        starts_at: "09:00",
        slot_minutes: 10,
        slot_count: 20,
        fates: "SSSSpSIKCRss",
        lead: CHLOE,
        colleague: AISHA,
    },
    // Tomorrow.
    ClinicPlan {
        provider: WEST_YORKSHIRE,
        site: Site::Static,
        day: 1,
        session: Session::Afternoon,
        risk: RiskType::Mixed,
        starts_at: "13:00",
        slot_minutes: 12,
        slot_count: 18,
        fates: "sssUssssssss",
        lead: JANE,
        colleague: AISHA,
    },
    // Next week.
    ClinicPlan {
        provider: WEST_YORKSHIRE,
        site: Site::Static,
        day: 7,
        session: Session::Morning,
        risk: RiskType::Routine,
        starts_at: "09:00",
        slot_minutes: 12,
        slot_count: 18,
        fates: "sssssCssssss",
        lead: JANE,
        colleague: AISHA,
    },
    ClinicPlan {
        provider: WEST_YORKSHIRE,
        site: Site::Van,
        day: 7,
        session: Session::Afternoon,
        risk: RiskType::Mobile,
        starts_at: "13:30",
        slot_minutes: 10,
        slot_count: 16,
        fates: "ssssRsssss",
        lead: CHLOE,
        colleague: AISHA,
    },
    // Greater Manchester: the previous round.
    ClinicPlan {
        provider: GREATER_MANCHESTER,
        site: Site::Static,
        day: -PREVIOUS_ROUND_DAYS,
        session: Session::Morning,
        risk: RiskType::Routine,
        starts_at: "09:00",
        slot_minutes: 12,
        slot_count: 12,
        fates: "SSSSSSSSSS",
        lead: TOM,
        colleague: AISHA,
    },
    // Yesterday.
    ClinicPlan {
        provider: GREATER_MANCHESTER,
        site: Site::Van,
        day: -1,
        session: Session::Morning,
        risk: RiskType::Mobile,
        starts_at: "09:00",
        slot_minutes: 10,
        slot_count: 16,
        fates: "SSDSSSPSSAS",
        lead: TOM,
        colleague: AISHA,
    },
    // Today.
    ClinicPlan {
        provider: GREATER_MANCHESTER,
        site: Site::Static,
        day: 0,
        session: Session::Morning,
        risk: RiskType::Mixed,
        starts_at: "09:00",
        slot_minutes: 12,
        slot_count: 16,
        fates: "SSpSaSSIKKss",
        lead: TOM,
        colleague: AISHA,
    },
    ClinicPlan {
        provider: GREATER_MANCHESTER,
        site: Site::Van,
        day: 0,
        session: Session::Afternoon,
        risk: RiskType::Mobile,
        starts_at: "13:30",
        slot_minutes: 10,
        slot_count: 14,
        fates: "KsssCsssss",
        lead: AISHA,
        colleague: TOM,
    },
    // Tomorrow.
    ClinicPlan {
        provider: GREATER_MANCHESTER,
        site: Site::Static,
        day: 1,
        session: Session::Morning,
        risk: RiskType::Routine,
        starts_at: "09:00",
        slot_minutes: 12,
        slot_count: 14,
        fates: "sssssRssss",
        lead: TOM,
        colleague: AISHA,
    },
    // Next week.
    ClinicPlan {
        provider: GREATER_MANCHESTER,
        site: Site::Van,
        day: 7,
        session: Session::Morning,
        risk: RiskType::Mobile,
        starts_at: "09:30",
        slot_minutes: 10,
        slot_count: 14,
        fates: "ssUsssssss",
        lead: TOM,
        colleague: AISHA,
    },
];

/// Who takes a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Who {
    /// The screening office (check in, cancel, did not attend).
    Office,
    /// The clinic's lead mammographer.
    Lead,
    /// The colleague working alongside.
    Colleague,
    /// Whichever mammographer is free: the two take turns.
    Either,
}

/// What happens to one booked appointment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fate {
    Scheduled,
    CheckedIn,
    InProgress,
    Paused,
    Screened,
    ScreenedAfterPause,
    PartiallyScreened,
    NotScreenedAfterStart,
    NotScreenedAtCheckIn,
    DidNotAttend,
    Cancelled,
    CancelledThenRestored,
    RescheduleRequested,
}

impl Fate {
    /// `s` scheduled, `K` checked in, `I` in progress, `Z` paused, `S` screened, `p` screened
    /// after a pause, `P` partially screened, `A` attended not screened after starting, `a`
    /// attended not screened at check-in, `D` did not attend, `C` cancelled, `U` cancelled
    /// then the cancellation undone, `R` reschedule requested.
    pub fn from_letter(c: char) -> Option<Fate> {
        Some(match c {
            's' => Fate::Scheduled,
            'K' => Fate::CheckedIn,
            'I' => Fate::InProgress,
            'Z' => Fate::Paused,
            'S' => Fate::Screened,
            'p' => Fate::ScreenedAfterPause,
            'P' => Fate::PartiallyScreened,
            'A' => Fate::NotScreenedAfterStart,
            'a' => Fate::NotScreenedAtCheckIn,
            'D' => Fate::DidNotAttend,
            'C' => Fate::Cancelled,
            'U' => Fate::CancelledThenRestored,
            'R' => Fate::RescheduleRequested,
            _ => return None,
        })
    }

    /// The actions that bring a newly booked appointment to this fate, and who takes each.
    pub fn steps(self) -> &'static [(AppointmentAction, Who)] {
        use AppointmentAction as A;
        match self {
            Fate::Scheduled => &[],
            Fate::CheckedIn => &[(A::CheckIn, Who::Office)],
            Fate::InProgress => &[(A::CheckIn, Who::Office), (A::Start, Who::Lead)],
            Fate::Paused => &[
                (A::CheckIn, Who::Office),
                (A::Start, Who::Colleague),
                (A::Pause, Who::Colleague),
            ],
            Fate::Screened => &[
                (A::CheckIn, Who::Office),
                (A::Start, Who::Either),
                (A::Screen, Who::Either),
            ],
            Fate::ScreenedAfterPause => &[
                (A::CheckIn, Who::Office),
                (A::Start, Who::Either),
                (A::Pause, Who::Either),
                (A::Resume, Who::Either),
                (A::Screen, Who::Either),
            ],
            Fate::PartiallyScreened => &[
                (A::CheckIn, Who::Office),
                (A::Start, Who::Either),
                (A::PartiallyScreen, Who::Either),
            ],
            Fate::NotScreenedAfterStart => &[
                (A::CheckIn, Who::Office),
                (A::Start, Who::Either),
                (A::AttendedNotScreened, Who::Either),
            ],
            Fate::NotScreenedAtCheckIn => &[
                (A::CheckIn, Who::Office),
                (A::AttendedNotScreened, Who::Either),
            ],
            Fate::DidNotAttend => &[(A::DidNotAttend, Who::Office)],
            Fate::Cancelled => &[(A::Cancel, Who::Office)],
            Fate::CancelledThenRestored => {
                &[(A::Cancel, Who::Office), (A::UndoCancel, Who::Office)]
            }
            Fate::RescheduleRequested => &[(A::RequestReschedule, Who::Office)],
        }
    }

    /// Whether the participant still needs screening and is booked again next time.
    pub fn needs_rebooking(self) -> bool {
        matches!(
            self,
            Fate::NotScreenedAfterStart
                | Fate::NotScreenedAtCheckIn
                | Fate::DidNotAttend
                | Fate::Cancelled
                | Fate::RescheduleRequested
        )
    }
}

/// Chooses who is booked into each clinic: indexes into that clinic's provider's people,
/// one per letter of its fates. People who did not attend, were not screened or cancelled
/// are booked again into a later clinic; very high risk people go to mixed risk clinics,
/// and those who need a static site are kept off the vans; the previous round's clinic holds people booked today, screened three years before.
pub(crate) fn assign(plans: &[ClinicPlan], people: &[Vec<Person>]) -> Result<Vec<Vec<usize>>> {
    let mut bookings: Vec<Vec<usize>> = vec![Vec::new(); plans.len()];
    let mut used: Vec<Vec<bool>> = people.iter().map(|p| vec![false; p.len()]).collect();
    let mut rebook: Vec<VecDeque<usize>> = vec![VecDeque::new(); people.len()];

    let mut order: Vec<usize> = (0..plans.len())
        .filter(|&i| !plans[i].is_previous_round())
        .collect();
    order.sort_by_key(|&i| (plans[i].day, plans[i].starts_at));
    for i in order {
        let plan = &plans[i];
        let (pool, used, rebook) = (
            &people[plan.provider],
            &mut used[plan.provider],
            &mut rebook[plan.provider],
        );
        for fate in plan.fates() {
            let from_rebook = if plan.day > 0 {
                rebook.pop_front()
            } else {
                None
            };
            let chosen = match from_rebook {
                Some(p) => p,
                None => {
                    let is_vhr = |p: &usize| pool[*p].episode_type == EpisodeType::VeryHighRisk;
                    let site_suits =
                        |p: &usize| plan.site == Site::Static || !pool[*p].prefers_static_site();
                    let mut free = (0..pool.len()).filter(|p| !used[*p]);
                    let preferred = if plan.risk == RiskType::Mixed {
                        free.clone().find(is_vhr)
                    } else {
                        free.clone().find(|p| !is_vhr(p) && site_suits(p))
                    };
                    let Some(p) = preferred
                        .or_else(|| free.clone().find(site_suits))
                        .or_else(|| free.next())
                    else {
                        bail!(
                            "not enough demo participants for provider {} on day {}",
                            plan.provider,
                            plan.day
                        );
                    };
                    used[p] = true;
                    p
                }
            };
            if fate.needs_rebooking() && plan.day <= 0 {
                rebook.push_back(chosen);
            }
            bookings[i].push(chosen);
        }
    }

    // The previous round: people booked today, old enough to have been screened then.
    for (i, plan) in plans.iter().enumerate() {
        if !plan.is_previous_round() {
            continue;
        }
        let pool = &people[plan.provider];
        let mut candidates: Vec<usize> = plans
            .iter()
            .zip(&bookings)
            .filter(|(p, _)| p.provider == plan.provider && p.day == 0)
            .flat_map(|(_, b)| b.iter().copied())
            .filter(|&p| pool[p].age >= 54 && pool[p].episode_type != EpisodeType::VeryHighRisk)
            .collect();
        candidates.dedup();
        // Spread the returning participants across the day.
        let stride = (candidates.len() / plan.booked().max(1)).max(1);
        let chosen: Vec<usize> = candidates
            .iter()
            .step_by(stride)
            .take(plan.booked())
            .copied()
            .collect();
        if chosen.len() < plan.booked() {
            bail!(
                "not enough returning participants for provider {}",
                plan.provider
            );
        }
        bookings[i] = chosen;
    }
    Ok(bookings)
}

/// Which of `slots` free slots each booking takes: in order, leaving the slot after a
/// special appointment free (a double-length appointment) while there is room to spare.
pub(crate) fn slot_positions(special: &[bool], slots: usize) -> Vec<usize> {
    let mut positions = Vec::with_capacity(special.len());
    let mut next = 0;
    for (k, &is_special) in special.iter().enumerate() {
        positions.push(next);
        next += 1;
        let still_to_book = special.len() - k - 1;
        if is_special && slots.saturating_sub(next) > still_to_book {
            next += 1;
        }
    }
    positions
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_letter_is_a_fate_and_every_fate_is_reachable() {
        for plan in CLINICS {
            assert_eq!(plan.fates().count(), plan.booked(), "{plan:?}");
            assert!(plan.booked() <= usize::from(plan.slot_count), "{plan:?}");
            let minutes = plan.starts_at[..2].parse::<u16>().unwrap() * 60
                + plan.starts_at[3..].parse::<u16>().unwrap();
            assert!(minutes + plan.slot_count * plan.slot_minutes < 24 * 60);
            assert!((8..=15).contains(&plan.slot_minutes));
            for fate in plan.fates() {
                let mut status = domain::AppointmentStatus::Scheduled;
                for (action, _) in fate.steps() {
                    status = status.apply(*action).unwrap();
                }
                match plan.status() {
                    ClinicStatus::Closed => assert!(status.is_final(), "{plan:?} {fate:?}"),
                    ClinicStatus::Scheduled => assert!(
                        matches!(
                            status,
                            domain::AppointmentStatus::Scheduled
                                | domain::AppointmentStatus::Cancelled
                                | domain::AppointmentStatus::RescheduleRequested
                        ),
                        "{plan:?} {fate:?}"
                    ),
                    _ => {}
                }
            }
            if plan.site == Site::Van {
                assert_eq!(plan.risk, RiskType::Mobile);
            }
        }
    }

    #[test]
    fn todays_first_west_yorkshire_clinic_is_the_full_all_day_one() {
        let mut today: Vec<&ClinicPlan> = CLINICS
            .iter()
            .filter(|p| p.provider == WEST_YORKSHIRE && p.day == 0)
            .collect();
        today.sort_by_key(|p| p.starts_at);
        let first = today[0];
        assert_eq!(first.session, Session::AllDay);
        assert_eq!(first.site, Site::Static);
        assert_eq!(first.booked(), 40);
        assert!(!first.fates.contains(['C', 'R']));
        assert_eq!(
            today
                .iter()
                .filter(|p| p.session == Session::AllDay)
                .count(),
            1
        );
        for plan in CLINICS.iter().filter(|p| p.booked() != 40) {
            assert!((10..=25).contains(&plan.booked()), "{plan:?}");
        }
    }

    #[test]
    fn special_appointments_get_a_spare_slot_while_there_is_room() {
        assert_eq!(slot_positions(&[false, true, false], 4), vec![0, 1, 3]);
        assert_eq!(slot_positions(&[false, true, false], 3), vec![0, 1, 2]);
        assert_eq!(slot_positions(&[true, true], 3), vec![0, 2]);
    }
}
