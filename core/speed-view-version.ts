import type { ClickHouseClient } from '@clickhouse/client';

/**
 * Writes made to the speed view through each in-process engine (chDB). The speed layer writes
 * and the serving layer reads in the same process, so the serving cache learns that the view
 * moved without asking the engine (each chDB query holds the event loop). Kept per chDB data
 * folder, not per process: two engines in one process (tests, benchmarks) do not see each
 * other's writes, and two clients of the same folder (roles started apart in one process) do.
 */
const versions = new Map<string, number>();
const folders = new WeakMap<ClickHouseClient, string>();
/** Clients made without a folder (tests' fakes): counted on their own. */
const unnamed = new WeakMap<ClickHouseClient, string>();
let next = 0;

/** Says which chDB data folder `client` reads and writes (createClickHouse calls it). */
export function inProcessEngineAt(client: ClickHouseClient, folder: string): void {
  folders.set(client, folder);
}

function keyOf(client: ClickHouseClient): string {
  const folder = folders.get(client);
  if (folder !== undefined) return `chdb:${folder}`;
  let k = unnamed.get(client);
  if (k === undefined) unnamed.set(client, (k = `client:${next++}`));
  return k;
}

/** Called after every completed write to the speed view through `client`. */
export function speedViewWritten(client: ClickHouseClient): void {
  const k = keyOf(client);
  versions.set(k, (versions.get(k) ?? 0) + 1);
}

export function speedViewVersion(client: ClickHouseClient): number {
  return versions.get(keyOf(client)) ?? 0;
}
