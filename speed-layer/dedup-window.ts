/**
 * Removes client duplicates (the same messageId sent twice, e.g. an SDK retry) within a bounded
 * window: a message is a duplicate when an earlier message of the same partition (lower offset)
 * had the same project and id and arrived at most `windowMs` before it. The decision depends on
 * the log alone (offsets, receivedAt), never on what this process happened to see, so a replay
 * of a range after a crash drops exactly the same messages. Duplicates always share a partition:
 * the Kafka key is derived from the user, and a salted hot key from the message id.
 * Beyond the window the batch layer still deduplicates exactly.
 */
export class DedupWindow {
  private seen = new Map<string, { receivedAt: number; offset: bigint }>();
  private newest = 0;

  constructor(readonly windowMs: number) {}

  /** Seeds the window with messages already written (offsets before the next range). */
  seed(entries: { key: string; receivedAt: number; offset: bigint }[]): void {
    for (const e of entries) this.record(e.key, e.receivedAt, e.offset);
  }

  isDuplicate(key: string, receivedAt: number, offset: bigint): boolean {
    const prior = this.seen.get(key);
    const dup = prior !== undefined && prior.offset < offset && receivedAt - prior.receivedAt <= this.windowMs;
    if (!dup) this.record(key, receivedAt, offset);
    return dup;
  }

  private record(key: string, receivedAt: number, offset: bigint): void {
    const prior = this.seen.get(key);
    // Keep the earliest occurrence: later copies are measured against it.
    if (!prior || offset < prior.offset || receivedAt - prior.receivedAt > this.windowMs) this.seen.set(key, { receivedAt, offset });
    if (receivedAt > this.newest) {
      this.newest = receivedAt;
      if (this.seen.size > 100_000) this.prune();
    }
  }

  private prune(): void {
    const cutoff = this.newest - this.windowMs;
    for (const [k, v] of this.seen) if (v.receivedAt < cutoff) this.seen.delete(k);
  }
}
