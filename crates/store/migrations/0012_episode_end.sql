-- The whole episode (issue 12): every episode ends with an end code and a reason, kept on
-- the episode and in its history (a correction is a new history row, never an edit).
ALTER TABLE episodes ADD COLUMN end_code TEXT;
ALTER TABLE episodes ADD COLUMN end_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE episode_history ADD COLUMN end_code TEXT;

-- Episodes closed before end codes existed take the one their outcome implies.
UPDATE episodes SET end_code = CASE outcome
    WHEN 'routine_recall' THEN 'routine_recall'
    WHEN 'partial_mammography' THEN 'routine_recall'
    WHEN 'attended_not_screened' THEN 'attended_not_screened'
    WHEN 'opt_out_requested' THEN 'opted_out'
    WHEN 'early_recall' THEN 'early_recall_12_months'
    ELSE 'no_result' END
WHERE stage = 'closed' AND end_code IS NULL;

-- A follow-up request booked into an appointment of its episode; the appointment knows the
-- request it answers (a recall asks only for the views requested).
ALTER TABLE follow_up_requests ADD COLUMN booked_appointment_id TEXT;
-- The standard views a recall asks for ("rmlo,lcc"; empty: the standard set).
ALTER TABLE follow_up_requests ADD COLUMN views TEXT NOT NULL DEFAULT '';
ALTER TABLE appointments ADD COLUMN follow_up_id TEXT;

CREATE INDEX episodes_provider_stage ON episodes (provider_id, stage, opened_on);
CREATE INDEX appointments_provider_slot ON appointments (provider_id, slot_id);
CREATE INDEX follow_up_requests_participant ON follow_up_requests (provider_id, participant_id);
CREATE INDEX follow_up_requests_booked ON follow_up_requests (provider_id, booked_appointment_id);
