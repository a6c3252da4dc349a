-- Domain events and the transactional outbox (docs/adr/0018-domain-events-transactional-outbox.md).
-- A change that another feature reacts to writes its event here in the change's own
-- transaction; each subscriber that reacts after the commit gets one delivery row, so
-- every subscriber's progress is tracked (and retried, or given up on) on its own.

-- One row per event: a UUIDv7 id (time-ordered), the provider, a stable kind
-- ("appointment.ended"), the payload version, the payload as JSON text, and who made the
-- change (after-commit subscribers act in their name, as in-transaction ones do).
CREATE TABLE outbox_events (
    id TEXT PRIMARY KEY,
    provider_id TEXT NOT NULL REFERENCES providers (id),
    kind TEXT NOT NULL,
    version BIGINT NOT NULL,
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL,
    actor_user_id TEXT,
    actor_name TEXT NOT NULL
);
CREATE INDEX outbox_events_provider ON outbox_events (provider_id, created_at);

-- One row per (event, after-commit subscriber). A dispatcher claims due rows by setting
-- claimed_until (a lease: another instance skips the row until it lapses), runs the
-- subscriber, and sets delivered_at in the subscriber's own transaction; a failure adds
-- an attempt, keeps the error and moves next_attempt_at back; after the last attempt the
-- row is dead until someone retries it.
CREATE TABLE outbox_deliveries (
    event_id TEXT NOT NULL REFERENCES outbox_events (id),
    subscriber TEXT NOT NULL,
    provider_id TEXT NOT NULL REFERENCES providers (id),
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    claimed_until TEXT,
    delivered_at TEXT,
    last_error TEXT,
    dead BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (event_id, subscriber)
);
CREATE INDEX outbox_deliveries_due ON outbox_deliveries (next_attempt_at)
    WHERE delivered_at IS NULL AND dead = 0;
CREATE INDEX outbox_deliveries_dead ON outbox_deliveries (dead, next_attempt_at)
    WHERE dead = 1;
