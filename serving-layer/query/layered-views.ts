import type { ClickHouseClient } from '@clickhouse/client';
import type { Config } from '../../core/config/config';
import { eventHoursOf } from '../../core/lake/events';
import { LateHoursIndex, viewHolds } from '../../core/lake/late-markers';
import type { MetricDefinition } from '../../core/metric-catalog/catalog';
import type { HourPointer } from '../../core/lake/records';
import type { BatchViewReader } from '../views/batch-view-reader';
import { planLayers } from '../views/layer-plan';
import { seriesKey, type SeriesQuery } from '../views/series';
import { splitAt } from '../views/split';
import { SpeedViewReader } from '../views/speed-view-reader';
import { StampedCache } from '../views/stamped-cache';
import { CachedViewReader } from '../views/view-cache';
import { lateSpans, type Freshness, type LayerSpan } from './answer';
import { NotAnswerableError } from './errors';
import { sideSketch, type Side, type SideSketch } from './merge';
import { refusalMessage } from './refusal';
import type { TimeRange } from './time-range';

const HOUR = 3_600_000;

/**
 * The layered reading every kind of question shares: which layer answers each hour of a range
 * (the batch view up to the watermark, the speed view after it, a sealed hour with late events
 * from the speed view until repaired; views/layer-plan.ts), the layers' cached readers, the
 * stamps that say when a layer moved, and answers cached until it does, with the data's
 * freshness. Metrics, segments, sessions, persons, funnels, retention and experiments read through
 * it; none of them through another kind of question.
 */
export class LayeredViews {
  readonly speed: SpeedViewReader;
  readonly batchCache: CachedViewReader;
  readonly speedCache: CachedViewReader;
  private readonly batchSketches: StampedCache<SideSketch>;
  private readonly speedSketches: StampedCache<SideSketch>;
  private readonly lastReceived = new Map<string, { stamp: string; at: Promise<Date | null> }>();
  private readonly answers = new StampedCache<object>(() => this.stamp(), 2_000);
  private readonly lateHours: LateHoursIndex;

  constructor(
    private readonly config: Config,
    clickhouse: ClickHouseClient,
    private readonly batch: BatchViewReader,
  ) {
    this.speed = new SpeedViewReader(clickhouse, config.clickhouse.database, !config.clickhouse.url);
    this.batchCache = new CachedViewReader(batch, () => batch.stamp());
    this.speedCache = new CachedViewReader(this.speed, (q) => this.speed.stamp(q));
    this.batchSketches = new StampedCache(() => batch.stamp(), 500);
    this.speedSketches = new StampedCache(() => this.speed.stamp(), 500);
    this.lateHours = new LateHoursIndex(batch.lake);
  }

