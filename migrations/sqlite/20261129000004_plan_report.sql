-- What a two-day plan reports besides its routes: the assignment MIP's
-- objective, bound and gap (all NULL when no MIP ran), tomorrow's
-- tentative plan in counts, and the spread of working minutes per station.
ALTER TABLE rosters ADD COLUMN mip_objective REAL;
ALTER TABLE rosters ADD COLUMN mip_bound REAL;
ALTER TABLE rosters ADD COLUMN mip_gap_percent REAL;
ALTER TABLE rosters ADD COLUMN mip_status TEXT;
ALTER TABLE rosters ADD COLUMN mip_variables INTEGER;
ALTER TABLE rosters ADD COLUMN mip_seconds REAL;
ALTER TABLE rosters ADD COLUMN mip_seeded_days INTEGER;
ALTER TABLE rosters ADD COLUMN tomorrow_planned INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rosters ADD COLUMN tomorrow_repair_due INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rosters ADD COLUMN workload_spread_minutes REAL NOT NULL DEFAULT 0;
ALTER TABLE rosters ADD COLUMN workload_std_minutes REAL NOT NULL DEFAULT 0;

CREATE TABLE roster_workloads (
    roster_id INTEGER NOT NULL REFERENCES rosters (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    base TEXT NOT NULL,
    engineers INTEGER NOT NULL,
    min_minutes REAL NOT NULL,
    max_minutes REAL NOT NULL,
    mean_minutes REAL NOT NULL,
    std_minutes REAL NOT NULL,
    PRIMARY KEY (roster_id, position)
);
