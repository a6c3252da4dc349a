//! Domain events and the transactional outbox (ADR 18): what a change records, how
//! after-commit deliveries are claimed, delivered once, retried with backoff, given up on,
//! and retried by hand.

use crate::fixtures::{Booking, apply_all, booking, org};
use crate::harness::{Db, each_backend};
use domain::AppointmentAction as A;
use std::time::Duration;
use store::{DeliveryOutcome, Finish, NewFollowUp, RetryPolicy, StoreError};
use uuid::Uuid;

/// The kinds of the events recorded for a provider, sorted.
async fn kinds_for(db: &Db, provider_id: Uuid) -> Vec<String> {
    let mut kinds = db
        .strings(&format!(
            "SELECT kind FROM outbox_events WHERE provider_id = '{provider_id}'"
        ))
        .await;
    kinds.sort();
    kinds
}

/// Cancels the booking asking for a reschedule (an open reschedule request), as the
/// cancel page does. Returns the request's id.
async fn cancel_with_reschedule(
    db: &Db,
    org: &crate::fixtures::Org,
    b: &Booking,
) -> domain::ids::FollowUpId {
    let store = &db.store;
    let version = store
        .appointment(org.scope, b.appointment_id)
        .await
        .expect("appointment")
        .version;
    store
        .finish_appointment(
            org.scope,
            &org.actor,
            b.appointment_id,
            version,
            Finish {
                action: A::Cancel,
                episode_outcome: None,
                episode_stage: None,
                follow_up: Some(NewFollowUp {
                    kind: "reschedule",
                    timescale: "Within 6 weeks".to_owned(),
                    note: "Unable to attend".to_owned(),
                    views: Vec::new(),
                }),
                record: None,
                tally: None,
            },
        )
        .await
        .expect("cancel");
    let open = store
        .follow_ups(org.scope, "reschedule")
        .await
        .expect("open");
    open.iter()
        .find(|f| f.appointment_id == b.appointment_id)
        .expect("the reschedule request")
        .id
}

#[tokio::test]
async fn a_change_records_its_events_and_delivers_after_commit_reactions_before_returning() {
    each_backend(|db| async move {
        let name = db.name;
        let org = org(&db.store, "EVT1").await;
        let b = booking(&db.store, &org).await;
        apply_all(&db.store, &org, b.appointment_id, &[A::DidNotAttend]).await;
        assert_eq!(
            kinds_for(&db, org.provider.id.uuid()).await,
            [
                "appointment.ended",
                "appointment.status_changed",
                "episode.outcome_set"
            ],
            "[{name}]"
        );
        // The gateway's reconciliation reacts after the commit, and has already run.
        assert_eq!(
            db.count("outbox_deliveries WHERE subscriber = 'gateway.reconcile' AND delivered_at IS NOT NULL AND attempts = 1")
                .await,
            1,
            "[{name}]"
        );
        assert_eq!(
            db.count("outbox_deliveries WHERE delivered_at IS NULL").await,
            0,
            "[{name}]"
        );
        assert!(
            db.store.claim_due_deliveries(10).await.expect("claim").is_empty(),
            "[{name}] nothing left for the dispatcher"
        );
    })
    .await;
}

