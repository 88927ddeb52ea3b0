import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../core/auth/jwt';
import { HOUR, iso, startLateStack } from '../helpers/late-stack';
import { connectSdk } from '../helpers/segment-sdk';
import { requireServices } from '../helpers/test-config';
import { waitFor } from '../helpers/wait-for';

const MINUTE = 60_000;
const TIMEOUT = 30 * MINUTE;
const PHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';
const DESKTOP =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

interface Sent {
  user: string;
  at: number;
  kind: 'page' | 'track' | 'identify';
  path?: string;
  device: string;
}

interface Figures {
  sessions: number;
  bounces: number;
  bounceRate: number | null;
  averageDurationSeconds: number | null;
  medianDurationSeconds: number | null;
  pagesPerSession: number | null;
}

interface Body extends Figures {
  buckets: ({ start: string; dim?: string } & Figures)[];
  entryPages: { page: string; sessions: number }[];
  exitPages: { page: string; sessions: number }[];
  parts: { source: string }[];
  message?: string;
}

/** The test's own reading of the definition: events (not identify calls) cut at gaps over 30 minutes. */
function truth(sent: Sent[], from: number, to: number) {
  const byUser = new Map<string, Sent[]>();
  for (const e of sent.filter((x) => x.kind !== 'identify'))
    byUser.set(e.user, [...(byUser.get(e.user) ?? []), e]);
  const sessions: { start: number; end: number; events: Sent[] }[] = [];
  for (const list of byUser.values()) {
    list.sort((a, b) => a.at - b.at);
    let cur: { start: number; end: number; events: Sent[] } | undefined;
    for (const e of list) {
      if (!cur || e.at - cur.end > TIMEOUT) {
        cur = { start: e.at, end: e.at, events: [] };
        if (e.at >= from && e.at < to) sessions.push(cur);
      }
      cur.end = e.at;
      cur.events.push(e);
    }
  }
  return sessions;
}

function figures(sessions: ReturnType<typeof truth>): Figures {
  const n = sessions.length;
  const d = sessions.map((s) => (s.end - s.start) / 1000).sort((a, b) => a - b);
  const bounces = sessions.filter((s) => s.events.length === 1).length;
  return {
    sessions: n,
    bounces,
    bounceRate: n ? bounces / n : null,
    averageDurationSeconds: n ? d.reduce((a, b) => a + b, 0) / n : null,
    medianDurationSeconds: n ? (n % 2 ? d[(n - 1) / 2]! : (d[n / 2 - 1]! + d[n / 2]!) / 2) : null,
    pagesPerSession: n
      ? sessions.reduce((a, s) => a + s.events.filter((e) => e.kind === 'page').length, 0) / n
      : null,
  };
}

/** Stored times differ from sent ones by the milliseconds of clock-skew correction: durations to 0.1 s. */
function expectFigures(got: Figures, want: Figures) {
  const counts = (f: Figures) => ({
    sessions: f.sessions,
    bounces: f.bounces,
    bounceRate: f.bounceRate,
    pagesPerSession: f.pagesPerSession,
  });
  expect(counts(got)).toEqual(counts(want));
  expect(got.averageDurationSeconds ?? -1).toBeCloseTo(want.averageDurationSeconds ?? -1, 1);
  expect(got.medianDurationSeconds ?? -1).toBeCloseTo(want.medianDurationSeconds ?? -1, 1);
}

/**
 * Sessions through the whole platform: visits sent by the Segment SDK that cross an hour boundary
 * and the batch watermark, that were under way before the range, that split at a gap, single-event
 * bounces and identify calls that do not extend a visit. Every figure per hour and over the range
 * equals the truth computed here, each session once, in the hour it started.
 */
