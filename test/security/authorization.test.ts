import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startRoles, type RunningRoles } from '../../cli/roles';
import { mintToken } from '../../core/auth/jwt';
import { Members } from '../../core/auth/members';
import { ROLES, type Role } from '../../core/auth/roles';
import type { Config } from '../../core/config/config';
import { createLogger } from '../../core/log';
import { MetadataStore } from '../../core/metadata/store';
import { isolatedConfig, requireServices } from '../helpers/test-config';

/**
 * Who may call each route, written down here on purpose rather than read from the code: the
 * server must answer as this table says, and the OpenAPI document must state the same. Lowering
 * a route's role in the matrix, or a route the guard skips, fails this test; a new route fails it
 * until it is added here.
 */
const EXPECTED: Record<string, Role | 'public' | 'instance-admin'> = {
  'GET /v1/metrics': 'viewer',
  'GET /v1/metrics/{name}': 'viewer',
  'GET /metrics': 'viewer',
  'GET /v1/content': 'viewer',
  'GET /v1/commerce': 'viewer',
  'GET /v1/commerce/products': 'viewer',
  'GET /v1/funnels': 'viewer',
  'GET /v1/paths': 'viewer',
  'GET /v1/retention': 'viewer',
  'GET /v1/sessions': 'viewer',
  'GET /v1/persons/{id}': 'analyst',
  'GET /v1/users/{id}': 'analyst',
  'DELETE /v1/users/{id}': 'admin',
  'GET /v1/users/{id}/export': 'admin',
  'GET /v1/quality': 'viewer',
  'GET /v1/events/{id}': 'analyst',
  'GET /v1/reports': 'admin',
  'POST /v1/reports': 'admin',
  'GET /v1/reports/{id}': 'admin',
  'PUT /v1/reports/{id}': 'admin',
  'DELETE /v1/reports/{id}': 'admin',
  'GET /v1/reports/{id}/runs': 'admin',
  'GET /v1/reports/{id}/preview': 'admin',
  'POST /v1/reports/{id}/pause': 'admin',
  'POST /v1/reports/{id}/resume': 'admin',
  'POST /v1/reports/{id}/run': 'admin',
  'GET /v1/dashboards': 'viewer',
  'POST /v1/dashboards': 'analyst',
  'GET /v1/dashboards/{id}': 'viewer',
  'PATCH /v1/dashboards/{id}': 'analyst',
  'DELETE /v1/dashboards/{id}': 'analyst',
  'GET /login': 'public',
  'GET /v1/me': 'viewer',
  'PUT /v1/me/settings': 'viewer',
  'POST /logout': 'public',
  'GET /v1/experiments': 'viewer',
  'POST /v1/experiments': 'analyst',
  'GET /v1/experiments/{id}': 'viewer',
  'PUT /v1/experiments/{id}': 'analyst',
  'DELETE /v1/experiments/{id}': 'analyst',
  'GET /v1/experiments/{id}/results': 'viewer',
  'GET /v1/experiments/{id}/assign': 'viewer',
  'GET /v1/segments': 'viewer',
  'POST /v1/segments': 'analyst',
  'GET /v1/segments/{id}': 'viewer',
  'PUT /v1/segments/{id}': 'analyst',
  'DELETE /v1/segments/{id}': 'analyst',
  'GET /v1/segments/{id}/size': 'viewer',
  'GET /v1/segments/{id}/members': 'analyst',
  'GET /v1/insights': 'viewer',
  'POST /v1/insights': 'analyst',
  'GET /v1/insights/{id}': 'viewer',
  'PUT /v1/insights/{id}': 'analyst',
  'DELETE /v1/insights/{id}': 'analyst',
  'GET /v1/insights/{id}/answer': 'viewer',
  'POST /v1/insights/answer': 'viewer',
  'POST /v1/sql': 'analyst',
  'GET /v1/sql/history': 'analyst',
  'GET /v1/queries': 'viewer',
  'POST /v1/queries': 'analyst',
  'GET /v1/queries/{id}': 'viewer',
  'PUT /v1/queries/{id}': 'analyst',
  'DELETE /v1/queries/{id}': 'analyst',
  'GET /v1/queries/{id}/answer': 'viewer',
  'GET /v1/erasures': 'admin',
  'GET /v1/erasures/{id}': 'admin',
  'POST /v1/auth/email-link': 'public',
  'GET /invite': 'public',
  'POST /v1/me/leave': 'viewer',
  'GET /v1/members': 'admin',
  'GET /v1/members/invitations': 'admin',
  'POST /v1/members/invitations': 'admin',
  'PUT /v1/members/{id}': 'admin',
  'DELETE /v1/members/{id}': 'admin',
  'GET /v1/tokens': 'viewer',
  'POST /v1/tokens': 'viewer',
  'DELETE /v1/tokens/{id}': 'viewer',
  'GET /v1/write-keys': 'admin',
  'POST /v1/write-keys': 'admin',
  'DELETE /v1/write-keys/{id}': 'admin',
  'GET /v1/audit': 'admin',
  'POST /v1/projects': 'instance-admin',
};

