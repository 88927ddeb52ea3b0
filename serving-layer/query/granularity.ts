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
