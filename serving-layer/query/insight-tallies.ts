import type { InsightSeries } from '../../core/insights/definition';
import { ddMerge, type DdSketch } from '../../core/sketches/ddsketch';
import { hllMerge } from '../../core/sketches/hll';
import { calendarStart, type CalendarUnit } from '../../core/time/calendar';
import { BUCKET_MS, type Granularity, type InsightGranularity } from './granularity';
import type { TimeRange } from './time-range';

/**
 * What an insight's answer adds up, bucket by bucket: tallies enough for every measure, how they
 * merge, and the calendar: step cells rolled up into local days, weeks and months, and rolling
 * windows over the buckets.
 */
/** What one bucket (or part, or the whole range) has seen: enough for every measure. */
export interface Tally {
  n: number;
  sum: number;
  min: number;
  max: number;
  regs?: Map<number, number>;
  /** A percentile's DDSketch bins. */
  dd?: DdSketch;
}

export const tally = (m: InsightSeries['measure']): Tally => ({
  n: 0,
  sum: 0,
  min: Infinity,
  max: -Infinity,
  ...(m.kind === 'unique_persons' ? { regs: new Map() } : {}),
  ...(m.kind === 'percentile' ? { dd: new Map() } : {}),
});

/** One bucket's (and group's) tally. */
export interface Cell {
  start: number;
  end: number;
  dim: string;
  t: Tally;
}

/** A series' tallies: per bucket and group (`start|dim`), per layer, over the range. */
export interface Tallies {
  /** Each cell covers [start, end): one step, or the steps a calendar bucket rolled up. */
  cells: Map<string, Cell>;
  parts: { batch: Tally; speed: Tally };
  total: Tally;
}

export const CALENDAR: Partial<Record<InsightGranularity, CalendarUnit>> = {
  day: 'day',
  week: 'week',
  month: 'month',
};

/** Adds what one tally saw to another: every measure merges (registers by max, sketch bins by sum). */
export function mergeTally(into: Tally, from: Tally): void {
  into.n += from.n;
  into.sum += from.sum;
  into.min = Math.min(into.min, from.min);
  into.max = Math.max(into.max, from.max);
  if (into.regs && from.regs) hllMerge(into.regs, from.regs);
  if (into.dd && from.dd) ddMerge(into.dd, from.dd);
}

/** How far past a bucket's start the next one surely begins: past one day (25 h at most), week, month. */
const PAST_ONE = { day: 36 * 3_600_000, week: 8 * 86_400_000, month: 32 * 86_400_000 };

/**
 * Step cells rolled up into the local day, week or month of the zone each starts in: a bucket
 * starts where its calendar span does and ends where it does or the range ends, whichever first.
 */
export function rolledUp(
  t: Tallies,
  o: { measure: InsightSeries['measure']; unit: CalendarUnit; tz: string; range: TimeRange },
): Tallies {
  const { measure, unit, tz, range } = o;
  const startOf = new Map<number, number>();
  const cells: Tallies['cells'] = new Map();
  for (const c of t.cells.values()) {
    let start = startOf.get(c.start);
    if (start === undefined) startOf.set(c.start, (start = calendarStart(c.start, unit, tz)));
    const k = `${start}|${c.dim}`;
    let cell = cells.get(k);
    if (!cell) {
      const end = Math.min(range.to.getTime(), calendarStart(start + PAST_ONE[unit], unit, tz));
      cells.set(k, (cell = { start, end, dim: c.dim, t: tally(measure) }));
    }
    mergeTally(cell.t, c.t);
  }
  return { ...t, cells };
}

/** The buckets of a granularity in a zone: where each starts, the next one, the ones before. */
export class BucketGrid {
  private readonly unit: CalendarUnit | undefined;
  private readonly step: number;

  constructor(
    granularity: InsightGranularity,
    private readonly tz: string,
  ) {
    this.unit = CALENDAR[granularity];
    this.step = this.unit ? 0 : BUCKET_MS[granularity as Granularity];
  }

  startOf(ms: number): number {
    return this.unit ? calendarStart(ms, this.unit, this.tz) : Math.floor(ms / this.step) * this.step;
  }

  next(start: number): number {
    return this.unit ? calendarStart(start + PAST_ONE[this.unit], this.unit, this.tz) : start + this.step;
  }

  /** The start of the bucket `n` buckets before the one holding `ms`. */
  back(ms: number, n: number): number {
    let start = this.startOf(ms);
    for (let i = 0; i < n; i++) start = this.startOf(start - 1);
    return start;
  }
}

/**
 * Rolling cells: for each bucket of the range and each group, the tallies of the `n` buckets
 * ending with it merged (counts and sums added, registers by max, sketch bins added), so a
 * rolling unique count or percentile is over the whole window, not a sum of buckets.
 */
export function rollingCells(
  grid: BucketGrid,
  o: {
    cells: Tallies['cells'] extends Map<string, infer C> ? C[] : never;
    measure: InsightSeries['measure'];
    n: number;
    range: TimeRange;
  },
): Tallies['cells'] {
  const byStart = new Map<number, Map<string, Tally>>();
  const dims = new Set<string>();
  for (const c of o.cells) {
    const start = grid.startOf(c.start);
    let at = byStart.get(start);
    if (!at) byStart.set(start, (at = new Map()));
    let t = at.get(c.dim);
    if (!t) at.set(c.dim, (t = tally(o.measure)));
    mergeTally(t, c.t);
    dims.add(c.dim);
  }
  const to = o.range.to.getTime();
  const window: number[] = [];
  for (let s = grid.back(o.range.from.getTime(), o.n - 1); s < to; s = grid.next(s)) window.push(s);
  const out: Tallies['cells'] = new Map();
  for (let i = o.n - 1; i < window.length; i++) {
    const start = window[i]!;
    for (const dim of dims) {
      const t = tally(o.measure);
      let seen = false;
      for (const s of window.slice(i - o.n + 1, i + 1)) {
        const c = byStart.get(s)?.get(dim);
        if (c) {
          mergeTally(t, c);
          seen = true;
        }
      }
      if (seen) out.set(`${start}|${dim}`, { start, end: Math.min(to, grid.next(start)), dim, t });
    }
  }
  return out;
}
