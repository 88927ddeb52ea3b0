import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../core/auth/jwt';
import { exactQuantile } from '../../core/sketches/ddsketch';
import { calendarStart } from '../../core/time/calendar';
import { HOUR, iso, startLateStack, twoHours } from '../helpers/late-stack';
import { connectSdk } from '../helpers/segment-sdk';
import { requireServices } from '../helpers/test-config';
import { waitFor } from '../helpers/wait-for';
import { PLACES } from '../helpers/visitors';

const MINUTE = 60_000;

interface Purchase {
  user: number;
  at: number;
  amount: number;
  country: string;
}

interface InsightBody {
  value: number | null;
  buckets: { start: string; dim?: string; value: number | null }[];
  parts: { source: string; value: number | null }[];
  previous?: { value: number | null; buckets: { start: string; value: number | null }[] };
  change?: number | null;
  relativeError?: number;
  message?: string;
}

/**
 * Metrics defined without code, through the whole platform: an admin defines them (stored in
 * PostgreSQL), people identified with a plan buy through the Segment SDK on both sides of the
 * watermark, and each definition's answer equals the truth computed here: the average order of
 * pro users per hour, the largest order per country, page views compared with the period before,
 * a sum asked without storing the definition; a late order for the sealed hour is in at once.
 */
describe('insights: metrics defined without code', () => {
  let s: Awaited<ReturnType<typeof startLateStack>>;
  const project = `ins${Date.now().toString(36)}`;
  beforeAll(async () => {
    await requireServices();
    s = await startLateStack(project);
  }, 120_000);
  afterAll(async () => s?.stop());

  it('answers stored and unsaved definitions like catalog metrics, in both layers and after late data', async () => {
    const { hourNow, from, to, after } = await twoHours();
    const lengthSoFar = to - hourNow;
    const planOf = (i: number) => (i % 3 === 0 ? 'pro' : 'free');
    const { analytics, failures } = await connectSdk(s.config, s.urls.ingest as string, project);
    const purchases: Purchase[] = [];
    const pages: number[] = [];
    for (let i = 0; i < 18; i++) {
      const place = PLACES[i % PLACES.length]!;
      const context = { ip: place.ip };
      analytics.identify({
        userId: `u-${i}`,
        traits: { plan: planOf(i) },
        timestamp: new Date(from + MINUTE),
        context,
      });
      // The sealed hour's orders fall in the span as long as this hour so far just before it, so
      // comparing with the previous period has something to compare with whenever the test runs.
      for (const [k, at] of [hourNow - Math.floor(lengthSoFar / 3) + i * 10, after(0.4) + i * 10].entries()) {
        const amount = 10 + ((i * 7 + k * 3) % 40);
        analytics.track({
          userId: `u-${i}`,
          event: 'purchase',
          properties: { order_id: `o-${i}-${k}`, total_amount: amount, currency: 'EUR' },
          timestamp: new Date(at),
          context,
        });
        purchases.push({ user: i, at, amount, country: place.country });
      }
      // Page views: one early in the sealed hour, one in the span just before this hour, one now.
      for (const at of [
        from + 40 * MINUTE + i * 1000,
        hourNow - Math.floor(lengthSoFar / 2) + i * 10,
        after(0.7) + i * 10,
      ]) {
        analytics.page({
          userId: `u-${i}`,
          name: 'page',
          properties: { path: '/home' },
          timestamp: new Date(at),
          context,
        });
        pages.push(at);
      }
    }
    await analytics.closeAndFlush({ timeout: 60_000 });
    expect(failures).toEqual([]);
    await waitFor(s.inLake, (n) => n === 18 + purchases.length + pages.length, {
      timeoutMs: 120_000,
      intervalMs: 500,
    });
    await s.seal(from);

    const admin = await mintToken(s.config.auth.jwtSecret, { project, scopes: ['admin'] });
    const reader = await mintToken(s.config.auth.jwtSecret, { project, scopes: ['read'] });
    const call = async (method: string, path: string, token: string, body?: unknown) => {
      const res = await fetch(`${s.urls.api}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: res.status, body: (await res.json()) as InsightBody };
    };
    const define = async (d: unknown) =>
      expect((await call('POST', '/v1/insights', admin, d)).status).toBe(201);
    await define({
      id: 'avg-order-pro',
      description: 'average order of pro users',
      events: ['purchase'],
      measure: { kind: 'average', property: 'property.total_amount' },
      filters: { property: 'person.plan', op: 'equals', value: 'pro' },
    });
    await define({
      id: 'max-order-by-country',
      events: ['purchase'],
      measure: { kind: 'max', property: 'property.total_amount' },
      groupBy: 'country',
    });
    await define({ id: 'page-count', events: ['page'], measure: { kind: 'count' } });
    // Only an admin defines; a reader is refused, and a definition naming no property is a 400.
    expect((await call('POST', '/v1/insights', reader, { id: 'x', measure: { kind: 'count' } })).status).toBe(
      403,
    );
    const bad = await call('POST', '/v1/insights', admin, {
      id: 'bad',
      measure: { kind: 'sum', property: 'planet' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/measure.*'planet' is not an event dimension/);

    const range = `from=${iso(from)}&to=${iso(to)}`;
    // Asks until the speed view and the lake hold every event, then requires the truth.
    const poll = async (
      path: string,
      expected: unknown,
      pick: (b: InsightBody) => unknown,
      body?: unknown,
    ) => {
      const ask = () => call(body === undefined ? 'GET' : 'POST', path, reader, body);
      const r = await waitFor(
        ask,
        (r) => r.status === 200 && JSON.stringify(pick(r.body)) === JSON.stringify(expected),
        {
          timeoutMs: 60_000,
          intervalMs: 500,
        },
      );
      expect(r.status, JSON.stringify(r.body).slice(0, 300)).toBe(200);
      expect(pick(r.body)).toEqual(expected);
      return r.body;
    };
    const hourOf = (at: number) => iso(Math.floor(at / HOUR) * HOUR);
    const group = <T>(rows: T[], key: (r: T) => string, value: (rs: T[]) => number) => {
      const m = new Map<string, T[]>();
      for (const r of rows) m.set(key(r), [...(m.get(key(r)) ?? []), r]);
      return Object.fromEntries([...m].map(([k, rs]) => [k, value(rs)]).sort());
    };
    const average = (rs: Purchase[]) => rs.reduce((n, r) => n + r.amount, 0) / rs.length;
    const perBucket = (b: InsightBody) =>
      Object.fromEntries(b.buckets.map((x) => [x.dim === undefined ? x.start : x.dim, x.value]).sort());

    // The average order of pro users, per hour: the sealed hour from the lake, this one from the speed view.
    const avgPro = () =>
      group(
        purchases.filter((p) => planOf(p.user) === 'pro'),
        (p) => hourOf(p.at),
        average,
      );
    const answer = await poll(
      `/v1/insights/avg-order-pro/answer?${range}&granularity=hour`,
      avgPro(),
      perBucket,
    );
    expect(answer.parts.map((p) => p.source)).toEqual(['batch', 'speed']);
    expect(answer.value).toBeCloseTo(average(purchases.filter((p) => planOf(p.user) === 'pro')), 9);

    // The largest order per country over the range.
    await poll(
      `/v1/insights/max-order-by-country/answer?${range}&granularity=day`,
      group(
        purchases,
        (p) => p.country,
        (rs) => Math.max(...rs.map((r) => r.amount)),
      ),
      (b) => {
        const m = new Map<string, number>();
        for (const x of b.buckets) m.set(x.dim!, Math.max(m.get(x.dim!) ?? -Infinity, x.value!));
        return Object.fromEntries([...m].sort());
      },
    );

    // Page views this hour so far against the same length just before it (in the sealed hour).
    const length = to - hourNow;
    const inSpan = (a: number, b: number) => pages.filter((at) => at >= a && at < b).length;
    const [nowCount, before] = [inSpan(hourNow, to), inSpan(hourNow - length, hourNow)];
    expect(before).toBeGreaterThan(0);
    await poll(
      `/v1/insights/page-count/answer?from=${iso(hourNow)}&to=${iso(to)}&granularity=hour&compare=previous`,
      { value: nowCount, previous: before, change: (nowCount - before) / before },
      (b) => ({ value: b.value, previous: b.previous?.value, change: b.change }),
    );

    // p90 of the order value per hour (the engines' sketches), per country and for pro users
    // only (the scan's sketch): within the stated relative error of the exact value at that rank.
    await define({
      id: 'p90-order',
      events: ['purchase'],
      measure: { kind: 'percentile', property: 'property.total_amount', p: 90 },
    });
    await define({
      id: 'p90-order-by-country',
      events: ['purchase'],
      measure: { kind: 'percentile', property: 'property.total_amount', p: 90 },
      groupBy: 'country',
    });
    await define({
      id: 'p90-order-pro',
      events: ['purchase'],
      measure: { kind: 'percentile', property: 'property.total_amount', p: 90 },
      filters: { property: 'person.plan', op: 'equals', value: 'pro' },
    });
    const p90 = (rs: Purchase[]) =>
      exactQuantile(
        rs.map((r) => r.amount),
        0.9,
      )!;
    const p90s = () => ({
      perHour: group(purchases, (p) => hourOf(p.at), p90),
      perCountryMonth: group(
        purchases,
        (p) => `${iso(calendarStart(p.at, 'month', 'Europe/Paris'))}|${p.country}`,
        p90,
      ),
      // Kolkata is 5:30 off UTC: counted per quarter hour, rolled into its local weeks.
      perWeekKolkata: group(purchases, (p) => iso(calendarStart(p.at, 'week', 'Asia/Kolkata')), p90),
      proPerHour: group(
        purchases.filter((p) => planOf(p.user) === 'pro'),
        (p) => hourOf(p.at),
        p90,
      ),
    });
    /** The answer's values, each replaced by the truth when within the stated error of it. */
    const withinError =
      (truth: Record<string, number>, keyOf?: (x: InsightBody['buckets'][number]) => string) =>
      (b: InsightBody) => {
        expect(b.relativeError).toBe(0.01);
        const values = keyOf ? Object.fromEntries(b.buckets.map((x) => [keyOf(x), x.value])) : perBucket(b);
        return Object.fromEntries(
          Object.entries(values).map(([k, v]) => [
            k,
            typeof v === 'number' && truth[k] !== undefined && Math.abs(v - truth[k]) <= truth[k] * 0.01
              ? truth[k]
              : v,
          ]),
        );
      };
    const askP90s = async () => {
      const t = p90s();
      const hourly = await poll(
        `/v1/insights/p90-order/answer?${range}&granularity=hour`,
        t.perHour,
        withinError(t.perHour),
      );
      expect(hourly.parts.map((p) => p.source)).toEqual(['batch', 'speed']);
      await poll(
        `/v1/insights/p90-order/answer?${range}&granularity=week&tz=Asia/Kolkata`,
        t.perWeekKolkata,
        withinError(t.perWeekKolkata),
      );
      // Per country and calendar month in Paris: the bucket starts at a local midnight.
      await poll(
        `/v1/insights/p90-order-by-country/answer?${range}&granularity=month&tz=Europe/Paris`,
        t.perCountryMonth,
        withinError(t.perCountryMonth, (x) => `${x.start}|${x.dim}`),
      );
      await poll(
        `/v1/insights/p90-order-pro/answer?${range}&granularity=hour`,
        t.proPerHour,
        withinError(t.proPerHour),
      );
    };
    await askP90s();

    // Rolling windows: page views over the last 30 minutes at each minute; buyers (unique) and
    // p90 over the last two hours, asked from this hour on, so the sealed hour is read too.
    const rolling30 = Object.fromEntries(
      Array.from({ length: (to - from) / MINUTE }, (_, k) => from + k * MINUTE)
        .map((m) => [iso(m), pages.filter((at) => at >= m - 29 * MINUTE && at < m + MINUTE).length])
        .filter(([, n]) => n !== 0),
    );
    await poll(`/v1/insights/page-count/answer?${range}&granularity=minute&rolling=30`, rolling30, perBucket);
    await define({ id: 'buyers', events: ['purchase'], measure: { kind: 'unique_persons' } });
    const thisHour = `from=${iso(hourNow)}&to=${iso(to)}&granularity=hour&rolling=2`;
    const buyers = await poll(`/v1/insights/buyers/answer?${thisHour}`, { [iso(hourNow)]: 18 }, perBucket);
    // The range's own value is not rolled: this hour's buyers only.
    expect(buyers.value).toBe(new Set(purchases.filter((p) => p.at >= hourNow).map((p) => p.user)).size);
    await poll(`/v1/insights/page-count/answer?${thisHour}`, { [iso(hourNow)]: pages.length }, perBucket);
    const twoHourP90 = { [iso(hourNow)]: p90(purchases) };
    await poll(`/v1/insights/p90-order/answer?${thisHour}`, twoHourP90, withinError(twoHourP90));

    // A formula over two series: orders per 100 page views, per hour.
    await define({
      id: 'orders-per-100-views',
      series: {
        A: { events: ['purchase'], measure: { kind: 'count' } },
        B: { events: ['page'], measure: { kind: 'count' } },
      },
      formula: 'A / B * 100',
    });
    const ordersPer100 = Object.fromEntries(
      [...new Set(pages.map(hourOf))].sort().map((h) => {
        const orders = purchases.filter((p) => hourOf(p.at) === h).length;
        return [h, (orders / pages.filter((at) => hourOf(at) === h).length) * 100];
      }),
    );
    await poll(`/v1/insights/orders-per-100-views/answer?${range}&granularity=hour`, ordersPer100, perBucket);
    // The formula compared with the period before: this hour so far against as long before it.
    const rate = (a: number, b: number) =>
      (purchases.filter((p) => p.at >= a && p.at < b).length / inSpan(a, b)) * 100;
    const [rateNow, rateBefore] = [rate(hourNow, to), rate(hourNow - length, hourNow)];
    await poll(
      `/v1/insights/orders-per-100-views/answer?from=${iso(hourNow)}&to=${iso(to)}&granularity=hour&compare=previous`,
      { value: rateNow, previous: rateBefore, change: (rateNow - rateBefore) / rateBefore },
      (b) => ({ value: b.value, previous: b.previous?.value, change: b.change }),
    );

    // The catalog's metrics are predefined insights: listed, answered at the same route as
    // GET /v1/metrics answers them (from the views), compared with the period before; their ids
    // cannot be taken, and calendar buckets are for defined insights.
    const listing = (await call('GET', '/v1/insights', reader)).body as unknown as {
      insights: { definition: { id: string } }[];
      predefined: { id: string }[];
    };
    expect(listing.predefined.map((p) => p.id)).toEqual(expect.arrayContaining(['page_views', 'revenue']));
    expect(listing.insights.map((i) => i.definition.id)).toContain('page-count');
    const asked = `from=${iso(hourNow)}&to=${iso(to)}&granularity=hour`;
    const viaMetrics = await call('GET', `/v1/metrics/page_views?${asked}`, reader);
    const predefined = await call('GET', `/v1/insights/page_views/answer?${asked}&compare=previous`, reader);
    expect(predefined.status).toBe(200);
    expect(predefined.body).toMatchObject({
      insight: 'page_views',
      predefined: true,
      value: viaMetrics.body.value,
    });
    expect(predefined.body.buckets).toEqual(viaMetrics.body.buckets);
    expect(predefined.body.previous?.value).toBe(before);
    const taken = await call('POST', '/v1/insights', admin, { id: 'page_views', measure: { kind: 'count' } });
    expect(taken.status).toBe(400);
    expect(taken.body.message).toMatch(/'page_views' is a catalog metric/);
    const weekly = await call(
      'GET',
      `/v1/insights/page_views/answer?${asked.replace('hour', 'week')}`,
      reader,
    );
    expect(weekly.status).toBe(400);

    // A definition asked as sent, without storing it: the revenue of orders over 30 per country.
    const unsaved = {
      id: 'draft',
      events: ['purchase'],
      measure: { kind: 'sum', property: 'property.total_amount' },
      filters: { property: 'property.total_amount', op: 'gt', value: 30 },
      groupBy: 'country',
    };
    const askUnsaved = () =>
      poll(
        `/v1/insights/answer?${range}&granularity=day`,
        sumOver30(),
        (b) => {
          const m = new Map<string, number>();
          for (const x of b.buckets) m.set(x.dim!, (m.get(x.dim!) ?? 0) + x.value!);
          return Object.fromEntries([...m].sort());
        },
        unsaved,
      );
    const sumOver30 = () =>
      group(
        purchases.filter((p) => p.amount > 30),
        (p) => p.country,
        (rs) => rs.reduce((n, r) => n + r.amount, 0),
      );
    await askUnsaved();
    expect((await call('GET', '/v1/insights/draft', reader)).status).toBe(404);

    // A late order of a pro user for the sealed hour: in the average at once.
    const late = { user: 3, at: from + 30 * MINUTE, amount: 500, country: PLACES[0]!.country };
    const lateSdk = await connectSdk(s.config, s.urls.ingest as string, project);
    lateSdk.analytics.track({
      userId: 'u-3',
      event: 'purchase',
      properties: { order_id: 'o-late', total_amount: late.amount, currency: 'EUR' },
      timestamp: new Date(late.at),
      context: { ip: PLACES[0]!.ip },
    });
    await lateSdk.analytics.closeAndFlush({ timeout: 30_000 });
    expect(lateSdk.failures).toEqual([]);
    purchases.push(late);
    await poll(`/v1/insights/avg-order-pro/answer?${range}&granularity=hour`, avgPro(), perBucket);
    await askUnsaved();
    await askP90s();
  }, 400_000);
});
