//! The gateway side of the store: tokens, worklist items and their cursor, idempotent
//! events, matching and quarantine, MPPS in any order, and reconciliation.

use crate::fixtures::{Org, apply_all, booking, org};
use crate::harness::each_backend;
use domain::gateway::{ConnectionState, RecordingMethod, WorklistStatus, WorklistTrigger};
use domain::{AppointmentAction as A, AppointmentStatus};
use serde_json::json;
use store::{
    Actor, Finish, GatewayEvent, GatewayPrincipal, NewRoom, Room, SectionUpdate, Settlement, Store,
    StoreError,
};
use uuid::Uuid;

async fn room(store: &Store, org: &Org, name: &str, ae: &str) -> Room {
    store
        .create_room(
            org.scope,
            &org.actor,
            NewRoom {
                location_id: org.location.id,
                name,
                machine: "Hologic 3Dimensions",
                ae_title: ae,
            },
        )
        .await
        .expect("room")
}

async fn gateway(store: &Store, org: &Org, room: &Room) -> GatewayPrincipal {
    let (_, token) = store
        .register_gateway(org.scope, &org.actor, "Breast unit gateway", &[room.id])
        .await
        .expect("register");
    store
        .gateway_by_token(&token)
        .await
        .expect("lookup")
        .expect("the token finds its gateway")
}

fn event(value: serde_json::Value) -> GatewayEvent {
    serde_json::from_value(value).expect("event")
}

fn image(sop: &str, study: &str, patient: &str, lat: &str, view: &str) -> GatewayEvent {
    event(json!({
        "id": Uuid::now_v7(), "occurred_at": "2026-11-25T10:00:00Z", "kind": "image",
        "sop_instance_uid": sop, "study_instance_uid": study, "patient_id": patient,
        "laterality": lat, "view_position": view, "presentation_intent": "FOR PRESENTATION",
        "organ_dose_mgy": 1.25, "entrance_dose_mgy": 4.5,
        "thumbnail": {"media_type": "image/png", "width": 2, "height": 3, "data_base64": "iVBORw0KGgo="}
    }))
}

