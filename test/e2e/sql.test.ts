import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../core/auth/jwt';
import { iso, startLateStack, twoHours } from '../helpers/late-stack';
import { connectSdk } from '../helpers/segment-sdk';
import { requireServices } from '../helpers/test-config';
import { waitFor } from '../helpers/wait-for';

const MINUTE = 60_000;

interface SqlAnswer {
  columns: { name: string; type: string }[];
  rows: unknown[][];
  parts: { source: string; from: string; to: string }[];
  watermark: string | null;
  message?: string;
}

interface Sent {
  person: string;
  event: string;
  at: number;
  amount?: number;
}

/**
 * Analysts' SQL through the whole platform: visitors browse anonymously, sign up (identify joins
 * their anonymous id), buy, on both sides of the watermark; a late order arrives for the sealed
 * hour. The same questions asked of /v1/sql (counts by event, persons, a join of events and
 * persons, a window function) equal the truth computed here, before the watermark, after it,
 * across it, with the late order in at once.
 */
describe('SQL over the merged data', () => {
  let s: Awaited<ReturnType<typeof startLateStack>>;
  const project = `sql${Date.now().toString(36)}`;
  beforeAll(async () => {
    await requireServices();
    s = await startLateStack(project);
  }, 120_000);
  afterAll(async () => s?.stop());

  it('answers counts, persons, a join and a window function equal to the truth, across the watermark and with a late event', async () => {
    const { hourNow, from, to, after } = await twoHours();
    const { analytics, failures } = await connectSdk(s.config, s.urls.ingest as string, project);
    const sent: Sent[] = [];
    const N = 12;
    for (let i = 0; i < N; i++) {
      const user = `u-${i}`;
      const anon = `a-${i}`;
      // Anonymous browsing in the sealed hour, then a sign-up: one person, two ids.
      const early = from + 5 * MINUTE + i * 1000;
      analytics.page({
        anonymousId: anon,
        name: 'home',
        properties: { path: '/' },
        timestamp: new Date(early),
      });
      sent.push({ person: user, event: 'page', at: early });
      const signup = from + 10 * MINUTE + i * 1000;
      analytics.identify({
        userId: user,
        anonymousId: anon,
        traits: { plan: i % 2 ? 'pro' : 'free' },
        timestamp: new Date(signup),
      });
      sent.push({ person: user, event: 'identify', at: signup });
      for (const [k, at] of [from + 20 * MINUTE + i * 1000, after(0.5) + i * 10].entries()) {
        if ((i + k) % 3 === 0) continue;
        const amount = 10 + i * 2 + k;
        analytics.track({
          userId: user,
          event: 'purchase',
          properties: { order_id: `o-${i}-${k}`, total_amount: amount, currency: 'EUR' },
          timestamp: new Date(at),
        });
        sent.push({ person: user, event: 'purchase', at, amount });
      }
      const now = after(0.8) + i * 10;
      analytics.page({
        userId: user,
        name: 'pricing',
        properties: { path: '/pricing' },
        timestamp: new Date(now),
      });
      sent.push({ person: user, event: 'page', at: now });
    }
    await analytics.closeAndFlush({ timeout: 60_000 });
    expect(failures).toEqual([]);
    await waitFor(s.inLake, (n) => n === sent.length, { timeoutMs: 120_000, intervalMs: 500 });
    await s.seal(from);

    // A late order for the sealed hour, sent after it was sealed: no repair runs in this test,
    // so only the speed view holds it in a published hour.
    const late = await connectSdk(s.config, s.urls.ingest as string, project);
    const lateAt = from + 45 * MINUTE;
    late.analytics.track({
      userId: 'u-1',
      event: 'purchase',
      properties: { order_id: 'late-1', total_amount: 99, currency: 'EUR' },
      timestamp: new Date(lateAt),
    });
    await late.analytics.closeAndFlush({ timeout: 60_000 });
    expect(late.failures).toEqual([]);
    sent.push({ person: 'u-1', event: 'purchase', at: lateAt, amount: 99 });

    const analyst = await mintToken(s.config.auth.jwtSecret, { project, role: 'analyst' });
    const sql = async (query: string, a: number, b: number) => {
      const res = await fetch(`${s.urls.api}/v1/sql`, {
        method: 'POST',
        headers: { authorization: `Bearer ${analyst}`, 'content-type': 'application/json' },
        body: JSON.stringify({ query, from: iso(a), to: iso(b) }),
      });
      const body = (await res.json()) as SqlAnswer;
      if (res.status !== 200) throw new Error(`${res.status}: ${body.message}`);
      return body;
    };

    /** The truth of each question over [a, b), from what was sent. */
    const truth = (a: number, b: number) => {
      const inside = sent.filter((e) => e.at >= a && e.at < b);
      const byEvent = new Map<string, number>();
      for (const e of inside) byEvent.set(e.event, (byEvent.get(e.event) ?? 0) + 1);
      const purchases = inside.filter((e) => e.event === 'purchase');
      const perPerson = new Map<string, number>();
      for (const e of purchases) perPerson.set(e.person, (perPerson.get(e.person) ?? 0) + 1);
      const first = new Map<string, number>();
      for (const e of [...purchases].sort((x, y) => x.at - y.at))
        if (!first.has(e.person)) first.set(e.person, e.amount!);
      return {
        byEvent: [...byEvent].sort(([x], [y]) => (x < y ? -1 : 1)),
        persons: new Set(inside.map((e) => e.person)).size,
        perPerson: [...perPerson].sort(([x], [y]) => (x < y ? -1 : 1)),
        first: [...first].sort(([x], [y]) => (x < y ? -1 : 1)),
      };
    };
    const ask = async (a: number, b: number) => ({
      byEvent: (await sql('SELECT event, count(*) AS n FROM events GROUP BY event ORDER BY event', a, b))
        .rows,
      persons: (await sql('SELECT count(*) FROM persons', a, b)).rows[0]![0],
      // Purchases per person, named by the user id the person signed up with.
      perPerson: (
        await sql(
          `SELECT p.user_ids[1] AS person, count(*) AS purchases
           FROM events e JOIN persons p USING (person_id)
           WHERE e.event = 'purchase' GROUP BY 1 ORDER BY 1`,
          a,
          b,
        )
      ).rows,
      // Each person's first order, by a window over their purchases.
      first: (
        await sql(
          `SELECT p.user_ids[1], (e.properties->>'total_amount')::DOUBLE
           FROM events e JOIN persons p USING (person_id) WHERE e.event = 'purchase'
           QUALIFY row_number() OVER (PARTITION BY e.person_id ORDER BY e.event_time) = 1
           ORDER BY 1`,
          a,
          b,
        )
      ).rows,
    });
    for (const [name, a, b] of [
      ['before the watermark', from, hourNow],
      ['after it', hourNow, to],
      ['across it', from, to],
    ] as const) {
      const want = truth(a, b);
      // The late order reaches the speed view within moments of being accepted.
      const got = await waitFor(
        () => ask(a, b),
        (g) => JSON.stringify(g) === JSON.stringify(want),
        { timeoutMs: 30_000, intervalMs: 500 },
      );
      expect({ [name]: got }).toEqual({ [name]: want });
    }
    // Each part says where it came from: the sealed hour (with its late event, which the lake
    // also holds once archived: kept once, the lake's copy) and the speed view.
    await waitFor(s.inLake, (n) => n === sent.length, { timeoutMs: 120_000, intervalMs: 500 });
    const across = await sql('SELECT layer, count(*) FROM events GROUP BY layer ORDER BY layer', from, to);
    expect(across.watermark).toBe(iso(hourNow));
    expect(across.parts.map((p) => p.source)).toEqual(['late', 'speed']);
    expect(Object.fromEntries(across.rows as [string, number][])).toEqual({
      lake: sent.filter((e) => e.at < hourNow).length,
      speed: sent.filter((e) => e.at >= hourNow).length,
    });
    // A saved insight reads as a table of its answer over the range, beside the events it counts.
    const defined = await fetch(`${s.urls.api}/v1/insights`, {
      method: 'POST',
      headers: { authorization: `Bearer ${analyst}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'euro-orders', events: ['purchase'], measure: { kind: 'count' } }),
    });
    expect(defined.status, await defined.clone().text()).toBe(201);
    const orders = await sql(
      `SELECT (SELECT sum(value) FROM "insight_euro-orders")::INTEGER, (SELECT count(*) FROM events WHERE event = 'purchase')::INTEGER`,
      from,
      to,
    );
    const purchases = sent.filter((e) => e.event === 'purchase').length;
    expect(orders.rows).toEqual([[purchases, purchases]]);
    // The history keeps each statement the analyst ran.
    const history = await fetch(`${s.urls.api}/v1/sql/history?limit=1`, {
      headers: { authorization: `Bearer ${analyst}` },
    });
    expect(
      ((await history.json()) as { history: { statement: string; rows: number }[] }).history[0],
    ).toMatchObject({
      statement: expect.stringContaining('FROM "insight_euro-orders"') as unknown,
      rows: 1,
    });
  }, 300_000);
});
