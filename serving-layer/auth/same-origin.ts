import { ForbiddenException } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A browser sends the session cookie with any request to this host, whoever's page made it:
 * SameSite=Lax stops only other sites, not a page on another port of the same host, and a
 * WebSocket upgrade carries the cookie from any page. So a request authenticated by the cookie
 * that changes something, or opens the live feed, must come from one of the web app's own pages:
 * its Origin (which browsers set on every such request, and pages cannot forge) must be this host.
 * Bearer tokens are not sent by browsers on their own, so they need no such check.
 */
export function assertSameOrigin(req: IncomingMessage): void {
  const upgrade = (req.headers.upgrade ?? '').toLowerCase() === 'websocket';
  if (!upgrade && READS.has(req.method ?? 'GET')) return;
  const origin = req.headers.origin;
  const host = req.headers.host;
  let from: string | undefined;
  try {
    from = origin === undefined || origin === 'null' ? undefined : new URL(origin).host;
  } catch {
    from = undefined;
  }
  if (from === undefined || host === undefined || from !== host)
    throw new ForbiddenException(
      origin === undefined
        ? 'a request signed in by the session cookie must come from the web app (no Origin header): send a bearer token instead'
        : `refused a request from ${origin} signed in by this site's session cookie: only the web app's own pages may use it`,
    );
  // Fetch metadata, where the browser sends it, says the same from its side.
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none')
    throw new ForbiddenException(`refused a ${String(site)} request signed in by the session cookie`);
}
