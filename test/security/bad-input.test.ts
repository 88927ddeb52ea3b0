import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRoles, type RunningRoles } from '../../cli/roles';
import { mintToken } from '../../core/auth/jwt';
import type { Config } from '../../core/config/config';
import { createLogger } from '../../core/log';
import { knownWriteKey } from '../helpers/segment-sdk';
import { isolatedConfig, requireServices } from '../helpers/test-config';

/** A condition nested `depth` deep: not(not(...(a trait condition))). */
const nested = (depth: number): string =>
  `${'{"not":'.repeat(depth)}{"trait":"plan","op":"set"}${'}'.repeat(depth)}`;

/**
 * Input an attacker (or a buggy client) sends, each once answered with a 5xx: every one is a 4xx
 * that names what is wrong, and the platform answers normally afterwards.
 */
describe('bad input is a 4xx, never a 5xx', () => {
  let config: Config;
  let roles: RunningRoles;
  let admin: string;
  let ingestPost: (body: string) => Promise<Response>;
  const project = `badinput-${Date.now().toString(36)}`;
  const api = (method: string, path: string, body?: string, headers: Record<string, string> = {}) =>
    fetch(`${roles.urls.api}${path}`, {
      method,
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body }),
    });
  const refusal = async (res: Response) => ({ status: res.status, message: await res.text() });

  beforeAll(async () => {
    await requireServices();
    config = isolatedConfig('bad-input');
    roles = await startRoles(['ingest', 'serve'], config, createLogger({ test: 'bad-input' }, 'error'));
    admin = await mintToken(config.auth.jwtSecret, { project, scopes: ['admin'] });
    const { writeKey } = await knownWriteKey(config, roles.urls.ingest as string, project);
    ingestPost = (body) =>
      fetch(`${roles.urls.ingest}/v1/batch`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`,
          'content-type': 'application/json',
        },
        body,
      });
  }, 60_000);
  afterAll(async () => roles?.stop());

  it('times at the edge of what JavaScript can hold, in from and to', async () => {
    for (const [from, to] of [
      ['-271821-04-20T00:00:00.000Z', '-271821-04-21T00:00:00.000Z'],
      ['+275760-09-12T00:00:00.000Z', '+275760-09-13T00:00:00.000Z'],
      ['0001-01-01T00:00:00Z', '0001-01-02T00:00:00Z'],
    ]) {
      const r = await refusal(await api('GET', `/v1/metrics/events?from=${from}&to=${to}&granularity=hour`));
      expect(r.status, r.message).toBe(400);
      expect(r.message).toMatch(/from|to/);
    }
  });

  it('a NUL character in a path, a query or a body', async () => {
    for (const path of [
      '/v1/erasures/%00',
      '/v1/users/a%00b',
      '/v1/dashboards/%00',
      '/v1/segments/%00/members',
    ])
      expect((await refusal(await api('GET', path))).status, path).toBe(400);
    const r = await refusal(await api('GET', '/v1/metrics/events?filter=event:a%00'));
    expect(r.status, r.message).toBe(400);
    const bodies: [string, string, unknown][] = [
      ['POST', '/v1/dashboards', { name: 'a\u0000b' }],
      [
        'POST',
        '/v1/dashboards',
        { name: 'ok', tiles: [{ title: 't\u0000', metric: 'events', range: { preset: 'last_24h' } }] },
      ],
      [
        'POST',
        '/v1/experiments',
        {
          id: 'nul',
          name: 'x\u0000',
          variations: [
            { id: 'a', weight: 0.5 },
            { id: 'b', weight: 0.5 },
          ],
          start: '2026-01-01T00:00:00Z',
          goals: [{ kind: 'conversion', event: 'purchase' }],
        },
      ],
      ['POST', '/v1/segments', { id: 'nul', name: 'n\u0000', condition: { trait: 'plan', op: 'set' } }],
      ['POST', '/v1/segments', { id: 'nul2', condition: { trait: 'pl\u0000an', op: 'set' } }],
      ['POST', '/v1/segments', { id: 'nul3', condition: { 'tr\u0000ait': 'plan', op: 'set' } }],
    ];
    for (const [method, path, body] of bodies) {
      const res = await refusal(await api(method, path, JSON.stringify(body)));
      expect(res.status, `${path} ${res.message}`).toBe(400);
      expect(res.message).toMatch(/NUL/);
    }
  });

  it('segment conditions nested thousands deep', async () => {
    const r = await refusal(await api('POST', '/v1/segments', `{"id":"deep","condition":${nested(5000)}}`));
    expect(r.status, r.message).toBe(400);
    expect(r.message).toMatch(/deep/);
  });

  it('a malformed session cookie, on a route and on /logout', async () => {
    for (const path of ['/v1/dashboards', '/logout', '/']) {
      const res = await fetch(`${roles.urls.api}${path}`, { headers: { cookie: 'platform_session=%' } });
      expect(res.status, path).toBeLessThan(500);
    }
  });

  it('the collector: numeric sentAt and timestamp of 1e16, and an event nesting 100,000 arrays', async () => {
    const at = new Date().toISOString();
    for (const field of ['sentAt', 'timestamp']) {
      const event = {
        type: 'track',
        event: 'e',
        userId: 'u',
        messageId: `m-${field}`,
        timestamp: at,
        [field]: 1e16,
      };
      const res = await refusal(await ingestPost(JSON.stringify({ batch: [event] })));
      expect(res.status, res.message).toBeLessThan(500);
      if (res.status === 200) expect(JSON.parse(res.message)).toMatchObject({ accepted: 0, quarantined: 1 });
      else expect(res.message).toContain(field);
    }
    const deep = `{"batch":[{"type":"track","event":"e","userId":"u","messageId":"deep","properties":{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}}]}`;
    const res = await refusal(await ingestPost(deep));
    expect(res.status, res.message).toBe(400);
    expect(res.message).toMatch(/deep/);
    // The collector is still up and accepting.
    const ok = await ingestPost(
      JSON.stringify({
        batch: [{ type: 'track', event: 'e', userId: 'u', messageId: 'after', timestamp: at }],
      }),
    );
    expect(await ok.json()).toMatchObject({ accepted: 1 });
  });

  it('still answers after all of it', async () => {
    expect((await api('GET', '/v1/dashboards')).status).toBe(200);
    expect((await fetch(`${roles.urls.api}/health`)).status).toBe(200);
  });
});
