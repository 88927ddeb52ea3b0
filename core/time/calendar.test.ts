import { describe, expect, it } from 'vitest';
import { calendarStart, isTimeZone, offsetAt, stepWithinDays } from './calendar';

const at = (s: string) => Date.parse(s);
const iso = (ms: number) => new Date(ms).toISOString();

describe('calendar buckets in a time zone', () => {
  it('days start at local midnight, summer time or not', () => {
    // Paris: UTC+1 in winter, +2 in summer.
    expect(iso(calendarStart(at('2026-01-15T23:30:00Z'), 'day', 'Europe/Paris'))).toBe(
      '2026-01-15T23:00:00.000Z',
    );
    expect(iso(calendarStart(at('2026-07-15T21:59:00Z'), 'day', 'Europe/Paris'))).toBe(
      '2026-07-14T22:00:00.000Z',
    );
    expect(iso(calendarStart(at('2026-07-15T22:00:00Z'), 'day', 'Europe/Paris'))).toBe(
      '2026-07-15T22:00:00.000Z',
    );
    // The day summer time starts (29 March 2026, 02:00 -> 03:00) still begins at midnight, +1.
    expect(iso(calendarStart(at('2026-03-29T12:00:00Z'), 'day', 'Europe/Paris'))).toBe(
      '2026-03-28T23:00:00.000Z',
    );
    expect(iso(calendarStart(at('2026-03-29T12:00:00Z'), 'day', 'UTC'))).toBe('2026-03-29T00:00:00.000Z');
  });

  it('weeks start on Monday, months on the 1st, where the viewer is', () => {
    // Sunday 2026-03-01 23:30 in New York is Monday 04:30 UTC: still the week of Monday 23 February.
    const sunday = at('2026-03-02T04:30:00Z');
    expect(iso(calendarStart(sunday, 'week', 'America/New_York'))).toBe('2026-02-23T05:00:00.000Z');
    expect(iso(calendarStart(sunday, 'week', 'UTC'))).toBe('2026-03-02T00:00:00.000Z');
    // 1 March 03:00 UTC is still 28 February in New York.
    const lastOfFebruary = at('2026-03-01T03:00:00Z');
    expect(iso(calendarStart(lastOfFebruary, 'month', 'America/New_York'))).toBe('2026-02-01T05:00:00.000Z');
    expect(iso(calendarStart(lastOfFebruary, 'month', 'UTC'))).toBe('2026-03-01T00:00:00.000Z');
    // A month holding a change of offset begins at the offset of its first day.
    expect(iso(calendarStart(at('2026-11-20T00:00:00Z'), 'month', 'America/New_York'))).toBe(
      '2026-11-01T04:00:00.000Z',
    );
  });

  it('zones off the hour: offsets and the step that stays inside a day', () => {
    expect(offsetAt(at('2026-06-01T00:00:00Z'), 'Asia/Kolkata')).toBe(5.5 * 3_600_000);
    expect(iso(calendarStart(at('2026-06-01T18:00:00Z'), 'day', 'Asia/Kolkata'))).toBe(
      '2026-05-31T18:30:00.000Z',
    );
    const [from, to] = [at('2026-06-01T00:00:00Z'), at('2026-06-08T00:00:00Z')];
    expect(stepWithinDays(from, to, 'Asia/Kolkata')).toBe(900_000);
    expect(stepWithinDays(from, to, 'Europe/Paris')).toBe(3_600_000);
    expect(stepWithinDays(from, to, 'UTC')).toBe(86_400_000);
    expect(isTimeZone('Europe/Paris')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
  });
});
