//! Image reading: sessions, reads, blinding, holds, arbitration and the episode's result.

use crate::fixtures::{Org, TODAY, actor_for, apply_all, booking, org};
use crate::harness::each_backend;
use domain::ids::{AppointmentId, CaseId};
use domain::imaging::View;
use domain::reading::{
    AbnormalityType, Annotation, ArbitrationDecision, BreastAssessment, CaseHolder, LevelOfConcern,
    Location, Opinion, PriorsStatus, ReadSlot, ReadingContext, ReadingState, RecalledView,
    SessionKind, TechnicalRecallReason,
};
use domain::{AppointmentAction as A, EpisodeOutcome, EpisodeStage, Role};
use store::{Actor, NewArbitration, NewUser, ReadingSettings, Store, StoreError};
use time::Duration;
use uuid::Uuid;

async fn reader(store: &Store, org: &Org, name: &str) -> Actor {
    let system = Actor::system("test setup");
    let user = store
        .create_user(
            &system,
            NewUser {
                email: &format!(
                    "{}@{}.example.nhs.uk",
                    name.to_lowercase().replace(' ', "."),
                    org.provider.code.to_lowercase()
                ),
                name,
                oidc_subject: None,
                is_system_admin: false,
            },
        )
        .await
        .expect("create reader");
    store
        .grant_role(&system, user.id, org.provider.id, Role::Reader)
        .await
        .expect("grant reader");
    actor_for(&user, &org.provider)
}

/// A screened appointment: its reading case id and appointment id.
async fn screened(store: &Store, org: &Org) -> (CaseId, AppointmentId) {
    let b = booking(store, org).await;
    apply_all(
        store,
        org,
        b.appointment_id,
        &[A::CheckIn, A::Start, A::Screen],
    )
    .await;
    let case = store
        .reading_case_for_appointment(org.scope, b.appointment_id)
        .await
        .expect("case")
        .expect("a case opens when screened");
    (case.id, b.appointment_id)
}

fn recall_right() -> Opinion {
    Opinion::RecallForAssessment {
        right: BreastAssessment::Abnormal {
            annotations: vec![Annotation {
                location: Location::Text { text: "UOQ".into() },
                abnormality: AbnormalityType::IllDefinedMass,
                abnormality_description: String::new(),
                concern: LevelOfConcern::Suspicious,
                comment: String::new(),
            }],
        },
        left: BreastAssessment::Normal,
    }
}

fn technical(view: View) -> Opinion {
    Opinion::TechnicalRecall {
        views: vec![RecalledView {
            view,
            reason: TechnicalRecallReason::BreastPositioning,
            details: String::new(),
        }],
    }
}

const NO_SYMPTOMS: ReadingContext = ReadingContext {
    has_significant_symptoms: false,
};

async fn read(
    store: &Store,
    org: &Org,
    who: &Actor,
    case: Uuid,
    opinion: &Opinion,
) -> store::ReadRecorded {
    store
        .record_read(org.scope, who, None, case.into(), opinion, &NO_SYMPTOMS)
        .await
        .expect("read")
}

#[tokio::test]
async fn two_normal_reads_give_routine_recall_in_36_months_with_history() {
    each_backend(|db| async move {
        let s = &db.store;
        let org = org(s, "RD1").await;
        let (a, b) = (reader(s, &org, "Ada Reader").await, reader(s, &org, "Bo Reader").await);
        let (case, _) = screened(s, &org).await;

        let first = read(s, &org, &a, case.uuid(), &Opinion::normal()).await;
        assert_eq!((first.slot, first.state), (ReadSlot::First, ReadingState::AwaitingSecondRead));
        // The same reader can never give the 2nd read.
        let again = s
            .record_read(org.scope, &a, None, case, &Opinion::normal(), &NO_SYMPTOMS)
            .await;
        assert!(matches!(again, Err(StoreError::Refused(m)) if m == "Your opinion of this case is final and cannot be changed"));

        let second = read(s, &org, &b, case.uuid(), &Opinion::normal()).await;
        assert_eq!(second.state, ReadingState::Concluded);
        assert_eq!(second.outcome.as_deref(), Some("routine_recall"));

        let detail = s.case_detail(org.scope, b.user_id.expect("id"), case).await.expect("detail");
        let history = s.episode_history(org.scope, detail.episode_id).await.expect("history");
        assert_eq!(history.len(), 1);
        assert_eq!(history[0].outcome, Some(EpisodeOutcome::RoutineRecall));
        assert_eq!(history[0].stage, EpisodeStage::Closed);
        assert_eq!(history[0].next_test_due, Some(domain::reading::add_months(TODAY, 36)));
        // Concluded: nobody else can read it.
        let c = reader(s, &org, "Cy Reader").await;
        let late = s
            .record_read(org.scope, &c, None, case, &Opinion::normal(), &NO_SYMPTOMS)
            .await;
        assert!(matches!(late, Err(StoreError::Refused(m)) if m == "This case has already been concluded"));
        // History is append-only.
        assert!(db.execute_raw("UPDATE episode_history SET reason = 'x'").await.is_err());
    })
    .await;
}