#[tokio::test]
async fn worklist_items_follow_the_appointment_and_gateways_see_only_their_provider() {
    each_backend(|db| async move {
        let store = &db.store;
        let a = org(store, "GWA1").await;
        let b = org(store, "GWB1").await;
        let room_a = room(store, &a, "Room A", "MAMMO_A").await;
        let room_b = room(store, &b, "Room A", "MAMMO_B").await;
        let gw_a = gateway(store, &a, &room_a).await;
        let gw_b = gateway(store, &b, &room_b).await;
        assert!(store.gateway_by_token("not a token").await.expect("lookup").is_none());

        let booked = booking(store, &a).await;
        let id = booked.appointment_id;
        // Issued at "Take mammogram images" by default, not at check-in.
        apply_all(store, &a, id, &[A::CheckIn]).await;
        assert!(store.worklist_item(a.scope, id).await.expect("item").is_none());
        apply_all(store, &a, id, &[A::Start]).await;
        let item = store
            .issue_worklist_item(a.scope, id, &room_a)
            .await
            .expect("issue")
            .expect("a gateway serves the room");
        assert_eq!(item.status, WorklistStatus::Scheduled);
        assert_eq!(item.station_ae_title, "MAMMO_A");
        assert!(item.accession_number.len() <= 16);
        assert!(item.study_instance_uid.starts_with("2.25."));
        assert_eq!(item.patient_id, booked.participant.nhs_number);
        assert_eq!(item.modality, "MG");
        assert_eq!(item.revision, 1);
        // Issuing again changes nothing.
        let again = store.issue_worklist_item(a.scope, id, &room_a).await.expect("issue").expect("item");
        assert_eq!(again.revision, 1);

        let capture = store
            .image_capture(a.scope, id, Some(&room_a))
            .await
            .expect("capture");
        assert!(!capture.on_worklist, "not collected yet");
        let (cursor, items) = store.worklist_changes(&gw_a, None).await.expect("changes");
        assert_eq!(items.len(), 1);
        let (same, none) = store
            .worklist_changes(&gw_a, Some(cursor))
            .await
            .expect("changes");
        assert_eq!((same, none.len()), (cursor, 0));
        // Asking from the cursor says the gateway has the item: "On worklist".
        let capture = store
            .image_capture(a.scope, id, Some(&room_a))
            .await
            .expect("capture");
        assert!(capture.on_worklist);
        // A cursor from the future starts again from every live item.
        let (_, again) = store
            .worklist_changes(&gw_a, Some(cursor + 100))
            .await
            .expect("changes");
        assert_eq!(again.len(), 1);
        // The other provider's gateway sees nothing.
        let (_, theirs) = store.worklist_changes(&gw_b, None).await.expect("changes");
        assert!(theirs.is_empty());

        // Images: matched by StudyInstanceUID and NHS number.
        let nhs = booked.participant.nhs_number.clone();
        let first = image("1.2.3.1", &item.study_instance_uid, &nhs, "R", "CC");
        let r = store.record_gateway_event(&gw_a, &first).await.expect("image");
        assert!(r.stored);
        assert_eq!(r.appointment_id, Some(id.uuid()));
        // The same event again, and the same image in a new event: stored once.
        assert!(!store.record_gateway_event(&gw_a, &first).await.expect("again").stored);
        let copy = image("1.2.3.1", &item.study_instance_uid, &nhs, "R", "CC");
        assert!(!store.record_gateway_event(&gw_a, &copy).await.expect("copy").stored);
        // Wrong PatientID: quarantined, never attached.
        let wrong = image("1.2.3.2", &item.study_instance_uid, "9999999999", "L", "CC");
        let r = store.record_gateway_event(&gw_a, &wrong).await.expect("wrong");
        assert!(r.stored);
        assert_eq!(r.appointment_id, None);
        assert_eq!(r.quarantine_reason.as_deref(), Some("patient_id_mismatch"));
        // The other provider's gateway cannot attach to this appointment.
        let foreign = image("1.2.3.3", &item.study_instance_uid, &nhs, "L", "MLO");
        let r = store.record_gateway_event(&gw_b, &foreign).await.expect("foreign");
        assert_eq!(r.quarantine_reason.as_deref(), Some("unknown_study"));
        let images = store.appointment_images(a.scope, id).await.expect("images");
        assert_eq!(images.len(), 1);
        assert_eq!(images[0].view, "RCC");
        assert_eq!(images[0].organ_dose_mgy, Some(1.25));
        let (media, bytes) = store.image_thumbnail(a.scope, images[0].id).await.expect("thumbnail");
        assert_eq!((media.as_str(), bytes.len()), ("image/png", 8));
        assert!(matches!(store.image_thumbnail(b.scope, images[0].id).await, Err(StoreError::NotFound)));
        assert_eq!(store.quarantined_images(a.scope).await.expect("q").len(), 1);
        assert_eq!(store.quarantined_images(b.scope).await.expect("q").len(), 1);
        assert!(store.appointment_images(b.scope, id).await.expect("none").is_empty());

        // MPPS: COMPLETED before IN PROGRESS; the final status stays.
        let mpps = |status: &str| event(json!({
            "id": Uuid::now_v7(), "occurred_at": "2026-11-25T10:05:00Z", "kind": "mpps",
            "mpps_instance_uid": "1.2.3.99", "status": status, "accession_number": item.accession_number,
            "patient_id": nhs, "performed_series": [{"series_instance_uid": "1.2.3.50", "sop_instance_uids": ["1.2.3.1"]}]
        }));
        assert!(store.record_gateway_event(&gw_a, &mpps("COMPLETED")).await.expect("mpps").stored);
        assert!(store.record_gateway_event(&gw_a, &mpps("IN PROGRESS")).await.expect("mpps").stored);
        let capture = store.image_capture(a.scope, id, Some(&room_a)).await.expect("capture");
        assert_eq!(capture.mpps_status, Some(domain::gateway::MppsStatus::Completed));
        assert!(capture.automatic());
        let item = store.worklist_item(a.scope, id).await.expect("item").expect("item");
        assert_eq!((item.status, item.revision), (WorklistStatus::Completed, 2));
        let (_, changed) = store.worklist_changes(&gw_a, Some(cursor)).await.expect("changes");
        assert_eq!(changed.len(), 1);

        // Echo: the gateway is connected.
        store.gateway_contact(&gw_a, 3).await.expect("contact");
        let echo = event(json!({"id": Uuid::now_v7(), "occurred_at": time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).expect("now"), "kind": "echo", "ok": true, "round_trip_ms": 4}));
        store.record_gateway_event(&gw_a, &echo).await.expect("echo");
        let gws = store.gateways(a.scope).await.expect("gateways");
        assert_eq!(gws.len(), 1);
        assert_eq!((gws[0].state, gws[0].queue_depth), (ConnectionState::Connected, 3));
        assert_eq!(store.gateways(b.scope).await.expect("b")[0].state, ConnectionState::Disconnected);

        // Invalid events change nothing.
        let bad = image("not a uid", &item.study_instance_uid, &nhs, "R", "CC");
        assert!(matches!(store.record_gateway_event(&gw_a, &bad).await, Err(StoreError::Invalid(_))));
        assert_eq!(store.appointment_images(a.scope, id).await.expect("images").len(), 1);
    })
    .await;
}

