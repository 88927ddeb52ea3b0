import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import type { RangeOutput } from './range-output';
import { speedViewWritten } from './view-version';
import { RAW_COLUMNS } from './rows';

/** One partition's contiguous slice of the log: what a write consumed and is keyed by. */
export interface OffsetRange {
  topic: string;
  partition: number;
  first: string;
  last: string;
}

const token = (r: OffsetRange, table: string) => `${table}:${r.topic}:${r.partition}:${r.first}-${r.last}`;

/**
 * Writes one range's output. Every insert carries a deduplication token naming the range, so
 * writing the same range again (a retry, a replay after a crash) changes nothing.
 */
export async function writeRange(
  client: ClickHouseClient,
  database: string,
  lakeRoot: string,
  range: OffsetRange,
  out: RangeOutput,
): Promise<void> {
  const insert = async (table: string, values: unknown[]) => {
    if (values.length === 0) return;
    await client.insert({
      table: `${database}.${table}`,
      values,
      format: 'JSONEachRow',
      clickhouse_settings: { insert_deduplication_token: token(range, table) },
    });
  };
  if (out.events.length > 0) {
    // Raw rows as arrays with named columns: the largest insert, and the cheapest format to parse.
    await client.insert({
      table: `${database}.speed_events`,
      values: out.events,
      columns: [...RAW_COLUMNS],
      format: 'JSONCompactEachRow',
      clickhouse_settings: { insert_deduplication_token: token(range, 'speed_events') },
    });
  }
  await insert('speed_measures_minute', out.measures);
  await insert('speed_uniques_minute', out.uniques);
  await insert(
    'speed_late_events',
    [...out.beyondHorizon].sort().map(([key, events]) => {
      const [project_id, hour] = key.split('|') as [string, string];
      return { project_id, hour: Date.parse(hour) / 1000, events };
    }),
  );
  if (out.lateHours.size > 0) writeLateHours(lakeRoot, range, out.lateHours);
  speedViewWritten();
}

/**
 * Hours that received late events, handed to the batch layer: a small JSON file in the lake's
 * `_late/` folder, named by the range (a replay rewrites the same file). The batch layer's
 * late-data repair recomputes those hours and removes the file.
 */
export function writeLateHours(lakeRoot: string, range: OffsetRange, hours: Map<string, number>): void {
  const dir = join(lakeRoot, '_late');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${range.topic}-${range.partition}-${range.first}-${range.last}.json`);
  const body = [...hours].sort().map(([key, events]) => {
    const [projectId, hour] = key.split('|') as [string, string];
    return { projectId, hour, events };
  });
  writeFileSync(`${file}.tmp`, JSON.stringify({ range, hours: body }));
  renameSync(`${file}.tmp`, file);
}
