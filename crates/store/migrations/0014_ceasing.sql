-- A participant's screening status (issue 12, items 4 and 5): ceased, under treatment or
-- invited; the last deferral; the very high risk flag. One row per participant once
-- anything was recorded (no row: invited as her episode type says). Every change is also
-- an append-only row in participant_status_history.
CREATE TABLE participant_screening_status (
    participant_id TEXT PRIMARY KEY REFERENCES participants (id),
    provider_id TEXT NOT NULL REFERENCES providers (id),
    -- 'active', 'ceased' or 'under_treatment'
    standing TEXT NOT NULL,
    -- the cease reason (ceased only)
    cease_reason TEXT,
    -- the day she was ceased or referred for treatment
    standing_since TEXT,
    deferral_reason TEXT,
    deferred_until TEXT,
    vhr_basis TEXT,
    vhr_confirmed_on TEXT,
    changed_by_name TEXT NOT NULL,
    changed_at TEXT NOT NULL
);
CREATE INDEX participant_screening_status_provider ON participant_screening_status (provider_id, standing);

CREATE TABLE participant_status_history (
    id TEXT PRIMARY KEY,
    provider_id TEXT NOT NULL REFERENCES providers (id),
    participant_id TEXT NOT NULL REFERENCES participants (id),
    -- domain::ceasing::StatusChange
    change TEXT NOT NULL,
    -- the reason's stored value (cease, deferral, VHR basis) or the reason given in words
    reason TEXT NOT NULL,
    details TEXT NOT NULL,
    -- the day the change is about: ceased on, deferred until, VHR confirmed on, signed
    -- form received on
    effective_on TEXT,
    changed_by TEXT REFERENCES users (id),
    changed_by_name TEXT NOT NULL,
    changed_at TEXT NOT NULL
);
CREATE INDEX participant_status_history_participant ON participant_status_history (provider_id, participant_id, changed_at);
