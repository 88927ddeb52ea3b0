/**
 * A value read from PostgreSQL and held in memory, so a request never waits on the store: read
 * again every `refreshMs` (a read under way is joined, not doubled), so a change made anywhere
 * reaches every process within it. While PostgreSQL is away the value last read holds.
 */
export class InMemoryCopy<T> {
  private timer?: NodeJS.Timeout;
  private reloading?: Promise<void>;

  private constructor(
    private readonly read: () => Promise<T>,
    private current: T,
  ) {}

  /** Reads the value once (throwing when PostgreSQL cannot be reached), then keeps it fresh. */
  static async start<T>(read: () => Promise<T>, refreshMs: number): Promise<InMemoryCopy<T>> {
    const copy = new InMemoryCopy(read, await read());
    copy.timer = setInterval(() => void copy.reload().catch(() => {}), refreshMs);
    copy.timer.unref();
    return copy;
  }

  get value(): T {
    return this.current;
  }

  reload(): Promise<void> {
    this.reloading ??= this.read()
      .then((v) => {
        this.current = v;
      })
      .finally(() => (this.reloading = undefined));
    return this.reloading;
  }

  close(): void {
    clearInterval(this.timer);
  }
}
