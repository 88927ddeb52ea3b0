import { createHash } from 'node:crypto';
import { partitionKey, type AnalyticsEvent } from '../core/events/event';

/** Calls whose order per user matters downstream (identity graph): never salted. */
const ORDER_SENSITIVE_TYPES = new Set(['identify', 'alias', 'group']);

export interface HotKeyOptions {
  /** A key is hot above this share of the recent traffic... */
  share: number;
  /** ...and above this many events in the window (quiet systems have no hot keys). */
  minEvents: number;
  /** Sub-keys a hot key is spread over. */
  buckets: number;
  windowMs: number;
}

export const DEFAULT_HOT_KEYS: HotKeyOptions = {
  share: 0.05,
  minEvents: 2_000,
  buckets: 8,
  windowMs: 10_000,
};

/**
 * Skew remedy: the Kafka key is `project:user`, so one very active user (a bot, a load test, a
 * shared kiosk account) would pile onto one partition and stall the consumer that owns it.
 * Keys seen above a share of recent traffic are salted into `buckets` sub-keys by event id.
 * Order is kept where it matters: identity calls stay on the base key, and every other user's
 * events keep their single key and order. Counting is per window, so a key cools down again.
 */
export class HotKeySalter {
  private counts = new Map<string, number>();
  private total = 0;
  private hot = new Set<string>();
  private windowStart: number;

  constructor(
    private readonly opts: HotKeyOptions = DEFAULT_HOT_KEYS,
    private readonly now: () => number = Date.now,
  ) {
    this.windowStart = now();
  }

  keyFor(event: AnalyticsEvent): string {
    const key = partitionKey(event);
    this.observe(key);
    if (!this.hot.has(key) || ORDER_SENSITIVE_TYPES.has(event.type)) return key;
    const bucket = createHash('sha1').update(event.eventId).digest().readUInt32BE(0) % this.opts.buckets;
    return `${key}#${bucket}`;
  }

  hotKeys(): string[] {
    return [...this.hot];
  }

  private observe(key: string): void {
    const t = this.now();
    if (t - this.windowStart >= this.opts.windowMs) {
      // The closing window decides which keys are hot in the next one.
      this.hot = new Set(
        [...this.counts]
          .filter(([, n]) => n >= this.opts.minEvents && n / this.total >= this.opts.share)
          .map(([k]) => k),
      );
      this.counts = new Map();
      this.total = 0;
      this.windowStart = t;
    }
    this.total += 1;
    const n = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, n);
    // A key that is already hot within the current window is salted at once, not a window late.
    if (n >= this.opts.minEvents && n / this.total >= this.opts.share) this.hot.add(key);
  }
}