#[tokio::test]
async fn blinded_first_opinion_is_hidden_from_others_until_the_second_read() {
    each_backend(|db| async move {
        let s = &db.store;
        let org = org(s, "RD2").await;
        let (a, b) = (
            reader(s, &org, "Ada Reader").await,
            reader(s, &org, "Bo Reader").await,
        );
        let (case, _) = screened(s, &org).await;
        read(s, &org, &a, case.uuid(), &Opinion::normal()).await;
        let bid = b.user_id.expect("id");
        let before = s.case_detail(org.scope, bid, case).await.expect("detail");
        assert!(before.first_read_hidden);
        assert!(before.reads.is_empty());
        assert_eq!(before.can_read, Ok(ReadSlot::Second));
        // Its own reader sees it.
        let own = s
            .case_detail(org.scope, a.user_id.expect("id"), case)
            .await
            .expect("detail");
        assert_eq!(own.reads.len(), 1);

        // Unblinded: visible at once.
        let settings = ReadingSettings {
            blinded: false,
            ..ReadingSettings::default()
        };
        s.save_reading_settings(org.scope, &org.actor, settings)
            .await
            .expect("settings");
        let open = s.case_detail(org.scope, bid, case).await.expect("detail");
        assert!(!open.first_read_hidden);
        assert_eq!(open.reads.len(), 1);
    })
    .await;
}

#[tokio::test]
async fn discordant_reads_go_to_arbitration_and_its_decision_makes_the_result() {
    each_backend(|db| async move {
        let s = &db.store;
        let org = org(s, "RD3").await;
        let (a, b, c) = (
            reader(s, &org, "Ada Reader").await,
            reader(s, &org, "Bo Reader").await,
            reader(s, &org, "Cy Reader").await,
        );
        let (case, _) = screened(s, &org).await;
        read(s, &org, &a, case.uuid(), &Opinion::normal()).await;
        let second = read(s, &org, &b, case.uuid(), &recall_right()).await;
        assert_eq!(second.state, ReadingState::AwaitingArbitration);
        let counts = s
            .reading_counts(org.scope, c.user_id.expect("id"), TODAY)
            .await
            .expect("counts");
        assert_eq!(counts.awaiting_arbitration, 1);

        // The arbitrator who gave the 1st read is warned, not refused.
        let detail = s
            .case_detail(org.scope, a.user_id.expect("id"), case)
            .await
            .expect("detail");
        assert_eq!(
            detail.arbitrator_warning.as_deref(),
            Some("You gave the 1st read of this case")
        );

        // A panel: everyone present recorded; unknown people refused.
        let bad = s
            .record_arbitration(
                org.scope,
                &c,
                None,
                case,
                &NewArbitration {
                    arbitrators: vec![org.user.id],
                    decision: ArbitrationDecision::AgreeWithSecond,
                },
                &NO_SYMPTOMS,
            )
            .await;
        assert!(matches!(bad, Err(StoreError::Invalid(_))), "{bad:?}");
        let done = s
            .record_arbitration(
                org.scope,
                &c,
                None,
                case,
                &NewArbitration {
                    arbitrators: vec![a.user_id.expect("id")],
                    decision: ArbitrationDecision::AgreeWithSecond,
                },
                &NO_SYMPTOMS,
            )
            .await
            .expect("arbitration");
        assert_eq!(done.state, ReadingState::Concluded);
        assert_eq!(done.outcome.as_deref(), Some("recall_for_assessment"));
        let actions = s
            .follow_ups_of(
                org.scope,
                &["technical_recall", "assessment_referral", "more_images"],
            )
            .await
            .expect("actions");
        assert_eq!(actions.len(), 1);
        assert_eq!(actions[0].kind, "assessment_referral");
        assert_eq!(
            actions[0].details,
            "Right breast: Abnormal, recall for assessment"
        );
        let detail = s
            .case_detail(org.scope, c.user_id.expect("id"), case)
            .await
            .expect("detail");
        let arbitration = detail.arbitration.expect("arbitration shown");
        assert_eq!(
            arbitration.arbitrator_names,
            vec!["Cy Reader", "Ada Reader"]
        );
        // Twice is refused.
        let again = s
            .record_arbitration(
                org.scope,
                &c,
                None,
                case,
                &NewArbitration {
                    arbitrators: vec![],
                    decision: ArbitrationDecision::AgreeWithFirst,
                },
                &NO_SYMPTOMS,
            )
            .await;
        assert!(matches!(again, Err(StoreError::Refused(_))));
    })
    .await;
}

