import { own } from '../../core/values/own';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Config } from '../../core/config/config';
import { metricByName, type MetricDefinition, type MetricName } from '../../core/metric-catalog/catalog';
import { HLL_STANDARD_ERROR } from '../../core/sketches/hll';
import type { BatchViewReader } from '../views/batch-view-reader';
import type { TimeRange } from './time-range';
import { EVENT_DIMENSION_NAMES, isEventDimension } from '../../core/events/dimensions';
import { compileFilter, type CompiledFilter, type EventFilter } from '../../core/events/event-filter';
import { parsePropertyRef, type PropertyRef } from '../../core/events/property-ref';
import { BadQueryError } from './errors';
import { lateSpans, type AnswerPart, type DimTotals, type MetricAnswer, type MetricRequest } from './answer';
import { ALIASES, dimensionName } from './catalog-listing';
import { mergeAdditive, mergeUniques } from './merge';
import { SegmentQuery } from './segment-query';
import { PersonQuery } from './person-query';
import { LayeredViews } from './layered-views';
import { uniquePersons } from './unique-persons';
import { SessionQuery } from './session-query';
import { InsightQuery } from './insight-query';
import { sessionMetricByName, type SessionMetricDefinition } from '../../core/metric-catalog/session-metrics';
import type { RawEventReader } from '../views/raw-event-reader';
import type { SegmentDefinition } from '../../core/segments/definition';

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
  /** The layered reading every kind of question shares. */
  readonly layers: LayeredViews;
  /** Segment-filtered answers, over raw events (absent where no raw-event reader is given). */
  private readonly segmentQuery?: SegmentQuery;
  /** The identity graph and person profiles, over raw events (the same condition). */
  private readonly personQuery?: PersonQuery;
  /** Session metrics, over raw events (the same condition). */
  private readonly sessionQuery?: SessionQuery;
  /** Metrics defined without code, over raw events (the same condition). */
  private readonly insightQuery?: InsightQuery;

  constructor(
    config: Config,
    clickhouse: ClickHouseClient,
    batch: BatchViewReader,
    private readonly raw?: RawEventReader,
  ) {
    this.layers = new LayeredViews(config, clickhouse, batch);
    if (raw) {
      const persons = new PersonQuery(this.layers, raw, config.sessions.timeoutMs, config.speed.horizonMs);
      this.personQuery = persons;
      this.segmentQuery = new SegmentQuery(this.layers, raw, persons);
      this.sessionQuery = new SessionQuery(this.layers, raw, {
        timeoutMs: config.sessions.timeoutMs,
        segments: this.segmentQuery,
        persons,
      });
      this.insightQuery = new InsightQuery(this.layers, raw, { persons, segments: this.segmentQuery });
    }
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

  /** Metrics defined without code; an error where this query core has no raw-event reader. */
  insights(): InsightQuery {
    if (!this.insightQuery)
      throw new Error('this query core was built without a raw-event reader: no insights');
    return this.insightQuery;
  }

  /** Persons: the identity graph and profiles; an error where this query core has no raw-event reader. */
  persons(): PersonQuery {
    if (!this.personQuery)
      throw new Error('this query core was built without a raw-event reader: no persons');
    return this.personQuery;
  }

  async query(q: MetricRequest): Promise<MetricAnswer> {
    const session = sessionMetricByName(q.metric);
    if (session) return this.sessionMetric(session, q);
    const { metric: name, project, range, granularity, ...opts } = q;
    const def = this.definition(name);
    const dimName = dimensionName(def);
    const groupBy = opts.groupBy === '' ? undefined : opts.groupBy;
    // An event dimension, event property or person trait, when it is not the metric's own dimension.
    const by =
      groupBy !== undefined && groupBy !== dimName ? groupRef(def.name, dimName, groupBy) : undefined;
    const filter = opts.filter ? compiled(opts.filter) : undefined;
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
      opts.filter ?? null,
      opts.limit ?? null,
    ];
    const scope = opts.segments;
    if (opts.limit !== undefined && groupBy === undefined && !scope?.breakdown)
      throw new BadQueryError(
        'limit keeps the largest groups of a split answer: give groupBy (or breakdown=segment) too',
      );
    // Segments, properties, filters and top groups are answered from raw events: no view holds them.
    if (scope || by || where || filter || opts.limit !== undefined) {
      if (scope?.breakdown && groupBy)
        throw new BadQueryError('breakdown=segment and groupBy split buckets two ways: use one of them');
      return this.layers.cachedAnswer(project, key, async () => ({
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
          filter,
          limit: opts.limit,
          dims: opts.dims,
        })),
        ...(scope ? { segments: scope.segments.map((s) => s.id) } : {}),
        ...(scope?.breakdown ? { breakdown: 'segment' as const } : {}),
      }));
    }
    // Unique counts count persons, at the time of asking (unique-persons.ts).
    if (def.measure.kind === 'unique_actors' && this.raw)
      return this.layers.cachedAnswer(
        project,
        key,
        async () => {
          const answer = await uniquePersons(
            { layers: this.layers, raw: this.raw!, graph: (p) => this.persons().graph(p) },
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
    return this.layers.cachedAnswer(
      project,
      key,
      async () => {
        const { sides, watermark } = await this.layers.sides({
          def,
          project,
          range,
          series: { granularity, groupBy: Boolean(groupBy), ...(opts.dims ? { dims: opts.dims } : {}) },
        });
        const merged =
          def.measure.kind === 'unique_actors'
            ? await mergeUniques(sides, (side) => this.layers.sideSketch(side))
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
    if (q.filter || q.limit !== undefined)
      throw new BadQueryError(
        `session metrics take filter= (event dimensions) and groupBy by an event dimension; filters= and limit= are for event metrics, not '${def.name}'`,
      );
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
    return this.layers.cachedAnswer(project, key, async () => ({
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
    const { sides, watermark } = await this.layers.sides({
      def,
      project,
      range,
      series: { granularity: 'day', groupBy: true, ...(dims ? { dims } : {}) },
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
}

export * from './answer';
export { catalogListing, dimensionName } from './catalog-listing';

/** What `groupBy` names beside the metric's own dimension, else a 400 listing what it can be. */
function groupRef(metric: string, own: string | undefined, groupBy: string): PropertyRef {
  const ref = parsePropertyRef(groupBy);
  if (!('error' in ref)) return ref;
  throw new BadQueryError(
    `metric '${metric}' can be grouped by ${[...(own ? [own] : []), ...EVENT_DIMENSION_NAMES].map((d) => `'${d}'`).join(', ')}, property.<name> or person.<trait>, not '${groupBy}'`,
  );
}

/** A filter compiled, or a 400 saying what to change. */
function compiled(filter: EventFilter): CompiledFilter {
  try {
    return compileFilter(filter);
  } catch (e) {
    throw new BadQueryError((e as Error).message);
  }
}
