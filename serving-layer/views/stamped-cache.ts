import { apiCacheLookups } from '../../core/ops/operational-metrics';

/**
 * Values cached by key and invalidated by a stamp: `stamp` changes whenever the data behind the
 * values does (the batch watermark or a publish, a speed-layer write), and an entry computed under
 * another stamp is recomputed. Least recently used entries go first beyond `maxEntries`.
 */
export class StampedCache<T> {
  private readonly entries = new Map<string, { stamp: string; value: T }>();
  private readonly pending = new Map<string, { stamp: string; value: Promise<T> }>();
  hits = 0;
  misses = 0;

  constructor(
    private readonly stamp: () => Promise<string> | string,
    private readonly maxEntries = 2_000,
  ) {}

  /** `stampOf`, when given, is this entry's own stamp (the data behind this key alone). */
  async get(key: string, compute: () => Promise<T>, stampOf = this.stamp): Promise<T> {
    const stamp = await stampOf();
    const hit = this.entries.get(key);
    if (hit && hit.stamp === stamp) {
      // Re-inserting keeps the map in recency order for eviction.
      this.entries.delete(key);
      this.entries.set(key, hit);
      this.hits++;
      apiCacheLookups.inc({ result: 'hit' });
      return hit.value;
    }
    // Concurrent requests for the same answer under the same stamp share one computation: when a
    // layer moves, a busy dashboard recomputes each answer once, not once per waiting client.
    const running = this.pending.get(key);
    if (running && running.stamp === stamp) {
      this.hits++;
      apiCacheLookups.inc({ result: 'hit' });
      return running.value;
    }
    this.misses++;
    apiCacheLookups.inc({ result: 'miss' });
    const value = compute();
    this.pending.set(key, { stamp, value });
    try {
      const v = await value;
      // Data that moved while computing is not cached under the old stamp.
      if ((await stampOf()) === stamp) {
        this.entries.delete(key);
        this.entries.set(key, { stamp, value: v });
        while (this.entries.size > this.maxEntries)
          this.entries.delete(this.entries.keys().next().value as string);
      }
      return v;
    } finally {
      if (this.pending.get(key)?.value === value) this.pending.delete(key);
    }
  }
}