#[tokio::test]
async fn agreed_technical_recall_asks_the_office_for_the_views() {
    each_backend(|db| async move {
        let s = &db.store;
        let org = org(s, "RD4").await;
        let (a, b) = (
            reader(s, &org, "Ada Reader").await,
            reader(s, &org, "Bo Reader").await,
        );
        let (case, _) = screened(s, &org).await;
        read(s, &org, &a, case.uuid(), &technical(View::Rmlo)).await;
        let done = read(s, &org, &b, case.uuid(), &technical(View::Rmlo)).await;
        assert_eq!(done.outcome.as_deref(), Some("technical_recall"));
        let actions = s
            .follow_ups_of(org.scope, &["technical_recall"])
            .await
            .expect("actions");
        assert_eq!(actions.len(), 1);
        assert_eq!(actions[0].details, "RMLO: Breast positioning");
        // Differing views are discordant.
        let (case2, _) = screened(s, &org).await;
        read(s, &org, &a, case2.uuid(), &technical(View::Rmlo)).await;
        let d = read(s, &org, &b, case2.uuid(), &technical(View::Lcc)).await;
        assert_eq!(d.state, ReadingState::AwaitingArbitration);
        // An invalid opinion changes nothing.
        let (case3, _) = screened(s, &org).await;
        let before = db.counts().await;
        let bad = s
            .record_read(
                org.scope,
                &a,
                None,
                case3,
                &Opinion::TechnicalRecall { views: vec![] },
                &NO_SYMPTOMS,
            )
            .await;
        assert!(matches!(bad, Err(StoreError::Invalid(e)) if e[0].field == "views"));
        assert_eq!(db.counts().await, before);
    })
    .await;
}

