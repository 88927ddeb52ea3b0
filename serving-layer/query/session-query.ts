import {
  EVENT_DIMENSIONS,
  NO_VALUE,
  type EventDimension,
  type EventWhere,
} from '../../core/events/dimensions';
import type { RawEventReader } from '../views/raw-event-reader';
import { BUCKET_MS, type Granularity } from './granularity';
import type { Freshness, MetricQuery } from './metric-query';
import { figuresOf, joinParts, topOf, type Session, type SessionFigures } from './sessions';
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
    private readonly metrics: MetricQuery,
    private readonly raw: RawEventReader,
    private readonly timeoutMs: number,
  ) {}

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
    return this.metrics.cachedAnswer(project, key, async () => {
      const read = {
        from: new Date(range.from.getTime() - this.timeoutMs),
        to: new Date(Math.min(range.to.getTime() + SESSION_TAIL_MS, Math.ceil(Date.now() / 60_000) * 60_000)),
      };
      if (read.to < range.to) read.to = range.to;
      const { split, watermark } = await this.metrics.layersOf(read, project);
      const { rawParts: parts } = await this.metrics.layersOf(range, project);
      const dims = [...where.map(([d]) => d), ...(by ? [by] : [])];
      // Each layer's engine cuts its part into sessions, a person's (all their ids) at a time;
      // only sessions cross into Node.
      const graph = await this.metrics.persons().graph(project);
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
        .filter((s) => allowed.every((values, i) => values.has(s.dims[i] ?? NO_VALUE)));
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
