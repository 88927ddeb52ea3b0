import type { ClickHouseClient } from '@clickhouse/client';
import type { Config } from '../../core/config';
import {
  METRIC_CATALOG,
  metricByName,
  type MetricDefinition,
  type MetricName,
} from '../../core/metrics/catalog';
import { HLL_STANDARD_ERROR, hllEstimate, hllMerge } from '../../core/sketches/hll';
import { eventHoursOf } from '../../core/lake/events';
import type { BatchViewReader } from '../views/batch-view-reader';
import { seriesKey, type SeriesQuery, type ViewReader } from '../views/series';
import { CachedViewReader } from '../views/view-cache';
import { StampedCache } from '../views/stamped-cache';
import { splitAt } from '../views/split';
import { planLayers, type Refusal, type Source } from '../views/layer-plan';
import { LateHoursIndex, viewHolds } from '../../core/lake/late-markers';
import { SpeedViewReader } from '../views/speed-view-reader';
import type { Granularity } from './granularity';
import type { TimeRange } from './time-range';
import { BadQueryError, NotAnswerableError } from './errors';

const HOUR = 3_600_000;

/** One contiguous part of the answer and the layer it came from. */
export interface AnswerPart {
  source: Source;
  from: string;
  to: string;
  value: number;
}

export interface Bucket {
  start: string;
  dim?: string;
  value: number;
  source: Source | 'mixed';
}

export interface MetricAnswer {
  metric: string;
  project: string;
  from: string;
  to: string;
  granularity: Granularity;
  value: number;
  source: Source | 'mixed';
  parts: AnswerPart[];
  buckets: Bucket[];
  /** End of the last sealed hour: the batch view answers before it, the speed view after. */
  watermark: string | null;
  /**
   * Sealed hours with late events their batch view does not hold yet: answered from the speed
   * view (source `late`) until the late-data-repair schedule publishes them again.
   */
  pendingRepair?: { from: string; to: string }[];
  /** Unique counts are HyperLogLog estimates with this relative standard error. */
  standardError?: number;
  freshness: Freshness;
}

/** How current the answer is: the batch view up to the watermark, the speed view up to its last event. */
export interface Freshness {
  /** When the speed view last received an event of the project (null: none in its horizon). */
  speedLastReceivedAt: string | null;
  /** Seconds between that and the answer; null when the speed view holds nothing. */
  lagSeconds: number | null;
  /**
   * When part of the answer is sealed hours waiting for late-data repair (source `late`): which
   * workflow brings them into the batch view, and how often it runs.
   */
  pendingRepair?: { workflow: 'lateDataRepair'; everySeconds: number; parts: { from: string; to: string }[] };
}

export interface QueryOptions {
  groupBy?: string;
  /** Only these values of the metric's dimension. */
  dims?: readonly string[];
}

/** A metric's totals per dimension value over a range, merged across the layers. */
export interface DimTotals {
  byDim: Map<string, { count: number; sum: number }>;
  parts: AnswerPart[];
  watermark: string | null;
}

interface Side {
  source: Source;
  reader: ViewReader;
  q: SeriesQuery;
}

/** Names kept for the first API version: `events_count` is the catalog's `events` counted. */
const ALIASES: Record<string, string> = { events_count: 'events' };

export function catalogListing() {
  return METRIC_CATALOG.map((d) => ({
    name: d.name,
    description: d.description,
    events: d.events,
    value:
      d.measure.kind === 'sum' || d.measure.kind === 'line_item_sum'
        ? 'sum'
        : d.measure.kind === 'unique_actors'
          ? 'unique'
          : 'count',
    dimension: dimensionName(d) ?? null,
    exact: d.exact,
  }));
}