#[tokio::test]
async fn sessions_offer_oldest_first_never_a_case_the_reader_read_and_honour_holds() {
    each_backend(|db| async move {
        let s = &db.store;
        let org = org(s, "RD5").await;
        let (a, b) = (
            reader(s, &org, "Ada Reader").await,
            reader(s, &org, "Bo Reader").await,
        );
        let (c1, _) = screened(s, &org).await;
        let (c2, _) = screened(s, &org).await;
        let (c3, _) = screened(s, &org).await;

        let sa = s
            .start_session(org.scope, &a, SessionKind::FirstReads, None, 10)
            .await
            .expect("session");
        let first = s.next_case(org.scope, &a, sa).await.expect("next");
        assert_eq!(first, Some(c1));
        // Asking again gives the same open case.
        assert_eq!(
            s.next_case(org.scope, &a, sa).await.expect("next"),
            Some(c1)
        );
        // Another reader meanwhile gets the next one: c1 is claimed.
        let sb = s
            .start_session(org.scope, &b, SessionKind::FirstReads, None, 10)
            .await
            .expect("session");
        assert_eq!(
            s.next_case(org.scope, &b, sb).await.expect("next"),
            Some(c2)
        );

        s.record_read(
            org.scope,
            &a,
            Some(sa),
            c1,
            &Opinion::normal(),
            &NO_SYMPTOMS,
        )
        .await
        .expect("read");
        // Skip: a different case is offered.
        assert_eq!(
            s.next_case(org.scope, &a, sa).await.expect("next"),
            Some(c3)
        );
        s.skip_case(org.scope, &a, sa, c3).await.expect("skip");
        // c2 is B's; nothing else to read.
        assert_eq!(s.next_case(org.scope, &a, sa).await.expect("next"), None);
        let session = s
            .reading_session(org.scope, a.user_id.expect("id"), sa)
            .await
            .expect("session");
        assert_eq!(session.done(), 1);
        assert!(session.ended);

        // A 2nd reads session never offers the case A read first.
        let sa2 = s
            .start_session(org.scope, &a, SessionKind::SecondReads, None, 10)
            .await
            .expect("session");
        assert_eq!(s.next_case(org.scope, &a, sa2).await.expect("next"), None);
        let sb2 = s
            .start_session(org.scope, &b, SessionKind::SecondReads, None, 10)
            .await
            .expect("session");
        assert_eq!(
            s.next_case(org.scope, &b, sb2).await.expect("next"),
            Some(c1)
        );

        // Deferral: held until unflagged; a reason is required.
        let sa3 = s
            .start_session(org.scope, &a, SessionKind::FirstReads, None, 10)
            .await
            .expect("session");
        assert_eq!(
            s.next_case(org.scope, &a, sa3).await.expect("next"),
            Some(c3)
        );
        let bad = s.defer_case(org.scope, &a, Some(sa3), c3, "  ").await;
        assert!(matches!(bad, Err(StoreError::Invalid(_))));
        s.defer_case(org.scope, &a, Some(sa3), c3, "MLO images look swapped")
            .await
            .expect("defer");
        let held = s.case_holds(org.scope, "deferred").await.expect("holds");
        assert_eq!(held.len(), 1);
        assert_eq!(held[0].reason, "MLO images look swapped");
        let counts = s
            .reading_counts(org.scope, a.user_id.expect("id"), TODAY)
            .await
            .expect("counts");
        assert_eq!(counts.deferred, 1);
        let refused = s
            .record_read(org.scope, &b, None, c3, &Opinion::normal(), &NO_SYMPTOMS)
            .await;
        assert!(matches!(refused, Err(StoreError::Refused(_))));
        s.unflag_case(org.scope, &org.actor, c3)
            .await
            .expect("unflag");
        assert!(
            s.case_holds(org.scope, "deferred")
                .await
                .expect("holds")
                .is_empty()
        );

        // Priors: held while required or requested; received returns it.
        s.request_priors(org.scope, &a, None, c3, "Previous screen at another unit")
            .await
            .expect("priors");
        let again = s.request_priors(org.scope, &b, None, c3, "").await;
        assert!(matches!(again, Err(StoreError::Refused(_))));
        let wrong = s
            .set_priors_status(org.scope, &org.actor, c3, PriorsStatus::Received)
            .await;
        assert!(matches!(wrong, Err(StoreError::Refused(_))));
        s.set_priors_status(org.scope, &org.actor, c3, PriorsStatus::Requested)
            .await
            .expect("requested");
        assert_eq!(
            s.reading_case(org.scope, c3)
                .await
                .expect("case")
                .held
                .as_deref(),
            Some("priors")
        );
        s.set_priors_status(org.scope, &org.actor, c3, PriorsStatus::Received)
            .await
            .expect("received");
        let case = s.reading_case(org.scope, c3).await.expect("case");
        assert_eq!(
            (case.held, case.priors_status),
            (None, PriorsStatus::Received)
        );
    })
    .await;
}

