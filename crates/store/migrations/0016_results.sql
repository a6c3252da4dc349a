-- Results (issue 13): one record per result an episode gives, the single source that the
-- participant's letter and the GP message are both rendered from. Made in the transaction
-- that sets the outcome or closes the episode (a subscriber to its events). A correction
-- adds a version that supersedes the one before; a withdrawn result is superseded with
-- nothing in its place. Rows are never deleted.
CREATE TABLE results (
    id TEXT PRIMARY KEY,
    provider_id TEXT NOT NULL REFERENCES providers (id),
    episode_id TEXT NOT NULL REFERENCES episodes (id),
    participant_id TEXT NOT NULL REFERENCES participants (id),
    -- domain::results::ResultKind
    kind TEXT NOT NULL,
    -- 1, then one more for each correction of the same result.
    version BIGINT NOT NULL,
    -- The version this one supersedes.
    supersedes_id TEXT REFERENCES results (id),
    -- current, superseded (by a later version) or withdrawn (nothing in its place), and when
    -- it stopped being current.
    state TEXT NOT NULL,
    superseded_at TEXT,
    -- What the change said, kept as it was: the episode's outcome and end code, the next
    -- test due, and why.
    outcome TEXT,
    end_code TEXT,
    next_test_due TEXT,
    reason TEXT NOT NULL,
    -- The wording and the coding as issued (later changes to the mapping do not rewrite them).
    summary TEXT NOT NULL,
    gp_text TEXT NOT NULL,
    letter_template TEXT NOT NULL,
    finding_code TEXT,
    finding_display TEXT,
    procedure_code TEXT,
    procedure_display TEXT,
    issued_by_name TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX results_episode ON results (provider_id, episode_id, created_at);
CREATE INDEX results_participant ON results (provider_id, participant_id, created_at);
-- The office's queue: current results, newest first.
CREATE INDEX results_queue ON results (provider_id, state, created_at);
