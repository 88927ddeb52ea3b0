import { createServer, type Server } from 'node:http';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { signInLink } from '../../cli/commands/login';
import { startRoles, type RunningRoles } from '../../cli/roles';
import { mintToken } from '../../core/auth/jwt';
import type { Config } from '../../core/config/config';
import { createLogger } from '../../core/log';
import { CHROMIUM_PATH } from '../../infra/local/chromium/install';
import { freePort } from '../helpers/free-port';
import { isolatedConfig, requireServices } from '../helpers/test-config';

/**
 * Requests made with a signed-in admin's session cookie from pages that are not the web app's:
 * another origin, and another port of the same host (the same site, which SameSite=Lax lets the
 * cookie reach). None may change anything or open the live feed; the web app's own pages may.
 */
describe('cross-site requests with the victim session', () => {
  let config: Config;
  let roles: RunningRoles;
  let api: string;
  let cookie: string;
  let evil: Server;
  let evilUrl: string;
  let browser: Browser;
  const project = `xsite-${Date.now().toString(36)}`;
  const admin = async () => ({
    authorization: `Bearer ${await mintToken(config.auth.jwtSecret, { project, scopes: ['admin'] })}`,
  });
  const dashboards = async () =>
    (
      (await (await fetch(`${api}/v1/dashboards`, { headers: await admin() })).json()) as {
        dashboards: { name: string }[];
      }
    ).dashboards;
  const withCookie = (path: string, init: RequestInit & { origin?: string } = {}) =>
    fetch(`${api}${path}`, {
      ...init,
      headers: {
        ...(init.headers as Record<string, string>),
        cookie,
        ...(init.origin ? { origin: init.origin } : {}),
      },
    });

  beforeAll(async () => {
    await requireServices();
    config = isolatedConfig('cross-site');
    roles = await startRoles(['serve'], config, createLogger({ test: 'cross-site' }, 'error'));
    api = roles.urls.api as string;
    const link = await signInLink(config, { project, scopes: ['admin'], user: 'victim' }, api);
    const res = await fetch(link, { redirect: 'manual' });
    cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] as string;
    expect(cookie).toMatch(/^platform_session=/);
    // The attacker's page, on another port of the same host: a form that posts itself to the API,
    // a credentialed fetch, and a WebSocket to the live feed.
    const port = await freePort();
    evilUrl = `http://127.0.0.1:${port}`;
    evil = createServer((_req, res) => {
      res.setHeader('content-type', 'text/html');
      res.end(`<!doctype html><body>
        <form id="f" method="POST" action="${api}/v1/dashboards" enctype="text/plain">
          <input name='{"name":"csrf-form","x":"' value='"}' /></form>
        <form id="g" method="POST" action="${api}/v1/reports">
          <input name="name" value="csrf-report" /><input name="recipients[0]" value="outside@evil.example" /></form>
        <script>
          window.socketSaid = [];
          const ws = new WebSocket('${api.replace('http', 'ws')}/v1/live?events=1');
          ws.onmessage = (m) => window.socketSaid.push(String(m.data).slice(0, 50));
          ws.onopen = () => window.socketSaid.push('open');
          fetch('${api}/v1/me/settings', { method: 'PUT', credentials: 'include', mode: 'no-cors',
            headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ timeZone: 'Asia/Tokyo' }) });
          const frame = document.createElement('iframe'); frame.name = 'sink'; document.body.append(frame);
          document.getElementById('g').target = 'sink'; document.getElementById('g').submit();
          const frame2 = document.createElement('iframe'); frame2.name = 'sink2'; document.body.append(frame2);
          document.getElementById('f').target = 'sink2'; setTimeout(() => document.getElementById('f').submit(), 500);
        </script></body>`);
    });
    await new Promise<void>((r) => evil.listen(port, '127.0.0.1', r));
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox'] });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    evil?.close();
    await roles?.stop();
  });

  it('refuses state changes by cookie from another origin, or with no origin; the same origin still works', async () => {
    const body = JSON.stringify({ name: 'from elsewhere' });
    const json = { 'content-type': 'application/json' };
    const other = await withCookie('/v1/dashboards', {
      method: 'POST',
      headers: json,
      body,
      origin: 'http://evil.example',
    });
    expect(other.status).toBe(403);
    expect(((await other.json()) as { message: string }).message).toMatch(/evil\.example/);
    const sameSite = await withCookie('/v1/dashboards', {
      method: 'POST',
      headers: json,
      body,
      origin: evilUrl,
    });
    expect(sameSite.status).toBe(403);
    expect((await withCookie('/v1/dashboards', { method: 'POST', headers: json, body })).status).toBe(403);
    const settings = await withCookie('/v1/me/settings', {
      method: 'PUT',
      headers: json,
      body: JSON.stringify({ timeZone: 'Asia/Tokyo' }),
      origin: 'http://evil.example',
    });
    expect(settings.status).toBe(403);
    expect(await dashboards()).toEqual([]);
    // A form body is not an object: `recipients[0]=...` never becomes data, even from the web app's origin.
    const form = await withCookie('/v1/dashboards', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'name=form&tiles[0][metric]=events',
      origin: api,
    });
    expect(form.status).toBe(400);
    // The web app's own page: allowed.
    const own = await withCookie('/v1/dashboards', { method: 'POST', headers: json, body, origin: api });
    expect(own.status).toBe(201);
    expect((await dashboards()).map((d) => d.name)).toEqual(['from elsewhere']);
  });

  it('refuses the live feed to a page of another origin; the web app opens it', async () => {
    const open = (origin: string) =>
      new Promise<number | 'open'>((resolve) => {
        const ws = new WebSocket(`${api.replace('http', 'ws')}/v1/live`, { headers: { cookie, origin } });
        ws.on('open', () => {
          ws.close();
          resolve('open');
        });
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('error', () => {});
      });
    expect(await open('http://evil.example')).toBe(403);
    expect(await open(evilUrl)).toBe(403);
    expect(await open(api)).toBe('open');
  });

  it('in Chromium, a page on another port of the same host changes nothing with the signed-in victim', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(await signInLink(config, { project, scopes: ['admin'], user: 'victim' }, api));
    const before = (await dashboards()).length;
    const attack = await context.newPage();
    await attack.goto(evilUrl);
    await attack.waitForTimeout(3000);
    const said = (await attack.evaluate('window.socketSaid')) as string[];
    expect(said).toEqual([]);
    expect((await dashboards()).length).toBe(before);
    const reports = (await (await fetch(`${api}/v1/reports`, { headers: await admin() })).json()) as {
      reports: unknown[];
    };
    expect(reports.reports).toEqual([]);
    const me = await page.evaluate(async () => (await fetch('/v1/me')).json());
    expect((me as { timeZone: string }).timeZone).toBe('UTC');
    await context.close();
  }, 60_000);
});
