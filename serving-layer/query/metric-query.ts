import { own } from '../../core/values/own';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Config } from '../../core/config/config';
import { metricByName, type MetricDefinition, type MetricName } from '../../core/metric-catalog/catalog';
import { HLL_STANDARD_ERROR } from '../../core/sketches/hll';
import { eventHoursOf } from '../../core/lake/events';
import type { BatchViewReader } from '../views/batch-view-reader';
import { seriesKey, type SeriesQuery } from '../views/series';
import { CachedViewReader } from '../views/view-cache';
import { StampedCache } from '../views/stamped-cache';
import { splitAt } from '../views/split';
import { planLayers } from '../views/layer-plan';
import { LateHoursIndex, viewHolds } from '../../core/lake/late-markers';
import { SpeedViewReader } from '../views/speed-view-reader';
import type { TimeRange } from './time-range';
import { EVENT_DIMENSION_NAMES, isEventDimension } from '../../core/events/dimensions';
import { BadQueryError, NotAnswerableError } from './errors';
import {
  lateSpans,
  type AnswerPart,
  type DimTotals,
  type Freshness,
  type LayerSpan,
  type MetricAnswer,
  type MetricRequest,
} from './answer';
import { ALIASES, dimensionName } from './catalog-listing';
import { mergeAdditive, mergeUniques, sideSketch, type Side, type SideSketch } from './merge';
import { refusalMessage } from './refusal';
import { SegmentQuery } from './segment-query';
import { PersonQuery } from './person-query';
import { uniquePersons } from './unique-persons';
import { SessionQuery } from './session-query';
import { sessionMetricByName, type SessionMetricDefinition } from '../../core/metric-catalog/session-metrics';
import type { RawEventReader } from '../views/raw-event-reader';
import type { SegmentDefinition } from '../../core/segments/definition';

const HOUR = 3_600_000;

/**
 * The query core, free of any web framework (dashboards, reports, experiments and segments call
 * it; the HTTP layer maps its errors: BadQueryError 400, NotAnswerableError 503).
 * Answers a catalog metric by merging the layers: the part of the range up to the batch
 * watermark from the batch view (sealed, exact), the rest from the speed view. The split is at an
 * hour boundary and each instant comes from exactly one layer; counts and sums add across it.
 * Unique counts count persons, so they are sketched when asked from each layer's events (the lake
 * before the watermark, the speed view after it: unique-persons.ts), registers merged, never
 * estimates added; session metrics are cut from the same events (session-query.ts). Each
 * layer's answers are cached until that layer moves.
 */
export class MetricQuery {
  readonly speed: SpeedViewReader;
  readonly batchCache: CachedViewReader;
  readonly speedCache: CachedViewReader;
  private readonly batchSketches: StampedCache<SideSketch>;
  private readonly speedSketches: StampedCache<SideSketch>;
  private readonly lastReceived = new Map<string, { stamp: string; at: Promise<Date | null> }>();
  private readonly answers = new StampedCache<object>(() => this.stamp(), 2_000);
  private readonly lateHours: LateHoursIndex;

  /** Segment-filtered answers, over raw events (absent where no raw-event reader is given). */
  private readonly segmentQuery?: SegmentQuery;
  /** The identity graph and person profiles, over raw events (the same condition). */
  private readonly personQuery?: PersonQuery;
  /** Session metrics, over raw events (the same condition). */
  private readonly sessionQuery?: SessionQuery;

  constructor(
    private readonly config: Config,
    clickhouse: ClickHouseClient,
    private readonly batch: BatchViewReader,
    private readonly raw?: RawEventReader,
  ) {
    if (raw) {
      this.segmentQuery = new SegmentQuery(this, raw);
      this.personQuery = new PersonQuery(this, raw, config.sessions.timeoutMs, config.speed.horizonMs);
      this.sessionQuery = new SessionQuery(this, raw, config.sessions.timeoutMs);
    }
    this.speed = new SpeedViewReader(clickhouse, config.clickhouse.database, !config.clickhouse.url);
    this.batchCache = new CachedViewReader(batch, () => batch.stamp());
    this.speedCache = new CachedViewReader(this.speed, (q) => this.speed.stamp(q));
    this.batchSketches = new StampedCache(() => batch.stamp(), 500);
    this.speedSketches = new StampedCache(() => this.speed.stamp(), 500);
    this.lateHours = new LateHoursIndex(batch.lake);
  }

