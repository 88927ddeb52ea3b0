/**
 * Per-key token bucket counted in events. A request is admitted while the bucket is positive and
 * may take it into debt (a large batch is never refused forever); while in debt, callers get 429
 * with the seconds until the debt is repaid.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly eventsPerSecond: number,
    private readonly burst: number = eventsPerSecond,
    private readonly now: () => number = Date.now,
  ) {}

  /** 0 when admitted (tokens taken), else the seconds to wait. */
  take(key: string, events: number): number {
    if (this.eventsPerSecond <= 0) return 0;
    const t = this.now();
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: t };
    b.tokens = Math.min(this.burst, b.tokens + ((t - b.at) / 1000) * this.eventsPerSecond);
    b.at = t;
    this.buckets.set(key, b);
    if (b.tokens <= 0) return Math.max(1, Math.ceil(-b.tokens / this.eventsPerSecond));
    b.tokens -= events;
    return 0;
  }
}
