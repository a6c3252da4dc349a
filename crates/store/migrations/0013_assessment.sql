-- Assessment (issue 12): one record per appointment in an assessment clinic, holding what
-- was done for each breast, the outcome (with a cancer's details) and the multidisciplinary
-- meeting's outcome. "Awaiting pathology" is recorded first and replaced by the pathology
-- outcome later; every recording is also kept, append-only, in assessment_history.
CREATE TABLE assessments (
    id TEXT PRIMARY KEY,
    provider_id TEXT NOT NULL REFERENCES providers (id),
    appointment_id TEXT NOT NULL REFERENCES appointments (id),
    episode_id TEXT NOT NULL REFERENCES episodes (id),
    participant_id TEXT NOT NULL REFERENCES participants (id),
    -- The day the participant was assessed (the appointment's clinic day).
    assessed_on TEXT NOT NULL,
    -- What was done, per breast: {"right": {...}, "left": {...}} (domain::assessment::BreastWork).
    work TEXT NOT NULL,
    -- domain::assessment::OutcomeKind, and the details some outcomes carry.
    outcome TEXT NOT NULL,
    early_recall_interval TEXT,
    invasiveness TEXT,
    size_band TEXT,
    grade TEXT,
    nodal_status TEXT,
    mdm_date TEXT,
    mdm_outcome TEXT,
    -- The end code the outcome closed the episode with (none while pathology is awaited).
    end_code TEXT,
    recorded_by TEXT,
    recorded_by_name TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    version BIGINT NOT NULL
);
CREATE UNIQUE INDEX assessments_appointment ON assessments (provider_id, appointment_id);
-- The office's "Awaiting pathology" list.
CREATE INDEX assessments_outcome ON assessments (provider_id, outcome, assessed_on);

CREATE TABLE assessment_history (
    id TEXT PRIMARY KEY,
    provider_id TEXT NOT NULL REFERENCES providers (id),
    assessment_id TEXT NOT NULL REFERENCES assessments (id),
    outcome TEXT NOT NULL,
    -- The whole record as recorded (domain::assessment::AssessmentRecord as JSON).
    record TEXT NOT NULL,
    recorded_by TEXT,
    recorded_by_name TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX assessment_history_assessment ON assessment_history (provider_id, assessment_id, recorded_at);
