import {
  EVENT_DIMENSIONS,
  NO_VALUE,
  type EventDimension,
  type EventWhere,
} from '../../core/events/dimensions';
import type { RawEventReader } from '../views/raw-event-reader';
import { BUCKET_MS, type Granularity } from './granularity';
import type { AnswerPart, Bucket, Freshness, MetricAnswer, SegmentScope } from './answer';
import type { LayeredViews } from './layered-views';
import type { PersonQuery } from './person-query';
import type { SessionMetricDefinition } from '../../core/metric-catalog/session-metrics';
import { figuresOf, joinParts, topOf, type Session, type SessionFigures } from './sessions';
import type { SegmentQuery } from './segment-query';
import type { TimeRange } from './time-range';

/** How far past the range a session's later events are read: longer sessions are cut there. */
export const SESSION_TAIL_MS = 24 * 3_600_000;

export interface SessionAnswer extends SessionFigures {
  from: string;
  to: string;
  granularity: Granularity;
  timeoutMinutes: number;
  groupBy: EventDimension | null;
  buckets: ({ start: string; dim?: string } & SessionFigures)[];
  entryPages: { page: string; sessions: number }[];
  exitPages: { page: string; sessions: number }[];
  parts: { source: 'batch' | 'speed'; from: string; to: string }[];
  watermark: string | null;
  freshness: Freshness;
}

/**
 * Sessions over raw events, split between the layers like funnels and retention (the lake before
 * the watermark, the speed view after): the same events give the same sessions whichever layer
 * holds them, so a session crossing an hour or the watermark is one session, counted in the
 * bucket where it starts. Events are read from one timeout before the range (a session under way
 * at its start is not a new one) to a day after it (the rest of the sessions that start in it).
 */
export class SessionQuery {
  constructor(
    private readonly layers: LayeredViews,
    private readonly raw: RawEventReader,
    o: {
      timeoutMs: number;
      /** Segment membership, for sessions within segments. */
      segments: Pick<SegmentQuery, 'membership'>;
      /** Who is whom: sessions are a person's. */
      persons: Pick<PersonQuery, 'graph'>;
    },
  ) {
    this.timeoutMs = o.timeoutMs;
    this.segments = o.segments;
    this.persons = o.persons;
  }

  private readonly timeoutMs: number;
  private readonly segments: Pick<SegmentQuery, 'membership'>;
  private readonly persons: Pick<PersonQuery, 'graph'>;

  sessions(q: {
    project: string;
    range: TimeRange;
    granularity: Granularity;
    /** Split by an event dimension of each session's first event. */
    by?: EventDimension | undefined;
    /** Only sessions whose first event holds these values. */
    where?: EventWhere | undefined;
    /** Entry and exit pages listed. */
    limit: number;
  }): Promise<SessionAnswer> {
    const { project, range, granularity, by, where = [], limit } = q;
    const key = ['sessions', range.from.getTime(), range.to.getTime(), granularity, by ?? null, where, limit];
    return this.layers.cachedAnswer(project, key, async () => {
      const { sessions, parts, watermark } = await this.cut(project, range, by, where);
      return {
        from: range.from.toISOString(),
        to: range.to.toISOString(),
        granularity,
        timeoutMinutes: this.timeoutMs / 60_000,
        groupBy: by ?? null,
        ...figuresOf(sessions),
        buckets: bucketsOf(sessions, granularity, by !== undefined),
        entryPages: topOf(sessions, (s) => s.entryPage, limit),
        exitPages: topOf(sessions, (s) => s.exitPage, limit),
        parts,
        watermark,
      };
    });
  }

