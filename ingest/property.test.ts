import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StaticKeys } from '../core/auth/write-keys';
import type { AnalyticsEvent } from '../core/events/event';
import { createLogger } from '../core/log';
import type { EventSink, QuarantinedEvent } from './event-sink';
import { createStandardPipeline } from './pipeline';
import { createIngestServer } from './server';

/**
 * Hostile input, generated: every request gets a 4xx or its bad events quarantined, the server
 * never crashes (it keeps answering), and every valid event sent beside bad ones is accepted.
 */
describe('ingest under hostile input (property-based)', () => {
  const accepted: AnalyticsEvent[] = [];
  const quarantined: QuarantinedEvent[] = [];
  const sink: EventSink = {
    async publish(v, q) {
      accepted.push(...v.map((e) => e.event));
      quarantined.push(...q);
    },
  };
  const keys = new StaticKeys();
  const key = keys.add('fuzz');
  const server = createIngestServer({
    sink,
    keys,
    pipeline: createStandardPipeline('k'),
    log: createLogger({}, 'error'),
  });
  let url: string;
  const auth = `Basic ${Buffer.from(`${key}:`).toString('base64')}`;

  beforeAll(() =>
    new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r())).then(() => {
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/batch`;
    }),
  );
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const post = (body: Buffer | string) =>
    fetch(url, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body,
    });

  const weirdValue = fc.oneof(
    fc.string(),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.string({ minLength: 20_000, maxLength: 40_000 }),
    fc.array(fc.anything(), { maxLength: 5 }),
    fc.dictionary(fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'a'), fc.anything()),
  );
  const weirdTimestamp = fc.oneof(
    fc.constantFrom('0001-01-01T00:00:00Z', '9999-12-31T23:59:59Z', '1970-01-01T00:00:00Z', 'not a date', ''),
    fc.integer(),
    fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  );
  const badEvent = fc.oneof(
    fc.anything(),
    fc.record(
      {
        type: weirdValue,
        event: weirdValue,
        userId: weirdValue,
        properties: weirdValue,
        context: weirdValue,
      },
      { requiredKeys: [] },
    ),
    fc.record({
      type: fc.constant('track'),
      event: fc.constant('x'),
      userId: fc.constant('u'),
      timestamp: weirdTimestamp,
    }),
    fc.record({
      type: fc.constant('track'),
      event: fc.constant('purchase'),
      userId: fc.constant('u'),
      properties: fc.dictionary(fc.constantFrom('order_id', 'total_amount', 'currency'), weirdValue),
    }),
  );
  const validEvent = () => ({ type: 'track', event: 'fuzz_ok', userId: 'good', messageId: randomUUID() });

  it('quarantines or refuses bad events and never loses a valid one beside them', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(badEvent, { maxLength: 6 }),
        fc.integer({ min: 1, max: 4 }),
        async (bad, nValid) => {
          const valid = Array.from({ length: nValid }, validEvent);
          const batch = [...bad, ...valid];
          let text: string;
          try {
            text = JSON.stringify({ batch });
          } catch {
            return; // not representable as JSON (BigInt...): nothing a client could send
          }
          const before = accepted.length;
          const res = await post(text);
          if (res.status === 413) return; // a body over the limit is refused whole, with a reason
          expect(res.status).toBe(200);
          const json = (await res.json()) as { accepted: number; quarantined: number };
          expect(json.accepted + json.quarantined).toBe(batch.length);
          const ids = new Set(accepted.slice(before).map((e) => e.eventId));
          for (const v of valid) expect(ids.has(v.messageId)).toBe(true);
          for (const e of accepted.slice(before))
            expect(Object.getPrototypeOf(e.properties)).toBe(Object.prototype);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('answers 4xx to bodies that are not JSON at all, and keeps serving', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), async (bytes) => {
        const res = await post(Buffer.from(bytes));
        expect([200, 400]).toContain(res.status);
      }),
      { numRuns: 100 },
    );
    const ok = await post(JSON.stringify({ batch: [validEvent()] }));
    expect(ok.status).toBe(200);
  });

  it('quarantines events with invalid UTF-8 and keeps the valid ones in the same body', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 1, maxLength: 8 }).filter((b) => !isUtf8(b)),
        async (garbage) => {
          const v = validEvent();
          const body = Buffer.concat([
            Buffer.from(`{"batch":[${JSON.stringify(v)},{"type":"track","event":"`),
            Buffer.from(garbage.map((b) => (b === 0x22 || b === 0x5c || b < 0x20 ? 0xff : b))),
            Buffer.from('","userId":"u"}]}'),
          ]);
          const before = accepted.length;
          const res = await post(body);
          expect(res.status).toBe(200);
          expect(accepted.slice(before).map((e) => e.eventId)).toContain(v.messageId);
        },
      ),
      { numRuns: 50 },
    );
  });
});

function isUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}
