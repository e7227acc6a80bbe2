-- carecheck schema, PostgreSQL edition. Dates are ISO 8601 text; times are RFC 3339 UTC text.

-- Every version of every care record. Append-only: a write is a new row, never an update.
CREATE TABLE record_versions (
    authority    TEXT    NOT NULL,
    child_id     TEXT    NOT NULL,
    version      BIGINT NOT NULL,
    body         TEXT    NOT NULL,
    body_sha256  TEXT    NOT NULL,
    written_at   TEXT    NOT NULL,
    written_by   TEXT    NOT NULL,
    source       TEXT    NOT NULL,
    PRIMARY KEY (authority, child_id, version)
);


-- One row per child: the current version and what listing filters need, derived on write.
CREATE TABLE children (
    authority        TEXT    NOT NULL,
    child_id         TEXT    NOT NULL,
    current_version  BIGINT NOT NULL,
    current_sha256   TEXT    NOT NULL,
    next_review_due  TEXT,
    updated_at       TEXT    NOT NULL,
    PRIMARY KEY (authority, child_id)
);
CREATE INDEX children_next_review_due ON children (next_review_due);

-- IRO assignments of the current version, for "children currently assigned to this IRO".
CREATE TABLE child_iros (
    authority  TEXT NOT NULL,
    child_id   TEXT NOT NULL,
    iro_id     TEXT NOT NULL,
    from_date  TEXT NOT NULL,
    to_date    TEXT
);
CREATE INDEX child_iros_iro ON child_iros (iro_id);
CREATE INDEX child_iros_child ON child_iros (authority, child_id);

CREATE TABLE tokens (
    id             TEXT PRIMARY KEY,
    secret_sha256  TEXT NOT NULL,
    role           TEXT NOT NULL,
    authorities    TEXT,
    iro_id         TEXT,
    label          TEXT,
    created_at     TEXT NOT NULL,
    revoked_at     TEXT
);

-- Who read or wrote which child's record, when and from where. Append-only.
CREATE TABLE audit_log (
    id          BIGSERIAL PRIMARY KEY,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    role        TEXT NOT NULL,
    action      TEXT NOT NULL,
    authority   TEXT,
    child_id    TEXT,
    outcome     TEXT NOT NULL,
    remote_addr TEXT,
    request_id  TEXT
);
CREATE INDEX audit_log_child ON audit_log (authority, child_id);

-- Every plugin ever loaded or uploaded, kept byte for byte so any run can be replayed.
CREATE TABLE plugins (
    sha256       TEXT PRIMARY KEY,
    policy_id    TEXT NOT NULL,
    version      TEXT NOT NULL,
    metadata     TEXT NOT NULL,
    wasm         BYTEA NOT NULL,
    added_at     TEXT NOT NULL,
    added_by     TEXT NOT NULL
);

-- The decision log: one row per evaluation run ...
CREATE TABLE runs (
    id              TEXT PRIMARY KEY,
    as_of           TEXT NOT NULL,
    started_at      TEXT NOT NULL,
    finished_at     TEXT,
    engine          TEXT NOT NULL,
    pack            TEXT NOT NULL,
    triggered_by    TEXT NOT NULL,
    -- 1 when the run covered every child in scope with every policy (not a checklist)
    complete        BIGINT NOT NULL DEFAULT 0,
    children        BIGINT NOT NULL DEFAULT 0,
    results         BIGINT NOT NULL DEFAULT 0,
    errors          BIGINT NOT NULL DEFAULT 0
);

-- ... and one row per child evaluated in it: the record version and every result.
CREATE INDEX runs_complete ON runs (complete, finished_at);

CREATE TABLE run_children (
    run_id          TEXT    NOT NULL,
    authority       TEXT    NOT NULL,
    child_id        TEXT    NOT NULL,
    record_version  BIGINT NOT NULL,
    outcomes        TEXT    NOT NULL,
    PRIMARY KEY (run_id, authority, child_id)
);

CREATE FUNCTION carecheck_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER record_versions_append_only BEFORE UPDATE OR DELETE ON record_versions
    FOR EACH ROW EXECUTE FUNCTION carecheck_append_only();
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION carecheck_append_only();
