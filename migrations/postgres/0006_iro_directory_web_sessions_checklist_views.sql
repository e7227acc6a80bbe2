-- The IRO directory: who each authority's IROs are, for caseload figures (and later the digest).
CREATE TABLE iros (
    authority      TEXT NOT NULL,
    iro_id         TEXT NOT NULL,
    name           TEXT NOT NULL,
    email          TEXT NOT NULL,
    -- working hours as a fraction of full time, above 0 and at most 1
    working_hours  DOUBLE PRECISION NOT NULL,
    updated_at     TEXT NOT NULL,
    updated_by     TEXT NOT NULL,
    PRIMARY KEY (authority, iro_id)
);

-- Signed-in browser sessions: only a sha256 of the cookie's secret is kept, with the API token
-- the session was opened with (its role and scope, re-checked on every request).
CREATE TABLE web_sessions (
    secret_sha256  TEXT PRIMARY KEY,
    token_id       TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    expires_at     TEXT NOT NULL,
    revoked_at     TEXT
);

-- Checklist views, recorded compactly instead of as a whole run: what was evaluated (the record
-- version, the pack by digest, the date) and a digest of what it said, so `carecheck replay`
-- can reproduce it. The pack a digest names is kept once in pack_snapshots. Views are the
-- commonest write there is, so a row is kept small: a sequential id, digests as 32 raw bytes.
CREATE TABLE pack_snapshots (
    sha256  BYTEA PRIMARY KEY,
    engine  TEXT NOT NULL,
    pack    TEXT NOT NULL
);

CREATE TABLE checklist_views (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at              TEXT NOT NULL,
    viewer          TEXT NOT NULL,
    authority       TEXT NOT NULL,
    child_id        TEXT NOT NULL,
    record_version  BIGINT NOT NULL,
    as_of           TEXT NOT NULL,
    policy          TEXT,
    pack_sha256     BYTEA NOT NULL,
    results_sha256  BYTEA NOT NULL
);
