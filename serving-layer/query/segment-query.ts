import type { MetricDefinition } from '../../core/metric-catalog/catalog';
import { NO_VALUE, type EventWhere } from '../../core/events/dimensions';
import { contributions, dimValue, propertiesRead } from '../../core/metric-catalog/evaluate';
import { leaves, type EventCondition, type SegmentDefinition } from '../../core/segments/definition';
import { lookbackMs, Membership, type ActorTime } from '../../core/segments/membership';
import { HLL_STANDARD_ERROR, hllEstimate, hllMerge, hllRegister } from '../../core/sketches/hll';
import type { RawEventReader, UserFacts } from '../views/raw-event-reader';
import { StampedCache } from '../views/stamped-cache';
import type { AnswerPart, Bucket, DimTotals, MetricAnswer, SegmentScope } from './answer';
import { BUCKET_MS, type Granularity } from './granularity';
import type { LayeredViews } from './layered-views';
import type { PersonQuery } from './person-query';
import { BadQueryError } from './errors';
import type { TimeRange } from './time-range';
import { eachInTurns, flatMapInTurns } from '../../core/turns';
import type { CompiledFilter } from '../../core/events/event-filter';
import { storedPath, type PropertyRef, type StoredPath } from '../../core/events/property-ref';
import { topGroups } from './top-groups';
import { parsed, scalarOf, scanEvents } from './event-scan';

/** A segment's size evaluates each known user per bucket: this many buckets at most. */
export const MAX_SIZE_BUCKETS = 1000;

const clip = (t: number, range: TimeRange) =>
  new Date(Math.min(Math.max(t, range.from.getTime()), range.to.getTime()));

/**
 * A metric answered from raw events: restricted to segments (`scope`), to values of event
 * dimensions (`where`), to events a filter holds for (`filter`), split by the metric's dimension
 * (`groupBy`) or any property (`by`: an event dimension, event property or person trait).
 */
export interface RawMetricRequest {
  def: MetricDefinition;
  project: string;
  range: TimeRange;
  granularity: Granularity;
  scope?: SegmentScope | undefined;
  groupBy: boolean;
  /** Split by an event dimension, an event property or a person trait at the event's time. */
  by?: PropertyRef | undefined;
  where?: EventWhere | undefined;
  /** Only events this filter holds for (properties, dimensions, person traits). */
  filter?: CompiledFilter | undefined;
  /** Only the largest N groups of the split, the rest as one group, `(other)`. */
  limit?: number | undefined;
  dims?: readonly string[] | undefined;
}

/** Who a segment holds at the end of each bucket. */
export interface SegmentSize {
  segment: string;
  from: string;
  to: string;
  granularity: Granularity;
  /** Known users (seen by then) who meet the condition at the bucket's last moment: exact. */
  buckets: { start: string; members: number; known: number }[];
  parts: { source: 'batch' | 'speed'; from: string; to: string }[];
  watermark: string | null;
}

export interface SegmentMember {
  user: string;
  firstSeen: string;
  traits: Record<string, unknown>;
}

/**
 * Segments over raw events. Membership is evaluated at each event's time from the users' traits
 * (every identify call and context.traits, all history: the lake before the watermark, the speed
 * view after) and their behaviour, so a metric, funnel, retention or experiment restricted to a
 * segment counts an event when its user was in the segment as it happened. Counts and sums stay
 * exact; unique counts are the same MD5 HyperLogLog sketches as the views. Metrics grouped or
 * filtered by event dimensions (country, device_type...) are answered here too, with or without
 * segments: no view holds those dimensions.
 */
/** Segment membership asked by any id of a person (the person's name included). */
export interface PersonMembership {
  isMember(actor: string, at: number): boolean;
  /** The person's traits at `at` (every id's, the latest value of each). */
  traitsAt(actor: string, at: number): Record<string, unknown>;
}

export class SegmentQuery {
  /** The lake's users up to the watermark: all history, read again only when the batch layer moves. */
  private readonly lakeUsers: StampedCache<UserFacts>;
  private readonly memberships: StampedCache<{ m: PersonMembership; firstSeen: Map<string, number> }>;
  private readonly timelines: StampedCache<Pick<PersonMembership, 'traitsAt'>>;

  constructor(
    private readonly layers: LayeredViews,
    private readonly raw: RawEventReader,
    /** Who is whom (person-query.ts). */
    private readonly persons: Pick<PersonQuery, 'graph'>,
  ) {
    this.lakeUsers = new StampedCache(() => layers.batchStamp(), 200);
    this.memberships = new StampedCache(() => layers.stamp(), 200);
    this.timelines = new StampedCache(() => layers.stamp(), 50);
  }

