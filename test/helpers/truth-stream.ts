import { randomUUID } from 'node:crypto';

/**
 * A generated Segment stream for the ground-truth test, and the truth computed from it directly:
 * plain loops over the generated calls, sharing no code with the platform's catalog, speed
 * aggregation or SQL.
 */

export type Call = Record<string, unknown> & {
  type: 'track' | 'page';
  messageId: string;
  timestamp: string;
  properties: Record<string, unknown>;
};

const HOUR = 3_600_000;
const PATHS = ['/', '/pricing', '/docs', '/blog'];
const CONTENT = ['c-news', 'c-movie', 'c-series', 'c-live', 'c-kids'];
const PRODUCTS = [
  { product_id: 'sku-1', category: 'books', price: 12.25 },
  { product_id: 'sku-2', category: 'books', price: 8.5 },
  { product_id: 'sku-3', category: 'games', price: 59.75 },
  { product_id: 'sku-4', category: 'music', price: 1.25 },
];

/** A small seeded generator, so a failing run can be reproduced from its seed. */
export function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `n` calls with event times uniform in [from, to): page views, video plays/progress/completions/
 * errors, product views, carts, checkouts, purchases (several products) and refunds; a quarter of
 * the calls from one hot user, some users anonymous only.
 */
export function generateCalls(n: number, from: number, to: number, rand: () => number): Call[] {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)] as T;
  const calls: Call[] = [];
  const used = new Set<number>();
  for (let i = 0; i < n; i++) {
    const u = rand() < 0.25 ? 'hot-user' : `u${Math.floor(rand() * 150)}`;
    const who = rand() < 0.1 ? { anonymousId: `anon-${u}` } : { userId: u };
    // Distinct times: ties would leave the order of a user's events to the sort.
    let at = from + Math.floor(rand() * (to - from));
    while (used.has(at)) at = from + Math.floor(rand() * (to - from));
    used.add(at);
    const timestamp = new Date(at).toISOString();
    const base = { messageId: randomUUID(), timestamp, ...who };
    const content = pick(CONTENT);
    const product = pick(PRODUCTS);
    const r = rand();
    const track = (event: string, properties: Record<string, unknown>): Call => ({
      type: 'track',
      event,
      properties,
      ...base,
    });
    if (r < 0.2) calls.push({ type: 'page', properties: { path: pick(PATHS) }, ...base });
    else if (r < 0.32) calls.push(track('video_play', { content_id: content, duration_seconds: 600 }));
    else if (r < 0.44)
      calls.push(
        track('video_progress', { content_id: content, watch_time_seconds: 1 + Math.floor(rand() * 120) }),
      );
    else if (r < 0.5) calls.push(track('video_complete', { content_id: content }));
    else if (r < 0.53) calls.push(track('video_error', { content_id: content, error_code: 'E42' }));
    else if (r < 0.68) calls.push(track('product_view', { ...product }));
    else if (r < 0.78) calls.push(track('add_to_cart', { ...product, quantity: 1 + Math.floor(rand() * 3) }));
    else if (r < 0.85) calls.push(track('checkout_started', {}));
    else if (r < 0.95) {
      const lines = [product, ...(rand() < 0.4 ? [pick(PRODUCTS)] : [])].map((p) => ({
        ...p,
        quantity: 1 + Math.floor(rand() * 3),
      }));
      const total = lines.reduce((a, l) => a + l.price * l.quantity, 0);
      calls.push(
        track('purchase', {
          order_id: `o-${i}`,
          total_amount: total,
          currency: rand() < 0.7 ? 'EUR' : 'USD',
          products: lines,
        }),
      );
    } else calls.push(track('refund', { order_id: `o-r${i}`, total_amount: 10.5, currency: 'EUR' }));
  }
  return calls;
}

export const eventName = (c: Call) => (c.type === 'page' ? 'page' : String(c.event));
export const actorOf = (c: Call) => String(c.userId ?? c.anonymousId);

/** The events the platform must count: each messageId once, the first copy sent. */
export function distinctCalls(sent: readonly Call[]): Call[] {
  const seen = new Set<string>();
  return sent.filter((c) => !seen.has(c.messageId) && seen.add(c.messageId));
}

type Contribution = [dim: string, value: number][];

