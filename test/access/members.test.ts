import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memberSignInLink } from '../../cli/commands/login';
import { startRoles, type RunningRoles } from '../../cli/roles';
import type { Config } from '../../core/config/config';
import { createLogger } from '../../core/log';
import { linkFromInbox, messagesTo } from '../helpers/inbox';
import { isolatedConfig, requireServices } from '../helpers/test-config';

interface Entry {
  actor: string;
  action: string;
  target?: string;
  detail?: Record<string, unknown>;
}

/**
 * People through the API, the local mail server and PostgreSQL: an owner invites by email, the
 * invited sign in by the emailed link with the invited role; roles change and members leave at
 * once; the last owner stays; personal tokens are bounded by their member; every access is in the
 * audit log, naming the actor and never the person whose data was read.
 */
describe('members, invitations, emailed sign-in, personal tokens and the audit log', () => {
  let config: Config;
  let roles: RunningRoles;
  let api: string;
  const stamp = Date.now().toString(36);
  const project = `people-${stamp}`;
  const address = (who: string) => `${who}-${stamp}@example.com`;

  beforeAll(async () => {
    await requireServices();
    config = isolatedConfig('people');
    roles = await startRoles(['serve'], config, createLogger({ test: 'people' }, 'error'));
    api = roles.urls.api as string;
    config.access.publicUrl = api;
  }, 60_000);
  afterAll(async () => roles?.stop());

  /** Opens a link as a browser would; the session cookie it sets. */
  const open = async (link: string) => {
    const res = await fetch(`${api}${new URL(link).pathname}${new URL(link).search}`, { redirect: 'manual' });
    expect(res.status, await res.clone().text()).toBe(302);
    return (res.headers.get('set-cookie') ?? '').split(';')[0] as string;
  };
  /** A request of the web app's page, signed in by its cookie. */
  const as = async (cookie: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${api}${path}`, {
      method,
      headers: { cookie, origin: api, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
  };
  const bearer = async (token: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${api}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json().catch(() => ({}))) as Record<string, unknown> };
  };
  const invite = async (owner: string, who: string, role: string) => {
    const sent = await as(owner, 'POST', '/v1/members/invitations', { email: address(who), role });
    expect(sent.status, JSON.stringify(sent.body)).toBe(201);
    return open(await linkFromInbox(address(who), `invited to ${project}`, '/invite?code='));
  };
  const memberId = async (owner: string, who: string) =>
    ((await as(owner, 'GET', '/v1/members')).body.members as { userId: string; email: string }[]).find(
      (m) => m.email === address(who),
    )?.userId as string;

  it('invites by email, roles hold at once, the last owner stays, and the audit log names the actors only', async () => {
    // The CLI bootstraps the project's first owner.
    const owner = await open(await memberSignInLink(config, project, address('olga'), 'owner'));
    expect((await as(owner, 'GET', '/v1/me')).body).toMatchObject({
      project,
      role: 'owner',
      email: address('olga'),
    });

    const analyst = await invite(owner, 'ana', 'analyst');
    expect((await as(analyst, 'GET', '/v1/me')).body).toMatchObject({
      role: 'analyst',
      email: address('ana'),
    });
    const insight = { id: `views-${stamp}`, events: ['page'], measure: { kind: 'count' } };
    expect((await as(analyst, 'POST', '/v1/insights', insight)).status).toBe(201);
    const viewer = await invite(owner, 'vic', 'viewer');
    const refused = await as(viewer, 'POST', '/v1/insights', { ...insight, id: `other-${stamp}` });
    expect(refused.status).toBe(403);
    expect(String(refused.body.message)).toContain('analyst role');
    expect((await as(viewer, 'GET', `/v1/insights/${insight.id}`)).status).toBe(200);
    // An invitation link works once.
    const link = await linkFromInbox(address('vic'), `invited to ${project}`, '/invite?code=');
    expect(
      (await fetch(`${api}${new URL(link).pathname}${new URL(link).search}`, { redirect: 'manual' })).status,
    ).toBe(401);

    // Nobody grants above their own role; only owners touch owners.
    const admin = await invite(owner, 'adam', 'admin');
    expect(
      (await as(admin, 'POST', '/v1/members/invitations', { email: address('x'), role: 'owner' })).status,
    ).toBe(403);
    const olga = await memberId(owner, 'olga');
    expect((await as(admin, 'PUT', `/v1/members/${olga}`, { role: 'viewer' })).status).toBe(403);
    // The last owner can neither be demoted nor leave.
    expect((await as(owner, 'PUT', `/v1/members/${olga}`, { role: 'admin' })).status).toBe(409);
    expect((await as(owner, 'POST', '/v1/me/leave')).status).toBe(409);

    // A personal token is bounded by its member: minted as analyst, it is a viewer once she is one.
    const minted = await as(analyst, 'POST', '/v1/tokens', { name: 'notebook' });
    expect(minted.status).toBe(201);
    const token = minted.body.token as string;
    expect((await as(analyst, 'POST', '/v1/tokens', { name: 'too much', role: 'admin' })).status).toBe(403);
    expect((await bearer(token, 'GET', '/v1/me')).body).toMatchObject({ role: 'analyst' });
    const ana = await memberId(owner, 'ana');
    expect((await as(admin, 'PUT', `/v1/members/${ana}`, { role: 'viewer' })).status).toBe(200);
    expect((await as(analyst, 'POST', '/v1/insights', { ...insight, id: `late-${stamp}` })).status).toBe(403);
    expect((await bearer(token, 'GET', '/v1/me')).body).toMatchObject({ role: 'viewer' });
    // Removed: her session and her token stop at once.
    expect((await as(admin, 'DELETE', `/v1/members/${ana}`)).status).toBe(204);
    expect((await as(analyst, 'GET', '/v1/me')).status).toBe(401);
    expect((await bearer(token, 'GET', '/v1/me')).status).toBe(401);

    // Emailed sign-in: a member gets a link; anyone else the same answer and no mail.
    for (const who of ['vic', 'nobody']) {
      const asked = await fetch(`${api}/v1/auth/email-link`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: address(who), project }),
      });
      expect(asked.status).toBe(202);
    }
    const again = await open(await linkFromInbox(address('vic'), `Sign in to ${project}`, '/login?code='));
    expect((await as(again, 'GET', '/v1/me')).body).toMatchObject({ role: 'viewer', email: address('vic') });
    expect(await messagesTo(address('nobody'))).toEqual([]);
    const signedIn = await as(owner, 'GET', '/v1/audit?action=member.signed_in');
    expect((signedIn.body.entries as Entry[]).map((e) => e.actor)).toContain(address('vic'));

    // Data access and changes, audited: an export and an erasure of a person, a write key, answers.
    const person = `person-${stamp}`;
    expect((await as(owner, 'GET', `/v1/users/${person}/export`)).status).toBeLessThan(500);
    expect((await as(owner, 'DELETE', `/v1/users/${person}`)).status).toBe(202);
    const key = await as(admin, 'POST', '/v1/write-keys', { name: 'site' });
    expect((await as(admin, 'DELETE', `/v1/write-keys/${String(key.body.id)}`)).status).toBe(204);
    for (let i = 0; i < 3; i++) expect((await as(viewer, 'GET', '/v1/metrics')).status).toBe(200);

    const log = await as(owner, 'GET', '/v1/audit?limit=1000');
    expect(log.status).toBe(200);
    const entries = log.body.entries as Entry[];
    const one = (action: string) => entries.filter((e) => e.action === action).map((e) => e.actor);
    expect(one('member.invited')).toEqual([address('olga'), address('olga'), address('olga')]);
    expect(one('member.joined').sort()).toEqual([address('adam'), address('ana'), address('vic')].sort());
    expect(one('insight.created')).toEqual([address('ana')]);
    expect(entries.find((e) => e.action === 'insight.created')?.target).toBe(insight.id);
    expect(one('member.role_changed')).toEqual([address('adam')]);
    expect(one('member.removed')).toEqual([address('adam')]);
    expect(one('token.minted')).toEqual([address('ana')]);
    expect(one('person.exported')).toEqual([address('olga')]);
    expect(one('erasure.requested')).toEqual([address('olga')]);
    expect(one('write_key.created')).toEqual([address('adam')]);
    expect(one('write_key.revoked')).toEqual([address('adam')]);
    const served = entries.filter((e) => e.action === 'answers.served' && e.actor === address('vic'));
    expect(served.find((e) => e.target === 'GET /v1/metrics')?.detail?.count).toBe(3);
    // The actor, never the data subject.
    expect(JSON.stringify(entries)).not.toContain(person);
    // Only admins read it.
    expect((await as(viewer, 'GET', '/v1/audit')).status).toBe(403);
  }, 180_000);

  it('two owners demoting each other at once: one wins, the project keeps an owner', async () => {
    const team = `duel-${stamp}`;
    const first = await open(await memberSignInLink(config, team, address('one'), 'owner'));
    const second = await open(await memberSignInLink(config, team, address('two'), 'owner'));
    const id = async (who: string) =>
      ((await as(first, 'GET', '/v1/members')).body.members as { userId: string; email: string }[]).find(
        (m) => m.email === address(who),
      )?.userId as string;
    const [one, two] = [await id('one'), await id('two')];
    const outcomes = await Promise.all([
      as(first, 'PUT', `/v1/members/${two}`, { role: 'admin' }),
      as(second, 'PUT', `/v1/members/${one}`, { role: 'admin' }),
    ]);
    const statuses = outcomes.map((o) => o.status).sort();
    // The loser is refused either as the last owner (409) or, already demoted, as not an owner (403).
    expect(statuses[0]).toBe(200);
    expect([403, 409]).toContain(statuses[1]);
    const members = (await as(statuses[0] === outcomes[0]?.status ? first : second, 'GET', '/v1/members'))
      .body.members as { role: string }[];
    expect(members.filter((m) => m.role === 'owner')).toHaveLength(1);
  });
});
