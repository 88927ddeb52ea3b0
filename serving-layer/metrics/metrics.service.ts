import { BadRequestException, Inject, Injectable } from '@nestjs/common';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Config } from '../../core/config';
import { METRIC_CATALOG, metricByName, type MetricDefinition } from '../../core/metrics/catalog';
import { HLL_STANDARD_ERROR, hllEstimate, hllMerge } from '../../core/sketches/hll';
import { BATCH_VIEWS, CLICKHOUSE, CONFIG } from '../tokens';
import type { BatchViewReader } from '../views/batch-view-reader';
import type { SeriesQuery, ViewReader } from '../views/series';
import { SpeedViewReader } from '../views/speed-view-reader';
import type { Granularity } from './granularity';
import type { TimeRange } from './time-range';

type Source = 'batch' | 'speed';

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
  /** Unique counts are HyperLogLog estimates with this relative standard error. */
  standardError?: number;
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
    dimension: d.dimension.from === 'none' ? null : d.dimension.from === 'event' ? 'event' : d.dimension.name,
    exact: d.exact,
  }));
}

/**
 * Answers a catalog metric by merging the layers: the part of the range up to the batch
 * watermark from the batch view (sealed, exact), the rest from the speed view. The split is at an
 * hour boundary and each instant comes from exactly one layer; counts and sums add across it,
 * unique counts merge their HLL registers (never add estimates).
 */
@Injectable()
export class MetricsService {
  private readonly speed: SpeedViewReader;

  constructor(
    @Inject(CONFIG) config: Config,
    @Inject(CLICKHOUSE) clickhouse: ClickHouseClient,
    @Inject(BATCH_VIEWS) private readonly batch: BatchViewReader,
  ) {
    this.speed = new SpeedViewReader(clickhouse, config.clickhouse.database);
  }

  async query(
    name: string,
    project: string,
    range: TimeRange,
    granularity: Granularity,
    groupBy?: string,
  ): Promise<MetricAnswer> {
    const def = metricByName(ALIASES[name] ?? name);
    if (!def) throw new BadRequestException(`unknown metric '${name}': GET /v1/metrics lists the catalog`);
    const dimName =
      def.dimension.from === 'none'
        ? undefined
        : def.dimension.from === 'event'
          ? 'event'
          : def.dimension.name;
    if (groupBy !== undefined && groupBy !== '' && groupBy !== dimName) {
      throw new BadRequestException(
        `metric '${def.name}' can be grouped by ${dimName ? `'${dimName}'` : 'nothing'}, not '${groupBy}'`,
      );
    }
    const watermark = this.batch.watermarkEnd();
    const split = watermark
      ? new Date(Math.min(Math.max(watermark.getTime(), range.from.getTime()), range.to.getTime()))
      : range.from;
    const sides: { source: Source; reader: ViewReader; q: SeriesQuery }[] = [];
    const base = { project, metric: def.name, granularity, groupBy: Boolean(groupBy) };
    if (split > range.from)
      sides.push({ source: 'batch', reader: this.batch, q: { ...base, from: range.from, to: split } });
    if (range.to > split)
      sides.push({ source: 'speed', reader: this.speed, q: { ...base, from: split, to: range.to } });
    const answer =
      def.measure.kind === 'unique_actors' ? await this.uniques(sides) : await this.additive(def, sides);
    const sources = new Set(answer.parts.map((p) => p.source));
    return {
      metric: name,
      project,
      from: range.from.toISOString(),
      to: range.to.toISOString(),
      granularity,
      ...answer,
      source: sources.size > 1 ? 'mixed' : sources.has('batch') ? 'batch' : 'speed',
      watermark: watermark?.toISOString() ?? null,
      ...(def.exact ? {} : { standardError: HLL_STANDARD_ERROR }),
    };
  }

  /** Counts and sums add across layers and buckets. */
  private async additive(
    def: MetricDefinition,
    sides: { source: Source; reader: ViewReader; q: SeriesQuery }[],
  ) {
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
  private async uniques(sides: { source: Source; reader: ViewReader; q: SeriesQuery }[]) {
    const perBucket = new Map<
      string,
      { start: number; dim: string; regs: Map<number, number>; sources: Set<Source> }
    >();
    const total = new Map<number, number>();
    const parts: AnswerPart[] = [];
    for (const side of sides) {
      const cells = await side.reader.registers(side.q);
      const sideRegs = new Map<number, number>();
      for (const c of cells) {
        const key = `${c.bucket}|${c.dim}`;
        const b = perBucket.get(key) ?? {
          start: c.bucket,
          dim: c.dim,
          regs: new Map(),
          sources: new Set<Source>(),
        };
        hllMerge(b.regs, [[c.reg, c.rank]]);
        b.sources.add(side.source);
        perBucket.set(key, b);
        hllMerge(sideRegs, [[c.reg, c.rank]]);
      }
      hllMerge(total, sideRegs);
      parts.push({
        source: side.source,
        from: side.q.from.toISOString(),
        to: side.q.to.toISOString(),
        value: Math.round(hllEstimate(sideRegs)),
      });
    }
    const buckets = [...perBucket.values()].map((b): Bucket => ({
      start: new Date(b.start).toISOString(),
      ...(sides[0]?.q.groupBy ? { dim: b.dim } : {}),
      value: Math.round(hllEstimate(b.regs)),
      source: b.sources.size > 1 ? 'mixed' : (b.sources.values().next().value as Source),
    }));
    return { value: Math.round(hllEstimate(total)), parts, buckets: sortBuckets(buckets) };
  }
}

function sortBuckets(b: Bucket[]): Bucket[] {
  return b.sort((x, y) =>
    x.start < y.start ? -1 : x.start > y.start ? 1 : (x.dim ?? '') < (y.dim ?? '') ? -1 : 1,
  );
}
