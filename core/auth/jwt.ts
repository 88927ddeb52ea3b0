import { randomUUID } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';

/** Scopes a query-API token can carry. */
export const SCOPES = ['read', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export interface TokenClaims {
  project: string;
  scopes: Scope[];
  /** Who signed in (a session from a sign-in link); API tokens name no user. */
  user?: string;
}

const ISSUER = 'analytics-platform';
const key = (secret: string) => new TextEncoder().encode(secret);

export async function mintToken(secret: string, claims: TokenClaims, ttl: string = '30d'): Promise<string> {
  return (
    new SignJWT({ project: claims.project, scopes: claims.scopes })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(ISSUER)
      .setIssuedAt()
      .setExpirationTime(ttl)
      // Each token its own: two minted in the same second for the same claims are revoked apart.
      .setJti(randomUUID())
      .sign(key(secret))
  );
}

/** When a token expires, read from it once its signature is checked (its expiry may have passed). */
export async function tokenExpiry(
  secret: string,
  token: string,
): Promise<{ claims: TokenClaims; expiresAt: Date }> {
  const { payload } = await jwtVerify(token, key(secret), {
    issuer: ISSUER,
    algorithms: ['HS256'],
    // Checked by the caller: revoking an expired token is pointless, not an error of the signature.
    currentDate: new Date(0),
  });
  return { claims: verifyClaims(payload), expiresAt: new Date(Number(payload.exp ?? 0) * 1000) };
}

/** Verifies signature, issuer and expiry; throws on any failure. */
export async function verifyToken(secret: string, token: string): Promise<TokenClaims> {
  const { payload } = await jwtVerify(token, key(secret), { issuer: ISSUER, algorithms: ['HS256'] });
  return verifyClaims(payload);
}

function verifyClaims(payload: Record<string, unknown>): TokenClaims {
  const project = payload.project;
  const scopes = payload.scopes;
  if (typeof project !== 'string' || !Array.isArray(scopes)) throw new Error('token lacks project or scopes');
  return { project, scopes: scopes.filter((s): s is Scope => (SCOPES as readonly string[]).includes(s)) };
}
