-- How each result is coded in GP messages, as a system administrator set it (issue 13:
-- the mapping is data, because NHS England plans new codes). National, not a provider's.
-- A result kind without a row uses the reference's codes (domain::results::default_coding).
-- A code left empty means the result travels as text. Each result keeps the codes it
-- was issued with, so a change here never rewrites what was sent.
CREATE TABLE result_codings (
    kind TEXT PRIMARY KEY,
    finding_code TEXT,
    finding_display TEXT,
    procedure_code TEXT,
    procedure_display TEXT,
    updated_by_name TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
