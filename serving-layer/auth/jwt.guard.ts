import {
  type CanActivate,
  type ExecutionContext,
  Inject,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import type { Request } from 'express';
import { SCOPES, verifyToken, type TokenClaims } from '../../core/auth/jwt';
import type { Config } from '../../core/config/config';
import type { RevokedTokens } from '../../core/auth/revoked-tokens';
import type { Sessions } from '../../core/auth/sessions';
import { CONFIG, REVOKED_TOKENS, SESSIONS } from '../injection-tokens';
import { sessionOf } from './session-cookie';
import { assertSameOrigin } from './same-origin';

export type AuthedRequest = Request & { auth: TokenClaims };

/** What a request's credentials are checked against: sessions, and tokens revoked early. */
export interface Access {
  sessions: Sessions;
  revoked: RevokedTokens;
}

/**
 * Every query route needs a bearer token or a browser session (the cookie a sign-in link gives);
 * its project claim scopes every query it makes.
 */
@Injectable()
export class JwtGuard implements CanActivate {
  constructor(
    @Inject(CONFIG) private readonly config: Config,
    @Inject(SESSIONS) private readonly sessions: Sessions,
    @Inject(REVOKED_TOKENS) private readonly revoked: RevokedTokens,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const req = ctx.switchToHttp().getRequest<AuthedRequest>();
    req.auth = await authenticate(req, this.config, { sessions: this.sessions, revoked: this.revoked });
    return true;
  }
}

/** The claims of a request: its bearer token's, or its session's; 401 saying how to get one. */
export async function authenticate(req: Request, config: Config, access: Access): Promise<TokenClaims> {
  const header = req.headers.authorization ?? '';
  let auth: TokenClaims;
  if (header.startsWith('Bearer ')) {
    const token = header.slice(7);
    try {
      auth = await verifyToken(config.auth.jwtSecret, token);
    } catch {
      throw new UnauthorizedException('invalid or expired token');
    }
    if (access.revoked.isRevoked(token, auth))
      throw new UnauthorizedException(
        'this token was revoked: mint a new one with ./platform token --project <id>',
      );
  } else {
    const session = sessionOf(req);
    const found = session === undefined ? undefined : await access.sessions.lookup(session);
    if (!found)
      throw new UnauthorizedException(
        session === undefined
          ? 'missing bearer token: mint one with ./platform token --project <id>, or sign in with ./platform login --project <id>'
          : 'this session has ended: sign in again (./platform login --project <id> prints a link)',
      );
    auth = found;
    assertSameOrigin(req);
  }
  if (!auth.scopes.some((s) => SCOPES.includes(s))) {
    throw new UnauthorizedException('token lacks the read scope');
  }
  return auth;
}
