import type { ClickHouseClient } from '@clickhouse/client';
import type { ConsumedEvent } from './rows';
import { minuteCounts, toRawRow } from './rows';

/** One partition's contiguous slice of the log: what a write consumed and is keyed by. */
export interface OffsetRange {
  topic: string;
  partition: number;
  first: string;
  last: string;
}

export const dedupToken = (r: OffsetRange, table: string): string =>
  `${table}:${r.topic}:${r.partition}:${r.first}-${r.last}`;

/**
 * Writes one partition batch to the speed view. Each insert's deduplication token names the
 * offsets it holds, so replaying the same range after a crash or a retry is a no-op in ClickHouse.
 */
export async function writeSpeedBatch(
  client: ClickHouseClient,
  database: string,
  range: OffsetRange,
  batch: ConsumedEvent[],
): Promise<void> {
  if (batch.length === 0) return;
  const settings = { date_time_input_format: 'best_effort' as const };
  await client.insert({
    table: `${database}.events_recent`,
    values: batch.map(toRawRow),
    format: 'JSONEachRow',
    clickhouse_settings: { ...settings, insert_deduplication_token: dedupToken(range, 'events_recent') },
  });
  await client.insert({
    table: `${database}.metrics_minute`,
    values: minuteCounts(batch.map((c) => c.event)),
    format: 'JSONEachRow',
    clickhouse_settings: { ...settings, insert_deduplication_token: dedupToken(range, 'metrics_minute') },
  });
}
