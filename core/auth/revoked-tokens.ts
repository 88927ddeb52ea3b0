import { createHash } from 'node:crypto';
import { InMemoryCopy } from '../metadata/in-memory-copy';
import type { MetadataStore } from '../metadata/store';

const hash = (token: string) => createHash('sha256').update(token).digest('hex');
/** A revocation's key by the token's id: stored in the same column, never equal to a text's hash. */
const identity = (jti: string) => hash(`jti:${jti}`);

/**
 * Query-API tokens revoked before their expiry, in PostgreSQL. Every serving process holds the
 * set in memory (a request never waits on PostgreSQL) and reads it again every `refreshMs`, so a
 * revocation reaches every process within it. While PostgreSQL is away the set last read holds.
 */
export class RevokedTokens {
  private copy?: InMemoryCopy<Set<string>>;

  constructor(private readonly db: MetadataStore) {}

  /** Reads the set, then keeps it fresh; throws when PostgreSQL cannot be reached at start. */
  async start(refreshMs = 2000): Promise<this> {
    this.copy = await InMemoryCopy.start(
      async () =>
        new Set(
          (
            await this.db.query<{ token_sha256: string }>(
              'SELECT token_sha256 FROM revoked_tokens WHERE expires_at > now()',
            )
          ).rows.map((row) => row.token_sha256),
        ),
      refreshMs,
    );
    return this;
  }

  async reload(): Promise<void> {
    await this.copy?.reload();
  }

  /**
   * By the token's identity, its verified `jti`; rows of earlier versions keyed by the token's
   * text are still honoured (a verified token has one canonical text).
   */
  isRevoked(token: string, claims: { jti?: string }): boolean {
    const set = this.copy?.value;
    if (!set) return false;
    return set.has(hash(token)) || (claims.jti !== undefined && set.has(identity(claims.jti)));
  }

  /** Records a revocation (kept until the token expires); false when it was revoked already. */
  async revoke(token: string, claims: { project: string; jti?: string }, expiresAt: Date): Promise<boolean> {
    const project = claims.project;
    // Rows of tokens past their expiry are no longer needed: the signature check refuses those.
    await this.db.query('DELETE FROM revoked_tokens WHERE expires_at <= now()');
    const r = await this.db.query(
      `INSERT INTO revoked_tokens (token_sha256, project_id, expires_at) VALUES ($1, $2, $3)
       ON CONFLICT (token_sha256) DO NOTHING`,
      [claims.jti !== undefined ? identity(claims.jti) : hash(token), project, expiresAt],
    );
    return (r.rowCount ?? 0) > 0;
  }

  close(): void {
    this.copy?.close();
  }
}
