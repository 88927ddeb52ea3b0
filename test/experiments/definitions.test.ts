import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GrowthBook } from '@growthbook/growthbook';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRoles, type RunningRoles } from '../../cli/roles';
import { mintToken } from '../../core/auth/jwt';
import type { Config } from '../../core/config/config';
import { createLogger } from '../../core/log';
import { platformCli } from '../helpers/platform-cli';
import { isolatedConfig, requireServices } from '../helpers/test-config';

/**
 * Experiment definitions through the serving API, kept in PostgreSQL, and assignment answered by
 * the API equal to the GrowthBook SDK's.
 */
describe('experiment definitions and assignment', () => {
  let config: Config;
  let roles: RunningRoles;
  // Projects of this run: the metadata store outlives test runs.
  const run = Date.now().toString(36);
  const project = `exp-${run}`;
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
    id: 'new-checkout',
    name: 'New checkout',
    variations: [
      { id: 'control', weight: 0.5 },
      { id: 'one-page', weight: 0.3 },
      { id: 'express', weight: 0.2 },
    ],
    coverage: 0.8,
    start: '2026-01-01T00:00:00Z',
    goals: [{ kind: 'conversion', event: 'purchase' }],
    guardrails: [{ kind: 'mean', metric: 'refunds' }],
  };

  beforeAll(async () => {
    await requireServices();
    config = isolatedConfig('experiments');
    tokens.admin = await mintToken(config.auth.jwtSecret, { project, scopes: ['admin'] });
    tokens.read = await mintToken(config.auth.jwtSecret, { project, scopes: ['read'] });
    tokens.other = await mintToken(config.auth.jwtSecret, { project: `exp-other-${run}`, scopes: ['admin'] });
    roles = await startRoles(['serve'], config, createLogger({ test: 'experiments' }, 'error'));
  }, 60_000);
  afterAll(async () => roles?.stop());

  it('are defined by admins, checked field by field, listed per project, changed by version and deleted', async () => {
    expect((await api('read', 'POST', '/v1/experiments', definition)).status).toBe(403);
    const bad = await api('admin', 'POST', '/v1/experiments', {
      ...definition,
      id: 'Bad Id',
      variations: [{ id: 'a', weight: 0.7 }],
      goals: [],
      end: '2025-01-01T00:00:00Z',
    });
    expect(bad.status).toBe(400);
    for (const field of ['id:', 'variations:', 'goals:', 'end:']) expect(bad.body.message).toContain(field);
    const created = await api('admin', 'POST', '/v1/experiments', definition);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      projectId: project,
      version: 1,
      definition: { ...definition, conversionWindowHours: 72 },
    });
    expect((await api('admin', 'POST', '/v1/experiments', definition)).status).toBe(409);
    // Another project sees none of it, and cannot change it.
    expect((await api('other', 'GET', '/v1/experiments')).body.experiments).toEqual([]);
    expect((await api('other', 'GET', '/v1/experiments/new-checkout')).status).toBe(404);
    expect((await api('other', 'DELETE', '/v1/experiments/new-checkout')).status).toBe(404);
    // Changed once at version 1; a second change made on version 1 is stale.
    const longer = { ...definition, conversionWindowHours: 168 };
    expect((await api('admin', 'PUT', '/v1/experiments/new-checkout?version=1', longer)).body.version).toBe(
      2,
    );
    expect((await api('admin', 'PUT', '/v1/experiments/new-checkout?version=1', definition)).status).toBe(
      409,
    );
    const listed = (await api('read', 'GET', '/v1/experiments')).body.experiments as {
      definition: unknown;
    }[];
    expect(listed.map((e) => e.definition)).toEqual([longer]);
    expect((await api('admin', 'DELETE', '/v1/experiments/new-checkout')).status).toBe(204);
    expect((await api('read', 'GET', '/v1/experiments/new-checkout')).status).toBe(404);
  });

  it('assigns users as the GrowthBook SDK does, the same answer every time', async () => {
    await api('admin', 'POST', '/v1/experiments', { ...definition, id: 'pricing', seed: 'pricing-2026' });
    const gb = new GrowthBook({});
    for (let i = 0; i < 300; i++) {
      const userId = `user-${i}`;
      void gb.setAttributes({ id: userId });
      const sdk = gb.run({
        key: 'pricing-2026',
        variations: ['control', 'one-page', 'express'],
        weights: [0.5, 0.3, 0.2],
        coverage: 0.8,
        hashVersion: 2,
      });
      const ours = await api(
        'read',
        'GET',
        `/v1/experiments/pricing/assign?userId=${encodeURIComponent(userId)}`,
      );
      expect(ours.body).toMatchObject({
        inExperiment: sdk.inExperiment,
        variationId: sdk.inExperiment ? sdk.value : null,
        running: true,
        hashVersion: 2,
      });
    }
    gb.destroy();
    expect((await api('read', 'GET', '/v1/experiments/pricing/assign')).status).toBe(400);
    expect((await api('other', 'GET', '/v1/experiments/pricing/assign?userId=u')).status).toBe(404);
  }, 60_000);

  it('are managed from the CLI too, with the same definitions and the same assignment', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'exp-')), 'onboarding.json');
    writeFileSync(file, JSON.stringify({ ...definition, id: 'onboarding' }));
    expect(await platformCli(config, ['experiment', 'create', '--project', project, '--file', file])).toMatch(
      /^created experiment onboarding/,
    );
    const viaApi = await api('read', 'GET', '/v1/experiments/onboarding');
    expect(viaApi.body.definition).toEqual({ ...definition, id: 'onboarding', conversionWindowHours: 72 });
    expect(await platformCli(config, ['experiment', 'list', '--project', project])).toMatch(/^onboarding\t/m);
    const printed = JSON.parse(
      await platformCli(config, [
        'experiment',
        'assign',
        '--project',
        project,
        '--id',
        'onboarding',
        '--user',
        'u-7',
      ]),
    ) as unknown;
    expect(printed).toEqual((await api('read', 'GET', '/v1/experiments/onboarding/assign?userId=u-7')).body);
    writeFileSync(file, JSON.stringify({ ...definition, id: 'onboarding', variations: [] }));
    await expect(
      platformCli(config, ['experiment', 'create', '--project', project, '--file', file]),
    ).rejects.toThrow(/invalid experiment: variations:/);
  }, 60_000);
});
