/**
 * Removes client duplicates (the same messageId sent twice, e.g. an SDK retry) within a bounded
 * window. A message is a duplicate when an earlier message of the same partition (lower offset)
 * had the same project and id, arrived at most `windowMs` before it, and is itself within
 * `windowMs` of the newest arrival seen before this message. Every term comes from the log
 * (offsets, receivedAt), none from what this process happened to remember, so a window rebuilt
 * from the speed view after a crash decides exactly like one that never stopped. Duplicates
 * share a partition: the Kafka key comes from the user (or, for a salted hot key, the message id).
 * Beyond the window the batch layer still deduplicates exactly.
 */
export class DedupWindow {
  private seen = new Map<string, { receivedAt: number; offset: bigint }>();
  private newest = Number.NEGATIVE_INFINITY;

  constructor(readonly windowMs: number) {}

  /** Seeds with messages already written (offsets before the next range), oldest first or not. */
  seed(entries: { key: string; receivedAt: number; offset: bigint }[]): void {
    for (const e of entries) this.record(e.key, e.receivedAt, e.offset);
  }

  isDuplicate(key: string, receivedAt: number, offset: bigint): boolean {
    const prior = this.seen.get(key);
    const dup =
      prior !== undefined &&
      prior.offset < offset &&
      prior.receivedAt >= this.newest - this.windowMs &&
      receivedAt - prior.receivedAt <= this.windowMs;
    if (!dup) this.record(key, receivedAt, offset);
    return dup;
  }

  private record(key: string, receivedAt: number, offset: bigint): void {
    const prior = this.seen.get(key);
    const priorLive = prior !== undefined && prior.receivedAt >= this.newest - this.windowMs;
    if (!priorLive || (prior !== undefined && offset < prior.offset))
      this.seen.set(key, { receivedAt, offset });
    if (receivedAt > this.newest) {
      this.newest = receivedAt;
      if (this.seen.size > 100_000) this.prune();
    }
  }

  /** Forgets entries that can no longer match (outside the window of the newest arrival). */
  private prune(): void {
    const cutoff = this.newest - this.windowMs;
    for (const [k, v] of this.seen) if (v.receivedAt < cutoff) this.seen.delete(k);
  }
}
