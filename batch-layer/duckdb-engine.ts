import { openLakeDuckDB } from '../core/lake/duckdb-access';
import { type DuckDBInstance, LIST, listValue, timestampValue, VARCHAR } from '@duckdb/node-api';
import { eventHourKey } from '../core/lake/layout';
import { lakeHolds } from '../core/lake/events';
import { key, type LakeStorage } from '../core/lake/storage';
import { measuresSql, SETUP_STATEMENTS, uniquesSql } from './duckdb-catalog';
import type { BatchEngine, HourViewRequest, ViewFiles } from './engine';
import { sqlTemplate } from '../core/metric-catalog/sql-templates';
import {
  copyTable,
  emptyTable,
  keepOtherProjects,
  publishHourTables,
  viewNames,
  withConnection,
} from './view-tables';

/** DuckDB, embedded: the batch layer's default engine. */
export class DuckDbEngine implements BatchEngine {
  private emptyTemplate?: Promise<ViewFiles>;

  private constructor(
    private readonly db: DuckDBInstance,
    private readonly lake: LakeStorage,
  ) {}

  /**
   * The view of an hour without events: the same two (empty) Parquet files every time, written
   * once per engine and copied, since a long backfill seals thousands of such hours.
   */
  async emptyHourView(dir: string, version: string): Promise<ViewFiles & { events: number }> {
    this.emptyTemplate ??= withConnection(this.db, async (conn) => {
      await conn.run(emptyTable('hour_measures', 'measures'));
      await conn.run(emptyTable('hour_uniques', 'uniques'));
      const files = {
        measures: key('_templates', 'empty-view', 'measures.parquet'),
        uniques: key('_templates', 'empty-view', 'uniques.parquet'),
      };
      await copyTable(conn, this.lake, 'hour_measures', files.measures);
      await copyTable(conn, this.lake, 'hour_uniques', files.uniques);
      return files;
    });
    const template = await this.emptyTemplate;
    const names = viewNames(version);
    await this.lake.copy(template.measures, key(dir, names.measures));
    await this.lake.copy(template.uniques, key(dir, names.uniques));
    return { ...names, events: 0 };
  }

  static async open(lake: LakeStorage, threads = 2): Promise<DuckDbEngine> {
    return new DuckDbEngine(await openLakeDuckDB(lake, threads), lake);
  }

  /**
   * Computes one hour's batch view from the lake (every catalog metric, exactly deduplicated by
   * messageId) and writes it as two Parquet files in `dir` named by `version`.
   */
  async hourView(v: HourViewRequest): Promise<ViewFiles & { events: number }> {
    const { hour: hourStart, dir, version, only } = v;
    return withConnection(this.db, async (conn) => {
      const from = BigInt(hourStart.getTime()) * 1000n;
      const bounds = { from: timestampValue(from), to: timestampValue(from + 3_600_000_000n) };
      for (const s of SETUP_STATEMENTS) await conn.run(s);
      // Only some projects: theirs are recomputed, every other project's rows kept from the view in force.
      const globs = only ? await this.projectHourGlobs(hourStart, only.projects) : undefined;
      const { glob, any } = await this.hourGlob(hourStart);
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
      if (only) await keepOtherProjects(conn, this.lake, only);
      return publishHourTables(conn, this.lake, dir, version);
    });
  }

  /**
   * Rolls a day's hourly views up into day buckets: counts and sums add, HLL registers merge by
   * max (DAU; WAU and MAU merge daily registers at query time). `hourFiles` are the published
   * files of the day's hours.
   */
  async dayView(hourFiles: ViewFiles[], dir: string, version: string): Promise<ViewFiles> {
    return withConnection(this.db, async (conn) => {
      const list = (kind: 'measures' | 'uniques') => hourFiles.map((f) => this.lake.uri(f[kind]));
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
      const { measures, uniques } = viewNames(version);
      await copyTable(conn, this.lake, 'day_measures', key(dir, measures));
      await copyTable(conn, this.lake, 'day_uniques', key(dir, uniques));
      return { measures, uniques };
    });
  }

  /** The hour's partition folder in every project, as a glob, and whether any file matches it. */
  private async hourGlob(hourStart: Date): Promise<{ glob: string; any: boolean }> {
    const iso = hourStart.toISOString();
    return {
      glob: this.lake.uri(key(eventHourKey('*', iso), '*.parquet')),
      any: await lakeHolds(this.lake, iso),
    };
  }

  /** The hour's partition folders of these projects that hold files, as globs. */
  private async projectHourGlobs(hourStart: Date, projects: string[]): Promise<string[]> {
    const iso = hourStart.toISOString();
    const globs: string[] = [];
    for (const p of projects)
      if (await lakeHolds(this.lake, iso, [p]))
        globs.push(this.lake.uri(key(eventHourKey(p, iso), '*.parquet')));
    return globs;
  }

  close(): void {
    this.db.closeSync();
  }
}
