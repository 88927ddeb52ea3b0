import { assign } from '../core/experiments/assignment';
import type { ExperimentDefinition } from '../core/experiments/definition';
import type { SegmentDefinition } from '../core/segments/definition';
import { DEMO_PROJECT } from './local-credentials';

/**
 * The demo project's world: who its users are and what they do, as Segment calls. The seeded
 * history and the live traffic come from the same sessions, so the last two weeks and the minute
 * now look alike: daily and weekly rhythm, a content catalogue watched to the end or not, a shop
 * whose funnel narrows at each step, people who come back, several countries and devices, and a
 * running experiment whose treatment really converts better.
 */

/** A seeded generator (mulberry32): the same history on every machine for the same start. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PAGES = ['/', '/pricing', '/docs', '/blog/lambda-architecture', '/blog/kafka-exactly-once', '/signup'];
export const CONTENT = [
  { content_id: 'intro-video', title: 'Introduction', duration_seconds: 180 },
  { content_id: 'product-tour', title: 'Product tour', duration_seconds: 420 },
  { content_id: 'webinar-42', title: 'Webinar: real-time dashboards', duration_seconds: 2400 },
  { content_id: 'case-study', title: 'Case study: a media company', duration_seconds: 900 },
  { content_id: 'deep-dive', title: 'Deep dive: the batch layer', duration_seconds: 1500 },
];
const PRODUCTS = [
  { product_id: 'sku-1', name: 'Data Engineering Book', category: 'books', price: 39 },
  { product_id: 'sku-2', name: 'Streaming Course', category: 'courses', price: 149 },
  { product_id: 'sku-3', name: 'Team Plan (month)', category: 'subscriptions', price: 99 },
  { product_id: 'sku-4', name: 'Sticker Pack', category: 'merch', price: 9.5 },
  { product_id: 'sku-5', name: 'Hoodie', category: 'merch', price: 49 },
];
const DEVICES = [
  {
    device: 'desktop',
    weight: 0.5,
    userAgent:
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  },
  {
    device: 'desktop',
    weight: 0.15,
    userAgent:
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  },
  {
    device: 'mobile',
    weight: 0.25,
    userAgent:
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  },
  {
    device: 'mobile',
    weight: 0.1,
    userAgent:
      'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36',
  },
];
/** Each with an address the bundled DB-IP database places there (the collector stores the place, not the address). */
const COUNTRIES = [
  { country: 'US', locale: 'en-US', timezone: 'America/New_York', ip: '8.8.8.8', weight: 0.35 },
  { country: 'DE', locale: 'de-DE', timezone: 'Europe/Berlin', ip: '85.214.132.117', weight: 0.15 },
  { country: 'FR', locale: 'fr-FR', timezone: 'Europe/Paris', ip: '193.51.224.1', weight: 0.12 },
  { country: 'GB', locale: 'en-GB', timezone: 'Europe/London', ip: '81.2.69.142', weight: 0.12 },
  { country: 'BR', locale: 'pt-BR', timezone: 'America/Sao_Paulo', ip: '200.160.2.3', weight: 0.14 },
  { country: 'JP', locale: 'ja-JP', timezone: 'Asia/Tokyo', ip: '133.242.0.3', weight: 0.12 },
];
/** Where visits come from: a campaign on the landing address, a referring site, or neither (direct). */
const ARRIVALS = [
  { utm: 'utm_source=google&utm_medium=cpc&utm_campaign=winter-sale', referrer: 'https://www.google.com/' },
  { utm: 'utm_source=newsletter&utm_medium=email&utm_campaign=weekly', referrer: undefined },
  { utm: undefined, referrer: 'https://news.ycombinator.com/' },
  { utm: undefined, referrer: 'https://www.google.com/' },
  { utm: undefined, referrer: undefined },
  { utm: undefined, referrer: undefined },
];
/** Share of a day's visits in each hour (UTC): quiet at night, a peak in the evening. */
const HOUR_WEIGHTS = [
  1, 0.7, 0.5, 0.4, 0.4, 0.5, 0.9, 1.5, 2.2, 2.6, 2.8, 3, 3.1, 3, 2.9, 3, 3.3, 3.8, 4.4, 4.8, 4.6, 3.8, 2.6,
  1.6,
];
/** Visits by weekday (Sunday first): a working week, with a Sunday evening for watching. */
const WEEKDAY_FACTOR = [0.85, 1.05, 1.1, 1.1, 1.05, 0.95, 0.75];

