//! Runs one test body against every backend: a fresh SQLite file and a fresh PostgreSQL
//! schema (from `TEST_DATABASE_URL`). Each run gets its own database, dropped afterwards,
//! so tests are independent and can run in parallel.

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Executor, Row};
use std::future::Future;
use std::path::PathBuf;
use store::Store;
use uuid::Uuid;

pub const SQLITE: &str = "sqlite";
pub const POSTGRES: &str = "postgres";

const NO_POSTGRES: &str = "TEST_DATABASE_URL is not set, so the PostgreSQL half of the store \
tests cannot run. Run them through scripts/with-postgres.sh, which finds or starts a \
PostgreSQL for you: `scripts/with-postgres.sh cargo test -p store` (or `make test`). To run \
against SQLite alone, set STORE_TESTS_SQLITE_ONLY=1.";

/// Where a fresh, not yet opened, database goes: a new SQLite file or a new PostgreSQL
/// schema.
#[derive(Clone)]
pub struct Target {
    /// "sqlite" or "postgres", for messages.
    pub name: &'static str,
    url: String,
    schema: Option<String>,
    file: Option<PathBuf>,
}

impl Target {
    fn sqlite() -> Self {
        let path = std::env::temp_dir().join(format!("store-test-{}.db", Uuid::now_v7().simple()));
        Target {
            name: SQLITE,
            url: format!("sqlite://{}?mode=rwc", path.display()),
            schema: None,
            file: Some(path),
        }
    }

    /// `Err` with an explanation when `TEST_DATABASE_URL` is not set.
    fn postgres() -> Result<Self, String> {
        let url = std::env::var("TEST_DATABASE_URL")
            .ok()
            .filter(|u| !u.trim().is_empty())
            .ok_or_else(|| NO_POSTGRES.to_owned())?;
        Ok(Target {
            name: POSTGRES,
            url,
            schema: Some(format!("t_{}", Uuid::now_v7().simple())),
            file: None,
        })
    }

    /// Another fresh database on the same backend.
    pub fn another(&self) -> Self {
        match self.name {
            SQLITE => Target::sqlite(),
            _ => Target::postgres().expect("TEST_DATABASE_URL"),
        }
    }

    /// Starts the store on this database, as the service does at start-up.
    pub async fn open(&self) -> store::Result<Store> {
        Store::open_in_schema(&self.url, self.schema.as_deref()).await
    }

    /// Deletes the database (best effort).
    pub async fn remove(&self) {
        if let Some(schema) = &self.schema {
            let drop = format!("DROP SCHEMA IF EXISTS {schema} CASCADE");
            let dropped = match raw_pool(&self.url, None).await {
                Ok(pool) => {
                    let r = pool.execute(drop.as_str()).await.map(|_| ());
                    pool.close().await;
                    r
                }
                Err(e) => Err(e),
            };
            if let Err(e) = dropped {
                eprintln!("[{}] could not drop schema {schema}: {e}", self.name);
            }
        }
        if let Some(file) = &self.file {
            for suffix in ["", "-wal", "-shm", "-journal"] {
                let mut path = file.clone().into_os_string();
                path.push(suffix);
                let _ = std::fs::remove_file(path);
            }
        }
    }
}

/// One backend's fresh database, with the store under test and a raw connection pool for
/// checks the store's API cannot make (row counts, statements it never issues).
#[derive(Clone)]
pub struct Db {
    /// "sqlite" or "postgres", for messages.
    pub name: &'static str,
    pub store: Store,
    pub target: Target,
    raw: AnyPool,
}

impl Db {
    /// Opens the same database again, as a second start of the service would (running the
    /// migrations again).
    pub async fn reopen(&self) -> store::Result<Store> {
        self.target.open().await
    }

    /// Runs one statement directly against the database, bypassing the store.
    pub async fn execute_raw(&self, sql: &str) -> Result<u64, sqlx::Error> {
        Ok(self.raw.execute(sql).await?.rows_affected())
    }

    /// `SELECT COUNT(*) FROM {from_where}`.
    pub async fn count(&self, from_where: &str) -> i64 {
        let sql = format!("SELECT COUNT(*) AS n FROM {from_where}");
        let row = sqlx::query(&sql)
            .fetch_one(&self.raw)
            .await
            .unwrap_or_else(|e| panic!("[{}] {sql}: {e}", self.name));
        row.try_get::<i64, _>("n").expect("count")
    }

