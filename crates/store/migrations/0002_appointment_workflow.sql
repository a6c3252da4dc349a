-- The screening appointment workflow: answers per step, notes, follow-up requests, and
-- medical history carried forward between episodes.

-- Who made the latest change to an appointment (any step or status), so a refused stale
-- save can say who changed it.
ALTER TABLE appointments ADD COLUMN last_changed_by_name TEXT NOT NULL DEFAULT '';
ALTER TABLE appointments ADD COLUMN last_changed_at TEXT NOT NULL DEFAULT '';
-- The room the images are taken in (remembered per user as their default).
ALTER TABLE appointments ADD COLUMN room_id TEXT REFERENCES rooms (id);

-- One JSON document per workflow step ("identity", "medical", "images", "ending", ...).
-- Each save replaces the document and bumps appointments.version in one transaction.
CREATE TABLE appointment_sections (
    appointment_id TEXT NOT NULL REFERENCES appointments (id),
    provider_id TEXT NOT NULL REFERENCES providers (id),
    section TEXT NOT NULL,
    data TEXT NOT NULL,
    updated_by TEXT REFERENCES users (id),
    updated_by_name TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (appointment_id, section)
);
CREATE INDEX appointment_sections_provider ON appointment_sections (provider_id, appointment_id);

CREATE TABLE appointment_notes (
    id TEXT PRIMARY KEY,
    provider_id TEXT NOT NULL REFERENCES providers (id),
    appointment_id TEXT NOT NULL REFERENCES appointments (id),
    body TEXT NOT NULL,
    author_id TEXT REFERENCES users (id),
    author_name TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX appointment_notes_appointment ON appointment_notes (provider_id, appointment_id, created_at);

-- Requests the office acts on: recall for more images, and reschedules.
CREATE TABLE follow_up_requests (
    id TEXT PRIMARY KEY,
    provider_id TEXT NOT NULL REFERENCES providers (id),
    participant_id TEXT NOT NULL REFERENCES participants (id),
    episode_id TEXT NOT NULL REFERENCES episodes (id),
    appointment_id TEXT NOT NULL REFERENCES appointments (id),
    kind TEXT NOT NULL,
    timescale TEXT NOT NULL,
    note TEXT NOT NULL,
    status TEXT NOT NULL,
    created_by_name TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX follow_up_requests_open ON follow_up_requests (provider_id, status, created_at);

-- The participant's medical information as last confirmed, carried into the next episode
-- for the mammographer to confirm or update.
CREATE TABLE participant_medical (
    participant_id TEXT PRIMARY KEY REFERENCES participants (id),
    provider_id TEXT NOT NULL REFERENCES providers (id),
    data TEXT NOT NULL,
    recorded_appointment_id TEXT NOT NULL REFERENCES appointments (id),
    recorded_on TEXT NOT NULL
);

-- A mammographer's remembered room.
CREATE TABLE user_preferences (
    user_id TEXT NOT NULL REFERENCES users (id),
    provider_id TEXT NOT NULL REFERENCES providers (id),
    room_id TEXT REFERENCES rooms (id),
    PRIMARY KEY (user_id, provider_id)
);

-- How many images the latest images record holds: once any is taken, the appointment can
-- only be paused, not stopped or reverted.
ALTER TABLE appointments ADD COLUMN images_taken BIGINT NOT NULL DEFAULT 0;