export const DEMO_EXPERIMENT_ID = 'checkout-button';
export const DEMO_SEGMENT_ID = 'premium-buyers';
/** Purchase rate after a started checkout, per variation: the treatment's real effect. */
const CHECKOUT_CONVERSION = { control: 0.5, treatment: 0.64 } as const;

export function demoExperiment(start: Date): ExperimentDefinition {
  return {
    id: DEMO_EXPERIMENT_ID,
    name: 'One-click checkout button',
    variations: [
      { id: 'control', name: 'Two-step checkout', weight: 0.5 },
      { id: 'treatment', name: 'One-click button', weight: 0.5 },
    ],
    coverage: 1,
    start: start.toISOString(),
    goals: [{ kind: 'conversion', event: 'purchase' }],
    guardrails: [{ kind: 'mean', metric: 'refunds' }],
    conversionWindowHours: 72,
  };
}

export const DEMO_SEGMENT: SegmentDefinition = {
  id: DEMO_SEGMENT_ID,
  name: 'Premium users who bought in the last 14 days',
  condition: {
    and: [
      { trait: 'plan', op: 'equals', value: 'premium' },
      { event: 'purchase', atLeast: 1, inLastDays: 14 },
    ],
  },
};

/** The demo's dashboard: the figures a product team opens every morning. */
export const DEMO_DASHBOARD = {
  name: 'Product health',
  tiles: [
    {
      title: 'Active users, last 7 days',
      metric: 'active_users',
      range: { preset: 'last_7d' },
      granularity: 'day',
      chart: 'bar',
    },
    {
      title: 'Revenue, last 30 days',
      metric: 'revenue',
      range: { preset: 'last_30d' },
      granularity: 'day',
      chart: 'line',
    },
    {
      title: 'Page views by path, last 7 days',
      metric: 'page_views',
      range: { preset: 'last_7d' },
      granularity: 'day',
      groupBy: 'path',
      chart: 'line',
    },
    {
      title: 'Plays today',
      metric: 'content_plays',
      range: { preset: 'today' },
      granularity: 'hour',
      chart: 'number',
    },
    {
      title: 'Watch seconds by content, last 7 days',
      metric: 'content_watch_seconds',
      range: { preset: 'last_7d' },
      granularity: 'day',
      groupBy: 'content_id',
      chart: 'bar',
    },
    {
      title: 'Orders, last 24 hours',
      metric: 'orders',
      range: { preset: 'last_24h' },
      granularity: 'hour',
      chart: 'line',
    },
  ],
} as const;

export interface DemoUser {
  id: string;
  device: (typeof DEVICES)[number];
  country: (typeof COUNTRIES)[number];
  plan: 'free' | 'premium';
  /** Chance of a visit on an ordinary day. */
  loyalty: number;
  /** The day (ms) the user first comes; before it they do not exist. */
  since: number;
}

const weighted = <T extends { weight: number }>(xs: readonly T[], r: number): T => {
  let left = r * xs.reduce((a, x) => a + x.weight, 0);
  for (const x of xs) if ((left -= x.weight) < 0) return x;
  return xs[xs.length - 1] as T;
};

