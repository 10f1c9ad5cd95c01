-- A coordinator pins a visit to its engineer for a hub's day: re-planning
-- the day keeps it with that engineer.
CREATE TABLE visit_pins (
    hub TEXT NOT NULL,
    date DATE NOT NULL,
    ticket_id TEXT NOT NULL REFERENCES tickets(id),
    engineer_id TEXT NOT NULL REFERENCES engineers(id),
    pinned_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (hub, date, ticket_id)
);
