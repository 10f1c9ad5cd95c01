-- The call center's remote attempts (tier 1) made before a roster routes
-- what is left; a resolved attempt needs no visit.
CREATE TABLE roster_remote (
    roster_id INTEGER NOT NULL REFERENCES rosters (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    ticket_id TEXT NOT NULL,
    agent INTEGER NOT NULL,
    start_at TEXT NOT NULL,
    end_at TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('resolved', 'dispatched')),
    responded_in_time INTEGER NOT NULL,
    PRIMARY KEY (roster_id, position)
);
