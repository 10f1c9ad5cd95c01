-- The service network, tickets and stored rosters (SQLite dialect).
-- Instants are stored as UTC text; dates as YYYY-MM-DD text.

CREATE TABLE cities (
    adcode INTEGER PRIMARY KEY,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    province_zh TEXT NOT NULL,
    province_en TEXT NOT NULL,
    lat REAL NOT NULL,
    lon REAL NOT NULL,
    population INTEGER,
    region TEXT NOT NULL
);

CREATE TABLE hubs (
    region TEXT PRIMARY KEY,
    city_adcode INTEGER NOT NULL REFERENCES cities (adcode),
    name TEXT NOT NULL,
    lat REAL NOT NULL,
    lon REAL NOT NULL
);

CREATE TABLE stations (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    city_adcode INTEGER NOT NULL REFERENCES cities (adcode),
    region TEXT NOT NULL,
    lat REAL NOT NULL,
    lon REAL NOT NULL
);

CREATE TABLE engineers (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    base_kind TEXT NOT NULL,
    base_id TEXT NOT NULL,
    region TEXT NOT NULL,
    home_lat REAL NOT NULL,
    home_lon REAL NOT NULL,
    skills TEXT NOT NULL,
    certification TEXT NOT NULL,
    shift_kind TEXT NOT NULL,
    shift_start TEXT,
    shift_end TEXT,
    shift_max_hours INTEGER
);
CREATE INDEX engineers_by_region ON engineers (region);

CREATE TABLE tickets (
    id TEXT PRIMARY KEY,
    customer TEXT NOT NULL,
    lat REAL NOT NULL,
    lon REAL NOT NULL,
    city_adcode INTEGER NOT NULL,
    region TEXT NOT NULL,
    severity INTEGER NOT NULL,
    skill TEXT NOT NULL,
    reported_at TEXT NOT NULL,
    service_minutes INTEGER NOT NULL,
    sla_response_minutes INTEGER NOT NULL,
    sla_on_site_minutes INTEGER NOT NULL,
    sla_repair_minutes INTEGER NOT NULL,
    sla_hours TEXT NOT NULL,
    status TEXT NOT NULL
);
CREATE INDEX tickets_by_status_region ON tickets (status, region);

-- Per-day counters for ticket ids assigned at intake.
CREATE TABLE ticket_counters (
    day TEXT PRIMARY KEY,
    last INTEGER NOT NULL
);

CREATE TABLE rosters (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    hub TEXT NOT NULL,
    date TEXT NOT NULL,
    created_at TEXT NOT NULL,
    tickets INTEGER NOT NULL,
    assigned INTEGER NOT NULL,
    engineers_available INTEGER NOT NULL,
    engineers_used INTEGER NOT NULL,
    on_time INTEGER NOT NULL,
    km REAL NOT NULL,
    objective INTEGER NOT NULL,
    solve_seconds REAL NOT NULL
);
CREATE INDEX rosters_by_date ON rosters (date, hub);

CREATE TABLE roster_routes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    roster_id INTEGER NOT NULL REFERENCES rosters (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    engineer_id TEXT NOT NULL,
    base_lat REAL NOT NULL,
    base_lon REAL NOT NULL,
    leave_at TEXT NOT NULL,
    return_at TEXT NOT NULL,
    km REAL NOT NULL,
    lunch_start TEXT,
    lunch_end TEXT
);
CREATE INDEX roster_routes_by_engineer ON roster_routes (engineer_id);

CREATE TABLE roster_visits (
    route_id INTEGER NOT NULL REFERENCES roster_routes (id) ON DELETE CASCADE,
    sequence INTEGER NOT NULL,
    ticket_id TEXT NOT NULL,
    lat REAL NOT NULL,
    lon REAL NOT NULL,
    arrival TEXT NOT NULL,
    start TEXT NOT NULL,
    departure TEXT NOT NULL,
    on_site_by TEXT NOT NULL,
    repaired_by TEXT NOT NULL,
    late_minutes INTEGER NOT NULL,
    km_from_previous REAL NOT NULL,
    PRIMARY KEY (route_id, sequence)
);

CREATE TABLE roster_unassigned (
    roster_id INTEGER NOT NULL REFERENCES rosters (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    ticket_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    detail TEXT NOT NULL,
    PRIMARY KEY (roster_id, position)
);
