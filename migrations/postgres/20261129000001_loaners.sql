-- Loaners: backup equipment planned for tickets whose 48 h repair limit
-- cannot be met, listed with the roster that found it.
CREATE TABLE roster_loaners (
    roster_id BIGINT NOT NULL REFERENCES rosters (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    ticket_id TEXT NOT NULL,
    repaired_by TIMESTAMPTZ NOT NULL,
    source TEXT NOT NULL,
    detail TEXT NOT NULL,
    PRIMARY KEY (roster_id, position)
);
