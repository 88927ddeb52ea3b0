-- Sign-in links and browser sessions. Only hashes of the code and the session id are kept, so a
-- copy of the database signs nobody in. A code is used once, before it expires.
CREATE TABLE IF NOT EXISTS login_codes (
  code_hash   text PRIMARY KEY,
  project_id  text NOT NULL,
  scopes      text[] NOT NULL,
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz
);
CREATE TABLE IF NOT EXISTS sessions (
  id_hash     text PRIMARY KEY,
  project_id  text NOT NULL,
  scopes      text[] NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_expiry ON sessions (expires_at);
