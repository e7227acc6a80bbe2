-- Scheduled reports: subscriptions, one report per (subscription, scheduled time), the report's
-- stored files, and its deliveries with every attempt. Times are RFC 3339 UTC text.

CREATE TABLE subscriptions (
    id                 TEXT PRIMARY KEY,
    name               TEXT NOT NULL UNIQUE,
    -- JSON: audience, authorities, policies, cron, formats, channels, settings
    spec               TEXT NOT NULL,
    paused             BIGINT NOT NULL DEFAULT 0,
    created_at         TEXT NOT NULL,
    created_by         TEXT NOT NULL,
    -- scheduled times up to this one have been claimed or skipped
    scheduled_through  TEXT NOT NULL
);

-- A report is claimed by inserting it: the unique key makes the claim exactly once.
CREATE TABLE scheduled_reports (
    id              TEXT PRIMARY KEY,
    subscription_id TEXT NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
    scheduled_for   TEXT NOT NULL,
    trigger_kind    TEXT NOT NULL,
    state           TEXT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    not_before      TEXT NOT NULL,
    lease_owner     TEXT,
    lease_until     TEXT,
    created_at      TEXT NOT NULL,
    rendered_at     TEXT,
    run_id          TEXT,
    authorities     TEXT NOT NULL,
    error           TEXT,
    UNIQUE (subscription_id, scheduled_for)
);
CREATE INDEX scheduled_reports_pending ON scheduled_reports (state, not_before);

CREATE TABLE report_files (
    report_id   TEXT NOT NULL REFERENCES scheduled_reports (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    media_type  TEXT NOT NULL,
    body        BYTEA NOT NULL,
    sha256      TEXT NOT NULL,
    PRIMARY KEY (report_id, name)
);

-- One delivery per report and channel; its id is the idempotency key every attempt carries.
CREATE TABLE report_deliveries (
    id               TEXT PRIMARY KEY,
    report_id        TEXT NOT NULL REFERENCES scheduled_reports (id) ON DELETE CASCADE,
    channel          TEXT NOT NULL,
    target           TEXT NOT NULL,
    state            TEXT NOT NULL,
    attempts         BIGINT NOT NULL DEFAULT 0,
    next_attempt_at  TEXT NOT NULL,
    lease_owner      TEXT,
    lease_until      TEXT,
    delivered_at     TEXT,
    UNIQUE (report_id, channel)
);
CREATE INDEX report_deliveries_due ON report_deliveries (state, next_attempt_at);

CREATE TABLE delivery_attempts (
    id           BIGSERIAL PRIMARY KEY,
    delivery_id  TEXT NOT NULL REFERENCES report_deliveries (id) ON DELETE CASCADE,
    at           TEXT NOT NULL,
    outcome      TEXT NOT NULL,
    detail       TEXT NOT NULL,
    owner        TEXT NOT NULL
);
CREATE INDEX delivery_attempts_delivery ON delivery_attempts (delivery_id);
