import { ESLint } from 'eslint';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRoles, type RunningRoles } from '../../cli/roles';
import { mintToken } from '../../core/auth/jwt';
import type { Config } from '../../core/config/config';
import { createLogger } from '../../core/log';
import { REPO_ROOT } from '../../infra/local/paths';
import { signInLink } from '../../cli/commands/login';
import { screenshot, withPage } from '../helpers/browser';
import { distinctEventsInLake } from '../helpers/lake';
import { knownWriteKey } from '../helpers/segment-sdk';
import { isolatedConfig, requireServices } from '../helpers/test-config';
import { waitFor } from '../helpers/wait-for';

/** Names that an object used as a map answers with what it inherits, unless it holds them itself. */
const NAMES = ['constructor', '__proto__', 'valueOf', 'toString', 'hasOwnProperty'];

/** User-chosen names (event names, traits) that are also names of Object.prototype. */
describe('user strings as keys', () => {
  let config: Config;
  let roles: RunningRoles;
  const project = `protokeys-${Date.now().toString(36)}`;
  let admin: string;
  const get = (path: string) =>
    fetch(`${roles.urls.api}${path}`, { headers: { authorization: `Bearer ${admin}` } });

  beforeAll(async () => {
    await requireServices();
    config = isolatedConfig('protokeys');
    roles = await startRoles(
      ['ingest', 'speed', 'archiver', 'serve'],
      config,
      createLogger({ test: 'protokeys' }, 'error'),
    );
    admin = await mintToken(config.auth.jwtSecret, { project, scopes: ['admin'] });
    const at = new Date(Date.now() - 60_000).toISOString();
    const { post } = await knownWriteKey(config, roles.urls.ingest as string, project);
    const batch = [
      ...NAMES.map((event, i) => ({
        messageId: `m-${i}`,
        type: 'track',
        event,
        userId: 'ana',
        timestamp: at,
      })),
      { messageId: 'm-id', type: 'identify', userId: 'ana', traits: { plan: 'pro' }, timestamp: at },
      { messageId: 'm-bob', type: 'identify', userId: 'bob', traits: { plan: 'free' }, timestamp: at },
    ];
    expect(await (await post(batch)).json()).toMatchObject({ accepted: batch.length, quarantined: 0 });
    await waitFor(
      () => distinctEventsInLake(config.lake.root, project),
      (n) => n === batch.length,
      {
        timeoutMs: 60_000,
        intervalMs: 300,
      },
    );
  }, 120_000);
  afterAll(async () => roles?.stop());

  it("a user's activity counts events named like Object.prototype's members, as any other", async () => {
    const user = await waitFor(
      async () =>
        (await (await get('/v1/users/ana')).json()) as { events?: number; byEvent?: Record<string, unknown> },
      (u) => u.events === NAMES.length + 1,
      { timeoutMs: 30_000, intervalMs: 300 },
    );
    expect(user.events).toBe(NAMES.length + 1);
    expect(Object.entries(user.byEvent ?? {}).sort()).toEqual(
      [...NAMES.map((n) => [n, 1]), ['identify', 1]].sort(),
    );
  });

  it("a segment on the trait 'constructor' (or any inherited name) being set holds nobody", async () => {
    for (const trait of ['constructor', 'toString', '__proto__']) {
      const id = `t-${trait.replace(/_/g, 'x').toLowerCase()}`;
      const created = await fetch(`${roles.urls.api}/v1/segments`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: JSON.stringify({ id, condition: { trait, op: 'set' } }),
      });
      expect(created.status, await created.clone().text()).toBe(201);
      const csv = await (await get(`/v1/segments/${id}/members`)).text();
      expect(csv.trim().split('\n').slice(1), trait).toEqual([]);
    }
    // The control: a trait users do have.
    await fetch(`${roles.urls.api}/v1/segments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 't-plan', condition: { trait: 'plan', op: 'set' } }),
    });
    const csv = await (await get('/v1/segments/t-plan/members')).text();
    expect(
      csv
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.split(',')[0])
        .sort(),
    ).toEqual(['ana', 'bob']);
  });

  it('the explorer grouped by event and the overview, in Chromium, draw those events for a viewer', async () => {
    await withPage(async (page, problems) => {
      await page.goto(await signInLink(config, { project, scopes: ['read'] }, roles.urls.api));
      await page.goto(
        `${roles.urls.api}/explore?metric=events&range=last_24h&granularity=hour&groupBy=event`,
      );
      // Every name is a row of the table once the speed view holds them all.
      for (const name of NAMES)
        await page
          .waitForSelector(`[data-testid=table] tbody tr:has-text("${name}")`, { timeout: 30_000 })
          .catch(async (e: Error) => {
            await screenshot(page, 'protokeys.png');
            throw new Error(`${e.message}; page problems: ${problems.join(' | ')}`);
          });
      await page.goto(`${roles.urls.api}/`);
      await page.waitForSelector('td:text-is("hasOwnProperty")', { timeout: 30_000 });
      await page.waitForTimeout(500);
      expect(await page.locator('.error').allTextContents()).toEqual([]);
      expect(problems).toEqual([]);
    });
  }, 90_000);

  it('lint refuses an empty Record literal in product code', async () => {
    const eslint = new ESLint({ cwd: REPO_ROOT });
    const [r] = await eslint.lintText(
      'export function count(names: string[]) {\n  const n: Record<string, number> = {};\n  for (const x of names) n[x] = (n[x] ?? 0) + 1;\n  return n;\n}\n',
      { filePath: join(REPO_ROOT, 'core', 'values', 'own.ts') },
    );
    expect(r?.messages.map((m) => m.ruleId)).toContain('no-restricted-syntax');
  });
});
