-- The call center's remote attempts (tier 1) made before a roster routes
-- what is left; a resolved attempt needs no visit.
CREATE TABLE roster_remote (
    roster_id BIGINT NOT NULL REFERENCES rosters (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    ticket_id TEXT NOT NULL,
    agent BIGINT NOT NULL,
    start_at TIMESTAMPTZ NOT NULL,
    end_at TIMESTAMPTZ NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('resolved', 'dispatched')),
    responded_in_time BOOLEAN NOT NULL,
    PRIMARY KEY (roster_id, position)
);
