import type { SegmentDefinition } from '../../core/segments/definition';
import type { Freshness, MetricQuery } from './metric-query';
import type { TimeRange } from './time-range';
import type { RawEventReader } from '../views/raw-event-reader';
import { NO_VALUE } from '../../core/events/dimensions';
import { parsePropertyRef } from '../../core/events/property-ref';
import {
  analyzeFunnel,
  stepsOf,
  type FunnelEvent,
  type FunnelOrder,
  type FunnelResult,
  type FunnelStep,
  type TimeToConvert,
} from './funnel';
import { BadQueryError } from './errors';
import { scalarOf, scanEvents } from './event-scan';
import { OTHER_GROUP } from './top-groups';

export const MAX_STEPS = 10;

export interface FunnelAnswer {
  from: string;
  to: string;
  windowSeconds: number;
  steps: FunnelStep[];
  order: FunnelOrder;
  exclude?: string[];
  /** Actors left out: every chain of theirs met an excluded event. */
  excluded?: number;
  /** With breakdown: one funnel per value at each actor's first step, largest first, then (other). */
  breakdown?: string;
  groups?: { group: string; steps: FunnelStep[] }[];
  timeToConvert: TimeToConvert;
  segment?: string;
  /** What a user is: an id (a user id, else an anonymous id), or a person (ids joined). */
  counting: 'ids' | 'persons';
  parts: { source: 'batch' | 'speed'; from: string; to: string }[];
  watermark: string | null;
  freshness: Freshness;
}

/**
 * Ordered funnels over raw events: the lake before the batch watermark, the speed view after, so
 * each event is read once; answers are cached until either layer moves.
 */
export class FunnelQuery {
  constructor(
    private readonly metrics: MetricQuery,
    private readonly raw: RawEventReader,
  ) {}

  funnel(q: {
    project: string;
    range: TimeRange;
    steps: string[];
    windowSeconds: number;
    /** Only the events of the segment's members, when they were members. */
    segment?: SegmentDefinition;
    /** Count persons (ids joined by identify and alias calls; the default) or ids (false). */
    persons?: boolean;
    /** ordered (the default), strict (nothing between steps) or any order. */
    order?: FunnelOrder;
    /** Events that drop a chain when met between two of its steps. */
    exclude?: string[];
    /** A dimension, `property.<path>` or `person.<trait>`: one funnel per value at the first step. */
    breakdown?: string | undefined;
    /** Groups kept with breakdown; the rest folded into (other). */
    limit?: number;
  }): Promise<FunnelAnswer> {
    const { project, range, steps, windowSeconds, segment, persons = true } = q;
    const { order = 'ordered', exclude = [], breakdown, limit = 10 } = q;
    const by = breakdown === undefined ? undefined : parsePropertyRef(breakdown);
    if (by && 'error' in by) throw new BadQueryError(`breakdown: ${by.error}`);
    const both = exclude.filter((e) => steps.includes(e));
    if (both.length > 0)
      throw new BadQueryError(`exclude: ${both.join(', ')} is a step of the funnel; exclude other events`);
    const key = [
      'funnel',
      range.from.getTime(),
      range.to.getTime(),
      steps,
      windowSeconds,
      segment ?? null,
      persons,
      order,
      exclude,
      breakdown ?? null,
      limit,
    ];
    return this.metrics.layers.cachedAnswer(project, key, async () => {
      const { split, rawParts: parts, watermark } = await this.metrics.layers.layersOf({ range, project });
      const span = { project, from: range.from, split, to: range.to };
      // Strict order needs every event of the actors (what lies between steps), else only the
      // steps' and the excluded events.
      const events = order === 'strict' ? undefined : [...new Set([...steps, ...exclude])];
      let rows: FunnelEvent[] = [];
      if (by || order === 'strict') {
        const traitsAt =
          by?.kind === 'person'
            ? (await this.metrics.segments().traitTimeline(project, range)).traitsAt
            : undefined;
        await scanEvents(
          this.raw,
          span,
          { events, props: [], refs: by ? [by] : [], ...(traitsAt ? { traitsAt } : {}) },
          ({ actor, event, at, values }) =>
            rows.push({ actor, event, at, ...(by ? { group: scalarOf(values[0]) ?? NO_VALUE } : {}) }),
        );
      } else
        rows = (await this.raw.stepEvents(span, events ?? [])).map(([actor, event, at]) => ({
          actor,
          event,
          at,
        }));
      if (segment) {
        // Each step counts when its user was in the segment as it happened.
        const member = await this.metrics.segments().filter(project, segment, range);
        rows = rows.filter((e) => member(e.actor, e.at));
      }
      if (persons) {
        // A person's steps from any of their ids: browsing anonymously, then buying signed in.
        const graph = await this.metrics.persons().graph(project);
        for (const e of rows) e.actor = graph.personOf(e.actor);
      }
      const result = await analyzeFunnel(rows, { steps, windowMs: windowSeconds * 1000, order, exclude });
      return {
        from: range.from.toISOString(),
        to: range.to.toISOString(),
        windowSeconds,
        order,
        steps: result.steps,
        ...(exclude.length > 0 ? { exclude, excluded: result.excluded } : {}),
        ...(breakdown !== undefined ? { breakdown, groups: topFunnels(steps, result, limit) } : {}),
        timeToConvert: result.timeToConvert,
        ...(segment ? { segment: segment.id } : {}),
        counting: persons ? ('persons' as const) : ('ids' as const),
        parts,
        watermark,
      };
    });
  }
}

/** The `limit` groups with most actors at the first step (ties by name), the rest added into (other). */
function topFunnels(
  steps: string[],
  r: FunnelResult,
  limit: number,
): { group: string; steps: FunnelStep[] }[] {
  const groups = r.groups ?? [];
  if (groups.length <= limit) return groups;
  const other = new Array<number>(steps.length).fill(0);
  for (const g of groups.slice(limit)) g.steps.forEach((s, i) => (other[i]! += s.users));
  return [...groups.slice(0, limit), { group: OTHER_GROUP, steps: stepsOf(steps, other) }];
}
