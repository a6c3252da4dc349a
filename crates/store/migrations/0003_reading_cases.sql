-- Image reading: a case is opened for every appointment that ends Screened or Partially
-- screened; its reading window runs from the screening date.
CREATE TABLE reading_cases (
    id TEXT PRIMARY KEY,
    provider_id TEXT NOT NULL REFERENCES providers (id),
    appointment_id TEXT NOT NULL UNIQUE REFERENCES appointments (id),
    episode_id TEXT NOT NULL REFERENCES episodes (id),
    participant_id TEXT NOT NULL REFERENCES participants (id),
    screened_on TEXT NOT NULL,
    state TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX reading_cases_provider_state ON reading_cases (provider_id, state, screened_on);
