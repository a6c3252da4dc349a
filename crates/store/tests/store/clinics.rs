use crate::fixtures::{TODAY, apply_all, book, clinic, org, participant};
use crate::harness::each_backend;
use domain::{AppointmentAction, ClinicStatus, ClinicTab};
use std::collections::BTreeSet;
use time::Duration;

#[tokio::test]
async fn clinic_tabs_in_sql_agree_with_the_domain_rule() {
    each_backend(|db| async move {
        let (name, s) = (db.name, &db.store);
        let other = org(s, "OTHER").await;
        let org = org(s, "TABS").await;
        let days = [TODAY - Duration::days(1), TODAY, TODAY + Duration::days(1)];
        let mut made = Vec::new();
        for date in days {
            for &status in ClinicStatus::ALL {
                let c = clinic(s, &org, date).await;
                s.set_clinic_status(org.scope, &org.actor, c.id, status)
                    .await
                    .unwrap();
                made.push((c.id, date, status));
            }
        }
        // Another provider's clinic today must appear in none of this provider's tabs.
        clinic(s, &other, TODAY).await;

        let counts = s.clinic_tab_counts(org.scope, TODAY).await.unwrap();
        for &tab in ClinicTab::ALL {
            let expected: BTreeSet<_> = made
                .iter()
                .filter(|(_, date, status)| tab.includes(*date, *status, TODAY))
                .map(|(id, _, _)| *id)
                .collect();
            let listed = s.clinics(org.scope, tab, TODAY).await.unwrap();
            let got: BTreeSet<_> = listed.iter().map(|c| c.id).collect();
            assert_eq!(
                got, expected,
                "[{name}] {tab:?} lists what ClinicTab::includes says"
            );
            assert_eq!(
                listed.len(),
                expected.len(),
                "[{name}] {tab:?}: no duplicates"
            );
            assert_eq!(
                counts.get(tab),
                expected.len() as i64,
                "[{name}] {tab:?} count"
            );
            for c in &listed {
                let (_, date, status) = made.iter().find(|(id, _, _)| *id == c.id).unwrap();
                assert_eq!(
                    (c.date, c.status),
                    (*date, *status),
                    "[{name}] {tab:?} summary"
                );
            }
            let dates: Vec<_> = listed.iter().map(|c| c.date).collect();
            let mut sorted = dates.clone();
            match tab {
                ClinicTab::Today | ClinicTab::Upcoming => sorted.sort(),
                ClinicTab::Completed | ClinicTab::All => sorted.sort_by(|a, b| b.cmp(a)),
            }
            assert_eq!(dates, sorted, "[{name}] {tab:?} order");
        }
        assert_eq!(counts.all, 12, "[{name}]");
    })
    .await;
}

#[tokio::test]
async fn a_clinic_counts_live_appointments_and_frees_cancelled_slots() {
    each_backend(|db| async move {
        let (name, s) = (db.name, &db.store);
        let org = org(s, "COUNTS").await;
        let c = clinic(s, &org, TODAY).await;
        assert_eq!((c.appointment_count, c.checked_in_count), (0, 0));
        assert_eq!(c.starts_at, "09:00");
        assert_eq!(c.ends_at, "09:40");
        assert_eq!(s.free_slots(org.scope, c.id).await.unwrap().len(), 4);

        let mut ids = Vec::new();
        for _ in 0..3 {
            let p = participant(s, &org).await;
            ids.push(book(s, &org, c.id, p.id).await);
        }
        apply_all(s, &org, ids[0], &[AppointmentAction::CheckIn]).await;
        apply_all(s, &org, ids[1], &[AppointmentAction::Cancel]).await;

        let summary = s.clinic(org.scope, c.id).await.unwrap();
        assert_eq!(
            summary.appointment_count, 2,
            "[{name}] cancelled not counted"
        );
        assert_eq!(summary.checked_in_count, 1, "[{name}]");
        let free: Vec<_> = s
            .free_slots(org.scope, c.id)
            .await
            .unwrap()
            .into_iter()
            .map(|(_, at)| at)
            .collect();
        assert_eq!(
            free,
            ["09:10", "09:30"],
            "[{name}] the cancelled slot is free again"
        );
        let rows = s.clinic_appointments(org.scope, c.id).await.unwrap();
        let times: Vec<_> = rows.iter().map(|r| r.starts_at.as_str()).collect();
        assert_eq!(times, ["09:00", "09:10", "09:20"], "[{name}] slot order");

        // The freed slot can be booked again.
        let p = participant(s, &org).await;
        book(s, &org, c.id, p.id).await;
        assert_eq!(
            s.clinic(org.scope, c.id).await.unwrap().appointment_count,
            3
        );
    })
    .await;
}