    /// The first column of every row `sql` returns, as text.
    pub async fn strings(&self, sql: &str) -> Vec<String> {
        sqlx::query(sql)
            .fetch_all(&self.raw)
            .await
            .unwrap_or_else(|e| panic!("[{}] {sql}: {e}", self.name))
            .iter()
            .map(|r| r.try_get::<String, _>(0).expect("text"))
            .collect()
    }

    /// The id of the slot of `clinic_id` starting at `starts_at` ("HH:MM"), booked or not.
    pub async fn slot_id(&self, clinic_id: Uuid, starts_at: &str) -> Uuid {
        let row = sqlx::query("SELECT id FROM slots WHERE clinic_id = $1 AND starts_at = $2")
            .bind(clinic_id.to_string())
            .bind(starts_at)
            .fetch_one(&self.raw)
            .await
            .unwrap_or_else(|e| panic!("[{}] slot at {starts_at}: {e}", self.name));
        Uuid::parse_str(&row.try_get::<String, _>("id").expect("id")).expect("slot id")
    }

    /// Counts of every table the store writes, to show that a refused change left nothing.
    pub async fn counts(&self) -> Vec<(&'static str, i64)> {
        let mut out = Vec::new();
        for table in [
            "providers",
            "locations",
            "users",
            "user_roles",
            "participants",
            "episodes",
            "clinics",
            "slots",
            "appointments",
            "appointment_status_history",
            "audit_log",
            "sessions",
            "api_tokens",
        ] {
            out.push((table, self.count(table).await));
        }
        out
    }

    async fn open(target: Target) -> Self {
        let name = target.name;
        let store = target
            .open()
            .await
            .unwrap_or_else(|e| panic!("[{name}] opening the store at {}: {e}", target.url));
        let raw = raw_pool(&target.url, target.schema.clone())
            .await
            .unwrap_or_else(|e| panic!("[{name}] raw connection to {}: {e}", target.url));
        Db {
            name,
            store,
            target,
            raw,
        }
    }

    /// Closes every connection and deletes the database (best effort).
    async fn destroy(self) {
        self.store.close().await;
        self.raw.close().await;
        self.target.remove().await;
    }
}

async fn raw_pool(url: &str, schema: Option<String>) -> Result<AnyPool, sqlx::Error> {
    install_default_drivers();
    let sqlite = url.starts_with("sqlite:");
    AnyPoolOptions::new()
        .max_connections(2)
        .after_connect(move |conn, _| {
            let schema = schema.clone();
            Box::pin(async move {
                if sqlite {
                    conn.execute("PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;")
                        .await?;
                } else if let Some(schema) = schema {
                    conn.execute(format!("SET search_path TO {schema}").as_str())
                        .await?;
                }
                Ok(())
            })
        })
        .connect(url)
        .await
}

fn sqlite_only() -> bool {
    std::env::var("STORE_TESTS_SQLITE_ONLY").is_ok_and(|v| v == "1")
}

enum Failure {
    Panic(Box<dyn std::any::Any + Send>),
    Message(String),
}

/// Runs `body` once on a fresh SQLite database and once on a fresh PostgreSQL schema,
/// deleting each afterwards even when the body fails. Fails if any run failed, or if
/// PostgreSQL is not configured (unless `STORE_TESTS_SQLITE_ONLY=1`).
pub async fn each_backend<F, Fut>(body: F)
where
    F: Fn(Db) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let mut failures: Vec<(&'static str, Failure)> = Vec::new();
    for name in [SQLITE, POSTGRES] {
        let target = match name {
            SQLITE => Target::sqlite(),
            _ if sqlite_only() => continue,
            _ => match Target::postgres() {
                Ok(target) => target,
                Err(why) => {
                    failures.push((name, Failure::Message(why)));
                    continue;
                }
            },
        };
        let db = Db::open(target).await;
        // A spawned task catches a panicking body, so the database is still dropped.
        let outcome = tokio::spawn(body(db.clone())).await;
        db.destroy().await;
        match outcome {
            Ok(()) => {}
            Err(e) if e.is_panic() => failures.push((name, Failure::Panic(e.into_panic()))),
            Err(e) => failures.push((name, Failure::Message(e.to_string()))),
        }
    }
    let names: Vec<_> = failures.iter().map(|(name, _)| *name).collect();
    if let Some((_, failure)) = failures.into_iter().next() {
        eprintln!("store test failed on: {}", names.join(", "));
        match failure {
            Failure::Panic(panic) => std::panic::resume_unwind(panic),
            Failure::Message(message) => panic!("{message}"),
        }
    }
}
