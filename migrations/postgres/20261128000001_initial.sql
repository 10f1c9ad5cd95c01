-- The service network, tickets and stored rosters (PostgreSQL dialect).
-- Instants are TIMESTAMPTZ (UTC); dates are DATE.

CREATE TABLE cities (
    adcode BIGINT PRIMARY KEY,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    province_zh TEXT NOT NULL,
    province_en TEXT NOT NULL,
    lat DOUBLE PRECISION NOT NULL,
    lon DOUBLE PRECISION NOT NULL,
    population BIGINT,
    region TEXT NOT NULL
);

CREATE TABLE hubs (
    region TEXT PRIMARY KEY,
    city_adcode BIGINT NOT NULL REFERENCES cities (adcode),
    name TEXT NOT NULL,
    lat DOUBLE PRECISION NOT NULL,
    lon DOUBLE PRECISION NOT NULL
);

CREATE TABLE stations (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    city_adcode BIGINT NOT NULL REFERENCES cities (adcode),
    region TEXT NOT NULL,
    lat DOUBLE PRECISION NOT NULL,
    lon DOUBLE PRECISION NOT NULL
);

CREATE TABLE engineers (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    base_kind TEXT NOT NULL,
    base_id TEXT NOT NULL,
    region TEXT NOT NULL,
    home_lat DOUBLE PRECISION NOT NULL,
    home_lon DOUBLE PRECISION NOT NULL,
    skills TEXT NOT NULL,
    certification TEXT NOT NULL,
    shift_kind TEXT NOT NULL,
    shift_start TEXT,
    shift_end TEXT,
    shift_max_hours BIGINT
);
CREATE INDEX engineers_by_region ON engineers (region);

CREATE TABLE tickets (
    id TEXT PRIMARY KEY,
    customer TEXT NOT NULL,
    lat DOUBLE PRECISION NOT NULL,
    lon DOUBLE PRECISION NOT NULL,
    city_adcode BIGINT NOT NULL,
    region TEXT NOT NULL,
    severity BIGINT NOT NULL,
    skill TEXT NOT NULL,
    reported_at TIMESTAMPTZ NOT NULL,
    service_minutes BIGINT NOT NULL,
    sla_response_minutes BIGINT NOT NULL,
    sla_on_site_minutes BIGINT NOT NULL,
    sla_repair_minutes BIGINT NOT NULL,
    sla_hours TEXT NOT NULL,
    status TEXT NOT NULL
);
CREATE INDEX tickets_by_status_region ON tickets (status, region);

-- Per-day counters for ticket ids assigned at intake.
CREATE TABLE ticket_counters (
    day DATE PRIMARY KEY,
    last BIGINT NOT NULL
);

CREATE TABLE rosters (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    hub TEXT NOT NULL,
    date DATE NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    tickets BIGINT NOT NULL,
    assigned BIGINT NOT NULL,
    engineers_available BIGINT NOT NULL,
    engineers_used BIGINT NOT NULL,
    on_time BIGINT NOT NULL,
    km DOUBLE PRECISION NOT NULL,
    objective BIGINT NOT NULL,
    solve_seconds DOUBLE PRECISION NOT NULL
);
CREATE INDEX rosters_by_date ON rosters (date, hub);

CREATE TABLE roster_routes (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    roster_id BIGINT NOT NULL REFERENCES rosters (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    engineer_id TEXT NOT NULL,
    base_lat DOUBLE PRECISION NOT NULL,
    base_lon DOUBLE PRECISION NOT NULL,
    leave_at TIMESTAMPTZ NOT NULL,
    return_at TIMESTAMPTZ NOT NULL,
    km DOUBLE PRECISION NOT NULL,
    lunch_start TIMESTAMPTZ,
    lunch_end TIMESTAMPTZ
);
CREATE INDEX roster_routes_by_engineer ON roster_routes (engineer_id);

CREATE TABLE roster_visits (
    route_id BIGINT NOT NULL REFERENCES roster_routes (id) ON DELETE CASCADE,
    sequence BIGINT NOT NULL,
    ticket_id TEXT NOT NULL,
    lat DOUBLE PRECISION NOT NULL,
    lon DOUBLE PRECISION NOT NULL,
    arrival TIMESTAMPTZ NOT NULL,
    start TIMESTAMPTZ NOT NULL,
    departure TIMESTAMPTZ NOT NULL,
    on_site_by TIMESTAMPTZ NOT NULL,
    repaired_by TIMESTAMPTZ NOT NULL,
    late_minutes BIGINT NOT NULL,
    km_from_previous DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (route_id, sequence)
);

CREATE TABLE roster_unassigned (
    roster_id BIGINT NOT NULL REFERENCES rosters (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    ticket_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    detail TEXT NOT NULL,
    PRIMARY KEY (roster_id, position)
);
