import { describe, expect, it } from 'vitest';
import type { AnalyticsEvent } from '../core/events/event';
import { DedupWindow } from './dedup-window';
import { buildRangeOutput } from './range-output';

const RECEIVED = '2026-12-01T10:06:00Z';
const output = (times: string[]) =>
  buildRangeOutput(
    'events',
    0,
    times.map((timestamp, i) => ({
      offset: String(i),
      event: {
        eventId: `e${i}`,
        projectId: 'p',
        type: 'page',
        event: 'page',
        userId: 'u',
        anonymousId: null,
        timestamp,
        receivedAt: RECEIVED,
        properties: { path: '/' },
        context: {},
      } as unknown as AnalyticsEvent,
    })),
    new DedupWindow(600_000),
    { horizonMs: 48 * 3_600_000, lateAfterMs: 0 },
  );

describe('buildRangeOutput span', () => {
  it("spans the events' minutes and the hours marked late or beyond the horizon", () => {
    expect(output(['2026-12-01T10:05:30Z', '2026-12-01T10:01:00Z']).span).toEqual({
      from: Date.parse('2026-12-01T10:01:00Z'),
      to: Date.parse('2026-12-01T10:06:00Z'),
    });
    // 03:30 yesterday: kept, its hour late; 20 November: beyond the horizon, counted by its hour.
    expect(output(['2026-12-01T10:05:30Z', '2026-11-30T03:30:00Z', '2026-11-20T01:10:00Z']).span).toEqual({
      from: Date.parse('2026-11-20T01:00:00Z'),
      to: Date.parse('2026-12-01T10:06:00Z'),
    });
    expect(output([]).span).toBeNull();
  });
});