/**
 * The query core, free of any web framework (dashboards, reports, experiments and segments call
 * it; the HTTP layer maps its errors: BadQueryError 400, NotAnswerableError 503).
 * Answers a catalog metric by merging the layers: the part of the range up to the batch
 * watermark from the batch view (sealed, exact), the rest from the speed view. The split is at an
 * hour boundary and each instant comes from exactly one layer; counts and sums add across it,
 * unique counts merge their HLL registers (never add estimates). Each layer's answers are cached
 * until that layer moves.
 */
export class MetricQuery {
  readonly speed: SpeedViewReader;
  readonly batchCache: CachedViewReader;
  readonly speedCache: CachedViewReader;
  private readonly batchSketches: StampedCache<SideSketch>;
  private readonly speedSketches: StampedCache<SideSketch>;
  private readonly lastReceived = new Map<string, { stamp: string; at: Date | null }>();
  private readonly answers = new StampedCache<object>(() => this.stamp(), 2_000);
  private readonly lateHours: LateHoursIndex;

  constructor(
    private readonly config: Config,
    clickhouse: ClickHouseClient,
    private readonly batch: BatchViewReader,
  ) {
    this.speed = new SpeedViewReader(clickhouse, config.clickhouse.database, !config.clickhouse.url);
    this.batchCache = new CachedViewReader(batch, () => batch.stamp());
    this.speedCache = new CachedViewReader(this.speed, () => this.speed.stamp());
    this.batchSketches = new StampedCache(() => batch.stamp(), 500);
    this.speedSketches = new StampedCache(() => this.speed.stamp(), 500);
    this.lateHours = new LateHoursIndex(batch.lake);
  }

  /** The catalog definition for a name (or its alias), else a 400 naming the catalog. */
  definition(name: string): MetricDefinition {
    const def = metricByName(ALIASES[name] ?? name);
    if (!def) throw new BadQueryError(`unknown metric '${name}': GET /v1/metrics lists the catalog`);
    return def;
  }

  /** Changes whenever either layer does. */
  async stamp(): Promise<string> {
    return `${await this.batch.stamp()}|${await this.speed.stamp()}`;
  }

  /**
   * Which layer answers each hour of a range (views/layer-plan.ts), and `split`, the watermark
   * clipped to the range, for the analyses that read raw events (the lake holds late events as
   * soon as they are archived, so they split at the watermark alone). Refuses (503) a range with
   * hours no layer can answer right now, naming what makes them answerable: they are never zero.
   */
  async layersOf(range: TimeRange, project: string, now = Date.now()) {
    const watermark = await this.batch.watermarkEnd();
    const late = await this.lateHours.hours();
    const pointerOf = await this.batch.pointers(range.from, range.to);
    const horizonStart = Math.ceil((now - this.config.speed.horizonMs) / HOUR) * HOUR;
    // The lake's hours are listed only where the plan asks: before the speed horizon.
    const lakeHours = new Set(
      range.from.getTime() < horizonStart
        ? (
            await eventHoursOf(
              this.batch.lake,
              project,
              range.from.getTime(),
              Math.min(range.to.getTime(), horizonStart),
            )
          ).map((p) => p.hour)
        : [],
    );
    const { parts, refused } = planLayers(range, {
      watermarkEnd: watermark?.getTime(),
      horizonStart,
      published: (h) => pointerOf(new Date(h).toISOString()) !== undefined,
      late: (h) => {
        const ranges = late.get(`${project}|${new Date(h).toISOString()}`);
        if (!ranges) return false;
        const archived = pointerOf(new Date(h).toISOString())?.archived;
        return ranges.some((r) => !viewHolds(archived, r));
      },
      lakeHolds: (h) => lakeHours.has(h),
    });
    if (refused.length > 0) throw new NotAnswerableError(refusalMessage(refused, this.config));
    const split = splitAt(watermark, range);
    return {
      split,
      /** The parts as the raw-event analyses read them: the lake before `split`, the speed view after. */
      rawParts: [
        ...(split > range.from
          ? [{ source: 'batch' as const, from: range.from.toISOString(), to: split.toISOString() }]
          : []),
        ...(range.to > split
          ? [{ source: 'speed' as const, from: split.toISOString(), to: range.to.toISOString() }]
          : []),
      ],
      parts: parts.map((p) => ({ source: p.source, from: p.from.toISOString(), to: p.to.toISOString() })),
      watermark: watermark?.toISOString() ?? null,
    };
  }

