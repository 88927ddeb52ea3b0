import { isActivity } from '../../core/events/sessions';
import type { RawEventReader } from '../views/raw-event-reader';
import { scalarOf, scanEvents } from './event-scan';
import type { Freshness, MetricQuery } from './metric-query';
import { computePaths, type PathEvent, type PathsResult } from './paths';
import type { TimeRange } from './time-range';

export interface PathsAnswer extends PathsResult {
  from: string;
  to: string;
  start: string;
  direction: 'after' | 'before';
  steps: number;
  /** The gap that ends a path: the session timeout. */
  gapMinutes: number;
  counting: 'ids' | 'persons';
  parts: { source: 'batch' | 'speed'; from: string; to: string }[];
  watermark: string | null;
  freshness: Freshness;
}

/** What a step of a path is called: a page's (or screen's) path, any other event's name. */
export function nodeOf(event: string, path: unknown): string {
  if (event === 'page' || event === 'screen') return scalarOf(path) ?? event;
  return event;
}

/**
 * Where people go after a page or an event, or where they came from: each person's activity
 * (not identify, alias or group calls) read from the lake before the watermark and the speed
 * view after it, each event once, ids joined into persons; cached until either layer moves.
 */
export class PathQuery {
  constructor(
    private readonly metrics: MetricQuery,
    private readonly raw: RawEventReader,
    private readonly gapMs: number,
  ) {}

  paths(q: {
    project: string;
    range: TimeRange;
    /** A page's path (`/pricing`) or an event's name (`signed_up`). */
    start: string;
    direction: 'after' | 'before';
    steps: number;
    limit: number;
    /** Count persons (the default) or ids. */
    persons?: boolean;
  }): Promise<PathsAnswer> {
    const { project, range, start, direction, steps, limit, persons = true } = q;
    const key = ['paths', range.from.getTime(), range.to.getTime(), start, direction, steps, limit, persons];
    return this.metrics.layers.cachedAnswer(project, key, async () => {
      const { split, rawParts: parts, watermark } = await this.metrics.layers.layersOf({ range, project });
      const graph = persons ? await this.metrics.persons().graph(project) : undefined;
      const rows: PathEvent[] = [];
      await scanEvents(
        this.raw,
        { project, from: range.from, split, to: range.to },
        { events: undefined, props: ['path'], refs: [] },
        ({ actor, event, at, props }) => {
          if (!isActivity(event)) return;
          rows.push({ actor: graph ? graph.personOf(actor) : actor, at, node: nodeOf(event, props[0]) });
        },
      );
      const result = await computePaths(rows, { start, direction, steps, gapMs: this.gapMs, limit });
      return {
        from: range.from.toISOString(),
        to: range.to.toISOString(),
        start,
        direction,
        steps,
        gapMinutes: this.gapMs / 60_000,
        ...result,
        counting: persons ? ('persons' as const) : ('ids' as const),
        parts,
        watermark,
      };
    });
  }
}
