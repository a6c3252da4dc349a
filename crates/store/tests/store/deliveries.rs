//! Result deliveries (issue 13, ADR 28): every result is queued for a letter and a GP
//! message in the transaction that issues it; a "did not attend" result is held until its
//! clinic is closed; senders claim each once; a changed result cancels what is not yet
//! sent; the office's failsafe list, re-issue and daily count.

use crate::fixtures::{apply_all, book, clinic, org, participant};
use crate::harness::each_backend;
use domain::AppointmentAction as A;
use domain::delivery::{Channel, DeliveryEvent, DeliveryState, FailsafeReason};
use store::{DeliveryChange, StoreError};

#[tokio::test]
async fn a_result_is_queued_on_both_channels_held_until_its_clinic_closes_and_sent_once() {
    each_backend(|db| async move {
        let name = db.name;
        let org = org(&db.store, "DLV1").await;
        let today = domain::dates::london_date(time::OffsetDateTime::now_utc());
        let c = clinic(&db.store, &org, today).await;
        db.execute_raw(&format!(
            "UPDATE clinics SET starts_at = '00:00' WHERE id = '{}'",
            c.id
        ))
        .await
        .expect("clinic started");
        let p = participant(&db.store, &org).await;
        let appointment = book(&db.store, &org, c.id, p.id).await;
        apply_all(&db.store, &org, appointment, &[A::DidNotAttend]).await;

        let mine = db
            .store
            .participant_deliveries(org.scope, p.id)
            .await
            .expect("deliveries");
        let mut channels: Vec<_> = mine.iter().map(|d| (d.channel, d.state)).collect();
        channels.sort();
        assert_eq!(
            channels,
            [
                (Channel::Letter, DeliveryState::Queued),
                (Channel::GpMessage, DeliveryState::Queued)
            ],
            "[{name}]"
        );
        assert!(
            mine.iter().all(|d| d.hold_clinic_id == Some(c.id.uuid())),
            "[{name}]"
        );

        // Held while today's clinic is open: she may yet arrive.
        assert!(
            db.store
                .claim_due_gp_messages(10)
                .await
                .expect("claim")
                .is_empty(),
            "[{name}] held"
        );
        db.execute_raw(&format!(
            "UPDATE clinics SET status = 'closed' WHERE id = '{}'",
            c.id
        ))
        .await
        .expect("close clinic");
        let due = db.store.claim_due_gp_messages(10).await.expect("claim");
        assert_eq!(due.len(), 1, "[{name}]");
        let out = &due[0];
        assert_eq!(out.result.nhs_number, p.nhs_number, "[{name}]");
        assert_eq!(out.gp_practice_code, p.gp_practice_code, "[{name}]");
        // Claimed: another sender does not get it too.
        assert!(
            db.store
                .claim_due_gp_messages(10)
                .await
                .expect("claim")
                .is_empty(),
            "[{name}] claimed once"
        );

        let system = store::Actor::system("results sender");
        let sent = db
            .store
            .record_delivery(
                org.scope,
                &system,
                out.delivery_id,
                DeliveryEvent::Accepted,
                DeliveryChange {
                    mesh_message_id: Some("MSG-1".into()),
                    ..DeliveryChange::default()
                },
            )
            .await
            .expect("sent");
        assert_eq!(sent, DeliveryState::Sent, "[{name}]");
        // A second report of the same send is refused and changes nothing.
        let again = db
            .store
            .record_delivery(
                org.scope,
                &system,
                out.delivery_id,
                DeliveryEvent::Accepted,
                DeliveryChange::default(),
            )
            .await;
        assert!(
            matches!(again, Err(StoreError::Conflict(_))),
            "[{name}] {again:?}"
        );
        assert_eq!(
            db.store
                .delivery_by_message("MSG-1")
                .await
                .expect("by message"),
            Some((org.scope, out.delivery_id)),
            "[{name}]"
        );
        db.store
            .record_delivery(
                org.scope,
                &system,
                out.delivery_id,
                DeliveryEvent::AcknowledgedOk,
                DeliveryChange::default(),
            )
            .await
            .expect("acknowledged");
        let d = db
            .store
            .delivery(org.scope, out.delivery_id)
            .await
            .expect("delivery");
        assert_eq!(d.state, DeliveryState::Acknowledged, "[{name}]");
        assert!(
            d.sent_at.is_some() && d.acknowledged_at.is_some(),
            "[{name}]"
        );
        let history: Vec<_> = db
            .store
            .delivery_history(org.scope, out.delivery_id)
            .await
            .expect("history")
            .iter()
            .map(|h| h.state)
            .collect();
        assert_eq!(
            history,
            [
                DeliveryState::Queued,
                DeliveryState::Sent,
                DeliveryState::Acknowledged
            ],
            "[{name}]"
        );

        // Another provider sees none of it.
        let other = org_other(&db.store).await;
        assert!(
            db.store
                .participant_deliveries(other, p.id)
                .await
                .expect("scoped")
                .is_empty(),
            "[{name}]"
        );
        assert!(matches!(
            db.store.delivery(other, out.delivery_id).await,
            Err(StoreError::NotFound)
        ));

        // The day's count: one result, a letter and a GP message.
        let count = db
            .store
            .reconciliation(org.scope, today)
            .await
            .expect("count");
        assert_eq!(count.results, 1, "[{name}] {count:?}");
        assert_eq!(count.letters.get("queued"), Some(&1), "[{name}] {count:?}");
        assert_eq!(
            count.gp_messages.get("acknowledged"),
            Some(&1),
            "[{name}] {count:?}"
        );
        assert_eq!((count.without_letter, count.without_gp_message), (0, 0));
    })
    .await;
}