  /** The layers answering each part of a range, with their (cached) readers. */
  private async sides(
    def: MetricDefinition,
    project: string,
    range: TimeRange,
    q: Omit<SeriesQuery, 'project' | 'metric' | 'from' | 'to'>,
  ) {
    const { parts, watermark } = await this.layersOf(range, project);
    const sides: Side[] = parts.map((p) => ({
      source: p.source,
      reader: p.source === 'batch' ? this.batchCache : this.speedCache,
      q: { project, metric: def.name, ...q, from: new Date(p.from), to: new Date(p.to) },
    }));
    return { sides, watermark };
  }

  async query(
    name: string,
    project: string,
    range: TimeRange,
    granularity: Granularity,
    opts: QueryOptions = {},
  ): Promise<MetricAnswer> {
    const def = this.definition(name);
    const dimName = dimensionName(def);
    const { groupBy } = opts;
    if (groupBy !== undefined && groupBy !== '' && groupBy !== dimName) {
      throw new BadQueryError(
        `metric '${def.name}' can be grouped by ${dimName ? `'${dimName}'` : 'nothing'}, not '${groupBy}'`,
      );
    }
    // Whole answers are cached too: merging sketches of many buckets costs more than reading them.
    const key = [
      'metric',
      name,
      range.from.getTime(),
      range.to.getTime(),
      granularity,
      Boolean(groupBy),
      opts.dims ?? null,
    ];
    return this.cachedAnswer(project, key, async () => {
      const { sides, watermark } = await this.sides(def, project, range, {
        granularity,
        groupBy: Boolean(groupBy),
        ...(opts.dims ? { dims: opts.dims } : {}),
      });
      const merged =
        def.measure.kind === 'unique_actors' ? await this.uniques(sides) : await this.additive(def, sides);
      const sources = new Set(merged.parts.map((p) => p.source));
      const pendingRepair = lateSpans(merged.parts);
      return {
        metric: name,
        project,
        from: range.from.toISOString(),
        to: range.to.toISOString(),
        granularity,
        ...merged,
        source: sources.size > 1 ? ('mixed' as const) : ([...sources][0] ?? ('speed' as const)),
        watermark,
        ...(pendingRepair.length > 0 ? { pendingRepair } : {}),
        ...(def.exact ? {} : { standardError: HLL_STANDARD_ERROR }),
      };
    });
  }

  /**
   * An answer of any route over the merged views, cached until either layer moves; its data
   * freshness is added at each request (it moves with the clock).
   */
  async cachedAnswer<T extends object>(
    project: string,
    key: unknown[],
    compute: () => Promise<T>,
  ): Promise<T & { freshness: Freshness }> {
    const answer = (await this.answers.get(JSON.stringify([project, ...key]), compute)) as T;
    const freshness = await this.freshness(project);
    const late = lateSpans((answer as { parts?: LayerSpan[] }).parts ?? []);
    if (late.length > 0)
      freshness.pendingRepair = {
        workflow: 'lateDataRepair',
        everySeconds: this.config.temporal.repairEverySeconds,
        parts: late,
      };
    return { ...answer, freshness };
  }

