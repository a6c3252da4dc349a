//! Synthetic demo data for a local or review run: two breast screening offices with a
//! static site and a mobile van each, staff for every role, about 150 participants, and
//! clinics from yesterday to next week, dated relative to `today`.
//!
//! Everything is fictional: NHS numbers are in the 999 range (with valid check digits),
//! phone numbers in Ofcom's drama ranges, emails at example.com and example.nhs.uk. The
//! generator is seeded, so the same `today` always gives the same people and clinics.
//! Appointment statuses are reached through the same actions staff take (check in, start,
//! screen, ...), taken by the demo staff, so every status history is a real one.

mod catalogue;
mod people;
mod schedule;

pub use catalogue::PERSONAS;

use anyhow::{Context, Result};
use catalogue::{GRANTS, PROVIDERS, SYSTEM_ADMINS, SiteSpec};
use domain::{ClinicStatus, ClinicType, EpisodeType, LocationKind};
use people::{NhsNumbers, Person, Phones};
use rand::SeedableRng;
use rand::rngs::StdRng;
use schedule::{CLINICS, ClinicPlan, OFFICE, Site, Who};
use std::collections::HashMap;
use store::{
    Actor, NewAppointment, NewClinic, NewLocation, NewRoom, NewUser, Scope, Store, StoreError,
};
use time::{Date, Duration};
use uuid::Uuid;

/// A demo user, offered on the persona sign-in page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Persona {
    pub email: &'static str,
    pub name: &'static str,
    /// Their roles and where they hold them, e.g. "Mammographer (Clinical) at ...".
    pub description: &'static str,
}

/// What a load created. All zeros when the demo data was already there.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DemoSummary {
    pub providers: usize,
    pub users: usize,
    pub participants: usize,
    pub clinics: usize,
    pub appointments: usize,
}

/// The seed of the generator: the same data on every run.
const SEED: u64 = 20_240_901;

/// Loads the demo data, dated relative to `today`. Does nothing if it is already loaded
/// (a provider with the first demo provider's code exists).
pub async fn load(store: &Store, today: Date) -> Result<DemoSummary> {
    match store.provider_by_code(PROVIDERS[0].code).await {
        Ok(_) => return Ok(DemoSummary::default()),
        Err(StoreError::NotFound) => {}
        Err(e) => return Err(e).context("checking whether the demo data is already loaded"),
    }
    let setup = Actor::system("demo data");

    // Plan everything before writing anything.
    let mut rng = StdRng::seed_from_u64(SEED);
    let (mut nhs_numbers, mut phones) = (NhsNumbers::new(), Phones::new());
    let people = PROVIDERS
        .iter()
        .map(|spec| people::generate(&mut rng, spec, today, &mut nhs_numbers, &mut phones))
        .collect::<Result<Vec<_>>>()?;
    let bookings = schedule::assign(CLINICS, &people)?;

    let mut sites = Vec::with_capacity(PROVIDERS.len());
    for spec in PROVIDERS {
        let provider = store
            .create_provider(&setup, spec.code, spec.name)
            .await
            .with_context(|| format!("creating demo provider {}", spec.code))?;
        let scope = Scope {
            provider_id: provider.id,
        };
        sites.push(Sites {
            scope,
            static_site: create_site(
                store,
                scope,
                &setup,
                &spec.static_site,
                LocationKind::StaticSite,
            )
            .await?,
            van: create_site(store, scope, &setup, &spec.van, LocationKind::MobileVan).await?,
        });
    }

    let staff = create_staff(store, &setup, &sites).await?;

    let mut participant_ids = Vec::with_capacity(people.len());
    for (site, people) in sites.iter().zip(&people) {
        let mut ids = Vec::with_capacity(people.len());
        for person in people {
            let created = store
                .create_participant(site.scope, &setup, person.new.clone(), today)
                .await
                .with_context(|| {
                    format!(
                        "creating demo participant {} {}",
                        person.new.first_name, person.new.last_name
                    )
                })?;
            ids.push(created.id);
        }
        participant_ids.push(ids);
    }

    // Clinics in date order, so that the status histories read in order too.
    let mut order: Vec<usize> = (0..CLINICS.len()).collect();
    order.sort_by_key(|&i| (CLINICS[i].day, CLINICS[i].starts_at, CLINICS[i].provider));
    let mut appointments = 0;
    for i in order {
        let plan = &CLINICS[i];
        appointments += run_clinic(
            store,
            &setup,
            today,
            plan,
            &sites[plan.provider],
            &staff,
            &people[plan.provider],
            &participant_ids[plan.provider],
            &bookings[i],
        )
        .await?;
    }
    let mut assessment_clinics = 0;
    for &(provider, day) in ASSESSMENT_CLINICS {
        create_assessment_clinic(store, &setup, today, &sites[provider], day).await?;
        assessment_clinics += 1;
    }
    // Fresh tables have no planner statistics: without them PostgreSQL picks poor plans
    // until autovacuum gets round to analysing them.
    store
        .refresh_statistics()
        .await
        .context("analysing the demo data")?;

    Ok(DemoSummary {
        providers: PROVIDERS.len(),
        users: PERSONAS.len(),
        participants: participant_ids.iter().map(Vec::len).sum(),
        clinics: CLINICS.len() + assessment_clinics,
        appointments,
    })
}

