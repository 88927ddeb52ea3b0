import { NO_VALUE } from '../../core/events/dimensions';
import { compileFilter } from '../../core/events/event-filter';
import { parsePropertyRef, storedPath, type PropertyRef } from '../../core/events/property-ref';
import {
  seriesOf,
  type InsightDefinition,
  type InsightSeries,
  type Measure,
} from '../../core/insights/definition';
import { evaluate, parseFormula } from '../../core/insights/formula';
import {
  DD_RELATIVE_ACCURACY,
  ddAdd,
  ddAddValue,
  ddMerge,
  ddQuantile,
  type DdSketch,
} from '../../core/sketches/ddsketch';
import { HLL_STANDARD_ERROR, hllEstimate, hllMerge, hllRegister } from '../../core/sketches/hll';
import type { RawEventReader } from '../views/raw-event-reader';
import type { Source } from '../views/layer-plan';
import type { Freshness } from './answer';
import { parsed, scalarOf, scanEvents } from './event-scan';
import { BUCKET_MS, type Granularity, type InsightGranularity } from './granularity';
import { calendarStart, stepWithinDays, type CalendarUnit } from '../../core/time/calendar';
import type { LayeredViews } from './layered-views';
import type { PersonQuery } from './person-query';
import type { SegmentQuery } from './segment-query';
import type { TimeRange } from './time-range';

/** A defined metric's answer over a range (and the period before it, when compared). */
export interface InsightAnswer {
  insight: string;
  project: string;
  from: string;
  to: string;
  granularity: InsightGranularity;
  /** The zone days, weeks and months start in. */
  timeZone: string;
  /** Each bucket's value is over this many buckets ending with it; the range's value is not rolled. */
  rolling?: number;
  /** What was measured: the one series' measure, or `formula` over several. */
  measure: Measure | 'formula';
  /** null where nothing was measured (an average of no value). */
  value: number | null;
  buckets: { start: string; dim?: string; value: number | null; source: Source | 'mixed' }[];
  parts: { source: 'batch' | 'speed'; from: string; to: string; value: number | null }[];
  watermark: string | null;
  /** The same over the period of the same length just before (compare=previous). */
  previous?: {
    from: string;
    to: string;
    value: number | null;
    buckets: { start: string; dim?: string; value: number | null }[];
  };
  /** (value - previous) / previous; null when either is null or previous is 0. */
  change?: number | null;
  standardError?: number;
  /** A percentile's: the value read is within this fraction of the true one (DDSketch). */
  relativeError?: number;
  counting?: 'persons';
  freshness?: Freshness;
}

/** What one bucket (or part, or the whole range) has seen: enough for every measure. */
interface Tally {
  n: number;
  sum: number;
  min: number;
  max: number;
  regs?: Map<number, number>;
  /** A percentile's DDSketch bins. */
  dd?: DdSketch;
}

const tally = (m: InsightSeries['measure']): Tally => ({
  n: 0,
  sum: 0,
  min: Infinity,
  max: -Infinity,
  ...(m.kind === 'unique_persons' ? { regs: new Map() } : {}),
  ...(m.kind === 'percentile' ? { dd: new Map() } : {}),
});

function valueOf(measure: InsightSeries['measure'], t: Tally): number | null {
  switch (measure.kind) {
    case 'count':
      return t.n;
    case 'unique_persons':
      return Math.round(hllEstimate(t.regs ?? new Map()));
    case 'sum':
      return t.sum;
    case 'average':
      return t.n > 0 ? t.sum / t.n : null;
    case 'min':
      return t.n > 0 ? t.min : null;
    case 'max':
      return t.n > 0 ? t.max : null;
    case 'percentile':
      return ddQuantile(t.dd ?? new Map(), measure.p / 100);
  }
}

