import { randomUUID } from 'node:crypto';

/** A realistic ~415-byte `video_progress` track call, as a Segment SDK sends it. */
export function realisticEvent(i: number): Record<string, unknown> {
  return {
    type: 'track',
    event: 'video_progress',
    userId: `user-${(i * 7919) % 50_000}`,
    messageId: randomUUID(),
    timestamp: new Date().toISOString(),
    properties: {
      content_id: `content-${i % 5000}`,
      watch_time_seconds: 37.5,
      duration_seconds: 1800,
      position_seconds: 412,
    },
    context: {
      library: { name: 'analytics.js', version: '4.1.0' },
      page: { path: `/watch/content-${i % 5000}`, referrer: 'https://example.com/' },
      locale: 'en-US',
    },
  };
}
