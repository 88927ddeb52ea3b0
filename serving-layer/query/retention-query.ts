import type { Freshness, MetricQuery } from './metric-query';
import type { TimeRange } from './time-range';
import type { RawEventReader } from '../views/raw-event-reader';
import { computeRetention, type Cohort, type RetentionPeriod } from './retention';

export interface RetentionAnswer {
  from: string;
  to: string;
  period: RetentionPeriod;
  event: string | null;
  cohorts: Cohort[];
  parts: { source: 'batch' | 'speed'; from: string; to: string }[];
  watermark: string | null;
  freshness: Freshness;
}

/** Retention cohorts over raw events, split between the layers like funnels; cached until either moves. */
export class RetentionQuery {
  constructor(
    private readonly metrics: MetricQuery,
    private readonly raw: RawEventReader,
  ) {}

  cohorts(
    project: string,
    range: TimeRange,
    period: RetentionPeriod,
    event?: string,
  ): Promise<RetentionAnswer> {
    const key = ['retention', range.from.getTime(), range.to.getTime(), period, event ?? null];
    return this.metrics.cachedAnswer(project, key, async () => {
      const { split, rawParts: parts, watermark } = await this.metrics.layersOf(range, project);
      const rows = await this.raw.activeDays(project, range.from, split, range.to, event);
      return {
        from: range.from.toISOString(),
        to: range.to.toISOString(),
        period,
        event: event ?? null,
        cohorts: computeRetention(rows, period, range.to),
        parts,
        watermark,
      };
    });
  }
}