#[tokio::test]
async fn a_held_delivery_waits_for_the_dispatcher_and_takes_effect_once() {
    each_backend(|db| async move {
        let name = db.name;
        let store = &db.store;
        let org = org(store, "EVT2").await;
        let b = booking(store, &org).await;
        let request = cancel_with_reschedule(&db, &org, &b).await;

        // As if the service stopped between the commit and the delivery.
        store.hold_outbox_for_tests(true);
        apply_all(store, &org, b.appointment_id, &[A::UndoCancel]).await;
        let detail = store.follow_up(org.scope, request).await.expect("request");
        assert_eq!(detail.request.status, "open", "[{name}] not yet delivered");
        store.hold_outbox_for_tests(false);

        let claimed = store.claim_due_deliveries(10).await.expect("claim");
        assert_eq!(claimed.len(), 1, "[{name}] {claimed:?}");
        assert_eq!(claimed[0].subscriber, "follow_ups.cancel_on_undo");
        // A second dispatcher does not get it while the first holds it.
        assert!(
            store
                .claim_due_deliveries(10)
                .await
                .expect("claim")
                .is_empty()
        );
        let policy = RetryPolicy::default();
        let c = &claimed[0];
        assert_eq!(
            store
                .deliver(c.event_id, &c.subscriber, &policy)
                .await
                .expect("deliver"),
            DeliveryOutcome::Delivered,
            "[{name}]"
        );
        // Delivered again (a lost lease, a second instance): nothing more happens.
        assert_eq!(
            store
                .deliver(c.event_id, &c.subscriber, &policy)
                .await
                .expect("again"),
            DeliveryOutcome::AlreadyDone,
            "[{name}]"
        );
        let detail = store.follow_up(org.scope, request).await.expect("request");
        assert_eq!(detail.request.status, "cancelled", "[{name}]");
        let cancellations: Vec<_> = detail
            .history
            .iter()
            .filter(|h| h.status == domain::follow_up::FollowUpState::Cancelled)
            .collect();
        assert_eq!(cancellations.len(), 1, "[{name}] {:?}", detail.history);
        // In the name of whoever undid the cancellation, as before.
        assert_eq!(cancellations[0].changed_by_name, org.actor.name, "[{name}]");
    })
    .await;
}

#[tokio::test]
async fn the_subscriber_is_idempotent_when_its_effect_is_already_there() {
    each_backend(|db| async move {
        let name = db.name;
        let store = &db.store;
        let org = org(store, "EVT3").await;
        let b = booking(store, &org).await;
        let request = cancel_with_reschedule(&db, &org, &b).await;
        store.hold_outbox_for_tests(true);
        apply_all(store, &org, b.appointment_id, &[A::UndoCancel]).await;
        store.hold_outbox_for_tests(false);
        // Someone cancelled the request by hand before the delivery ran.
        store
            .set_follow_up_status(
                org.scope,
                &org.actor,
                request,
                domain::follow_up::FollowUpState::Cancelled,
                "Not needed",
            )
            .await
            .expect("cancel by hand");
        let claimed = store.claim_due_deliveries(10).await.expect("claim");
        assert_eq!(claimed.len(), 1, "[{name}]");
        assert_eq!(
            store
                .deliver(
                    claimed[0].event_id,
                    &claimed[0].subscriber,
                    &RetryPolicy::default()
                )
                .await
                .expect("deliver"),
            DeliveryOutcome::Delivered
        );
        let detail = store.follow_up(org.scope, request).await.expect("request");
        assert_eq!(
            detail.history.len(),
            2,
            "[{name}] open, then cancelled once"
        );
    })
    .await;
}

