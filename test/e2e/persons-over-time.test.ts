import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../core/auth/jwt';
import { HOUR, iso, startLateStack } from '../helpers/late-stack';
import { connectSdk } from '../helpers/segment-sdk';
import { requireServices } from '../helpers/test-config';
import { waitFor } from '../helpers/wait-for';

const MINUTE = 60_000;
const DAY = 24 * HOUR;
const TIMEOUT = 30 * MINUTE;
const WINDOW = 2 * DAY;

/** One call as the test sends it: who (a user id, else an anonymous id), what, when. */
interface Sent {
  user?: string;
  anon?: string;
  kind: 'page' | 'product_view' | 'purchase' | 'identify' | 'alias';
  at: number;
  previousId?: string;
}

const actorOf = (e: Sent) => e.user ?? `anon:${e.anon}`;

/**
 * The test's own truth, from the sent calls and who the test says is whom (not from the
 * product's identity graph): active persons in total and per UTC day, the browse-to-purchase
 * funnel, day-1 retention, and sessions (30 minutes of inactivity, identify and alias calls not
 * activity) with their duration and bounces.
 */
function truth(sent: Sent[], personOf: (actor: string) => string, from: number, to: number) {
  const mine = sent.filter((e) => e.at >= from && e.at < to);
  const days = new Map<number, Set<string>>();
  for (const e of mine) {
    const d = Math.floor(e.at / DAY) * DAY;
    days.set(d, (days.get(d) ?? new Set()).add(personOf(actorOf(e))));
  }
  const persons = new Set(mine.map((e) => personOf(actorOf(e))));
  // Funnel: a product view, then a purchase within the window.
  const byPerson = new Map<string, Sent[]>();
  for (const e of [...mine].sort((a, b) => a.at - b.at)) {
    const p = personOf(actorOf(e));
    byPerson.set(p, [...(byPerson.get(p) ?? []), e]);
  }
  let viewed = 0;
  let bought = 0;
  for (const list of byPerson.values()) {
    const views = list.filter((e) => e.kind === 'product_view');
    if (views.length === 0) continue;
    viewed++;
    if (views.some((v) => list.some((e) => e.kind === 'purchase' && e.at > v.at && e.at - v.at <= WINDOW)))
      bought++;
  }
  // Retention: each person's first active day, and whether they came back the next day.
  const cohorts = new Map<number, { size: number; next: number }>();
  for (const list of byPerson.values()) {
    const active = new Set(list.map((e) => Math.floor(e.at / DAY) * DAY));
    const first = Math.min(...active);
    const c = cohorts.get(first) ?? { size: 0, next: 0 };
    c.size++;
    if (active.has(first + DAY)) c.next++;
    cohorts.set(first, c);
  }
  // Sessions, counted where they start.
  const sessions: { start: number; end: number; events: number }[] = [];
  for (const list of byPerson.values()) {
    let cur: { start: number; end: number; events: number } | undefined;
    for (const e of list.filter((x) => x.kind !== 'identify' && x.kind !== 'alias')) {
      if (!cur || e.at - cur.end > TIMEOUT) sessions.push((cur = { start: e.at, end: e.at, events: 0 }));
      cur.end = e.at;
      cur.events++;
    }
  }
  const bounces = sessions.filter((x) => x.events === 1).length;
  return {
    active: persons.size,
    perDay: [...days].sort(([a], [b]) => a - b).map(([d, set]) => ({ start: iso(d), value: set.size })),
    funnel: [viewed, bought],
    retention: [...cohorts]
      .sort(([a], [b]) => a - b)
      .map(([d, c]) => ({ cohort: iso(d), size: c.size, next: c.next })),
    sessions: sessions.length,
    bounces,
    averageDurationSeconds: sessions.reduce((n, x) => n + (x.end - x.start) / 1000, 0) / sessions.length,
  };
}

/**
 * Persons at three moments, through the Segment SDK, Kafka, the speed view, the lake and the
 * hourly seal: people browse anonymously on two devices and sign in on both, an old id is aliased,
 * another signed-in person uses the same laptop (never joined), and two people's sign-ins arrive
 * after their hours were sealed (one sent now, one sent now but dated inside the sealed hour).
 * Active persons, the funnel, day-1 retention and sessions equal the test's truth before the
 * seal, after it, at once after the late sign-ins and again after late-data repair.
 */