  /** Every user's facts up to `to`, each event read from one layer. */
  private async users(project: string, to: Date): Promise<UserFacts> {
    const watermark = (await this.layers.watermarkEnd())?.getTime() ?? 0;
    const lake =
      watermark > 0
        ? await this.lakeUsers.get(`${project}|${watermark}`, () =>
            this.raw.users({ layer: 'lake', project, from: new Date(0), to: new Date(watermark) }),
          )
        : { firstSeen: new Map<string, number>(), traits: [] };
    if (to.getTime() <= watermark) return lake;
    const speed = await this.raw.users({ layer: 'speed', project, from: new Date(watermark), to });
    const firstSeen = new Map(lake.firstSeen);
    for (const [actor, at] of speed.firstSeen) if (!firstSeen.has(actor)) firstSeen.set(actor, at);
    return { firstSeen, traits: [...lake.traits, ...speed.traits] };
  }

  /**
   * Every person's traits at each moment up to range.to: the traits all their ids sent, the
   * latest value of each by then, asked by any of their ids.
   */
  traitTimeline(project: string, range: TimeRange): Promise<Pick<PersonMembership, 'traitsAt'>> {
    return this.timelines.get(JSON.stringify([project, range.to.getTime()]), async () => {
      const users = await this.users(project, range.to);
      const graph = await this.persons.graph(project);
      // A membership of no condition: only its trait timeline is asked.
      const m = new Membership(
        { and: [] },
        users.traits.map((t) => ({ ...t, actor: graph.personOf(t.actor) })),
        new Map(),
      );
      return { traitsAt: (actor, at) => m.traitsAt(graph.personOf(actor), at) };
    });
  }

  /** Who is in the segment at each moment of [range.from, range.to), and who was seen by then. */
  async membership(project: string, s: SegmentDefinition, range: TimeRange): Promise<PersonMembership> {
    return (await this.population(project, s, range)).m;
  }

  /**
   * The segment's membership, and when each person of the project was first seen (up to
   * range.to). Members are persons: the traits of all their ids (the latest value wins) and the
   * events of all of them, so a trait sent signed in and a behaviour done anonymously make one
   * member; asked by any of their ids.
   */
  private population(project: string, s: SegmentDefinition, range: TimeRange) {
    const key = JSON.stringify([project, s, range.from.getTime(), range.to.getTime()]);
    return this.memberships.get(key, async () => {
      const users = await this.users(project, range.to);
      const graph = await this.persons.graph(project);
      const personOf = (actor: string) => graph.personOf(actor);
      const lookback = { from: new Date(range.from.getTime() - lookbackMs(s.condition)), to: range.to };
      const split = clip((await this.layers.watermarkEnd())?.getTime() ?? 0, lookback);
      const events = new Map<EventCondition, ActorTime[]>();
      for (const c of leaves(s.condition).events) {
        const rows = await this.raw.propertyEvents(
          { project, from: lookback.from, split, to: lookback.to },
          { events: [c.event], props: c.where ? [c.where.property] : [] },
        );
        const wanted = c.where && String(c.where.equals);
        events.set(
          c,
          await flatMapInTurns(rows, ([actor, , at, raw]) =>
            wanted === undefined || scalarOf(parsed(raw)) === wanted ? [{ actor: personOf(actor), at }] : [],
          ),
        );
      }
      const firstSeen = new Map<string, number>();
      for (const [actor, at] of users.firstSeen) {
        const person = personOf(actor);
        if (!(at >= (firstSeen.get(person) ?? Infinity))) firstSeen.set(person, at);
      }
      const traits = users.traits.map((t) => ({ ...t, actor: personOf(t.actor) }));
      const m = new Membership(s.condition, traits, events);
      const members: PersonMembership = {
        isMember: (actor, at) => m.isMember(personOf(actor), at),
        traitsAt: (actor, at) => m.traitsAt(personOf(actor), at),
      };
      return { m: members, firstSeen };
    });
  }

  /** A predicate over (user, time) for the analyses that filter their own rows (funnels, retention, experiments). */
  async filter(project: string, s: SegmentDefinition, range: TimeRange) {
    const m = await this.membership(project, s, range);
    return (actor: string, at: number) => m.isMember(actor, at);
  }

