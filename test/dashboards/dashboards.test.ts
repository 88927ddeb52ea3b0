import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRoles, type RunningRoles } from '../../cli/roles';
import { mintToken } from '../../core/auth/jwt';
import type { Config } from '../../core/config/config';
import { createLogger } from '../../core/log';
import {
  postgresUrl,
  startPostgres,
  stopPostgres,
  type PostgresServiceOptions,
} from '../../infra/local/postgres/service';
import { startOwnPostgres } from '../helpers/own-postgres';
import { isolatedConfig, requireServices } from '../helpers/test-config';

const tile = (title: string, metric = 'events') => ({ title, metric, range: { preset: 'last_24h' } });

/**
 * Saved dashboards through the serving API, kept in PostgreSQL: a server of this test's own (its
 * own port and folder), since the test kills it.
 */
describe('saved dashboards', () => {
  let pgo: PostgresServiceOptions;
  let config: Config;
  let roles: RunningRoles | undefined;
  const tokens: Record<string, string> = {};
  const log = createLogger({ test: 'dashboards' }, 'error');

  const api = async (project: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${roles?.urls.api}${path}`, {
      method,
      headers: { authorization: `Bearer ${tokens[project]}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };
  const serve = async () => (roles = await startRoles(['serve'], config, log));

  beforeAll(async () => {
    await requireServices();
    pgo = await startOwnPostgres('dashboards');
    config = isolatedConfig('dashboards', { DATABASE_URL: postgresUrl(pgo) });
    for (const p of ['a', 'b'])
      tokens[p] = await mintToken(config.auth.jwtSecret, { project: p, scopes: ['write'] });
    await serve();
  }, 120_000);
  afterAll(async () => {
    await roles?.stop();
    await stopPostgres(pgo);
  });

  it('are changed only with the write scope: a read token looks and is told what to ask for', async () => {
    const read = await mintToken(config.auth.jwtSecret, { project: 'a', scopes: ['read'] });
    const res = await fetch(`${roles?.urls.api}/v1/dashboards`, {
      method: 'POST',
      headers: { authorization: `Bearer ${read}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'not mine to make' }),
    });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('--role analyst');
    const listed = await fetch(`${roles?.urls.api}/v1/dashboards`, {
      headers: { authorization: `Bearer ${read}` },
    });
    expect(listed.status).toBe(200);
    expect(
      ((await listed.json()) as { dashboards: { name: string }[] }).dashboards.map((d) => d.name),
    ).not.toContain('not mine to make');
  });

  it('creates a dashboard, renames it, adds, reorders and removes tiles, deletes it; another project sees none of it', async () => {
    const created = await api('a', 'POST', '/v1/dashboards', {
      name: 'Growth',
      tiles: [tile('Events'), tile('Plays', 'content_plays')],
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const tiles = created.body.tiles as { id: string; title: string }[];
    expect(tiles.map((t) => t.title)).toEqual(['Events', 'Plays']);
    expect(tiles.every((t) => /^[0-9a-f-]{36}$/.test(t.id))).toBe(true);

    const renamed = await api('a', 'PATCH', `/v1/dashboards/${id}`, { name: 'Growth (weekly)', version: 1 });
    expect(renamed.body).toMatchObject({ name: 'Growth (weekly)', version: 2 });
    // Reorder and add: the array is the new order; kept tiles keep their ids.
    const reordered = await api('a', 'PATCH', `/v1/dashboards/${id}`, {
      tiles: [tiles[1], tiles[0], tile('Revenue', 'revenue')],
    });
    expect((reordered.body.tiles as { id: string; title: string }[]).map((t) => [t.title, t.id])).toEqual([
      ['Plays', tiles[1]?.id],
      ['Events', tiles[0]?.id],
      ['Revenue', expect.any(String)],
    ]);
    // A change made against an old version loses: 409, not a silent overwrite.
    const stale = await api('a', 'PATCH', `/v1/dashboards/${id}`, { name: 'x', version: 1 });
    expect(stale.status).toBe(409);
    expect(stale.body.message).toMatch(/GET it again/);

    // Project b sees nothing of a's, and cannot change or delete it.
    expect((await api('b', 'GET', '/v1/dashboards')).body.dashboards).toEqual([]);
    expect((await api('b', 'GET', `/v1/dashboards/${id}`)).status).toBe(404);
    expect((await api('b', 'PATCH', `/v1/dashboards/${id}`, { name: 'mine' })).status).toBe(404);
    expect((await api('b', 'DELETE', `/v1/dashboards/${id}`)).status).toBe(404);

    const listed = await api('a', 'GET', '/v1/dashboards');
    expect((listed.body.dashboards as { id: string }[]).map((d) => d.id)).toContain(id);
    expect((await api('a', 'DELETE', `/v1/dashboards/${id}`)).status).toBe(204);
    expect((await api('a', 'GET', `/v1/dashboards/${id}`)).status).toBe(404);
  });

  it('refuses a bad dashboard with every problem at once, and writes nothing', async () => {
    const before = (await api('a', 'GET', '/v1/dashboards')).body.dashboards as unknown[];
    const bad = await api('a', 'POST', '/v1/dashboards', {
      name: '',
      tiles: [{ title: 'x', metric: 'no_such_metric', range: { preset: 'last_century' } }],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/name: name is empty/);
    expect(bad.body.message).toMatch(/tiles\.0\.metric: tile metric must be a catalog metric/);
    expect(bad.body.message).toMatch(/tiles\.0\.range/);
    expect((await api('a', 'GET', '/v1/dashboards')).body.dashboards).toEqual(before);
  });

  it('keeps dashboards across a restart of the serving role and of PostgreSQL', async () => {
    const created = await api('a', 'POST', '/v1/dashboards', { name: 'Kept', tiles: [tile('Events')] });
    await roles?.stop();
    await stopPostgres(pgo);
    await startPostgres(pgo);
    await serve();
    const got = await api('a', 'GET', `/v1/dashboards/${String(created.body.id)}`);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ name: 'Kept', tiles: [{ title: 'Events', metric: 'events' }] });
  }, 120_000);

  it('PostgreSQL killed with SIGKILL while dashboards are saved: 503 while it is down, nothing acknowledged is lost', async () => {
    const acknowledged: string[] = [];
    const statuses = new Map<number, number>();
    let saving = true;
    const saver = (async () => {
      for (let i = 0; saving; i++) {
        const r = await api('a', 'POST', '/v1/dashboards', { name: `burst ${i}`, tiles: [tile('Events')] });
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
        if (r.status === 201) acknowledged.push(r.body.id as string);
        else expect(r.body.message).toMatch(/metadata store .* is not answering/);
      }
    })();
    while (acknowledged.length < 20) await new Promise((r) => setTimeout(r, 20));
    await stopPostgres(pgo, { signal: 'SIGKILL' });
    // While it is down: 503 saying to retry, never a 500.
    const down = await api('a', 'GET', '/v1/dashboards');
    expect(down.status).toBe(503);
    await new Promise((r) => setTimeout(r, 500));
    await startPostgres(pgo);
    await new Promise((r) => setTimeout(r, 500));
    saving = false;
    await saver;
    expect(statuses.get(503)).toBeGreaterThan(0);
    expect([...statuses.keys()].sort()).toEqual([201, 503]);
    const listed = (await api('a', 'GET', '/v1/dashboards')).body.dashboards as { id: string }[];
    const ids = new Set(listed.map((d) => d.id));
    expect(acknowledged.filter((id) => !ids.has(id))).toEqual([]);
  }, 120_000);
});
