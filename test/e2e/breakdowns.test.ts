import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hllEstimate, hllRegister } from '../../core/sketches/hll';
import { HOUR, iso, startLateStack, twoHours } from '../helpers/late-stack';
import { connectSdk } from '../helpers/segment-sdk';
import { requireServices } from '../helpers/test-config';
import { waitFor } from '../helpers/wait-for';
import { PLACES, UA } from '../helpers/visitors';
import { metricAsker } from '../helpers/metric-asker';

const MINUTE = 60_000;
const DAY = 86_400_000;
const PLANS = ['free', 'pro', 'team'];
const PATHS = ['/pricing', '/docs', '/blog/launch', '/pricing/teams'];

interface Sent {
  user: string;
  at: number;
  event: 'page' | 'purchase';
  path?: string;
  amount?: number;
  country: string;
}

/**
 * Any breakdown and any filter, through the whole platform: people identified with a plan (some
 * upgrade during the test) browse and buy from several countries and devices through the Segment
 * SDK, on both sides of the batch watermark. Revenue by the person's plan at the time of each
 * purchase, page views by a property with the top groups and the rest as `(other)`, orders
 * filtered by country, plan and amount joined by and/or, and unique persons by plan each equal the
 * truth computed here; a purchase sent late for the sealed hour is in the answers at once.
 */
