import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { AnalyticsEvent } from '../../core/event';
import { readHourPointer } from '../../batch-layer/batch-views';
import { partitionDir, partitionOf } from '../../batch-layer/lake-paths';
import { ParquetWriter } from '../../batch-layer/parquet-writer';

/** Writes events straight into a lake (as the archiver would), one file per hour partition. */
export async function writeLake(
  lakeRoot: string,
  events: AnalyticsEvent[],
  name = 'part-test',
): Promise<void> {
  const writer = await ParquetWriter.open();
  const byDir = new Map<string, AnalyticsEvent[]>();
  for (const e of events) {
    const dir = partitionDir(lakeRoot, 'events', partitionOf(e.projectId, e.timestamp));
    byDir.set(dir, [...(byDir.get(dir) ?? []), e]);
  }
  let offset = 0;
  for (const [dir, list] of byDir) {
    await writer.write(
      join(dir, `${name}-${offset}.parquet`),
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
  const p = readHourPointer(lakeRoot, hourIso);
  if (!p) return undefined;
  const dir = join(
    lakeRoot,
    'views',
    'hourly',
    `date=${hourIso.slice(0, 10)}`,
    `hour=${hourIso.slice(11, 13)}`,
  );
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
export async function distinctEventsInLake(lakeRoot: string, project: string): Promise<number> {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    const glob = join(lakeRoot, 'events', `project=${project}`, '**', '*.parquet');
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
