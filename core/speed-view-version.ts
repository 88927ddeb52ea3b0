import type { ClickHouseClient } from '@clickhouse/client';

/**
 * Writes made to the speed view through each in-process engine (chDB). The speed layer writes
 * and the serving layer reads through the same client, so the serving cache learns that the view
 * moved without asking the engine (each chDB query holds the event loop). Kept per client, not
 * per process: two engines in one process (tests, benchmarks) do not see each other's writes.
 */
const versions = new WeakMap<ClickHouseClient, number>();

/** Called after every completed write to the speed view through `client`. */
export function speedViewWritten(client: ClickHouseClient): void {
  versions.set(client, (versions.get(client) ?? 0) + 1);
}

export function speedViewVersion(client: ClickHouseClient): number {
  return versions.get(client) ?? 0;
}