/**
 * Metrics defined without code (core/insights/definition.ts), answered from the layers' raw events
 * like segment-filtered metrics: the lake before the watermark, the speed view after it, each event
 * once, late events in as soon as a layer holds them. Counts, sums, minimums and maximums are
 * exact; an average is the exact sum over the exact count of the events with a numeric value;
 * unique persons are the same HyperLogLog sketch as active_users (its error stated).
 */
export class InsightQuery {
  constructor(
    private readonly layers: LayeredViews,
    private readonly raw: RawEventReader,
    private readonly o: {
      persons: Pick<PersonQuery, 'graph'>;
      segments: Pick<SegmentQuery, 'traitTimeline'>;
    },
  ) {}

  answer(q: {
    insight: InsightDefinition;
    project: string;
    range: TimeRange;
    granularity: InsightGranularity;
    /** The IANA zone days, weeks and months start in (UTC when absent). */
    tz?: string | undefined;
    /** Also answer the period of the same length just before the range. */
    compare?: 'previous' | undefined;
    /** Each bucket's value over the last `rolling` buckets ending with it (a 7-day rolling count). */
    rolling?: number | undefined;
  }): Promise<InsightAnswer & { freshness: Freshness }> {
    const { insight, project, range, granularity, compare } = q;
    const tz = q.tz ?? 'UTC';
    const key = [
      'insight',
      insight,
      range.from.getTime(),
      range.to.getTime(),
      granularity,
      tz,
      compare ?? null,
    ];
    return this.layers.cachedAnswer(project, key, async () => {
      const now = await this.over(insight, project, range, granularity, tz, q.rolling);
      if (compare !== 'previous') return now;
      const length = range.to.getTime() - range.from.getTime();
      const before = { from: new Date(range.from.getTime() - length), to: range.from };
      const previous = await this.over(insight, project, before, granularity, tz, q.rolling);
      const change =
        now.value === null || previous.value === null || previous.value === 0
          ? null
          : (now.value - previous.value) / previous.value;
      return {
        ...now,
        previous: {
          from: previous.from,
          to: previous.to,
          value: previous.value,
          buckets: previous.buckets.map(({ start, dim, value }) => ({
            start,
            ...(dim !== undefined ? { dim } : {}),
            value,
          })),
        },
        change,
      };
    });
  }