/** The demo's people: a core that comes back most days, and many who come once or twice. */
export function demoUsers(count: number, historyStart: number, days: number, seed = 42): DemoUser[] {
  const rnd = seededRandom(seed);
  return Array.from({ length: count }, (_, i) => {
    const r = rnd();
    return {
      id: `user-${String(i + 1).padStart(4, '0')}`,
      device: weighted(DEVICES, rnd()),
      country: weighted(COUNTRIES, rnd()),
      plan: rnd() < 0.25 ? 'premium' : 'free',
      loyalty: r < 0.15 ? 0.5 + rnd() * 0.4 : r < 0.5 ? 0.1 + rnd() * 0.2 : 0.02 + rnd() * 0.06,
      // Two thirds were there before the history starts; the rest arrive during it.
      since: rnd() < 0.67 ? historyStart - 86_400_000 : historyStart + Math.floor(rnd() * days) * 86_400_000,
    };
  });
}

type Call = Record<string, unknown>;

/**
 * One visit of a user starting at `at`: Segment calls in time order, a few seconds to minutes
 * apart. `first`: the user's first visit, which identifies them with their traits.
 */
export function demoSession(
  user: DemoUser,
  at: number,
  rnd: () => number,
  opts: { first: boolean; experimentStart: number; ids: () => string },
): Call[] {
  const calls: Call[] = [];
  let t = at;
  const context = {
    library: { name: 'demo', version: '1.0.0' },
    userAgent: user.device.userAgent,
    locale: user.country.locale,
    timezone: user.country.timezone,
    ip: user.country.ip,
  };
  // How this visit arrived, from the user and the minute (not from rnd: the rest of the demo keeps
  // the same numbers).
  const arrival = ARRIVALS[(Number(user.id.replace(/\D/g, '')) + Math.floor(at / 60_000)) % ARRIVALS.length]!;
  const push = (call: Call) => {
    calls.push({
      messageId: opts.ids(),
      userId: user.id,
      timestamp: new Date(t).toISOString(),
      context,
      ...call,
    });
    t += 5_000 + Math.floor(rnd() * 55_000);
  };
  if (opts.first)
    push({
      type: 'identify',
      traits: { plan: user.plan, country: user.country.country, device: user.device.device },
    });
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  for (let i = 0, n = 1 + Math.floor(rnd() * 4); i < n; i++) {
    const path = i === 0 ? '/' : pick(PAGES);
    const landing = i === 0;
    push({
      type: 'page',
      name: 'page',
      properties: { path },
      ...(landing
        ? {
            context: {
              ...context,
              page: {
                path,
                url: `https://demo.example${path}${arrival.utm ? `?${arrival.utm}` : ''}`,
                ...(arrival.referrer ? { referrer: arrival.referrer } : {}),
              },
            },
          }
        : {}),
    });
  }
  const weekend = [0, 6].includes(new Date(at).getUTCDay());
  if (rnd() < (weekend ? 0.65 : 0.5)) {
    const c = pick(CONTENT);
    push({
      type: 'track',
      event: 'video_play',
      properties: { content_id: c.content_id, duration_seconds: c.duration_seconds },
    });
    if (rnd() < 0.03)
      push({
        type: 'track',
        event: 'video_error',
        properties: { content_id: c.content_id, code: 'NETWORK' },
      });
    else {
      // Short videos are mostly finished; long ones often left halfway.
      const share = Math.min(1, (rnd() + rnd()) * (c.duration_seconds < 600 ? 0.75 : 0.6));
      let watched = 0;
      const target = Math.floor(share * c.duration_seconds);
      while (watched < target) {
        const step = Math.min(60, target - watched);
        watched += step;
        t += step * 1000 - 5_000;
        push({
          type: 'track',
          event: 'video_progress',
          properties: { content_id: c.content_id, watch_time_seconds: step, position_seconds: watched },
        });
      }
      if (share >= 0.95)
        push({ type: 'track', event: 'video_complete', properties: { content_id: c.content_id } });
    }
  }
  if (rnd() < (weekend ? 0.3 : 0.4)) {
    const p = pick(PRODUCTS);
    push({ type: 'track', event: 'product_view', properties: { ...p } });
    if (rnd() < 0.4) push({ type: 'track', event: 'product_view', properties: { ...pick(PRODUCTS) } });
    if (rnd() < 0.45) {
      const quantity = 1 + Math.floor(rnd() * (p.category === 'merch' ? 3 : 1));
      push({ type: 'track', event: 'add_to_cart', properties: { ...p, quantity } });
      if (rnd() < 0.6) {
        let variation: 'control' | 'treatment' = 'control';
        if (t >= opts.experimentStart) {
          const a = assign(DEMO_EXPERIMENT_ID, user.id, [0.5, 0.5]);
          variation = a.index === 1 ? 'treatment' : 'control';
          push({
            type: 'track',
            event: 'Experiment Viewed',
            properties: { experiment_id: DEMO_EXPERIMENT_ID, variation_id: variation },
          });
        }
        push({
          type: 'track',
          event: 'checkout_started',
          properties: { value: p.price * quantity, currency: 'USD' },
        });
        if (rnd() < CHECKOUT_CONVERSION[variation] + (user.plan === 'premium' ? 0.1 : 0)) {
          const total = Math.round(p.price * quantity * 100) / 100;
          const orderId = opts.ids();
          push({
            type: 'track',
            event: 'purchase',
            properties: {
              order_id: orderId,
              currency: 'USD',
              total_amount: total,
              products: [{ ...p, quantity }],
            },
          });
          if (rnd() < 0.04)
            push({
              type: 'track',
              event: 'refund',
              properties: { order_id: orderId, currency: 'USD', total_amount: total },
            });
        }
      }
    }
  }
  return calls;
}

