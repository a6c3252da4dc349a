//! Domain events and the transactional outbox (ADR 18).
//!
//! A change that another feature reacts to calls [`record`] in its own transaction. The
//! event is written to `outbox_events`; each subscriber that must be atomic with the change
//! runs right there, in the same transaction ([`Delivery::InTransaction`]); each one that
//! reacts after the commit gets a row in `outbox_deliveries` ([`Delivery::AfterCommit`]),
//! delivered at least once: by the call that made the change, just after its commit, and
//! otherwise (a crash, a failure) by the service's dispatcher, with retries and backoff,
//! until it is delivered or dead. A delivery runs its subscriber and marks itself delivered
//! in one transaction, so in effect it happens once; subscribers are idempotent as well, so
//! a redelivery after a lost lease changes nothing.
//!
//! Subscribers are declared by each feature module (`SUBSCRIBERS`) and listed once in
//! `lib.rs`, so feature modules never call each other.

use crate::audit::AuditAction;
use crate::sql::{self, parse_id, parse_ts};
use crate::write::AuditRow;
use crate::{Actor, Backend, Result, Scope, Store, StoreError, new_id};
use domain::events::DomainEvent;
use domain::ids::ProviderId;
use serde::Serialize;
use sqlx::FromRow;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

/// A write transaction (every one the store begins lives as long as its pool).
pub(crate) type Tx = sqlx::Transaction<'static, sqlx::Any>;

/// What a subscriber's handler returns.
pub(crate) type Handled<'a> = Pin<Box<dyn Future<Output = Result<()>> + Send + 'a>>;

/// When a subscriber runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Delivery {
    /// In the transaction that records the event: the reaction commits or fails with it.
    InTransaction,
    /// After the commit, in a transaction of its own, at least once.
    AfterCommit,
}

/// A reaction of one feature to events of others.
pub(crate) struct Subscriber {
    /// Stable: stored on each delivery. "feature.reaction".
    pub name: &'static str,
    /// The event kinds it reacts to (`domain::events::kind`).
    pub kinds: &'static [&'static str],
    pub delivery: Delivery,
    /// Runs the reaction in `tx`, as `actor` (who made the change). Must be idempotent.
    pub handle: for<'a> fn(&'a mut Tx, &'a Actor, &'a DomainEvent) -> Handled<'a>,
}

tokio::task_local! {
    /// The events recorded by the change running in this task (see [`collecting`]).
    static RECORDED: std::cell::RefCell<Vec<Uuid>>;
}

/// Runs a change that records events and then calls [`Store::deliver_recorded`]: the ids of
/// the events it records are collected, so the delivery after its commit takes exactly
/// those, never another request's (which would wait on that request's locks).
pub(crate) async fn collecting<F: Future>(change: F) -> F::Output {
    RECORDED
        .scope(std::cell::RefCell::new(Vec::new()), change)
        .await
}

/// The events recorded so far in this task's [`collecting`] scope (emptied).
fn take_recorded() -> Vec<Uuid> {
    RECORDED
        .try_with(|r| std::mem::take(&mut *r.borrow_mut()))
        .unwrap_or_default()
}

/// How long after recording an after-commit delivery becomes due for the dispatcher. The
/// change that recorded it delivers it straight after its commit; the dispatcher is the
/// safety net for a crash or a failure in between, so it leaves fresh deliveries alone
/// rather than race the caller for them.
const FIRST_ATTEMPT_GRACE: time::Duration = time::Duration::seconds(2);

fn subscriber(name: &str) -> Option<&'static Subscriber> {
    crate::subscribers().find(|s| s.name == name)
}

