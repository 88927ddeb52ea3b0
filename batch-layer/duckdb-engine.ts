import { copyFileSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DuckDBInstance,
  LIST,
  listValue,
  timestampValue,
  VARCHAR,
  type DuckDBConnection,
} from '@duckdb/node-api';
import { measuresSql, SETUP_STATEMENTS, uniquesSql } from './duckdb-catalog';
import type { BatchEngine } from './engine';
import { partitionDir, partitionOf } from './lake-paths';
import { quoteLiteral } from './sql-literal';
import { lakeHolds } from './unsealed-hours';
import { sqlTemplate } from './sql-templates';

/** The hour's partition folder in every project, as a glob, and whether any file matches it. */
function hourGlob(lakeRoot: string, hourStart: Date): { glob: string; any: boolean } {
  const iso = hourStart.toISOString();
  const glob = join(lakeRoot, 'events', 'project=*', `date=${iso.slice(0, 10)}`, `hour=${iso.slice(11, 13)}`);
  return { glob: join(glob, '*.parquet'), any: lakeHolds(lakeRoot, iso) };
}

/** The hour's partition folders of these projects that hold files, as globs. */
function projectHourGlobs(lakeRoot: string, hourStart: Date, projects: string[]): string[] {
  const iso = hourStart.toISOString();
  return projects
    .filter((p) => lakeHolds(lakeRoot, iso, new Set([`project=${p}`])))
    .map((p) => join(partitionDir(lakeRoot, 'events', partitionOf(p, iso)), '*.parquet'));
}

/** Runs `f` on its own connection: temp tables are per connection, so concurrent work cannot collide. */
async function withConnection<T>(db: DuckDBInstance, f: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
  const conn = await db.connect();
  try {
    return await f(conn);
  } finally {
    conn.closeSync();
  }
}

async function copyTable(conn: DuckDBConnection, table: string, file: string): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    await conn.run(`COPY ${table} TO ${quoteLiteral(tmp)} (FORMAT parquet, COMPRESSION zstd)`);
    renameSync(tmp, file);
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** An empty view table named `table`, with the view's columns (sql/duckdb/empty_*.sql). */
const emptyTable = (table: string, kind: 'measures' | 'uniques') =>
  `CREATE OR REPLACE TEMP TABLE ${table} ${sqlTemplate('duckdb', `empty_${kind}`)}`;

/** DuckDB, embedded: the batch layer's default engine. */
export class DuckDbEngine implements BatchEngine {
  private emptyTemplate?: Promise<{ measures: string; uniques: string }>;

  private constructor(private readonly db: DuckDBInstance) {}

  /**
   * The view of an hour without events: the same two (empty) Parquet files every time, written
   * once per engine and copied, since a long backfill seals thousands of such hours.
   */
  async emptyHourView(
    dir: string,
    version: string,
  ): Promise<{ measures: string; uniques: string; events: number }> {
    this.emptyTemplate ??= withConnection(this.db, async (conn) => {
      const at = mkdtempSync(join(tmpdir(), 'empty-view-'));
      await conn.run(emptyTable('hour_measures', 'measures'));
      await conn.run(emptyTable('hour_uniques', 'uniques'));
      const files = { measures: join(at, 'measures.parquet'), uniques: join(at, 'uniques.parquet') };
      await copyTable(conn, 'hour_measures', files.measures);
      await copyTable(conn, 'hour_uniques', files.uniques);
      return files;
    });
    const template = await this.emptyTemplate;
    mkdirSync(dir, { recursive: true });
    const measures = `measures-${version}.parquet`;
    const uniques = `uniques-${version}.parquet`;
    for (const [from, name] of [
      [template.measures, measures],
      [template.uniques, uniques],
    ] as const) {
      copyFileSync(from, join(dir, `${name}.tmp`));
      renameSync(join(dir, `${name}.tmp`), join(dir, name));
    }
    return { measures, uniques, events: 0 };
  }

  static async open(threads = 2): Promise<DuckDbEngine> {
    return new DuckDbEngine(await DuckDBInstance.create(':memory:', { threads: String(threads) }));
  }