  /**
   * Pays the first use's costs before the first request does: DuckDB's and ClickHouse's first
   * query (chDB's first query in a process takes about 30 ms, its tables' metadata loaded), the
   * batch view's stamp and the late-marker index. Best effort and at most 3 s: a layer away at
   * start is not an error here, its requests say so.
   */
  async warm(): Promise<void> {
    const now = Date.now();
    const q: SeriesQuery = {
      project: '',
      metric: 'events',
      from: new Date(now - HOUR),
      to: new Date(now),
      granularity: 'hour',
      groupBy: false,
    };
    // Bounded: a ClickHouse server that accepts and does not answer must not hold the start.
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, 3_000)));
    const warming = Promise.allSettled([
      this.batch.warm(),
      this.batch.measures(q),
      this.speed.measures(q),
      this.speed.registers({ ...q, metric: 'active_users' }),
      this.batch.stamp(),
      this.lateHours.hours(),
    ]);
    await Promise.race([warming, bound]);
    clearTimeout(timer);
  }

  /** Changes whenever the batch layer publishes or its watermark moves. */
  batchStamp(): Promise<string> {
    return this.batch.stamp();
  }

  /** End of the last sealed hour, if any: the lake answers raw-event reads before it. */
  watermarkEnd(): Promise<Date | undefined> {
    return this.batch.watermarkEnd();
  }

  /**
   * Changes whenever either layer does; with a range, whenever the batch layer does or the speed
   * view changes within the range (in-process: see SpeedViewReader.stamp).
   */
  async stamp(range?: { from: Date; to: Date }): Promise<string> {
    return `${await this.batch.stamp()}|${await this.speed.stamp(range)}`;
  }

  /**
   * Which layer answers each hour of a range (views/layer-plan.ts), and `split`, the watermark
   * clipped to the range, for the analyses that read raw events (the lake holds late events as
   * soon as they are archived, so they split at the watermark alone). Refuses (503) a range with
   * hours no layer can answer right now, naming what makes them answerable: they are never zero.
   */
  async layersOf(q: { range: TimeRange; project: string; now?: number }) {
    const { range, project, now = Date.now() } = q;
    const watermark = await this.batch.watermarkEnd();
    const late = await this.lateHours.hours();
    const views = await this.batch.hourViews(range.from, range.to);
    // The hours with late events are few: only theirs are read, for the ranges their views hold.
    const lateArchived = new Map<number, HourPointer['archived']>();
    const first = Math.floor(range.from.getTime() / HOUR) * HOUR;
    for (const k of late.keys()) {
      // Keys are `${project}|${hour}`; the hour holds no '|', a project name might.
      const bar = k.lastIndexOf('|');
      const iso = k.slice(bar + 1);
      const h = Date.parse(iso);
      if (k.slice(0, bar) === project && h >= first && h < range.to.getTime())
        lateArchived.set(h, (await views.pointer(iso))?.archived);
    }
    const horizonStart = Math.ceil((now - this.config.speed.horizonMs) / HOUR) * HOUR;
    // The lake's hours are listed only where the plan asks (layer-plan.ts): before the speed
    // horizon, hours not sealed or sealed without a view. A month of sealed hours lists nothing.
    const sealed = (h: number) => watermark !== undefined && h < watermark.getTime();
    const lakeHours = new Set(
      range.from.getTime() < horizonStart
        ? (
            await eventHoursOf(
              this.batch.lake,
              project,
              range.from.getTime(),
              Math.min(range.to.getTime(), horizonStart),
              (h) => !sealed(h) || !views.published(new Date(h).toISOString()),
            )
          ).map((p) => p.hour)
        : [],
    );
    const { parts, refused } = planLayers(range, {
      watermarkEnd: watermark?.getTime(),
      horizonStart,
      published: (h) => views.published(new Date(h).toISOString()),
      late: (h) => {
        const ranges = late.get(`${project}|${new Date(h).toISOString()}`);
        if (!ranges) return false;
        const archived = lateArchived.get(h);
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
  async sides(q: {
    def: MetricDefinition;
    project: string;
    range: TimeRange;
    series: Omit<SeriesQuery, 'project' | 'metric' | 'from' | 'to'>;
  }) {
    const { def, project, range, series } = q;
    const { parts, watermark } = await this.layersOf({ range, project });
    const sides: Side[] = parts.map((p) => ({
      source: p.source,
      reader: p.source === 'batch' ? this.batchCache : this.speedCache,
      q: { project, metric: def.name, ...series, from: new Date(p.from), to: new Date(p.to) },
    }));
    return { sides, watermark };
  }

  /**
   * An answer of any route over the merged views, cached until either layer moves; its data
   * freshness is added at each request (it moves with the clock).
   */
  async cachedAnswer<T extends object>(
    project: string,
    key: unknown[],
    compute: () => Promise<T>,
    /** The event times the answer reads, when it reads no other: it then survives writes elsewhere. */
    range?: { from: Date; to: Date },
  ): Promise<T & { freshness: Freshness }> {
    const answer = (await this.answers.get(
      JSON.stringify([project, ...key]),
      compute,
      range ? () => this.stamp(range) : undefined,
    )) as T;
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

  async freshness(project: string, now = Date.now()): Promise<Freshness> {
    const stamp = await this.speed.stamp();
    let known = this.lastReceived.get(project);
    if (!known || known.stamp !== stamp) {
      // One query per write, shared by the requests waiting on it: after each write every
      // request asks, and chDB runs their queries one after another.
      const at = this.speed.lastReceived(project);
      known = { stamp, at };
      this.lastReceived.set(project, known);
      at.catch(() => {
        if (this.lastReceived.get(project)?.at === at) this.lastReceived.delete(project);
      });
    }
    const at = await known.at;
    return {
      speedLastReceivedAt: at?.toISOString() ?? null,
      lagSeconds: at ? Math.max(0, Math.round((now - at.getTime()) / 100) / 10) : null,
    };
  }

  /**
   * One layer's registers merged per bucket and over its whole part, cached with that layer: when
   * only the speed view moves, the batch side (most of a long range) is not merged again.
   */
  sideSketch(side: Side): Promise<SideSketch> {
    if (side.source === 'batch') return this.batchSketches.get(seriesKey(side.q), () => sideSketch(side));
    return this.speedSketches.get(
      seriesKey(side.q),
      () => sideSketch(side),
      () => this.speed.stamp(side.q),
    );
  }
}
