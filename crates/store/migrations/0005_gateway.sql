-- The automatic image flow (docs/adr/0011-gateway-protocol.md): DICOM gateways on hospital
-- networks pull worklist items and push events (images, MPPS, echo). Every table is
-- provider-owned and carries provider_id.

-- A gateway belongs to one provider. Only the SHA-256 of its bearer token is kept.
CREATE TABLE gateways (
    id TEXT PRIMARY KEY,
    provider_id TEXT NOT NULL REFERENCES providers (id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked_at TEXT,
    -- Health, from the gateway's own requests.
    last_contact_at TEXT,
    queue_depth BIGINT NOT NULL DEFAULT 0,
    last_echo_at TEXT,
    last_echo_ok BIGINT,
    last_echo_round_trip_ms BIGINT,
    UNIQUE (provider_id, name)
);

-- Which rooms (x-ray machines) a gateway serves. A room with a gateway uses the automatic
-- image flow; any other room, the manual one.
CREATE TABLE gateway_rooms (
    room_id TEXT PRIMARY KEY REFERENCES rooms (id),
    provider_id TEXT NOT NULL REFERENCES providers (id),
    gateway_id TEXT NOT NULL REFERENCES gateways (id)
);
CREATE INDEX gateway_rooms_gateway ON gateway_rooms (provider_id, gateway_id);

-- Per provider: when worklist items are issued ('images': on reaching "Take mammogram
-- images"; 'checked_in': at check-in), and the worklist change counter. The counter row
-- is updated in every transaction that changes a worklist item, so changes are numbered
-- in commit order and a gateway's cursor never skips one.
CREATE TABLE gateway_settings (
    provider_id TEXT PRIMARY KEY REFERENCES providers (id),
    worklist_issued_at TEXT NOT NULL DEFAULT 'images',
    worklist_seq BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE worklist_items (
    id TEXT PRIMARY KEY,
    provider_id TEXT NOT NULL REFERENCES providers (id),
    appointment_id TEXT NOT NULL REFERENCES appointments (id),
    accession_number TEXT NOT NULL,
    study_instance_uid TEXT NOT NULL,
    revision BIGINT NOT NULL,
    status TEXT NOT NULL,
    room_id TEXT REFERENCES rooms (id),
    station_ae_title TEXT NOT NULL,
    -- worklist_seq when last changed: the gateway's cursor.
    seq BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (provider_id, appointment_id),
    UNIQUE (provider_id, accession_number),
    UNIQUE (study_instance_uid)
);
CREATE INDEX worklist_items_seq ON worklist_items (provider_id, seq);

-- Every event a gateway delivered, by the gateway's idempotency key.
CREATE TABLE gateway_events (
    id TEXT NOT NULL,
    provider_id TEXT NOT NULL REFERENCES providers (id),
    gateway_id TEXT NOT NULL REFERENCES gateways (id),
    kind TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    received_at TEXT NOT NULL,
    outcome TEXT NOT NULL,
    PRIMARY KEY (provider_id, id)
);

-- Images received (metadata and thumbnail; the full image stays in PACS). appointment_id
-- is NULL while quarantined: an image is attached only when it matched.
CREATE TABLE gateway_images (
    id TEXT PRIMARY KEY,
    provider_id TEXT NOT NULL REFERENCES providers (id),
    gateway_id TEXT NOT NULL REFERENCES gateways (id),
    event_id TEXT NOT NULL,
    appointment_id TEXT REFERENCES appointments (id),
    sop_instance_uid TEXT NOT NULL,
    study_instance_uid TEXT,
    accession_number TEXT,
    patient_id TEXT,
    patient_name TEXT,
    -- The view as counted ('RCC', 'LMLOID', another view's code, or '' if unlabelled).
    view_code TEXT NOT NULL,
    counted BIGINT NOT NULL,
    entrance_dose_mgy DOUBLE PRECISION,
    organ_dose_mgy DOUBLE PRECISION,
    acquired_at TEXT,
    received_at TEXT NOT NULL,
    stored_at TEXT NOT NULL,
    -- Every field of the event, as JSON (without the thumbnail).
    metadata TEXT NOT NULL,
    thumbnail_media_type TEXT,
    thumbnail_base64 TEXT,
    thumbnail_width BIGINT,
    thumbnail_height BIGINT,
    -- Quarantine: why it was not attached, and what the office did.
    quarantine_reason TEXT,
    quarantine_status TEXT,
    quarantine_resolved_by_name TEXT,
    quarantine_resolved_at TEXT,
    UNIQUE (provider_id, sop_instance_uid)
);
CREATE INDEX gateway_images_appointment ON gateway_images (provider_id, appointment_id, stored_at);
CREATE INDEX gateway_images_quarantine ON gateway_images (provider_id, quarantine_status);

-- Modality Performed Procedure Steps, merged from events in any order.
CREATE TABLE gateway_mpps (
    mpps_instance_uid TEXT NOT NULL,
    provider_id TEXT NOT NULL REFERENCES providers (id),
    appointment_id TEXT REFERENCES appointments (id),
    study_instance_uid TEXT,
    accession_number TEXT,
    patient_id TEXT,
    status TEXT NOT NULL,
    performed_series TEXT NOT NULL,
    discontinuation_reason TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (provider_id, mpps_instance_uid)
);
CREATE INDEX gateway_mpps_appointment ON gateway_mpps (provider_id, appointment_id);

-- How an appointment's images are being recorded, once someone chose: 'manual' after
-- "Switch to manual image mode".
CREATE TABLE appointment_image_modes (
    appointment_id TEXT PRIMARY KEY REFERENCES appointments (id),
    provider_id TEXT NOT NULL REFERENCES providers (id),
    mode TEXT NOT NULL,
    reason TEXT NOT NULL,
    changed_by_name TEXT NOT NULL,
    changed_at TEXT NOT NULL
);

-- The safety check between what was recorded and what arrived, for the office to resolve.
CREATE TABLE image_discrepancies (
    id TEXT PRIMARY KEY,
    provider_id TEXT NOT NULL REFERENCES providers (id),
    appointment_id TEXT NOT NULL REFERENCES appointments (id),
    kind TEXT NOT NULL,
    detail TEXT NOT NULL,
    created_at TEXT NOT NULL,
    resolved_by TEXT REFERENCES users (id),
    resolved_by_name TEXT,
    resolved_at TEXT,
    resolution TEXT
);
CREATE INDEX image_discrepancies_open ON image_discrepancies (provider_id, resolved_at, created_at);
CREATE INDEX image_discrepancies_appointment ON image_discrepancies (provider_id, appointment_id);
