-- Why a late visit is late (rule 9: reasons found by trying), as the
-- roster published it.
ALTER TABLE roster_visits ADD COLUMN late_reason TEXT;
