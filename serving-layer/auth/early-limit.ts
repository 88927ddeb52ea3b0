import type { NextFunction, Request, Response } from 'express';
import { verifyToken } from '../../core/auth/jwt';
import type { RevokedTokens } from '../../core/auth/revoked-tokens';
import type { RequestLimits } from './limits';

/** A request whose bearer token was counted here, before the app: the guard does not count it again. */
export type Admitted = Request & { admitted?: true };

/**
 * Counts a bearer token's request against its rate before the request reaches the app, and
 * answers 429 there: a client hammering the API costs a signature-cache lookup and a short
 * answer per request, not a pass through routing, guards and the error filter. Anything it
 * cannot judge (no bearer, a bad or revoked token, a session) goes on to the guard, which
 * answers it as usual.
 */
export function earlyRateLimit(secret: string, revoked: RevokedTokens, limits: RequestLimits) {
  return (req: Admitted, res: Response, next: NextFunction): void => {
    const header = req.headers.authorization;
    if (header === undefined || !header.startsWith('Bearer ')) return next();
    const token = header.slice(7);
    verifyToken(secret, token).then(
      (claims) => {
        if (claims.jti === undefined || revoked.isRevoked(token, claims)) return next();
        const wait = limits.refusal(`token:${claims.jti}`, claims.project);
        if (wait === undefined) {
          req.admitted = true;
          return next();
        }
        const body = JSON.stringify({ statusCode: 429, message: wait.message, error: 'Too Many Requests' });
        res
          .status(429)
          .set({ 'retry-after': String(wait.retryAfter), 'content-type': 'application/json; charset=utf-8' })
          .end(body);
      },
      () => next(),
    );
  };
}
