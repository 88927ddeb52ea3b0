import type { Analytics } from '@segment/analytics-node';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInLink } from '../../cli/commands/login';
import { mintToken } from '../../core/auth/jwt';
import { hllEstimate, hllMerge, hllRegister } from '../../core/sketches/hll';
import { computeFunnel } from '../../serving-layer/query/funnel';
import { computeRetention } from '../../serving-layer/query/retention';
import type { ActiveDayRow, StepRow } from '../../serving-layer/views/raw-event-reader';
import { distinctEventsInLake } from '../helpers/lake';
import { HOUR, iso, startLateStack } from '../helpers/late-stack';
import { requireServices } from '../helpers/test-config';
import { waitFor } from '../helpers/wait-for';
import { screenshot, withPage } from '../helpers/browser';
import { connectSdk } from '../helpers/segment-sdk';

const MINUTE = 60_000;
const DAY = 86_400_000;

/** The fields of the API's answers this test reads. */
interface Body {
  message: string;
  value: number;
  buckets: { start: string; dim: string; value: number; members: number; known: number }[];
  segments: { definition: unknown }[] | string[];
  watermark: string;
  parts: { source: string }[];
  standardError: number;
  breakdown: string;
  steps: { users: number }[];
  cohorts: unknown[];
  currencies: { currency: string; orders: number; revenue: number }[];
}

/**
 * Sent events are minutes apart within a user: the collector corrects each event's time for the
 * client's clock (receivedAt - sentAt), so stored times differ from these by milliseconds, and
 * events this close could swap order.
 */
interface Sent {
  user: string;
  event: string;
  at: number;
  amount?: number;
  currency?: string;
  path?: string;
}

/** What the test knows it sent: each user's traits over time and every event, the truth's inputs. */
class Population {
  readonly events: Sent[] = [];
  private readonly traits = new Map<string, { at: number; traits: Record<string, unknown> }[]>();

  setTraits(user: string, at: number, traits: Record<string, unknown>) {
    this.traits.set(user, [...(this.traits.get(user) ?? []), { at, traits }]);
  }

  traitsAt(user: string, at: number): Record<string, unknown> {
    const changes = (this.traits.get(user) ?? []).filter((c) => c.at <= at).sort((a, b) => a.at - b.at);
    return Object.assign({}, ...changes.map((c) => c.traits)) as Record<string, unknown>;
  }

  purchasesIn(user: string, from: number, to: number): number {
    return this.events.filter((e) => e.user === user && e.event === 'purchase' && e.at > from && e.at <= to)
      .length;
  }
}

/**
 * Segments through the whole platform: a population with known traits (identify calls and
 * context.traits) and behaviour sent through a Segment SDK on both sides of the batch watermark;
 * every segment-filtered answer (metric, breakdown, funnel, retention, commerce, size, members)
 * equals the truth computed here from what was sent; a trait change moves a user at their next
 * event; another project's users, with the same ids and matching traits, never appear.
 */
