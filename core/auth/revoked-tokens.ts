import { createHash } from 'node:crypto';
import { InMemoryCopy } from '../metadata/in-memory-copy';
import type { MetadataStore } from '../metadata/store';

const hash = (token: string) => createHash('sha256').update(token).digest('hex');

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

  isRevoked(token: string): boolean {
    return this.copy?.value.has(hash(token)) ?? false;
  }

  /** Records a revocation (kept until the token expires); false when it was revoked already. */
  async revoke(token: string, project: string, expiresAt: Date): Promise<boolean> {
    // Rows of tokens past their expiry are no longer needed: the signature check refuses those.
    await this.db.query('DELETE FROM revoked_tokens WHERE expires_at <= now()');
    const r = await this.db.query(
      `INSERT INTO revoked_tokens (token_sha256, project_id, expires_at) VALUES ($1, $2, $3)
       ON CONFLICT (token_sha256) DO NOTHING`,
      [hash(token), project, expiresAt],
    );
    return (r.rowCount ?? 0) > 0;
  }

  close(): void {
    this.copy?.close();
  }
}
