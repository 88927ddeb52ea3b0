-- Query-API tokens revoked before they expire, by the SHA-256 of the token. A row is needed only
-- until the token's own expiry, after which the signature check refuses it anyway.
CREATE TABLE IF NOT EXISTS revoked_tokens (
  token_sha256  text PRIMARY KEY,
  project_id    text NOT NULL,
  expires_at    timestamptz NOT NULL,
  revoked_at    timestamptz NOT NULL DEFAULT now()
);
