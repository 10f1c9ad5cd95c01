-- API tokens: who may call the HTTP API, in which role. Only a SHA-256
-- hash of each token is kept (the token is 256 random bits, printed once
-- when created), so a copy of the database gives no way in.
CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    hash TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('admin', 'planner', 'coordinator', 'engineer',
        'call_center', 'integration')),
    hub TEXT,
    engineer_id TEXT,
    label TEXT,
    created_at TEXT NOT NULL,
    expires_at TEXT,
    revoked_at TEXT,
    CHECK ((role = 'coordinator') = (hub IS NOT NULL)),
    CHECK ((role = 'engineer') = (engineer_id IS NOT NULL))
);