type Credential = 'none' | 'expired' | 'revoked' | Role;

const experiment = (id: string) => ({
  id,
  name: 'Checkout',
  variations: [
    { id: 'control', weight: 0.5 },
    { id: 'new', weight: 0.5 },
  ],
  start: '2026-01-01T00:00:00Z',
  goals: [{ kind: 'conversion', event: 'purchase' }],
});
const report = (id: string) => ({
  id,
  name: 'KPIs',
  metrics: ['events'],
  period: 'daily',
  recipients: ['boss@example.com'],
});
/**
 * Valid bodies of the changes that take one, so that a change refused for another project can
 * only be refused by not finding the thing (404), never by its body.
 */
const BODIES: Record<string, unknown> = {
  'PATCH /v1/dashboards/{id}': { name: 'Renamed by someone else' },
  'PUT /v1/insights/{id}': { events: ['purchase'], measure: { kind: 'count' } },
  'PUT /v1/segments/{id}': { condition: { and: [{ event: 'page', inLastDays: 1 }] } },
  'PUT /v1/experiments/{id}': { ...experiment('x'), name: 'Renamed' },
  'PUT /v1/reports/{id}': { ...report('x'), name: 'Renamed' },
  'PUT /v1/members/{id}': { role: 'viewer' },
};
/** Query strings a route needs to reach its lookup. */
const QUERIES: Record<string, string> = { 'GET /v1/experiments/{id}/assign': '?userId=someone' };
const UUID0 = '00000000-0000-4000-8000-000000000000';

/**
 * Every route of the API document × every role × its own project and another × no, expired and
 * revoked credentials, against the real serving role and PostgreSQL.
 */
