-- The parts each ticket's revisions took or ordered: every re-plan reads
-- the orders of the open tickets, and without this index it scanned the
-- parts of every revision ever stored (live dispatch stores hundreds a day).
CREATE INDEX roster_parts_by_ticket ON roster_parts (ticket_id);
