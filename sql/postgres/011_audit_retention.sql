-- The retention deletes the audit log's oldest entries across projects every minute: by time.
CREATE INDEX IF NOT EXISTS audit_log_at ON audit_log (at);
