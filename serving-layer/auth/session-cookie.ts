import type { Request, Response } from 'express';
import { SESSION_TTL_MS } from '../../core/auth/sessions';

/** The browser session's cookie: HttpOnly (no script reads it), SameSite=Lax (no cross-site POST carries it). */
export const SESSION_COOKIE = 'platform_session';

export function sessionOf(req: Request): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name !== SESSION_COOKIE) continue;
    // A malformed escape (a lone '%') is no session, not a crash.
    try {
      return decodeURIComponent(value.join('='));
    } catch {
      return undefined;
    }
  }
  return undefined;
}

export function setSessionCookie(res: Response, session: string): void {
  res.cookie(SESSION_COOKIE, session, {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    maxAge: SESSION_TTL_MS,
    secure: res.req.secure,
  });
}

export function clearSessionCookie(res: Response): void {
  res.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'lax', path: '/' });
}
