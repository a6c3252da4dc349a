//! Builders for the records most tests need.

use domain::ids::{AppointmentId, ClinicId, ParticipantId};
use domain::{
    AppointmentAction, ClinicType, EpisodeType, LocationKind, NhsNumber, RiskType, Role, Session,
    Sex,
};
use std::sync::atomic::{AtomicU32, Ordering};
use store::{
    Actor, ClinicSummary, Location, NewAppointment, NewClinic, NewLocation, NewParticipant,
    NewUser, Participant, Provider, Scope, Store, User,
};
use time::Date;
use time::macros::date;
use uuid::Uuid;

/// The day the tests pretend it is, for dates the store is told (clinic tabs, dates of birth).
pub const TODAY: Date = date!(2026 - 11 - 25);

/// A provider with one clinical user and one location.
#[derive(Clone)]
pub struct Org {
    pub provider: Provider,
    pub scope: Scope,
    pub user: User,
    pub actor: Actor,
    pub location: Location,
}

pub fn actor_for(user: &User, provider: &Provider) -> Actor {
    Actor {
        user_id: Some(user.id),
        name: user.name.clone(),
        provider_id: Some(provider.id),
    }
}

pub async fn org(store: &Store, code: &str) -> Org {
    let system = Actor::system("test setup");
    let provider = store
        .create_provider(&system, code, &format!("{code} Breast Screening"))
        .await
        .expect("create provider");
    let user = store
        .create_user(
            &system,
            NewUser {
                email: &format!("clinician@{}.example.nhs.uk", code.to_lowercase()),
                name: &format!("{code} Clinician"),
                oidc_subject: None,
                is_system_admin: false,
            },
        )
        .await
        .expect("create user");
    store
        .grant_role(&system, user.id, provider.id, Role::Clinical)
        .await
        .expect("grant role");
    let scope = Scope {
        provider_id: provider.id,
    };
    let actor = actor_for(&user, &provider);
    let location = store
        .create_location(
            scope,
            &actor,
            NewLocation {
                name: &format!("{code} Breast Unit"),
                kind: LocationKind::StaticSite,
                address: "1 Hospital Road",
                postcode: "LS1 4AP",
            },
        )
        .await
        .expect("create location");
    Org {
        provider,
        scope,
        user,
        actor,
        location,
    }
}

static NEXT_NHS: AtomicU32 = AtomicU32::new(999_000_000);

/// A valid NHS number not handed out before in this test run.
pub fn fresh_nhs_number() -> String {
    loop {
        let n = NEXT_NHS.fetch_add(1, Ordering::Relaxed);
        if let Some(nhs) = NhsNumber::from_first_nine(n) {
            return nhs.as_digits();
        }
    }
}

/// A participant form that passes validation.
pub fn participant_form(nhs_number: &str) -> NewParticipant {
    NewParticipant {
        nhs_number: nhs_number.to_owned(),
        first_name: "Janet".to_owned(),
        last_name: "Williams".to_owned(),
        date_of_birth: date!(1962 - 04 - 17),
        sex: Sex::Female,
        address_line_1: "12 Acacia Avenue".to_owned(),
        address_line_2: String::new(),
        town: "Leeds".to_owned(),
        postcode: "ls1 4ap".to_owned(),
        phone: "0113 496 0000".to_owned(),
        email: "janet@example.com".to_owned(),
        gp_practice_code: "a81001".to_owned(),
        ethnicity: None,
        communication_preferences: vec![],
        communication_notes: String::new(),
        access_needs: vec![],
        access_notes: String::new(),
        support_reasons: vec![],
        support_temporary: false,
    }
}

pub async fn participant(store: &Store, org: &Org) -> Participant {
    store
        .create_participant(
            org.scope,
            &org.actor,
            participant_form(&fresh_nhs_number()),
            TODAY,
        )
        .await
        .expect("create participant")
}

/// A morning screening clinic of four ten-minute slots from 09:00.
pub async fn clinic(store: &Store, org: &Org, date: Date) -> ClinicSummary {
    store
        .create_clinic(
            org.scope,
            &org.actor,
            NewClinic {
                location_id: org.location.id,
                date,
                session: Session::Morning,
                clinic_type: ClinicType::Screening,
                risk_type: RiskType::Routine,
                starts_at: "09:00".to_owned(),
                slot_minutes: 10,
                slot_count: 4,
            },
        )
        .await
        .expect("create clinic")
}

pub async fn first_free_slot(store: &Store, org: &Org, clinic_id: ClinicId) -> Uuid {
    store
        .free_slots(org.scope, clinic_id)
        .await
        .expect("free slots")
        .first()
        .expect("a free slot")
        .0
}

pub async fn book(
    store: &Store,
    org: &Org,
    clinic_id: ClinicId,
    participant_id: ParticipantId,
) -> AppointmentId {
    let slot_id = first_free_slot(store, org, clinic_id).await;
    store
        .create_appointment(
            org.scope,
            &org.actor,
            NewAppointment {
                clinic_id,
                slot_id,
                participant_id,
                episode_type: EpisodeType::Routine,
                follow_up_id: None,
            },
        )
        .await
        .expect("book appointment")
}

/// A scheduled appointment for a new participant in a new clinic today.
#[derive(Clone)]
pub struct Booking {
    pub clinic: ClinicSummary,
    pub participant: Participant,
    pub appointment_id: AppointmentId,
}

pub async fn booking(store: &Store, org: &Org) -> Booking {
    let clinic = clinic(store, org, TODAY).await;
    let participant = participant(store, org).await;
    let appointment_id = book(store, org, clinic.id, participant.id).await;
    Booking {
        clinic,
        participant,
        appointment_id,
    }
}

/// Applies each action in turn, expecting every one to succeed.
pub async fn apply_all(
    store: &Store,
    org: &Org,
    appointment_id: AppointmentId,
    actions: &[AppointmentAction],
) {
    for &action in actions {
        store
            .apply_action(org.scope, &org.actor, appointment_id, action, None)
            .await
            .unwrap_or_else(|e| panic!("{action:?}: {e}"));
    }
}
