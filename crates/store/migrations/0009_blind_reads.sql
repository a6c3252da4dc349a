-- Whether a read was given blind (blinding on, the other opinion hidden from its reader).
-- A blind read's reader sees the other opinion only once their read is final, so it can
-- never be changed after seeing it (domain::reading::read_visible). Reads given before
-- this column existed count as blind: the safer assumption.
ALTER TABLE reads ADD COLUMN given_blind BIGINT NOT NULL DEFAULT 1;