describe('sessions', () => {
  let s: Awaited<ReturnType<typeof startLateStack>>;
  const project = `sess${Date.now().toString(36)}`;
  beforeAll(async () => {
    await requireServices();
    s = await startLateStack(project);
  }, 120_000);
  afterAll(async () => s?.stop());

  it('counts each visit once, in the hour it started, across hours and the watermark', async () => {
    // Some of this hour must have passed: the visits crossing the watermark end in it.
    if (Date.now() % HOUR < MINUTE) await sleep(MINUTE - (Date.now() % HOUR));
    const now = Date.now();
    const hourNow = Math.floor(now / HOUR) * HOUR;
    const sealed = hourNow - HOUR;
    // A moment this many minutes into the current hour, or just before now if that comes first.
    const soon = (m: number) => Math.min(hourNow + m * MINUTE, now - 5_000);
    const sent: Sent[] = [];
    const visit = (user: string, device: string, steps: [number, Sent['kind'], string?][]) => {
      for (const [at, kind, path] of steps) sent.push({ user, at, kind, device, ...(path ? { path } : {}) });
    };
    for (let i = 0; i < 4; i++) {
      const d = i % 2 ? DESKTOP : PHONE;
      const t = i * 1000;
      // Crosses the watermark: starts in the sealed hour, goes on in this one.
      visit(`w-${i}`, d, [
        [hourNow - 10 * MINUTE + t, 'page', '/home'],
        [hourNow - 2 * MINUTE + t, 'track'],
        [soon(2) + t, 'page', '/cart'],
      ]);
      // Crosses an hour boundary before the watermark.
      visit(`h-${i}`, d, [
        [sealed - 8 * MINUTE + t, 'page', '/blog'],
        [sealed + 12 * MINUTE + t, 'page', '/pricing'],
      ]);
      // Splits at a 35-minute gap into two visits in the sealed hour.
      visit(`g-${i}`, d, [
        [sealed + 2 * MINUTE + t, 'page', '/home'],
        [sealed + 5 * MINUTE + t, 'page', '/docs'],
        [sealed + 40 * MINUTE + t, 'page', '/home'],
      ]);
      // A bounce; and an identify call between two pages that does not hold the visit open.
      visit(`b-${i}`, d, [[sealed + 20 * MINUTE + t, 'page', '/landing']]);
      visit(`i-${i}`, d, [
        [sealed - 50 * MINUTE + t, 'page', '/home'],
        [sealed - 25 * MINUTE + t, 'identify'],
        [sealed - 5 * MINUTE + t, 'page', '/signup'],
      ]);
    }
    const { analytics, failures } = await connectSdk(s.config, s.urls.ingest as string, project);
    for (const e of sent) {
      const common = { userId: e.user, timestamp: new Date(e.at), context: { userAgent: e.device } };
      if (e.kind === 'page') analytics.page({ ...common, name: 'page', properties: { path: e.path } });
      else if (e.kind === 'track')
        analytics.track({ ...common, event: 'add_to_cart', properties: { product_id: 'p', quantity: 1 } });
      else analytics.identify({ ...common, traits: { plan: 'pro' } });
    }
    await analytics.closeAndFlush({ timeout: 60_000 });
    expect(failures).toEqual([]);
    // Every call valid (add_to_cart's schema asks for a quantity), so the lake holds them all.
    expect(await waitFor(s.inLake, (n) => n === sent.length, { timeoutMs: 120_000, intervalMs: 500 })).toBe(
      sent.length,
    );
    await s.seal(sealed);

    const token = await mintToken(s.config.auth.jwtSecret, { project, scopes: ['read'] });
    const get = async (path: string) => {
      const res = await fetch(`${s.urls.api}${path}`, { headers: { authorization: `Bearer ${token}` } });
      return { status: res.status, body: (await res.json()) as Body };
    };
    const to = Math.ceil((now + MINUTE) / MINUTE) * MINUTE;
    const check = async (from: number, params = '') => {
      const want = truth(sent, from, to);
      const r = await waitFor(
        () => get(`/v1/sessions?from=${iso(from)}&to=${iso(to)}&granularity=hour${params}`),
        (r) =>
          r.status === 200 &&
          r.body.sessions === want.length &&
          r.body.pagesPerSession === figures(want).pagesPerSession,
        { timeoutMs: 60_000, intervalMs: 500 },
      );
      expect(r.status).toBe(200);
      expectFigures(r.body, figures(want));
      const hours = [...new Set(want.map((x) => Math.floor(x.start / HOUR) * HOUR))].sort((a, b) => a - b);
      expect(r.body.buckets.map((b) => b.start)).toEqual(hours.map(iso));
      for (const [k, h] of hours.entries())
        expectFigures(
          r.body.buckets[k]!,
          figures(want.filter((x) => Math.floor(x.start / HOUR) * HOUR === h)),
        );
      return { body: r.body, want };
    };

    // From two hours before the sealed one: every visit, the lake and the speed view both reading.
    const all = await check(sealed - 2 * HOUR);
    expect(all.body.parts.map((p) => p.source)).toEqual(['batch', 'speed']);
    expect(all.want.length).toBe(4 * 7);
    const entry = new Map<string, number>();
    for (const v of all.want) {
      const first = v.events.find((e) => e.kind === 'page')?.path;
      if (first) entry.set(first, (entry.get(first) ?? 0) + 1);
    }
    expect(Object.fromEntries(all.body.entryPages.map((p) => [p.page, p.sessions]))).toEqual(
      Object.fromEntries(entry),
    );
    expect(all.body.exitPages.find((p) => p.page === '/cart')?.sessions).toBe(4);

    // From the sealed hour on: the visits under way at its start (h-*, i-*) are not new ones.
    const fromSealed = await check(sealed);
    expect(fromSealed.want.length).toBe(4 * 4);

    // Split by device, each visit under its first event's.
    const byDevice = await get(
      `/v1/sessions?from=${iso(sealed - 2 * HOUR)}&to=${iso(to)}&granularity=day&groupBy=device_type`,
    );
    expect(byDevice.status).toBe(200);
    const perDevice = new Map<string, number>();
    for (const b of byDevice.body.buckets)
      perDevice.set(b.dim ?? '', (perDevice.get(b.dim ?? '') ?? 0) + b.sessions);
    expect(Object.fromEntries(perDevice)).toEqual({ desktop: 14, mobile: 14 });
    const phones = await get(
      `/v1/sessions?from=${iso(sealed - 2 * HOUR)}&to=${iso(to)}&filter=device_type:mobile`,
    );
    expect(phones.body.sessions).toBe(14);

    // The same figures as catalog metrics (GET /v1/metrics/<name>: dashboards and reports ask these).
    const range = `from=${iso(sealed - 2 * HOUR)}&to=${iso(to)}`;
    const metric = async (name: string, params = '', granularity = 'hour') => {
      const res = await fetch(
        `${s.urls.api}/v1/metrics/${name}?${range}&granularity=${granularity}${params}`,
        {
          headers: { authorization: `Bearer ${token}` },
        },
      );
      expect(res.status, name).toBe(200);
      return (await res.json()) as {
        value: number;
        buckets: { start: string; dim?: string; value: number }[];
        parts: { source: string; value: number }[];
      };
    };
    const want = figures(all.want);
    expect((await metric('sessions')).value).toBe(want.sessions);
    expect((await metric('bounce_rate')).value).toBe(want.bounceRate);
    expect((await metric('pages_per_session')).value).toBe(want.pagesPerSession);
    expect((await metric('session_duration_avg')).value).toBeCloseTo(want.averageDurationSeconds!, 1);
    expect((await metric('session_duration_median')).value).toBeCloseTo(want.medianDurationSeconds!, 1);
    // Per hour, each session where it starts; the parts split at the watermark add up.
    const perHour = await metric('sessions');
    expect(perHour.buckets.map((b) => [b.start, b.value])).toEqual(
      all.body.buckets.map((b) => [b.start, b.sessions]),
    );
    expect(perHour.parts.map((p) => p.source)).toEqual(['batch', 'speed']);
    expect(perHour.parts.reduce((n, p) => n + p.value, 0)).toBe(want.sessions);
    // Entry pages by page, as /v1/sessions lists them; filtered to one page.
    const entries = await metric('entry_pages', '&groupBy=entry_page', 'day');
    const byPage = new Map<string, number>();
    for (const b of entries.buckets) byPage.set(b.dim ?? '', (byPage.get(b.dim ?? '') ?? 0) + b.value);
    expect(Object.fromEntries(byPage)).toEqual(Object.fromEntries(entry));
    expect((await metric('entry_pages', '&filter=entry_page:/landing')).value).toBe(entry.get('/landing'));
    expect((await metric('sessions', '&filter=device_type:mobile')).value).toBe(14);

    // Within a segment: a session counts when its person was in it at the session's start. The
    // i-* users become 'pro' by an identify call between their two visits: only the second counts
    // (a single page each: every one a bounce).
    const admin = await mintToken(s.config.auth.jwtSecret, { project, scopes: ['admin'] });
    const defined = await fetch(`${s.urls.api}/v1/segments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'pro', condition: { trait: 'plan', op: 'equals', value: 'pro' } }),
    });
    expect(defined.status).toBe(201);
    const inPro = all.want.filter(
      (x) => x.events[0]!.user.startsWith('i-') && x.start >= sealed - 10 * MINUTE,
    );
    expect(inPro.length).toBe(4);
    expect((await metric('sessions', '&segment=pro')).value).toBe(inPro.length);
    expect((await metric('bounce_rate', '&segment=pro')).value).toBe(1);
    const perSegment = await metric('sessions', '&segment=pro&breakdown=segment', 'day');
    expect(perSegment.buckets.map((b) => [b.dim, b.value])).toEqual([['pro', 4]]);

    const bad = await get(`/v1/sessions?groupBy=path`);
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/sessions can be grouped by 'device_type'.*not 'path'/);
  }, 300_000);
});
