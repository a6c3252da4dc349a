use crate::fixtures::{TODAY, booking, clinic, org, participant};
use crate::harness::each_backend;
use domain::{EpisodeType, LocationKind};
use store::{NewAppointment, NewLocation, StoreError};
use uuid::Uuid;

#[tokio::test]
async fn a_refused_booking_leaves_no_episode_appointment_history_or_audit_row() {
    each_backend(|db| async move {
        let (name, s) = (db.name, &db.store);
        let org = org(s, "TXN").await;
        // Books the 09:00 slot.
        let b = booking(s, &org).await;
        let booked_slot = db.slot_id(b.clinic.id.uuid(), "09:00").await;
        let free_slot = db.slot_id(b.clinic.id.uuid(), "09:10").await;
        let newcomer = participant(s, &org).await;
        let other_clinic = clinic(s, &org, TODAY).await;
        let other_slot = db.slot_id(other_clinic.id.uuid(), "09:00").await;
        let before = db.counts().await;
        // (what, clinic, slot, participant, field named)
        let refused = [
            (
                "an already booked slot",
                b.clinic.id,
                booked_slot,
                newcomer.id,
                "slot_id",
            ),
            (
                "the same participant again",
                b.clinic.id,
                booked_slot,
                b.participant.id,
                "slot_id",
            ),
            (
                "a slot of another clinic",
                b.clinic.id,
                other_slot,
                newcomer.id,
                "slot_id",
            ),
            (
                "no such clinic",
                Uuid::now_v7().into(),
                free_slot,
                newcomer.id,
                "clinic_id",
            ),
            (
                "no such participant",
                b.clinic.id,
                free_slot,
                Uuid::now_v7().into(),
                "participant_id",
            ),
        ];
        for (what, clinic_id, slot_id, participant_id, field) in refused {
            let result = s
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
                .await;
            match result {
                Err(StoreError::Invalid(errors)) => {
                    assert_eq!(errors.len(), 1, "[{name}] {what}");
                    assert_eq!(errors[0].field, field, "[{name}] {what}");
                }
                other => panic!("[{name}] {what}: expected Invalid({field}), got {other:?}"),
            }
            assert_eq!(
                db.counts().await,
                before,
                "[{name}] {what} left rows behind"
            );
        }
        assert!(
            s.participant_appointments(org.scope, newcomer.id)
                .await
                .unwrap()
                .is_empty()
        );
    })
    .await;
}

#[tokio::test]
async fn invalid_clinics_and_locations_store_nothing() {
    each_backend(|db| async move {
        let (name, s) = (db.name, &db.store);
        let org = org(s, "TXN2").await;
        let before = db.counts().await;
        let bad_clinics = [
            ("9:00", 10, 4, "starts_at"),
            ("09:00", 4, 4, "slot_minutes"),
            ("23:00", 30, 3, "slot_count"),
        ];
        for (starts_at, slot_minutes, slot_count, field) in bad_clinics {
            let result = s
                .create_clinic(
                    org.scope,
                    &org.actor,
                    store::NewClinic {
                        location_id: org.location.id,
                        date: TODAY,
                        session: domain::Session::Morning,
                        clinic_type: domain::ClinicType::Screening,
                        risk_type: domain::RiskType::Routine,
                        starts_at: starts_at.to_owned(),
                        slot_minutes,
                        slot_count,
                    },
                )
                .await;
            assert!(
                matches!(&result, Err(StoreError::Invalid(e)) if e[0].field == field),
                "[{name}] {starts_at} {slot_minutes}x{slot_count}: {result:?}"
            );
        }
        let result = s
            .create_location(
                org.scope,
                &org.actor,
                NewLocation {
                    name: " ",
                    kind: LocationKind::MobileVan,
                    address: "Car park",
                    postcode: "LS1 4AP",
                },
            )
            .await;
        assert!(matches!(result, Err(StoreError::Invalid(_))), "[{name}]");
        assert_eq!(db.counts().await, before, "[{name}] nothing stored");
    })
    .await;
}
