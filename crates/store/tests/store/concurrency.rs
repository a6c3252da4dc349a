use crate::fixtures::{TODAY, booking, clinic, first_free_slot, org, participant};
use crate::harness::each_backend;
use domain::{AppointmentAction as A, AppointmentStatus as S, EpisodeType};
use store::{NewAppointment, StoreError};

/// Two people act on the same scheduled appointment at the same moment:
/// (first action, second action, expected version sent by both).
const RACES: &[(A, A, Option<i64>)] = &[
    (A::CheckIn, A::CheckIn, None),
    (A::CheckIn, A::CheckIn, Some(1)),
    (A::CheckIn, A::Cancel, None),
    (A::Start, A::DidNotAttend, Some(1)),
];

const ROUNDS: usize = 3;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn simultaneous_moves_on_one_appointment_let_exactly_one_through() {
    each_backend(|db| async move {
        let name = db.name;
        let org = org(&db.store, "RACE").await;
        for &(first, second, expected_version) in RACES {
            for round in 0..ROUNDS {
                let id = booking(&db.store, &org).await.appointment_id;
                let ctx = format!(
                    "[{name}] {first:?} vs {second:?} ({expected_version:?}), round {round}"
                );
                let run = |action| {
                    let (store, org) = (db.store.clone(), org.clone());
                    tokio::spawn(async move {
                        store
                            .apply_action(org.scope, &org.actor, id, action, expected_version)
                            .await
                    })
                };
                let (one, two) = (run(first), run(second));
                let results = [(first, one.await.unwrap()), (second, two.await.unwrap())];

                let winners: Vec<_> = results
                    .iter()
                    .filter_map(|(action, r)| r.as_ref().ok().map(|to| (*action, *to)))
                    .collect();
                assert_eq!(winners.len(), 1, "{ctx}: exactly one succeeds: {results:?}");
                for (_, r) in &results {
                    if let Err(e) = r {
                        assert!(
                            matches!(e, StoreError::Transition(_) | StoreError::Conflict(_)),
                            "{ctx}: the loser gets a transition or conflict error, got {e:?}"
                        );
                    }
                }
                let (action, to) = winners[0];
                let detail = db.store.appointment(org.scope, id).await.unwrap();
                assert_eq!(detail.status, to, "{ctx}: status");
                assert_eq!(detail.version, 2, "{ctx}: version");
                let moves: Vec<_> = detail.history[1..]
                    .iter()
                    .map(|h| (h.action, h.status))
                    .collect();
                assert_eq!(moves, vec![(Some(action), to)], "{ctx}: one history row");
                let id_text = id.to_string();
                assert_eq!(
                    db.count(&format!(
                        "audit_log WHERE entity_id = '{id_text}' AND action = 'update'"
                    ))
                    .await,
                    1,
                    "{ctx}: one audit row for the move"
                );
            }
        }
        // The plain check-in race leaves exactly one checked_in row per appointment.
        assert_eq!(
            db.count("appointment_status_history WHERE status = 'checked_in'")
                .await,
            db.count("appointments WHERE status = 'checked_in'").await,
            "[{name}]"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_bookings_into_the_same_free_slot_at_once_book_it_once() {
    each_backend(|db| async move {
        let name = db.name;
        let org = org(&db.store, "SLOTRACE").await;
        for round in 0..ROUNDS {
            let clinic_id = clinic(&db.store, &org, TODAY).await.id;
            let slot_id = first_free_slot(&db.store, &org, clinic_id).await;
            let people = [
                participant(&db.store, &org).await,
                participant(&db.store, &org).await,
            ];
            let before = db.counts().await;
            let tasks = people.map(|p| {
                let (store, org) = (db.store.clone(), org.clone());
                tokio::spawn(async move {
                    store
                        .create_appointment(
                            org.scope,
                            &org.actor,
                            NewAppointment {
                                clinic_id,
                                slot_id,
                                participant_id: p.id,
                                episode_type: EpisodeType::Routine,
                                follow_up_id: None,
                            },
                        )
                        .await
                })
            });
            let mut results = Vec::new();
            for task in tasks {
                results.push(task.await.unwrap());
            }
            let ctx = format!("[{name}] round {round}: {results:?}");
            assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{ctx}");
            let loser = results.iter().find_map(|r| r.as_ref().err()).unwrap();
            assert!(
                matches!(loser, StoreError::Invalid(e) if e[0].field == "slot_id"),
                "{ctx}: the second booking is told the slot is taken"
            );
            let rows = db
                .store
                .clinic_appointments(org.scope, clinic_id)
                .await
                .unwrap();
            assert_eq!(rows.len(), 1, "{ctx}: one appointment in the slot");
            let after = db.counts().await;
            for (table, n) in &after {
                let was = before.iter().find(|(t, _)| t == table).unwrap().1;
                let expected = match *table {
                    "episodes" | "appointments" | "appointment_status_history" | "audit_log" => {
                        was + 1
                    }
                    _ => was,
                };
                assert_eq!(*n, expected, "{ctx}: {table} rows (the loser left nothing)");
            }
            assert_eq!(rows[0].status, S::Scheduled);
        }
    })
    .await;
}