#[tokio::test]
async fn a_reader_may_change_their_read_until_it_is_finalised() {
    each_backend(|db| async move {
        let s = &db.store;
        let org = org(s, "RD6").await;
        let (a, b) = (reader(s, &org, "Ada Reader").await, reader(s, &org, "Bo Reader").await);
        let settings = ReadingSettings {
            finalisation_delay_minutes: 30,
            ..ReadingSettings::default()
        };
        s.save_reading_settings(org.scope, &org.actor, settings).await.expect("settings");
        let (case, _) = screened(s, &org).await;
        let r = read(s, &org, &a, case.uuid(), &Opinion::normal()).await;
        assert_eq!(r.state, ReadingState::AwaitingFinalisation);
        // Not offered to a 2nd reader yet.
        let refused = s.record_read(org.scope, &b, None, case, &Opinion::normal(), &NO_SYMPTOMS).await;
        assert!(matches!(refused, Err(StoreError::Refused(m)) if m == "The 1st read of this case is not final yet"));
        // Changed by its reader.
        let changed = read(s, &org, &a, case.uuid(), &technical(View::Lcc)).await;
        assert_eq!(changed.slot, ReadSlot::First);
        // Not yet due.
        assert_eq!(s.settle_due_reads(org.scope, time::OffsetDateTime::now_utc()).await.expect("settle"), 0);
        assert_eq!(
            s.settle_due_reads(org.scope, time::OffsetDateTime::now_utc() + Duration::minutes(31)).await.expect("settle"),
            1
        );
        assert_eq!(s.reading_case(org.scope, case).await.expect("case").state, ReadingState::AwaitingSecondRead);
        // Finalising early.
        let (case2, _) = screened(s, &org).await;
        read(s, &org, &a, case2.uuid(), &Opinion::normal()).await;
        assert_eq!(s.finalise_reads(org.scope, &a).await.expect("finalise"), 1);
        assert_eq!(s.reading_case(org.scope, case2).await.expect("case").state, ReadingState::AwaitingSecondRead);
        // Final: immutable.
        let late = s
            .record_read(org.scope, &a, None, case2, &Opinion::normal(), &NO_SYMPTOMS)
            .await;
        assert!(
            matches!(late, Err(StoreError::Refused(m)) if m == "Your opinion of this case is final and cannot be changed")
        );
    })
    .await;
}

#[tokio::test]
async fn another_provider_cannot_see_or_read_a_case() {
    each_backend(|db| async move {
        let s = &db.store;
        let org1 = org(s, "RD7").await;
        let org2 = org(s, "RD8").await;
        let (case, _) = screened(s, &org1).await;
        let other = reader(s, &org2, "Dee Reader").await;
        assert!(matches!(
            s.reading_case(org2.scope, case).await,
            Err(StoreError::NotFound)
        ));
        let r = s
            .record_read(
                org2.scope,
                &other,
                None,
                case,
                &Opinion::normal(),
                &NO_SYMPTOMS,
            )
            .await;
        assert!(matches!(r, Err(StoreError::NotFound)));
        assert!(matches!(
            s.defer_case(org2.scope, &other, None, case, "x").await,
            Err(StoreError::NotFound)
        ));
        assert!(
            s.reading_cases(org2.scope, ReadingState::AwaitingFirstRead, 10)
                .await
                .expect("list")
                .is_empty()
        );
    })
    .await;
}

#[tokio::test]
async fn reader_statistics_count_reads_recalls_and_agreement() {
    each_backend(|db| async move {
        let s = &db.store;
        let org = org(s, "RD9").await;
        let (a, b) = (
            reader(s, &org, "Ada Reader").await,
            reader(s, &org, "Bo Reader").await,
        );
        let (c1, _) = screened(s, &org).await;
        let (c2, _) = screened(s, &org).await;
        read(s, &org, &a, c1.uuid(), &Opinion::normal()).await;
        read(s, &org, &b, c1.uuid(), &Opinion::normal()).await;
        read(s, &org, &a, c2.uuid(), &recall_right()).await;
        read(s, &org, &b, c2.uuid(), &recall_right()).await;
        let stats = s
            .reader_stats(org.scope, TODAY - Duration::days(28), None)
            .await
            .expect("stats");
        assert_eq!(stats.len(), 2);
        let ada = stats
            .iter()
            .find(|r| r.reader_name == "Ada Reader")
            .expect("ada");
        assert_eq!(ada.rates.cases_read, 2);
        assert_eq!(ada.rates.first_reads, 2);
        assert_eq!(ada.rates.recall_rate, Some(50.0));
        assert_eq!(ada.rates.agreement_with_outcome, Some(100.0));
        let mine = s
            .reader_stats(
                org.scope,
                TODAY - Duration::days(28),
                Some(b.user_id.expect("id")),
            )
            .await
            .expect("stats");
        assert_eq!(mine.len(), 1);
        assert_eq!(mine[0].rates.second_reads, 2);
    })
    .await;
}

