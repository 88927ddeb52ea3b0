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
  }): Promise<FunnelAnswer> {
    const { project, range, steps, windowSeconds, segment } = q;
    const key = ['funnel', range.from.getTime(), range.to.getTime(), steps, windowSeconds, segment ?? null];
    return this.metrics.cachedAnswer(project, key, async () => {
      const { split, rawParts: parts, watermark } = await this.metrics.layersOf(range, project);
      let rows = await this.raw.stepEvents({ project, from: range.from, split, to: range.to }, [
        ...new Set(steps),
      ]);
      if (segment) {
        // Each step counts when its user was in the segment as it happened.
        const member = await this.metrics.segments().filter(project, segment, range);
        rows = rows.filter(([actor, , at]) => member(actor, at));
      }
      return {
        from: range.from.toISOString(),
        to: range.to.toISOString(),
        windowSeconds,
        steps: await computeFunnel(rows, steps, windowSeconds * 1000),
        ...(segment ? { segment: segment.id } : {}),
        parts,
        watermark,
      };
    });
  }
}
