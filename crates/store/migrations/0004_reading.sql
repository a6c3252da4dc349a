-- Image reading: reads, arbitration, sessions, holds (deferrals and priors), the
-- provider's reading settings, and the episode's outcome with its history.

-- A provider's reading rules. No row means the defaults (domain::reading::ReadingRules,
-- ReadingWindow).
CREATE TABLE reading_settings (
    provider_id TEXT PRIMARY KEY REFERENCES providers (id),
    blinded BIGINT NOT NULL,
    arbitration_policy TEXT NOT NULL,
    finalisation_delay_minutes BIGINT NOT NULL,
    window_days BIGINT NOT NULL,
    due_soon_days BIGINT NOT NULL,
    urgent_days BIGINT NOT NULL,
    updated_by_name TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- What the readers need from the appointment, copied when the case opens, and the case's
-- place in reading.
ALTER TABLE reading_cases ADD COLUMN clinic_id TEXT REFERENCES clinics (id);
ALTER TABLE reading_cases ADD COLUMN completeness TEXT NOT NULL DEFAULT 'complete';
ALTER TABLE reading_cases ADD COLUMN first_reader_id TEXT REFERENCES users (id);
ALTER TABLE reading_cases ADD COLUMN second_reader_id TEXT REFERENCES users (id);
-- When the latest read becomes final (state awaiting_finalisation only).
ALTER TABLE reading_cases ADD COLUMN finalises_at TEXT;
-- 'deferred' or 'priors' while the case is held back from reading.
ALTER TABLE reading_cases ADD COLUMN held TEXT;
ALTER TABLE reading_cases ADD COLUMN priors_status TEXT NOT NULL DEFAULT 'not_requested';
-- A reader who has the case open in a session keeps it from others until this time.
ALTER TABLE reading_cases ADD COLUMN claimed_by TEXT REFERENCES users (id);
ALTER TABLE reading_cases ADD COLUMN claimed_until TEXT;
ALTER TABLE reading_cases ADD COLUMN outcome TEXT;
ALTER TABLE reading_cases ADD COLUMN concluded_at TEXT;
ALTER TABLE reading_cases ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
CREATE INDEX reading_cases_queue ON reading_cases (provider_id, state, held, screened_on, id);
CREATE INDEX reading_cases_concluded ON reading_cases (provider_id, concluded_at);

-- One row per read; a reader can give only one read of a case, and each slot only once.
CREATE TABLE reads (
    id TEXT PRIMARY KEY,
    provider_id TEXT NOT NULL REFERENCES providers (id),
    case_id TEXT NOT NULL REFERENCES reading_cases (id),
    slot TEXT NOT NULL,
    reader_id TEXT NOT NULL REFERENCES users (id),
    reader_name TEXT NOT NULL,
    opinion_kind TEXT NOT NULL,
    opinion TEXT NOT NULL,
    given_at TEXT NOT NULL,
    finalised_early BIGINT NOT NULL DEFAULT 0,
    session_id TEXT,
    -- Copied from the case for the readers' statistics (no join over a year of reads):
    -- 1 once the case went to arbitration, and the kind of opinion that made the result.
    arbitrated BIGINT NOT NULL DEFAULT 0,
    case_final_kind TEXT,
    UNIQUE (case_id, slot),
    UNIQUE (case_id, reader_id)
);
CREATE INDEX reads_reader ON reads (provider_id, reader_id, given_at);
CREATE INDEX reads_given ON reads (provider_id, given_at);

-- The arbitration of a case: a solo arbitrator or a panel (everyone present).
CREATE TABLE arbitrations (
    id TEXT PRIMARY KEY,
    provider_id TEXT NOT NULL REFERENCES providers (id),
    case_id TEXT NOT NULL UNIQUE REFERENCES reading_cases (id),
    arbitrators TEXT NOT NULL,
    arbitrator_names TEXT NOT NULL,
    decision TEXT NOT NULL,
    recorded_by TEXT NOT NULL REFERENCES users (id),
    recorded_at TEXT NOT NULL
);

-- A reader's opinion in progress (the pages before "Confirm your opinion").
CREATE TABLE opinion_drafts (
    provider_id TEXT NOT NULL REFERENCES providers (id),
    case_id TEXT NOT NULL REFERENCES reading_cases (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    purpose TEXT NOT NULL,
    opinion TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (case_id, user_id, purpose)
);

-- A reading session: cases are added one at a time as the reader reaches them.
CREATE TABLE reading_sessions (
    id TEXT PRIMARY KEY,
    provider_id TEXT NOT NULL REFERENCES providers (id),
    reader_id TEXT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL,
    clinic_id TEXT REFERENCES clinics (id),
    size BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    ended_at TEXT
);
CREATE INDEX reading_sessions_reader ON reading_sessions (provider_id, reader_id, created_at);

CREATE TABLE reading_session_cases (
    session_id TEXT NOT NULL REFERENCES reading_sessions (id),
    provider_id TEXT NOT NULL REFERENCES providers (id),
    case_id TEXT NOT NULL REFERENCES reading_cases (id),
    position BIGINT NOT NULL,
    result TEXT,
    at TEXT NOT NULL,
    PRIMARY KEY (session_id, case_id)
);

-- Deferrals and requests for prior mammograms, and how each was released.
CREATE TABLE case_holds (
    id TEXT PRIMARY KEY,
    provider_id TEXT NOT NULL REFERENCES providers (id),
    case_id TEXT NOT NULL REFERENCES reading_cases (id),
    kind TEXT NOT NULL,
    reason TEXT NOT NULL,
    requested_by_name TEXT NOT NULL,
    requested_at TEXT NOT NULL,
    released_by_name TEXT,
    released_at TEXT,
    released_how TEXT
);
CREATE INDEX case_holds_open ON case_holds (provider_id, kind, released_at, requested_at);

-- The episode's result and every change of its stage or outcome (append-only).
ALTER TABLE episodes ADD COLUMN next_test_due TEXT;
CREATE TABLE episode_history (
    id TEXT PRIMARY KEY,
    provider_id TEXT NOT NULL REFERENCES providers (id),
    episode_id TEXT NOT NULL REFERENCES episodes (id),
    stage TEXT NOT NULL,
    outcome TEXT,
    next_test_due TEXT,
    reason TEXT NOT NULL,
    changed_by_name TEXT NOT NULL,
    changed_at TEXT NOT NULL
);
CREATE INDEX episode_history_episode ON episode_history (provider_id, episode_id, changed_at);

-- Follow-up requests made by a reading result carry what the office needs to act on.
ALTER TABLE follow_up_requests ADD COLUMN details TEXT NOT NULL DEFAULT '';
ALTER TABLE follow_up_requests ADD COLUMN reading_case_id TEXT REFERENCES reading_cases (id);

-- The kind of the opinion that made the result (for reader agreement statistics).
ALTER TABLE reading_cases ADD COLUMN final_opinion_kind TEXT;

-- What each completed appointment's images were, by whom: the mammographer's statistics.
CREATE TABLE image_records (
    appointment_id TEXT PRIMARY KEY REFERENCES appointments (id),
    provider_id TEXT NOT NULL REFERENCES providers (id),
    user_id TEXT REFERENCES users (id),
    user_name TEXT NOT NULL,
    screened_on TEXT NOT NULL,
    images BIGINT NOT NULL,
    repeats BIGINT NOT NULL,
    repeat_reasons TEXT NOT NULL,
    completeness TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    -- 1 once the reading result was a technical recall (set when the case concludes).
    technical_recall BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX image_records_user ON image_records (provider_id, screened_on, user_id);