#[tokio::test]
async fn a_blind_second_read_is_shown_the_first_only_once_final_and_then_cannot_change() {
    each_backend(|db| async move {
        let s = &db.store;
        let org = org(s, "RD9").await;
        let (a, b, c) = (
            reader(s, &org, "Ada Reader").await,
            reader(s, &org, "Bo Reader").await,
            reader(s, &org, "Cy Reader").await,
        );
        let settings = ReadingSettings { finalisation_delay_minutes: 30, ..ReadingSettings::default() };
        s.save_reading_settings(org.scope, &org.actor, settings).await.expect("settings");
        let (case, _) = screened(s, &org).await;
        read(s, &org, &a, case.uuid(), &Opinion::normal()).await;
        s.finalise_reads(org.scope, &a).await.expect("finalise 1st");
        let second = read(s, &org, &b, case.uuid(), &recall_right()).await;
        assert_eq!(second.state, ReadingState::AwaitingFinalisation);
        let bid = b.user_id.expect("id");
        // B's read may still change, so the 1st opinion stays hidden from B and everyone
        // else (only B's own read shows).
        let pending = s.case_detail(org.scope, bid, case).await.expect("detail");
        assert!(pending.first_read_hidden);
        assert_eq!(pending.reads.len(), 1);
        assert_eq!(pending.reads[0].slot, ReadSlot::Second);
        assert!(pending.can_change);
        let other = s.case_detail(org.scope, c.user_id.expect("id"), case).await.expect("detail");
        assert!(other.first_read_hidden && other.reads.is_empty());
        // Turning blinding off now does not unblind a read given blind.
        let open = ReadingSettings { blinded: false, ..settings };
        s.save_reading_settings(org.scope, &org.actor, open).await.expect("settings");
        assert!(s.case_detail(org.scope, bid, case).await.expect("detail").first_read_hidden);
        s.save_reading_settings(org.scope, &org.actor, settings).await.expect("settings");
        // Finalising shows the 1st opinion, and the read can no longer change.
        s.finalise_reads(org.scope, &b).await.expect("finalise 2nd");
        let shown = s.case_detail(org.scope, bid, case).await.expect("detail");
        assert!(!shown.first_read_hidden);
        assert_eq!(shown.reads.len(), 2);
        assert!(!shown.can_change);
        let changed = s.record_read(org.scope, &b, None, case, &Opinion::normal(), &NO_SYMPTOMS).await;
        assert!(matches!(changed, Err(StoreError::Refused(m)) if m == "Your opinion of this case is final and cannot be changed"));
        // Decided on the two blind reads: discordant, so arbitration.
        assert_eq!(s.reading_case(org.scope, case).await.expect("case").state, ReadingState::AwaitingArbitration);
        assert_eq!(db.count("reads WHERE given_blind = 1").await, 2);
    })
    .await;
}

#[tokio::test]
async fn normal_on_significant_symptoms_is_refused_unacknowledged_and_stored_acknowledged() {
    each_backend(|db| async move {
        let s = &db.store;
        let org = org(s, "RD10").await;
        let a = reader(s, &org, "Ada Reader").await;
        let (case, _) = screened(s, &org).await;
        let symptoms = ReadingContext { has_significant_symptoms: true };
        let refused = s.record_read(org.scope, &a, None, case, &Opinion::normal(), &symptoms).await;
        assert!(
            matches!(&refused, Err(StoreError::Invalid(e)) if e[0].field == "symptoms_acknowledged"),
            "{refused:?}"
        );
        assert_eq!(db.count("reads").await, 0);
        let acknowledged = Opinion::Normal { symptoms_acknowledged: true };
        s.record_read(org.scope, &a, None, case, &acknowledged, &symptoms).await.expect("read");
        let detail = s.case_detail(org.scope, a.user_id.expect("id"), case).await.expect("detail");
        assert_eq!(detail.reads[0].opinion, acknowledged);
        assert_eq!(
            db.count("reads WHERE opinion LIKE '%\"symptoms_acknowledged\":true%'").await,
            1
        );
    })
    .await;
}

