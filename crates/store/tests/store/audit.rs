use crate::fixtures::{actor_for, apply_all, booking, org, participant};
use crate::harness::{POSTGRES, each_backend};
use domain::{AppointmentAction, Role};
use serde_json::{Value, json};
use store::{AuditAction, AuditEntry, AuditFilter, NewUser, Store};
use time::macros::date;
use uuid::Uuid;

async fn all_entries(store: &Store, filter: AuditFilter) -> Vec<AuditEntry> {
    store
        .audit_entries(&AuditFilter {
            limit: 1000,
            ..filter
        })
        .await
        .expect("audit entries")
}

/// (entity type, entity id, participant, (user, actor name), snapshot field, value)
type Created<'a> = (
    &'a str,
    Uuid,
    Option<Uuid>,
    (Option<Uuid>, &'a str),
    &'a str,
    Value,
);

#[tokio::test]
async fn creating_records_writes_create_rows_with_snapshots() {
    each_backend(|db| async move {
        let (name, s) = (db.name, &db.store);
        let org = org(s, "AUDIT").await;
        let b = booking(s, &org).await;
        let secret = s
            .create_api_token(
                &org.actor,
                org.provider.id,
                None,
                "PACS bridge",
                &[Role::Reader],
            )
            .await
            .unwrap();
        let entries = all_entries(s, AuditFilter::default()).await;
        let system = (None, "test setup");
        let clinician = (Some(org.user.id), org.actor.name.as_str());
        let expected: Vec<Created> = vec![
            (
                "provider",
                org.provider.id.uuid(),
                None,
                system,
                "code",
                json!("AUDIT"),
            ),
            (
                "user",
                org.user.id,
                None,
                system,
                "email",
                json!(org.user.email),
            ),
            (
                "user_role",
                org.user.id,
                None,
                system,
                "role",
                json!("clinical"),
            ),
            (
                "location",
                org.location.id,
                None,
                clinician,
                "name",
                json!("AUDIT Breast Unit"),
            ),
            (
                "clinic",
                b.clinic.id.uuid(),
                None,
                clinician,
                "ends_at",
                json!("09:40"),
            ),
            (
                "participant",
                b.participant.id.uuid(),
                Some(b.participant.id.uuid()),
                clinician,
                "nhs_number",
                json!(b.participant.nhs_number),
            ),
            (
                "appointment",
                b.appointment_id.uuid(),
                Some(b.participant.id.uuid()),
                clinician,
                "status",
                json!("scheduled"),
            ),
        ];
        for (entity_type, entity_id, participant_id, (user_id, actor), field, value) in expected {
            let matching: Vec<_> = entries
                .iter()
                .filter(|e| e.entity_type == entity_type && e.entity_id == entity_id.to_string())
                .collect();
            assert_eq!(
                matching.len(),
                1,
                "[{name}] one audit row for the {entity_type}"
            );
            let e = matching[0];
            assert_eq!(e.action, AuditAction::Create, "[{name}] {entity_type}");
            assert_eq!(
                e.participant_id.map(|p| p.uuid()),
                participant_id,
                "[{name}] {entity_type} participant"
            );
            assert_eq!(e.user_id, user_id, "[{name}] {entity_type} user");
            assert_eq!(e.actor, actor, "[{name}] {entity_type} actor");
            assert_eq!(
                e.snapshot[field], value,
                "[{name}] {entity_type} snapshot {field}"
            );
        }
        let participant_row = entries
            .iter()
            .find(|e| e.entity_type == "participant")
            .unwrap();
        assert_eq!(
            participant_row.snapshot["postcode"], "LS1 4AP",
            "[{name}] cleaned values"
        );
        let token_row = entries
            .iter()
            .find(|e| e.entity_type == "api_token")
            .expect("api token audited");
        assert_eq!(token_row.snapshot["name"], "PACS bridge");
        assert!(
            entries
                .iter()
                .all(|e| !e.snapshot.to_string().contains(&secret)),
            "[{name}] the token's secret is never logged"
        );
        assert_eq!(
            entries.len() as i64,
            db.count("audit_log").await,
            "[{name}] every row listed"
        );
    })
    .await;
}

