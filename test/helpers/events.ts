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