  /** The catalog definition for a name (or its alias), else a 400 naming the catalog. */
  definition(name: string): MetricDefinition {
    const def = metricByName(own(ALIASES, name) ?? name);
    if (!def) throw new BadQueryError(`unknown metric '${name}': GET /v1/metrics lists the catalog`);
    return def;
  }

  /** The name a metric's own dimension is grouped and filtered by (catalog or session metric), if any. */
  dimensionOf(name: string): string | undefined {
    const session = sessionMetricByName(name);
    return session ? session.dimension : dimensionName(this.definition(name));
  }

  /** The segment-filtered analyses; an error where this query core has no raw-event reader. */
  segments(): SegmentQuery {
    if (!this.segmentQuery)
      throw new Error('this query core was built without a raw-event reader: no segments');
    return this.segmentQuery;
  }

  /** Sessions (GET /v1/sessions and the session metrics); an error where this query core has no raw-event reader. */
  sessions(): SessionQuery {
    if (!this.sessionQuery)
      throw new Error('this query core was built without a raw-event reader: no sessions');
    return this.sessionQuery;
  }

  /** Persons: the identity graph and profiles; an error where this query core has no raw-event reader. */
  persons(): PersonQuery {
    if (!this.personQuery)
      throw new Error('this query core was built without a raw-event reader: no persons');
    return this.personQuery;
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
  async layersOf(range: TimeRange, project: string, now = Date.now()) {
    const watermark = await this.batch.watermarkEnd();
    const late = await this.lateHours.hours();
    const pointerOf = await this.batch.pointers(range.from, range.to);
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
              (h) => !sealed(h) || pointerOf(new Date(h).toISOString()) === undefined,
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

  async query(q: MetricRequest): Promise<MetricAnswer> {
    const session = sessionMetricByName(q.metric);
    if (session) return this.sessionMetric(session, q);
    const { metric: name, project, range, granularity, ...opts } = q;
    const def = this.definition(name);
    const dimName = dimensionName(def);
    const groupBy = opts.groupBy === '' ? undefined : opts.groupBy;
    // An event dimension (country, device_type, utm_source...) when it is not the metric's own.
    const by =
      groupBy !== undefined && groupBy !== dimName && isEventDimension(groupBy) ? groupBy : undefined;
    if (groupBy !== undefined && groupBy !== dimName && by === undefined) {
      throw new BadQueryError(
        `metric '${def.name}' can be grouped by ${[...(dimName ? [dimName] : []), ...EVENT_DIMENSION_NAMES].map((d) => `'${d}'`).join(', ')}, not '${groupBy}'`,
      );
    }
    const where = opts.where && opts.where.length > 0 ? opts.where : undefined;
    // Whole answers are cached too: merging sketches of many buckets costs more than reading them.
    const key = [
      'metric',
      name,
      range.from.getTime(),
      range.to.getTime(),
      granularity,
      groupBy ?? null,
      opts.dims ?? null,
      opts.segments ?? null,
      where ?? null,
    ];
    const scope = opts.segments;
    // Segments and event dimensions are answered from raw events: no view holds them.
    if (scope || by || where) {
      if (scope?.breakdown && groupBy)
        throw new BadQueryError('breakdown=segment and groupBy split buckets two ways: use one of them');
      return this.cachedAnswer(project, key, async () => ({
        metric: name,
        ...(await this.segments().metric({
          def,
          project,
          range,
          granularity,
          scope,
          groupBy: groupBy !== undefined && by === undefined,
          by,
          where,
          dims: opts.dims,
        })),
        ...(scope ? { segments: scope.segments.map((s) => s.id) } : {}),
        ...(scope?.breakdown ? { breakdown: 'segment' as const } : {}),
      }));
    }
    // Unique counts count persons, at the time of asking (unique-persons.ts).
    if (def.measure.kind === 'unique_actors' && this.raw)
      return this.cachedAnswer(
        project,
        key,
        async () => {
          const answer = await uniquePersons(
            { metrics: this, raw: this.raw!, graph: (p) => this.persons().graph(p) },
            { project, range, granularity, ...(def.events === '*' ? {} : { events: def.events }) },
          );
          return {
            metric: name,
            project,
            from: range.from.toISOString(),
            to: range.to.toISOString(),
            granularity,
            ...answer,
          };
        },
        // No range: a join sent after the range changes who is whom within it.
      );
    return this.cachedAnswer(
      project,
      key,
      async () => {
        const { sides, watermark } = await this.sides(def, project, range, {
          granularity,
          groupBy: Boolean(groupBy),
          ...(opts.dims ? { dims: opts.dims } : {}),
        });
        const merged =
          def.measure.kind === 'unique_actors'
            ? await mergeUniques(sides, (side) => this.sideSketch(side))
            : await mergeAdditive(def, sides);
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
          ...(def.exact ? {} : { standardError: HLL_STANDARD_ERROR, counting: 'ids' as const }),
        };
      },
      range,
    );
  }

  /** A session metric (sessions, bounce_rate...): cut from each layer's events, per person. */
  private sessionMetric(def: SessionMetricDefinition, q: MetricRequest): Promise<MetricAnswer> {
    const { project, range, granularity, dims, where } = q;
    const groupBy = q.groupBy === '' ? undefined : q.groupBy;
    if (q.segments?.breakdown && groupBy)
      throw new BadQueryError('breakdown=segment and groupBy split buckets two ways: use one of them');
    const by =
      groupBy !== undefined && groupBy !== def.dimension && isEventDimension(groupBy) ? groupBy : undefined;
    if (groupBy !== undefined && groupBy !== def.dimension && by === undefined)
      throw new BadQueryError(
        `metric '${def.name}' can be grouped by ${[...(def.dimension ? [def.dimension] : []), ...EVENT_DIMENSION_NAMES].map((d) => `'${d}'`).join(', ')}, not '${groupBy}'`,
      );
    const key = [
      'session-metric',
      def.name,
      range.from.getTime(),
      range.to.getTime(),
      granularity,
      groupBy ?? null,
      dims ?? null,
      where ?? null,
      q.segments ?? null,
    ];
    const sessions = this.sessions();
    return this.cachedAnswer(project, key, async () => ({
      metric: def.name,
      ...(await sessions.metric({
        def,
        project,
        range,
        granularity,
        groupBy: groupBy !== undefined && by === undefined,
        by,
        where: where && where.length > 0 ? where : undefined,
        dims,
        scope: q.segments,
      })),
      ...(q.segments ? { segments: q.segments.segments.map((sg) => sg.id) } : {}),
      ...(q.segments?.breakdown ? { breakdown: 'segment' as const } : {}),
    }));
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

  /** Totals per dimension value of an additive metric over the range (counts and sums both). */
  async totals(q: {
    metric: MetricName;
    project: string;
    range: TimeRange;
    /** Only these dimension values. */
    dims?: readonly string[];
    /** Only the events of the segment's members, when they were members. */
    segment?: SegmentDefinition;
  }): Promise<DimTotals> {
    const { metric: name, project, range, dims, segment } = q;
    const def = this.definition(name);
    if (segment) return this.segments().totals({ def, project, range, segment, dims });
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
  private sideSketch(side: Side): Promise<SideSketch> {
    if (side.source === 'batch') return this.batchSketches.get(seriesKey(side.q), () => sideSketch(side));
    return this.speedSketches.get(
      seriesKey(side.q),
      () => sideSketch(side),
      () => this.speed.stamp(side.q),
    );
  }
}

export * from './answer';
export { catalogListing, dimensionName } from './catalog-listing';