  /**
   * A catalog metric over the events whose user was in the segment(s) when they happened, in the
   * shape of the unfiltered answer (parts per layer, buckets, watermark).
   */
  async metric(q: RawMetricRequest): Promise<Omit<MetricAnswer, 'freshness' | 'metric'>> {
    const { def, project, range, granularity } = q;
    const { split, rawParts, watermark } = await this.layers.layersOf({ range, project });
    const all = await this.cells({ ...q, split });
    const showDim = q.scope?.breakdown || q.groupBy || q.by !== undefined;
    const { cells, groups } =
      showDim && q.limit !== undefined
        ? topGroups(all.values(), q.limit)
        : { cells: all.values(), groups: undefined };
    const step = BUCKET_MS[granularity];
    const sourceOf = (start: number) =>
      start + step <= split.getTime() ? 'batch' : start >= split.getTime() ? 'speed' : 'mixed';
    const buckets: Bucket[] = [];
    const total = new Map<number, number>();
    const partValue: (Map<number, number> | number)[] = rawParts.map(() =>
      def.measure.kind === 'unique_actors' ? new Map<number, number>() : 0,
    );
    for (const c of cells) {
      buckets.push({
        start: new Date(c.start).toISOString(),
        ...(showDim ? { dim: c.dim } : {}),
        value: c.regs ? Math.round(hllEstimate(c.regs)) : c.value,
        source: sourceOf(c.start),
      });
    }
    buckets.sort((x, y) =>
      x.start < y.start ? -1 : x.start > y.start ? 1 : (x.dim ?? '') < (y.dim ?? '') ? -1 : 1,
    );
    // Each part's value, and the total, from the events themselves (a bucket may straddle the split).
    for (const [part, regs, value] of all.byPart) {
      const i = rawParts.findIndex((p) => p.source === part);
      if (i < 0) continue;
      if (regs) {
        hllMerge(partValue[i] as Map<number, number>, regs);
        hllMerge(total, regs);
      } else partValue[i] = (partValue[i] as number) + value;
    }
    const parts: AnswerPart[] = rawParts.map((p, i) => {
      const v = partValue[i];
      return { ...p, value: v instanceof Map ? Math.round(hllEstimate(v)) : (v as number) };
    });
    const sources = new Set(parts.map((p) => p.source));
    return {
      project,
      from: range.from.toISOString(),
      to: range.to.toISOString(),
      granularity,
      value:
        def.measure.kind === 'unique_actors'
          ? Math.round(hllEstimate(total))
          : parts.reduce((n, p) => n + p.value, 0),
      source: sources.size > 1 ? 'mixed' : ([...sources][0] ?? 'speed'),
      parts,
      buckets,
      ...(groups ? { groups } : {}),
      watermark,
      ...(def.exact ? {} : { standardError: HLL_STANDARD_ERROR, counting: 'persons' as const }),
    };
  }

  /** Totals per dimension value of an additive metric, restricted to a segment (content, commerce). */
  async totals(q: {
    def: MetricDefinition;
    project: string;
    range: TimeRange;
    segment: SegmentDefinition;
    dims?: readonly string[] | undefined;
  }): Promise<DimTotals> {
    const { def, project, range, segment, dims } = q;
    const { split, rawParts, watermark } = await this.layers.layersOf({ range, project });
    const byDim = new Map<string, { count: number; sum: number }>();
    const values = { batch: 0, speed: 0 };
    const take = (c: { count: number; sum: number }) => (def.measure.kind === 'count' ? c.count : c.sum);
    const scope = { segments: [segment], breakdown: false };
    await this.scan({ def, project, range, split, scope, dimension: true }, (row) => {
      for (const c of contributions(def, row)) {
        if (dims && !dims.includes(c.dim)) continue;
        const t = byDim.get(c.dim) ?? { count: 0, sum: 0 };
        t.count += c.count;
        t.sum += c.sum;
        byDim.set(c.dim, t);
        values[row.at < split.getTime() ? 'batch' : 'speed'] += take(c);
      }
    });
    return { byDim, parts: rawParts.map((p) => ({ ...p, value: values[p.source] })), watermark };
  }