/// Upcoming assessment clinics (provider, days after today), empty, at each provider's
/// static site: where the office books the assessment referrals that reading raises.
const ASSESSMENT_CLINICS: &[(usize, i64)] = &[(0, 2), (0, 7), (1, 3)];

/// An afternoon assessment clinic of nine 20-minute slots.
async fn create_assessment_clinic(
    store: &Store,
    setup: &Actor,
    today: Date,
    sites: &Sites,
    day: i64,
) -> Result<()> {
    let date = today
        .checked_add(Duration::days(day))
        .context("demo clinic date out of range")?;
    store
        .create_clinic(
            sites.scope,
            setup,
            NewClinic {
                location_id: sites.static_site,
                date,
                session: domain::Session::Afternoon,
                clinic_type: ClinicType::Assessment,
                risk_type: domain::RiskType::Routine,
                starts_at: "13:30".to_owned(),
                slot_minutes: 20,
                slot_count: 9,
            },
        )
        .await
        .with_context(|| format!("creating the demo assessment clinic on {date}"))?;
    Ok(())
}

/// A provider's scope and the ids of its two locations.
struct Sites {
    scope: Scope,
    static_site: Uuid,
    van: Uuid,
}

async fn create_site(
    store: &Store,
    scope: Scope,
    setup: &Actor,
    spec: &SiteSpec,
    kind: LocationKind,
) -> Result<Uuid> {
    let location = store
        .create_location(
            scope,
            setup,
            NewLocation {
                name: spec.name,
                kind,
                address: spec.address,
                postcode: spec.postcode,
            },
        )
        .await
        .with_context(|| format!("creating demo location {}", spec.name))?;
    for room in spec.rooms {
        store
            .create_room(
                scope,
                setup,
                NewRoom {
                    location_id: location.id,
                    name: room.name,
                    machine: room.machine,
                    ae_title: room.ae_title,
                },
            )
            .await
            .with_context(|| format!("creating room {} at {}", room.name, spec.name))?;
    }
    Ok(location.id)
}

/// The demo staff by email: their id and name.
struct Staff(HashMap<&'static str, (Uuid, &'static str)>);

impl Staff {
    /// The staff member acting for the provider `scope` names.
    fn actor(&self, email: &str, scope: Scope) -> Result<Actor> {
        let (id, name) = self
            .0
            .get(email)
            .with_context(|| format!("{email} is not a demo user"))?;
        Ok(Actor {
            user_id: Some(*id),
            name: (*name).to_owned(),
            provider_id: Some(scope.provider_id),
        })
    }
}

async fn create_staff(store: &Store, setup: &Actor, sites: &[Sites]) -> Result<Staff> {
    let mut staff = HashMap::new();
    for persona in PERSONAS {
        let new = NewUser {
            email: persona.email,
            name: persona.name,
            oidc_subject: None,
            is_system_admin: SYSTEM_ADMINS.contains(&persona.email),
        };
        let user = match store.create_user(setup, new).await {
            Ok(user) => user,
            // Someone with this email was added by hand: give them the demo roles.
            Err(StoreError::Duplicate(_)) => store
                .user_by_email(persona.email)
                .await
                .with_context(|| format!("finding existing user {}", persona.email))?,
            Err(e) => {
                return Err(e).with_context(|| format!("creating demo user {}", persona.email));
            }
        };
        staff.insert(persona.email, (user.id, persona.name));
    }
    let staff = Staff(staff);
    for &(email, provider, role) in GRANTS {
        let (user_id, _) = staff
            .0
            .get(email)
            .with_context(|| format!("{email} has a role but is not a persona"))?;
        let site = sites
            .get(provider)
            .with_context(|| format!("{email} has a role at an unknown provider"))?;
        store
            .grant_role(setup, *user_id, site.scope.provider_id, role)
            .await
            .with_context(|| format!("granting {} to {email}", role.label()))?;
    }
    Ok(staff)
}

