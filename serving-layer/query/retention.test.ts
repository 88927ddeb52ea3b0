import { describe, expect, it } from 'vitest';
import { computeRetention, periodStart } from './retention';

const DAY = 86_400_000;
const d = (iso: string) => Date.parse(`${iso}T00:00:00Z`);

describe('computeRetention', () => {
  it('puts each actor in the cohort of their first day and counts later active days', async () => {
    const cohorts = await computeRetention(
      [
        ['a', d('2026-03-02')],
        ['a', d('2026-03-03')],
        ['a', d('2026-03-05')],
        ['b', d('2026-03-02')],
        ['c', d('2026-03-03')],
        ['c', d('2026-03-04')],
      ],
      'day',
      new Date(d('2026-03-06')),
    );
    expect(cohorts).toEqual([
      { cohort: '2026-03-02T00:00:00.000Z', size: 2, retained: [2, 1, 0, 1], rates: [1, 0.5, 0, 0.5] },
      { cohort: '2026-03-03T00:00:00.000Z', size: 1, retained: [1, 1, 0], rates: [1, 1, 0] },
    ]);
  });

  it('groups days into weeks that start on Monday (UTC)', async () => {
    expect(new Date(periodStart(d('2026-03-08'), 'week')).toISOString()).toBe('2026-03-02T00:00:00.000Z'); // a Sunday
    expect(new Date(periodStart(d('2026-03-09'), 'week')).toISOString()).toBe('2026-03-09T00:00:00.000Z'); // a Monday
    const cohorts = await computeRetention(
      [
        ['a', d('2026-03-02')],
        ['a', d('2026-03-04')], // same week: still one active week
        ['a', d('2026-03-10')],
      ],
      'week',
      new Date(d('2026-03-16') + DAY),
    );
    expect(cohorts).toEqual([
      { cohort: '2026-03-02T00:00:00.000Z', size: 1, retained: [1, 1, 0], rates: [1, 1, 0] },
    ]);
  });
});