#[tokio::test]
async fn a_cancellation_cannot_be_undone_once_its_slot_is_rebooked() {
    each_backend(|db| async move {
        let (name, s) = (db.name, &db.store);
        let org = org(s, "REBOOK").await;
        let c = clinic(s, &org, TODAY).await;
        let first = participant(s, &org).await;
        let cancelled = book(s, &org, c.id, first.id).await;
        apply_all(s, &org, cancelled, &[AppointmentAction::Cancel]).await;
        let slot = s.free_slots(org.scope, c.id).await.unwrap()[0].0;
        let second = participant(s, &org).await;
        s.create_appointment(
            org.scope,
            &org.actor,
            store::NewAppointment {
                clinic_id: c.id,
                slot_id: slot,
                participant_id: second.id,
                episode_type: domain::EpisodeType::Routine,
                follow_up_id: None,
            },
        )
        .await
        .unwrap();
        let before = s.appointment(org.scope, cancelled).await.unwrap();
        let err = s
            .apply_action(
                org.scope,
                &org.actor,
                cancelled,
                AppointmentAction::UndoCancel,
                None,
            )
            .await
            .unwrap_err();
        assert!(
            matches!(err, store::StoreError::Conflict(_)),
            "[{name}] {err:?}"
        );
        let after = s.appointment(org.scope, cancelled).await.unwrap();
        assert_eq!(
            (after.status, after.version),
            (before.status, before.version),
            "[{name}] unchanged"
        );
    })
    .await;
}

#[tokio::test]
async fn the_clinic_day_query_agrees_with_the_summary_and_the_list() {
    each_backend(|db| async move {
        let (name, s) = (db.name, &db.store);
        let other = org(s, "NOTDAY").await;
        let org = org(s, "DAY").await;
        let c = clinic(s, &org, TODAY).await;
        let (empty, rows) = s.clinic_day(org.scope, c.id).await.unwrap();
        assert_eq!(
            (empty.appointment_count, rows.len()),
            (0, 0),
            "[{name}] an empty clinic"
        );
        let mut ids = Vec::new();
        for _ in 0..3 {
            let p = participant(s, &org).await;
            ids.push(book(s, &org, c.id, p.id).await);
        }
        apply_all(s, &org, ids[0], &[AppointmentAction::CheckIn]).await;
        apply_all(s, &org, ids[1], &[AppointmentAction::Cancel]).await;
        apply_all(s, &org, ids[2], &[AppointmentAction::Start]).await;
        let (day, rows) = s.clinic_day(org.scope, c.id).await.unwrap();
        let running: Vec<_> = rows.iter().map(|r| r.running_by.clone()).collect();
        assert_eq!(
            running,
            [None, None, Some(org.actor.name.clone())],
            "[{name}] who runs each appointment"
        );
        let summary = s.clinic(org.scope, c.id).await.unwrap();
        let list = s.clinic_appointments(org.scope, c.id).await.unwrap();
        assert_eq!(
            (day.appointment_count, day.checked_in_count),
            (summary.appointment_count, summary.checked_in_count),
            "[{name}]"
        );
        let ids_day: Vec<_> = rows.iter().map(|r| (r.id, r.status)).collect();
        let ids_list: Vec<_> = list.iter().map(|r| (r.id, r.status)).collect();
        assert_eq!(ids_day, ids_list, "[{name}]");
        assert!(
            matches!(
                s.clinic_day(other.scope, c.id).await,
                Err(store::StoreError::NotFound)
            ),
            "[{name}] another provider"
        );
    })
    .await;
}