#[tokio::test]
async fn check_in_trigger_cancellation_and_reconciliation() {
    each_backend(|db| async move {
        let store = &db.store;
        let a = org(store, "GWC1").await;
        let room_a = room(store, &a, "Room A", "MAMMO_C").await;
        let gw = gateway(store, &a, &room_a).await;
        store
            .set_worklist_trigger(a.scope, &a.actor, WorklistTrigger::CheckedIn)
            .await
            .expect("trigger");

        // Issued at check-in, cancelled with the appointment.
        let cancelled = booking(store, &a).await.appointment_id;
        apply_all(store, &a, cancelled, &[A::CheckIn]).await;
        let item = store
            .worklist_item(a.scope, cancelled)
            .await
            .expect("item")
            .expect("issued at check-in");
        assert_eq!(item.station_ae_title, "MAMMO_C");
        apply_all(store, &a, cancelled, &[A::AttendedNotScreened]).await;
        let item = store
            .worklist_item(a.scope, cancelled)
            .await
            .expect("item")
            .expect("item");
        assert_eq!(item.status, WorklistStatus::Discontinued);

        // Recorded by hand as the standard set, screened; then the machine's images arrive.
        let booked = booking(store, &a).await;
        let id = booked.appointment_id;
        apply_all(store, &a, id, &[A::CheckIn, A::Start]).await;
        let item = store
            .worklist_item(a.scope, id)
            .await
            .expect("item")
            .expect("item");
        let version = store.appointment(a.scope, id).await.expect("a").version;
        let document =
            domain::workflow::SectionDocument::Images(domain::workflow::ImagesDocument {
                record: domain::imaging::ImagesRecord::standard_set(),
                valid: true,
                room_id: None,
                method: RecordingMethod::Manual,
            });
        let version = store
            .save_section(
                a.scope,
                &a.actor,
                id,
                SectionUpdate {
                    document: &document,
                    images_taken: Some(4),
                },
                version,
            )
            .await
            .expect("save");
        let nhs = booked.participant.nhs_number.clone();
        for (sop, lat, view) in [
            ("1.9.1", "R", "CC"),
            ("1.9.2", "R", "MLO"),
            ("1.9.3", "L", "CC"),
        ] {
            store
                .record_gateway_event(&gw, &image(sop, &item.study_instance_uid, &nhs, lat, view))
                .await
                .expect("image");
        }
        store
            .finish_appointment(
                a.scope,
                &a.actor,
                id,
                version,
                Finish {
                    action: A::Screen,
                    episode_outcome: None,
                    episode_stage: None,
                    follow_up: None,
                    record: None,
                    tally: None,
                },
            )
            .await
            .expect("finish");
        assert_eq!(
            store.appointment(a.scope, id).await.expect("a").status,
            AppointmentStatus::Screened
        );
        let open = store
            .image_discrepancies(a.scope, true)
            .await
            .expect("open");
        let kinds: Vec<&str> = open.iter().map(|d| d.kind.as_str()).collect();
        assert_eq!(kinds, ["images_for_manual_record", "counts_differ"]);
        assert_eq!(open[1].detail, "LMLO: 1 recorded, 0 received");
        // An image after the end: raised, and the counts discrepancy takes the new details.
        store
            .record_gateway_event(
                &gw,
                &image("1.9.4", &item.study_instance_uid, &nhs, "L", "MLO"),
            )
            .await
            .expect("late");
        let open = store
            .image_discrepancies(a.scope, true)
            .await
            .expect("open");
        let kinds: Vec<&str> = open.iter().map(|d| d.kind.as_str()).collect();
        assert_eq!(
            kinds,
            [
                "images_for_manual_record",
                "counts_differ",
                "images_after_end"
            ]
        );
        // The counts now agree, but what was found stays for the office to resolve.
        assert_eq!(open[1].detail, "LMLO: 1 recorded, 0 received");
        assert_eq!(
            open[0].detail,
            "4 images received from the machine while the images were recorded by hand"
        );

        // Resolving says who and how; twice is refused; an empty answer is invalid.
        let first = open[0].id;
        assert!(matches!(
            store
                .resolve_discrepancy(a.scope, &a.actor, first, "  ")
                .await,
            Err(StoreError::Invalid(_))
        ));
        store
            .resolve_discrepancy(a.scope, &a.actor, first, "Checked PACS: 4 images, all hers")
            .await
            .expect("resolve");
        assert!(matches!(
            store
                .resolve_discrepancy(a.scope, &a.actor, first, "again")
                .await,
            Err(StoreError::Refused(_))
        ));
        let other = org(store, "GWD1").await;
        assert!(matches!(
            store
                .resolve_discrepancy(other.scope, &other.actor, open[1].id, "not mine")
                .await,
            Err(StoreError::NotFound)
        ));
        assert!(
            store
                .image_discrepancies(other.scope, false)
                .await
                .expect("none")
                .is_empty()
        );
        let all = store
            .image_discrepancies(a.scope, false)
            .await
            .expect("all");
        let done = all.iter().find(|d| d.id == first).expect("resolved one");
        assert_eq!(
            done.resolved_by_name.as_deref(),
            Some(a.actor.name.as_str())
        );
        assert_eq!(
            done.resolution.as_deref(),
            Some("Checked PACS: 4 images, all hers")
        );
        assert!(done.resolved_at.is_some());
    })
    .await;
}

