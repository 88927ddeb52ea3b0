import type { ClickHouseClient } from '@clickhouse/client';
import { writeLateMarker } from '../core/lake/late-markers';
import type { LakeStorage } from '../core/lake/storage';
import type { RangeOutput } from './range-output';
import { speedViewWritten } from '../core/clickhouse/speed-view-version';
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
export async function writeRange(o: {
  client: ClickHouseClient;
  database: string;
  lake: LakeStorage;
  range: OffsetRange;
  out: RangeOutput;
}): Promise<void> {
  const { client, database, lake, range, out } = o;
  await insertOutput(client, out, (table) => ({
    table: `${database}.${table}`,
    clickhouse_settings: {
      insert_deduplication_token: token(range, table),
      // The views' blocks are deduplicated by tokens derived from this one, not skipped with
      // their source block: a crash between the two leaves the replay to write the views'.
      deduplicate_blocks_in_dependent_materialized_views: '1',
    },
  }));
  // Hours that received late events, handed to the batch layer's late-data repair.
  if (out.lateHours.size > 0) await writeLateMarker(lake, range, out.lateHours);
  speedViewWritten(client, out.span);
}

/**
 * The tables a range writes, in order; the minute aggregates follow speed_events by its
 * materialized views, within the same insert and under the same deduplication token (a view's
 * block of a replayed insert is dropped as its table's repeat, or written if it was lost).
 */
const TABLES = ['speed_events', 'speed_late_events'] as const;

/**
 * Twins of the speed view's tables (`<table>_probe`, same columns and constraints) that keep
 * nothing (Null engine): inserting into them tells whether ClickHouse takes rows, without storing
 * them. Made again each time, so they follow the tables' current definitions.
 */
export async function createProbeTables(client: ClickHouseClient, database: string): Promise<void> {
  for (const t of TABLES) {
    // `AS <table>` takes no query parameters: the names are our constants and the database a
    // plain identifier (checked when the configuration is loaded).
    await client.command({ query: `DROP TABLE IF EXISTS ${database}.${t}_probe` });
    await client.command({ query: `CREATE TABLE ${database}.${t}_probe AS ${database}.${t} ENGINE = Null` });
  }
}

/** Inserts a range's output into the probe tables: throws what ClickHouse says of those rows. */
export async function probeRange(
  client: ClickHouseClient,
  database: string,
  out: RangeOutput,
): Promise<void> {
  await insertOutput(client, out, (table) => ({ table: `${database}.${table}_probe` }));
}

async function insertOutput(
  client: ClickHouseClient,
  out: RangeOutput,
  target: (table: (typeof TABLES)[number]) => { table: string; clickhouse_settings?: Record<string, string> },
): Promise<void> {
  if (out.events.length > 0) {
    // Raw rows as arrays with named columns: the largest insert, and the cheapest format to parse.
    await client.insert({
      ...target('speed_events'),
      values: out.events,
      columns: [...RAW_COLUMNS],
      format: 'JSONCompactEachRow',
    });
  }
  const rows = {
    speed_late_events: [...out.beyondHorizon].sort().map(([key, events]) => {
      const [project_id, hour] = key.split('|') as [string, string];
      return { project_id, hour: Date.parse(hour) / 1000, events };
    }),
  };
  for (const [table, values] of Object.entries(rows) as [keyof typeof rows, unknown[]][]) {
    if (values.length > 0) await client.insert({ ...target(table), values, format: 'JSONEachRow' });
  }
}