  /** Totals per dimension value of an additive metric over the range (counts and sums both). */
  async totals(
    name: MetricName,
    project: string,
    range: TimeRange,
    dims?: readonly string[],
  ): Promise<DimTotals> {
    const def = this.definition(name);
    if (def.measure.kind === 'unique_actors')
      throw new Error(`totals() is for additive metrics, not ${name}`);
    const { sides, watermark } = await this.sides(def, project, range, {
      granularity: 'day',
      groupBy: true,
      ...(dims ? { dims } : {}),
    });
    const byDim = new Map<string, { count: number; sum: number }>();
    const parts: AnswerPart[] = [];
    for (const side of sides) {
      const cells = await side.reader.measures(side.q);
      let value = 0;
      for (const c of cells) {
        const t = byDim.get(c.dim) ?? { count: 0, sum: 0 };
        t.count += c.count;
        t.sum += c.sum;
        byDim.set(c.dim, t);
        value += def.measure.kind === 'count' ? c.count : c.sum;
      }
      parts.push({
        source: side.source,
        from: side.q.from.toISOString(),
        to: side.q.to.toISOString(),
        value,
      });
    }
    return { byDim, parts, watermark };
  }

  async freshness(project: string, now = Date.now()): Promise<Freshness> {
    const stamp = await this.speed.stamp();
    let known = this.lastReceived.get(project);
    if (!known || known.stamp !== stamp) {
      known = { stamp, at: await this.speed.lastReceived(project) };
      this.lastReceived.set(project, known);
    }
    return {
      speedLastReceivedAt: known.at?.toISOString() ?? null,
      lagSeconds: known.at ? Math.max(0, Math.round((now - known.at.getTime()) / 100) / 10) : null,
    };
  }

  /** Counts and sums add across layers and buckets. */
  private async additive(def: MetricDefinition, sides: Side[]) {
    const take = (c: { count: number; sum: number }) => (def.measure.kind === 'count' ? c.count : c.sum);
    const buckets = new Map<string, Bucket>();
    const parts: AnswerPart[] = [];
    for (const side of sides) {
      const cells = await side.reader.measures(side.q);
      parts.push({
        source: side.source,
        from: side.q.from.toISOString(),
        to: side.q.to.toISOString(),
        value: cells.reduce((n, c) => n + take(c), 0),
      });
      for (const c of cells) {
        const key = `${c.bucket}|${c.dim}`;
        const b = buckets.get(key);
        if (b) {
          b.value += take(c);
          if (b.source !== side.source) b.source = 'mixed';
        } else {
          buckets.set(key, {
            start: new Date(c.bucket).toISOString(),
            ...(side.q.groupBy ? { dim: c.dim } : {}),
            value: take(c),
            source: side.source,
          });
        }
      }
    }
    return {
      value: parts.reduce((n, p) => n + p.value, 0),
      parts,
      buckets: sortBuckets([...buckets.values()]),
    };
  }

  /** Unique counts: registers merge by max across layers and buckets; estimates are never added. */
  private async uniques(sides: Side[]) {
    const perBucket = new Map<
      string,
      { start: number; dim: string; regs: Map<number, number>; estimate: number; sources: Set<Source> }
    >();
    const total = new Map<number, number>();
    const parts: AnswerPart[] = [];
    for (const side of sides) {
      const sketch = await this.sideSketch(side);
      for (const [key, b] of sketch.buckets) {
        const seen = perBucket.get(key);
        if (seen) {
          // A bucket both layers answer (it holds the watermark): merge its registers.
          const regs = hllMerge(new Map(seen.regs), b.regs);
          perBucket.set(key, {
            ...seen,
            regs,
            estimate: hllEstimate(regs),
            sources: new Set([...seen.sources, side.source]),
          });
        } else perBucket.set(key, { ...b, sources: new Set([side.source]) });
      }
      hllMerge(total, sketch.total);
      parts.push({
        source: side.source,
        from: side.q.from.toISOString(),
        to: side.q.to.toISOString(),
        value: Math.round(hllEstimate(sketch.total)),
      });
    }
    const buckets = [...perBucket.values()].map((b): Bucket => ({
      start: new Date(b.start).toISOString(),
      ...(sides[0]?.q.groupBy ? { dim: b.dim } : {}),
      value: Math.round(b.estimate),
      source: b.sources.size > 1 ? 'mixed' : (b.sources.values().next().value as Source),
    }));
    return { value: Math.round(hllEstimate(total)), parts, buckets: sortBuckets(buckets) };
  }

