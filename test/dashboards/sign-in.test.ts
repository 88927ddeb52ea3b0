import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInLink } from '../../cli/commands/login';
import { startRoles, type RunningRoles } from '../../cli/roles';
import { mintToken } from '../../core/auth/jwt';
import type { Config } from '../../core/config/config';
import { createLogger } from '../../core/log';
import { platformCli } from '../helpers/platform-cli';
import { isolatedConfig, requireServices } from '../helpers/test-config';
import { waitFor } from '../helpers/wait-for';

/** Sign-in links become HttpOnly session cookies bound to one project; bearer tokens keep working. */
describe('signing in with a printed link', () => {
  let config: Config;
  let roles: RunningRoles;
  let api: string;
  // Projects of this run: the metadata store outlives test runs.
  const run = Date.now().toString(36);

  beforeAll(async () => {
    await requireServices();
    config = isolatedConfig('sign-in');
    roles = await startRoles(['serve'], config, createLogger({ test: 'sign-in' }, 'error'));
    api = roles.urls.api as string;
  }, 60_000);
  afterAll(async () => roles?.stop());

  /** Follows a sign-in link as a browser would (without following the redirect); the cookie it sets. */
  const open = async (link: string) => {
    const res = await fetch(`${api}/login?${new URL(link).searchParams}`, { redirect: 'manual' });
    return {
      status: res.status,
      location: res.headers.get('location'),
      cookie: res.headers.get('set-cookie'),
    };
  };
  const withCookie = (cookie: string, path: string, init: RequestInit = {}) =>
    // As the web app's own page sends it: the browser adds its origin to every request that changes something.
    fetch(`${api}${path}`, {
      ...init,
      headers: { ...init.headers, origin: api, cookie: cookie.split(';')[0] as string },
    });

  it('the link from ./platform login signs the browser in to its project only, once', async () => {
    const printed = await platformCli(config, ['login', '--project', `signin-a-${run}`]);
    const link = /(http\S+\/login\?code=\S+)/.exec(printed)?.[1] as string;
    expect(link).toBeDefined();
    const opened = await open(link);
    expect(opened.status).toBe(302);
    expect(opened.location).toBe('/');
    expect(opened.cookie).toMatch(/^platform_session=[\w-]+; /);
    expect(opened.cookie).toMatch(/HttpOnly/);
    expect(opened.cookie).toMatch(/SameSite=Lax/);
    const cookie = opened.cookie as string;

    // Project b has a dashboard; the session of project a cannot see it.
    const tokenB = await mintToken(config.auth.jwtSecret, { project: `signin-b-${run}`, scopes: ['write'] });
    const b = await fetch(`${api}/v1/dashboards`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokenB}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'B only' }),
    });
    const bId = ((await b.json()) as { id: string }).id;
    const mine = await withCookie(cookie, '/v1/dashboards', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'A only' }),
    });
    expect(mine.status).toBe(201);
    const listed = (await (await withCookie(cookie, '/v1/dashboards')).json()) as {
      dashboards: { name: string }[];
    };
    expect(listed.dashboards.map((d) => d.name)).toEqual(['A only']);
    expect((await withCookie(cookie, `/v1/dashboards/${bId}`)).status).toBe(404);
    // Queries are scoped the same way: the session's project, whatever the request says.
    expect((await withCookie(cookie, '/v1/metrics/events')).status).toBe(200);

    // The link works once.
    const again = await open(link);
    expect(again.status).toBe(401);
    expect(again.cookie).toBeNull();

    // Signing out ends the session.
    expect((await withCookie(cookie, '/logout', { method: 'POST' })).status).toBe(204);
    const after = await withCookie(cookie, '/v1/dashboards');
    expect(after.status).toBe(401);
    expect(((await after.json()) as { message: string }).message).toMatch(/sign in again/);
  }, 90_000);

  it('refuses a made-up code and a made-up session; a bearer token still works', async () => {
    expect((await open(`${api}/login?code=not-a-code`)).status).toBe(401);
    expect((await withCookie('platform_session=forged', '/v1/dashboards')).status).toBe(401);
    expect((await fetch(`${api}/v1/dashboards`)).status).toBe(401);
    const link = await signInLink(config, { project: `signin-c-${run}`, scopes: ['read'] }, api);
    expect(link.startsWith(`${api}/login?code=`)).toBe(true);
    const token = await mintToken(config.auth.jwtSecret, { project: `signin-c-${run}`, scopes: ['read'] });
    expect(
      (await fetch(`${api}/v1/dashboards`, { headers: { authorization: `Bearer ${token}` } })).status,
    ).toBe(200);
  });

  it('a token revoked with ./platform token --revoke is refused by the API and the live feed; others still work', async () => {
    const project = `signin-d-${run}`;
    const token = (await platformCli(config, ['token', '--project', project])).trim();
    const kept = await mintToken(config.auth.jwtSecret, { project, scopes: ['read'] });
    const me = (t: string) => fetch(`${api}/v1/me`, { headers: { authorization: `Bearer ${t}` } });
    expect((await me(token)).status).toBe(200);
    expect(await platformCli(config, ['token', '--revoke', token])).toMatch(/^revoked:/);
    expect(await platformCli(config, ['token', '--revoke', token])).toMatch(/revoked already/);
    // Every serving process reads revocations again every 2 s.
    const refused = await waitFor(
      () => me(token),
      (r) => r.status === 401,
      { timeoutMs: 15_000, intervalMs: 100 },
    );
    expect(((await refused.json()) as { message: string }).message).toMatch(/revoked/);
    expect((await me(kept)).status).toBe(200);
    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`${api.replace('http', 'ws')}/v1/live`, {
        headers: { authorization: `Bearer ${token}` },
      });
      ws.once('open', () => {
        ws.close();
        resolve(101);
      });
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.once('error', () => resolve(0));
    });
    expect(status).toBe(401);
    await expect(platformCli(config, ['token', '--revoke', `${token}x`])).rejects.toThrow(
      /not a token of this platform/,
    );
  }, 90_000);
});
