use crate::fixtures::{Org, apply_all, booking, org};
use crate::harness::{Db, each_backend};
use domain::{AppointmentAction as A, AppointmentStatus as S, EpisodeStage, TransitionError};
use store::{AuditAction, AuditFilter, StoreError};
use uuid::Uuid;

/// What a refused change must leave exactly as it was.
#[derive(Debug, PartialEq)]
struct State {
    status: S,
    version: i64,
    history: usize,
    stage: EpisodeStage,
    counts: Vec<(&'static str, i64)>,
}

async fn state(db: &Db, org: &Org, id: Uuid) -> State {
    let detail = db
        .store
        .appointment(org.scope, id.into())
        .await
        .expect("appointment");
    State {
        status: detail.status,
        version: detail.version,
        history: detail.history.len(),
        stage: detail.episode_stage,
        counts: db.counts().await,
    }
}

/// Sequences of allowed moves, each from a newly booked appointment, with the status
/// each move reaches.
const SEQUENCES: &[&[(A, S)]] = &[
    &[
        (A::CheckIn, S::CheckedIn),
        (A::Start, S::InProgress),
        (A::Pause, S::Paused),
        (A::Resume, S::InProgress),
        (A::Screen, S::Screened),
    ],
    &[
        (A::CheckIn, S::CheckedIn),
        (A::Start, S::InProgress),
        (A::PartiallyScreen, S::PartiallyScreened),
    ],
    &[
        (A::Start, S::InProgress),
        (A::Pause, S::Paused),
        (A::RevertToCheckedIn, S::CheckedIn),
        (A::AttendedNotScreened, S::AttendedNotScreened),
    ],
    &[
        (A::DidNotAttend, S::DidNotAttend),
        (A::UndoDidNotAttend, S::Scheduled),
        (A::Cancel, S::Cancelled),
        (A::UndoCancel, S::Scheduled),
        (A::RequestReschedule, S::RescheduleRequested),
    ],
];

#[tokio::test]
async fn allowed_moves_write_history_stage_version_and_audit() {
    each_backend(|db| async move {
        let (name, s) = (db.name, &db.store);
        let org = org(s, "MOVES").await;
        for sequence in SEQUENCES {
            let b = booking(s, &org).await;
            let id = b.appointment_id;
            let mut stage = EpisodeStage::Scheduled;
            let mut previous = S::Scheduled;
            for (step, &(action, to)) in sequence.iter().enumerate() {
                let version = 1 + step as i64;
                let got = s
                    .apply_action(org.scope, &org.actor, id, action, Some(version))
                    .await
                    .unwrap_or_else(|e| panic!("[{name}] {action:?} from {previous:?}: {e}"));
                assert_eq!(got, to, "[{name}] {action:?} from {previous:?}");
                if let Some(next) = EpisodeStage::for_appointment_status(to) {
                    stage = next;
                }
                // Every ending other than a screen writes its outcome; those that end the
                // round close the episode, the others leave it scheduled for a new booking.
                let outcome = domain::episode::ending_outcome(to, None);
                if let Some(o) = outcome {
                    stage = if o.closes_episode() {
                        EpisodeStage::Closed
                    } else {
                        EpisodeStage::Scheduled
                    };
                }

                let detail = s.appointment(org.scope, id).await.unwrap();
                let ctx = format!("[{name}] after {action:?} from {previous:?}");
                assert_eq!(detail.status, to, "{ctx}: status");
                assert_eq!(detail.version, version + 1, "{ctx}: version");
                assert_eq!(detail.episode_stage, stage, "{ctx}: episode stage");
                assert_eq!(detail.episode_outcome, outcome, "{ctx}: episode outcome");
                assert_eq!(
                    detail.history.len(),
                    step + 2,
                    "{ctx}: one history row per move"
                );
                let last = detail.current_holder().unwrap();
                assert_eq!(last.status, to, "{ctx}: history status");
                assert_eq!(last.action, Some(action), "{ctx}: history action");
                assert_eq!(last.changed_by, Some(org.user.id), "{ctx}: history user");
                assert_eq!(last.changed_by_name, org.actor.name, "{ctx}: history name");
                assert!(
                    detail
                        .history
                        .windows(2)
                        .all(|w| w[0].changed_at <= w[1].changed_at),
                    "{ctx}: history in time order"
                );

                // The lists agree with the detail.
                let row = s.clinic_appointments(org.scope, b.clinic.id).await.unwrap();
                assert_eq!(row[0].status, to, "{ctx}: clinic list");
                let mine = s
                    .participant_appointments(org.scope, b.participant.id)
                    .await
                    .unwrap();
                assert_eq!(mine[0].status, to, "{ctx}: participant's appointments");

                // And the audit log records the move.
                let audit = s
                    .audit_entries(&AuditFilter {
                        participant_id: Some(b.participant.id),
                        limit: 1,
                        ..AuditFilter::default()
                    })
                    .await
                    .unwrap();
                let entry = &audit[0];
                assert_eq!(entry.action, AuditAction::Update, "{ctx}: audit action");
                assert_eq!(entry.entity_type, "appointment");
                assert_eq!(entry.entity_id, id.to_string());
                assert_eq!(entry.user_id, Some(org.user.id));
                assert_eq!(entry.provider_id, Some(org.provider.id));
                assert_eq!(entry.actor, org.actor.name);
                assert_eq!(
                    entry.snapshot["status"],
                    to.as_str(),
                    "{ctx}: audit snapshot"
                );
                assert_eq!(entry.snapshot["previous_status"], previous.as_str());
                assert_eq!(entry.snapshot["action"], action.as_str());
                assert_eq!(entry.snapshot["version"], version + 1);
                previous = to;
            }
            let history = s.status_history(org.scope, id).await.unwrap();
            assert_eq!(history[0].status, S::Scheduled, "[{name}] booking row");
            assert_eq!(history[0].action, None);
            let moves: Vec<_> = history[1..]
                .iter()
                .map(|h| (h.action.unwrap(), h.status))
                .collect();
            assert_eq!(moves, sequence.to_vec(), "[{name}] full history");
        }
    })
    .await;
}

/// Moves the rules refuse: (moves made first, refused action).
const REFUSED: &[(&[A], A)] = &[
    (&[], A::Screen),
    (&[], A::Pause),
    (&[], A::UndoCancel),
    (&[A::CheckIn], A::CheckIn),
    (&[A::CheckIn, A::Start], A::CheckIn),
    (&[A::CheckIn, A::Start, A::Pause], A::Screen),
    (&[A::CheckIn, A::Start, A::Screen], A::Start),
    (&[A::Cancel], A::CheckIn),
    (&[A::DidNotAttend], A::UndoCancel),
];

#[tokio::test]
async fn a_refused_move_is_a_transition_error_and_changes_nothing() {
    each_backend(|db| async move {
        let (name, s) = (db.name, &db.store);
        let org = org(s, "REFUSE").await;
        for &(setup, action) in REFUSED {
            let id = booking(s, &org).await.appointment_id;
            apply_all(s, &org, id, setup).await;
            let before = state(&db, &org, id.uuid()).await;
            for expected_version in [None, Some(before.version)] {
                match s.apply_action(org.scope, &org.actor, id, action, expected_version).await {
                    Err(StoreError::Transition(TransitionError { from, action: refused })) => {
                        assert_eq!((from, refused), (before.status, action), "[{name}]");
                    }
                    other => panic!(
                        "[{name}] {action:?} after {setup:?}: expected a transition error, got {other:?}"
                    ),
                }
                assert_eq!(
                    state(&db, &org, id.uuid()).await,
                    before,
                    "[{name}] {action:?} after {setup:?} changed something"
                );
            }
        }
    })
    .await;
}

#[tokio::test]
async fn a_stale_version_is_a_conflict_and_changes_nothing() {
    each_backend(|db| async move {
        let (name, s) = (db.name, &db.store);
        let org = org(s, "STALE").await;
        let id = booking(s, &org).await.appointment_id;
        s.apply_action(org.scope, &org.actor, id, A::CheckIn, Some(1))
            .await
            .unwrap();
        let before = state(&db, &org, id.uuid()).await;
        assert_eq!(before.version, 2);
        for stale in [1, 0, 3, 99] {
            match s
                .apply_action(org.scope, &org.actor, id, A::Start, Some(stale))
                .await
            {
                Err(StoreError::Conflict(message)) => {
                    // The refusal names who made the change the caller had not seen.
                    assert!(
                        message.contains(&format!("{} changed this appointment", org.actor.name)),
                        "[{name}] {message}"
                    )
                }
                other => panic!("[{name}] version {stale}: expected a conflict, got {other:?}"),
            }
            assert_eq!(
                state(&db, &org, id.uuid()).await,
                before,
                "[{name}] version {stale}"
            );
        }
        // With the current version the same move goes through.
        assert_eq!(
            s.apply_action(org.scope, &org.actor, id, A::Start, Some(2))
                .await
                .unwrap(),
            S::InProgress
        );
    })
    .await;
}

#[tokio::test]
async fn saved_steps_read_back_as_their_types_and_a_damaged_one_is_an_error() {
    use domain::medical::MedicalDocument;
    use domain::workflow::{IdentityCheck, SectionDocument};
    use store::SectionUpdate;
    each_backend(|db| async move {
        let (name, s) = (db.name, &db.store);
        let org = org(s, "SECTIONS").await;
        let id = booking(s, &org).await.appointment_id;
        apply_all(s, &org, id, &[A::CheckIn, A::Start]).await;
        let mut version = s.appointment(org.scope, id).await.unwrap().version;
        let documents = [
            SectionDocument::Identity(IdentityCheck { confirmed: true }),
            SectionDocument::Medical(MedicalDocument {
                information: Default::default(),
                all_reviewed: true,
            }),
        ];
        for document in &documents {
            let update = SectionUpdate {
                document,
                images_taken: None,
            };
            version = s
                .save_section(org.scope, &org.actor, id, update, version)
                .await
                .unwrap_or_else(|e| panic!("[{name}] {e}"));
        }
        let wf = s.workflow(org.scope, id).await.unwrap();
        assert_eq!(
            wf.sections.identity.map(|d| d.data),
            Some(IdentityCheck { confirmed: true }),
            "[{name}]"
        );
        assert!(
            wf.sections.medical.is_some_and(|d| d.data.all_reviewed),
            "[{name}]"
        );
        assert!(wf.sections.images.is_none(), "[{name}]");
        let gate = s.images_gate(org.scope, id).await.unwrap();
        assert!(gate.identity_confirmed && gate.medical_reviewed, "[{name}]");

        // A document that no longer reads as its type is reported, never read as "not done".
        db.execute_raw(&format!(
            "UPDATE appointment_sections SET data = '{{\"confirmed\": \"perhaps\"}}' \
             WHERE appointment_id = '{id}' AND section = 'identity'"
        ))
        .await
        .unwrap();
        match s.workflow(org.scope, id).await {
            Err(StoreError::Corrupt(message)) => {
                assert!(message.contains("identity"), "[{name}] {message}")
            }
            other => panic!("[{name}] expected a corrupt section, got {other:?}"),
        }
        assert!(
            matches!(
                s.images_gate(org.scope, id).await,
                Err(StoreError::Corrupt(_))
            ),
            "[{name}]"
        );
    })
    .await;
}