/** Visits a day of the demo's users make on average (their loyalty summed), at the weekday's factor 1. */
export function visitsPerDay(users: readonly DemoUser[]): number {
  return users.reduce((a, u) => a + Math.min(0.95, u.loyalty) * 1.25, 0);
}

/** How much of a day's visits fall in the hour of `at` (the daily rhythm and the weekday's factor). */
export function hourShare(at: number): number {
  const d = new Date(at);
  const total = HOUR_WEIGHTS.reduce((a, w) => a + w, 0);
  return ((HOUR_WEIGHTS[d.getUTCHours()] ?? 1) / total) * (WEEKDAY_FACTOR[d.getUTCDay()] ?? 1);
}

export const DEMO_USERS = 10_000;

/**
 * Every call from `from` until `until`, a day's calls at a time: each user visits on a day with
 * their loyalty times the weekday's factor, once or twice, at hours weighted by the daily rhythm.
 * Days are UTC days, so the rhythm falls on the same hours whatever `from` is.
 */
export function* demoHistory(
  from: number,
  until: number,
  opts: { users?: number; seed?: number; experimentStart: number; ids: () => string },
): Generator<Call[]> {
  const DAY = 86_400_000;
  const firstDay = Math.floor(from / DAY) * DAY;
  const users = demoUsers(opts.users ?? DEMO_USERS, from, Math.ceil((until - from) / DAY), opts.seed);
  const rnd = seededRandom((opts.seed ?? 42) + 1);
  const seen = new Set<string>();
  const hourTotal = HOUR_WEIGHTS.reduce((a, w) => a + w, 0);
  for (let day = firstDay; day < until; day += DAY) {
    const calls: Call[] = [];
    const factor = WEEKDAY_FACTOR[new Date(day).getUTCDay()] ?? 1;
    for (const u of users) {
      if (u.since > day || rnd() >= Math.min(0.95, u.loyalty * factor)) continue;
      for (let v = 0, n = rnd() < 0.25 ? 2 : 1; v < n; v++) {
        let h = 0;
        for (let left = rnd() * hourTotal; h < 23 && (left -= HOUR_WEIGHTS[h] ?? 0) >= 0;) h++;
        const at = day + h * 3_600_000 + Math.floor(rnd() * 3_300_000);
        if (at < from || at >= until) continue;
        const session = demoSession(u, at, rnd, {
          first: !seen.has(u.id),
          experimentStart: opts.experimentStart,
          ids: opts.ids,
        });
        seen.add(u.id);
        // A visit running past `until` keeps only what happened before: the rest is live traffic's.
        calls.push(...session.filter((c) => Date.parse(c.timestamp as string) < until));
      }
    }
    yield calls;
  }
}

export { DEMO_PROJECT };
