use crate::fixtures::{Org, TODAY, booking, org};
use crate::harness::each_backend;
use domain::{AppointmentAction, AppointmentStatus, ClinicStatus, ClinicTab, EpisodeType};
use std::fmt::Debug;
use store::{NewAppointment, NewClinic, NewRoom, StoreError};

#[track_caller]
fn assert_not_found<T: Debug>(db: &str, what: &str, result: store::Result<T>) {
    match result {
        Err(StoreError::NotFound) => {}
        other => panic!("[{db}] {what}: expected NotFound, got {other:?}"),
    }
}

#[track_caller]
fn assert_invalid<T: Debug>(db: &str, what: &str, field: &str, result: store::Result<T>) {
    match result {
        Err(StoreError::Invalid(errors)) if errors.iter().any(|e| e.field == field) => {}
        other => panic!("[{db}] {what}: expected Invalid({field}), got {other:?}"),
    }
}

#[tokio::test]
async fn another_providers_records_are_not_found_and_left_alone() {
    each_backend(|db| async move {
        let (name, s) = (db.name, &db.store);
        let a: Org = org(s, "AAA").await;
        let b: Org = org(s, "BBB").await;
        let mine = booking(s, &a).await;
        let theirs = booking(s, &b).await;
        let before = db.counts().await;

        // Reads through A's scope.
        assert_not_found(
            name,
            "participant",
            s.participant(a.scope, theirs.participant.id).await,
        );
        assert_not_found(name, "clinic", s.clinic(a.scope, theirs.clinic.id).await);
        assert_not_found(
            name,
            "appointment",
            s.appointment(a.scope, theirs.appointment_id).await,
        );
        assert!(
            s.clinic_appointments(a.scope, theirs.clinic.id)
                .await
                .unwrap()
                .is_empty(),
            "[{name}] clinic_appointments of B's clinic"
        );
        assert!(
            s.participant_appointments(a.scope, theirs.participant.id)
                .await
                .unwrap()
                .is_empty(),
            "[{name}] participant_appointments of B's participant"
        );
        assert!(
            s.status_history(a.scope, theirs.appointment_id)
                .await
                .unwrap()
                .is_empty(),
            "[{name}] status_history of B's appointment"
        );
        assert!(
            s.free_slots(a.scope, theirs.clinic.id)
                .await
                .unwrap()
                .is_empty(),
            "[{name}] free_slots of B's clinic"
        );
        let listed = s.clinics(a.scope, ClinicTab::All, TODAY).await.unwrap();
        assert_eq!(
            listed.iter().map(|c| c.id).collect::<Vec<_>>(),
            vec![mine.clinic.id],
            "[{name}] A's clinic list holds only A's clinic"
        );
        assert_eq!(s.clinic_tab_counts(a.scope, TODAY).await.unwrap().all, 1);
        let found = s.search_participants(a.scope, "", 500).await.unwrap();
        assert_eq!(
            found.iter().map(|p| p.id).collect::<Vec<_>>(),
            vec![mine.participant.id],
            "[{name}] A's participant search"
        );
        let by_number = s
            .search_participants(a.scope, &theirs.participant.nhs_number, 500)
            .await
            .unwrap();
        assert!(
            by_number.is_empty(),
            "[{name}] B's participant by NHS number"
        );
        assert_eq!(s.locations(a.scope).await.unwrap().len(), 1);

        // Changes through A's scope.
        for action in [AppointmentAction::CheckIn, AppointmentAction::Cancel] {
            assert_not_found(
                name,
                "apply_action",
                s.apply_action(a.scope, &a.actor, theirs.appointment_id, action, None)
                    .await,
            );
        }
        assert_not_found(
            name,
            "set_clinic_status",
            s.set_clinic_status(a.scope, &a.actor, theirs.clinic.id, ClinicStatus::Cancelled)
                .await,
        );
        assert_not_found(
            name,
            "create_clinic at B's location",
            s.create_clinic(
                a.scope,
                &a.actor,
                NewClinic {
                    location_id: b.location.id,
                    date: TODAY,
                    session: domain::Session::Afternoon,
                    clinic_type: domain::ClinicType::Screening,
                    risk_type: domain::RiskType::Routine,
                    starts_at: "13:00".to_owned(),
                    slot_minutes: 10,
                    slot_count: 2,
                },
            )
            .await,
        );
        assert_not_found(
            name,
            "create_room at B's location",
            s.create_room(
                a.scope,
                &a.actor,
                NewRoom {
                    location_id: b.location.id,
                    name: "Room 1",
                    machine: "Selenia",
                    ae_title: "ROOM1",
                },
            )
            .await,
        );
        let free_b = s.free_slots(b.scope, theirs.clinic.id).await.unwrap()[0].0;
        let free_a = s.free_slots(a.scope, mine.clinic.id).await.unwrap()[0].0;
        let bookings = [
            (
                "B's clinic and slot",
                theirs.clinic.id,
                free_b,
                mine.participant.id,
                "clinic_id",
            ),
            (
                "B's slot in A's clinic",
                mine.clinic.id,
                free_b,
                mine.participant.id,
                "slot_id",
            ),
            (
                "B's participant",
                mine.clinic.id,
                free_a,
                theirs.participant.id,
                "participant_id",
            ),
        ];
        for (what, clinic_id, slot_id, participant_id, field) in bookings {
            let new = NewAppointment {
                clinic_id,
                slot_id,
                participant_id,
                episode_type: EpisodeType::Routine,
                follow_up_id: None,
            };
            assert_invalid(
                name,
                what,
                field,
                s.create_appointment(a.scope, &a.actor, new).await,
            );
        }

        // Nothing changed anywhere.
        assert_eq!(db.counts().await, before, "[{name}] row counts");
        let detail = s.appointment(b.scope, theirs.appointment_id).await.unwrap();
        assert_eq!(detail.status, AppointmentStatus::Scheduled);
        assert_eq!(detail.version, 1);
        assert_eq!(detail.history.len(), 1);
        assert_eq!(
            s.clinic(b.scope, theirs.clinic.id).await.unwrap().status,
            ClinicStatus::Scheduled
        );
        // And B still sees all of its own records.
        s.participant(b.scope, theirs.participant.id).await.unwrap();
        assert_eq!(
            s.clinic_appointments(b.scope, theirs.clinic.id)
                .await
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            s.participant_appointments(b.scope, theirs.participant.id)
                .await
                .unwrap()
                .len(),
            1
        );
    })
    .await;
}
