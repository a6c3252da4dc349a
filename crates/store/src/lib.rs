//! The data store: one schema and one query layer over SQLite (the embedded default) and
//! PostgreSQL (production), through sqlx's `Any` driver. Every query on provider-owned data
//! takes a [`Scope`] and filters by its provider; every change writes its audit row in the
//! same transaction.

mod appointments;
mod assessment;
mod audit;
mod clinics;
mod closing;
mod dates;
mod episodes;
mod error;
mod follow_ups;
mod gateway;
mod outbox;
mod participants;
mod providers;
mod reading;
mod results;
mod rounds;
mod screening_status;
mod sessions;
mod shared;
mod sql;
mod stats;
mod timeline;
mod users;
mod workflow;
mod write;

pub use appointments::{AnsweredFollowUp, AppointmentDetail, NewAppointment, StatusChange};
pub use assessment::{Assessment, AssessmentContext, AwaitingPathology};
pub use audit::{AuditAction, AuditEntry, AuditFilter};
pub use clinics::{BookableSlot, ClinicAppointmentRow, ClinicSummary, NewClinic, TabCounts};
pub use episodes::{EpisodeBrief, EpisodeEnd};
pub use error::{FieldError, StoreError};
pub use follow_ups::{FollowUpChange, FollowUpDetail, OfficeSettings};
pub use gateway::{
    AttachRequest, Detachment, DiscrepancyRecord, EventBody, EventReceipt, GatewayEvent,
    GatewayPrincipal, GatewayStatus, ImageCapture, ImageEvent, QuarantineCandidate, ReceivedImage,
    Settlement, WorklistItem,
};
pub use outbox::{ClaimedDelivery, DeadDelivery, DeliveryOutcome, RetryPolicy};
pub use participants::{NewParticipant, Participant, ParticipantAppointment, SupportNeed};
pub use providers::{Location, NewLocation, NewRoom, Provider, Room};
pub use reading::{
    ArbitrationView, CaseDetail, CaseHold, EpisodeChange, EpisodeSummary, LinkedCase,
    NewArbitration, OverdueCase, PreviousEpisode, ReadRecorded, ReadView, ReadingCase,
    ReadingCounts, ReadingSession, ReadingSettings, SessionCase,
};
pub use results::{
    CodingChange, DeliveryChange, DeliveryHistoryEntry, DeliveryRecord, FailsafeItem, Outgoing,
    PrintBatch, Reconciliation, ResultCode, ResultCoding, ResultRecord,
};
pub use screening_status::{
    CeasedStatus, DeferredStatus, ScreeningStatusRecord, StatusHistoryEntry, VeryHighRiskStatus,
};
pub use sessions::{ApiPrincipal, SessionRecord, hash_secret, new_secret};
pub use stats::{MammographerStats, ReaderStats, RepeatReasonCount};
pub use timeline::{Timeline, TimelineEpisode, TimelineEvent, TimelineKind};
pub use users::{NewUser, User, UserWithRoles};
pub use workflow::{
    CarriedMedical, Finish, FollowUp, ImagesGate, ImagesTally, NewFollowUp, Note, SavedSection,
    SectionUpdate, Sections, Workflow,
};

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Executor};
use std::time::Duration;
use uuid::Uuid;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Which engine is behind the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The provider a request acts for. Every provider-owned query takes one, so a query that
/// forgets to filter by provider does not compile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scope {
    pub provider_id: domain::ids::ProviderId,
}

/// Who is making a change, as recorded in history and the audit log.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Option<Uuid>,
    pub name: String,
    pub provider_id: Option<domain::ids::ProviderId>,
}

impl Actor {
    /// A change made by the service itself (migrations, demo data, scheduled jobs).
    pub fn system(name: &str) -> Self {
        Actor {
            user_id: None,
            name: name.to_owned(),
            provider_id: None,
        }
    }
}

/// A handle to the database. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    /// Where writes go. On SQLite, one connection: writers queue here, in order, instead of
    /// sleeping in SQLite's busy handler (which adds up to 100 ms per retry). On
    /// PostgreSQL, the same pool as reads.
    writer: AnyPool,
    backend: Backend,
    /// Holds outbox deliveries (tests of a crash between a commit and its deliveries).
    outbox_hold: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

impl Store {
    /// Connects to `url` (`sqlite://path` or `postgres://...`) and runs pending migrations.
    #[tracing::instrument(skip_all)]
    pub async fn open(url: &str) -> Result<Self> {
        Self::open_in_schema(url, None).await
    }

