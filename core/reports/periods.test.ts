import { describe, expect, it } from 'vitest';
import { localMidnight, reportWindows } from './periods';

const at = (s: string) => new Date(s);

describe('report periods', () => {
  it('daily: the local day before the run, the day before that, one bucket per local hour', () => {
    const w = reportWindows('daily', 'Europe/Paris', at('2026-11-22T07:00:00Z'));
    expect(w.period).toEqual({
      start: '2026-11-20T23:00:00.000Z',
      end: '2026-11-21T23:00:00.000Z',
      label: 'Sat, 21 Nov 2026',
    });
    expect(w.previous.start).toBe('2026-11-19T23:00:00.000Z');
    expect(w.previous.end).toBe(w.period.start);
    expect(w.buckets).toHaveLength(24);
    expect(w.buckets[0]).toMatchObject({ start: w.period.start, label: '00:00' });
    expect(w.buckets[23]?.end).toBe(w.period.end);
  });

  it('daily in UTC just after midnight still reports the whole day before', () => {
    const w = reportWindows('daily', 'UTC', at('2026-03-01T00:00:01Z'));
    expect(w.period.start).toBe('2026-02-28T00:00:00.000Z');
    expect(w.period.end).toBe('2026-03-01T00:00:00.000Z');
  });

  it('a local day across a DST change has 23 or 25 hours', () => {
    // Europe/Paris: clocks go forward on 2026-03-29, back on 2026-10-25.
    const spring = reportWindows('daily', 'Europe/Paris', at('2026-03-30T06:00:00Z'));
    expect(spring.period).toMatchObject({
      start: '2026-03-28T23:00:00.000Z',
      end: '2026-03-29T22:00:00.000Z',
    });
    expect(spring.buckets).toHaveLength(23);
    const autumn = reportWindows('daily', 'Europe/Paris', at('2026-10-26T06:00:00Z'));
    expect(autumn.period).toMatchObject({
      start: '2026-10-24T22:00:00.000Z',
      end: '2026-10-25T23:00:00.000Z',
    });
    expect(autumn.buckets).toHaveLength(25);
  });

  it('a day whose midnight does not exist starts at the first local time that does', () => {
    // America/Santiago moved from 00:00 to 01:00 on 2026-09-06.
    const start = localMidnight(2026, 9, 6, 'America/Santiago');
    expect(new Date(start).toISOString()).toBe('2026-09-06T04:00:00.000Z');
    expect(localMidnight(2026, 9, 7, 'America/Santiago') - start).toBe(23 * 3_600_000);
  });

  it('weekly: Monday to Sunday of the week before the run, local days as buckets', () => {
    // Sunday 2026-11-22 in Tokyo is already Monday 23rd: the week before is 16-22 Nov.
    const w = reportWindows('weekly', 'Asia/Tokyo', at('2026-11-22T23:30:00Z'));
    expect(w.period).toEqual({
      start: '2026-11-15T15:00:00.000Z',
      end: '2026-11-22T15:00:00.000Z',
      label: '16 Nov - 22 Nov 2026',
    });
    expect(w.previous).toMatchObject({ start: '2026-11-08T15:00:00.000Z', end: w.period.start });
    expect(w.buckets.map((b) => b.label)).toEqual([
      'Mon 16 Nov',
      'Tue 17 Nov',
      'Wed 18 Nov',
      'Thu 19 Nov',
      'Fri 20 Nov',
      'Sat 21 Nov',
      'Sun 22 Nov',
    ]);
  });

  it('monthly: the calendar month before, across a year end, with its own number of days', () => {
    const w = reportWindows('monthly', 'America/New_York', at('2027-01-01T13:00:00Z'));
    expect(w.period).toEqual({
      start: '2026-12-01T05:00:00.000Z',
      end: '2027-01-01T05:00:00.000Z',
      label: 'December 2026',
    });
    expect(w.previous).toMatchObject({
      start: '2026-11-01T04:00:00.000Z',
      end: w.period.start,
      label: 'November 2026',
    });
    expect(w.buckets).toHaveLength(31);
    expect(w.previousBuckets).toHaveLength(30);
    // The bucket holding the November DST change is 25 hours long.
    const long = w.previousBuckets.find((b) => Date.parse(b.end) - Date.parse(b.start) === 25 * 3_600_000);
    expect(long?.label).toBe('1 Nov');
  });

  it('buckets tile the period with no gap or overlap', () => {
    for (const period of ['daily', 'weekly', 'monthly'] as const) {
      for (const tz of ['UTC', 'Asia/Kolkata', 'Pacific/Chatham', 'America/Los_Angeles']) {
        const w = reportWindows(period, tz, at('2026-03-09T12:34:56Z'));
        for (const [spans, whole] of [
          [w.buckets, w.period],
          [w.previousBuckets, w.previous],
        ] as const) {
          expect(spans[0]?.start).toBe(whole.start);
          expect(spans.at(-1)?.end).toBe(whole.end);
          for (let i = 1; i < spans.length; i++) expect(spans[i]?.start).toBe(spans[i - 1]?.end);
        }
      }
    }
  });
});
