use crate::fixtures::{TODAY, org, participant_form};
use crate::harness::each_backend;
use domain::{SupportReason, participant::normalise_postcode};
use store::{NewParticipant, StoreError, SupportNeed};
use time::macros::date;

type Edit = fn(&mut NewParticipant);

/// Forms that must be refused, with every field the refusal must name.
const INVALID: &[(&str, Edit, &[&str])] = &[
    (
        "bad check digit",
        |p| p.nhs_number = "9434765918".into(),
        &["nhs_number"],
    ),
    (
        "check value of ten",
        |p| p.nhs_number = "999 123 4560".into(),
        &["nhs_number"],
    ),
    (
        "nine digits",
        |p| p.nhs_number = "943476591".into(),
        &["nhs_number"],
    ),
    (
        "bad postcode",
        |p| p.postcode = "12345".into(),
        &["postcode"],
    ),
    (
        "postcode missing its inward part",
        |p| p.postcode = "SW1A".into(),
        &["postcode"],
    ),
    (
        "GP code of two letters",
        |p| p.gp_practice_code = "AB1001".into(),
        &["gp_practice_code"],
    ),
    (
        "GP code too short",
        |p| p.gp_practice_code = "A8100".into(),
        &["gp_practice_code"],
    ),
    (
        "born tomorrow",
        |p| p.date_of_birth = date!(2026 - 11 - 26),
        &["date_of_birth"],
    ),
    (
        "no last name",
        |p| p.last_name = "  ".into(),
        &["last_name"],
    ),
    (
        "other support reason without details",
        |p| {
            p.support_reasons = vec![SupportNeed {
                reason: SupportReason::Other,
                details: String::new(),
            }]
        },
        &["support_reasons"],
    ),
    (
        "everything at once",
        |p| {
            p.nhs_number = "9434765918".into();
            p.postcode = "12345".into();
            p.gp_practice_code = "A8100".into();
            p.email = "not an email".into();
        },
        &["email", "gp_practice_code", "nhs_number", "postcode"],
    ),
];

#[tokio::test]
async fn invalid_participants_are_refused_naming_each_field_and_nothing_is_stored() {
    each_backend(|db| async move {
        let (name, s) = (db.name, &db.store);
        let org = org(s, "VALID").await;
        let before = db.counts().await;
        for &(case, edit, fields) in INVALID {
            let mut form = participant_form("9434765919");
            edit(&mut form);
            match s
                .create_participant(org.scope, &org.actor, form, TODAY)
                .await
            {
                Err(StoreError::Invalid(errors)) => {
                    let mut named: Vec<_> = errors.iter().map(|e| e.field.as_ref()).collect();
                    named.sort_unstable();
                    named.dedup();
                    assert_eq!(named, fields, "[{name}] {case}");
                    assert!(
                        errors.iter().all(|e| !e.message.is_empty()),
                        "[{name}] {case}: every error says what to do"
                    );
                }
                other => panic!("[{name}] {case}: expected Invalid, got {other:?}"),
            }
        }
        assert_eq!(db.counts().await, before, "[{name}] nothing stored");
    })
    .await;
}

#[tokio::test]
async fn an_nhs_number_is_unique_within_a_provider_only() {
    each_backend(|db| async move {
        let (name, s) = (db.name, &db.store);
        let a = org(s, "DUPA").await;
        let b = org(s, "DUPB").await;
        let first = s
            .create_participant(a.scope, &a.actor, participant_form("943 476 5919"), TODAY)
            .await
            .unwrap();
        // Stored cleaned: digits only, postcode and GP code normalised.
        assert_eq!(first.nhs_number, "9434765919");
        assert_eq!(Some(first.postcode.clone()), normalise_postcode("LS1 4AP"));
        assert_eq!(first.gp_practice_code, "A81001");
        let stored = s.participant(a.scope, first.id).await.unwrap();
        assert_eq!(stored.nhs_number, "9434765919", "[{name}]");
        assert_eq!(stored.postcode, "LS1 4AP", "[{name}]");

        let before = db.counts().await;
        for typed in ["9434765919", "943-476-5919", " 943 476 5919 "] {
            match s
                .create_participant(a.scope, &a.actor, participant_form(typed), TODAY)
                .await
            {
                Err(StoreError::Invalid(errors)) => {
                    assert_eq!(errors.len(), 1, "[{name}] {typed:?}: {errors:?}");
                    assert_eq!(errors[0].field, "nhs_number");
                    assert!(errors[0].message.contains("already registered"), "[{name}]");
                }
                other => panic!("[{name}] duplicate {typed:?}: expected Invalid, got {other:?}"),
            }
        }
        assert_eq!(db.counts().await, before, "[{name}] no duplicate stored");

        // The same person may be registered with another provider.
        let elsewhere = s
            .create_participant(b.scope, &b.actor, participant_form("9434765919"), TODAY)
            .await
            .unwrap_or_else(|e| panic!("[{name}] same NHS number, other provider: {e}"));
        assert_ne!(elsewhere.id, first.id);
        assert_eq!(
            s.search_participants(b.scope, "9434765919", 10)
                .await
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            s.search_participants(a.scope, "943 476 5919", 10)
                .await
                .unwrap()[0]
                .id,
            first.id,
            "[{name}] found by the number as typed"
        );
    })
    .await;
}
