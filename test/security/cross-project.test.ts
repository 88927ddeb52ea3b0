import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRoles, type RunningRoles } from '../../cli/roles';
import { mintToken } from '../../core/auth/jwt';
import type { Config } from '../../core/config/config';
import { createLogger } from '../../core/log';
import { isolatedConfig, requireServices } from '../helpers/test-config';

/** What one tenant may learn of another's: nothing, not even that an id is taken. */
describe('ids across projects', () => {
  let config: Config;
  let roles: RunningRoles;
  const stamp = Date.now().toString(36);
  const [a, b] = [`tenant-a-${stamp}`, `tenant-b-${stamp}`];
  const tokens = new Map<string, string>();
  const api = async (project: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${roles.urls.api}${path}`, {
      method,
      headers: { authorization: `Bearer ${tokens.get(project)}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as Record<string, unknown> };
  };
  const report = (project: string) => ({
    id: `kpis-${stamp}`,
    name: `KPIs of ${project}`,
    metrics: ['events'],
    period: 'daily',
    recipients: [`boss@${project}.example.com`],
  });

  beforeAll(async () => {
    await requireServices();
    config = isolatedConfig('cross-project');
    roles = await startRoles(['serve'], config, createLogger({ test: 'cross-project' }, 'error'));
    for (const p of [a, b])
      tokens.set(p, await mintToken(config.auth.jwtSecret, { project: p, scopes: ['admin'] }));
  }, 60_000);
  afterAll(async () => {
    for (const p of [a, b]) await api(p, 'DELETE', `/v1/reports/kpis-${stamp}`).catch(() => {});
    await roles?.stop();
  });

  it('a report id another project holds is free in this one, and each sees only its own', async () => {
    expect((await api(a, 'POST', '/v1/reports', report(a))).status).toBe(201);
    const second = await api(b, 'POST', '/v1/reports', report(b));
    expect(second.status, JSON.stringify(second.body)).toBe(201);
    // Within a project an id is still taken once.
    expect((await api(b, 'POST', '/v1/reports', report(b))).status).toBe(409);
    for (const p of [a, b]) {
      const got = await api(p, 'GET', `/v1/reports/kpis-${stamp}`);
      expect((got.body.report as { name: string }).name).toBe(`KPIs of ${p}`);
    }
    // Deleting one leaves the other.
    expect((await api(b, 'DELETE', `/v1/reports/kpis-${stamp}`)).status).toBe(204);
    expect((await api(b, 'GET', `/v1/reports/kpis-${stamp}`)).status).toBe(404);
    expect((await api(a, 'GET', `/v1/reports/kpis-${stamp}`)).status).toBe(200);
  });
});
