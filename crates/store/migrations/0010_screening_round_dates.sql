-- Dates and rounds (issue 9): the six-month rule looks up a participant's screens at any
-- provider by NHS number; booking looks for her open episode; next test due starts from
-- the first appointment of the episode.
CREATE INDEX participants_nhs_number ON participants (nhs_number);
CREATE INDEX reading_cases_participant ON reading_cases (provider_id, participant_id);
CREATE INDEX appointments_provider_episode ON appointments (provider_id, episode_id);