/// Records `event` in the caller's transaction: writes it, runs the in-transaction
/// subscribers, and queues one delivery per after-commit subscriber.
pub(crate) async fn record(
    tx: &mut Tx,
    scope: Scope,
    actor: &Actor,
    event: DomainEvent,
) -> Result<Uuid> {
    if event.provider_id() != scope.provider_id {
        return Err(StoreError::Corrupt(format!(
            "event {} is for another provider than the change's",
            event.kind()
        )));
    }
    let id = new_id();
    let now = sql::ts(sql::now());
    let p = sql::id(scope.provider_id);
    sqlx::query(
        "INSERT INTO outbox_events (id, provider_id, kind, version, payload, created_at, actor_user_id, actor_name) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(sql::id(id))
    .bind(&p)
    .bind(event.kind())
    .bind(i64::from(event.version()))
    .bind(event.payload())
    .bind(&now)
    .bind(actor.user_id.map(sql::id))
    .bind(&actor.name)
    .execute(&mut **tx)
    .await?;
    let due = sql::ts(sql::now() + FIRST_ATTEMPT_GRACE);
    let mut queued = false;
    for s in crate::subscribers().filter(|s| s.kinds.contains(&event.kind())) {
        match s.delivery {
            Delivery::InTransaction => (s.handle)(tx, actor, &event).await?,
            Delivery::AfterCommit => {
                queued = true;
                sqlx::query(
                    "INSERT INTO outbox_deliveries (event_id, subscriber, provider_id, attempts, next_attempt_at, dead) \
                     VALUES ($1, $2, $3, 0, $4, 0)",
                )
                .bind(sql::id(id))
                .bind(s.name)
                .bind(&p)
                .bind(&due)
                .execute(&mut **tx)
                .await?;
            }
        }
    }
    if queued {
        let _ = RECORDED.try_with(|r| r.borrow_mut().push(id));
    }
    Ok(id)
}

/// How often a failing delivery is retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// After this many failed attempts the delivery is dead (until retried by hand).
    pub max_attempts: i64,
    /// The wait after the first failure; it doubles with each further one...
    pub first_delay: Duration,
    /// ...up to this.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 8,
            first_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(300),
        }
    }
}

impl RetryPolicy {
    /// The wait before the next attempt after `failures` failed ones (1 s, 2 s, 4 s, ...
    /// capped).
    pub fn delay(&self, failures: i64) -> Duration {
        let doublings = u32::try_from(failures.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
        self.first_delay
            .saturating_mul(2u32.saturating_pow(doublings))
            .min(self.max_delay)
    }
}

/// A due delivery taken by one dispatcher for the length of its lease.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedDelivery {
    pub event_id: Uuid,
    pub subscriber: String,
    pub attempts: i64,
}

/// What came of one delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryOutcome {
    Delivered,
    /// Someone delivered it first, or it is dead: nothing was done.
    AlreadyDone,
    /// It failed and will be tried again after the policy's wait.
    Failed {
        error: String,
    },
    /// It failed for the last time.
    Dead {
        error: String,
    },
}

/// A delivery that failed for good, for the system administrator.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeadDelivery {
    pub event_id: Uuid,
    pub provider_id: ProviderId,
    /// The event's kind, for example `appointment.ended`.
    pub kind: String,
    /// The subscriber that failed, for example `gateway.reconcile`.
    pub subscriber: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    /// When the event was recorded.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

/// How long a claim keeps other dispatchers off a delivery.
const LEASE: time::Duration = time::Duration::minutes(2);

/// A due delivery, as stored.
#[derive(FromRow)]
struct DueRow {
    event_id: String,
    subscriber: String,
    attempts: i64,
}

/// A recorded event with who made the change, as stored.
#[derive(FromRow)]
struct EventRow {
    kind: String,
    version: i64,
    payload: String,
    actor_user_id: Option<String>,
    actor_name: String,
}

/// A recorded event, as stored.
#[derive(FromRow)]
struct RecordedEventRow {
    kind: String,
    version: i64,
    payload: String,
}

/// An undelivered delivery and its claim, as stored.
#[derive(FromRow)]
struct UndeliveredRow {
    event_id: String,
    subscriber: String,
    claimed_until: Option<String>,
}

/// A dead delivery with its event, as stored.
#[derive(FromRow)]
struct DeadRow {
    event_id: String,
    provider_id: String,
    kind: String,
    subscriber: String,
    attempts: i64,
    last_error: Option<String>,
    created_at: String,
}

impl TryFrom<DeadRow> for DeadDelivery {
    type Error = StoreError;
    fn try_from(r: DeadRow) -> Result<Self> {
        Ok(DeadDelivery {
            event_id: parse_id(&r.event_id)?,
            provider_id: parse_id(&r.provider_id)?,
            kind: r.kind,
            subscriber: r.subscriber,
            attempts: r.attempts,
            last_error: r.last_error,
            created_at: parse_ts(&r.created_at)?,
        })
    }
}

