//! Synthetic participants: realistic-looking, entirely fictional, and the same on every run
//! (for the same `today`), because they are drawn from a seeded generator.

use crate::catalogue::{
    ACCESS, COMMUNICATION, NAME_GROUPS, NameGroup, ProviderSpec, STREETS, SUPPORT_NEEDS,
};
use anyhow::{Context, Result};
use domain::{AccessNeed, EpisodeType, Ethnicity, NhsNumber, Sex, SupportReason};
use rand::Rng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use store::{NewParticipant, SupportNeed};
use time::{Date, Duration};

/// A participant to create, and the kind of screening they are due.
#[derive(Debug, Clone)]
pub(crate) struct Person {
    pub new: NewParticipant,
    pub episode_type: EpisodeType,
    /// Age on the demo's `today`.
    pub age: u16,
}

impl Person {
    /// A special appointment (needs additional support): booked with a spare slot after it.
    pub fn is_special(&self) -> bool {
        !self.new.support_reasons.is_empty()
    }

    /// Wheelchair users and people with a physical restriction are booked at a static site
    /// rather than a mobile van when there is a choice.
    pub fn prefers_static_site(&self) -> bool {
        self.new
            .access_needs
            .contains(&AccessNeed::WheelchairAccess)
            || self
                .new
                .support_reasons
                .iter()
                .any(|s| s.reason == SupportReason::PhysicalRestriction)
    }
}

/// Valid NHS numbers in the 999 (synthetic) range, in a fixed sequence.
pub(crate) struct NhsNumbers {
    next: u32,
}

impl NhsNumbers {
    pub fn new() -> Self {
        NhsNumbers { next: 999_204_117 }
    }
}

impl Iterator for NhsNumbers {
    type Item = NhsNumber;

    fn next(&mut self) -> Option<NhsNumber> {
        while self.next <= 999_999_999 {
            let candidate = self.next;
            self.next += 37;
            if let Some(n) = NhsNumber::from_first_nine(candidate) {
                return Some(n);
            }
        }
        None
    }
}

/// Phone numbers from Ofcom's drama ranges, never repeated within a run.
pub(crate) struct Phones {
    next: u32,
}

impl Phones {
    pub fn new() -> Self {
        Phones { next: 0 }
    }

    fn next(&mut self, rng: &mut StdRng, landline_prefix: &str) -> String {
        // Stepping by a number coprime to 1000 visits every ending once, in a scattered order.
        let n = (self.next * 379 + 117) % 1000;
        self.next += 1;
        if rng.gen_bool(0.75) {
            format!("07700 900{n:03}")
        } else {
            format!("{landline_prefix}{n:03}")
        }
    }
}

fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    &items[rng.gen_range(0..items.len())]
}

fn pick_group(rng: &mut StdRng) -> &'static NameGroup {
    let total: u32 = NAME_GROUPS.iter().map(|g| g.weight).sum();
    let mut roll = rng.gen_range(0..total);
    for group in NAME_GROUPS {
        if roll < group.weight {
            return group;
        }
        roll -= group.weight;
    }
    &NAME_GROUPS[0]
}

/// A date of birth giving exactly `age` on `today`.
fn date_of_birth(rng: &mut StdRng, today: Date, age: u16) -> Result<Date> {
    let year = today.year() - i32::from(age);
    // Someone aged `age` was born at most a year before the anniversary of today.
    let anniversary = Date::from_calendar_date(year, today.month(), today.day())
        .or_else(|_| Date::from_calendar_date(year, today.month(), today.day() - 1))
        .with_context(|| format!("no anniversary of {today} in {year}"))?;
    anniversary
        .checked_sub(Duration::days(rng.gen_range(0..360)))
        .context("date of birth out of range")
}

fn postcode(rng: &mut StdRng, district: &str) -> String {
    const INWARD_LETTERS: &[u8] = b"ABDEFGHJLNPQRSTUWXYZ";
    let digit = rng.gen_range(1..=9);
    let a = char::from(*pick(rng, INWARD_LETTERS));
    let b = char::from(*pick(rng, INWARD_LETTERS));
    format!("{district} {digit}{a}{b}")
}

fn email_part(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_lowercase()
}

