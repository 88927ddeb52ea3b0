import { seriesKey, type MeasureCell, type RegisterCell, type SeriesQuery, type ViewReader } from './series';
import { StampedCache } from './stamped-cache';

/**
 * One layer's measure cells cached per query until that layer moves. Caching per layer means
 * fresh speed data does not throw away the batch part of a dashboard's query, which is most of
 * its cost. Registers pass through: their merged form is what MetricQuery caches per layer.
 * Callers must not mutate the cells they get.
 */
export class CachedViewReader implements ViewReader {
  private readonly cache: StampedCache<MeasureCell[]>;

  /** `stamp` is asked per query: a layer may tell which ranges moved (the speed view does). */
  constructor(
    private readonly inner: ViewReader,
    private readonly stamp: (q: SeriesQuery) => Promise<string> | string,
  ) {
    this.cache = new StampedCache(() => '');
  }

  measures(q: SeriesQuery): Promise<MeasureCell[]> {
    return this.cache.get(
      seriesKey(q),
      () => this.inner.measures(q),
      () => this.stamp(q),
    );
  }

  registers(q: SeriesQuery): Promise<RegisterCell[]> {
    return this.inner.registers(q);
  }
}
