-- The routes of one revision (every roster read, every re-plan) and one
-- engineer's route in a revision: without it each read scanned every
-- route ever stored, which live dispatch's many revisions made slow.
CREATE INDEX roster_routes_by_roster ON roster_routes (roster_id, engineer_id);
