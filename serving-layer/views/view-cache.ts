import type { MeasureCell, RegisterCell, SeriesQuery, ViewReader } from './series';
import { StampedCache } from './stamped-cache';

/**
 * One layer's answers cached per query until that layer moves. Caching per layer means fresh
 * speed data does not throw away the batch part of a dashboard's query, which is most of its cost.
 * Callers must not mutate the cells they get.
 */
export class CachedViewReader implements ViewReader {
  readonly cache: StampedCache<MeasureCell[] | RegisterCell[]>;

  constructor(
    private readonly inner: ViewReader,
    stamp: () => Promise<string> | string,
  ) {
    this.cache = new StampedCache(stamp);
  }

  measures(q: SeriesQuery): Promise<MeasureCell[]> {
    return this.cache.get(key('m', q), () => this.inner.measures(q)) as Promise<MeasureCell[]>;
  }

  registers(q: SeriesQuery): Promise<RegisterCell[]> {
    return this.cache.get(key('r', q), () => this.inner.registers(q)) as Promise<RegisterCell[]>;
  }
}

const key = (kind: string, q: SeriesQuery) =>
  JSON.stringify([
    kind,
    q.project,
    q.metric,
    q.from.getTime(),
    q.to.getTime(),
    q.granularity,
    q.groupBy,
    q.dims ?? null,
  ]);