#[tokio::test]
async fn views_are_logged_and_entries_filter_by_user_participant_and_date() {
    each_backend(|db| async move {
        let (name, s) = (db.name, &db.store);
        let org = org(s, "VIEWS").await;
        let system = store::Actor::system("test setup");
        let reader = s
            .create_user(
                &system,
                NewUser {
                    email: "reader@views.example.nhs.uk",
                    name: "Rita Reader",
                    oidc_subject: None,
                    is_system_admin: false,
                },
            )
            .await
            .unwrap();
        s.grant_role(&system, reader.id, org.provider.id, Role::Reader)
            .await
            .unwrap();
        let reader_actor = actor_for(&reader, &org.provider);
        let p1 = participant(s, &org).await;
        let p2 = participant(s, &org).await;
        s.record_view(&reader_actor, "participant", p1.id, Some(p1.id))
            .await
            .unwrap();

        let views = all_entries(
            s,
            AuditFilter {
                user_id: Some(reader.id),
                ..AuditFilter::default()
            },
        )
        .await;
        assert_eq!(views.len(), 1, "[{name}] the reader did one thing");
        let view = &views[0];
        assert_eq!(view.action, AuditAction::View);
        assert_eq!(view.entity_type, "participant");
        assert_eq!(view.entity_id, p1.id.to_string());
        assert_eq!(view.participant_id, Some(p1.id));
        assert_eq!(view.provider_id, Some(org.provider.id));
        assert_eq!(view.actor, "Rita Reader");
        assert_eq!(view.snapshot, Value::Null);

        // (user, participant, rows expected)
        let cases = [
            (
                Some(org.user.id),
                None,
                db.count(&format!("audit_log WHERE user_id = '{}'", org.user.id))
                    .await,
            ),
            (Some(reader.id), None, 1),
            (None, Some(p1.id), 2),
            (None, Some(p2.id), 1),
            (Some(reader.id), Some(p1.id), 1),
            (Some(reader.id), Some(p2.id), 0),
            (Some(Uuid::now_v7()), None, 0),
            (None, None, db.count("audit_log").await),
        ];
        for (user_id, participant_id, expected) in cases {
            let got = all_entries(
                s,
                AuditFilter {
                    user_id,
                    participant_id,
                    ..AuditFilter::default()
                },
            )
            .await;
            let ctx = format!("[{name}] user {user_id:?} participant {participant_id:?}");
            assert_eq!(got.len() as i64, expected, "{ctx}");
            assert!(
                got.iter()
                    .all(|e| user_id.is_none() || e.user_id == user_id),
                "{ctx}"
            );
            assert!(
                got.iter()
                    .all(|e| participant_id.is_none() || e.participant_id == participant_id),
                "{ctx}"
            );
            assert!(
                got.windows(2).all(|w| w[0].occurred_at >= w[1].occurred_at),
                "{ctx}: newest first"
            );
        }
        let newest = s
            .audit_entries(&AuditFilter {
                limit: 1,
                ..AuditFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(newest.len(), 1);
        assert_eq!(newest[0].id, view.id, "[{name}] limit keeps the newest");

        // Rows on known days, written directly (inserting is what the log allows).
        for (id, at) in [
            (
                "00000000-0000-7000-8000-000000000001",
                "2020-01-14T23:59:59.999999Z",
            ),
            (
                "00000000-0000-7000-8000-000000000002",
                "2020-01-15T00:00:00.000000Z",
            ),
            (
                "00000000-0000-7000-8000-000000000003",
                "2020-01-15T23:59:59.999999Z",
            ),
            (
                "00000000-0000-7000-8000-000000000004",
                "2020-01-16T00:00:00.000000Z",
            ),
        ] {
            db.execute_raw(&format!(
                "INSERT INTO audit_log (id, occurred_at, provider_id, user_id, actor, action, \
                 entity_type, entity_id, participant_id, snapshot) VALUES ('{id}', '{at}', NULL, \
                 '{}', 'Rita Reader', 'view', 'participant', '{}', '{}', 'null')",
                reader.id, p2.id, p2.id
            ))
            .await
            .unwrap();
        }
        let day = |d: time::Date| Some(d);
        // (from, to, ids expected by their last digit, newest first)
        let ranges = [
            (
                day(date!(2020 - 01 - 15)),
                day(date!(2020 - 01 - 15)),
                vec![3, 2],
            ),
            (
                day(date!(2020 - 01 - 14)),
                day(date!(2020 - 01 - 15)),
                vec![3, 2, 1],
            ),
            (
                day(date!(2020 - 01 - 16)),
                day(date!(2020 - 01 - 16)),
                vec![4],
            ),
            (None, day(date!(2020 - 01 - 14)), vec![1]),
            (
                day(date!(2020 - 01 - 17)),
                day(date!(2020 - 12 - 31)),
                vec![],
            ),
            (None, day(date!(2019 - 12 - 31)), vec![]),
        ];
        for (from, to, expected) in ranges {
            let got: Vec<u32> = all_entries(
                s,
                AuditFilter {
                    user_id: Some(reader.id),
                    from,
                    to,
                    ..AuditFilter::default()
                },
            )
            .await
            .iter()
            .map(|e| e.id.as_u128() as u32)
            .collect();
            assert_eq!(got, expected, "[{name}] from {from:?} to {to:?}");
        }
        // Today's rows are found by today's date and not by an earlier range.
        let today = view.occurred_at.date();
        let found = all_entries(
            s,
            AuditFilter {
                user_id: Some(reader.id),
                from: Some(today),
                to: Some(today),
                ..AuditFilter::default()
            },
        )
        .await;
        assert_eq!(found.len(), 1, "[{name}] today's view");
        assert_eq!(found[0].id, view.id);
    })
    .await;
}

#[tokio::test]
async fn the_database_refuses_to_change_or_delete_logged_history() {
    each_backend(|db| async move {
        let (name, s) = (db.name, &db.store);
        let org = org(s, "APPEND").await;
        let b = booking(s, &org).await;
        apply_all(s, &org, b.appointment_id, &[AppointmentAction::CheckIn]).await;
        s.record_view(&org.actor, "participant", b.participant.id, Some(b.participant.id))
            .await
            .unwrap();
        let before = db.counts().await;
        let mut statements = vec![
            "UPDATE audit_log SET actor = 'someone else'",
            "UPDATE audit_log SET snapshot = 'null' WHERE action = 'create'",
            "DELETE FROM audit_log",
            "DELETE FROM audit_log WHERE action = 'view'",
            "UPDATE appointment_status_history SET changed_by_name = 'someone else'",
            "UPDATE appointment_status_history SET status = 'screened' WHERE status = 'checked_in'",
            "DELETE FROM appointment_status_history",
        ];
        if name == POSTGRES {
            statements.extend(["TRUNCATE audit_log", "TRUNCATE appointment_status_history"]);
        }
        for sql in statements {
            match db.execute_raw(sql).await {
                Err(e) => assert!(
                    e.to_string().contains("append-only"),
                    "[{name}] {sql}: refused, but with {e}"
                ),
                Ok(n) => panic!("[{name}] {sql}: allowed ({n} rows)"),
            }
        }
        assert_eq!(db.counts().await, before, "[{name}] row counts");
        assert_eq!(db.count("audit_log WHERE actor = 'someone else'").await, 0);
        assert_eq!(db.count("audit_log WHERE snapshot = 'null'").await, 1, "[{name}] the view");
        assert_eq!(
            db.count("appointment_status_history WHERE changed_by_name = 'someone else' OR status = 'screened'")
                .await,
            0
        );
        let history = s.status_history(org.scope, b.appointment_id).await.unwrap();
        assert_eq!(history.len(), 2, "[{name}] history intact");
    })
    .await;
}