    /// Like [`Store::open`], but on PostgreSQL keeps every table in `schema` (created if
    /// missing), so that test runs and tenants cannot collide.
    #[tracing::instrument(skip_all)]
    pub async fn open_in_schema(url: &str, schema: Option<&str>) -> Result<Self> {
        install_default_drivers();
        let backend = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            return Err(StoreError::Config(format!(
                "DATABASE_URL must start with sqlite: or postgres:// (got {:?})",
                url.split(':').next().unwrap_or_default()
            )));
        };
        if let (Backend::Postgres, Some(schema)) = (backend, schema) {
            if !schema
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
            {
                return Err(StoreError::Config(format!(
                    "invalid schema name {schema:?}"
                )));
            }
            let pool = AnyPoolOptions::new()
                .max_connections(1)
                .connect(url)
                .await?;
            // Under the set-up lock: two first starts at once would otherwise both try to
            // create the schema, and one fail.
            let mut tx = pool.begin().await?;
            lock_setup(&mut tx).await?;
            tx.execute(format!("CREATE SCHEMA IF NOT EXISTS {schema}").as_str())
                .await?;
            tx.commit().await?;
            pool.close().await;
        }
        let schema = schema.map(str::to_owned);
        let options = AnyPoolOptions::new()
            .max_connections(match backend {
                Backend::Sqlite => 8,
                Backend::Postgres => 16,
            })
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _meta| {
                let schema = schema.clone();
                Box::pin(async move {
                    match backend {
                        Backend::Sqlite => {
                            conn.execute(
                                "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                                 PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;",
                            )
                            .await?;
                        }
                        Backend::Postgres => {
                            if let Some(schema) = schema {
                                conn.execute(format!("SET search_path TO {schema}").as_str())
                                    .await?;
                            }
                        }
                    }
                    Ok(())
                })
            });
        let pool = options.clone().connect(url).await?;
        let writer = match backend {
            Backend::Sqlite => options.max_connections(1).connect(url).await?,
            Backend::Postgres => pool.clone(),
        };
        let store = Store {
            pool,
            writer,
            backend,
            outbox_hold: Default::default(),
        };
        store.migrate().await?;
        Ok(store)
    }

    /// Runs every migration not yet applied. Safe to call at every start-up.
    /// Services starting at the same moment take turns.
    #[tracing::instrument(skip_all)]
    pub async fn migrate(&self) -> Result<()> {
        match self.backend {
            Backend::Sqlite => {
                // sqlx takes no lock while migrating SQLite: hold the write lock for the
                // whole set-up, so that a second start waits and then finds it done.
                let mut tx = self.begin_write().await?;
                MIGRATOR.run_direct(&mut *tx).await?;
                audit::protect_append_only_tables(&mut tx, self.backend).await?;
                tx.commit().await?;
            }
            Backend::Postgres => {
                // The migrator locks for itself; replacing the triggers needs a lock too, or
                // concurrent starts fail with "tuple concurrently updated".
                MIGRATOR.run(&self.pool).await?;
                let mut tx = self.pool.begin().await?;
                lock_setup(&mut tx).await?;
                audit::protect_append_only_tables(&mut tx, self.backend).await?;
                tx.commit().await?;
            }
        }
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    #[tracing::instrument(skip_all)]
    pub async fn close(&self) {
        self.pool.close().await;
        self.writer.close().await;
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Updates the query planner's statistics (after a bulk load such as the demo data).
    #[tracing::instrument(skip_all)]
    pub async fn refresh_statistics(&self) -> Result<()> {
        match self.backend {
            Backend::Sqlite => {
                self.writer.execute("ANALYZE").await?;
            }
            Backend::Postgres => {
                // Only this service's tables (ANALYZE alone would visit every schema).
                self.pool
                    .execute(
                        "ANALYZE providers, locations, rooms, users, user_roles, participants, episodes, \
                         clinics, slots, appointments, appointment_status_history, audit_log, sessions, \
                         api_tokens, appointment_sections, appointment_notes, follow_up_requests, \
                         participant_medical, user_preferences, reading_cases, reads, arbitrations, \
                         reading_sessions, reading_session_cases, case_holds, episode_history, \
                         image_records, opinion_drafts, reading_settings, assessments, assessment_history, \
                         participant_screening_status, participant_status_history, results",
                    )
                    .await?;
            }
        }
        Ok(())
    }

    /// Drops a PostgreSQL schema made for a test or benchmark run.
    #[doc(hidden)]
    #[tracing::instrument(skip_all)]
    pub async fn drop_schema_for_tests(&self, schema: &str) -> Result<()> {
        if !schema
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return Err(StoreError::Config(format!(
                "invalid schema name {schema:?}"
            )));
        }
        self.pool
            .execute(format!("DROP SCHEMA IF EXISTS {schema} CASCADE").as_str())
            .await?;
        Ok(())
    }

    /// For single-statement writes outside a transaction.
    pub(crate) fn writer(&self) -> &AnyPool {
        &self.writer
    }

    /// Starts a transaction that will write. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`), so concurrent writers wait their turn (up to the busy timeout):
    /// a deferred transaction that reads and then writes fails with "database is locked"
    /// as soon as another writer commits in between, and waiting cannot help it.
    pub(crate) async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>> {
        Ok(match self.backend {
            Backend::Sqlite => self.writer.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }
}

/// On PostgreSQL, waits for this database's set-up lock, held until the transaction ends.
async fn lock_setup(tx: &mut sqlx::Transaction<'_, sqlx::Any>) -> Result<()> {
    /// "screen" in ASCII: any constant no other application on the database uses.
    const SETUP_LOCK: i64 = 0x7363_7265_656e;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(SETUP_LOCK)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Every subscriber to domain events, each declared by its feature module (ADR 18). The
/// one place that names them all, so that no feature module names another.
pub(crate) fn subscribers() -> impl Iterator<Item = &'static outbox::Subscriber> {
    [
        reading::SUBSCRIBERS,
        gateway::SUBSCRIBERS,
        follow_ups::SUBSCRIBERS,
        screening_status::SUBSCRIBERS,
        results::SUBSCRIBERS,
    ]
    .into_iter()
    .flatten()
}

/// A new time-ordered id.
pub fn new_id() -> Uuid {
    Uuid::now_v7()
}
