use crate::fixtures::{org, participant};
use crate::harness::each_backend;
use store::Actor;

#[tokio::test]
async fn opening_the_same_database_again_reruns_migrations_safely() {
    each_backend(|db| async move {
        let name = db.name;
        let org = org(&db.store, "REOPEN").await;
        let p = participant(&db.store, &org).await;
        let migrations = db.count("_sqlx_migrations").await;
        assert!(migrations >= 1, "[{name}] migrations recorded");

        // A second start while the first is still running, then a third after it stops.
        let second = db
            .reopen()
            .await
            .unwrap_or_else(|e| panic!("[{name}] reopen: {e}"));
        second
            .migrate()
            .await
            .unwrap_or_else(|e| panic!("[{name}] migrate again: {e}"));
        let third = db
            .reopen()
            .await
            .unwrap_or_else(|e| panic!("[{name}] reopen: {e}"));

        for store in [&second, &third] {
            let seen = store
                .participant(org.scope, p.id)
                .await
                .expect("participant");
            assert_eq!(seen.nhs_number, p.nhs_number, "[{name}] data kept");
            assert_eq!(
                store.provider_by_code("REOPEN").await.expect("provider").id,
                org.provider.id
            );
        }
        assert_eq!(
            db.count("_sqlx_migrations").await,
            migrations,
            "[{name}] no migration applied twice"
        );
        // Writes still work through the reopened store, and the append-only protection
        // installed again at each start still holds.
        third
            .create_provider(&Actor::system("test"), "AFTER", "After Reopen")
            .await
            .unwrap_or_else(|e| panic!("[{name}] write after reopen: {e}"));
        assert!(
            db.execute_raw("DELETE FROM audit_log").await.is_err(),
            "[{name}] audit log still append-only after re-running migrations"
        );
        second.close().await;
        third.close().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn services_starting_at_once_on_a_new_database_all_start() {
    each_backend(|db| async move {
        let name = db.name;
        for round in 0..3 {
            let target = db.target.another();
            let starts: Vec<_> = (0..3)
                .map(|_| {
                    let target = target.clone();
                    tokio::spawn(async move { target.open().await })
                })
                .collect();
            let mut opened = Vec::new();
            for start in starts {
                opened.push(start.await.unwrap());
            }
            let mut written = Vec::new();
            for (i, store) in opened.iter().enumerate() {
                if let Ok(store) = store {
                    let code = format!("START{i}");
                    written.push(
                        store
                            .create_provider(&Actor::system("test"), &code, "P")
                            .await,
                    );
                }
            }
            let providers = match &opened[0] {
                Ok(store) => store.providers().await.map(|p| p.len()).ok(),
                Err(_) => None,
            };
            for store in opened.iter().flatten() {
                store.close().await;
            }
            target.remove().await;

            for store in &opened {
                if let Err(e) = store {
                    panic!("[{name}] round {round}: a simultaneous first start failed: {e}");
                }
            }
            assert!(written.iter().all(Result::is_ok), "[{name}] {written:?}");
            assert_eq!(
                providers,
                Some(3),
                "[{name}] round {round}: one shared database"
            );
        }
    })
    .await;
}
