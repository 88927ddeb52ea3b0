import { describe, expect, it } from 'vitest';
import type { AnalyticsEvent } from '../core/event';
import type { RangeOutput } from './range-output';
import { writtenSpan } from './range-writer';

const output = (times: string[], late: string[] = [], beyond: string[] = []): RangeOutput => ({
  kept: times.map((timestamp) => ({ timestamp }) as AnalyticsEvent),
  events: [],
  measures: [],
  uniques: [],
  lateHours: new Map(late.map((h) => [`p|${h}`, 1])),
  beyondHorizon: new Map(beyond.map((h) => [`p|${h}`, 1])),
  duplicates: 0,
});

describe('writtenSpan', () => {
  it("spans the events' minutes and the hours marked late or beyond the horizon", () => {
    expect(writtenSpan(output(['2026-12-01T10:05:30Z', '2026-12-01T10:01:00Z']))).toEqual({
      from: Date.parse('2026-12-01T10:01:00Z'),
      to: Date.parse('2026-12-01T10:06:00Z'),
    });
    expect(
      writtenSpan(
        output(['2026-12-01T10:05:30Z'], ['2026-11-30T03:00:00.000Z'], ['2026-11-20T01:00:00.000Z']),
      ),
    ).toEqual({ from: Date.parse('2026-11-20T01:00:00Z'), to: Date.parse('2026-12-01T10:06:00Z') });
    expect(writtenSpan(output([]))).toBeNull();
  });
});