/// Generates `spec.participants` people for one provider.
pub(crate) fn generate(
    rng: &mut StdRng,
    spec: &ProviderSpec,
    today: Date,
    nhs_numbers: &mut NhsNumbers,
    phones: &mut Phones,
) -> Result<Vec<Person>> {
    let count = spec.participants;
    // Who is out of the ordinary, chosen once and without overlap.
    let mut order: Vec<usize> = (0..count).collect();
    order.shuffle(rng);
    let self_referrals = (count / 50).max(1);
    let very_high_risk = (count / 35).max(1);
    let support = count / 10;
    let communication = count / 12;
    let access = count / 14;
    let mut cut = 0;
    let mut take = |n: usize| {
        let part = order.get(cut..cut + n).unwrap_or_default().to_vec();
        cut += n;
        part
    };
    let self_referrals = take(self_referrals);
    let very_high_risk = take(very_high_risk);
    let support = take(support);
    let communication = take(communication);
    let access = take(access);
    let rank = |set: &[usize], i: usize| set.iter().position(|&j| j == i);

    let mut people = Vec::with_capacity(count);
    for i in 0..count {
        let group = pick_group(rng);
        let first_name = *pick(rng, group.first);
        let last_name = *pick(rng, group.last);
        let episode_type = if self_referrals.contains(&i) {
            EpisodeType::SelfReferral
        } else if very_high_risk.contains(&i) {
            EpisodeType::VeryHighRisk
        } else {
            EpisodeType::Routine
        };
        let age: u16 = match episode_type {
            EpisodeType::SelfReferral => rng.gen_range(71..=74),
            _ => rng.gen_range(50..=70),
        };
        let date_of_birth = date_of_birth(rng, today, age)?;
        let town = pick(rng, spec.towns);
        let district = *pick(rng, town.districts);
        let address_line_2 = if rng.gen_bool(0.4) {
            (*pick(rng, town.localities)).to_owned()
        } else {
            String::new()
        };
        let email = if rng.gen_bool(0.65) {
            format!(
                "{}.{}@example.com",
                email_part(first_name),
                email_part(last_name)
            )
        } else {
            String::new()
        };
        let roll = rng.gen_range(0..100);
        let ethnicity = match roll {
            0..=9 => None,
            10..=12 => Some(Ethnicity::NotStated),
            _ => Some(*pick(rng, group.ethnicities)),
        };

        let mut new = NewParticipant {
            nhs_number: nhs_numbers
                .next()
                .context("ran out of synthetic NHS numbers")?
                .as_digits(),
            first_name: first_name.to_owned(),
            last_name: last_name.to_owned(),
            date_of_birth,
            sex: Sex::Female,
            address_line_1: format!("{} {}", rng.gen_range(1..=180), pick(rng, STREETS)),
            address_line_2,
            town: town.name.to_owned(),
            postcode: postcode(rng, district),
            phone: phones.next(rng, spec.landline_prefix),
            email,
            gp_practice_code: format!(
                "{}{:03}",
                pick(rng, spec.gp_prefixes),
                rng.gen_range(1..=60)
            ),
            ethnicity,
            communication_preferences: Vec::new(),
            communication_notes: String::new(),
            access_needs: Vec::new(),
            access_notes: String::new(),
            support_reasons: Vec::new(),
            support_temporary: false,
        };

        if let Some(k) = rank(&communication, i) {
            // Those who speak another language are offered an interpreter first.
            let (prefs, note) = match group.language {
                Some(_) if k % 2 == 0 => COMMUNICATION[COMMUNICATION.len() - 1],
                _ => COMMUNICATION[k % (COMMUNICATION.len() - 1)],
            };
            new.communication_preferences = prefs.to_vec();
            new.communication_notes = note.replace("{language}", group.language.unwrap_or(""));
        }
        if let Some(k) = rank(&access, i) {
            let (needs, note) = ACCESS[k % ACCESS.len()];
            new.access_needs = needs.to_vec();
            new.access_notes = note.to_owned();
        }
        if let Some(k) = rank(&support, i) {
            let (reasons, temporary) = SUPPORT_NEEDS[k % SUPPORT_NEEDS.len()];
            new.support_reasons = reasons
                .iter()
                .map(|&(reason, details)| SupportNeed {
                    reason,
                    details: details.to_owned(),
                })
                .collect();
            if let (Some(language), 1) = (group.language, k % 2) {
                new.support_reasons.push(SupportNeed {
                    reason: SupportReason::Language,
                    details: format!("Speaks {language}, little English; interpreter booked"),
                });
            }
            new.support_temporary = temporary;
        }

        people.push(Person {
            new,
            episode_type,
            age,
        });
    }
    Ok(people)
}