describe('persons over time', () => {
  let s: Awaited<ReturnType<typeof startLateStack>>;
  const project = `ptime${Date.now().toString(36)}`;
  beforeAll(async () => {
    await requireServices();
    s = await startLateStack(project);
  }, 120_000);
  afterAll(async () => s?.stop());

  it('counts persons right before the seal, after it, after late merges and after repair', async () => {
    const now = Date.now();
    const sealed = Math.floor(now / HOUR) * HOUR - HOUR;
    const day0 = sealed - DAY;
    const d = (m: number) => day0 + m * MINUTE;
    const t = (m: number) => sealed + m * MINUTE;
    const first: Sent[] = [
      // Ana: an old anonymous visit, her phone yesterday (signing in), her laptop today (signing
      // in), the old id aliased, a purchase.
      { anon: 'a-old', kind: 'page', at: d(0) },
      { anon: 'a-phone', kind: 'page', at: d(10) },
      { anon: 'a-phone', kind: 'product_view', at: d(12) },
      { user: 'ana', anon: 'a-phone', kind: 'identify', at: d(13) },
      { anon: 'a-laptop', kind: 'page', at: t(2) },
      { anon: 'a-laptop', kind: 'product_view', at: t(3) },
      { user: 'ana', anon: 'a-laptop', kind: 'identify', at: t(4) },
      { user: 'ana', kind: 'alias', previousId: 'a-old', at: t(5) },
      { user: 'ana', kind: 'purchase', at: t(6) },
      // Bob browses, signs in, then signs in on Ana's laptop: the laptop stays Ana's.
      { anon: 'b-1', kind: 'page', at: t(20) },
      { anon: 'b-1', kind: 'product_view', at: t(21) },
      { user: 'bob', anon: 'b-1', kind: 'identify', at: t(22) },
      { user: 'bob', anon: 'a-laptop', kind: 'identify', at: t(25) },
      { user: 'bob', kind: 'page', at: t(26) },
      // Cleo browses anonymously yesterday and buys signed in today; her sign-in comes late.
      { anon: 'c-1', kind: 'page', at: d(30) },
      { anon: 'c-1', kind: 'product_view', at: d(31) },
      { user: 'cleo', kind: 'page', at: t(40) },
      { user: 'cleo', kind: 'purchase', at: t(41) },
      // Dan views a product anonymously and buys signed in five minutes later; his sign-in, dated
      // between the two, comes late.
      { anon: 'd-1', kind: 'product_view', at: t(45) },
      { user: 'dan', kind: 'purchase', at: t(50) },
      // Eve, anonymous, yesterday and today.
      { anon: 'e-1', kind: 'page', at: d(40) },
      { anon: 'e-1', kind: 'page', at: t(30) },
    ];
    const late: Sent[] = [
      { user: 'cleo', anon: 'c-1', kind: 'identify', at: now },
      { user: 'dan', anon: 'd-1', kind: 'identify', at: t(46) },
    ];
    const { analytics: a, failures } = await connectSdk(s.config, s.urls.ingest as string, project);
    const send = async (list: Sent[]) => {
      for (const e of list) {
        const who = { ...(e.user ? { userId: e.user } : {}), ...(e.anon ? { anonymousId: e.anon } : {}) };
        const timestamp = new Date(e.at);
        if (e.kind === 'page') a.page({ ...(who as { userId: string }), name: 'p', timestamp });
        else if (e.kind === 'identify') a.identify({ ...(who as { userId: string }), timestamp });
        else if (e.kind === 'alias') a.alias({ userId: e.user!, previousId: e.previousId!, timestamp });
        else
          a.track({
            ...(who as { userId: string }),
            event: e.kind,
            // What the event schemas ask of each (core/schemas): a product, an order.
            properties:
              e.kind === 'product_view'
                ? { product_id: 'p1' }
                : { order_id: `o-${e.at}`, total_amount: 10, currency: 'EUR' },
            timestamp,
          });
      }
      await a.flush();
      expect(failures).toEqual([]);
    };

    const token = await mintToken(s.config.auth.jwtSecret, { project, scopes: ['read'] });
    const ask = async <T>(path: string) => {
      const res = await fetch(`${s.urls.api}${path}`, { headers: { authorization: `Bearer ${token}` } });
      return { status: res.status, body: (await res.json()) as T };
    };
    const from = Math.floor(day0 / HOUR) * HOUR;
    const to = Math.ceil((now + 2 * MINUTE) / MINUTE) * MINUTE;
    const range = `from=${iso(from)}&to=${iso(to)}`;
    /** Every figure as the API answers it now. */
    const answers = async () => {
      const active = await ask<{
        value: number;
        counting: string;
        buckets: { start: string; value: number }[];
      }>(`/v1/metrics/active_users?${range}&granularity=day`);
      const funnel = await ask<{ steps: { users: number }[]; counting: string }>(
        `/v1/funnels?${range}&steps=product_view,purchase&windowSeconds=${WINDOW / 1000}`,
      );
      const retention = await ask<{ cohorts: { cohort: string; size: number; retained: number[] }[] }>(
        `/v1/retention?${range}&period=day`,
      );
      const sessions = await ask<{
        sessions: number;
        bounces: number;
        averageDurationSeconds: number;
        parts: { source: string }[];
      }>(`/v1/sessions?${range}&granularity=hour`);
      for (const r of [active, funnel, retention, sessions]) expect(r.status).toBe(200);
      expect(active.body.counting).toBe('persons');
      expect(funnel.body.counting).toBe('persons');
      return {
        active: active.body.value,
        perDay: active.body.buckets.map((b) => ({ start: b.start, value: b.value })),
        funnel: funnel.body.steps.map((x) => x.users),
        retention: retention.body.cohorts.map((c) => ({
          cohort: c.cohort,
          size: c.size,
          next: c.retained[1] ?? 0,
        })),
        sessions: sessions.body.sessions,
        bounces: sessions.body.bounces,
        averageDurationSeconds: sessions.body.averageDurationSeconds,
        sources: sessions.body.parts.map((p) => p.source),
      };
    };
    // Stored times differ from sent ones by the milliseconds of clock-skew correction.
    const expectTruth = (got: Awaited<ReturnType<typeof answers>>, want: ReturnType<typeof truth>) => {
      const { averageDurationSeconds: wantAvg, ...wanted } = want;
      const { active, perDay, funnel, retention, sessions, bounces } = got;
      expect({ active, perDay, funnel, retention, sessions, bounces }).toEqual(wanted);
      expect(got.averageDurationSeconds).toBeCloseTo(wantAvg, 1);
    };

    const ana = ['ana', 'anon:a-old', 'a-old', 'anon:a-phone', 'anon:a-laptop'];
    const before = (actor: string) => (ana.includes(actor) ? 'ana' : actor === 'anon:b-1' ? 'bob' : actor);
    const after = (actor: string) =>
      actor === 'anon:c-1' ? 'cleo' : actor === 'anon:d-1' ? 'dan' : before(actor);

    // 1. Before any hour is sealed: the speed view answers everything.
    await send(first);
    expect(await waitFor(s.inLake, (n) => n === first.length, { timeoutMs: 120_000, intervalMs: 500 })).toBe(
      first.length,
    );
    const want1 = truth(first, before, from, to);
    // The persons and their merges as the test means them: 7 persons, Ana's ids one, Bob apart.
    expect(want1.active).toBe(7);
    const moment1 = await waitFor(
      answers,
      (x) => x.sessions === want1.sessions && x.active === want1.active,
      {
        timeoutMs: 60_000,
        intervalMs: 500,
      },
    );
    expect(moment1.sources).toEqual(['speed']);
    expectTruth(moment1, want1);

    // 2. After the seal: the lake up to the watermark, the speed view after it.
    await s.seal(sealed);
    const moment2 = await answers();
    expect(moment2.sources).toEqual(['batch', 'speed']);
    expectTruth(moment2, want1);

    // 3. The late sign-ins arrive. As soon as the API knows them (Dan's profile holds his
    // anonymous id), every figure counts the joined persons: no wait for a repair.
    await send(late);
    await waitFor(
      () => ask<{ ids?: { anonymousIds: string[] } }>('/v1/persons/dan'),
      (r) => r.status === 200 && (r.body.ids?.anonymousIds ?? []).includes('d-1'),
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    await waitFor(
      () => ask<{ ids?: { anonymousIds: string[] } }>('/v1/persons/cleo'),
      (r) => r.status === 200 && (r.body.ids?.anonymousIds ?? []).includes('c-1'),
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    const want3 = truth([...first, ...late], after, from, to);
    expect(want3.active).toBe(5);
    expect(want3.funnel).toEqual([4, 3]);
    expectTruth(await answers(), want3);

    // 4. Late-data repair seals Dan's hour again with his sign-in: the same figures.
    const pending = async () =>
      (await ask<{ pendingRepair?: unknown[] }>(`/v1/metrics/events?${range}`)).body.pendingRepair;
    await waitFor(pending, (p) => p !== undefined, { timeoutMs: 60_000, intervalMs: 250 });
    await s.startRepairSchedule();
    await waitFor(pending, (p) => p === undefined, { timeoutMs: 120_000, intervalMs: 500 });
    const moment4 = await answers();
    expect(moment4.sources).toEqual(['batch', 'speed']);
    expectTruth(moment4, want3);
  }, 420_000);
});
