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
import { DD_RELATIVE_ACCURACY, ddAdd, ddAddValue, ddQuantile } from '../../core/sketches/ddsketch';
import { HLL_STANDARD_ERROR, hllEstimate, hllRegister } from '../../core/sketches/hll';
import type { RawEventReader } from '../views/raw-event-reader';
import type { Source } from '../views/layer-plan';
import type { Freshness } from './answer';
import { parsed, scalarOf, scanEvents } from './event-scan';
import { BUCKET_MS, type Granularity, type InsightGranularity } from './granularity';
import { stepWithinDays } from '../../core/time/calendar';
import type { LayeredViews } from './layered-views';
import {
  BucketGrid,
  CALENDAR,
  rolledUp,
  rollingCells,
  tally,
  type Tallies,
  type Tally,
} from './insight-tallies';
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

/** A checked definition's property (InsightSchema refused any other). */
function refOf(name: string): PropertyRef {
  const ref = parsePropertyRef(name);
  if ('error' in ref) throw new Error(ref.error);
  return ref;
}
