import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hashKey, StaticKeys } from '../core/auth/write-keys';
import { createStandardPipeline } from './pipeline';
import { RateLimiter } from './rate-limiter';
import type { AnalyticsEvent } from '../core/events/event';
import { createLogger } from '../core/log';
import {
  SinkUnavailableError,
  type EventSink,
  type QuarantinedEvent,
  type SerializedEvent,
} from './event-sink';
import { createIngestServer } from './server';

/** A sink that records what it was given, or fails like an unreachable broker, or like a bug. */
class RecordingSink implements EventSink {
  valid: AnalyticsEvent[] = [];
  quarantined: QuarantinedEvent[] = [];
  failing: false | 'unavailable' | 'bug' = false;
  async publish(valid: SerializedEvent[], quarantined: QuarantinedEvent[]) {
    if (this.failing === 'unavailable') throw new SinkUnavailableError('broker unreachable');
    if (this.failing === 'bug') throw new TypeError("Cannot read properties of undefined (reading 'json')");
    this.valid.push(...valid.map((v) => v.event));
    this.quarantined.push(...quarantined);
  }
}

describe('ingest HTTP server', () => {
  const sink = new RecordingSink();
  const keys = new StaticKeys();
  const key = keys.add('shop');
  const limitedKey = keys.add('limited');
  const server = createIngestServer({
    sink,
    keys,
    pipeline: createStandardPipeline('k'),
    limiter: {
      // Only the 'limited' project's key is limited here, to 3 events per second.
      take: (k: string, n: number) => (k === hashKey(limitedKey) ? limiter.take(k, n) : 0),
    } as RateLimiter,
    log: {
      ...createLogger({}, 'error'),
      error: (msg: string, fields?: Record<string, unknown>) => logged.push({ msg, ...fields }),
    },
  });
  const logged: Record<string, unknown>[] = [];
  const limiter = new RateLimiter(3, 3);
  let base: string;
  const auth = { authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` };

  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  beforeEach(() => {
    sink.valid = [];
    sink.quarantined = [];
    sink.failing = false;
  });

  const post = (path: string, body: unknown, headers: Record<string, string> = auth) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body),
    });

  it('accepts the valid events of a batch and quarantines the rest with reasons', async () => {
    const res = await post('/v1/batch', {
      batch: [
        { type: 'track', event: 'wishlist_add', userId: 'u1', properties: { price: 3 } },
        { type: 'track', userId: 'u2' },
        { type: 'page', anonymousId: 'a1' },
      ],
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      success: true,
      accepted: 2,
      quarantined: 1,
      errors: [{ index: 1, reason: 'track events need a non-empty string "event"' }],
    });
    expect(sink.valid.map((e) => [e.projectId, e.event])).toEqual([
      ['shop', 'wishlist_add'],
      ['shop', 'page'],
    ]);
    expect(sink.quarantined).toHaveLength(1);
    expect(sink.quarantined[0]).toMatchObject({ projectId: 'shop', raw: { type: 'track', userId: 'u2' } });
  });

  it('takes the write key from the body too, and /events arrays for internal services', async () => {
    const res = await post(
      '/events',
      { writeKey: key, events: [{ type: 'track', event: 'x', userId: 'u' }] },
      {},
    );
    expect(res.status).toBe(200);
    expect(sink.valid).toHaveLength(1);
  });

  it('answers single calls by route', async () => {
    const res = await post('/v1/identify', { userId: 'u9', traits: { plan: 'pro' } });
    expect(res.status).toBe(200);
    expect(sink.valid[0]).toMatchObject({
      type: 'identify',
      event: 'identify',
      properties: { traits: { plan: 'pro' } },
    });
  });

  it('reads gzip bodies', async () => {
    const body = gzipSync(JSON.stringify({ batch: [{ type: 'track', event: 'x', userId: 'u' }] }));
    const res = await post('/v1/batch', body, { ...auth, 'content-encoding': 'gzip' });
    expect(res.status).toBe(200);
    expect(sink.valid).toHaveLength(1);
  });

  it.each([
    ['no key', '/v1/batch', { batch: [] }, {}, 401],
    [
      'an unknown key',
      '/v1/batch',
      { batch: [] },
      { authorization: `Basic ${Buffer.from('nope:').toString('base64')}` },
      401,
    ],
    ['bad JSON', '/v1/batch', '{"batch": [', auth, 400],
    ['a batch without "batch"', '/v1/batch', { events: [] }, auth, 400],
    [
      'a body over 500 KB',
      '/v1/batch',
      { batch: [{ type: 'track', event: 'x', userId: 'u', properties: { p: 'x'.repeat(600_000) } }] },
      auth,
      413,
    ],
    [
      'a single call over 32 KB',
      '/v1/track',
      { event: 'x', userId: 'u', properties: { p: 'x'.repeat(40_000) } },
      auth,
      413,
    ],
    ['an unknown route', '/v1/nope', {}, auth, 404],
  ])('refuses %s with a message and publishes nothing', async (_what, path, body, headers, status) => {
    const res = await post(path, body, headers as Record<string, string>);
    expect(res.status).toBe(status);
    const json = (await res.json()) as { success: boolean; error: string };
    expect(json.success).toBe(false);
    expect(json.error.length).toBeGreaterThan(5);
    expect(sink.valid).toHaveLength(0);
  });

  it('answers 503 with Retry-After, not 2xx, when the broker does not take the events', async () => {
    sink.failing = 'unavailable';
    const res = await post('/v1/batch', { batch: [{ type: 'track', event: 'x', userId: 'u' }] });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
  });

  it('answers 500 with an error id, not 503, when a fault of ours fails the request; the log line has the id and the stack', async () => {
    sink.failing = 'bug';
    logged.length = 0;
    const res = await post('/v1/batch', { batch: [{ type: 'track', event: 'x', userId: 'u' }] });
    expect(res.status).toBe(500);
    expect(res.headers.get('retry-after')).toBeNull();
    const body = (await res.json()) as { success: boolean; error: string; errorId: string };
    expect(body.success).toBe(false);
    expect(body.errorId).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.error).toContain(body.errorId);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ errorId: body.errorId });
    expect(String(logged[0]?.stack)).toContain('TypeError');
    expect(String(logged[0]?.stack)).toMatch(/server\.test\.ts/);
  });

  it('quarantines events that break their JSON Schema, keeping the rest', async () => {
    const res = await post('/v1/batch', {
      batch: [
        {
          type: 'track',
          event: 'purchase',
          userId: 'u',
          properties: { order_id: 'o', total_amount: 'ten', currency: 'EUR' },
        },
        {
          type: 'track',
          event: 'purchase',
          userId: 'u',
          properties: { order_id: 'o', total_amount: 10, currency: 'EUR' },
        },
      ],
    });
    expect(await res.json()).toMatchObject({ accepted: 1, quarantined: 1 });
    expect(sink.quarantined[0]?.reason).toBe('purchase schema v2: properties/total_amount must be number');
    expect(sink.valid[0]?.schema).toBe('purchase@2');
  });

  it('quarantines only the event holding invalid UTF-8', async () => {
    const good = Buffer.from(JSON.stringify({ type: 'track', event: 'ok', userId: 'u' }));
    const bad = Buffer.concat([
      Buffer.from('{"type":"track","event":"b'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('","userId":"u"}'),
    ]);
    const body = Buffer.concat([Buffer.from('{"batch":['), good, Buffer.from(','), bad, Buffer.from(']}')]);
    const res = await post('/v1/batch', body);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      accepted: 1,
      quarantined: 1,
      errors: [{ index: 1, reason: 'event contains invalid UTF-8' }],
    });
  });

  it('answers 429 with Retry-After once a key exceeds its rate', async () => {
    const limitedAuth = { authorization: `Basic ${Buffer.from(`${limitedKey}:`).toString('base64')}` };
    const batch = { batch: Array.from({ length: 5 }, () => ({ type: 'track', event: 'x', userId: 'u' })) };
    expect((await post('/v1/batch', batch, limitedAuth)).status).toBe(200);
    const limited = await post('/v1/batch', batch, limitedAuth);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await limited.json()) as { error: string }).error).toContain('rate limit');
    // Other keys are not affected.
    expect((await post('/v1/batch', batch)).status).toBe(200);
  });

  it('answers CORS preflights for browsers', async () => {
    const res = await fetch(`${base}/v1/batch`, { method: 'OPTIONS' });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
  });
});
