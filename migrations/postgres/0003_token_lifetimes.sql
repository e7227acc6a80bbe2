-- Row triggers do not fire on TRUNCATE: refuse it on the append-only tables as well.
CREATE TRIGGER record_versions_no_truncate BEFORE TRUNCATE ON record_versions
    FOR EACH STATEMENT EXECUTE FUNCTION carecheck_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION carecheck_append_only();

-- Tokens expire (a setting, 90 days by default) and record when they were last used.
ALTER TABLE tokens ADD COLUMN expires_at TEXT;
ALTER TABLE tokens ADD COLUMN last_used_at TEXT;