  private async over(
    insight: InsightDefinition,
    project: string,
    range: TimeRange,
    granularity: InsightGranularity,
    tz: string,
    rolling: number | undefined,
  ): Promise<InsightAnswer> {
    const by = insight.groupBy === undefined ? undefined : refOf(insight.groupBy);
    const series = seriesOf(insight);
    const unit = CALENDAR[granularity];
    const grid = new BucketGrid(granularity, tz);
    // A rolling window also reads the buckets before the range that its first buckets reach back to.
    const readFrom = rolling ? grid.back(range.from.getTime(), rolling - 1) : range.from.getTime();
    // Calendar buckets are counted per step inside one local day, then rolled up where the viewer is.
    const step = unit
      ? stepWithinDays(readFrom, range.to.getTime(), tz)
      : BUCKET_MS[granularity as Granularity];
    const read = async (span: TimeRange) => {
      const layered = await this.layers.layersOf({ range: span, project });
      const q = { project, range: span, split: layered.split, step, by };
      const tallied = await Promise.all(
        series.map(async ([, s]) => {
          const t = await this.tallies(s, q);
          return unit ? rolledUp(t, { measure: s.measure, unit, tz, range: span }) : t;
        }),
      );
      return { ...layered, tallied };
    };
    const { split, rawParts, watermark, tallied: main } = await read(range);
    const earlier =
      readFrom < range.from.getTime() ? await read({ from: new Date(readFrom), to: range.from }) : undefined;
    const tallied = series.map(([name, s], i) => {
      const t = main[i]!;
      const cells = rolling
        ? rollingCells(grid, {
            cells: [...(earlier?.tallied[i]!.cells.values() ?? []), ...t.cells.values()],
            measure: s.measure,
            n: rolling,
            range,
          })
        : t.cells;
      return [name, s.measure, { ...t, cells }] as const;
    });
    // One series: its measure; several: the formula over their values, bucket by bucket.
    const formula =
      insight.formula === undefined
        ? undefined
        : parseFormula(
            insight.formula,
            series.map(([n]) => n),
          );
    const combine = (pick: (t: Tallies) => Tally | undefined): number | null => {
      const values = Object.fromEntries(
        tallied.map(([name, measure, t]) => [name, valueOf(measure, pick(t) ?? tally(measure))]),
      );
      return formula ? evaluate(formula, values) : (values.A ?? null);
    };
    const cellKeys = new Map<string, { start: number; end: number; dim: string }>();
    for (const [, , t] of tallied)
      for (const [k, c] of t.cells) {
        const known = cellKeys.get(k);
        cellKeys.set(k, { start: c.start, end: Math.max(c.end, known?.end ?? 0), dim: c.dim });
      }
    // Where the part of the bucket inside the range was read (a week may start before the range).
    const sourceOf = (c: { start: number; end: number }) =>
      c.end <= split.getTime()
        ? 'batch'
        : Math.max(c.start, range.from.getTime()) >= split.getTime()
          ? 'speed'
          : 'mixed';
    const buckets = [...cellKeys]
      .sort(([, a], [, b]) => a.start - b.start || (a.dim < b.dim ? -1 : a.dim > b.dim ? 1 : 0))
      .map(([k, c]) => ({
        start: new Date(c.start).toISOString(),
        ...(by ? { dim: c.dim } : {}),
        value: combine((t) => t.cells.get(k)?.t),
        source: sourceOf(c) as Source | 'mixed',
      }));
    const only = formula ? undefined : series[0]?.[1].measure.kind;
    return {
      insight: insight.id,
      project,
      from: range.from.toISOString(),
      to: range.to.toISOString(),
      granularity,
      timeZone: tz,
      ...(rolling ? { rolling } : {}),
      measure: formula ? 'formula' : (series[0]?.[1].measure.kind ?? 'count'),
      value: combine((t) => t.total),
      buckets,
      parts: rawParts.map((p) => ({ ...p, value: combine((t) => t.parts[p.source]) })),
      watermark,
      ...(only === 'unique_persons'
        ? { standardError: HLL_STANDARD_ERROR, counting: 'persons' as const }
        : {}),
      ...(only === 'percentile' ? { relativeError: DD_RELATIVE_ACCURACY } : {}),
    };
  }

  /**
   * A percentile over events kept by name only, split by nothing or by an event's own value: its
   * sketch's bins computed by the engines holding the events (value-sketches.ts), so no event
   * crosses into Node; the bins are the ones the scan below would add. Undefined otherwise.
   */
  private async engineSketch(
    s: InsightSeries,
    q: { project: string; range: TimeRange; split: Date; step: number; by: PropertyRef | undefined },
  ): Promise<Tallies | undefined> {
    const value = s.measure.kind === 'percentile' ? storedPath(refOf(s.measure.property)) : undefined;
    const group = q.by && storedPath(q.by);
    if (!value || s.filters || (q.by && !group)) return undefined;
    const layers = await this.raw.valueSketches(
      { project: q.project, from: q.range.from, split: q.split, to: q.range.to },
      { stepMs: q.step, events: s.events, value, group },
    );
    const out: Tallies = {
      cells: new Map(),
      parts: { batch: tally(s.measure), speed: tally(s.measure) },
      total: tally(s.measure),
    };
    for (const { layer, rows } of layers)
      for (const [start, raw, sign, index, n] of rows) {
        const dim = q.by ? (scalarOf(parsed(raw)) ?? NO_VALUE) : '';
        const k = `${start}|${dim}`;
        let cell = out.cells.get(k);
        if (!cell) out.cells.set(k, (cell = { start, end: start + q.step, dim, t: tally(s.measure) }));
        for (const t of [cell.t, out.parts[layer === 'lake' ? 'batch' : 'speed'], out.total]) {
          t.n += n;
          ddAdd(t.dd!, sign, index, n);
        }
      }
    return out;
  }

