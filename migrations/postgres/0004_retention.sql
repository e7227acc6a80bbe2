-- Retention (`carecheck prune`).
--
-- A run records whether it evaluated every policy: only such a run stands for a child's latest
-- evaluation, so only such a run can supersede an older one.
ALTER TABLE runs ADD COLUMN all_policies BIGINT NOT NULL DEFAULT 0;
UPDATE runs SET all_policies = CASE WHEN (pack::jsonb ->> 'policy') IS NULL THEN 1 ELSE 0 END;
CREATE INDEX run_children_child ON run_children (authority, child_id);
CREATE INDEX runs_started_at ON runs (started_at);
CREATE INDEX audit_log_at ON audit_log (at);

-- The audit log stays append-only, with one narrow exception: a DELETE is allowed while the
-- deleting transaction holds a permit, and only of entries older than the permit's `before`,
-- which must itself lie at least 365 days in the past. `carecheck prune` inserts its permit,
-- deletes, and removes the permit before it commits, so no permit is ever visible to another
-- transaction. UPDATE and TRUNCATE stay refused outright. Only the tables' owner (the role that
-- runs `carecheck migrate` and `carecheck prune`) may insert a permit: grant the service role
-- SELECT on audit_prune_permits and nothing more.
CREATE TABLE audit_prune_permits (
    id      BIGSERIAL PRIMARY KEY,
    before  TEXT NOT NULL
);

CREATE FUNCTION carecheck_audit_log_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND EXISTS (
        SELECT 1 FROM audit_prune_permits p
        WHERE OLD.at < p.before
          AND p.before <= to_char((now() AT TIME ZONE 'UTC') - interval '365 days',
                                  'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
    ) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER audit_log_append_only ON audit_log;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION carecheck_audit_log_guard();
