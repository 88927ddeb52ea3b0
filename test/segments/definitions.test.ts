import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRoles, type RunningRoles } from '../../cli/roles';
import { mintToken } from '../../core/auth/jwt';
import type { Config } from '../../core/config/config';
import { createLogger } from '../../core/log';
import { platformCli } from '../helpers/platform-cli';
import { isolatedConfig, requireServices } from '../helpers/test-config';

/** Segment definitions through the serving API and the CLI, kept in PostgreSQL per project. */
describe('segment definitions', () => {
  let config: Config;
  let roles: RunningRoles;
  // Projects of this run: the metadata store outlives test runs.
  const run = Date.now().toString(36);
  const project = `seg-${run}`;
  const tokens: Record<string, string> = {};
  const api = async (who: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${roles.urls.api}${path}`, {
      method,
      headers: { authorization: `Bearer ${tokens[who]}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
  };
  const definition = {
    id: 'engaged-pros',
    name: 'Engaged pros',
    condition: {
      and: [
        {
          or: [
            { trait: 'plan', op: 'in', values: ['pro', 'team'] },
            { trait: 'email', op: 'contains', value: '@corp' },
          ],
        },
        { event: 'video_play', atLeast: 3, inLastDays: 7, where: { property: 'device', equals: 'tv' } },
        { not: { trait: 'age', op: 'between', min: 0, max: 17 } },
      ],
    },
  };

  beforeAll(async () => {
    await requireServices();
    config = isolatedConfig('segments');
    tokens.admin = await mintToken(config.auth.jwtSecret, { project, scopes: ['admin'] });
    tokens.read = await mintToken(config.auth.jwtSecret, { project, scopes: ['read'] });
    tokens.other = await mintToken(config.auth.jwtSecret, { project: `seg-other-${run}`, scopes: ['admin'] });
    roles = await startRoles(['serve'], config, createLogger({ test: 'segments' }, 'error'));
  }, 60_000);
  afterAll(async () => roles?.stop());

  it('are defined by admins, checked field by field, listed per project, changed by version and deleted', async () => {
    expect((await api('read', 'POST', '/v1/segments', definition)).status).toBe(403);
    const bad = await api('admin', 'POST', '/v1/segments', {
      id: 'Bad Id',
      condition: { and: [{ event: 'purchase', inLastDays: 0 }] },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/^invalid segment: /);
    expect(bad.body.message).toContain('id:');
    const created = await api('admin', 'POST', '/v1/segments', definition);
    expect(created.status).toBe(201);
    // atLeast defaults to 1 where left out; what is stored is what the API checked.
    expect(created.body).toMatchObject({ projectId: project, version: 1, definition });
    expect((await api('admin', 'POST', '/v1/segments', definition)).status).toBe(409);
    expect((await api('other', 'GET', '/v1/segments')).body.segments).toEqual([]);
    expect((await api('other', 'GET', '/v1/segments/engaged-pros')).status).toBe(404);
    expect((await api('other', 'DELETE', '/v1/segments/engaged-pros')).status).toBe(404);
    const renamed = { ...definition, name: 'Engaged' };
    expect((await api('admin', 'PUT', '/v1/segments/engaged-pros?version=1', renamed)).body.version).toBe(2);
    expect((await api('admin', 'PUT', '/v1/segments/engaged-pros?version=1', definition)).status).toBe(409);
    const listed = (await api('read', 'GET', '/v1/segments')).body.segments as { definition: unknown }[];
    expect(listed.map((s) => s.definition)).toEqual([renamed]);
    // Analyses name it; an unknown one is a 400 that says where the list is.
    const unknown = await api('read', 'GET', '/v1/funnels?steps=page,purchase&segment=nope');
    expect(unknown.status).toBe(400);
    expect(unknown.body.message).toMatch(/unknown segment 'nope': GET \/v1\/segments/);
    const noSegments = await api('read', 'GET', '/v1/metrics/events?breakdown=segment');
    expect(noSegments.status).toBe(400);
    expect(noSegments.body.message).toMatch(/breakdown=segment needs segment=/);
    const size = await api(
      'read',
      'GET',
      '/v1/segments/engaged-pros/size?granularity=minute&from=2026-01-01T00:00:00Z&to=2026-01-03T00:00:00Z',
    );
    expect(size.status).toBe(400);
    expect(size.body.message).toMatch(/more than 1000/);
    expect((await api('admin', 'DELETE', '/v1/segments/engaged-pros')).status).toBe(204);
    expect((await api('read', 'GET', '/v1/segments/engaged-pros')).status).toBe(404);
  });

  it('are managed from the CLI too, with the same definitions', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'seg-')), 'tv.json');
    writeFileSync(file, JSON.stringify({ ...definition, id: 'tv' }));
    expect(await platformCli(config, ['segment', 'create', '--project', project, '--file', file])).toMatch(
      /^created segment tv/,
    );
    expect((await api('read', 'GET', '/v1/segments/tv')).body.definition).toEqual({
      ...definition,
      id: 'tv',
    });
    expect(await platformCli(config, ['segment', 'list', '--project', project])).toMatch(
      /^tv\tEngaged pros\t/m,
    );
    writeFileSync(file, JSON.stringify({ id: 'tv', condition: { trait: 'plan', op: 'like' } }));
    await expect(
      platformCli(config, ['segment', 'create', '--project', project, '--file', file]),
    ).rejects.toThrow(/invalid segment: /);
    expect(await platformCli(config, ['segment', 'delete', '--project', project, '--id', 'tv'])).toMatch(
      /deleted segment tv/,
    );
  }, 60_000);
});
