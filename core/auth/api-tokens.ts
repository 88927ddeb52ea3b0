import { randomUUID } from 'node:crypto';
import type { MetadataStore } from '../metadata/store';
import { mintToken } from './jwt';
import type { RevokedTokens } from './revoked-tokens';
import type { Role } from './roles';

export interface ApiToken {
  /** The token's id (its jti): what the list shows and revocation names. The token is never kept. */
  id: string;
  name: string;
  role: Role;
  /** The member who minted it. */
  userId: string;
  createdAt: string;
  expiresAt: string;
  revokedAt?: string;
}

type Row = {
  id: string;
  name: string;
  role: Role;
  user_id: string;
  created_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
};

const tokenOf = (r: Row): ApiToken => ({
  id: r.id,
  name: r.name,
  role: r.role,
  userId: r.user_id,
  createdAt: r.created_at.toISOString(),
  expiresAt: r.expires_at.toISOString(),
  ...(r.revoked_at ? { revokedAt: r.revoked_at.toISOString() } : {}),
});

/**
 * Personal API tokens: minted by a member for themself (never above their own role, and bounded
 * by it at every use), listed by name, revoked by id. The signed token is shown once.
 */
export class ApiTokens {
  constructor(
    private readonly db: MetadataStore,
    private readonly secret: string,
    private readonly revoked: RevokedTokens,
  ) {}

  async mint(
    project: string,
    userId: string,
    given: { name: string; role: Role; expiresAt: Date },
  ): Promise<{ token: string; record: ApiToken }> {
    const id = randomUUID();
    const token = await mintToken(
      this.secret,
      { project, role: given.role, user: userId, member: true },
      given.expiresAt,
      id,
    );
    const r = await this.db.query<Row>(
      `INSERT INTO api_tokens (id, project_id, name, role, user_id, expires_at) VALUES ($1, $2, $3, $4, $5, $6)
       RETURNING id, name, role, user_id, created_at, expires_at, revoked_at`,
      [id, project, given.name, given.role, userId, given.expiresAt],
    );
    return { token, record: tokenOf(r.rows[0] as Row) };
  }

  /** The project's tokens (all of them, or one member's). */
  async list(project: string, userId?: string): Promise<ApiToken[]> {
    const r = await this.db.query<Row>(
      `SELECT id, name, role, user_id, created_at, expires_at, revoked_at FROM api_tokens
       WHERE project_id = $1 AND ($2::text IS NULL OR user_id = $2) ORDER BY created_at DESC LIMIT 500`,
      [project, userId ?? null],
    );
    return r.rows.map(tokenOf);
  }

  async one(project: string, id: string): Promise<ApiToken | undefined> {
    const r = await this.db.query<Row>(
      `SELECT id, name, role, user_id, created_at, expires_at, revoked_at FROM api_tokens
       WHERE project_id = $1 AND id = $2`,
      [project, id],
    );
    return r.rows[0] ? tokenOf(r.rows[0]) : undefined;
  }

  /** Revokes it everywhere (within the revocation list's refresh); false when already revoked. */
  async revoke(project: string, id: string): Promise<boolean> {
    const r = await this.db.query<{ expires_at: Date }>(
      `UPDATE api_tokens SET revoked_at = now() WHERE project_id = $1 AND id = $2 AND revoked_at IS NULL
       RETURNING expires_at`,
      [project, id],
    );
    const row = r.rows[0];
    if (!row) return false;
    await this.revoked.revoke('', { project, jti: id }, row.expires_at);
    await this.revoked.reload();
    return true;
  }
}
