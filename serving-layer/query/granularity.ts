import { BadQueryError } from './errors';

export const GRANULARITIES = ['minute', 'hour', 'day'] as const;
export type Granularity = (typeof GRANULARITIES)[number];

export const BUCKET_MS: Record<Granularity, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };
export const MAX_BUCKETS = 10_000;

export function parseGranularity(raw: unknown, from: Date, to: Date): Granularity {
  const g = raw === undefined || raw === '' ? 'hour' : raw;
  if (typeof g !== 'string' || !(GRANULARITIES as readonly string[]).includes(g)) {
    throw new BadQueryError(`granularity must be one of ${GRANULARITIES.join(', ')}`);
  }
  const buckets = Math.ceil((to.getTime() - from.getTime()) / BUCKET_MS[g as Granularity]);
  if (buckets > MAX_BUCKETS) {
    throw new BadQueryError(
      `${buckets} ${g} buckets is more than ${MAX_BUCKETS}: use a coarser granularity or a shorter range`,
    );
  }
  return g as Granularity;
}

/** An insight's buckets: the fixed ones, or calendar weeks and months (days, weeks, months in a time zone). */
export const INSIGHT_GRANULARITIES = [...GRANULARITIES, 'week', 'month'] as const;
export type InsightGranularity = (typeof INSIGHT_GRANULARITIES)[number];

/** A bucket's longest length, to bound how many a range holds. */
const LONGEST_MS: Record<InsightGranularity, number> = {
  ...BUCKET_MS,
  week: 7 * 86_400_000,
  month: 28 * 86_400_000,
};

/** An insight's granularity, refused when the range would hold more than MAX_BUCKETS buckets. */
export function parseInsightGranularity(g: InsightGranularity, from: Date, to: Date): InsightGranularity {
  const buckets = Math.ceil((to.getTime() - from.getTime()) / LONGEST_MS[g]);
  if (buckets > MAX_BUCKETS)
    throw new BadQueryError(
      `${buckets} ${g} buckets is more than ${MAX_BUCKETS}: use a coarser granularity or a shorter range`,
    );
  return g;
}
