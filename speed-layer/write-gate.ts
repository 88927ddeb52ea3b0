import type { ClickHouseClient } from '@clickhouse/client';

/**
 * Lets the speed view's maintenance (an erasure recomputing minutes) run while no consumer of this
 * process writes: consumers' range writes share the gate, maintenance holds it alone. Without it
 * a range written between reading a minute's raw rows and replacing its aggregates would be lost.
 * One gate per ClickHouse client: the consumers and the maintenance worker of a process share it.
 */
export class WriteGate {
  private writers = 0;
  private exclusive?: Promise<void>;
  private drained?: () => void;

  /** A consumer's write: waits while maintenance runs. */
  async shared<T>(f: () => Promise<T>): Promise<T> {
    while (this.exclusive) await this.exclusive;
    this.writers++;
    try {
      return await f();
    } finally {
      if (--this.writers === 0) this.drained?.();
    }
  }

  /** Maintenance: new writes wait, writes under way finish first. */
  async alone<T>(f: () => Promise<T>): Promise<T> {
    while (this.exclusive) await this.exclusive;
    let release!: () => void;
    this.exclusive = new Promise<void>((r) => (release = r));
    try {
      if (this.writers > 0) await new Promise<void>((r) => (this.drained = r));
      this.drained = undefined;
      return await f();
    } finally {
      this.exclusive = undefined;
      release();
    }
  }
}

const gates = new WeakMap<ClickHouseClient, WriteGate>();

export function writeGate(client: ClickHouseClient): WriteGate {
  let g = gates.get(client);
  if (!g) gates.set(client, (g = new WriteGate()));
  return g;
}
