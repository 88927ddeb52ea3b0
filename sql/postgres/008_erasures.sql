-- GDPR erasures. `erasures` is the audit trail: who asked, when, what was removed (counts, no
-- personal data). `subject` holds the ids being erased only while the erasure runs (the workflow
-- carries the erasure's id, never the user's, so Temporal's history keeps no personal data), and
-- is cleared when it completes.
CREATE TABLE IF NOT EXISTS erasures (
  id            text PRIMARY KEY,
  project_id    text NOT NULL,
  requested_by  text NOT NULL,
  requested_at  timestamptz NOT NULL DEFAULT now(),
  workflow_id   text NOT NULL,
  status        text NOT NULL DEFAULT 'running',
  subject       jsonb,
  removed       jsonb,
  completed_at  timestamptz
);
CREATE INDEX IF NOT EXISTS erasures_project ON erasures (project_id, requested_at);

-- Ids whose new events ingest drops until `until`: SHA-256 of project and id, not the id.
CREATE TABLE IF NOT EXISTS erased_ids (
  project_id  text NOT NULL,
  id_sha256   text NOT NULL,
  erasure_id  text NOT NULL,
  until       timestamptz NOT NULL,
  PRIMARY KEY (project_id, id_sha256)
);
