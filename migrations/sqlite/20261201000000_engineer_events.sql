-- The day as it happens: engineers' status events (append-only), the
-- parts their visits ordered, the call center's satisfaction calls, and
-- what an engineer needs to know about a ticket's customer.

-- Every status event an engineer's phone reported, in the order stored.
-- `payload` is the event as the domain reads it (JSON); `request` is the
-- client's body, kept to tell a repeated send from a different event
-- under the same id. Never updated or deleted: the triggers refuse it.
CREATE TABLE engineer_events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    engineer_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('shift_started', 'en_route', 'arrived', 'finished',
        'position', 'unavailable', 'shift_ended')),
    ticket_id TEXT,
    at TEXT NOT NULL,
    payload TEXT NOT NULL,
    request TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX engineer_events_by_engineer ON engineer_events (engineer_id, at);
CREATE INDEX engineer_events_by_ticket ON engineer_events (ticket_id, at);
CREATE INDEX engineer_events_by_time ON engineer_events (at);

CREATE TRIGGER engineer_events_no_update BEFORE UPDATE ON engineer_events
BEGIN
    SELECT RAISE(ABORT, 'engineer_events is append-only');
END;
CREATE TRIGGER engineer_events_no_delete BEFORE DELETE ON engineer_events
BEGIN
    SELECT RAISE(ABORT, 'engineer_events is append-only');
END;

-- Parts ordered by a `needs_part` finish (the roster's own orders are in
-- roster_parts); read with them as pending orders while the ticket is open.
CREATE TABLE part_orders (
    event_id TEXT PRIMARY KEY REFERENCES engineer_events (event_id),
    ticket_id TEXT NOT NULL,
    part TEXT NOT NULL,
    base TEXT NOT NULL,
    source TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('reserved', 'ordered')),
    arrives_at TEXT,
    detail TEXT NOT NULL
);
CREATE INDEX part_orders_by_ticket ON part_orders (ticket_id);

-- Parts fitted on a visit, and the stock point they came from (`stock`:
-- taken by this visit; `planned`: already out with the roster or order).
CREATE TABLE parts_used (
    event_id TEXT NOT NULL REFERENCES engineer_events (event_id),
    position INTEGER NOT NULL,
    ticket_id TEXT NOT NULL,
    part TEXT NOT NULL,
    base TEXT NOT NULL,
    taken TEXT NOT NULL CHECK (taken IN ('stock', 'planned')),
    PRIMARY KEY (event_id, position)
);

-- The call center's queue: a satisfaction call due after a ticket closed.
CREATE TABLE follow_ups (
    ticket_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    due_at TEXT NOT NULL,
    scheduled_at TEXT NOT NULL,
    event_id TEXT NOT NULL
);
CREATE INDEX follow_ups_by_due ON follow_ups (due_at);

ALTER TABLE tickets ADD COLUMN address TEXT;
ALTER TABLE tickets ADD COLUMN contact_phone TEXT;
ALTER TABLE tickets ADD COLUMN fault TEXT;
