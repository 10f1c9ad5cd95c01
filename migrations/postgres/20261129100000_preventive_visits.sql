-- Preventive visits: a key customer's two-monthly system analysis placed in
-- a roster's slack is a visit of kind 'preventive' (its ticket_id names the
-- key customer's visit, not a ticket); the roster also keeps how many
-- analyses were due and found no room.
ALTER TABLE roster_visits ADD COLUMN kind TEXT NOT NULL DEFAULT 'fault'
    CHECK (kind IN ('fault', 'preventive'));
ALTER TABLE rosters ADD COLUMN preventive_due BIGINT NOT NULL DEFAULT 0;
