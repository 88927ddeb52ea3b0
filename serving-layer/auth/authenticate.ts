import { ForbiddenException, UnauthorizedException } from '@nestjs/common';
import type { Request } from 'express';
import { verifyToken, type TokenClaims } from '../../core/auth/jwt';
import type { Members } from '../../core/auth/members';
import type { RevokedTokens } from '../../core/auth/revoked-tokens';
import { lesser } from '../../core/auth/roles';
import { scopesOfRole } from '../../core/auth/roles';
import type { Sessions } from '../../core/auth/sessions';
import type { Config } from '../../core/config/config';
import { assertSameOrigin } from './same-origin';
import { sessionOf } from './session-cookie';

export type AuthedRequest = Request & { auth: TokenClaims };

/** What a request's credentials are checked against: sessions, tokens revoked early, memberships. */
export interface Access {
  sessions: Sessions;
  revoked: RevokedTokens;
  members: Members;
}

/**
 * The claims of a request: its bearer token's, or its session's (the cookie a sign-in link or an
 * accepted invitation gives); 401 saying how to get one. A member's claims carry their role now:
 * a session or a personal token never does more than its member may do today, and nothing once
 * they are removed.
 */
export async function authenticate(req: Request, config: Config, access: Access): Promise<TokenClaims> {
  const header = req.headers.authorization ?? '';
  let auth: TokenClaims;
  if (header.startsWith('Bearer ')) {
    const token = header.slice(7);
    try {
      auth = await verifyToken(config.auth.jwtSecret, token);
    } catch {
      throw new UnauthorizedException(
        'invalid or expired token: mint a new one (POST /v1/tokens, or ./platform token --project <id>)',
      );
    }
    if (access.revoked.isRevoked(token, auth))
      throw new UnauthorizedException(
        'this token was revoked: mint a new one (POST /v1/tokens, or ./platform token --project <id>)',
      );
  } else {
    const session = sessionOf(req);
    const found = session === undefined ? undefined : await access.sessions.lookup(session);
    if (!found)
      throw new UnauthorizedException(
        session === undefined
          ? 'missing bearer token: mint one with ./platform token --project <id>, or sign in (an emailed link, or ./platform login --project <id>)'
          : 'this session has ended: sign in again (ask for an emailed link, or ./platform login --project <id>)',
      );
    auth = found;
    assertSameOrigin(req);
  }
  if (auth.member && auth.user !== undefined) {
    const now = await access.members.roleOf(auth.project, auth.user);
    if (now === undefined)
      throw new UnauthorizedException(
        `you are no longer a member of project ${auth.project}: ask one of its admins to invite you again`,
      );
    // A session is the member's own; a token was minted with a role and is capped by the member's.
    const role = auth.jti === undefined ? now : lesser(auth.role, now);
    auth = { ...auth, role, scopes: scopesOfRole(role) };
  }
  return auth;
}

/** 403 for a role short of the route's need, naming both and who can help. */
export function roleRefused(auth: TokenClaims, need: string): ForbiddenException {
  return new ForbiddenException(
    `this needs the ${need} role in project ${auth.project}, and this ${auth.jti ? 'token' : 'session'} has ${auth.role}: ` +
      `ask an admin of the project for the ${need} role, or use a token with it (./platform token --project ${auth.project} --role ${need})`,
  );
}
