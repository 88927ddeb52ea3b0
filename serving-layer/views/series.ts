import type { Granularity } from '../query/granularity';

/** What a view returns for a range: per bucket (and dimension value), counts and sums. */
export interface MeasureCell {
  bucket: number;
  dim: string;
  count: number;
  sum: number;
}

/** HLL registers per bucket (and dimension value), max rank per register. */
export interface RegisterCell {
  bucket: number;
  dim: string;
  reg: number;
  rank: number;
}

/** One layer's view, read for [from, to). */
export interface ViewReader {
  measures(q: SeriesQuery): Promise<MeasureCell[]>;
  registers(q: SeriesQuery): Promise<RegisterCell[]>;
}

export interface SeriesQuery {
  project: string;
  metric: string;
  from: Date;
  to: Date;
  granularity: Granularity;
  groupBy: boolean;
  /** Only these dimension values (the request's filter), when given. */
  dims?: readonly string[];
}

/** A series query as a cache key: every field that changes the answer. */
export function seriesKey(q: SeriesQuery): string {
  return JSON.stringify([
    q.project,
    q.metric,
    q.from.getTime(),
    q.to.getTime(),
    q.granularity,
    q.groupBy,
    q.dims ?? null,
  ]);
}