/** What each catalog metric counts, written out from the metric descriptions. */
const TRUTH: Record<string, (c: Call, name: string) => Contribution> = {
  events: (_c, name) => [[name, 1]],
  page_views: (c, name) => (name === 'page' ? [[String(c.properties.path), 1]] : []),
  content_plays: (c, name) => (name === 'video_play' ? [[String(c.properties.content_id), 1]] : []),
  content_watch_seconds: (c, name) =>
    name === 'video_progress'
      ? [[String(c.properties.content_id), Number(c.properties.watch_time_seconds)]]
      : [],
  content_completions: (c, name) => (name === 'video_complete' ? [[String(c.properties.content_id), 1]] : []),
  content_errors: (c, name) => (name === 'video_error' ? [[String(c.properties.content_id), 1]] : []),
  product_views: (c, name) => (name === 'product_view' ? [[String(c.properties.product_id), 1]] : []),
  product_views_by_category: (c, name) =>
    name === 'product_view' ? [[String(c.properties.category), 1]] : [],
  add_to_carts: (c, name) => (name === 'add_to_cart' ? [[String(c.properties.product_id), 1]] : []),
  add_to_carts_by_category: (c, name) => (name === 'add_to_cart' ? [[String(c.properties.category), 1]] : []),
  checkouts: (_c, name) => (name === 'checkout_started' ? [['', 1]] : []),
  orders: (c, name) => (name === 'purchase' ? [[String(c.properties.currency), 1]] : []),
  revenue: (c, name) =>
    name === 'purchase' ? [[String(c.properties.currency), Number(c.properties.total_amount)]] : [],
  refunds: (c, name) =>
    name === 'refund' ? [[String(c.properties.currency), Number(c.properties.total_amount)]] : [],
  items_by_product: (c, name) => lines(c, name).map((l) => [l.product_id, l.quantity]),
  revenue_by_product: (c, name) => lines(c, name).map((l) => [l.product_id, l.price * l.quantity]),
  items_by_category: (c, name) => lines(c, name).map((l) => [l.category, l.quantity]),
  revenue_by_category: (c, name) => lines(c, name).map((l) => [l.category, l.price * l.quantity]),
};

function lines(c: Call, name: string) {
  return name === 'purchase'
    ? (c.properties.products as { product_id: string; category: string; price: number; quantity: number }[])
    : [];
}

export const ADDITIVE_METRICS = Object.keys(TRUTH);

/** An additive metric's truth per (hour start ms, dimension value), for events in [from, to). */
export function truthByHour(
  calls: readonly Call[],
  metric: string,
  from: number,
  to: number,
): Map<string, number> {
  const f = TRUTH[metric];
  if (!f) throw new Error(`no truth for ${metric}`);
  const out = new Map<string, number>();
  for (const c of calls) {
    const t = Date.parse(c.timestamp);
    if (t < from || t >= to) continue;
    for (const [dim, v] of f(c, eventName(c))) {
      const key = `${Math.floor(t / HOUR) * HOUR}|${dim}`;
      out.set(key, (out.get(key) ?? 0) + v);
    }
  }
  return out;
}

/** Distinct actors per hour start, for events in [from, to). */
export function actorsByHour(calls: readonly Call[], from: number, to: number): Map<number, Set<string>> {
  const out = new Map<number, Set<string>>();
  for (const c of calls) {
    const t = Date.parse(c.timestamp);
    if (t < from || t >= to) continue;
    const h = Math.floor(t / HOUR) * HOUR;
    out.set(h, (out.get(h) ?? new Set()).add(actorOf(c)));
  }
  return out;
}

/** Actors who did `steps` in order, each later than the last, within `windowMs` of the first: brute force. */
export function funnelTruth(
  calls: readonly Call[],
  steps: string[],
  windowMs: number,
  from: number,
  to: number,
): number[] {
  const byActor = new Map<string, { name: string; t: number }[]>();
  for (const c of calls) {
    const t = Date.parse(c.timestamp);
    if (t < from || t >= to || !steps.includes(eventName(c))) continue;
    byActor.set(actorOf(c), [...(byActor.get(actorOf(c)) ?? []), { name: eventName(c), t }]);
  }
  const reached = steps.map(() => 0);
  for (const events of byActor.values()) {
    events.sort((a, b) => a.t - b.t);
    let best = 0;
    for (let s = 0; s < events.length; s++) {
      if (events[s]!.name !== steps[0]) continue;
      let depth = 1;
      for (let i = s + 1; i < events.length && depth < steps.length; i++) {
        if (events[i]!.t > events[s]!.t + windowMs) break;
        if (events[i]!.name === steps[depth]) depth++;
      }
      best = Math.max(best, depth);
    }
    for (let d = 0; d < best; d++) reached[d]!++;
  }
  return reached;
}