  /** One series' tallies over the span: per bucket (and group), per layer, and over the range. */
  private async tallies(
    s: InsightSeries,
    q: { project: string; range: TimeRange; split: Date; step: number; by: PropertyRef | undefined },
  ): Promise<Tallies> {
    const { project, range, split, step, by } = q;
    const unique = s.measure.kind === 'unique_persons';
    const filter = s.filters ? compileFilter(s.filters) : undefined;
    const measured = 'property' in s.measure ? refOf(s.measure.property) : undefined;
    const sketched = await this.engineSketch(s, q);
    if (sketched) return sketched;
    const refs: PropertyRef[] = [
      ...(filter?.refs ?? []),
      ...(by ? [by] : []),
      ...(measured ? [measured] : []),
    ];
    const traits = refs.some((r) => r.kind === 'person')
      ? (await this.o.segments.traitTimeline(project, range)).traitsAt
      : undefined;
    const graph = unique ? await this.o.persons.graph(project) : undefined;
    const out: Tallies = {
      cells: new Map(),
      parts: { batch: tally(s.measure), speed: tally(s.measure) },
      total: tally(s.measure),
    };
    const nf = filter?.refs.length ?? 0;
    await scanEvents(
      this.raw,
      { project, from: range.from, split, to: range.to },
      { events: s.events, props: [], refs, ...(traits ? { traitsAt: traits } : {}) },
      ({ actor, at, values }) => {
        if (filter && !filter.matches(values.slice(0, nf))) return;
        const x = measured ? values[values.length - 1] : undefined;
        // A sum, average, minimum or maximum reads the events whose property is a number.
        if (measured && (typeof x !== 'number' || !Number.isFinite(x))) return;
        const dim = by ? (scalarOf(values[nf]) ?? NO_VALUE) : '';
        const start = Math.floor(at / step) * step;
        const k = `${start}|${dim}`;
        let cell = out.cells.get(k);
        if (!cell) out.cells.set(k, (cell = { start, end: start + step, dim, t: tally(s.measure) }));
        const r = graph && hllRegister(graph.personOf(actor));
        for (const t of [cell.t, at < split.getTime() ? out.parts.batch : out.parts.speed, out.total]) {
          t.n++;
          if (typeof x === 'number') {
            t.sum += x;
            t.min = Math.min(t.min, x);
            t.max = Math.max(t.max, x);
            if (t.dd) ddAddValue(t.dd, x);
          }
          if (r && t.regs && (t.regs.get(r.reg) ?? 0) < r.rank) t.regs.set(r.reg, r.rank);
        }
      },
    );
    return out;
  }
}

/** One bucket's (and group's) tally. */
interface Cell {
  start: number;
  end: number;
  dim: string;
  t: Tally;
}

/** A series' tallies: per bucket and group (`start|dim`), per layer, over the range. */
interface Tallies {
  /** Each cell covers [start, end): one step, or the steps a calendar bucket rolled up. */
  cells: Map<string, Cell>;
  parts: { batch: Tally; speed: Tally };
  total: Tally;
}

/** A checked definition's property (InsightSchema refused any other). */
function refOf(name: string): PropertyRef {
  const ref = parsePropertyRef(name);
  if ('error' in ref) throw new Error(ref.error);
  return ref;
}

const CALENDAR: Partial<Record<InsightGranularity, CalendarUnit>> = {
  day: 'day',
  week: 'week',
  month: 'month',
};

/** Adds what one tally saw to another: every measure merges (registers by max, sketch bins by sum). */
function mergeTally(into: Tally, from: Tally): void {
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
function rolledUp(
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
class BucketGrid {
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
function rollingCells(
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