/// Creates one clinic, books its participants, takes each appointment to its planned
/// status, and sets the clinic's status. Returns how many appointments it holds.
#[allow(clippy::too_many_arguments)]
async fn run_clinic(
    store: &Store,
    setup: &Actor,
    today: Date,
    plan: &ClinicPlan,
    sites: &Sites,
    staff: &Staff,
    people: &[Person],
    participant_ids: &[domain::ids::ParticipantId],
    booked: &[usize],
) -> Result<usize> {
    let scope = sites.scope;
    let date = today
        .checked_add(Duration::days(plan.day))
        .context("demo clinic date out of range")?;
    let clinic = store
        .create_clinic(
            scope,
            setup,
            NewClinic {
                location_id: match plan.site {
                    Site::Static => sites.static_site,
                    Site::Van => sites.van,
                },
                date,
                session: plan.session,
                clinic_type: ClinicType::Screening,
                risk_type: plan.risk,
                starts_at: plan.starts_at.to_owned(),
                slot_minutes: plan.slot_minutes,
                slot_count: plan.slot_count,
            },
        )
        .await
        .with_context(|| format!("creating the demo clinic on {date} at {}", plan.starts_at))?;
    let slots = store
        .free_slots(scope, clinic.id)
        .await
        .context("listing a demo clinic's slots")?;
    let special: Vec<bool> = booked.iter().map(|&p| people[p].is_special()).collect();
    let positions = schedule::slot_positions(&special, slots.len());

    let office = staff.actor(OFFICE[plan.provider], scope)?;
    let lead = staff.actor(plan.lead, scope)?;
    let colleague = staff.actor(plan.colleague, scope)?;
    for (k, ((&p, fate), position)) in booked.iter().zip(plan.fates()).zip(positions).enumerate() {
        let (slot_id, starts_at) = slots
            .get(position)
            .with_context(|| format!("the demo clinic on {date} has too few slots"))?;
        let person = &people[p];
        // Three years ago, today's self-referrals were still within routine screening.
        let episode_type = match person.episode_type {
            EpisodeType::SelfReferral if plan.is_previous_round() => EpisodeType::Routine,
            other => other,
        };
        let appointment = store
            .create_appointment(
                scope,
                setup,
                NewAppointment {
                    clinic_id: clinic.id,
                    slot_id: *slot_id,
                    participant_id: participant_ids[p],
                    episode_type,
                    follow_up_id: None,
                },
            )
            .await
            .with_context(|| format!("booking a demo appointment on {date} at {starts_at}"))?;
        // The two mammographers take turns.
        let either = if k % 2 == 0 { &lead } else { &colleague };
        for &(action, who) in fate.steps() {
            let actor = match who {
                Who::Office => &office,
                Who::Lead => &lead,
                Who::Colleague => &colleague,
                Who::Either => either,
            };
            store
                .apply_action(scope, actor, appointment, action, None)
                .await
                .with_context(|| {
                    format!(
                        "demo appointment on {date} at {starts_at}: {}",
                        action.label()
                    )
                })?;
        }
    }

    let status = plan.status();
    if status != ClinicStatus::Scheduled {
        let who = if status == ClinicStatus::Closed {
            &office
        } else {
            &lead
        };
        store
            .set_clinic_status(scope, who, clinic.id, status)
            .await
            .with_context(|| format!("setting the demo clinic on {date} to {status}"))?;
    }
    Ok(booked.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::participant::{is_gp_practice_code, normalise_postcode};
    use domain::{NhsNumber, Role, age_on};
    use std::collections::HashSet;
    use time::macros::date;

    fn plan(today: Date) -> (Vec<Vec<Person>>, Vec<Vec<usize>>) {
        let mut rng = StdRng::seed_from_u64(SEED);
        let (mut nhs, mut phones) = (NhsNumbers::new(), Phones::new());
        let people: Vec<Vec<Person>> = PROVIDERS
            .iter()
            .map(|spec| people::generate(&mut rng, spec, today, &mut nhs, &mut phones).unwrap())
            .collect();
        let bookings = schedule::assign(CLINICS, &people).unwrap();
        (people, bookings)
    }

    #[test]
    fn participants_are_valid_and_plausible() {
        for today in [
            date!(2026 - 11 - 25),
            date!(2028 - 02 - 29),
            date!(2027 - 01 - 01),
        ] {
            let (people, _) = plan(today);
            let all: Vec<&Person> = people.iter().flatten().collect();
            assert!((140..=170).contains(&all.len()));
            let numbers: HashSet<&str> = all.iter().map(|p| p.new.nhs_number.as_str()).collect();
            assert_eq!(numbers.len(), all.len(), "NHS numbers are unique");
            for p in &all {
                let n = &p.new;
                assert!(NhsNumber::parse(&n.nhs_number).is_ok());
                assert!(n.nhs_number.starts_with("999"));
                let age = age_on(n.date_of_birth, today);
                assert_eq!(age, p.age);
                match p.episode_type {
                    EpisodeType::SelfReferral => assert!((71..=74).contains(&age)),
                    _ => assert!((50..=70).contains(&age)),
                }
                assert_eq!(
                    normalise_postcode(&n.postcode).as_deref(),
                    Some(&*n.postcode)
                );
                assert!(
                    is_gp_practice_code(&n.gp_practice_code),
                    "{}",
                    n.gp_practice_code
                );
                assert!(
                    n.phone.starts_with("07700 900")
                        || n.phone.starts_with("0113 496 0")
                        || n.phone.starts_with("0161 496 0"),
                    "{}",
                    n.phone
                );
                assert!(n.email.is_empty() || n.email.ends_with("@example.com"));
                assert!(!n.communication_notes.contains('{'));
            }
            let special = all.iter().filter(|p| p.is_special()).count();
            assert!(
                (10..=25).contains(&special),
                "{special} special appointments"
            );
            for kind in [EpisodeType::SelfReferral, EpisodeType::VeryHighRisk] {
                assert!(all.iter().filter(|p| p.episode_type == kind).count() >= 2);
            }
        }
    }

    #[test]
    fn bookings_never_double_book_a_day_and_history_is_real() {
        let today = date!(2026 - 11 - 25);
        let (people, bookings) = plan(today);
        for (plan, booked) in CLINICS.iter().zip(&bookings) {
            assert_eq!(booked.len(), plan.booked());
            for other in CLINICS.iter().zip(&bookings).filter(|(o, _)| {
                o.provider == plan.provider && o.day == plan.day && !std::ptr::eq(*o, plan)
            }) {
                assert!(booked.iter().all(|p| !other.1.contains(p)));
            }
            if plan.is_previous_round() {
                for &p in booked {
                    assert!(people[plan.provider][p].age >= 54);
                }
            }
        }
        // Some of today's participants have both a past and an upcoming appointment.
        let returning = CLINICS
            .iter()
            .zip(&bookings)
            .filter(|(p, _)| p.is_previous_round())
            .flat_map(|(p, b)| b.iter().map(move |&i| (p.provider, i)))
            .filter(|&(provider, i)| {
                CLINICS
                    .iter()
                    .zip(&bookings)
                    .any(|(p, b)| p.provider == provider && p.day == 0 && b.contains(&i))
            })
            .count();
        assert!(returning >= 15);
        // Very high risk participants are booked into mixed risk clinics.
        let vhr_booked = CLINICS
            .iter()
            .zip(&bookings)
            .flat_map(|(p, b)| b.iter().map(move |&i| (p, i)))
            .filter(|(p, i)| people[p.provider][*i].episode_type == EpisodeType::VeryHighRisk)
            .collect::<Vec<_>>();
        assert!(!vhr_booked.is_empty());
        assert!(
            vhr_booked
                .iter()
                .all(|(p, _)| p.risk == domain::RiskType::Mixed || p.day > 1)
        );
    }

    #[test]
    fn personas_cover_every_role_and_say_where() {
        for persona in PERSONAS {
            assert!(persona.email.ends_with("@example.nhs.uk"));
            let grants: Vec<_> = GRANTS.iter().filter(|g| g.0 == persona.email).collect();
            assert!(!grants.is_empty(), "{} has no role", persona.email);
            for (_, provider, role) in grants {
                assert!(persona.description.contains(role.label()));
                assert!(persona.description.contains(PROVIDERS[*provider].name));
            }
        }
        for (provider, roles) in [
            (0, &[Role::Clinical, Role::Reader, Role::Administrative][..]),
            (1, &[Role::Clinical, Role::Administrative][..]),
        ] {
            for role in roles {
                assert!(GRANTS.iter().any(|g| g.1 == provider && g.2 == *role));
            }
        }
        assert!(PERSONAS.iter().any(|p| {
            let providers: HashSet<usize> = GRANTS
                .iter()
                .filter(|g| g.0 == p.email)
                .map(|g| g.1)
                .collect();
            providers.len() >= 2
        }));
        for admin in SYSTEM_ADMINS {
            assert!(PERSONAS.iter().any(|p| p.email == *admin));
        }
        for spec in PROVIDERS {
            for room in spec.static_site.rooms.iter().chain(spec.van.rooms) {
                assert!(room.ae_title.len() <= 16);
                assert_eq!(room.ae_title, room.ae_title.to_uppercase());
            }
            assert_eq!(spec.static_site.rooms.len(), 2);
            assert_eq!(spec.van.rooms.len(), 1);
            assert_eq!(spec.van.rooms[0].name, "Mobile screening unit");
        }
    }
}
