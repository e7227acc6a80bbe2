-- Retention (`carecheck prune`).
--
-- A run records whether it evaluated every policy: only such a run stands for a child's latest
-- evaluation, so only such a run can supersede an older one.
ALTER TABLE runs ADD COLUMN all_policies INTEGER NOT NULL DEFAULT 0;
UPDATE runs SET all_policies = CASE WHEN json_extract(pack, '$.policy') IS NULL THEN 1 ELSE 0 END;
CREATE INDEX run_children_child ON run_children (authority, child_id);
CREATE INDEX runs_started_at ON runs (started_at);
CREATE INDEX audit_log_at ON audit_log (at);

-- The audit log stays append-only, with one narrow exception: a DELETE is allowed while the
-- deleting transaction holds a permit, and only of entries older than the permit's `before`,
-- which must itself lie at least 365 days in the past. `carecheck prune` inserts its permit,
-- deletes, and removes the permit before it commits, so no permit is ever visible to anyone
-- else. UPDATE stays refused outright.
CREATE TABLE audit_prune_permits (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    before  TEXT NOT NULL
);
DROP TRIGGER audit_log_append_only_delete;
CREATE TRIGGER audit_log_append_only_delete BEFORE DELETE ON audit_log
WHEN NOT EXISTS (
    SELECT 1 FROM audit_prune_permits p
    WHERE old.at < p.before
      AND p.before <= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-365 days')
)
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
