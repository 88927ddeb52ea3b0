import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../core/auth/jwt';
import { HOUR, startLateStack } from '../helpers/late-stack';
import { connectSdk } from '../helpers/segment-sdk';
import { requireServices } from '../helpers/test-config';
import { waitFor } from '../helpers/wait-for';

const MINUTE = 60_000;
const PHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';
const LAPTOP =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

interface Profile {
  person: string;
  ids: { users: string[]; anonymousIds: string[] };
  merges: { cause: string; merged: string; into: string }[];
  refusals: { cause: string; actor: string; keptWith: string; refused: string }[];
  traits: Record<string, unknown>;
  firstSeen: string;
  lastSeen: string;
  totals: { events: number; sessions: number; orders: number; revenue: Record<string, number> };
  devices: { deviceType: string; browser: string; events: number }[];
  places: { country: string; city: string; events: number }[];
  latest: { event: string }[];
  message?: string;
}

/**
 * Persons through the whole platform: one person browses anonymously on a phone and a laptop,
 * signs in on both, has an old anonymous id aliased and buys; another signs in on the same laptop.
 * The profile, asked by any of the first person's ids, holds every id and every event of theirs,
 * on both sides of the batch watermark; the second is never joined to the first.
 */
describe('persons', () => {
  let s: Awaited<ReturnType<typeof startLateStack>>;
  const project = `pers${Date.now().toString(36)}`;
  beforeAll(async () => {
    await requireServices();
    s = await startLateStack(project);
  }, 120_000);
  afterAll(async () => s?.stop());

  it('joins devices, sign-ins and aliases into one profile, never two signed-in users', async () => {
    const now = Date.now();
    const sealed = Math.floor(now / HOUR) * HOUR - HOUR;
    const t = (m: number) => new Date(sealed + m * MINUTE);
    const { analytics: a, failures } = await connectSdk(s.config, s.urls.ingest as string, project);
    const phone = { userAgent: PHONE, ip: '81.2.69.142' };
    const laptop = { userAgent: LAPTOP, ip: '193.51.224.1' };
    // Ana: an old anonymous visit, then the phone and the laptop anonymously, signing in on both.
    a.page({
      anonymousId: 'old-ana',
      name: 'home',
      properties: { path: '/' },
      timestamp: t(-50),
      context: laptop,
    });
    a.page({
      anonymousId: 'phone-1',
      name: 'home',
      properties: { path: '/' },
      timestamp: t(1),
      context: phone,
    });
    a.track({
      anonymousId: 'phone-1',
      event: 'product_view',
      properties: { product_id: 'p1' },
      timestamp: t(2),
      context: phone,
    });
    a.identify({
      userId: 'ana',
      anonymousId: 'phone-1',
      traits: { plan: 'free', email: 'ana@example.com' },
      timestamp: t(3),
      context: phone,
    });
    a.page({
      anonymousId: 'laptop-1',
      name: 'home',
      properties: { path: '/' },
      timestamp: t(10),
      context: laptop,
    });
    a.identify({
      userId: 'ana',
      anonymousId: 'laptop-1',
      traits: { plan: 'pro' },
      timestamp: t(11),
      context: laptop,
    });
    a.alias({ userId: 'ana', previousId: 'old-ana', timestamp: t(12), context: laptop });
    a.track({
      userId: 'ana',
      event: 'purchase',
      properties: { order_id: 'o-1', total_amount: 30, currency: 'EUR' },
      timestamp: t(13),
      context: laptop,
    });
    // Bob signs in on Ana's laptop: the laptop stays Ana's.
    a.identify({
      userId: 'bob',
      anonymousId: 'laptop-1',
      traits: { plan: 'team' },
      timestamp: t(20),
      context: laptop,
    });
    a.track({
      userId: 'bob',
      event: 'product_view',
      properties: { product_id: 'p2' },
      timestamp: t(21),
      context: laptop,
    });
    await a.flush();
    await waitFor(s.inLake, (n) => n === 10, { timeoutMs: 120_000, intervalMs: 500 });
    await s.seal(sealed);
    // After the watermark: Ana buys again from her phone, signed in.
    a.track({
      userId: 'ana',
      event: 'purchase',
      properties: { order_id: 'o-2', total_amount: 12.5, currency: 'EUR' },
      timestamp: new Date(Math.max(sealed + HOUR, now - 1000)),
      context: phone,
    });
    await a.closeAndFlush({ timeout: 60_000 });
    expect(failures).toEqual([]);

    const token = await mintToken(s.config.auth.jwtSecret, { project, role: 'analyst' });
    const get = async (id: string) => {
      const res = await fetch(`${s.urls.api}/v1/persons/${encodeURIComponent(id)}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      return { status: res.status, body: (await res.json()) as Profile };
    };
    const ana = await waitFor(
      () => get('ana'),
      (r) => r.status === 200 && r.body.totals.orders === 2,
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(ana.body.person).toBe('ana');
    expect(ana.body.ids).toEqual({ users: ['ana'], anonymousIds: ['laptop-1', 'old-ana', 'phone-1'] });
    // Her 9 events (the identify calls and the alias included), none of Bob's.
    expect(ana.body.totals).toMatchObject({ events: 9, orders: 2, revenue: { EUR: 42.5 } });
    // The old visit (50 minutes before the rest); one visit on both devices (identify and alias calls
    // are not activity, so they do not hold it open); the purchase after the watermark, an hour on.
    expect(ana.body.totals.sessions).toBe(3);
    expect(ana.body.traits).toEqual({ plan: 'pro', email: 'ana@example.com' });
    // Stored times are the sent ones corrected for clock skew: within a second.
    expect(Math.abs(Date.parse(ana.body.firstSeen) - t(-50).getTime())).toBeLessThan(1000);
    expect(ana.body.merges.map((m) => [m.cause, m.merged, m.into])).toEqual([
      ['identify', 'anon:phone-1', 'ana'],
      ['identify', 'anon:laptop-1', 'ana'],
      ['alias', 'old-ana', 'ana'],
      ['alias', 'anon:old-ana', 'ana'],
    ]);
    expect(ana.body.refusals).toEqual([
      expect.objectContaining({
        cause: 'shared-device',
        actor: 'anon:laptop-1',
        keptWith: 'ana',
        refused: 'bob',
      }),
    ]);
    expect(ana.body.devices.map((d) => [d.deviceType, d.browser]).sort()).toEqual([
      ['desktop', 'Chrome'],
      ['mobile', 'Mobile Safari'],
    ]);
    expect(ana.body.places.map((p) => [p.country, p.city]).sort()).toEqual([
      ['FR', 'Paris'],
      ['GB', 'London'],
    ]);
    expect(ana.body.latest[0]?.event).toBe('purchase');

    // Any of her ids finds her.
    for (const id of ['phone-1', 'laptop-1', 'old-ana']) expect((await get(id)).body.person).toBe('ana');
    // Bob is his own person, with his own events only.
    const bob = await get('bob');
    expect(bob.body.person).toBe('bob');
    expect(bob.body.ids).toEqual({ users: ['bob'], anonymousIds: [] });
    expect(bob.body.totals.events).toBe(2);
    // Funnels and retention count persons when asked: Ana viewed a product anonymously on her phone
    // and bought signed in, one person; counted by id, the funnel from browsing to purchase breaks.
    const ask = async <T>(path: string) =>
      (await (
        await fetch(`${s.urls.api}${path}`, { headers: { authorization: `Bearer ${token}` } })
      ).json()) as T;
    const funnel = (persons: boolean) =>
      ask<{ steps: { users: number }[]; counting: string }>(
        `/v1/funnels?steps=product_view,purchase&windowSeconds=86400&persons=${persons}`,
      );
    expect((await funnel(false)).steps.map((x) => x.users)).toEqual([2, 0]);
    const byPerson = await funnel(true);
    expect(byPerson.steps.map((x) => x.users)).toEqual([2, 1]);
    expect(byPerson.counting).toBe('persons');
    const cohortUsers = async (persons: boolean) =>
      (
        await ask<{ cohorts: { size: number }[] }>(`/v1/retention?period=day&persons=${persons}`)
      ).cohorts.reduce((n, c) => n + c.size, 0);
    // By id: ana, bob and Ana's three anonymous ids; by person: Ana and Bob.
    expect(await cohortUsers(false)).toBe(5);
    expect(await cohortUsers(true)).toBe(2);

    const none = await get('nobody');
    expect(none.status).toBe(404);
    expect(none.body.message).toMatch(/no person with the id 'nobody'/);
  }, 300_000);
});
