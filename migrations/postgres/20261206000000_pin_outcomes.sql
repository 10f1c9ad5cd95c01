-- Why the day's last re-plan could not keep a pin (NULL: kept, or not
-- re-planned since it was made), so the board can say so.
ALTER TABLE visit_pins ADD COLUMN not_kept TEXT;