  /** Members and known users at the end of each bucket: exact counts, not estimates. */
  async size(q: {
    project: string;
    segment: SegmentDefinition;
    range: TimeRange;
    granularity: Granularity;
  }): Promise<SegmentSize> {
    const { project, segment: s, range, granularity } = q;
    const { rawParts, watermark } = await this.layers.layersOf({ range, project });
    const { m, firstSeen } = await this.population(project, s, range);
    const step = BUCKET_MS[granularity];
    const count = Math.ceil((range.to.getTime() - range.from.getTime()) / step);
    // Each bucket evaluates every known user: a bound the caller can see, not a slow answer.
    if (count > MAX_SIZE_BUCKETS)
      throw new BadQueryError(
        `${count} ${granularity} buckets is more than ${MAX_SIZE_BUCKETS} for a segment's size: use a coarser granularity or a shorter range`,
      );
    const buckets: SegmentSize['buckets'] = [];
    for (
      let start = Math.floor(range.from.getTime() / step) * step;
      start < range.to.getTime();
      start += step
    ) {
      const at = Math.min(start + step, range.to.getTime()) - 1;
      let members = 0;
      let known = 0;
      await eachInTurns(firstSeen, ([actor, seen]) => {
        if (seen > at) return;
        known++;
        if (m.isMember(actor, at)) members++;
      });
      buckets.push({ start: new Date(start).toISOString(), members, known });
    }
    return {
      segment: s.id,
      from: range.from.toISOString(),
      to: range.to.toISOString(),
      granularity,
      buckets,
      parts: rawParts,
      watermark,
    };
  }

  /** The users in the segment at `at`, with their traits then, ordered by user. */
  async members(project: string, s: SegmentDefinition, at: Date): Promise<SegmentMember[]> {
    // The range ends just after `at`: behaviour up to it, and a lookback before it.
    const range = { from: new Date(at.getTime() - 1), to: new Date(at.getTime() + 1) };
    const { m, firstSeen } = await this.population(project, s, range);
    const out: SegmentMember[] = [];
    await eachInTurns(firstSeen, ([actor, seen]) => {
      if (seen > at.getTime() || !m.isMember(actor, at.getTime())) return;
      out.push({
        user: actor,
        firstSeen: new Date(seen).toISOString(),
        traits: m.traitsAt(actor, at.getTime()),
      });
    });
    return out.sort((a, b) => (a.user < b.user ? -1 : a.user > b.user ? 1 : 0));
  }

  /**
   * The metric's events of the range, each handed over (with its properties, and the value of the
   * event dimension `by`) when its user was a member of a segment of the scope (any user without
   * one) and its event dimensions match `where`.
   */
  private async scan(
    q: {
      def: MetricDefinition;
      project: string;
      range: TimeRange;
      split: Date;
      scope?: SegmentScope | undefined;
      /** Whether the metric's own dimension is read (the answer is split or filtered by it). */
      dimension: boolean;
      where?: EventWhere | undefined;
      filter?: CompiledFilter | undefined;
      by?: PropertyRef | undefined;
    },
    each: (row: {
      actor: string;
      event: string;
      at: number;
      properties: Record<string, unknown>;
      segments: string[];
      byValue: string;
    }) => void,
  ): Promise<void> {
    const { def, project, range, split, scope, where = [], filter, by } = q;
    const wanted = scope?.segments ?? [];
    const memberships = await Promise.all(wanted.map((s) => this.membership(project, s, range)));
    const props = propertiesRead(def, q.dimension);
    // What else is read of each event: the event dimensions filtered on, the properties the
    // filter tests, then the one the answer is split by.
    const refs: PropertyRef[] = [
      ...where.map(([name]) => ({ kind: 'dimension' as const, name })),
      ...(filter?.refs ?? []),
      ...(by ? [by] : []),
    ];
    const traits = refs.some((r) => r.kind === 'person')
      ? await this.traitTimeline(project, range)
      : undefined;
    const allowed = where.map(([, values]) => new Set(values));
    await scanEvents(
      this.raw,
      { project, from: range.from, split, to: range.to },
      {
        events: def.events === '*' ? undefined : def.events,
        props,
        refs,
        ...(traits ? { traitsAt: traits.traitsAt } : {}),
      },
      ({ actor, event, at, props: values, values: refValues }) => {
        if (allowed.some((set, i) => !set.has(scalarOf(refValues[i]) ?? NO_VALUE))) return;
        if (filter && !filter.matches(refValues.slice(where.length, where.length + filter.refs.length)))
          return;
        const segments = wanted.filter((_, i) => memberships[i]?.isMember(actor, at)).map((s) => s.id);
        if (wanted.length > 0 && segments.length === 0) return;
        const properties = Object.create(null) as Record<string, unknown>;
        props.forEach((p, i) => {
          if (values[i] !== undefined) properties[p] = values[i];
        });
        const byValue = by ? (scalarOf(refValues[refValues.length - 1]) ?? NO_VALUE) : NO_VALUE;
        each({ actor, event, at, properties, segments, byValue });
      },
    );
  }

