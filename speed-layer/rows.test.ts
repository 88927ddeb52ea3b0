import { describe, expect, it } from 'vitest';
import type { AnalyticsEvent } from '../core/event';
import { minuteCounts } from './rows';

const ev = (event: string, timestamp: string, projectId = 'p'): AnalyticsEvent => ({
  eventId: `${event}-${timestamp}`,
  projectId,
  type: 'track',
  event,
  userId: 'u',
  anonymousId: null,
  timestamp,
  originalTimestamp: null,
  sentAt: null,
  receivedAt: timestamp,
  properties: {},
  context: {},
  schema: null,
});

describe('minuteCounts', () => {
  it('buckets by event-time minute, per project and event', () => {
    const rows = minuteCounts([
      ev('a', '2026-01-01T00:00:59.999Z'),
      ev('a', '2026-01-01T00:00:00.000Z'),
      ev('a', '2026-01-01T00:01:00.000Z'),
      ev('b', '2026-01-01T00:00:10.000Z'),
      ev('a', '2026-01-01T00:00:10.000Z', 'q'),
    ]);
    const m0 = Date.parse('2026-01-01T00:00:00Z') / 1000;
    expect(rows).toEqual([
      { project_id: 'p', minute: m0, event: 'a', events: 2 },
      { project_id: 'p', minute: m0, event: 'b', events: 1 },
      { project_id: 'p', minute: m0 + 60, event: 'a', events: 1 },
      { project_id: 'q', minute: m0, event: 'a', events: 1 },
    ]);
  });

  it('gives the same block for the same input in any order (retries must match their dedup token)', () => {
    const events = [
      ev('a', '2026-01-01T00:00:01Z'),
      ev('b', '2026-01-01T00:05:01Z'),
      ev('c', '2026-01-01T00:03:01Z'),
    ];
    expect(minuteCounts([...events].reverse())).toEqual(minuteCounts(events));
  });
});