#[tokio::test]
async fn overdue_cases_include_held_ones_and_say_who_holds_them() {
    each_backend(|db| async move {
        let s = &db.store;
        let org = org(s, "RD11").await;
        let (a, b) = (
            reader(s, &org, "Ada Reader").await,
            reader(s, &org, "Bo Reader").await,
        );
        let (queued, _) = screened(s, &org).await;
        let (deferred, _) = screened(s, &org).await;
        let (priors, _) = screened(s, &org).await;
        let (done, _) = screened(s, &org).await;
        s.defer_case(org.scope, &a, None, deferred, "Images look swapped")
            .await
            .expect("defer");
        s.request_priors(org.scope, &b, None, priors, "Screened privately in 2024")
            .await
            .expect("priors");
        read(s, &org, &a, done.uuid(), &Opinion::normal()).await;
        read(s, &org, &b, done.uuid(), &Opinion::normal()).await;
        let aid = a.user_id.expect("id");
        // On the window's last day nothing is overdue; the day after, every unfinished case.
        assert!(
            s.overdue_cases(org.scope, TODAY + Duration::days(14))
                .await
                .expect("overdue")
                .is_empty()
        );
        assert_eq!(
            s.reading_counts(org.scope, aid, TODAY + Duration::days(14))
                .await
                .expect("counts")
                .overdue,
            0
        );
        let overdue = s
            .overdue_cases(org.scope, TODAY + Duration::days(15))
            .await
            .expect("overdue");
        let holder = |id| {
            overdue
                .iter()
                .find(|o| o.case.id == id)
                .map(|o| (o.holder, o.held_by.clone(), o.days_past_window))
        };
        assert_eq!(overdue.len(), 3, "{overdue:?}");
        assert_eq!(holder(queued), Some((CaseHolder::Queue, None, 1)));
        assert_eq!(
            holder(deferred),
            Some((CaseHolder::Deferred, Some("Ada Reader".to_owned()), 1))
        );
        assert_eq!(
            holder(priors),
            Some((CaseHolder::AwaitingPriors, Some("Bo Reader".to_owned()), 1))
        );
        assert_eq!(holder(done), None);
        assert_eq!(
            s.reading_counts(org.scope, aid, TODAY + Duration::days(15))
                .await
                .expect("counts")
                .overdue,
            3
        );
        // A reader who has the case open holds it.
        let session = s
            .start_session(org.scope, &a, SessionKind::FirstReads, None, 10)
            .await
            .expect("session");
        assert_eq!(
            s.next_case(org.scope, &a, session).await.expect("next"),
            Some(queued)
        );
        let overdue = s
            .overdue_cases(org.scope, TODAY + Duration::days(15))
            .await
            .expect("overdue");
        let claimed = overdue
            .iter()
            .find(|o| o.case.id == queued)
            .expect("queued case");
        assert_eq!(
            (claimed.holder, claimed.held_by.as_deref()),
            (CaseHolder::Claimed, Some("Ada Reader"))
        );
        // Another provider's cases never show.
        let other = crate::fixtures::org(s, "RD14").await;
        assert!(
            s.overdue_cases(other.scope, TODAY + Duration::days(15))
                .await
                .expect("overdue")
                .is_empty()
        );
    })
    .await;
}

#[tokio::test]
async fn the_timer_settles_due_reads_for_every_provider_once() {
    each_backend(|db| async move {
        let s = &db.store;
        let one = org(s, "RD12").await;
        let two = org(s, "RD13").await;
        let settings = ReadingSettings {
            finalisation_delay_minutes: 30,
            ..ReadingSettings::default()
        };
        let mut cases = Vec::new();
        for o in [&one, &two] {
            s.save_reading_settings(o.scope, &o.actor, settings)
                .await
                .expect("settings");
            let (a, b) = (
                reader(s, o, "Ada Reader").await,
                reader(s, o, "Bo Reader").await,
            );
            let (case, _) = screened(s, o).await;
            read(s, o, &a, case.uuid(), &Opinion::normal()).await;
            s.finalise_reads(o.scope, &a).await.expect("finalise");
            read(s, o, &b, case.uuid(), &Opinion::normal()).await;
            cases.push((o.scope, case));
        }
        let now = time::OffsetDateTime::now_utc();
        assert!(
            s.settle_due_reads_everywhere(now)
                .await
                .expect("settle")
                .is_empty()
        );
        let later = now + Duration::minutes(31);
        let settled = s.settle_due_reads_everywhere(later).await.expect("settle");
        assert_eq!(
            settled,
            vec![("RD12".to_owned(), 1), ("RD13".to_owned(), 1)]
        );
        for (scope, case) in cases {
            let c = s.reading_case(scope, case).await.expect("case");
            assert_eq!(
                (c.state, c.outcome.as_deref()),
                (ReadingState::Concluded, Some("routine_recall"))
            );
        }
        // Settling again concludes nothing twice.
        assert!(
            s.settle_due_reads_everywhere(later)
                .await
                .expect("settle")
                .is_empty()
        );
        assert_eq!(db.count("episode_history").await, 2);
    })
    .await;
}
