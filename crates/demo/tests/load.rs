//! Loads the demo into a fresh SQLite database and checks what the service and the
//! benchmark rely on.

use domain::{AppointmentStatus, ClinicTab, LocationKind, NhsNumber, Session, age_on};
use std::collections::HashSet;
use std::time::Instant;
use store::{Scope, Store};
use time::macros::date;

struct TempDb {
    dir: std::path::PathBuf,
}

impl TempDb {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("demo-test-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDb { dir }
    }

    fn url(&self) -> String {
        format!("sqlite://{}/demo.db?mode=rwc", self.dir.display())
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[tokio::test]
async fn loads_a_complete_demo_once() {
    let db = TempDb::new();
    let store = Store::open(&db.url()).await.expect("open store");
    let today = date!(2026 - 11 - 25);

    let started = Instant::now();
    let summary = demo::load(&store, today).await.expect("load demo");
    eprintln!("demo loaded in {:?}: {summary:?}", started.elapsed());
    assert!(summary.providers >= 2);
    assert!((140..=170).contains(&summary.participants));
    assert_eq!(summary.users, demo::PERSONAS.len());

    let providers = store.providers().await.unwrap();
    assert!(providers.len() >= 2);
    let dmo1 = store.provider_by_code("DMO1").await.unwrap();
    let scope1 = Scope {
        provider_id: dmo1.id,
    };

    // Provider 1: exactly one clinic today with 40 appointments, the all-day one at the
    // static site, and it is the first of the day.
    let today_clinics = store
        .clinics(scope1, ClinicTab::Today, today)
        .await
        .unwrap();
    assert!(today_clinics.len() >= 2);
    let full: Vec<_> = today_clinics
        .iter()
        .filter(|c| c.appointment_count == 40)
        .collect();
    assert_eq!(full.len(), 1);
    let first = &today_clinics[0];
    assert_eq!(first.id, full[0].id);
    assert_eq!(first.session, Session::AllDay);
    assert_eq!(first.location_kind, LocationKind::StaticSite);
    assert_eq!(
        store
            .clinic_appointments(scope1, first.id)
            .await
            .unwrap()
            .len(),
        40
    );
    assert_eq!(
        today_clinics
            .iter()
            .filter(|c| c.session == Session::AllDay)
            .count(),
        1
    );

    let mut statuses = HashSet::new();
    let mut appointments = 0;
    let mut participants = 0;
    for provider in &providers {
        let scope = Scope {
            provider_id: provider.id,
        };
        let clinics = store.clinics(scope, ClinicTab::All, today).await.unwrap();
        let kinds: HashSet<_> = clinics.iter().map(|c| c.location_kind).collect();
        assert_eq!(
            kinds.len(),
            2,
            "static and van clinics at {}",
            provider.code
        );
        for clinic in &clinics {
            let rows = store.clinic_appointments(scope, clinic.id).await.unwrap();
            appointments += rows.len();
            for row in &rows {
                statuses.insert(row.status);
                if clinic.date < today {
                    assert!(row.status.is_final(), "{:?} on {}", row.status, clinic.date);
                }
            }
        }
        assert_eq!(store.rooms(scope).await.unwrap().len(), 3);

        let people = store.search_participants(scope, "", 500).await.unwrap();
        participants += people.len();
        let mut with_past_and_upcoming = 0;
        for p in &people {
            let nhs = NhsNumber::parse(&p.nhs_number).expect("valid NHS number");
            assert!(nhs.as_digits().starts_with("999"));
            let age = age_on(p.date_of_birth, today);
            assert!((50..=74).contains(&age), "{} is {age}", p.full_name());
            let history = store.participant_appointments(scope, p.id).await.unwrap();
            if history.iter().any(|a| a.clinic_date < today)
                && history.iter().any(|a| a.clinic_date >= today)
            {
                with_past_and_upcoming += 1;
            }
        }
        assert!(with_past_and_upcoming >= 5, "{}", provider.code);
    }
    for status in AppointmentStatus::ALL {
        assert!(statuses.contains(status), "no appointment is {status:?}");
    }
    assert_eq!(appointments, summary.appointments);
    assert_eq!(participants, summary.participants);

    for persona in demo::PERSONAS {
        let user = store.user_by_email(persona.email).await.unwrap();
        let roles = store.user_with_roles(user.id).await.unwrap();
        assert!(!roles.roles.is_empty(), "{} has roles", persona.email);
    }
    assert!(
        store
            .users()
            .await
            .unwrap()
            .iter()
            .any(|u| u.is_system_admin)
    );

    // A second load changes nothing.
    let again = demo::load(&store, today).await.expect("load demo again");
    assert_eq!(again, demo::DemoSummary::default());
    assert_eq!(store.providers().await.unwrap().len(), providers.len());
    assert_eq!(store.users().await.unwrap().len(), demo::PERSONAS.len());
    store.close().await;
}
