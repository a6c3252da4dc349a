-- Wrong-participant images (issue 9, item 3). Attaching a quarantined image whose
-- PatientID is not the participant's NHS number (or one detached before as a different
-- participant's) takes two people: one asks (attach_requested_*), a different one confirms.
-- An attached image can be detached and put back in quarantine ("These are a different
-- participant's images"): detached_* say from which appointment, by whom, when and why.
ALTER TABLE gateway_images ADD COLUMN attach_requested_for TEXT REFERENCES appointments (id);
ALTER TABLE gateway_images ADD COLUMN attach_requested_by TEXT REFERENCES users (id);
ALTER TABLE gateway_images ADD COLUMN attach_requested_by_name TEXT;
ALTER TABLE gateway_images ADD COLUMN attach_requested_at TEXT;
ALTER TABLE gateway_images ADD COLUMN attach_request_reason TEXT;
ALTER TABLE gateway_images ADD COLUMN detached_from TEXT REFERENCES appointments (id);
ALTER TABLE gateway_images ADD COLUMN detached_by_name TEXT;
ALTER TABLE gateway_images ADD COLUMN detached_at TEXT;
ALTER TABLE gateway_images ADD COLUMN detach_reason TEXT;
