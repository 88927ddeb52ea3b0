import type { SegmentDefinition } from '../../core/segments/definition';
import type { Freshness, MetricQuery } from './metric-query';
import type { TimeRange } from './time-range';
import type { RawEventReader } from '../views/raw-event-reader';
import { computeFunnel, type FunnelStep } from './funnel';

export const MAX_STEPS = 10;

export interface FunnelAnswer {
  from: string;
  to: string;
  windowSeconds: number;
  steps: FunnelStep[];
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
  }): Promise<FunnelAnswer> {
    const { project, range, steps, windowSeconds, segment, persons = true } = q;
    const key = [
      'funnel',
      range.from.getTime(),
      range.to.getTime(),
      steps,
      windowSeconds,
      segment ?? null,
      persons,
    ];
    return this.metrics.layers.cachedAnswer(project, key, async () => {
      const { split, rawParts: parts, watermark } = await this.metrics.layers.layersOf({ range, project });
      let rows = await this.raw.stepEvents({ project, from: range.from, split, to: range.to }, [
        ...new Set(steps),
      ]);
      if (segment) {
        // Each step counts when its user was in the segment as it happened.
        const member = await this.metrics.segments().filter(project, segment, range);
        rows = rows.filter(([actor, , at]) => member(actor, at));
      }
      if (persons) {
        // A person's steps from any of their ids: browsing anonymously, then buying signed in.
        const graph = await this.metrics.persons().graph(project);
        rows = rows.map(([actor, event, at]) => [graph.personOf(actor), event, at]);
      }
      return {
        from: range.from.toISOString(),
        to: range.to.toISOString(),
        windowSeconds,
        steps: await computeFunnel(rows, steps, windowSeconds * 1000),
        ...(segment ? { segment: segment.id } : {}),
        counting: persons ? ('persons' as const) : ('ids' as const),
        parts,
        watermark,
      };
    });
  }
}
