-- What a two-day plan reports besides its routes: the assignment MIP's
-- objective, bound and gap (all NULL when no MIP ran), tomorrow's
-- tentative plan in counts, and the spread of working minutes per station.
ALTER TABLE rosters ADD COLUMN mip_objective DOUBLE PRECISION;
ALTER TABLE rosters ADD COLUMN mip_bound DOUBLE PRECISION;
ALTER TABLE rosters ADD COLUMN mip_gap_percent DOUBLE PRECISION;
ALTER TABLE rosters ADD COLUMN mip_status TEXT;
ALTER TABLE rosters ADD COLUMN mip_variables BIGINT;
ALTER TABLE rosters ADD COLUMN mip_seconds DOUBLE PRECISION;
ALTER TABLE rosters ADD COLUMN mip_seeded_days BIGINT;
ALTER TABLE rosters ADD COLUMN tomorrow_planned BIGINT NOT NULL DEFAULT 0;
ALTER TABLE rosters ADD COLUMN tomorrow_repair_due BIGINT NOT NULL DEFAULT 0;
ALTER TABLE rosters ADD COLUMN workload_spread_minutes DOUBLE PRECISION NOT NULL DEFAULT 0;
ALTER TABLE rosters ADD COLUMN workload_std_minutes DOUBLE PRECISION NOT NULL DEFAULT 0;

CREATE TABLE roster_workloads (
    roster_id BIGINT NOT NULL REFERENCES rosters (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    base TEXT NOT NULL,
    engineers BIGINT NOT NULL,
    min_minutes DOUBLE PRECISION NOT NULL,
    max_minutes DOUBLE PRECISION NOT NULL,
    mean_minutes DOUBLE PRECISION NOT NULL,
    std_minutes DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (roster_id, position)
);