  /** Buckets (and dims, segments or event dimension values) of a metric over the scoped events, and each layer's share. */
  private async cells(q: RawMetricRequest & { split: Date }) {
    const { def, split, granularity, scope, dims } = q;
    const step = BUCKET_MS[granularity];
    const cells = new Map<
      string,
      { start: number; dim: string; value: number; regs?: Map<number, number> }
    >();
    const byPart = new Map<string, { regs?: Map<number, number>; value: number }>();
    const unique = def.measure.kind === 'unique_actors';
    const take = (c: { count: number; sum: number }) => (def.measure.kind === 'count' ? c.count : c.sum);
    const registers = new Map<string, { reg: number; rank: number }>();
    // Unique counts count persons (every id joined by identify and alias calls), as unfiltered ones do.
    const graph = unique ? await this.persons.graph(q.project) : undefined;
    const add = (start: number, dim: string, part: string, value: number, id?: string) => {
      const actor = id === undefined ? undefined : (graph?.personOf(id) ?? id);
      const key = `${start}|${dim}`;
      let cell = cells.get(key);
      if (!cell) cells.set(key, (cell = { start, dim, value: 0, ...(unique ? { regs: new Map() } : {}) }));
      let p = byPart.get(part);
      if (!p) byPart.set(part, (p = { value: 0, ...(unique ? { regs: new Map() } : {}) }));
      if (actor !== undefined && cell.regs && p.regs) {
        let r = registers.get(actor);
        if (!r) registers.set(actor, (r = hllRegister(actor)));
        if ((cell.regs.get(r.reg) ?? 0) < r.rank) cell.regs.set(r.reg, r.rank);
        if ((p.regs.get(r.reg) ?? 0) < r.rank) p.regs.set(r.reg, r.rank);
      } else {
        cell.value += value;
        p.value += value;
      }
    };
    const each = (row: Parameters<Parameters<SegmentQuery['scan']>[1]>[0]) => {
      const start = Math.floor(row.at / step) * step;
      const part = row.at < split.getTime() ? 'batch' : 'speed';
      const found = unique ? [{ dim: dimValue(def, row), count: 1, sum: 0 }] : contributions(def, row);
      for (const c of found) {
        if (dims && !dims.includes(c.dim)) continue;
        // With a breakdown, an event counts once in each segment its user was in; split by an
        // event dimension, under its value; without either (or a groupBy), the dimension values
        // fold into one series.
        const series = scope?.breakdown
          ? row.segments
          : [q.by !== undefined ? row.byValue : q.groupBy ? c.dim : ''];
        for (const dim of series) add(start, dim, part, take(c), unique ? row.actor : undefined);
      }
    };
    // A count split (or not) by a property of the event alone, filtered (or not) by the event's own
    // values: DuckDB over the lake and ClickHouse over the speed view count per bucket, value and
    // combination of the values the filter reads; the filter is tested here on each combination,
    // as the scan tests each event, and only those counts cross into Node.
    const path = q.by && storedPath(q.by);
    const where = q.where ?? [];
    const tested: PropertyRef[] = [
      ...where.map(([name]) => ({ kind: 'dimension' as const, name })),
      ...(q.filter?.refs ?? []),
    ];
    const also = tested.map(storedPath);
    const engineCounted =
      def.measure.kind === 'count' &&
      (q.by === undefined || path) &&
      (path || tested.length > 0) &&
      also.every((p) => p !== undefined) &&
      !scope &&
      !q.groupBy &&
      !dims;
    if (engineCounted) {
      const allowed = where.map(([, values]) => new Set(values));
      const events = def.events === '*' ? undefined : [...def.events];
      const request = { events, group: path, also: also as StoredPath[], stepMs: step };
      for (const { layer, rows } of await this.raw.groupCounts(
        { project: q.project, ...q.range, split },
        request,
      ))
        await eachInTurns(rows, ([start, raw, n, ...raws]) => {
          const values = raws.map(parsed);
          if (allowed.some((set, i) => !set.has(scalarOf(values[i]) ?? NO_VALUE))) return;
          if (q.filter && !q.filter.matches(values.slice(where.length))) return;
          add(
            start,
            path ? (scalarOf(parsed(raw)) ?? NO_VALUE) : '',
            layer === 'lake' ? 'batch' : 'speed',
            n,
          );
        });
    } else await this.scan({ ...q, dimension: q.groupBy || dims !== undefined }, each);
    return Object.assign(cells, {
      byPart: [...byPart].map(([part, p]) => [part, p.regs, p.value] as const),
    });
  }
}
