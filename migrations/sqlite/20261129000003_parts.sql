-- Part swaps: the spare part a ticket needs, and each stock point's
-- holding (a station, or a hub's warehouse as `hub:<region>`). Planning a
-- swap takes the part out of the engineer's starting stock in the same
-- transaction that stores the roster.
ALTER TABLE tickets ADD COLUMN part TEXT;

CREATE TABLE part_stock (
    base TEXT NOT NULL,
    part TEXT NOT NULL,
    quantity INTEGER NOT NULL CHECK (quantity >= 0),
    PRIMARY KEY (base, part)
);

-- Parts a roster took from stock, and parts ordered for a later repair
-- visit when none was in reach.
CREATE TABLE roster_parts (
    roster_id INTEGER NOT NULL REFERENCES rosters (id) ON DELETE CASCADE,
    ticket_id TEXT NOT NULL,
    part TEXT NOT NULL,
    base TEXT NOT NULL,
    source TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('reserved', 'ordered')),
    arrives_at TEXT,
    detail TEXT NOT NULL,
    PRIMARY KEY (roster_id, ticket_id)
);
