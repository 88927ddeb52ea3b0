import { LIST, listValue, VARCHAR, type DuckDBConnection, type DuckDBInstance } from '@duckdb/node-api';
import type { LakeStorage } from '../core/lake/storage';
import type { ViewFiles } from './engine';
import { quoteLiteral } from './sql-literal';
import { sqlTemplate } from '../core/metric-catalog/sql-templates';

/**
 * A view's tables in embedded DuckDB, whichever engine computed their rows: every engine writes
 * its views through these, so the Parquet files the serving layer reads have one schema.
 */

/** Runs `f` on its own connection: temp tables are per connection, so concurrent work cannot collide. */
export async function withConnection<T>(
  db: DuckDBInstance,
  f: (conn: DuckDBConnection) => Promise<T>,
): Promise<T> {
  const conn = await db.connect();
  try {
    return await f(conn);
  } finally {
    conn.closeSync();
  }
}

/** Writes a table to the lake at `target` (a key): a scratch file first, published whole. */
export async function copyTable(
  conn: DuckDBConnection,
  lake: LakeStorage,
  table: string,
  target: string,
): Promise<void> {
  const tmp = await lake.scratch('view.parquet');
  await conn.run(`COPY ${table} TO ${quoteLiteral(tmp)} (FORMAT parquet, COMPRESSION zstd)`);
  await lake.publishFile(tmp, target);
}

/** The names of a view's two files under `version`. */
export const viewNames = (version: string): ViewFiles => ({
  measures: `measures-${version}.parquet`,
  uniques: `uniques-${version}.parquet`,
});

/** An empty view table named `table`, with the view's columns (sql/duckdb/empty_*.sql). */
export const emptyTable = (table: string, kind: 'measures' | 'uniques') =>
  `CREATE OR REPLACE TEMP TABLE ${table} ${sqlTemplate('duckdb', `empty_${kind}`)}`;

/** Adds to the hour's tables every project's rows but `projects`' from the view in force. */
export async function keepOtherProjects(
  conn: DuckDBConnection,
  lake: LakeStorage,
  only: { projects: string[]; current: ViewFiles },
): Promise<void> {
  for (const [table, file] of [
    ['hour_measures', only.current.measures],
    ['hour_uniques', only.current.uniques],
  ] as const) {
    await conn.run(
      `INSERT INTO ${table} BY NAME SELECT * FROM read_parquet($file, hive_partitioning = false) WHERE NOT list_contains($projects, project_id)`,
      { file: lake.uri(file), projects: listValue(only.projects) },
      { projects: LIST(VARCHAR) },
    );
  }
}

/** Publishes the hour's two tables as the view's files in `dir`; returns their names and its events. */
export async function publishHourTables(
  conn: DuckDBConnection,
  lake: LakeStorage,
  dir: string,
  version: string,
): Promise<ViewFiles & { events: number }> {
  const { measures, uniques } = viewNames(version);
  await copyTable(conn, lake, 'hour_measures', `${dir}/${measures}`);
  await copyTable(conn, lake, 'hour_uniques', `${dir}/${uniques}`);
  const r = await conn.runAndReadAll(
    `SELECT coalesce(sum(count), 0)::BIGINT AS n FROM hour_measures WHERE metric = 'events'`,
  );
  return { measures, uniques, events: Number(r.getRowObjectsJson()[0]?.n ?? 0) };
}
