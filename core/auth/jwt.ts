import { randomUUID } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';
import { isRole, roleOfScopes, scopesOfRole, type Role } from './roles';

/**
 * Scopes a query-API token can carry: read answers; write also changes dashboards; admin also
 * defines experiments, segments and reports and erases users. Each includes the ones before it.
 */
export const SCOPES = ['read', 'write', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export interface TokenClaims {
  project: string;
  scopes: Scope[];
  /** What the caller may do in the project (core/auth/roles.ts); derived from scopes for older tokens. */
  role: Role;
  /**
   * Who is acting: the signed-in user (a session), or the member who minted a personal token.
   * A member's id (from an emailed link or invitation) or a name the CLI gave.
   */
  user?: string;
  /** The user is a member (users table): their current role bounds the token's. */
  member?: boolean;
  /** The token's own id (set at minting): what revocation names, whatever the token's spelling. */
  jti?: string;
}

/** What minting is given: a role, or the scopes of tokens made before roles. */
export type MintClaims = Omit<TokenClaims, 'role' | 'scopes'> & { role?: Role; scopes?: Scope[] };

/** The role and scopes a mint request names, both spelled out; throws when it names neither. */
export function fullClaims(c: MintClaims): TokenClaims {
  const role = c.role ?? roleOfScopes(c.scopes ?? []);
  if (!role) throw new Error('a token needs a role (or a scope)');
  return { ...c, role, scopes: c.scopes ?? scopesOfRole(role) };
}

const SEGMENT = /^[A-Za-z0-9_-]+$/;

/**
 * A token in its one spelling: three base64url segments without padding, each the exact encoding
 * of its bytes. Decoders forgive padding, whitespace and unused low bits of the last character,
 * so without this one token has many spellings, and anything keyed by the text (a cache, a
 * revocation list) can be walked around by respelling it.
 */
export function isCanonicalToken(token: string): boolean {
  const parts = token.split('.');
  return (
    parts.length === 3 &&
    parts.every((p) => SEGMENT.test(p) && Buffer.from(p, 'base64url').toString('base64url') === p)
  );
}

const ISSUER = 'analytics-platform';
const key = (secret: string) => new TextEncoder().encode(secret);

export async function mintToken(
  secret: string,
  given: MintClaims,
  ttl: string | Date = '30d',
  jti: string = randomUUID(),
): Promise<string> {
  const claims = fullClaims(given);
  return (
    new SignJWT({
      project: claims.project,
      scopes: claims.scopes,
      role: claims.role,
      ...(claims.user !== undefined ? { user: claims.user, member: claims.member === true } : {}),
    })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(ISSUER)
      .setIssuedAt()
      .setExpirationTime(ttl)
      // Each token its own: two minted in the same second for the same claims are revoked apart.
      .setJti(jti)
      .sign(key(secret))
  );
}

/** When a token expires, read from it once its signature is checked (its expiry may have passed). */
export async function tokenExpiry(
  secret: string,
  token: string,
): Promise<{ claims: TokenClaims; expiresAt: Date }> {
  if (!isCanonicalToken(token)) throw new Error('not a token in its canonical form');
  const { payload } = await jwtVerify(token, key(secret), {
    issuer: ISSUER,
    algorithms: ['HS256'],
    // Checked by the caller: revoking an expired token is pointless, not an error of the signature.
    currentDate: new Date(0),
  });
  return { claims: verifyClaims(payload), expiresAt: new Date(Number(payload.exp ?? 0) * 1000) };
}

/**
 * Tokens whose signature was checked, by secret and token text, with their expiry: a dashboard
 * sends the same token with every request, and checking an HMAC through WebCrypto cost more than
 * answering from the cache. The same text under the same secret verifies the same way; expiry is
 * still checked at each use. Bounded: the oldest are forgotten (and verified again if they return).
 */
const verified = new Map<string, { claims: TokenClaims; expiresAt: number }>();
const VERIFIED_MAX = 10_000;

/** Verifies signature, issuer and expiry; throws on any failure. */
export async function verifyToken(secret: string, token: string, now = Date.now()): Promise<TokenClaims> {
  if (!isCanonicalToken(token)) throw new Error('not a token in its canonical form');
  const id = `${secret.length}:${secret}:${token}`;
  const known = verified.get(id);
  if (known && now < known.expiresAt) return { ...known.claims, scopes: [...known.claims.scopes] };
  const { payload } = await jwtVerify(token, key(secret), {
    issuer: ISSUER,
    algorithms: ['HS256'],
    currentDate: new Date(now),
  });
  const claims = verifyClaims(payload);
  verified.delete(id);
  verified.set(id, { claims, expiresAt: payload.exp === undefined ? Infinity : payload.exp * 1000 });
  if (verified.size > VERIFIED_MAX) verified.delete(verified.keys().next().value as string);
  return claims;
}

function verifyClaims(payload: Record<string, unknown>): TokenClaims {
  const project = payload.project;
  const scopes = payload.scopes;
  if (typeof project !== 'string' || !Array.isArray(scopes)) throw new Error('token lacks project or scopes');
  const jti = typeof payload.jti === 'string' ? payload.jti : undefined;
  const known = scopes.filter((s): s is Scope => (SCOPES as readonly string[]).includes(s));
  const role = isRole(payload.role) ? payload.role : roleOfScopes(known);
  if (!role) throw new Error('token lacks a role');
  const user = typeof payload.user === 'string' ? payload.user : undefined;
  return {
    project,
    scopes: known,
    role,
    ...(user !== undefined ? { user, member: payload.member === true } : {}),
    ...(jti ? { jti } : {}),
  };
}