#[tokio::test]
async fn a_failing_delivery_backs_off_then_dies_and_can_be_retried_by_hand() {
    each_backend(|db| async move {
        let name = db.name;
        let store = &db.store;
        let org = org(store, "EVT4").await;
        let b = booking(store, &org).await;
        apply_all(store, &org, b.appointment_id, &[A::DidNotAttend]).await;
        // A delivery to a subscriber this service does not have: it fails every time.
        let event_id = db
            .strings("SELECT id FROM outbox_events WHERE kind = 'appointment.ended'")
            .await
            .remove(0);
        db.execute_raw(&format!(
            "INSERT INTO outbox_deliveries (event_id, subscriber, provider_id, attempts, next_attempt_at, dead) \
             VALUES ('{event_id}', 'test.nobody', '{}', 0, '2000-01-01T00:00:00.000000Z', 0)",
            org.provider.id
        ))
        .await
        .expect("delivery");
        let event_id = Uuid::parse_str(&event_id).expect("uuid");

        let policy = RetryPolicy {
            max_attempts: 3,
            first_delay: Duration::from_secs(60),
            max_delay: Duration::from_secs(600),
        };
        let claimed = store.claim_due_deliveries(10).await.expect("claim");
        assert_eq!(claimed.len(), 1, "[{name}] {claimed:?}");
        let first = store.deliver(event_id, "test.nobody", &policy).await.expect("1st");
        assert!(
            matches!(&first, DeliveryOutcome::Failed { error } if error.contains("no event subscriber")),
            "[{name}] {first:?}"
        );
        // Backed off: not due again for a minute, so no dispatcher takes it.
        assert!(store.claim_due_deliveries(10).await.expect("claim").is_empty(), "[{name}]");
        assert_eq!(
            db.count("outbox_deliveries WHERE subscriber = 'test.nobody' AND attempts = 1 AND next_attempt_at > '2026-01-01' AND claimed_until IS NULL").await,
            1,
            "[{name}]"
        );
        assert!(matches!(
            store.deliver(event_id, "test.nobody", &policy).await.expect("2nd"),
            DeliveryOutcome::Failed { .. }
        ));
        assert!(matches!(
            store.deliver(event_id, "test.nobody", &policy).await.expect("3rd"),
            DeliveryOutcome::Dead { .. }
        ));
        assert_eq!(
            store.deliver(event_id, "test.nobody", &policy).await.expect("4th"),
            DeliveryOutcome::AlreadyDone,
            "[{name}] a dead delivery is not tried"
        );
        let dead = store.dead_deliveries(10).await.expect("dead");
        assert_eq!(dead.len(), 1, "[{name}]");
        assert_eq!(dead[0].kind, "appointment.ended");
        assert_eq!(dead[0].subscriber, "test.nobody");
        assert_eq!(dead[0].attempts, 3);
        assert_eq!(dead[0].provider_id, org.provider.id);
        assert!(dead[0].last_error.as_deref().unwrap_or_default().contains("test.nobody"));

        store
            .retry_dead_delivery(&org.actor, event_id, "test.nobody")
            .await
            .expect("retry");
        assert!(store.dead_deliveries(10).await.expect("dead").is_empty(), "[{name}]");
        assert_eq!(
            db.count("audit_log WHERE entity_type = 'outbox_delivery'").await,
            1,
            "[{name}] the retry is audited"
        );
        let claimed = store.claim_due_deliveries(10).await.expect("claim");
        assert_eq!(claimed.len(), 1, "[{name}] due at once");
        assert_eq!(claimed[0].attempts, 0);
        // Only a dead delivery can be retried.
        assert!(matches!(
            store.retry_dead_delivery(&org.actor, event_id, "test.nobody").await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            store.retry_dead_delivery(&org.actor, event_id, "gateway.reconcile").await,
            Err(StoreError::NotFound)
        ));
    })
    .await;
}

#[tokio::test]
async fn claims_hand_each_due_delivery_to_one_dispatcher() {
    each_backend(|db| async move {
        let name = db.name;
        let store = &db.store;
        let org = org(store, "EVT5").await;
        store.hold_outbox_for_tests(true);
        for _ in 0..3 {
            let b = booking(store, &org).await;
            apply_all(store, &org, b.appointment_id, &[A::DidNotAttend]).await;
        }
        store.hold_outbox_for_tests(false);
        let (first, second) =
            tokio::join!(store.claim_due_deliveries(2), store.claim_due_deliveries(2));
        let mut all: Vec<_> = first
            .expect("first")
            .into_iter()
            .chain(second.expect("second"))
            .map(|c| c.event_id)
            .collect();
        assert_eq!(all.len(), 3, "[{name}] every due delivery claimed: {all:?}");
        all.sort();
        all.dedup();
        assert_eq!(all.len(), 3, "[{name}] none claimed twice");
        assert!(
            store
                .claim_due_deliveries(10)
                .await
                .expect("claim")
                .is_empty()
        );
    })
    .await;
}

#[test]
fn backoff_doubles_from_the_first_delay_up_to_the_cap() {
    let policy = RetryPolicy {
        max_attempts: 8,
        first_delay: Duration::from_secs(1),
        max_delay: Duration::from_secs(60),
    };
    let table: &[(i64, u64)] = &[
        (0, 1),
        (1, 1),
        (2, 2),
        (3, 4),
        (4, 8),
        (6, 32),
        (7, 60),
        (40, 60),
    ];
    for &(failures, seconds) in table {
        assert_eq!(
            policy.delay(failures),
            Duration::from_secs(seconds),
            "{failures}"
        );
    }
}
