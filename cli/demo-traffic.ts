import { randomUUID } from 'node:crypto';
import type { Logger } from '../core/log';

const PAGES = ['/', '/pricing', '/docs', '/blog/lambda', '/signup'];
const CONTENT = ['intro-video', 'product-tour', 'webinar-42'];
const PRODUCTS = [
  { product_id: 'sku-1', category: 'books', price: 12.5 },
  { product_id: 'sku-2', category: 'games', price: 59 },
  { product_id: 'sku-3', category: 'music', price: 9.99 },
];

const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)] as T;

/** One realistic Segment call: page views, video plays and purchases from a few hundred users. */
export function demoEvent(now = new Date()): Record<string, unknown> {
  const userId = `user-${Math.floor(Math.random() * 300)}`;
  const base = {
    messageId: randomUUID(),
    userId,
    timestamp: now.toISOString(),
    context: { library: { name: 'demo' } },
  };
  const roll = Math.random();
  if (roll < 0.6) return { ...base, type: 'page', name: 'page', properties: { path: pick(PAGES) } };
  if (roll < 0.9) {
    return {
      ...base,
      type: 'track',
      event: 'video_play',
      properties: { content_id: pick(CONTENT), duration_seconds: 300 },
    };
  }
  const p = pick(PRODUCTS);
  const quantity = 1 + Math.floor(Math.random() * 3);
  return {
    ...base,
    type: 'track',
    event: 'purchase',
    properties: { ...p, quantity, currency: 'USD', order_id: randomUUID(), total_amount: p.price * quantity },
  };
}

/** Posts a small batch to the collector every `intervalMs` until stopped. */
export function startDemoTraffic(
  ingestUrl: string,
  writeKey: string,
  log: Logger,
  opts: { intervalMs?: number; batchSize?: number } = {},
): { stop(): Promise<void> } {
  const auth = `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;
  let stopped = false;
  let inflight: Promise<void> = Promise.resolve();
  const tick = async () => {
    const batch = Array.from({ length: opts.batchSize ?? 20 }, () => demoEvent());
    const res = await fetch(`${ingestUrl}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: auth },
      body: JSON.stringify({ batch, sentAt: new Date().toISOString() }),
    });
    if (!res.ok) log.warn('demo traffic: ingest answered', { status: res.status });
  };
  const timer = setInterval(() => {
    if (stopped) return;
    inflight = tick().catch((e: unknown) => log.warn('demo traffic failed', { error: String(e) }));
  }, opts.intervalMs ?? 250);
  return {
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await inflight;
    },
  };
}
