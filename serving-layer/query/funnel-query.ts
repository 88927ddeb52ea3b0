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
  parts: { source: 'batch' | 'speed'; from: string; to: string }[];
  watermark: string | null;
  freshness: Freshness;
}

/** Parses `steps=a,b,c`: 2 to 10 event names. */
/**
 * Ordered funnels over raw events: the lake before the batch watermark, the speed view after, so
 * each event is read once; answers are cached until either layer moves.
 */
export class FunnelQuery {
  constructor(
    private readonly metrics: MetricQuery,
    private readonly raw: RawEventReader,
  ) {}

  funnel(project: string, range: TimeRange, steps: string[], windowSeconds: number): Promise<FunnelAnswer> {
    const key = ['funnel', range.from.getTime(), range.to.getTime(), steps, windowSeconds];
    return this.metrics.cachedAnswer(project, key, async () => {
      const { split, rawParts: parts, watermark } = await this.metrics.layersOf(range, project);
      const rows = await this.raw.stepEvents(project, range.from, split, range.to, [...new Set(steps)]);
      return {
        from: range.from.toISOString(),
        to: range.to.toISOString(),
        windowSeconds,
        steps: computeFunnel(rows, steps, windowSeconds * 1000),
        parts,
        watermark,
      };
    });
  }
}
