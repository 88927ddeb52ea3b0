import type { AnalyticsEvent } from '../../core/events/event';
import { randomUUID } from 'node:crypto';

/** A Segment track call with a fixed event time, for tests that count what they sent. */
export function trackCall(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const sentAt = new Date().toISOString();
  return {
    type: 'track',
    event: 'video_play',
    messageId: randomUUID(),
    userId: `user-${Math.floor(Math.random() * 50)}`,
    timestamp: sentAt,
    sentAt,
    properties: { content_id: 'c-1', duration_seconds: 120 },
    ...overrides,
  };
}

export const basicAuth = (writeKey: string) => `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;

let sequence = 0;

/** A normalized event (the model on the `events` topic) with test defaults; override what matters. */
export function analyticsEvent(overrides: Partial<AnalyticsEvent> = {}): AnalyticsEvent {
  const at = overrides.timestamp ?? '2026-01-01T00:00:00.000Z';
  return {
    eventId: `e-${sequence++}`,
    projectId: 'p',
    type: 'track',
    event: 'x',
    userId: 'u1',
    anonymousId: null,
    timestamp: at,
    originalTimestamp: null,
    sentAt: null,
    receivedAt: at,
    properties: {},
    context: {},
    schema: null,
    ...overrides,
  };
}

/** Posts Segment calls to a collector's /v1/batch with a write key; resolves with the answer's status. */
export async function postBatch(ingest: string, writeKey: string, batch: unknown[]): Promise<number> {
  const res = await fetch(`${ingest}/v1/batch`, {
    method: 'POST',
    headers: { authorization: basicAuth(writeKey), 'content-type': 'application/json' },
    body: JSON.stringify({ batch }),
  });
  await res.arrayBuffer();
  return res.status;
}

/** What a sender has seen so far, and how to stop it. */
export interface Sender {
  /** messageIds of the batches answered 200, in order. */
  acknowledged: string[];
  /** Every answer's status (0: no answer). */
  statuses: number[];
  /** Stops after the batch in flight. */
  stop(): Promise<void>;
}

/**
 * Posts batches to a collector one after another until stopped, as an SDK would but without its
 * retries: a refused batch is not sent again, so what Kafka must hold is exactly `acknowledged`.
 * `check` sees each answer (a test's assertion on a refusal's headers).
 */
export function keepSending(
  ingest: string,
  writeKey: string,
  batchOf: (n: number) => { messageId: string }[],
  opts: { pauseMs?: number; check?: (res: Response | undefined) => void } = {},
): Sender {
  const acknowledged: string[] = [];
  const statuses: number[] = [];
  let sending = true;
  const loop = (async () => {
    for (let n = 0; sending; n++) {
      const batch = batchOf(n);
      const res = await fetch(`${ingest}/v1/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: basicAuth(writeKey) },
        body: JSON.stringify({ batch }),
      }).catch(() => undefined);
      await res?.arrayBuffer();
      statuses.push(res?.status ?? 0);
      if (res?.status === 200) acknowledged.push(...batch.map((e) => e.messageId));
      opts.check?.(res);
      await new Promise((r) => setTimeout(r, opts.pauseMs ?? 10));
    }
  })();
  return {
    acknowledged,
    statuses,
    stop: async () => {
      sending = false;
      await loop;
    },
  };
}
