-- A re-plan reads only the newest revision's order of each open ticket
-- (every revision writes the order again): this index finds it without
-- reading the ticket's older orders. The key customers' preventive visits
-- on earlier days are looked up by kind, not scanned among every visit.
CREATE INDEX roster_parts_newest ON roster_parts (ticket_id, action, roster_id);
CREATE INDEX published_visits_by_kind ON published_visits (kind, date);