  /**
   * Computes one hour's batch view from the lake (every catalog metric, exactly deduplicated by
   * messageId) and writes it as two Parquet files in `dir` named by `version`.
   */
  async hourView(
    lakeRoot: string,
    hourStart: Date,
    dir: string,
    version: string,
    only?: { projects: string[]; current: { measures: string; uniques: string } },
  ): Promise<{ measures: string; uniques: string; events: number }> {
    return withConnection(this.db, async (conn) => {
      const from = BigInt(hourStart.getTime()) * 1000n;
      const bounds = { from: timestampValue(from), to: timestampValue(from + 3_600_000_000n) };
      for (const s of SETUP_STATEMENTS) await conn.run(s);
      // Only some projects: theirs are recomputed, every other project's rows kept from the view in force.
      const globs = only ? projectHourGlobs(lakeRoot, hourStart, only.projects) : undefined;
      const { glob, any } = hourGlob(lakeRoot, hourStart);
      const source = globs ? { glob: listValue(globs) } : { glob };
      const types = globs ? { glob: LIST(VARCHAR) } : undefined;
      if (globs ? globs.length > 0 : any) {
        await conn.run(
          `CREATE OR REPLACE TEMP TABLE hour_measures AS ${measuresSql()}`,
          { ...source, ...bounds },
          types,
        );
        await conn.run(
          `CREATE OR REPLACE TEMP TABLE hour_uniques AS ${uniquesSql()}`,
          { ...source, ...bounds },
          types,
        );
      } else {
        // An hour without events is sealed as empty, with the same columns.
        await conn.run(emptyTable('hour_measures', 'measures'));
        await conn.run(emptyTable('hour_uniques', 'uniques'));
      }
      if (only) {
        const keep = { file: '', projects: listValue(only.projects) };
        const keepTypes = { projects: LIST(VARCHAR) };
        for (const [table, file] of [
          ['hour_measures', only.current.measures],
          ['hour_uniques', only.current.uniques],
        ] as const) {
          await conn.run(
            `INSERT INTO ${table} BY NAME SELECT * FROM read_parquet($file, hive_partitioning = false) WHERE NOT list_contains($projects, project_id)`,
            { ...keep, file },
            keepTypes,
          );
        }
      }
      mkdirSync(dir, { recursive: true });
      const measures = `measures-${version}.parquet`;
      const uniques = `uniques-${version}.parquet`;
      await copyTable(conn, 'hour_measures', join(dir, measures));
      await copyTable(conn, 'hour_uniques', join(dir, uniques));
      const r = await conn.runAndReadAll(
        `SELECT coalesce(sum(count), 0)::BIGINT AS n FROM hour_measures WHERE metric = 'events'`,
      );
      return { measures, uniques, events: Number(r.getRowObjectsJson()[0]?.n ?? 0) };
    });
  }

  /**
   * Rolls a day's hourly views up into day buckets: counts and sums add, HLL registers merge by
   * max (DAU; WAU and MAU merge daily registers at query time). `hourFiles` are the published
   * files of the day's hours.
   */
  async dayView(
    hourFiles: { measures: string; uniques: string }[],
    dir: string,
    version: string,
  ): Promise<{ measures: string; uniques: string }> {
    return withConnection(this.db, async (conn) => {
      const list = (key: 'measures' | 'uniques') => hourFiles.map((f) => f[key]);
      if (hourFiles.length === 0) {
        await conn.run(emptyTable('day_measures', 'measures'));
        await conn.run(emptyTable('day_uniques', 'uniques'));
      } else {
        for (const kind of ['measures', 'uniques'] as const) {
          await conn.run(
            `CREATE OR REPLACE TEMP TABLE day_${kind} AS ${sqlTemplate('duckdb', `day_${kind}`)}`,
            { files: listValue(list(kind)) },
            { files: LIST(VARCHAR) },
          );
        }
      }
      mkdirSync(dir, { recursive: true });
      const measures = `measures-${version}.parquet`;
      const uniques = `uniques-${version}.parquet`;
      await copyTable(conn, 'day_measures', join(dir, measures));
      await copyTable(conn, 'day_uniques', join(dir, uniques));
      return { measures, uniques };
    });
  }

  close(): void {
    this.db.closeSync();
  }
}
