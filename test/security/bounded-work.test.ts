import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRoles, type RunningRoles } from '../../cli/roles';
import { mintToken } from '../../core/auth/jwt';
import type { Config } from '../../core/config/config';
import { createLogger } from '../../core/log';
import { isolatedConfig, requireServices } from '../helpers/test-config';

/**
 * One request cannot make the platform work without bound: an experiment that starts in year 1
 * (whose results once ran 29 s, froze /health of every role in the process, then answered 500) or
 * one left running for decades is refused with what to change, at once.
 */
describe('work one request can cause is bounded', () => {
  let config: Config;
  let roles: RunningRoles;
  let admin: string;
  const project = `bounded-${Date.now().toString(36)}`;
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${roles.urls.api}${path}`, {
      method,
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, text: await res.text() };
  };
  const experiment = (id: string, start: string) => ({
    id,
    variations: [
      { id: 'control', weight: 0.5 },
      { id: 'b', weight: 0.5 },
    ],
    start,
    goals: [{ kind: 'conversion', event: 'purchase' }],
  });

  beforeAll(async () => {
    await requireServices();
    config = isolatedConfig('bounded');
    roles = await startRoles(['ingest', 'serve'], config, createLogger({ test: 'bounded' }, 'error'));
    admin = await mintToken(config.auth.jwtSecret, { project, scopes: ['admin'] });
  }, 60_000);
  afterAll(async () => roles?.stop());

  it('an experiment starting in year 1 is refused, naming its start', async () => {
    const r = await api('POST', '/v1/experiments', experiment('year-one', '0001-01-01T00:00:00Z'));
    expect(r.status, r.text).toBe(400);
    expect(r.text).toContain('start');
  });

  it("an experiment running for decades: its results are a 400 saying what to change, and the platform's health answers meanwhile", async () => {
    expect((await api('POST', '/v1/experiments', experiment('decades', '1990-01-01T00:00:00Z'))).status).toBe(
      201,
    );
    const [results, apiHealth, ingestHealth] = await Promise.all([
      api('GET', '/v1/experiments/decades/results'),
      fetch(`${roles.urls.api}/health`),
      fetch(`${roles.urls.ingest}/health`),
    ]);
    expect(results.status, results.text).toBe(400);
    expect(results.text).toMatch(/more than 400 days.*give it an end/);
    expect(apiHealth.status).toBe(200);
    expect(ingestHealth.status).toBe(200);
  });
});