impl Store {
    /// Claims up to `limit` due deliveries for this dispatcher. On PostgreSQL several
    /// service instances claim at once without waiting for, or taking, each other's rows
    /// (`FOR UPDATE SKIP LOCKED`); on SQLite the single writer already takes turns.
    pub async fn claim_due_deliveries(&self, limit: i64) -> Result<Vec<ClaimedDelivery>> {
        let now = sql::now();
        let lock = match self.backend() {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let mut write = self.begin_change().await?;
        let tx = write.tx();
        let rows = sqlx::query_as::<_, DueRow>(&format!(
            "SELECT event_id, subscriber, attempts FROM outbox_deliveries \
             WHERE delivered_at IS NULL AND dead = 0 AND next_attempt_at <= $1 \
             AND (claimed_until IS NULL OR claimed_until < $1) \
             ORDER BY next_attempt_at, event_id LIMIT $2{lock}"
        ))
        .bind(sql::ts(now))
        .bind(limit)
        .fetch_all(&mut **tx)
        .await?;
        let mut claimed = Vec::with_capacity(rows.len());
        for r in rows {
            let DueRow {
                event_id,
                subscriber,
                attempts,
            } = r;
            sqlx::query(
                "UPDATE outbox_deliveries SET claimed_until = $1 WHERE event_id = $2 AND subscriber = $3",
            )
            .bind(sql::ts(now + LEASE))
            .bind(&event_id)
            .bind(&subscriber)
            .execute(&mut **tx)
            .await?;
            claimed.push(ClaimedDelivery {
                event_id: parse_id(&event_id)?,
                subscriber,
                attempts,
            });
        }
        write.commit().await?;
        Ok(claimed)
    }

    /// Runs one delivery: the subscriber's reaction and the delivered mark in one
    /// transaction. A failure rolls the reaction back and schedules the next attempt by
    /// `policy` (or marks the delivery dead after the last).
    pub async fn deliver(
        &self,
        event_id: Uuid,
        subscriber_name: &str,
        policy: &RetryPolicy,
    ) -> Result<DeliveryOutcome> {
        let mut write = self.begin_change().await?;
        let tx = write.tx();
        // Take the row first (its lock on PostgreSQL): a second deliverer waits here and
        // then finds it delivered.
        let taken = sqlx::query(
            "UPDATE outbox_deliveries SET attempts = attempts + 1 \
             WHERE event_id = $1 AND subscriber = $2 AND delivered_at IS NULL AND dead = 0",
        )
        .bind(sql::id(event_id))
        .bind(subscriber_name)
        .execute(&mut **tx)
        .await?;
        if taken.rows_affected() != 1 {
            write.rollback().await?;
            return Ok(DeliveryOutcome::AlreadyDone);
        }
        let row = sqlx::query_as::<_, EventRow>(
            "SELECT kind, version, payload, actor_user_id, actor_name FROM outbox_events WHERE id = $1",
        )
        .bind(sql::id(event_id))
        .fetch_one(&mut **tx)
        .await?;
        let attempt = async {
            let version = u32::try_from(row.version).unwrap_or(0);
            let event = DomainEvent::decode(&row.kind, version, &row.payload)
                .map_err(|e| StoreError::Corrupt(e.to_string()))?;
            let actor = Actor {
                user_id: row.actor_user_id.as_deref().map(parse_id).transpose()?,
                name: row.actor_name,
                provider_id: Some(event.provider_id()),
            };
            let s = subscriber(subscriber_name).ok_or_else(|| {
                StoreError::Config(format!("no event subscriber named {subscriber_name:?}"))
            })?;
            (s.handle)(tx, &actor, &event).await
        }
        .await;
        match attempt {
            Ok(()) => {
                sqlx::query(
                    "UPDATE outbox_deliveries SET delivered_at = $1, claimed_until = NULL, last_error = NULL \
                     WHERE event_id = $2 AND subscriber = $3",
                )
                .bind(sql::ts(sql::now()))
                .bind(sql::id(event_id))
                .bind(subscriber_name)
                .execute(&mut **tx)
                .await?;
                write.commit().await?;
                Ok(DeliveryOutcome::Delivered)
            }
            Err(e) => {
                write.rollback().await?;
                self.delivery_failed(event_id, subscriber_name, &e.to_string(), policy)
                    .await
            }
        }
    }

    async fn delivery_failed(
        &self,
        event_id: Uuid,
        subscriber_name: &str,
        error: &str,
        policy: &RetryPolicy,
    ) -> Result<DeliveryOutcome> {
        let mut write = self.begin_change().await?;
        let tx = write.tx();
        let attempts = sqlx::query_scalar::<_, i64>(
            "SELECT attempts FROM outbox_deliveries WHERE event_id = $1 AND subscriber = $2 \
             AND delivered_at IS NULL AND dead = 0",
        )
        .bind(sql::id(event_id))
        .bind(subscriber_name)
        .fetch_optional(&mut **tx)
        .await?;
        let Some(attempts) = attempts else {
            write.rollback().await?;
            return Ok(DeliveryOutcome::AlreadyDone);
        };
        let failures = attempts + 1;
        let dead = failures >= policy.max_attempts;
        let next = sql::now() + policy.delay(failures);
        let error: String = error.chars().take(2000).collect();
        sqlx::query(
            "UPDATE outbox_deliveries SET attempts = $1, last_error = $2, next_attempt_at = $3, \
             claimed_until = NULL, dead = $4 WHERE event_id = $5 AND subscriber = $6",
        )
        .bind(failures)
        .bind(&error)
        .bind(sql::ts(next))
        .bind(i64::from(dead))
        .bind(sql::id(event_id))
        .bind(subscriber_name)
        .execute(&mut **tx)
        .await?;
        write.commit().await?;
        if dead {
            tracing::error!(%event_id, subscriber = subscriber_name, attempts = failures, error = %error, "outbox: delivery is dead");
            Ok(DeliveryOutcome::Dead { error })
        } else {
            tracing::warn!(%event_id, subscriber = subscriber_name, attempts = failures, error = %error, "outbox: delivery failed; will retry");
            Ok(DeliveryOutcome::Failed { error })
        }
    }

    /// Delivers, right after a commit, the after-commit deliveries of the events this
    /// change recorded (collected by [`collecting`]), so whoever made the change sees every
    /// reaction when the call returns; then those of any event a delivery recorded. One
    /// another process is delivering is waited for (up to a few seconds). Failures are left
    /// to the dispatcher, with their backoff: the change itself has committed.
    pub(crate) async fn deliver_recorded(&self) {
        let mut events = take_recorded();
        if self.outbox_held() {
            // As if this process stopped after the commit: the deliveries are the
            // dispatcher's at once (a real stop leaves them to it after the grace).
            if let Err(e) = self.release_to_dispatcher(&events).await {
                tracing::warn!(error = %e, "outbox: could not release deliveries to the dispatcher");
            }
            return;
        }
        let policy = RetryPolicy::default();
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while !events.is_empty() {
            let pending = match self.undelivered(&events).await {
                Ok(p) => p,
                Err(e) => {
                    tracing::warn!(error = %e, "outbox: could not list the deliveries just recorded");
                    return;
                }
            };
            let mut waiting = false;
            for (event_id, name, claimed_elsewhere) in pending {
                if claimed_elsewhere {
                    waiting = true;
                    continue;
                }
                if let Err(e) = self.deliver(event_id, &name, &policy).await {
                    tracing::warn!(%event_id, subscriber = %name, error = %e, "outbox: delivery after commit failed");
                }
            }
            if waiting && std::time::Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(10)).await;
            } else {
                // Events the deliveries themselves recorded, if any.
                events = take_recorded();
            }
        }
    }

    /// Makes these events' undelivered deliveries due now.
    async fn release_to_dispatcher(&self, events: &[Uuid]) -> Result<()> {
        if events.is_empty() {
            return Ok(());
        }
        let placeholders = (0..events.len())
            .map(|i| format!("${}", i + 2))
            .collect::<Vec<_>>()
            .join(", ");
        let query = format!(
            "UPDATE outbox_deliveries SET next_attempt_at = $1 \
             WHERE event_id IN ({placeholders}) AND delivered_at IS NULL AND attempts = 0"
        );
        let mut q = sqlx::query(&query).bind(sql::ts(sql::now()));
        for id in events {
            q = q.bind(sql::id(*id));
        }
        let mut write = self.begin_change().await?;
        let tx = write.tx();
        q.execute(&mut **tx).await?;
        write.commit().await?;
        Ok(())
    }

    /// The undelivered, live deliveries of these events, and whether another dispatcher
    /// holds each.
    async fn undelivered(&self, events: &[Uuid]) -> Result<Vec<(Uuid, String, bool)>> {
        let now = sql::ts(sql::now());
        let placeholders = (0..events.len())
            .map(|i| format!("${}", i + 1))
            .collect::<Vec<_>>()
            .join(", ");
        let query = format!(
            "SELECT event_id, subscriber, claimed_until FROM outbox_deliveries \
             WHERE event_id IN ({placeholders}) AND delivered_at IS NULL AND dead = 0 \
             ORDER BY event_id, subscriber"
        );
        let mut q = sqlx::query_as::<_, UndeliveredRow>(&query);
        for id in events {
            q = q.bind(sql::id(*id));
        }
        q.fetch_all(self.pool())
            .await?
            .into_iter()
            .map(|r| {
                Ok((
                    parse_id(&r.event_id)?,
                    r.subscriber,
                    r.claimed_until.is_some_and(|c| c > now),
                ))
            })
            .collect()
    }

    /// The provider's recorded events of one kind, newest first, as stored (JSON
    /// payloads): what results and reporting will read, for checks and support.
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, kind = kind))]
    pub async fn recorded_events(
        &self,
        scope: Scope,
        kind: &str,
        limit: i64,
    ) -> Result<Vec<DomainEvent>> {
        let rows = sqlx::query_as::<_, RecordedEventRow>(
            "SELECT kind, version, payload FROM outbox_events WHERE provider_id = $1 AND kind = $2 \
             ORDER BY created_at DESC, id DESC LIMIT $3",
        )
        .bind(sql::id(scope.provider_id))
        .bind(kind)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                DomainEvent::decode(
                    &r.kind,
                    u32::try_from(r.version).unwrap_or(u32::MAX),
                    &r.payload,
                )
                .map_err(|e| StoreError::Corrupt(e.to_string()))
            })
            .collect()
    }

    /// Dead deliveries at every provider, newest first (for the system administrator).
    pub async fn dead_deliveries(&self, limit: i64) -> Result<Vec<DeadDelivery>> {
        let rows = sqlx::query_as::<_, DeadRow>(
            "SELECT d.event_id, d.provider_id, e.kind, d.subscriber, d.attempts, d.last_error, e.created_at \
             FROM outbox_deliveries d JOIN outbox_events e ON e.id = d.event_id \
             WHERE d.dead = 1 ORDER BY e.created_at DESC, d.subscriber LIMIT $1",
        )
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    /// Gives a dead delivery a fresh set of attempts, due now; audited. Not found unless it
    /// is dead.
    pub async fn retry_dead_delivery(
        &self,
        actor: &Actor,
        event_id: Uuid,
        subscriber_name: &str,
    ) -> Result<()> {
        let mut write = self.begin_change().await?;
        let tx = write.tx();
        let done = sqlx::query(
            "UPDATE outbox_deliveries SET dead = 0, attempts = 0, next_attempt_at = $1, claimed_until = NULL \
             WHERE event_id = $2 AND subscriber = $3 AND dead = 1 AND delivered_at IS NULL",
        )
        .bind(sql::ts(sql::now()))
        .bind(sql::id(event_id))
        .bind(subscriber_name)
        .execute(&mut **tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::NotFound);
        }
        write
            .commit_audited(AuditRow::new(
                actor,
                AuditAction::Update,
                "outbox_delivery",
                event_id,
                None,
                serde_json::json!({ "subscriber": subscriber_name, "retried": true }),
            ))
            .await?;
        Ok(())
    }

    /// Whether deliveries are held (tests of what a crash between the commit and the
    /// delivery leaves behind).
    pub fn outbox_held(&self) -> bool {
        self.outbox_hold.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Holds every delivery (after the commit and by the dispatcher) while `held`. Only
    /// for tests that stop the service between a commit and its deliveries.
    #[doc(hidden)]
    pub fn hold_outbox_for_tests(&self, held: bool) {
        self.outbox_hold
            .store(held, std::sync::atomic::Ordering::Relaxed);
    }
}
