-- How each result reaches people (issue 13, ADR 28): one delivery per result and channel
-- (the participant's letter, the GP message), made in the transaction that issues the
-- result, so every result has both or a reason why not. `domain::delivery` holds the
-- states and their moves; `result_delivery_history` keeps every move (append-only).

CREATE TABLE print_batches (
    id TEXT PRIMARY KEY,
    provider_id TEXT NOT NULL REFERENCES providers (id),
    -- The PDF in the print folder, beside its manifest (`<file>.manifest.json`).
    file_name TEXT NOT NULL,
    letter_count BIGINT NOT NULL,
    page_count BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    created_by_name TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX print_batches_provider ON print_batches (provider_id, created_at);

CREATE TABLE result_deliveries (
    id TEXT PRIMARY KEY,
    provider_id TEXT NOT NULL REFERENCES providers (id),
    result_id TEXT NOT NULL REFERENCES results (id),
    participant_id TEXT NOT NULL REFERENCES participants (id),
    -- domain::delivery::Channel and DeliveryState
    channel TEXT NOT NULL,
    state TEXT NOT NULL,
    -- Why it was not sent, failed or was resolved; a re-issue's reason.
    reason TEXT NOT NULL,
    -- The practice the GP message goes to (as registered when the result was issued).
    gp_practice_code TEXT NOT NULL,
    -- A "did not attend" result is held until this clinic is closed or its day has passed.
    hold_clinic_id TEXT REFERENCES clinics (id),
    -- A re-issued letter names the letter it repeats.
    reissue_of TEXT REFERENCES result_deliveries (id),
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    -- A sender's lease, so that instances sharing the database never send one twice.
    claimed_until TEXT,
    last_error TEXT,
    mesh_mailbox TEXT,
    mesh_message_id TEXT,
    print_batch_id TEXT REFERENCES print_batches (id),
    -- SHA-256 of the letter or the message as sent.
    sha256 TEXT,
    queued_at TEXT NOT NULL,
    sent_at TEXT,
    delivered_at TEXT,
    acknowledged_at TEXT,
    updated_at TEXT NOT NULL
);
CREATE INDEX result_deliveries_result ON result_deliveries (provider_id, result_id);
CREATE INDEX result_deliveries_state ON result_deliveries (provider_id, state, queued_at);
CREATE INDEX result_deliveries_due ON result_deliveries (channel, state, next_attempt_at);
CREATE INDEX result_deliveries_message ON result_deliveries (mesh_message_id);
CREATE INDEX result_deliveries_batch ON result_deliveries (provider_id, print_batch_id);

CREATE TABLE result_delivery_history (
    id TEXT PRIMARY KEY,
    provider_id TEXT NOT NULL REFERENCES providers (id),
    delivery_id TEXT NOT NULL REFERENCES result_deliveries (id),
    state TEXT NOT NULL,
    detail TEXT NOT NULL,
    actor_name TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX result_delivery_history_delivery ON result_delivery_history (provider_id, delivery_id, created_at);
