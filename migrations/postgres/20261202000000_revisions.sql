-- Plans that keep time (PostgreSQL dialect): each roster's "now" and the
-- revision it replaces; the revision in force of each hub and day (its
-- head, moved only by compare-and-swap, so two re-plans of one day cannot
-- both be stored); and the one published visit of each ticket, so a ticket
-- is on at most one engineer's published route.

ALTER TABLE rosters ADD COLUMN plan_time TIMESTAMPTZ;
ALTER TABLE rosters ADD COLUMN replaces BIGINT;
ALTER TABLE rosters ADD COLUMN reachable BIGINT NOT NULL DEFAULT 0;
ALTER TABLE rosters ADD COLUMN on_time_reachable BIGINT NOT NULL DEFAULT 0;
ALTER TABLE rosters ADD COLUMN overdue_at_now BIGINT NOT NULL DEFAULT 0;

CREATE TABLE roster_heads (
    hub TEXT NOT NULL,
    date DATE NOT NULL,
    roster_id BIGINT NOT NULL REFERENCES rosters (id),
    PRIMARY KEY (hub, date)
);
INSERT INTO roster_heads (hub, date, roster_id)
    SELECT hub, date, MAX(id) FROM rosters GROUP BY hub, date;

-- A visit is a ticket's (kind 'fault') or a key customer's analysis (kind
-- 'preventive', whose id recurs every two months: unique per date).
CREATE TABLE published_visits (
    visit_id TEXT NOT NULL,
    date DATE NOT NULL,
    kind TEXT NOT NULL,
    hub TEXT NOT NULL,
    roster_id BIGINT NOT NULL REFERENCES rosters (id),
    engineer_id TEXT NOT NULL,
    PRIMARY KEY (visit_id, date)
);
CREATE UNIQUE INDEX published_fault_visits ON published_visits (visit_id) WHERE kind = 'fault';
CREATE INDEX published_visits_by_day ON published_visits (hub, date);
-- Rosters stored before this kept no such rule: the newest day keeps a
-- ticket that two heads both route.
INSERT INTO published_visits (visit_id, date, kind, hub, roster_id, engineer_id)
    SELECT DISTINCT ON (v.ticket_id) v.ticket_id, h.date, v.kind, h.hub, h.roster_id, r.engineer_id
    FROM roster_heads h
    JOIN roster_routes r ON r.roster_id = h.roster_id
    JOIN roster_visits v ON v.route_id = r.id
    ORDER BY v.ticket_id, h.date DESC, h.roster_id DESC
ON CONFLICT DO NOTHING;
