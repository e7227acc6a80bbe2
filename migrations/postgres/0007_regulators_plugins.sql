-- Regulators' own policies: who may publish plugins and with which ed25519 keys, every version
-- published (id@version immutable) with the signatures that vouch for it, which version runs
-- for which authority, and a generation number every replica polls to pick up a change.

CREATE TABLE regulators (
    name        TEXT PRIMARY KEY,
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL
);

-- A key is never removed: a revoked key stays, so what it signed can say why it stopped.
CREATE TABLE regulator_keys (
    id          TEXT PRIMARY KEY,
    regulator   TEXT NOT NULL REFERENCES regulators (name),
    public_key  TEXT NOT NULL UNIQUE,
    added_at    TEXT NOT NULL,
    added_by    TEXT NOT NULL,
    revoked_at  TEXT,
    revoked_by  TEXT
);

-- A regulator token acts for exactly one regulator.
ALTER TABLE tokens ADD COLUMN regulator TEXT REFERENCES regulators (name);

-- What an administrative act was about (a plugin version, a key), beside the authority.
ALTER TABLE audit_log ADD COLUMN detail TEXT;

CREATE TABLE plugin_versions (
    policy_id     TEXT NOT NULL,
    version       TEXT NOT NULL,
    sha256        TEXT NOT NULL UNIQUE REFERENCES plugins (sha256),
    regulator     TEXT NOT NULL REFERENCES regulators (name),
    published_at  TEXT NOT NULL,
    published_by  TEXT NOT NULL,
    PRIMARY KEY (policy_id, version)
);
-- Published versions are immutable and kept: runs name them, replays rebuild them.
CREATE TRIGGER plugin_versions_append_only BEFORE UPDATE OR DELETE ON plugin_versions
    FOR EACH ROW EXECUTE FUNCTION carecheck_append_only();
CREATE TRIGGER plugin_versions_no_truncate BEFORE TRUNCATE ON plugin_versions
    FOR EACH STATEMENT EXECUTE FUNCTION carecheck_append_only();

CREATE TABLE plugin_signatures (
    sha256     TEXT NOT NULL REFERENCES plugin_versions (sha256),
    key_id     TEXT NOT NULL REFERENCES regulator_keys (id),
    signature  TEXT NOT NULL,
    added_at   TEXT NOT NULL,
    PRIMARY KEY (sha256, key_id)
);

-- One version of a policy per authority, with the settings it runs with (JSON text).
CREATE TABLE plugin_enablements (
    authority   TEXT NOT NULL,
    policy_id   TEXT NOT NULL,
    version     TEXT NOT NULL,
    settings    TEXT NOT NULL,
    enabled_at  TEXT NOT NULL,
    enabled_by  TEXT NOT NULL,
    PRIMARY KEY (authority, policy_id),
    FOREIGN KEY (policy_id, version) REFERENCES plugin_versions (policy_id, version)
);

-- Raised in the same transaction as every change to what runs (an enablement, a revoked key).
CREATE TABLE plugin_generation (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    generation  BIGINT NOT NULL
);
INSERT INTO plugin_generation (id, generation) VALUES (1, 0);