describe('breakdowns and filters by any property', () => {
  let s: Awaited<ReturnType<typeof startLateStack>>;
  const project = `brk${Date.now().toString(36)}`;
  beforeAll(async () => {
    await requireServices();
    s = await startLateStack(project);
  }, 120_000);
  afterAll(async () => s?.stop());

  it('splits and filters by event properties, person traits and event dimensions, in both layers', async () => {
    const { from, to, after } = await twoHours();
    const upgradeAt = after(0.2);
    const { analytics, failures } = await connectSdk(s.config, s.urls.ingest as string, project);
    const sent: Sent[] = [];
    /** A user's plan at a time: the one identify sent at the hour's start, `pro` after an upgrade. */
    const planAt = (i: number, at: number) => (i % 4 === 0 && at >= upgradeAt ? 'pro' : PLANS[i % 3]!);
    for (let i = 0; i < 24; i++) {
      const user = `u-${i}`;
      const place = PLACES[i % PLACES.length]!;
      const context = { ip: place.ip, userAgent: i % 2 === 0 ? UA.mobile : UA.desktop };
      analytics.identify({
        userId: user,
        traits: { plan: PLANS[i % 3] },
        timestamp: new Date(from + MINUTE),
        context,
      });
      if (i % 4 === 0)
        analytics.identify({
          userId: user,
          traits: { plan: 'pro' },
          timestamp: new Date(upgradeAt),
          context,
        });
      const pages = [from + 10 * MINUTE + i * 1000, from + 40 * MINUTE + i * 1000, after(0.5) + i * 10];
      pages.forEach((at, k) => {
        const path = PATHS[(i + k) % (i % 3 === 0 ? 1 : PATHS.length)]!;
        analytics.page({
          userId: user,
          name: 'page',
          properties: { path },
          timestamp: new Date(at),
          context,
        });
        sent.push({ user, at, event: 'page', path, country: place.country });
      });
      const purchases = [{ at: from + 20 * MINUTE + i * 1000, amount: 10 + i }];
      if (i % 2 === 0) purchases.push({ at: after(0.6) + i * 10, amount: 5 + i });
      purchases.forEach(({ at, amount }, k) => {
        analytics.track({
          userId: user,
          event: 'purchase',
          properties: { order_id: `o-${i}-${k}`, total_amount: amount, currency: 'EUR' },
          timestamp: new Date(at),
          context,
        });
        sent.push({ user, at, event: 'purchase', amount, country: place.country });
      });
    }
    await analytics.closeAndFlush({ timeout: 60_000 });
    expect(failures).toEqual([]);
    const calls = sent.length + 24 + 6;
    await waitFor(s.inLake, (n) => n === calls, { timeoutMs: 120_000, intervalMs: 500 });
    await s.seal(from);

    const { get, poll } = await metricAsker(s, project);
    const range = `from=${iso(from)}&to=${iso(to)}`;
    const indexOf = (user: string) => Number(user.slice(2));
    const sum = (rows: [string, number][]) => {
      const m = new Map<string, number>();
      for (const [k, v] of rows) m.set(k, (m.get(k) ?? 0) + v);
      return Object.fromEntries([...m].sort());
    };
    const purchases = () => sent.filter((e) => e.event === 'purchase');
    const revenueByPlan = () =>
      sum(purchases().map((e) => [planAt(indexOf(e.user), e.at), e.amount!] as [string, number]));

    // 1. Revenue by a person trait, as it was at each purchase (the upgraded buy as pro after).
    const revenue = `/v1/metrics/revenue?${range}&granularity=day&groupBy=person.plan`;
    await poll(revenue, revenueByPlan());

    // 2. Page views by an event property: the two largest paths, the rest as (other), in that order.
    const pages = sent.filter((e) => e.event === 'page');
    const perPath = Object.entries(sum(pages.map((e) => [e.path!, 1] as [string, number]))).sort(
      (a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1),
    );
    const top = perPath.slice(0, 2);
    const other = perPath.slice(2).reduce((n, [, v]) => n + v, 0);
    const expectedGroups = [...top.map(([dim, value]) => ({ dim, value })), { dim: '(other)', value: other }];
    const topAnswer = await poll(
      `/v1/metrics/page_views?${range}&granularity=hour&groupBy=property.path&limit=2`,
      Object.fromEntries(expectedGroups.map((g) => [g.dim, g.value]).sort()),
    );
    expect(topAnswer.groups).toEqual(expectedGroups);

    // 3. Orders filtered by an event dimension, a trait and a property, joined by and/or; per hour.
    const filters = {
      and: [
        { property: 'country', op: 'in', values: ['GB', 'FR'] },
        {
          or: [
            { property: 'person.plan', op: 'equals', value: 'pro' },
            { property: 'property.total_amount', op: 'gt', value: 25 },
          ],
        },
      ],
    };
    const kept = purchases().filter(
      (e) => ['GB', 'FR'].includes(e.country) && (planAt(indexOf(e.user), e.at) === 'pro' || e.amount! > 25),
    );
    expect(kept.length).toBeGreaterThan(3);
    await poll(
      `/v1/metrics/orders?${range}&granularity=hour&filters=${encodeURIComponent(JSON.stringify(filters))}`,
      sum(kept.map((e) => [iso(Math.floor(e.at / HOUR) * HOUR), 1])),
      (b) => sum(b.buckets.map((c) => [c.start, c.value])),
    );
    // A regex on a property, and a property split by a device dimension filtered away.
    const pricing = pages.filter((e) => /^\/pricing/.test(e.path!) && indexOf(e.user) % 2 === 1);
    await poll(
      `/v1/metrics/page_views?${range}&granularity=day&groupBy=property.path&filters=${encodeURIComponent(
        JSON.stringify({
          and: [
            { property: 'property.path', op: 'regex', value: '^/pricing' },
            { property: 'device_type', op: 'equals', value: 'desktop' },
          ],
        }),
      )}`,
      sum(pricing.map((e) => [e.path!, 1])),
    );

    // 4. Unique persons by plan, per day: a person who upgraded is in both plans; the same sketch.
    const uniques = (users: string[]) => {
      const regs = new Map<number, number>();
      for (const u of users) {
        const r = hllRegister(u);
        if ((regs.get(r.reg) ?? 0) < r.rank) regs.set(r.reg, r.rank);
      }
      return Math.round(hllEstimate(regs));
    };
    const active = new Map<string, Set<string>>();
    for (const e of sent) {
      const k = `${iso(Math.floor(e.at / DAY) * DAY)}|${planAt(indexOf(e.user), e.at)}`;
      active.set(k, (active.get(k) ?? new Set()).add(e.user));
    }
    await poll(
      `/v1/metrics/active_users?${range}&granularity=day&groupBy=person.plan`,
      Object.fromEntries([...active].map(([k, users]) => [k, uniques([...users])]).sort()),
      (b) => Object.fromEntries(b.buckets.map((c) => [`${c.start}|${c.dim ?? ''}`, c.value]).sort()),
    );

    // 5. A purchase sent late for the sealed hour is in the answer as soon as it is archived.
    const late = {
      user: 'u-1',
      at: from + 30 * MINUTE,
      event: 'purchase' as const,
      amount: 1000,
      country: 'FR',
    };
    const lateSdk = await connectSdk(s.config, s.urls.ingest as string, project);
    lateSdk.analytics.track({
      userId: late.user,
      event: 'purchase',
      properties: { order_id: 'o-late', total_amount: late.amount, currency: 'EUR' },
      timestamp: new Date(late.at),
      context: { ip: PLACES[1]!.ip, userAgent: UA.desktop },
    });
    await lateSdk.analytics.closeAndFlush({ timeout: 30_000 });
    expect(lateSdk.failures).toEqual([]);
    sent.push(late);
    await poll(revenue, revenueByPlan());

    // What cannot be answered is refused with what to change, never a 5xx.
    const refused = async (params: string, message: RegExp) => {
      const r = await get(`/v1/metrics/page_views?${range}&${params}`);
      expect(r.status, params).toBe(400);
      expect(r.body.message).toMatch(message);
    };
    await refused('groupBy=planet', /property\.<name> or person\.<trait>, not 'planet'/);
    await refused('filters=%7Bnope', /filters must be JSON/);
    await refused(
      `filters=${encodeURIComponent(JSON.stringify({ property: 'property.path', op: 'regex', value: '(a+)+$' }))}`,
      /exponential time/,
    );
    await refused(
      `filters=${encodeURIComponent(JSON.stringify({ property: 'x', op: 'equals' }))}`,
      /filters/,
    );
    await refused('limit=3', /give groupBy/);
  }, 400_000);
});
