-- Write keys of ingest, by the SHA-256 of the key (the key itself is shown once and never kept).
-- Every collector reads them from here, so keys made or revoked anywhere reach all of them.
CREATE TABLE IF NOT EXISTS write_keys (
  sha256      text PRIMARY KEY,
  project_id  text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz
);
