import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Analytics } from '@segment/analytics-node';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInLink } from '../../cli/commands/login';
import { startRoles, type RunningRoles } from '../../cli/roles';
import { mintToken } from '../../core/auth/jwt';
import { createWriteKey } from '../../core/auth/write-keys';
import type { Config } from '../../core/config';
import { createLogger } from '../../core/log';
import { CHROMIUM_PATH } from '../../infra/local/chromium/install';
import { REPO_ROOT } from '../../infra/local/paths';
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
  let browser: Browser;
  let page: Page;
  const run = Date.now().toString(36);
  const project = `web-${run}`;
  const other = `web-other-${run}`;
  const problems: string[] = [];
  const keys: Record<string, string> = {};

  beforeAll(async () => {
    await requireServices();
    config = isolatedConfig('web');
    // Keys first: the collector reads its key file at start.
    for (const p of [project, other]) keys[p] = createWriteKey(config.auth.writeKeysFile, p);
    roles = await startRoles(['ingest', 'speed', 'serve'], config, createLogger({ test: 'web' }, 'error'));
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    mkdirSync(ARTIFACTS, { recursive: true });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await roles?.stop();
  });

  /** Sends `n` track calls for a project through the official Segment SDK. */
  const sendWithSdk = async (to: string, n: number) => {
    const analytics = new Analytics({
      writeKey: keys[to] as string,
      host: roles.urls.ingest,
      flushAt: 20,
      flushInterval: 100,
    });
    const failures: unknown[] = [];
    analytics.on('error', (e) => failures.push(e));
    for (let i = 0; i < n; i++)
      analytics.track({ userId: `user-${i % 5}`, event: 'button_clicked', properties: { i } });
    await analytics.closeAndFlush({ timeout: 30_000 });
    expect(failures).toEqual([]);
  };

  it('signs in through the printed link and shows the live counter rising with events sent by a Segment SDK', async () => {
    await page.goto(await signInLink(config, { project, scopes: ['read'] }, roles.urls.api));
    expect(new URL(page.url()).pathname).toBe('/');
    await expect.poll(() => page.textContent('#project')).toBe(`project ${project}`);
    await expect.poll(() => page.textContent('[data-testid=live-counter]')).toBe('0');
    await sendWithSdk(project, 30);
    // Another project's events never show here.
    await sendWithSdk(other, 50);
    await expect.poll(() => page.textContent('[data-testid=live-counter]'), { timeout: 60_000 }).toBe('30');
    await expect.poll(() => page.textContent('[data-testid=live-users]')).toBe('5');
    await page.screenshot({ path: join(ARTIFACTS, 'web-overview.png'), fullPage: true });
  }, 120_000);

  it("the explorer's table and total are the API's answer for the same query", async () => {
    await page.goto(`${roles.urls.api}/explore?metric=events&range=24h&granularity=hour&groupBy=event`);
    await page.waitForSelector('[data-testid=table] tbody tr');
    const rows = await page.$$eval('[data-testid=table] tbody tr', (trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')),
    );
    const end = Math.ceil(Date.now() / 3_600_000) * 3_600_000;
    const token = await mintToken(config.auth.jwtSecret, { project, scopes: ['read'] });
    const res = await fetch(
      `${roles.urls.api}/v1/metrics/events?from=${new Date(end - 24 * 3_600_000).toISOString()}&to=${new Date(end).toISOString()}&granularity=hour&groupBy=event`,
      { headers: { authorization: `Bearer ${token}` } },
    );
    const answer = (await res.json()) as {
      value: number;
      buckets: { start: string; dim?: string; value: number; source: string }[];
    };
    expect(answer.value).toBe(30);
    expect(rows).toEqual(answer.buckets.map((b) => [b.start, String(b.value), b.dim ?? '', b.source]));
    expect(await page.textContent('[data-testid=total]')).toBe(`events: ${answer.value}`);
    expect(await page.$('#chart canvas')).not.toBeNull();
    await page.screenshot({ path: join(ARTIFACTS, 'web-explorer.png'), fullPage: true });
  }, 60_000);

  it('a browser without a session is told how to sign in, and no page logged an error', async () => {
    const fresh = await browser.newPage();
    await fresh.goto(`${roles.urls.api}/`);
    await expect.poll(() => fresh.textContent('main')).toMatch(/\.\/platform login --project/);
    await fresh.close();
    expect(problems).toEqual([]);
  });
});
