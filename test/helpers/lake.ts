import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { AnalyticsEvent } from '../../core/events/event';
import { ParquetWriter } from '../../batch-layer/parquet-writer';
import { hourViewKey, partitionKey, partitionOf } from '../../core/lake/layout';
import { LocalStorage } from '../../core/lake/local-storage';
import { key, type LakeStorage } from '../../core/lake/storage';
import { openLakeDuckDB } from '../../core/lake/duckdb-access';
import type { HourPointer } from '../../core/lake/records';
import { readHourPointer } from '../../core/lake/views';

/** A track call as the collector stores it, for writing straight into a lake. */
export function trackEvent(e: {
  eventId: string;
  projectId: string;
  event: string;
  userId: string;
  at: number;
  properties: Record<string, unknown>;
}): AnalyticsEvent {
  const time = new Date(e.at).toISOString();
  return {
    eventId: e.eventId,
    projectId: e.projectId,
    type: 'track',
    event: e.event,
    userId: e.userId,
    anonymousId: null,
    timestamp: time,
    originalTimestamp: null,
    sentAt: null,
    receivedAt: time,
    properties: e.properties,
    context: {},
    schema: null,
  };
}

/** Writes events straight into a lake (a folder, or any store), as the archiver would: one file per hour partition. */
export async function writeLake(
  lakeRoot: string | LakeStorage,
  events: AnalyticsEvent[],
  name = 'part-test',
): Promise<void> {
  const writer = await ParquetWriter.open(
    typeof lakeRoot === 'string' ? new LocalStorage(lakeRoot) : lakeRoot,
  );
  const byDir = new Map<string, AnalyticsEvent[]>();
  for (const e of events) {
    const dir = partitionKey('events', partitionOf(e.projectId, e.timestamp));
    const list = byDir.get(dir);
    if (list) list.push(e);
    else byDir.set(dir, [e]);
  }
  let offset = 0;
  for (const [dir, list] of byDir) {
    await writer.write(
      key(dir, `${name}-${offset}.parquet`),
      list.map((event) => ({ event, topic: 't', partition: 0, offset: String(offset++) })),
    );
  }
  writer.close();
}

/** An hour's published view, as sorted JSON rows (for comparing two computations). */
export async function readHourView(
  lakeRoot: string,
  hourIso: string,
): Promise<{ measures: unknown[]; uniques: unknown[] } | undefined> {
  const lake = new LocalStorage(lakeRoot);
  const p = await readHourPointer(lake, hourIso);
  if (!p) return undefined;
  const dir = lake.uri(hourViewKey(hourIso));
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    const read = async (f: string) =>
      (
        await conn.runAndReadAll('SELECT * FROM read_parquet($f) ORDER BY ALL', { f: join(dir, f) })
      ).getRowObjectsJson();
    return { measures: await read(p.measures), uniques: await read(p.uniques) };
  } finally {
    conn.closeSync();
  }
}

/** Distinct messageIds of a project the lake holds (0 before any file is written). */
export async function distinctEventsInLake(lakeRoot: string | LakeStorage, project: string): Promise<number> {
  const lake = typeof lakeRoot === 'string' ? lakeAt(lakeRoot) : lakeRoot;
  const db = await openLakeDuckDB(lake, 1);
  const conn = await db.connect();
  try {
    const glob = lake.uri(key('events', `project=${project}`, '**', '*.parquet'));
    const r = await conn.runAndReadAll(`SELECT count(DISTINCT event_id)::INT AS n FROM read_parquet($glob)`, {
      glob,
    });
    return Number(r.getRowObjectsJson()[0]?.n);
  } catch {
    return 0; // no file yet
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

/** The lake's records as the code under test reads them, from a lake folder on this machine. */
export const lakeAt = (lakeRoot: string) => new LocalStorage(lakeRoot);

/** Each hour's published pointer (undefined where none), in order. */
export async function hourPointers(lakeRoot: string, hours: string[]): Promise<(HourPointer | undefined)[]> {
  const lake = lakeAt(lakeRoot);
  return Promise.all(hours.map((h) => readHourPointer(lake, h)));
}