#[tokio::test]
async fn quarantined_images_are_attached_or_kept_out_only_deliberately() {
    each_backend(|db| async move {
        let store = &db.store;
        let a = org(store, "GWE1").await;
        let room_a = room(store, &a, "Room A", "MAMMO_E").await;
        let gw = gateway(store, &a, &room_a).await;
        let booked = booking(store, &a).await;
        let id = booked.appointment_id;
        apply_all(store, &a, id, &[A::CheckIn, A::Start]).await;
        let item = store
            .issue_worklist_item(a.scope, id, &room_a)
            .await
            .expect("issue")
            .expect("item");
        let wrong = image("1.8.1", &item.study_instance_uid, "9999999999", "R", "CC");
        let unknown = image("1.8.2", "1.8.999", "9999999999", "R", "CC");
        for e in [&wrong, &unknown] {
            store.record_gateway_event(&gw, e).await.expect("event");
        }
        let q = store.quarantined_images(a.scope).await.expect("q");
        assert_eq!(q.len(), 2);
        let named = store
            .quarantine_candidate(a.scope, q[0].id)
            .await
            .expect("candidate")
            .expect("named");
        assert_eq!(named.appointment_id, id);
        assert!(
            store
                .quarantine_candidate(a.scope, q[1].id)
                .await
                .expect("none")
                .is_none()
        );
        let other = org(store, "GWF1").await;
        assert!(matches!(
            store
                .settle_quarantined_image(other.scope, &other.actor, q[0].id, true, "mine")
                .await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            store
                .settle_quarantined_image(a.scope, &a.actor, q[1].id, true, "guess")
                .await,
            Err(StoreError::Refused(_))
        ));
        assert!(matches!(
            store
                .settle_quarantined_image(a.scope, &a.actor, q[0].id, true, " ")
                .await,
            Err(StoreError::Invalid(_))
        ));
        // Its PatientID is not her NHS number: one person asks, a different one confirms.
        let asked = store
            .settle_quarantined_image(
                a.scope,
                &a.actor,
                q[0].id,
                true,
                "ID mistyped on the machine",
            )
            .await
            .expect("ask");
        assert_eq!(asked, Settlement::AwaitingConfirmation);
        assert!(
            store
                .appointment_images(a.scope, id)
                .await
                .expect("images")
                .is_empty()
        );
        assert!(matches!(
            store
                .confirm_quarantine_attachment(a.scope, &a.actor, q[0].id, "me again")
                .await,
            Err(StoreError::Refused(m)) if m == domain::gateway::SAME_PERSON_CONFIRMS
        ));
        let second = Actor {
            user_id: Some(Uuid::now_v7()),
            name: "Second Person".to_owned(),
            provider_id: Some(a.scope.provider_id),
        };
        let attached = store
            .confirm_quarantine_attachment(a.scope, &second, q[0].id, "Checked on PACS")
            .await
            .expect("confirm");
        assert_eq!(attached, id);
        assert_eq!(
            store
                .settle_quarantined_image(
                    a.scope,
                    &a.actor,
                    q[1].id,
                    false,
                    "Engineer's test image"
                )
                .await
                .expect("dismiss"),
            Settlement::Dismissed
        );
        assert!(matches!(
            store
                .settle_quarantined_image(a.scope, &a.actor, q[1].id, false, "again")
                .await,
            Err(StoreError::Refused(_))
        ));
        assert!(
            store
                .quarantined_images(a.scope)
                .await
                .expect("q")
                .is_empty()
        );
        assert_eq!(
            store
                .appointment_images(a.scope, id)
                .await
                .expect("images")
                .len(),
            1
        );
        // Detached as a different participant's: back in quarantine, off the appointment.
        let attached_image = store.appointment_images(a.scope, id).await.expect("images")[0].id;
        assert!(matches!(
            store
                .detach_image(other.scope, &other.actor, attached_image, "not mine")
                .await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            store
                .detach_image(a.scope, &a.actor, attached_image, " ")
                .await,
            Err(StoreError::Invalid(_))
        ));
        assert_eq!(
            store
                .detach_image(
                    a.scope,
                    &a.actor,
                    attached_image,
                    "Wrong woman on the worklist"
                )
                .await
                .expect("detach"),
            id
        );
        assert!(
            store
                .appointment_images(a.scope, id)
                .await
                .expect("images")
                .is_empty()
        );
        let q = store.quarantined_images(a.scope).await.expect("q");
        assert_eq!(q.len(), 1);
        assert_eq!(
            q[0].quarantine_reason,
            Some(domain::gateway::QuarantineReason::DifferentParticipant)
        );
        assert_eq!(q[0].detached.as_ref().map(|d| d.appointment_id), Some(id));
        assert!(matches!(
            store
                .detach_image(a.scope, &a.actor, attached_image, "again")
                .await,
            Err(StoreError::Refused(_))
        ));
    })
    .await;
}
