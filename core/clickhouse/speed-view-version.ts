import type { ClickHouseClient } from '@clickhouse/client';

/**
 * Writes made to the speed view through each in-process engine (chDB). The speed layer writes
 * and the serving layer reads in the same process, so the serving cache learns that the view
 * moved without asking the engine (each chDB query holds the event loop). Kept per chDB data
 * folder, not per process: two engines in one process (tests, benchmarks) do not see each
 * other's writes, and two clients of the same folder (roles started apart in one process) do.
 *
 * Each write also says which event times it touched, so an answer over a range the write did
 * not touch (yesterday, while today's events arrive) stays cached: `speedViewVersionOf` is the
 * last write touching a range. The spans of the last LOG_SIZE writes are kept; older writes
 * count as touching every range.
 */
interface Folder {
  version: number;
  /** Writes still remembered by span, oldest first. */
  log: { version: number; from: number; to: number }[];
  /** The newest write forgotten, or made without a span: it touched everything. */
  everywhere: number;
}

const LOG_SIZE = 4096;
const folders = new Map<string, Folder>();
const folderOf = new WeakMap<ClickHouseClient, string>();
/** Clients made without a folder (tests' fakes): counted on their own. */
const unnamed = new WeakMap<ClickHouseClient, string>();
let next = 0;

/** Says which chDB data folder `client` reads and writes (createClickHouse calls it). */
export function inProcessEngineAt(client: ClickHouseClient, folder: string): void {
  folderOf.set(client, folder);
}

function of(client: ClickHouseClient): Folder {
  let k = folderOf.get(client) === undefined ? undefined : `chdb:${folderOf.get(client)}`;
  if (k === undefined) {
    k = unnamed.get(client);
    if (k === undefined) unnamed.set(client, (k = `client:${next++}`));
  }
  let f = folders.get(k);
  if (!f) folders.set(k, (f = { version: 0, log: [], everywhere: 0 }));
  return f;
}

/** Event times [from, to) (epoch ms) a write changed; absent: it may have changed any. */
export interface WrittenSpan {
  from: number;
  to: number;
}

/** Called after every completed write to the speed view through `client`. */
export function speedViewWritten(client: ClickHouseClient, span?: WrittenSpan | null): void {
  const f = of(client);
  f.version++;
  // null: the write changed no event time (all duplicates): only the global version moves.
  if (span === null) return;
  if (span === undefined) {
    f.everywhere = f.version;
    return;
  }
  f.log.push({ version: f.version, ...span });
  if (f.log.length > LOG_SIZE) f.everywhere = Math.max(f.everywhere, f.log.shift()!.version);
}

/** Changes with every write. */
export function speedViewVersion(client: ClickHouseClient): number {
  return of(client).version;
}

/** The last write that may have changed event times in [from, to): changes only with those. */
export function speedViewVersionOf(client: ClickHouseClient, from: number, to: number): number {
  const f = of(client);
  let v = f.everywhere;
  for (let i = f.log.length - 1; i >= 0 && f.log[i]!.version > v; i--) {
    const w = f.log[i]!;
    if (w.from < to && w.to > from) v = w.version;
  }
  return v;
}