  /**
   * One layer's registers merged per bucket and over its whole part, with the bucket estimates,
   * cached with that layer: when only the speed view moves, the batch side (most of a long range)
   * is not merged again.
   */
  private sideSketch(side: Side): Promise<SideSketch> {
    const cache = side.source === 'batch' ? this.batchSketches : this.speedSketches;
    const q = side.q;
    return cache.get(seriesKey(q), async () => {
      const buckets = new Map<
        string,
        { start: number; dim: string; regs: Map<number, number>; estimate: number }
      >();
      const total = new Map<number, number>();
      for (const c of await side.reader.registers(q)) {
        const k = `${c.bucket}|${c.dim}`;
        let b = buckets.get(k);
        if (!b) buckets.set(k, (b = { start: c.bucket, dim: c.dim, regs: new Map(), estimate: 0 }));
        if ((b.regs.get(c.reg) ?? 0) < c.rank) b.regs.set(c.reg, c.rank);
        if ((total.get(c.reg) ?? 0) < c.rank) total.set(c.reg, c.rank);
      }
      for (const b of buckets.values()) b.estimate = hllEstimate(b.regs);
      return { buckets, total };
    });
  }
}

interface LayerSpan {
  source: string;
  from: string;
  to: string;
}

/** The spans of an answer's parts that are sealed hours waiting for late-data repair. */
function lateSpans(parts: LayerSpan[]): { from: string; to: string }[] {
  return parts.filter((p) => p.source === 'late').map((p) => ({ from: p.from, to: p.to }));
}

interface SideSketch {
  buckets: Map<string, { start: number; dim: string; regs: Map<number, number>; estimate: number }>;
  total: Map<number, number>;
}

function sortBuckets(b: Bucket[]): Bucket[] {
  return b.sort((x, y) =>
    x.start < y.start ? -1 : x.start > y.start ? 1 : (x.dim ?? '') < (y.dim ?? '') ? -1 : 1,
  );
}

/** The name a metric's dimension is grouped and filtered by, if it has one. */
export function dimensionName(def: MetricDefinition): string | undefined {
  return def.dimension.from === 'none'
    ? undefined
    : def.dimension.from === 'event'
      ? 'event'
      : def.dimension.name;
}

/** A 503 body naming the hours no layer can answer and the command that makes them answerable. */
function refusalMessage(refused: Refusal[], config: Config): string {
  const iso = (ms: number) => new Date(ms).toISOString();
  const span = (list: Refusal[]) => {
    const first = list[0]?.hour ?? 0;
    const last = list[list.length - 1]?.hour ?? 0;
    return { first: iso(first), last: iso(last), end: iso(last + HOUR) };
  };
  const horizon = config.speed.horizonMs / HOUR;
  const missing = refused.filter((r) => r.needs === 'backfill');
  const late = refused.filter((r) => r.needs === 'repair');
  const lines: string[] = [];
  if (missing.length > 0) {
    const s = span(missing);
    lines.push(
      `hours ${s.first} to ${s.last} hold events but are not sealed by the batch layer yet, and the speed view keeps only the last ${horizon} hours: ` +
        `the late-data-repair schedule computes hours before the watermark by itself; after the watermark, or to have them now, run ./platform backfill --from ${s.first} --to ${s.end}`,
    );
  }
  if (late.length > 0) {
    const s = span(late);
    lines.push(
      `hours ${s.first} to ${s.last} received late events that their batch view does not hold yet, and they are older than the speed view's ${horizon} hours: ` +
        `the late-data-repair schedule recomputes them within minutes (or now: ./platform backfill --from ${s.first} --to ${s.end})`,
    );
  }
  return lines.join('; ');
}