async fn org_other(store: &store::Store) -> store::Scope {
    org(store, "DLV9").await.scope
}

#[tokio::test]
async fn undoing_did_not_attend_cancels_what_was_not_sent_and_the_office_works_the_failsafe() {
    each_backend(|db| async move {
        let name = db.name;
        let org = org(&db.store, "DLV2").await;
        let c = clinic(&db.store, &org, crate::fixtures::TODAY).await;
        let p = participant(&db.store, &org).await;
        let appointment = book(&db.store, &org, c.id, p.id).await;
        apply_all(
            &db.store,
            &org,
            appointment,
            &[A::DidNotAttend, A::UndoDidNotAttend],
        )
        .await;
        let states: Vec<_> = db
            .store
            .participant_deliveries(org.scope, p.id)
            .await
            .expect("deliveries")
            .iter()
            .map(|d| d.state)
            .collect();
        assert_eq!(states, [DeliveryState::Cancelled; 2], "[{name}]");

        // A second participant: her practice is not on MESH.
        let q = participant(&db.store, &org).await;
        let second = book(&db.store, &org, c.id, q.id).await;
        apply_all(&db.store, &org, second, &[A::DidNotAttend]).await;
        let due = db.store.claim_due_gp_messages(10).await.expect("claim");
        assert_eq!(due.len(), 1, "[{name}] the clinic's day has passed");
        let system = store::Actor::system("results sender");
        db.store
            .record_delivery(
                org.scope,
                &system,
                due[0].delivery_id,
                DeliveryEvent::NotOnMesh,
                DeliveryChange {
                    detail: "Practice A12345 has no mailbox for the workflow".into(),
                    ..DeliveryChange::default()
                },
            )
            .await
            .expect("undeliverable");
        let list = db
            .store
            .failsafe_list(org.scope, 3)
            .await
            .expect("failsafe");
        assert_eq!(list.len(), 1, "[{name}] {list:?}");
        assert_eq!(list[0].reason, FailsafeReason::Undeliverable);

        // Resolving needs a note; with one, it leaves the list.
        let refused = db
            .store
            .resolve_delivery(org.scope, &org.actor, due[0].delivery_id, "  ")
            .await;
        assert!(matches!(refused, Err(StoreError::Invalid(_))), "[{name}]");
        let resolved = db
            .store
            .resolve_delivery(
                org.scope,
                &org.actor,
                due[0].delivery_id,
                "Posted to the practice",
            )
            .await
            .expect("resolved");
        assert_eq!(resolved.state, DeliveryState::Resolved);
        assert_eq!(resolved.reason, "Posted to the practice");
        assert!(
            db.store
                .failsafe_list(org.scope, 3)
                .await
                .expect("failsafe")
                .is_empty()
        );

        // A letter is re-issued with a reason; a GP message cannot be.
        let letter = db
            .store
            .participant_deliveries(org.scope, q.id)
            .await
            .expect("deliveries")
            .into_iter()
            .find(|d| d.channel == Channel::Letter)
            .expect("letter");
        assert!(matches!(
            db.store
                .reissue_letter(org.scope, &org.actor, due[0].delivery_id, "Lost")
                .await,
            Err(StoreError::Invalid(_))
        ));
        // Not before it is printed: it would go out twice.
        assert!(matches!(
            db.store
                .reissue_letter(org.scope, &org.actor, letter.id, "Returned: wrong address")
                .await,
            Err(StoreError::Conflict(_))
        ));
        db.store
            .record_delivery(
                org.scope,
                &system,
                letter.id,
                DeliveryEvent::Batched,
                DeliveryChange::default(),
            )
            .await
            .expect("printed");
        let again = db
            .store
            .reissue_letter(org.scope, &org.actor, letter.id, "Returned: wrong address")
            .await
            .expect("reissued");
        assert_eq!(again.reissue_of, Some(letter.id), "[{name}]");
        assert_eq!(again.state, DeliveryState::Queued);
        assert!(again.reason.contains("wrong address"));
        let audit = db
            .count("audit_log WHERE entity_type = 'result_delivery'")
            .await;
        assert_eq!(
            audit, 4,
            "[{name}] the sender's moves, the resolve and the re-issue are audited"
        );
    })
    .await;
}
