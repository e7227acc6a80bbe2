-- Tokens expire (a setting, 90 days by default) and record when they were last used.
ALTER TABLE tokens ADD COLUMN expires_at TEXT;
ALTER TABLE tokens ADD COLUMN last_used_at TEXT;
