import { eachInTurns } from '../../core/turns';
import type { ActiveDayRow } from '../views/raw-event-reader';

const DAY = 86_400_000;

export type RetentionPeriod = 'day' | 'week';

export interface Cohort {
  /** Start of the cohort's period (UTC; weeks start on Monday). */
  cohort: string;
  /** Actors whose first activity in the range fell in this period. */
  size: number;
  /** retained[k]: cohort actors active k periods after their first (retained[0] = size). */
  retained: number[];
  /** retained[k] / size. */
  rates: number[];
}

/** The start of the period holding a UTC day. 1970-01-01 was a Thursday: Monday is 4 days on. */
export function periodStart(day: number, period: RetentionPeriod): number {
  if (period === 'day') return day;
  const weekday = (Math.floor(day / DAY) + 3) % 7; // 0 = Monday
  return day - weekday * DAY;
}

/**
 * Retention cohorts: each actor belongs to the period of their first activity within the range,
 * and counts as retained in period k when active k periods later (not necessarily in between).
 */
export async function computeRetention(
  rows: readonly ActiveDayRow[],
  period: RetentionPeriod,
  to: Date,
): Promise<Cohort[]> {
  const step = period === 'day' ? DAY : 7 * DAY;
  const active = new Map<string, Set<number>>();
  await eachInTurns(rows, ([actor, day]) => {
    let set = active.get(actor);
    if (!set) active.set(actor, (set = new Set()));
    set.add(periodStart(day, period));
  });
  const last = periodStart(Math.floor((to.getTime() - 1) / DAY) * DAY, period);
  const cohorts = new Map<number, number[]>();
  await eachInTurns(active.values(), (periods) => {
    const first = Math.min(...periods);
    let retained = cohorts.get(first);
    if (!retained)
      cohorts.set(first, (retained = new Array<number>(Math.round((last - first) / step) + 1).fill(0)));
    for (const p of periods) {
      const k = Math.round((p - first) / step);
      if (k < retained.length) retained[k] = (retained[k] ?? 0) + 1;
    }
  });
  return [...cohorts.entries()]
    .sort(([a], [b]) => a - b)
    .map(([start, retained]) => {
      const size = retained[0] ?? 0;
      return {
        cohort: new Date(start).toISOString(),
        size,
        retained,
        rates: retained.map((n) => (size === 0 ? 0 : n / size)),
      };
    });
}
