import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DuckDBInstance, timestampValue, type DuckDBConnection } from '@duckdb/node-api';
import { measuresSql, SETUP_STATEMENTS, uniquesSql } from './duckdb-catalog';
import { sqlFile } from './sql-files';
import { quoteLiteral } from './sql-literal';

export interface HourEventCount {
  projectId: string;
  event: string;
  events: number;
}

/** The hour's partition folder in every project, as a glob, and whether any file matches it. */
function hourGlob(lakeRoot: string, hourStart: Date): { glob: string; any: boolean } {
  const iso = hourStart.toISOString();
  const hourPath = [`date=${iso.slice(0, 10)}`, `hour=${iso.slice(11, 13)}`];
  const eventsDir = join(lakeRoot, 'events');
  const any =
    existsSync(eventsDir) &&
    readdirSync(eventsDir).some((p) => {
      const dir = join(eventsDir, p, ...hourPath);
      return existsSync(dir) && readdirSync(dir).some((f) => f.endsWith('.parquet'));
    });
  return { glob: join(eventsDir, 'project=*', ...hourPath, '*.parquet'), any };
}

/** DuckDB, embedded: the batch layer's default engine. */
export class DuckDbEngine {
  private constructor(private readonly conn: DuckDBConnection) {}

  static async open(threads = 2): Promise<DuckDbEngine> {
    const db = await DuckDBInstance.create(':memory:', { threads: String(threads) });
    return new DuckDbEngine(await db.connect());
  }

  /** Recomputes one hour's event counts from the lake (exact, deduplicated by messageId). */
  async hourEventCounts(lakeRoot: string, hourStart: Date): Promise<HourEventCount[]> {
    const { glob, any } = hourGlob(lakeRoot, hourStart);
    // An hour with no files is a valid, empty hour (read_parquet would fail on an empty glob).
    if (!any) return [];
    const from = hourStart.getTime();
    const reader = await this.conn.runAndReadAll(sqlFile('duckdb', 'hour_event_counts'), {
      glob,
      from: timestampValue(BigInt(from) * 1000n),
      to: timestampValue(BigInt(from + 3_600_000) * 1000n),
    });
    return reader.getRowObjectsJson().map((r) => ({
      projectId: String(r.project_id),
      event: String(r.event),
      events: Number(r.events),
    }));
  }

  /**
   * Computes one hour's batch view from the lake, every catalog metric, exactly deduplicated, and
   * writes it as two Parquet files in `dir` named by `version`. Returns the file names and counts.
   */
  async hourView(
    lakeRoot: string,
    hourStart: Date,
    dir: string,
    version: string,
  ): Promise<{ measures: string; uniques: string; events: number }> {
    const { glob, any } = hourGlob(lakeRoot, hourStart);
    const from = BigInt(hourStart.getTime()) * 1000n;
    const params = { glob, from: timestampValue(from), to: timestampValue(from + 3_600_000_000n) };
    for (const s of SETUP_STATEMENTS) await this.conn.run(s);
    if (any) {
      await this.conn.run(`CREATE OR REPLACE TEMP TABLE hour_measures AS ${measuresSql()}`, params);
      await this.conn.run(`CREATE OR REPLACE TEMP TABLE hour_uniques AS ${uniquesSql()}`, params);
    } else {
      // An hour without events is sealed as empty, with the same columns.
      await this.conn.run(
        `CREATE OR REPLACE TEMP TABLE hour_measures (project_id VARCHAR, minute TIMESTAMP, metric VARCHAR, dim VARCHAR, count UBIGINT, sum DOUBLE)`,
      );
      await this.conn.run(
        `CREATE OR REPLACE TEMP TABLE hour_uniques (project_id VARCHAR, minute TIMESTAMP, metric VARCHAR, dim VARCHAR, reg USMALLINT, rank UTINYINT)`,
      );
    }
    mkdirSync(dir, { recursive: true });
    const measures = `measures-${version}.parquet`;
    const uniques = `uniques-${version}.parquet`;
    await this.copyTable('hour_measures', join(dir, measures));
    await this.copyTable('hour_uniques', join(dir, uniques));
    const r = await this.conn.runAndReadAll(
      `SELECT coalesce(sum(count), 0)::BIGINT AS n FROM hour_measures WHERE metric = 'events'`,
    );
    return { measures, uniques, events: Number(r.getRowObjectsJson()[0]?.n ?? 0) };
  }

  private async copyTable(table: string, file: string): Promise<void> {
    const tmp = `${file}.tmp-${process.pid}`;
    try {
      await this.conn.run(`COPY ${table} TO ${quoteLiteral(tmp)} (FORMAT parquet, COMPRESSION zstd)`);
      renameSync(tmp, file);
    } finally {
      rmSync(tmp, { force: true });
    }
  }

  /** Writes a query's rows as a Parquet file atomically (temporary name, then rename). */
  async writeParquet(file: string, rows: HourEventCount[]): Promise<void> {
    mkdirSync(dirname(file), { recursive: true });
    await this.conn.run(
      'CREATE OR REPLACE TEMP TABLE view_rows (project_id VARCHAR, event VARCHAR, events BIGINT)',
    );
    const appender = await this.conn.createAppender('view_rows');
    for (const r of rows) {
      appender.appendVarchar(r.projectId);
      appender.appendVarchar(r.event);
      appender.appendBigInt(BigInt(r.events));
      appender.endRow();
    }
    appender.closeSync();
    const tmp = `${file}.tmp-${process.pid}`;
    try {
      await this.conn.run(`COPY view_rows TO ${quoteLiteral(tmp)} (FORMAT parquet)`);
      renameSync(tmp, file);
    } finally {
      rmSync(tmp, { force: true });
    }
  }

  close(): void {
    this.conn.closeSync();
  }
}
