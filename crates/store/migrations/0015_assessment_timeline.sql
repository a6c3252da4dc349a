-- The participant timeline (issue 12) lists every assessment recording of a participant:
-- looked up by provider and participant, like the timeline's other queries.
CREATE INDEX assessments_participant ON assessments (provider_id, participant_id);
