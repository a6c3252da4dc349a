-- Follow-up requests move open -> booked -> done, or to cancelled (with a reason); each move
-- is kept here with who made it and when (append-only). The request row keeps its current
-- status beside it, like appointments.
CREATE TABLE follow_up_history (
    id TEXT PRIMARY KEY,
    provider_id TEXT NOT NULL REFERENCES providers (id),
    follow_up_id TEXT NOT NULL REFERENCES follow_up_requests (id),
    status TEXT NOT NULL,
    reason TEXT NOT NULL,
    changed_by TEXT REFERENCES users (id),
    changed_by_name TEXT NOT NULL,
    changed_at TEXT NOT NULL
);
CREATE INDEX follow_up_history_request ON follow_up_history (provider_id, follow_up_id, changed_at);

ALTER TABLE follow_up_requests ADD COLUMN status_changed_at TEXT;
ALTER TABLE follow_up_requests ADD COLUMN status_changed_by_name TEXT;
ALTER TABLE follow_up_requests ADD COLUMN status_reason TEXT NOT NULL DEFAULT '';

-- The office's settings, per provider: after how many days an open follow-up request is
-- tagged "Overdue" (no row: the default, 14).
CREATE TABLE office_settings (
    provider_id TEXT PRIMARY KEY REFERENCES providers (id),
    follow_up_overdue_days BIGINT NOT NULL,
    updated_by_name TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
