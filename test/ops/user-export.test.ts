import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRoles, type RunningRoles } from '../../cli/roles';
import { mintToken } from '../../core/auth/jwt';
import type { Config } from '../../core/config/config';
import { createLogger } from '../../core/log';
import { distinctEventsInLake } from '../helpers/lake';
import { isolatedConfig, requireServices } from '../helpers/test-config';
import { waitFor } from '../helpers/wait-for';
import { knownWriteKey } from '../helpers/segment-sdk';

const HOUR = 3_600_000;

/**
 * A subject-access export: every event of a user, from the lake (older than the speed view's
 * horizon) and the speed view, found by user id, by the anonymous id they were seen with before
 * identifying, and by the id an alias call named as theirs; nobody else's, no other project's.
 */
describe('user export', () => {
  let config: Config;
  let roles: RunningRoles;
  const run = Date.now().toString(36);
  const project = `export-${run}`;
  const other = `export-other-${run}`;

  beforeAll(async () => {
    await requireServices();
    config = isolatedConfig('export');
    roles = await startRoles(
      ['ingest', 'speed', 'archiver', 'serve'],
      config,
      createLogger({ test: 'export' }, 'error'),
    );
  }, 60_000);
  afterAll(async () => roles?.stop());

  it('gives every event of the user once, oldest first, and nothing else', async () => {
    const now = Date.now();
    const at = (ms: number) => new Date(now - ms).toISOString();
    const send = async (p: string, batch: Record<string, unknown>[]) => {
      const { post } = await knownWriteKey(config, roles.urls.ingest as string, p);
      const r = await post(batch);
      expect(await r.json()).toMatchObject({ accepted: batch.length, quarantined: 0 });
    };
    const theirs = [
      { messageId: 'm-old-id', type: 'track', event: 'signup', userId: 'old-ana', timestamp: at(61 * HOUR) },
      { messageId: 'm-anon', type: 'page', name: 'home', anonymousId: 'anon-1', timestamp: at(60 * HOUR) },
      {
        messageId: 'm-identify',
        type: 'identify',
        userId: 'ana',
        anonymousId: 'anon-1',
        traits: { plan: 'pro' },
        timestamp: at(59 * HOUR),
      },
      {
        messageId: 'm-buy',
        type: 'track',
        event: 'purchase',
        userId: 'ana',
        anonymousId: 'anon-1',
        properties: { order_id: 'o1', total_amount: 10, currency: 'EUR' },
        timestamp: at(HOUR),
      },
      { messageId: 'm-alias', type: 'alias', userId: 'ana', previousId: 'old-ana', timestamp: at(HOUR / 2) },
    ];
    const others = [
      {
        messageId: 'o-1',
        type: 'page',
        name: 'home',
        userId: 'bob',
        anonymousId: 'anon-2',
        timestamp: at(60 * HOUR),
      },
      {
        messageId: 'o-2',
        type: 'track',
        event: 'purchase',
        userId: 'bob',
        properties: { order_id: 'o2', total_amount: 5, currency: 'EUR' },
        timestamp: at(HOUR),
      },
    ];
    await send(project, [...theirs, ...others]);
    await send(other, [
      { messageId: 'x-1', type: 'track', event: 'signup', userId: 'ana', timestamp: at(HOUR) },
    ]);
    await waitFor(
      () => distinctEventsInLake(config.lake.root, project),
      (n) => n === 7,
      { timeoutMs: 60_000, intervalMs: 300 },
    );

    const admin = await mintToken(config.auth.jwtSecret, { project, scopes: ['admin'] });
    const get = (token: string) =>
      fetch(`${roles.urls.api}/v1/users/ana/export`, { headers: { authorization: `Bearer ${token}` } });
    const answer = await waitFor(
      async () => {
        const r = await get(admin);
        return { status: r.status, type: r.headers.get('content-type'), text: await r.text() };
      },
      (r) => r.text.trim().split('\n').length === theirs.length,
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(answer.status).toBe(200);
    expect(answer.type).toMatch(/^application\/x-ndjson/);
    const lines = answer.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { eventId: string; source: string; timestamp: string });
    expect(lines.map((e) => e.eventId)).toEqual(theirs.map((e) => e.messageId));
    // Older than the speed view's horizon: from the lake; recent: from the speed view.
    expect(lines.map((e) => e.source)).toEqual(['lake', 'lake', 'lake', 'speed', 'speed']);
    // Personal data: a read token may not export it.
    const reader = await mintToken(config.auth.jwtSecret, { project, scopes: ['read'] });
    expect((await get(reader)).status).toBe(403);
  }, 120_000);
});
