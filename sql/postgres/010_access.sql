-- People and what they may do. A user is an email address that proved itself by opening a link
-- sent to it (a sign-in link or an invitation). A membership gives a user one role in a project.
CREATE TABLE IF NOT EXISTS users (
  id              text PRIMARY KEY,
  email           text NOT NULL UNIQUE,
  instance_admin  boolean NOT NULL DEFAULT false,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS memberships (
  project_id  text NOT NULL,
  user_id     text NOT NULL REFERENCES users (id),
  role        text NOT NULL CHECK (role IN ('viewer', 'analyst', 'admin', 'owner')),
  added_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (project_id, user_id)
);
-- Invitations by email: only the hash of the link's code is kept; accepted once, before expiry.
CREATE TABLE IF NOT EXISTS invitations (
  code_hash    text PRIMARY KEY,
  project_id   text NOT NULL,
  email        text NOT NULL,
  role         text NOT NULL CHECK (role IN ('viewer', 'analyst', 'admin', 'owner')),
  invited_by   text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL,
  accepted_at  timestamptz
);
CREATE INDEX IF NOT EXISTS invitations_project ON invitations (project_id, created_at);
-- A session or sign-in code of a member names the user; its role is read from the membership at
-- each use, so a role changed or a member removed takes effect at once (not at the session's end).
ALTER TABLE login_codes ADD COLUMN IF NOT EXISTS user_id text;
ALTER TABLE sessions ADD COLUMN IF NOT EXISTS user_id text;
CREATE INDEX IF NOT EXISTS sessions_user ON sessions (user_id);
-- Personal API tokens minted from the API or the web app: named, with the member who minted them.
-- The token itself is never stored; its id (the JWT's jti) is what revocation names.
CREATE TABLE IF NOT EXISTS api_tokens (
  id          text PRIMARY KEY,
  project_id  text NOT NULL,
  name        text NOT NULL,
  role        text NOT NULL CHECK (role IN ('viewer', 'analyst', 'admin', 'owner')),
  user_id     text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  revoked_at  timestamptz
);
CREATE INDEX IF NOT EXISTS api_tokens_project ON api_tokens (project_id, created_at);
-- Write keys get a name and an optional list of networks allowed to send with them.
ALTER TABLE write_keys ADD COLUMN IF NOT EXISTS name text;
ALTER TABLE write_keys ADD COLUMN IF NOT EXISTS allowed_cidrs text[];
-- The audit log: who read, exported, defined, invited, minted or erased what. It names the actor
-- (a member's email, a token's name) and the thing acted on (a dashboard's id, a route), never a
-- data subject. Rows are only ever added; the retention setting deletes the oldest.
CREATE TABLE IF NOT EXISTS audit_log (
  id          bigserial PRIMARY KEY,
  at          timestamptz NOT NULL DEFAULT now(),
  project_id  text NOT NULL,
  actor       text NOT NULL,
  action      text NOT NULL,
  target      text,
  detail      jsonb
);
CREATE INDEX IF NOT EXISTS audit_log_project ON audit_log (project_id, at);
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'the audit log is append-only: rows are never changed';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS audit_log_no_update ON audit_log;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
