import { createHash, randomBytes } from 'node:crypto';
import type { MetadataStore } from '../metadata/store';
import { SCOPES, fullClaims, type MintClaims, type Scope, type TokenClaims } from './jwt';
import { scopesOfRole } from './roles';

const hash = (secret: string) => createHash('sha256').update(secret).digest('hex');
const secret = () => randomBytes(32).toString('base64url');

/** How long a printed sign-in link works, and a browser session lasts. */
export const LOGIN_CODE_TTL_MS = 15 * 60_000;
export const SESSION_TTL_MS = 7 * 24 * 3_600_000;
/** A session looked up is trusted this long without asking PostgreSQL again (sign-out takes this long to reach other processes). */
const CACHE_MS = 5_000;

type Row = { project_id: string; scopes: string[]; user_name: string | null; user_id: string | null };

/**
 * A member's session names the user (their role is read from the membership at each use); a
 * session from the CLI's link without an email carries its scopes and a name.
 */
const claimsOf = (r: Row): TokenClaims =>
  fullClaims({
    project: r.project_id,
    scopes: r.scopes.filter((s): s is Scope => (SCOPES as readonly string[]).includes(s)),
    ...(r.user_id ? { user: r.user_id, member: true } : r.user_name ? { user: r.user_name } : {}),
  });

/**
 * Sign-in without new secrets: `./platform login` (and `up`) print a link with a one-time code
 * bound to a project and scopes; the browser trades it for a session id kept in an HttpOnly
 * cookie. Both live in PostgreSQL as hashes, so every serving process knows every session.
 */
export class Sessions {
  private readonly cache = new Map<string, { claims: TokenClaims; until: number }>();

  constructor(
    private readonly db: MetadataStore,
    private readonly now: () => number = Date.now,
  ) {}

  /** A one-time code for the claims, valid for LOGIN_CODE_TTL_MS. */
  async createLoginCode(given: MintClaims): Promise<string> {
    const claims = fullClaims(given);
    const code = secret();
    await this.db.query(
      `INSERT INTO login_codes (code_hash, project_id, scopes, expires_at, user_name, user_id)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [
        hash(code),
        claims.project,
        claims.member ? scopesOfRole(claims.role) : claims.scopes,
        new Date(this.now() + LOGIN_CODE_TTL_MS),
        claims.member ? null : (claims.user ?? null),
        claims.member ? (claims.user ?? null) : null,
      ],
    );
    return code;
  }

  /** A new session for a member who proved their address (an accepted invitation). */
  async startFor(project: string, userId: string): Promise<string> {
    const session = secret();
    await this.db.query(
      `INSERT INTO sessions (id_hash, project_id, scopes, expires_at, user_id) VALUES ($1, $2, $3, $4, $5)`,
      [hash(session), project, ['read'], new Date(this.now() + SESSION_TTL_MS), userId],
    );
    return session;
  }

  /** Ends every session of a user in a project (a member removed). */
  async endAllOf(project: string, userId: string): Promise<void> {
    for (const [k, v] of this.cache)
      if (v.claims.project === project && v.claims.user === userId) this.cache.delete(k);
    await this.db.query('DELETE FROM sessions WHERE project_id = $1 AND user_id = $2', [project, userId]);
  }

  /** Trades a code for a new session, once; undefined when the code is unknown, used or expired. */
  async redeem(code: string): Promise<{ session: string; claims: TokenClaims } | undefined> {
    // One statement marks it used: two browsers racing with the same link cannot both win.
    const used = await this.db.query<Row>(
      `UPDATE login_codes SET used_at = now()
       WHERE code_hash = $1 AND used_at IS NULL AND expires_at > $2
       RETURNING project_id, scopes, user_name, user_id`,
      [hash(code), new Date(this.now())],
    );
    const row = used.rows[0];
    if (!row) return undefined;
    const session = secret();
    await this.db.query(
      `INSERT INTO sessions (id_hash, project_id, scopes, expires_at, user_name, user_id)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [
        hash(session),
        row.project_id,
        row.scopes,
        new Date(this.now() + SESSION_TTL_MS),
        row.user_name,
        row.user_id,
      ],
    );
    return { session, claims: claimsOf(row) };
  }

  /** The claims of a live session, or undefined. */
  async lookup(session: string): Promise<TokenClaims | undefined> {
    const cached = this.cache.get(session);
    if (cached && cached.until > this.now()) return cached.claims;
    const r = await this.db.query<Row>(
      'SELECT project_id, scopes, user_name, user_id FROM sessions WHERE id_hash = $1 AND expires_at > $2',
      [hash(session), new Date(this.now())],
    );
    const row = r.rows[0];
    if (!row) {
      this.cache.delete(session);
      return undefined;
    }
    const claims = claimsOf(row);
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(session, { claims, until: this.now() + CACHE_MS });
    return claims;
  }

  async end(session: string): Promise<void> {
    this.cache.delete(session);
    await this.db.query('DELETE FROM sessions WHERE id_hash = $1', [hash(session)]);
  }
}