  /**
   * A session metric (core/metric-catalog/session-metrics.ts) in the shape of any metric's answer:
   * the figure over the range, per bucket (and per value of the metric's own dimension, the entry
   * or exit page, or of an event dimension), and per layer, each session in the part where it
   * starts. `dims` keeps only those values of the metric's own dimension.
   */
  async metric(q: {
    def: SessionMetricDefinition;
    project: string;
    range: TimeRange;
    granularity: Granularity;
    /** Split by the metric's own dimension. */
    groupBy: boolean;
    by?: EventDimension | undefined;
    where?: EventWhere | undefined;
    dims?: readonly string[] | undefined;
    /** Only sessions of persons in the segment(s) when they started; or one series per segment. */
    scope?: SegmentScope | undefined;
  }): Promise<Omit<MetricAnswer, 'freshness' | 'metric'>> {
    const { def, project, range, granularity, by, where = [], dims, scope } = q;
    const { sessions: all, parts, watermark, split } = await this.cut(project, range, by, where);
    const own = (x: Session) =>
      def.dimension === 'entry_page' ? x.entryPage : def.dimension === 'exit_page' ? x.exitPage : '';
    // A session is its person's (cut per person): in a segment when its person was at its start.
    const memberships = scope
      ? await Promise.all(scope.segments.map((sg) => this.segments.membership(project, sg, range)))
      : [];
    const segmentsOf = (x: Session) =>
      (scope?.segments ?? []).filter((_, i) => memberships[i]?.isMember(x.actor, x.start)).map((sg) => sg.id);
    // A metric of entry (exit) pages counts the sessions that have one.
    const sessions = all.filter((x) => {
      const v = own(x);
      return v !== null && (dims === undefined || dims.includes(v)) && (!scope || segmentsOf(x).length > 0);
    });
    const figure = (list: Session[]) => figuresOf(list)[def.figure] ?? 0;
    const step = BUCKET_MS[granularity];
    const showDim = q.groupBy || by !== undefined || Boolean(scope?.breakdown);
    const groups = new Map<string, { start: number; dim: string; list: Session[] }>();
    for (const x of sessions) {
      const start = Math.floor(x.start / step) * step;
      // With a breakdown, a session counts once in each segment its person was in.
      const series = scope?.breakdown
        ? segmentsOf(x)
        : [by !== undefined ? x.dim : q.groupBy ? (own(x) ?? '') : ''];
      for (const dim of series) {
        const k = `${start}|${dim}`;
        let g = groups.get(k);
        if (!g) groups.set(k, (g = { start, dim, list: [] }));
        g.list.push(x);
      }
    }
    const at = split.getTime();
    const sourceOf = (start: number) =>
      start + step <= at ? ('batch' as const) : start >= at ? ('speed' as const) : ('mixed' as const);
    const buckets: Bucket[] = [...groups.values()]
      .sort((a, b) => a.start - b.start || (a.dim < b.dim ? -1 : a.dim > b.dim ? 1 : 0))
      .map((g) => ({
        start: new Date(g.start).toISOString(),
        ...(showDim ? { dim: g.dim } : {}),
        value: figure(g.list),
        source: sourceOf(g.start),
      }));
    const answerParts: AnswerPart[] = parts.map((p) => ({
      ...p,
      value: figure(sessions.filter((x) => (x.start < at ? 'batch' : 'speed') === p.source)),
    }));
    const sources = new Set(answerParts.map((p) => p.source));
    return {
      project,
      from: range.from.toISOString(),
      to: range.to.toISOString(),
      granularity,
      value: figure(sessions),
      source: sources.size > 1 ? 'mixed' : ([...sources][0] ?? 'speed'),
      parts: answerParts,
      buckets,
      watermark,
    };
  }

  /**
   * The sessions that start in the range, whole, each a person's: each layer's engine cuts its
   * part (the persons' joined ids bound), parts across the watermark are joined, and `where`
   * keeps those whose first event holds its values.
   */
  private async cut(project: string, range: TimeRange, by: EventDimension | undefined, where: EventWhere) {
    const read = {
      from: new Date(range.from.getTime() - this.timeoutMs),
      to: new Date(Math.min(range.to.getTime() + SESSION_TAIL_MS, Math.ceil(Date.now() / 60_000) * 60_000)),
    };
    if (read.to < range.to) read.to = range.to;
    const { split, watermark } = await this.layers.layersOf({ range: read, project: project });
    const { rawParts: parts } = await this.layers.layersOf({ range, project });
    const dims = [...where.map(([d]) => d), ...(by ? [by] : [])];
    // Each layer's engine cuts its part into sessions, a person's (all their ids) at a time;
    // only sessions cross into Node.
    const graph = await this.persons.graph(project);
    const layers = await this.raw.sessionParts(
      { project, from: read.from, split, to: read.to },
      {
        timeoutMs: this.timeoutMs,
        context: dims.map((d) => EVENT_DIMENSIONS[d]),
        persons: graph.joined(),
      },
    );
    const allowed = where.map(([, values]) => new Set(values));
    const sessions = joinParts(layers, {
      from: range.from.getTime(),
      to: range.to.getTime(),
      timeoutMs: this.timeoutMs,
      split: by !== undefined,
    })
      // A session keeps its first event's dimensions: the filter reads them there.
      .filter((x) => allowed.every((values, i) => values.has(x.dims[i] ?? NO_VALUE)));
    return { sessions, parts, watermark, split };
  }
}

function bucketsOf(sessions: Session[], granularity: Granularity, split: boolean) {
  const step = BUCKET_MS[granularity];
  const groups = new Map<string, { start: number; dim: string; sessions: Session[] }>();
  for (const s of sessions) {
    const start = Math.floor(s.start / step) * step;
    const k = `${start}|${split ? s.dim : ''}`;
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { start, dim: s.dim, sessions: [] }));
    g.sessions.push(s);
  }
  return [...groups.values()]
    .sort((a, b) => a.start - b.start || (a.dim < b.dim ? -1 : a.dim > b.dim ? 1 : 0))
    .map((g) => ({
      start: new Date(g.start).toISOString(),
      ...(split ? { dim: g.dim } : {}),
      ...figuresOf(g.sessions),
    }));
}