describe('segments', () => {
  let s: Awaited<ReturnType<typeof startLateStack>>;
  const project = `segs${Date.now().toString(36)}`;
  const other = `${project}x`;
  beforeAll(async () => {
    await requireServices();
    s = await startLateStack(project);
  }, 120_000);
  afterAll(async () => s?.stop());

  it('answers every analysis for the users in a segment when their events happened', async () => {
    // Events after the watermark go between the hour's start and now: give them two minutes.
    if (Date.now() % HOUR < 2 * MINUTE) await sleep(2 * MINUTE - (Date.now() % HOUR));
    const now = Date.now();
    const hourNow = Math.floor(now / HOUR) * HOUR;
    const from = hourNow - 3 * HOUR;
    const to = Math.ceil((now + MINUTE) / MINUTE) * MINUTE;
    // Moments after the watermark (the start of this hour) and before now, as fractions of it.
    const after = (f: number) => hourNow + Math.floor((now - 2000 - hourNow) * f);
    const client = async (p: string) => {
      const token = await mintToken(s.config.auth.jwtSecret, { project: p, scopes: ['admin'] });
      return async (method: string, path: string, body?: unknown) => {
        const res = await fetch(`${s.urls.api}${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        const text = await res.text();
        return { status: res.status, text, body: (text.startsWith('{') ? JSON.parse(text) : {}) as Body };
      };
    };
    const api = await client(project);
    const otherApi = await client(other);

    const pro = { id: 'pro', condition: { trait: 'plan', op: 'equals', value: 'pro' } };
    const buyers = {
      id: 'buyers',
      name: 'Repeat buyers outside France',
      condition: {
        and: [
          { event: 'purchase', atLeast: 2, inLastDays: 1 },
          { not: { trait: 'country', op: 'in', values: ['FR'] } },
        ],
      },
    };
    for (const d of [pro, buyers]) expect((await api('POST', '/v1/segments', d)).status).toBe(201);
    // A definition with a mistake is refused, naming it; nothing is stored.
    const bad = await api('POST', '/v1/segments', { id: 'bad', condition: { trait: 'plan', op: 'like' } });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/invalid segment/);
    expect((await api('GET', '/v1/segments/bad')).status).toBe(404);

    const sdk = async (p: string) => {
      const { analytics: a, failures } = await connectSdk(s.config, s.urls.ingest as string, p);
      return { a, failures };
    };

    let x = 7;
    const rnd = () => (x = (x * 48271) % 2147483647) / 2147483647;
    const send = (a: Analytics, pop: Population, e: Sent, context?: Record<string, unknown>) => {
      pop.events.push(e);
      if (e.event === 'purchase')
        a.track({
          userId: e.user,
          event: 'purchase',
          properties: { order_id: `${e.user}-${e.at}`, total_amount: e.amount, currency: e.currency },
          timestamp: new Date(e.at),
        });
      else
        a.page({
          userId: e.user,
          name: 'home',
          properties: { path: e.path ?? '/home' },
          timestamp: new Date(e.at),
          ...(context ? { context } : {}),
        });
    };
    const identify = (
      a: Analytics,
      pop: Population,
      user: string,
      at: number,
      traits: Record<string, unknown>,
    ) => {
      pop.setTraits(user, at, traits);
      pop.events.push({ user, event: 'identify', at });
      a.identify({ userId: user, traits, timestamp: new Date(at) });
    };

    const truth = new Population();
    const ours = await sdk(project);
    for (let i = 0; i < 60; i++) {
      const user = `u-${i}`;
      identify(ours.a, truth, user, from + 10 * MINUTE + i * 1000, {
        plan: i % 3 === 0 ? 'pro' : 'free',
        country: ['FR', 'DE', 'US', 'ES'][i % 4],
        age: 18 + ((i * 7) % 50),
      });
      for (let j = 0; j < 4; j++)
        send(ours.a, truth, { user, event: 'page', at: from + 20 * MINUTE + j * 30 * MINUTE + i * 1000 });
      for (const f of [0.2, 0.7])
        send(ours.a, truth, {
          user,
          event: 'page',
          at: after(f) + i * 10,
          path: i % 2 ? '/pricing' : '/home',
        });
      const purchases = Math.floor(rnd() * 4);
      for (let k = 0; k < purchases; k++)
        send(ours.a, truth, {
          user,
          event: 'purchase',
          at: from + 33 * MINUTE + k * 25 * MINUTE + i * 1000,
          amount: Math.round((5 + rnd() * 80) * 100) / 100,
          currency: rnd() < 0.5 ? 'EUR' : 'USD',
        });
      if (rnd() < 0.5)
        send(ours.a, truth, {
          user,
          event: 'purchase',
          at: after(0.8) + i * 10,
          amount: Math.round((5 + rnd() * 80) * 100) / 100,
          currency: 'EUR',
        });
    }
    // Trait changes: four free users turn pro by identify after the watermark (speed view), four
    // by context.traits on a page event before it (lake), and a pro user turns free in the lake.
    const upgradedLate = ['u-1', 'u-2', 'u-4', 'u-5'];
    const changeAt = after(0.4);
    for (const [k, u] of upgradedLate.entries()) identify(ours.a, truth, u, changeAt + k, { plan: 'pro' });
    for (const [k, u] of ['u-7', 'u-8', 'u-10', 'u-11'].entries()) {
      const at = hourNow - 60 * MINUTE + k * 1000;
      truth.setTraits(u, at, { plan: 'pro' });
      send(ours.a, truth, { user: u, event: 'page', at }, { traits: { plan: 'pro' } });
    }
    identify(ours.a, truth, 'u-3', hourNow - 90 * MINUTE, { plan: 'free' });

    // Another project: the same user ids, all pro repeat buyers, and never in our answers.
    const theirs = await sdk(other);
    const theirTruth = new Population();
    for (let i = 0; i < 20; i++) {
      const user = `u-${i}`;
      identify(theirs.a, theirTruth, user, from + 5 * MINUTE, { plan: 'pro', country: 'DE' });
      for (const at of [from + 40 * MINUTE, after(0.3)])
        send(theirs.a, theirTruth, { user, event: 'page', at });
      for (const at of [from + 50 * MINUTE, from + 70 * MINUTE, after(0.5)])
        send(theirs.a, theirTruth, { user, event: 'purchase', at, amount: 1000, currency: 'EUR' });
    }
    await Promise.all([ours.a, theirs.a].map((a) => a.closeAndFlush({ timeout: 60_000 })));
    expect([...ours.failures, ...theirs.failures]).toEqual([]);
    await waitFor(s.inLake, (n) => n === truth.events.length, { timeoutMs: 120_000, intervalMs: 500 });
    await waitFor(
      () => distinctEventsInLake(s.config.lake.root, other),
      (n) => n === theirTruth.events.length,
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    await s.seal(hourNow - HOUR);

    const inPro = (u: string, at: number) => truth.traitsAt(u, at).plan === 'pro';
    const inBuyers = (u: string, at: number) =>
      truth.purchasesIn(u, at - DAY, at) >= 2 && truth.traitsAt(u, at).country !== 'FR';
    const range = `from=${iso(from)}&to=${iso(to)}`;
    // Asks until the answer holds what the truth says (the speed view catches up), then requires it.
    const poll = async <T>(path: string, expected: T, pick: (body: Body) => T) => {
      const r = await waitFor(
        () => api('GET', path),
        (r) => JSON.stringify(pick(r.body)) === JSON.stringify(expected),
        { timeoutMs: 90_000, intervalMs: 500 },
      );
      expect(r.status).toBe(200);
      expect(pick(r.body)).toEqual(expected);
      return r;
    };

    // A count per hour, split at the watermark: the lake before it, the speed view after.
    const pages = truth.events.filter((e) => e.event === 'page' && inPro(e.user, e.at));
    const perHour = new Map<string, number>();
    for (const e of pages) {
      const h = iso(Math.floor(e.at / HOUR) * HOUR);
      perHour.set(h, (perHour.get(h) ?? 0) + 1);
    }
    const hourly = [...perHour.entries()].sort().map(([start, value]) => ({ start, value }));
    const byHour = await poll(`/v1/metrics/page_views?${range}&granularity=hour&segment=pro`, hourly, (b) =>
      b.buckets?.map((c: { start: string; value: number }) => ({ start: c.start, value: c.value })),
    );
    expect(byHour.status).toBe(200);
    expect(
      byHour.body.buckets.map((c: { start: string; value: number }) => ({ start: c.start, value: c.value })),
    ).toEqual(hourly);
    expect(byHour.body.value).toBe(pages.length);
    expect(byHour.body.segments).toEqual(['pro']);
    expect(byHour.body.watermark).toBe(iso(hourNow));
    expect(byHour.body.parts.map((p: { source: string }) => p.source)).toEqual(['batch', 'speed']);
    // The late upgrades count from their identify on: before it their pages were not pro's.
    const upgradedPages = pages.filter((e) => upgradedLate.includes(e.user));
    expect(upgradedPages.length).toBe(upgradedLate.length);
    expect(upgradedPages.every((e) => e.at > changeAt)).toBe(true);

    // Grouped by the metric's dimension instead: one series per path.
    const perPath = new Map<string, number>();
    for (const e of pages) perPath.set(e.path ?? '/home', (perPath.get(e.path ?? '/home') ?? 0) + 1);
    const byPath = await poll(
      `/v1/metrics/page_views?${range}&granularity=day&segment=pro&groupBy=path`,
      Object.fromEntries([...perPath.entries()].sort()),
      (b) => {
        const out: Record<string, number> = {};
        for (const c of b.buckets ?? []) out[c.dim] = (out[c.dim] ?? 0) + c.value;
        return Object.fromEntries(Object.entries(out).sort());
      },
    );
    expect(byPath.status).toBe(200);
    expect(perPath.size).toBe(2);

    // A sum, exact, for a behavioural segment with a not.
    const revenue = truth.events
      .filter((e) => e.event === 'purchase' && inBuyers(e.user, e.at))
      .reduce((n, e) => n + (e.amount ?? 0), 0);
    const rev = await poll(`/v1/metrics/revenue?${range}&segment=buyers`, revenue.toFixed(2), (b) =>
      typeof b.value === 'number' ? b.value.toFixed(2) : null,
    );
    expect(rev.body.value.toFixed(2)).toBe(revenue.toFixed(2));

    // Unique users: the same HyperLogLog sketch as the views, of exactly the members who were active.
    const regs = new Map<number, number>();
    for (const e of truth.events)
      if (inPro(e.user, e.at)) {
        const r = hllRegister(e.user);
        hllMerge(regs, [[r.reg, r.rank]]);
      }
    const actives = await poll(
      `/v1/metrics/active_users?${range}&segment=pro`,
      Math.round(hllEstimate(regs)),
      (b) => b.value,
    );
    expect(actives.body.value).toBe(Math.round(hllEstimate(regs)));
    expect(actives.body.standardError).toBeGreaterThan(0);

    // Two segments side by side: one series each.
    const side = await poll(
      `/v1/metrics/page_views?${range}&granularity=day&segment=pro,buyers&breakdown=segment`,
      {
        buyers: truth.events.filter((e) => e.event === 'page' && inBuyers(e.user, e.at)).length,
        pro: pages.length,
      },
      (b) => {
        const out: Record<string, number> = {};
        for (const c of b.buckets ?? []) out[c.dim] = (out[c.dim] ?? 0) + c.value;
        return Object.fromEntries(Object.entries(out).sort());
      },
    );
    expect(side.body.breakdown).toBe('segment');

    // Funnel and retention over the members' events only.
    const steps: StepRow[] = truth.events
      .filter((e) => (e.event === 'page' || e.event === 'purchase') && inBuyers(e.user, e.at))
      .map((e) => [e.user, e.event, e.at]);
    const funnel = await poll(
      `/v1/funnels?${range}&steps=page,purchase&segment=buyers`,
      await computeFunnel(steps, ['page', 'purchase'], DAY),
      (b) => b.steps,
    );
    expect(funnel.body.steps).toEqual(await computeFunnel(steps, ['page', 'purchase'], DAY));
    expect(funnel.body.steps[1]?.users).toBeGreaterThan(0);
    const days = new Map<string, ActiveDayRow>();
    for (const e of truth.events)
      if (inPro(e.user, e.at))
        days.set(`${e.user}|${Math.floor(e.at / DAY)}`, [e.user, Math.floor(e.at / DAY) * DAY]);
    const cohorts = await computeRetention([...days.values()], 'day', new Date(to));
    const retention = await poll(`/v1/retention?${range}&segment=pro`, cohorts, (b) => b.cohorts);
    expect(retention.body.cohorts).toEqual(cohorts);

    // Commerce for the segment: orders and revenue per currency.
    const perCurrency = new Map<string, { orders: number; revenue: number }>();
    for (const e of truth.events)
      if (e.event === 'purchase' && inBuyers(e.user, e.at)) {
        const c = perCurrency.get(e.currency as string) ?? { orders: 0, revenue: 0 };
        c.orders++;
        c.revenue += e.amount ?? 0;
        perCurrency.set(e.currency as string, c);
      }
    const commerceTruth = [...perCurrency.entries()]
      .sort()
      .map(([currency, c]) => ({ currency, orders: c.orders, revenue: Math.round(c.revenue * 100) / 100 }));
    const commerce = await poll(`/v1/commerce?${range}&segment=buyers`, commerceTruth, (b) =>
      b.currencies?.map((c: { currency: string; orders: number; revenue: number }) => ({
        currency: c.currency,
        orders: c.orders,
        revenue: c.revenue,
      })),
    );
    expect(commerce.status).toBe(200);

    // Size at the end of each hour: the known users (seen by then) and the members among them.
    const users = [...new Set(truth.events.map((e) => e.user))];
    const firstSeen = new Map(
      users.map((u) => [u, Math.min(...truth.events.filter((e) => e.user === u).map((e) => e.at))]),
    );
    const sizes = [];
    for (let start = from; start < to; start += HOUR) {
      const at = Math.min(start + HOUR, to) - 1;
      const known = users.filter((u) => (firstSeen.get(u) as number) <= at);
      sizes.push({
        start: iso(start),
        members: known.filter((u) => inPro(u, at)).length,
        known: known.length,
      });
    }
    const size = await poll(`/v1/segments/pro/size?${range}&granularity=hour`, sizes, (b) => b.buckets);
    expect(size.body.buckets).toEqual(sizes);

    // Members as CSV: a late upgrade is not pro before its identify and is from it on.
    const members = async (at: number) => {
      const r = await api('GET', `/v1/segments/pro/members?at=${iso(at)}`);
      expect(r.status).toBe(200);
      const [header, ...rows] = r.text.trim().split('\r\n');
      expect(header).toBe('user,first_seen,age,country,plan');
      return rows.map((l) => l.split(',')[0]);
    };
    const before = await members(changeAt - 1);
    expect(before).toEqual(users.filter((u) => inPro(u, changeAt - 1)).sort());
    expect(before).not.toContain('u-1');
    expect(await members(now)).toEqual(users.filter((u) => inPro(u, now)).sort());
    expect(await members(now)).toContain('u-1');

    // The other project sees none of ours, and ours none of theirs (checked above by the truths).
    expect((await otherApi('GET', '/v1/segments')).body.segments).toEqual([]);
    const refused = await otherApi('GET', `/v1/metrics/page_views?${range}&segment=pro`);
    expect(refused.status).toBe(400);
    expect(refused.body.message).toMatch(/unknown segment 'pro'/);
    expect((await api('GET', `/v1/metrics/page_views?${range}&segment=pro,buyers`)).status).toBe(400);

    // The web app's segments page shows the members now, the condition, and the CSV link.
    await withPage(async (page, problems) => {
      await page.goto(await signInLink(s.config, { project, scopes: ['admin'] }, s.urls.api as string));
      await page.goto(`${s.urls.api}/segments?id=pro`);
      await page.waitForSelector('[data-testid=segment-members]');
      expect(await page.textContent('[data-testid=segment-members]')).toBe(
        String(users.filter((u) => inPro(u, Date.now())).length),
      );
      expect(JSON.parse((await page.textContent('[data-testid=segment-definition]')) ?? '')).toEqual(
        pro.condition,
      );
      expect(await page.getAttribute('[data-testid=segment-csv]', 'href')).toBe('/v1/segments/pro/members');
      // Each member named is a link to their person.
      const links = await page.$$eval('[data-testid=segment-member-list] a', (as) =>
        as.map((a) => [a.textContent, a.getAttribute('href')]),
      );
      const shown = users.filter((u) => inPro(u, Date.now())).sort();
      expect(links).toEqual(shown.slice(0, 30).map((u) => [u, `/person?id=${encodeURIComponent(u)}`]));
      await screenshot(page, 'web-segments.png');
      expect(problems).toEqual([]);
    });
  }, 400_000);
});