describe('authorization: every route × role × project × credential', () => {
  let config: Config;
  let roles: RunningRoles;
  let store: MetadataStore;
  const stamp = Date.now().toString(36);
  const [own, other] = [`authz-a-${stamp}`, `authz-b-${stamp}`];
  const tokens = new Map<string, string>();
  /** The real ids of project `own`'s things, by the path's first segment after /v1. */
  const fixtures: Record<string, string> = {};
  const operations = () =>
    fetch(`${roles.urls.api}/docs/openapi.json`)
      .then(
        (r) => r.json() as Promise<{ paths: Record<string, Record<string, { 'x-required-role': string }>> }>,
      )
      .then((doc) =>
        Object.entries(doc.paths).flatMap(([path, ops]) =>
          Object.entries(ops).map(([method, op]) => ({
            key: `${method.toUpperCase()} ${path}`,
            method: method.toUpperCase(),
            path,
            documented: op['x-required-role'],
          })),
        ),
      );
  const call = async (cred: string | undefined, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${roles.urls.api}${path}`, {
      method,
      redirect: 'manual',
      headers: {
        ...(cred ? { authorization: `Bearer ${cred}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, text: await res.text() };
  };

  beforeAll(async () => {
    await requireServices();
    config = isolatedConfig('authz');
    roles = await startRoles(['serve'], config, createLogger({ test: 'authz' }, 'error'));
    store = await MetadataStore.open(config.metadata.url);
    const members = new Members(store);
    for (const project of [own, other])
      for (const role of ROLES)
        tokens.set(`${project}:${role}`, await mintToken(config.auth.jwtSecret, { project, role }));
    tokens.set(
      'expired',
      await mintToken(config.auth.jwtSecret, { project: own, role: 'owner' }, new Date(Date.now() - 60_000)),
    );
    // A member (the owner) of `own`: their personal token, minted then revoked through the API.
    const owner = await members.ensureUser(`owner-${stamp}@example.com`);
    await members.add(own, owner.id, 'owner');
    const ownerToken = await mintToken(config.auth.jwtSecret, {
      project: own,
      role: 'owner',
      user: owner.id,
      member: true,
    });
    const minted = JSON.parse((await call(ownerToken, 'POST', '/v1/tokens', { name: 'to revoke' })).text) as {
      id: string;
      token: string;
    };
    expect((await call(ownerToken, 'DELETE', `/v1/tokens/${minted.id}`)).status).toBe(204);
    tokens.set('revoked', minted.token);
    const kept = JSON.parse((await call(ownerToken, 'POST', '/v1/tokens', { name: 'kept' })).text) as {
      id: string;
    };
    fixtures.tokens = kept.id;
    fixtures.members = owner.id;
    // One of each thing in `own`, made by its owner.
    const make = async (path: string, body: unknown) => {
      const r = await call(tokens.get(`${own}:owner`), 'POST', path, body);
      expect(r.status, `${path}: ${r.text}`).toBe(201);
      return JSON.parse(r.text) as { id?: string };
    };
    fixtures.dashboards = (await make('/v1/dashboards', { name: 'Mine' })).id as string;
    await make('/v1/insights', { id: `views-${stamp}`, events: ['page'], measure: { kind: 'count' } });
    fixtures.insights = `views-${stamp}`;
    await make('/v1/segments', {
      id: `buyers-${stamp}`,
      condition: { and: [{ event: 'purchase', inLastDays: 7 }] },
    });
    fixtures.segments = `buyers-${stamp}`;
    await make('/v1/experiments', experiment(`checkout-${stamp}`));
    fixtures.experiments = `checkout-${stamp}`;
    await make('/v1/reports', report(`kpis-${stamp}`));
    fixtures.reports = `kpis-${stamp}`;
    fixtures['write-keys'] = ((await make('/v1/write-keys', { name: 'site' })) as { id: string }).id;
  }, 120_000);
  afterAll(async () => {
    await call(tokens.get(`${own}:owner`), 'DELETE', `/v1/reports/kpis-${stamp}`).catch(() => {});
    await store?.close();
    await roles?.stop();
  });

  /** The path with its parameters: a thing of `own` where there is one, else a name that is none. */
  const concrete = (path: string, real: boolean) =>
    path.replace('{name}', 'events').replace('{id}', () => {
      const kind = path.split('/')[2] ?? '';
      const found = fixtures[kind];
      if (found !== undefined && real) return found;
      return kind === 'write-keys'
        ? '0000000000000000'
        : kind === 'dashboards' || kind === 'members' || kind === 'tokens'
          ? UUID0
          : 'no-such-thing';
    });

  it('answers exactly as the table says, and the document states the same role', async () => {
    const ops = await operations();
    expect(ops.length).toBeGreaterThan(60);
    // The document, the table and the server agree on every route: none is missing from the table.
    expect(Object.fromEntries(ops.map((o) => [o.key, o.documented]))).toEqual(EXPECTED);
    const wrong: string[] = [];
    const expectStatus = (
      what: string,
      got: { status: number; text: string },
      ok: (s: number) => boolean,
    ) => {
      if (!ok(got.status)) wrong.push(`${what}: ${got.status} ${got.text.slice(0, 160)}`);
    };
    for (const op of ops) {
      const need = EXPECTED[op.key] as Role | 'public' | 'instance-admin';
      // Reads go to the real things of `own`; changes to ids that are none (nothing is touched),
      // except from the other project, which is shown the real ones and must not find them.
      const reads = op.method === 'GET';
      const body = op.method === 'GET' || op.method === 'DELETE' ? undefined : (BODIES[op.key] ?? {});
      const query = QUERIES[op.key] ?? '';
      const path = concrete(op.path, reads) + query;
      for (const cred of ['none', 'expired', 'revoked'] as Credential[]) {
        const got = await call(cred === 'none' ? undefined : tokens.get(cred), op.method, path, body);
        if (need === 'public') expectStatus(`${op.key} as ${cred}`, got, (s) => s !== 403 && s < 500);
        else expectStatus(`${op.key} as ${cred}`, got, (s) => s === 401);
      }
      for (const role of ROLES) {
        const got = await call(tokens.get(`${own}:${role}`), op.method, path, body);
        const allowed =
          need === 'public' || (need !== 'instance-admin' && ROLES.indexOf(role) >= ROLES.indexOf(need));
        expectStatus(`${op.key} as ${role} of its project`, got, (s) =>
          need === 'public'
            ? s !== 403 && s < 500
            : allowed
              ? ![401, 403, 429].includes(s) && s < 500
              : s === 403,
        );
        if (!allowed || !op.path.includes('{id}') || fixtures[op.path.split('/')[2] ?? ''] === undefined)
          continue;
        // Another project's member with the same role, given the real id of this project's thing.
        const theirs = await call(
          tokens.get(`${other}:${role}`),
          op.method,
          concrete(op.path, true) + query,
          body,
        );
        expectStatus(`${op.key} as ${role} of another project`, theirs, (s) => s === 404);
      }
    }
    expect(wrong).toEqual([]);
    // Nothing of `own` was changed by the walk: each thing is still there.
    for (const kind of ['dashboards', 'insights', 'segments', 'experiments', 'reports'])
      expect(
        (await call(tokens.get(`${own}:viewer`), 'GET', `/v1/${kind}/${fixtures[kind]}`)).status === 200 ||
          kind === 'reports',
      ).toBe(true);
    expect((await call(tokens.get(`${own}:admin`), 'GET', `/v1/reports/${fixtures.reports}`)).status).toBe(
      200,
    );
    const listed = JSON.parse((await call(tokens.get(`${own}:admin`), 'GET', '/v1/members')).text) as {
      members: { userId: string }[];
    };
    expect(listed.members.map((m) => m.userId)).toEqual([fixtures.members]);
  }, 600_000);

  it('the live feed (a WebSocket, not in the document): the same credentials, and its events for analysts', async () => {
    /** The handshake's status: 101 when the socket opened. */
    const live = (cred: string | undefined, query = '') =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(`${(roles.urls.api as string).replace('http', 'ws')}/v1/live${query}`, {
          headers: cred ? { authorization: `Bearer ${cred}` } : {},
        });
        ws.once('open', () => {
          ws.close();
          resolve(101);
        });
        ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.once('error', () => resolve(0));
      });
    for (const cred of ['expired', 'revoked']) expect(await live(tokens.get(cred)), cred).toBe(401);
    expect(await live(undefined)).toBe(401);
    for (const role of ROLES) {
      expect(await live(tokens.get(`${own}:${role}`)), role).toBe(101);
      // The latest events name people: an analyst's.
      expect(await live(tokens.get(`${own}:${role}`), '?events=1'), `${role} events`).toBe(
        ROLES.indexOf(role) >= ROLES.indexOf('analyst') ? 101 : 403,
      );
    }
  }, 60_000);
});
