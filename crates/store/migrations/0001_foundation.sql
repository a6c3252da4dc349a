-- One schema for SQLite and PostgreSQL. Portable column types only: ids are UUIDv7 text,
-- instants are RFC 3339 UTC text with microseconds (so text order is time order), dates are
-- ISO 8601 text, flags are 0/1 integers, lists are JSON text. See docs/adr/0003.
-- Every provider-owned table carries provider_id: it scopes every query and is the shard
-- key for a distributed PostgreSQL later.

CREATE TABLE providers (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE locations (
    id TEXT PRIMARY KEY,
    provider_id TEXT NOT NULL REFERENCES providers (id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    address TEXT NOT NULL,
    postcode TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX locations_provider ON locations (provider_id);

CREATE TABLE rooms (
    id TEXT PRIMARY KEY,
    provider_id TEXT NOT NULL REFERENCES providers (id),
    location_id TEXT NOT NULL REFERENCES locations (id),
    name TEXT NOT NULL,
    machine TEXT NOT NULL,
    ae_title TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX rooms_provider_location ON rooms (provider_id, location_id);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    oidc_subject TEXT UNIQUE,
    is_system_admin BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);

CREATE TABLE user_roles (
    user_id TEXT NOT NULL REFERENCES users (id),
    provider_id TEXT NOT NULL REFERENCES providers (id),
    role TEXT NOT NULL,
    granted_at TEXT NOT NULL,
    PRIMARY KEY (user_id, provider_id, role)
);
CREATE INDEX user_roles_provider ON user_roles (provider_id);

CREATE TABLE participants (
    id TEXT PRIMARY KEY,
    provider_id TEXT NOT NULL REFERENCES providers (id),
    nhs_number TEXT NOT NULL,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    date_of_birth TEXT NOT NULL,
    sex TEXT NOT NULL,
    address_line_1 TEXT NOT NULL,
    address_line_2 TEXT NOT NULL,
    town TEXT NOT NULL,
    postcode TEXT NOT NULL,
    phone TEXT NOT NULL,
    email TEXT NOT NULL,
    gp_practice_code TEXT NOT NULL,
    ethnicity TEXT,
    communication_preferences TEXT NOT NULL,
    communication_notes TEXT NOT NULL,
    access_needs TEXT NOT NULL,
    access_notes TEXT NOT NULL,
    support_reasons TEXT NOT NULL,
    support_temporary BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (provider_id, nhs_number)
);
CREATE INDEX participants_provider_name ON participants (provider_id, last_name, first_name);

CREATE TABLE episodes (
    id TEXT PRIMARY KEY,
    provider_id TEXT NOT NULL REFERENCES providers (id),
    participant_id TEXT NOT NULL REFERENCES participants (id),
    episode_type TEXT NOT NULL,
    stage TEXT NOT NULL,
    outcome TEXT,
    opened_on TEXT NOT NULL,
    closed_on TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX episodes_provider_participant ON episodes (provider_id, participant_id);

CREATE TABLE clinics (
    id TEXT PRIMARY KEY,
    provider_id TEXT NOT NULL REFERENCES providers (id),
    location_id TEXT NOT NULL REFERENCES locations (id),
    clinic_date TEXT NOT NULL,
    session TEXT NOT NULL,
    clinic_type TEXT NOT NULL,
    risk_type TEXT NOT NULL,
    status TEXT NOT NULL,
    starts_at TEXT NOT NULL,
    ends_at TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX clinics_provider_date ON clinics (provider_id, clinic_date);

CREATE TABLE slots (
    id TEXT PRIMARY KEY,
    provider_id TEXT NOT NULL REFERENCES providers (id),
    clinic_id TEXT NOT NULL REFERENCES clinics (id),
    starts_at TEXT NOT NULL,
    duration_minutes BIGINT NOT NULL
);
CREATE INDEX slots_provider_clinic ON slots (provider_id, clinic_id);

CREATE TABLE appointments (
    id TEXT PRIMARY KEY,
    provider_id TEXT NOT NULL REFERENCES providers (id),
    clinic_id TEXT NOT NULL REFERENCES clinics (id),
    slot_id TEXT NOT NULL REFERENCES slots (id),
    participant_id TEXT NOT NULL REFERENCES participants (id),
    episode_id TEXT NOT NULL REFERENCES episodes (id),
    -- The latest row of appointment_status_history, kept beside it in the same transaction
    -- so lists need no aggregate; version guards against lost updates.
    status TEXT NOT NULL,
    status_changed_at TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX appointments_provider_clinic ON appointments (provider_id, clinic_id);
CREATE INDEX appointments_provider_participant ON appointments (provider_id, participant_id);

-- Append-only: the application inserts rows and never updates or deletes them.
CREATE TABLE appointment_status_history (
    id TEXT PRIMARY KEY,
    provider_id TEXT NOT NULL REFERENCES providers (id),
    appointment_id TEXT NOT NULL REFERENCES appointments (id),
    status TEXT NOT NULL,
    action TEXT,
    changed_by TEXT REFERENCES users (id),
    changed_by_name TEXT NOT NULL,
    changed_at TEXT NOT NULL
);
CREATE INDEX appointment_status_history_appointment
    ON appointment_status_history (provider_id, appointment_id, changed_at);

-- Append-only: who did, and who viewed, what. The application has no update or delete.
CREATE TABLE audit_log (
    id TEXT PRIMARY KEY,
    occurred_at TEXT NOT NULL,
    provider_id TEXT,
    user_id TEXT,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    participant_id TEXT,
    snapshot TEXT NOT NULL
);
CREATE INDEX audit_log_occurred ON audit_log (occurred_at);
CREATE INDEX audit_log_user ON audit_log (user_id, occurred_at);
CREATE INDEX audit_log_participant ON audit_log (participant_id, occurred_at);

CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    provider_id TEXT REFERENCES providers (id),
    csrf_token TEXT NOT NULL,
    auth_method TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    ended_at TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    provider_id TEXT NOT NULL REFERENCES providers (id),
    user_id TEXT REFERENCES users (id),
    name TEXT NOT NULL,
    roles TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
