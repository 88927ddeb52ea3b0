import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Analytics } from '@segment/analytics-node';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInLink } from '../../cli/commands/login';
import { startRoles, type RunningRoles } from '../../cli/roles';
import { mintToken } from '../../core/auth/jwt';
import { createWriteKey } from '../../core/auth/write-keys';
import type { Config } from '../../core/config/config';
import { createLogger } from '../../core/log';
import { CHROMIUM_PATH } from '../../infra/local/chromium/install';
import { REPO_ROOT } from '../../infra/local/paths';
import {
  postgresUrl,
  startPostgres,
  stopPostgres,
  type PostgresServiceOptions,
} from '../../infra/local/postgres/service';
import { freePort } from '../helpers/free-port';
import { startOwnPostgres } from '../helpers/own-postgres';
import { isolatedConfig, requireServices } from '../helpers/test-config';

const ARTIFACTS = join(REPO_ROOT, '.local', 'test-artifacts');

/**
 * The web app in Debian's Chromium against the real stack (ingest, Kafka, speed layer, serving):
 * signed in through a printed link, the overview's live counter follows events sent with the
 * Segment SDK, the explorer shows what the API answers, and no page logs an error.
 */
describe('the web app', () => {
  let config: Config;
  let roles: RunningRoles;
  let api: RunningRoles;
  let pgo: PostgresServiceOptions;
  let browser: Browser;
  let page: Page;
  const run = Date.now().toString(36);
  const project = `web-${run}`;
  const other = `web-other-${run}`;
  const problems: string[] = [];
  const keys: Record<string, string> = {};
  const log = createLogger({ test: 'web' }, 'error');
  const bearer = async (p: string, scopes: ('read' | 'write' | 'admin')[] = ['write']) => ({
    authorization: `Bearer ${await mintToken(config.auth.jwtSecret, { project: p, scopes })}`,
  });

  beforeAll(async () => {
    await requireServices();
    pgo = await startOwnPostgres('web');
    config = isolatedConfig('web', { DATABASE_URL: postgresUrl(pgo), API_PORT: String(await freePort()) });
    // Keys first: the collector reads its key file at start.
    for (const p of [project, other]) keys[p] = await createWriteKey(config, p);
    roles = await startRoles(['ingest', 'speed'], config, log);
    api = await startRoles(['serve'], config, log);
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox'] });
    page = await (await browser.newContext({ viewport: { width: 1280, height: 1000 } })).newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    mkdirSync(ARTIFACTS, { recursive: true });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await api?.stop();
    await roles?.stop();
    if (pgo) await stopPostgres(pgo);
  });

  /** Sends `n` track calls for a project through the official Segment SDK. */
  const sendWithSdk = async (to: string, n: number, event = 'button_clicked') => {
    const analytics = new Analytics({
      writeKey: keys[to] as string,
      host: roles.urls.ingest,
      flushAt: 20,
      flushInterval: 100,
    });
    const failures: unknown[] = [];
    analytics.on('error', (e) => failures.push(e));
    for (let i = 0; i < n; i++)
      analytics.track({ userId: `${to === other ? 'other' : 'user'}-${i % 5}`, event, properties: { i } });
    await analytics.closeAndFlush({ timeout: 30_000 });
    expect(failures).toEqual([]);
  };

  it('signs in through the printed link and shows the live counter rising with events sent by a Segment SDK', async () => {
    await page.goto(await signInLink(config, { project, scopes: ['write'] }, api.urls.api));
    expect(new URL(page.url()).pathname).toBe('/');
    await expect.poll(() => page.textContent('#project')).toBe(`project ${project} · analyst · UTC`);
    await expect.poll(() => page.textContent('[data-testid=live-counter]')).toBe('0');
    await sendWithSdk(project, 30);
    // Another project's events never show here.
    await sendWithSdk(other, 50);
    await expect.poll(() => page.textContent('[data-testid=live-counter]'), { timeout: 60_000 }).toBe('30');
    await expect.poll(() => page.textContent('[data-testid=live-users]')).toBe('5');
    await page.screenshot({ path: join(ARTIFACTS, 'web-overview.png'), fullPage: true });
  }, 120_000);

  it("the explorer's table and total are the API's answer for the same query", async () => {
    await page.goto(`${api.urls.api}/explore?metric=events&range=last_24h&granularity=hour&groupBy=event`);
    await page.waitForSelector('[data-testid=table] tbody tr');
    const rows = await page.$$eval('[data-testid=table] tbody tr', (trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')),
    );
    const end = Math.ceil(Date.now() / 3_600_000) * 3_600_000;
    const res = await fetch(
      `${api.urls.api}/v1/metrics/events?from=${new Date(end - 24 * 3_600_000).toISOString()}&to=${new Date(end).toISOString()}&granularity=hour&groupBy=event`,
      { headers: await bearer(project) },
    );
    const answer = (await res.json()) as {
      value: number;
      buckets: { start: string; dim?: string; value: number; source: string }[];
    };
    expect(answer.value).toBe(30);
    // The first column is the bucket in the user's zone; the rest is the API's answer.
    expect(rows.map((r) => r.slice(1))).toEqual(
      answer.buckets.map((b) => [b.start, String(b.value), b.dim ?? '', b.source]),
    );
    expect(await page.textContent('[data-testid=total]')).toBe(`events: ${answer.value}`);
    expect(await page.$('#chart canvas')).not.toBeNull();
    await page.screenshot({ path: join(ARTIFACTS, 'web-explorer.png'), fullPage: true });
  }, 60_000);

  it('live events: arrive newest first, hold still while paused, and open as JSON', async () => {
    await page.goto(`${api.urls.api}/events`);
    const rows = () => page.$$eval('[data-testid=events] tbody tr', (trs) => trs.length);
    // The 30 events sent before (the latest LIVE_EVENTS_LIMIT of them at most) show at once.
    await expect.poll(rows, { timeout: 30_000 }).toBe(30);
    await page.click('[data-testid=pause]');
    await sendWithSdk(project, 5, 'video_paused');
    await expect
      .poll(() => page.textContent('[data-testid=waiting]'), { timeout: 60_000 })
      .toBe('paused: 5 new');
    expect(await rows()).toBe(30);
    await page.click('[data-testid=pause]');
    await expect.poll(rows).toBe(35);
    const newest = await page.$$eval('[data-testid=events] tbody tr td:nth-child(2)', (tds) =>
      tds.slice(0, 5).map((td) => td.textContent),
    );
    expect(newest).toEqual(Array(5).fill('video_paused'));
    await page.click('[data-testid=events] tbody tr');
    const shown = JSON.parse((await page.textContent('[data-testid=event-json] pre')) ?? '{}') as {
      eventId: string;
      event: string;
      properties: unknown;
    };
    const stored = await fetch(`${api.urls.api}/v1/events/${shown.eventId}`, {
      headers: await bearer(project),
    });
    expect(shown).toEqual(await stored.json());
    await page.screenshot({ path: join(ARTIFACTS, 'web-live-events.png'), fullPage: true });
    await page.keyboard.press('Escape');
  }, 120_000);

  it("a live event opens its person's page, which shows the API's profile of that person", async () => {
    await page.goto(`${api.urls.api}/events`);
    await expect
      .poll(() => page.$$eval('[data-testid=events] tbody tr', (trs) => trs.length), { timeout: 30_000 })
      .toBeGreaterThan(0);
    await page.click('[data-testid=events] tbody tr');
    const user = (
      JSON.parse((await page.textContent('[data-testid=event-json] pre')) ?? '{}') as { userId: string }
    ).userId;
    await page.click('[data-testid=event-person]');
    await page.waitForURL(/\/person\?id=/);
    await expect.poll(() => page.textContent('[data-testid=person-name]'), { timeout: 30_000 }).toBe(user);
    const profile = (await (
      await fetch(`${api.urls.api}/v1/persons/${encodeURIComponent(user)}`, {
        headers: await bearer(project),
      })
    ).json()) as { totals: { events: number; sessions: number } };
    expect(await page.textContent('[data-testid=person-totals]')).toContain(
      `events: ${profile.totals.events} · sessions: ${profile.totals.sessions}`,
    );
    expect(profile.totals.events).toBeGreaterThan(0);
    await page.screenshot({ path: join(ARTIFACTS, 'web-person.png'), fullPage: true });
  }, 120_000);

  it('a dashboard saved from the explorer is drawn from the API, edited, and survives restarts of the serving role and PostgreSQL', async () => {
    await page.goto(`${api.urls.api}/explore?metric=events&range=last_24h&granularity=hour`);
    await page.waitForSelector('[data-testid=table] tbody tr');
    await page.selectOption('[data-testid=save-dashboard]', '');
    await page.fill('[data-testid=save-title]', 'All events');
    await page.selectOption('#save select[name=chart]', 'number');
    await page.click('[data-testid=save]');
    await page.waitForSelector('[data-testid=saved] a');
    await page.click('[data-testid=saved] a');
    await page.waitForSelector('[data-testid=tile-value]');
    const answer = (await (
      await fetch(
        `${api.urls.api}/v1/metrics/events?from=${new Date(Math.ceil(Date.now() / 3_600_000) * 3_600_000 - 24 * 3_600_000).toISOString()}&to=${new Date(Math.ceil(Date.now() / 3_600_000) * 3_600_000).toISOString()}`,
        { headers: await bearer(project) },
      )
    ).json()) as { value: number };
    // Every event sent so far: a tile (and the API) that missed the speed view's writes fails here.
    expect(answer.value).toBe(35);
    expect(await page.textContent('[data-testid=tile-value]')).toBe(String(answer.value));
    // Add a second tile, rename, move it first, remove the first one.
    await page.fill('#add-tile input[name=title]', 'Plays by hour');
    await page.selectOption('#add-tile select[name=metric]', 'content_plays');
    await page.click('#add-tile button');
    await expect
      .poll(() => page.$$eval('[data-testid=tile-title]', (h) => h.map((x) => x.textContent)))
      .toEqual(['All events', 'Plays by hour']);
    await page.fill('[data-testid=rename]', 'Team overview');
    await page.click('#rename button');
    // The page drawn after the rename: a click on the one before it sends the old version (409).
    await expect
      .poll(() => page.$eval('[data-testid=dashboard-select] option:checked', (o) => o.textContent))
      .toBe('Team overview');
    await page.waitForSelector('[data-testid=tile] [data-action=up]:not([disabled])');
    await page.click('[data-tile="1"] [data-action=up]');
    await expect
      .poll(() => page.$$eval('[data-testid=tile-title]', (h) => h.map((x) => x.textContent)))
      .toEqual(['Plays by hour', 'All events']);
    await page.screenshot({ path: join(ARTIFACTS, 'web-dashboards.png'), fullPage: true });
    const id = new URL(page.url()).searchParams.get('id');
    await api.stop();
    await stopPostgres(pgo);
    await startPostgres(pgo);
    api = await startRoles(['serve'], config, log);
    await page.goto(`${api.urls.api}/dashboards?id=${id}`);
    await expect
      .poll(() => page.$$eval('[data-testid=tile-title]', (h) => h.map((x) => x.textContent)))
      .toEqual(['Plays by hour', 'All events']);
    expect(await page.$eval('[data-testid=dashboard-select] option:checked', (o) => o.textContent)).toBe(
      'Team overview',
    );
    await page.click('[data-tile="0"] [data-testid=remove-tile]');
    await expect
      .poll(() => page.$$eval('[data-testid=tile-title]', (h) => h.map((x) => x.textContent)))
      .toEqual(['All events']);
  }, 180_000);

  it("a tile's metric goes into a scheduled report, from an admin's session", async () => {
    const headers = { ...(await bearer(project, ['admin'])), 'content-type': 'application/json' };
    const created = await fetch(`${api.urls.api}/v1/reports`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        name: `Weekly ${run}`,
        metrics: ['events'],
        period: 'weekly',
        recipients: ['team@example.com'],
      }),
    });
    expect(created.status).toBe(201);
    const report = ((await created.json()) as { report: { id: string } }).report;
    const admin = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    admin.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    try {
      await admin.goto(await signInLink(config, { project, scopes: ['admin'] }, api.urls.api));
      const { dashboards } = (await (
        await fetch(`${api.urls.api}/v1/dashboards`, { headers: await bearer(project) })
      ).json()) as { dashboards: { id: string; tiles: { metric: string }[] }[] };
      const dashboard = dashboards.find((d) => d.tiles.some((t) => t.metric === 'events'));
      await admin.goto(`${api.urls.api}/dashboards?id=${dashboard?.id}`);
      await admin.waitForSelector('[data-testid=add-to-report]');
      await admin.selectOption('[data-testid=report-select]', report.id);
      // A tile of another metric than the report's: 'events' is in it already, so add one first.
      await admin.fill('#add-tile input[name=title]', 'Purchases');
      await admin.selectOption('#add-tile select[name=metric]', 'orders');
      await admin.click('#add-tile button');
      await expect.poll(() => admin.$$eval('[data-testid=tile]', (t) => t.length)).toBe(2);
      await admin.waitForSelector('[data-tile="1"] [data-testid=add-to-report]');
      await admin.selectOption('[data-tile="1"] [data-testid=report-select]', report.id);
      await admin.click('[data-tile="1"] [data-testid=add-to-report]');
      await expect
        .poll(() => admin.textContent('[data-tile="1"] form.to-report .meta'))
        .toMatch(/orders is in report/);
      const got = (await (await fetch(`${api.urls.api}/v1/reports/${report.id}`, { headers })).json()) as {
        report: { metrics: string[] };
      };
      expect(got.report.metrics).toEqual(['events', 'orders']);
    } finally {
      await fetch(`${api.urls.api}/v1/reports/${report.id}`, { method: 'DELETE', headers });
      await admin.close();
    }
  }, 120_000);

  it('a viewer with the read scope sees the dashboards and the explorer without the controls the server would refuse', async () => {
    const viewer = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    viewer.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    try {
      await viewer.goto(await signInLink(config, { project, scopes: ['read'] }, api.urls.api));
      await viewer.goto(`${api.urls.api}/dashboards`);
      await viewer.waitForSelector('[data-testid=tile] [data-testid=tile-title]');
      await expect.poll(() => viewer.textContent('[data-testid=read-only]')).toMatch(/viewer.*analyst role/);
      // Tiles are drawn as for an editor; nothing to change them with is offered.
      await expect.poll(() => viewer.textContent('[data-testid=tile] .meta')).toMatch(/^events: \d+/);
      for (const control of [
        '#create',
        '#rename',
        '#delete',
        '#add-tile',
        '[data-testid=remove-tile]',
        '[data-action]',
      ])
        expect(await viewer.$$(control), control).toHaveLength(0);
      await viewer.goto(`${api.urls.api}/explore?metric=events&range=last_24h&granularity=hour`);
      await viewer.waitForSelector('[data-testid=table] tbody tr');
      expect(await viewer.$$('#save')).toHaveLength(0);
      await expect.poll(() => viewer.textContent('[data-testid=read-only]')).toMatch(/viewer/);
      await viewer.screenshot({ path: join(ARTIFACTS, 'web-dashboards-read-only.png'), fullPage: true });
    } finally {
      await viewer.close();
    }
  }, 60_000);

  it("a session of one project reads nothing of another's, over the API or the WebSocket", async () => {
    await page.goto(`${api.urls.api}/`);
    // Asked from a tab of the same session that is not watched for errors: the 404 is expected.
    const probe = await page.context().newPage();
    await probe.goto(`${api.urls.api}/`);
    const theirs = (await (
      await fetch(`${api.urls.api}/v1/dashboards`, {
        method: 'POST',
        headers: { ...(await bearer(other)), 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Theirs' }),
      })
    ).json()) as { id: string };
    const seen = await probe.evaluate(
      async ({ id, host }) => {
        const dashboard = (await fetch(`/v1/dashboards/${id}`)).status;
        const listed = (
          (await (await fetch('/v1/dashboards')).json()) as { dashboards: { id: string }[] }
        ).dashboards.map((d) => d.id);
        const messages: { type: string; project?: string; events?: { userId: string | null }[] }[] = [];
        // The page's own WebSocket (the browser's, with the session cookie).
        const Socket = (
          globalThis as unknown as {
            WebSocket: new (url: string) => { onmessage: (m: { data: string }) => void; close(): void };
          }
        ).WebSocket;
        const ws = new Socket(`ws://${host}/v1/live?events=1`);
        ws.onmessage = (m) => messages.push(JSON.parse(m.data) as never);
        await new Promise((r) => setTimeout(r, 3000));
        ws.close();
        return { dashboard, listed, messages };
      },
      { id: theirs.id, host: new URL(String(api.urls.api)).host },
    );
    await probe.close();
    expect(seen.dashboard).toBe(404);
    expect(seen.listed).not.toContain(theirs.id);
    const snapshots = seen.messages.filter((m) => m.type === 'snapshot');
    const events = seen.messages.flatMap((m) => m.events ?? []);
    expect(snapshots.length).toBeGreaterThan(0);
    expect(new Set(snapshots.map((m) => m.project))).toEqual(new Set([project]));
    expect(events.length).toBeGreaterThan(0);
    expect(events.filter((e) => !e.userId?.startsWith('user-'))).toEqual([]);
    // The merged tiles answered too: no content or commerce events were sent, and the tiles say so.
    await expect.poll(() => page.textContent('#content .body')).toBe('no plays in the last 24 hours');
    await expect.poll(() => page.textContent('#commerce .body')).toMatch(/0 orders from 0 checkouts/);
    await expect.poll(() => page.$$eval('#funnel tr', (trs) => trs.length)).toBe(4);
    // Sessions: the tile's count is the API's for the last 24 hours.
    const sessions = async () =>
      (
        (await (await fetch(`${api.urls.api}/v1/sessions`, { headers: await bearer(project) })).json()) as {
          sessions: number;
        }
      ).sessions;
    expect(await sessions()).toBeGreaterThan(0);
    await expect
      .poll(async () =>
        (await page.textContent('[data-testid=sessions-figures]'))?.startsWith(
          `${await sessions()} sessions · bounce rate`,
        ),
      )
      .toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, 'web-overview-tiles.png'), fullPage: true });
  }, 60_000);

  it("a user's time zone, chosen in the header, is kept in PostgreSQL and shows every time in it", async () => {
    const signIn = async (watched: boolean) => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
      const p = await context.newPage();
      // The second browser is refused on purpose below: the 400 it logs is expected.
      p.on('console', (m) => {
        if (m.type() === 'error' && watched) problems.push(m.text());
      });
      await p.goto(
        await signInLink(config, { project, scopes: ['read'], user: 'ana@example.com' }, api.urls.api),
      );
      return p;
    };
    const first = await signIn(true);
    await first.waitForSelector('[data-testid=zone]');
    expect(await first.$eval('[data-testid=zone] option:checked', (o) => o.textContent)).toBe('UTC');
    await first.selectOption('[data-testid=zone]', 'Asia/Tokyo');
    // Another browser of the same user starts in the saved zone.
    const second = await signIn(false);
    await second.goto(`${api.urls.api}/explore?metric=events&range=last_24h&granularity=hour`);
    await second.waitForSelector('[data-testid=table] tbody tr');
    expect(await second.$eval('[data-testid=zone] option:checked', (o) => o.textContent)).toBe('Asia/Tokyo');
    const [local, utc] = (await second.$$eval('[data-testid=table] tbody tr:first-child td', (tds) =>
      tds.slice(0, 2).map((td) => td.textContent ?? ''),
    )) as [string, string];
    // Tokyo is UTC+09:00 all year.
    const shifted = new Date(Date.parse(utc) + 9 * 3_600_000).toISOString();
    expect(local).toBe(`${shifted.slice(5, 10)} ${shifted.slice(11, 16)}`);
    await second.screenshot({ path: join(ARTIFACTS, 'web-explorer-time-zone.png'), fullPage: true });
    // Settings belong to signed-in users, and only zones that exist are kept.
    const refused = await second.evaluate(async () => {
      const r = await fetch('/v1/me/settings', {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ timeZone: 'Mars/Olympus' }),
      });
      return r.status;
    });
    expect(refused).toBe(400);
    const byToken = await fetch(`${api.urls.api}/v1/me/settings`, {
      method: 'PUT',
      headers: { ...(await bearer(project)), 'content-type': 'application/json' },
      body: JSON.stringify({ timeZone: 'Europe/Paris' }),
    });
    expect(byToken.status).toBe(400);
    expect(((await byToken.json()) as { message: string }).message).toMatch(/--user/);
    await first.context().close();
    await second.context().close();
  }, 60_000);

  it('the overview reconnects its live feed after a restart of the serving role, without a reload', async () => {
    await page.goto(`${api.urls.api}/`);
    await expect.poll(() => page.textContent('[data-testid=live-counter]'), { timeout: 30_000 }).toBe('35');
    const before = problems.length;
    await api.stop();
    api = await startRoles(['serve'], config, log);
    await sendWithSdk(project, 3);
    await expect.poll(() => page.textContent('[data-testid=live-counter]'), { timeout: 60_000 }).toBe('38');
    // While the role is down, Chromium logs each refused reconnection as a console error (no page
    // can silence it): those are this test's own doing. Anything else logged meanwhile still counts.
    const refused =
      /^WebSocket connection to 'ws:\/\/[^']+\/v1\/live[^']*' failed: .*ERR_CONNECTION_REFUSED$/;
    const during = problems.splice(before);
    problems.push(...during.filter((p) => !refused.test(p)));
  }, 120_000);

  it('a browser without a session is told how to sign in, and no page logged an error', async () => {
    const fresh = await browser.newPage();
    await fresh.goto(`${api.urls.api}/`);
    await expect.poll(() => fresh.textContent('main')).toMatch(/\.\/platform login --project/);
    await fresh.close();
    expect(problems).toEqual([]);
  });
});
