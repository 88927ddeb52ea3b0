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
