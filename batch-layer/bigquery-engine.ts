import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { BigQuery, TableField } from '@google-cloud/bigquery';
import { type DuckDBConnection, type DuckDBInstance, LIST, listValue, VARCHAR } from '@duckdb/node-api';
import type { BigQuerySettings } from '../core/config/config';
import { UserFacingError } from '../core/errors';
import { openLakeDuckDB } from '../core/lake/duckdb-access';
import { eventFilesOfHour, filesFingerprint } from '../core/lake/events';
import { GcsStorage } from '../core/lake/gcs-storage';
import { eventHourKey, projectFolder } from '../core/lake/layout';
import { LocalStorage } from '../core/lake/local-storage';
import { key, type HttpfsSource, type LakeStorage } from '../core/lake/storage';
import { BIGQUERY_DIALECT } from './bigquery-catalog';
import { bigQueryClient } from './bigquery-client';
import { dryRun, labelValue, runJobOnce } from './bigquery-jobs';
import { compileCatalog } from './catalog-sql';
import { DuckDbEngine } from './duckdb-engine';
import type { BatchEngine, HourViewRequest, HourViewResult, ProjectLoads, ViewFiles } from './engine';
import { failpoint } from '../core/failpoint';
import { quoteLiteral } from './sql-literal';
import { fillTemplate } from '../core/metric-catalog/sql-templates';
import { emptyTable, keepOtherProjects, publishHourTables, withConnection } from './view-tables';

/**
 * The raw events table: the lake's columns, and which load put each row there. Partitioned by the
 * event's hour and clustered by project and event, so an hour's query reads one partition; the
 * load id keeps each load's rows apart (a recomputed hour is loaded again, whole).
 */
const EVENTS_TABLE: { name: string; type: string; cast: string }[] = [
  ['event_id', 'STRING', 'VARCHAR'],
  ['project_id', 'STRING', 'VARCHAR'],
  ['type', 'STRING', 'VARCHAR'],
  ['event', 'STRING', 'VARCHAR'],
  ['user_id', 'STRING', 'VARCHAR'],
  ['anonymous_id', 'STRING', 'VARCHAR'],
  ['actor_id', 'STRING', 'VARCHAR'],
  ['event_time', 'TIMESTAMP', 'TIMESTAMP'],
  ['received_at', 'TIMESTAMP', 'TIMESTAMP'],
  ['properties', 'STRING', 'VARCHAR'],
  ['context', 'STRING', 'VARCHAR'],
  ['kafka_topic', 'STRING', 'VARCHAR'],
  ['kafka_partition', 'INT64', 'BIGINT'],
  ['kafka_offset', 'INT64', 'BIGINT'],
  ['load_id', 'STRING', 'VARCHAR'],
  ['loaded_at', 'TIMESTAMP', 'TIMESTAMP'],
].map(([name, type, cast]) => ({ name: name as string, type: type as string, cast: cast as string }));

/**
 * An hour's earlier loads keep their rows this long once a newer load of the hour is made: the
 * activity that loaded one reads it well within, and a reader of the hour's view in force moves to
 * the newer load when it is published. The hour's latest load stays: the serving layer reads
 * persons and sessions from it while the view in force names it.
 */
const KEEP_LOADS_HOURS = 24;

/**
 * The table as created here, and as infra/terraform creates it in production (its contracts file
 * is rendered from this): name, columns, hour partitions on the event's time, clustering.
 */
export const EVENTS_TABLE_CONTRACT = {
  name: 'events',
  fields: EVENTS_TABLE.map(({ name, type }): TableField => ({ name, type })),
  timePartitioning: { type: 'HOUR', field: 'event_time' },
  clustering: ['project_id', 'event', 'load_id'],
  /** The engine deletes a load's rows after this many hours itself. */
  keepLoadsHours: KEEP_LOADS_HOURS,
};

const CATALOG = compileCatalog(BIGQUERY_DIALECT);
/** Changes whenever the BigQuery catalog SQL does: part of every job id, as the view's version. */
const CATALOG_VERSION = createHash('sha256')
  .update(`${CATALOG.measures}\n${CATALOG.uniques}`)
  .digest('hex')
  .slice(0, 12);

export interface BigQueryEngineOptions {
  /** How DuckDB reaches an object-store lake (it stages the hour's files for the load). */
  httpfs: HttpfsSource;
  /** Named points where the process stops (tests kill it there): PLATFORM_FAILPOINTS. */
  failpoints?: string[];
  log?: (msg: string, fields: Record<string, unknown>) => void;
}

/**
 * BigQuery, the batch layer's scale engine. An hour's lake files are staged as one Parquet file
 * and loaded into the events table by a load job; the catalog's queries (sql/bigquery/) run over
 * that load's rows; their result rows are written as the same view files as DuckDB's and
 * published by the same pointer swap. Every job id derives from the hour, its lake files (named
 * by their Kafka ranges) and the catalog's version, so a retried activity finds its jobs instead
 * of running them twice. Day rollups and empty hours read only published views (aggregates, not
 * events) and stay embedded: shipping them to BigQuery would cost a load and a query for nothing.
 */
export class BigQueryEngine implements BatchEngine {
  private readonly table: string;

  private constructor(
    private readonly bq: BigQuery,
    private readonly s: BigQuerySettings,
    private readonly lake: LakeStorage,
    private readonly staging: LakeStorage,
    private readonly db: DuckDBInstance,
    private readonly local: DuckDbEngine,
    private readonly o: BigQueryEngineOptions,
  ) {
    this.table = `\`${s.projectId}.${s.dataset}.${EVENTS_TABLE_CONTRACT.name}\``;
  }

  /**
   * Connects, checks the dataset is there (operators create it; a missing one is one clear
   * line), creates the events table if absent, and checks the staging bucket.
   */
  static async open(
    lake: LakeStorage,
    s: BigQuerySettings,
    o: BigQueryEngineOptions,
  ): Promise<BigQueryEngine> {
    const bq = bigQueryClient(s);
    await ensureEventsTable(bq, s);
    const staging = s.staging.dir
      ? new LocalStorage(join(s.staging.dir, s.staging.bucket, s.staging.prefix))
      : new GcsStorage({ bucket: s.staging.bucket, prefix: s.staging.prefix, httpfs: o.httpfs });
    await staging.check();
    const db = await openLakeDuckDB(lake, 1);
    return new BigQueryEngine(bq, s, lake, staging, db, await DuckDbEngine.open(lake, 1), o);
  }

  async hourView(v: HourViewRequest): Promise<HourViewResult> {
    const { hour: hourStart, dir, version, only, labels = {} } = v;
    const hourIso = hourStart.toISOString();
    const wanted = only && new Set(only.projects.map(projectFolder));
    const files = (await eventFilesOfHour(this.lake, hourIso))
      .filter((f) => !wanted || wanted.has(f.project))
      .map((f) => ({ ...f, key: key(eventHourKey(f.project.slice('project='.length), hourIso), f.name) }));
    return withConnection(this.db, async (conn) => {
      const bytes = { loaded: 0, processed: 0 };
      const loads: ProjectLoads = {};
      if (files.length === 0) {
        await conn.run(emptyTable('hour_measures', 'measures'));
        await conn.run(emptyTable('hour_uniques', 'uniques'));
      } else {
        const loadId = `h${hourIso.slice(0, 13).replace(/\D/g, '')}_${createHash('sha256')
          .update([CATALOG_VERSION, ...files.map((f) => `${f.key}:${f.size}`)].join('\n'))
          .digest('hex')
          .slice(0, 20)}`;
        const jobLabels = {
          ...Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, labelValue(v)])),
          hour: labelValue(hourIso.slice(0, 13)),
          engine: 'bigquery',
        };
        bytes.loaded = await this.load(conn, loadId, files, jobLabels);
        const params = {
          load: loadId,
          from: hourStart,
          to: new Date(hourStart.getTime() + 3_600_000),
        };
        for (const kind of ['measures', 'uniques'] as const) {
          const { rows, processed } = await this.query(`${kind}_${loadId}`, CATALOG[kind], params, jobLabels);
          bytes.processed += processed;
          await fillTable(conn, kind, rows);
        }
        const projects = [...new Set(files.map((f) => f.project.slice('project='.length)))].sort();
        await this.dropOldLoads({ ...params, projects });
        for (const project of projects)
          loads[project] = {
            load: loadId,
            files: filesFingerprint(files.filter((f) => f.project === projectFolder(project))),
          };
      }
      if (only) await keepOtherProjects(conn, this.lake, only);
      return {
        ...(await publishHourTables(conn, this.lake, dir, version)),
        bytes,
        ...(files.length > 0 ? { loads } : {}),
      };
    });
  }

  emptyHourView(dir: string, version: string): Promise<HourViewResult> {
    return this.local.emptyHourView(dir, version);
  }

  dayView(hourFiles: ViewFiles[], dir: string, version: string): Promise<ViewFiles> {
    return this.local.dayView(hourFiles, dir, version);
  }

  close(): void {
    this.local.close();
    this.db.closeSync();
  }

  /**
   * Loads the hour's lake files into the events table under `loadId`, once: they are staged as one
   * Parquet file with the table's columns (a gs:// object the load job reads), then a load job of
   * that id appends them. Returns the bytes loaded.
   */
  private async load(
    conn: DuckDBConnection,
    loadId: string,
    files: { key: string }[],
    labels: Record<string, string>,
  ): Promise<number> {
    const name = `${loadId}.parquet`;
    let staged = 0;
    const { metadata } = await runJobOnce(
      this.bq,
      `load_${loadId}`,
      this.s.location,
      async (jobId) => {
        staged = await this.stage(conn, loadId, files, name);
        const [job] = await this.bq.createJob({
          jobId,
          location: this.s.location,
          configuration: {
            labels,
            load: {
              sourceUris: [this.stagingUri(name)],
              sourceFormat: 'PARQUET',
              destinationTable: {
                projectId: this.s.projectId,
                datasetId: this.s.dataset,
                tableId: EVENTS_TABLE_CONTRACT.name,
              },
              writeDisposition: 'WRITE_APPEND',
              createDisposition: 'CREATE_NEVER',
            },
          },
        });
        return job;
      },
      () => failpoint(this.o.failpoints, 'bigquery-load-inserted', this.o.log, { job: `load_${loadId}` }),
    );
    // BigQuery reports the bytes it read; the emulator does not, so the staged file's size stands
    // in (still there when an earlier attempt inserted the job and died).
    const reported = Number(metadata.statistics?.load?.inputFileBytes ?? 0);
    const loaded = reported || staged || ((await this.staging.size(name)) ?? 0);
    await this.staging.delete(name).catch(() => {});
    return loaded;
  }

  /** Writes the hour's files as one Parquet file in the staging bucket; returns its size. */
  private async stage(conn: DuckDBConnection, loadId: string, files: { key: string }[], name: string) {
    const tmp = await this.staging.scratch(name);
    const columns = EVENTS_TABLE.map((c) =>
      c.name === 'load_id'
        ? `$load AS load_id`
        : c.name === 'loaded_at'
          ? 'current_timestamp::TIMESTAMP AS loaded_at'
          : `${c.name}::${c.cast} AS ${c.name}`,
    );
    await conn.run(
      `COPY (SELECT ${columns.join(', ')} FROM read_parquet($files, hive_partitioning = false))
       TO ${quoteLiteral(tmp)} (FORMAT parquet, COMPRESSION zstd)`,
      { files: listValue(files.map((f) => this.lake.uri(f.key))), load: loadId },
      { files: LIST(VARCHAR), load: VARCHAR },
    );
    await this.staging.publishFile(tmp, name);
    return (await this.staging.size(name)) ?? 0;
  }

  /** gs:// URI of a staged file, as BigQuery's load job reads it. */
  private stagingUri(name: string): string {
    const { bucket, prefix } = this.s.staging;
    return `gs://${bucket}/${key(prefix, name)}`;
  }

  /** Runs a catalog query over one load's rows once (dry run and byte limit first); its rows. */
  private async query(
    id: string,
    template: string,
    params: Record<string, unknown>,
    labels: Record<string, string>,
  ): Promise<{ rows: Record<string, unknown>[]; processed: number }> {
    const query = fillTemplate(template, {
      events: `(SELECT * FROM ${this.table} WHERE load_id = @load)`,
    });
    const { job, metadata } = await runJobOnce(
      this.bq,
      `${id}_${CATALOG_VERSION}`,
      this.s.location,
      async (jobId) => {
        await dryRun(this.bq, { query, params, location: this.s.location }, this.s.maxBytesBilled);
        const [job] = await this.bq.createQueryJob({
          jobId,
          query,
          params,
          location: this.s.location,
          useLegacySql: false,
          labels,
          maximumBytesBilled: String(this.s.maxBytesBilled),
        });
        return job;
      },
    );
    const [rows] = await job.getQueryResults({ autoPaginate: true });
    const stats = metadata.statistics?.query;
    return {
      rows: rows as Record<string, unknown>[],
      processed: Number(stats?.totalBytesBilled ?? stats?.totalBytesProcessed ?? 0),
    };
  }

  /**
   * Deletes the rows of earlier loads of the hour's projects loaded now, once they are a day old:
   * a load's rows are read by the activity that loaded them (within its timeout) and by the
   * serving layer while the hour's view names them, which it stops doing when the newer view is
   * published. Other projects' rows stay: a view recomputed for some projects keeps naming theirs.
   */
  private async dropOldLoads(params: { load: string; from: Date; to: Date; projects: string[] }): Promise<void> {
    const [job] = await this.bq.createQueryJob({
      query: `DELETE FROM ${this.table}
              WHERE event_time >= @from AND event_time < @to AND load_id != @load
                AND project_id IN UNNEST(@projects)
                AND loaded_at < TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL ${KEEP_LOADS_HOURS} HOUR)`,
      params,
      types: { projects: ['STRING'] },
      location: this.s.location,
      useLegacySql: false,
    });
    await job.getQueryResults();
  }
}

/** Reads result rows into the hour's table (`hour_measures` or `hour_uniques`), typed as the view's. */
async function fillTable(
  conn: DuckDBConnection,
  kind: 'measures' | 'uniques',
  rows: Record<string, unknown>[],
) {
  const table = `hour_${kind}`;
  await conn.run(emptyTable(table, kind));
  if (rows.length === 0) return;
  const minute = (v: unknown) =>
    typeof v === 'object' && v !== null && 'value' in v ? String((v as { value: unknown }).value) : String(v);
  const cols =
    kind === 'measures'
      ? { a: 'count', b: 'sum', ta: 'UBIGINT', tb: 'DOUBLE' }
      : { a: 'reg', b: 'rank', ta: 'USMALLINT', tb: 'UTINYINT' };
  // One statement binding columns as lists: rows stay typed values, never SQL text.
  const pick = (f: (r: Record<string, unknown>) => string) => listValue(rows.map(f));
  await conn.run(
    `INSERT INTO ${table}
     SELECT p, m::TIMESTAMPTZ::TIMESTAMP, k, d, a::${cols.ta}, b::${cols.tb}
     FROM (SELECT unnest($p) AS p, unnest($m) AS m, unnest($k) AS k, unnest($d) AS d, unnest($a) AS a, unnest($b) AS b)
     ORDER BY p, k, m, d${kind === 'uniques' ? ', a' : ''}`,
    {
      p: pick((r) => String(r.project_id)),
      m: pick((r) => minute(r.minute)),
      k: pick((r) => String(r.metric)),
      d: pick((r) => String(r.dim)),
      a: pick((r) => String(r[cols.a])),
      b: pick((r) => String(r[cols.b])),
    },
    {
      p: LIST(VARCHAR),
      m: LIST(VARCHAR),
      k: LIST(VARCHAR),
      d: LIST(VARCHAR),
      a: LIST(VARCHAR),
      b: LIST(VARCHAR),
    },
  );
}

/** The dataset must exist; the events table is created in it when absent. */
async function ensureEventsTable(bq: BigQuery, s: BigQuerySettings): Promise<void> {
  const where = s.endpoint ?? 'BigQuery';
  const dataset = bq.dataset(s.dataset, { location: s.location });
  try {
    const [exists] = await dataset.exists();
    if (!exists)
      throw new UserFacingError(
        `BigQuery dataset ${s.projectId}:${s.dataset} does not exist`,
        `create it (bq mk --dataset ${s.projectId}:${s.dataset}; locally ./platform services start does) or set BIGQUERY_DATASET`,
      );
    const table = dataset.table(EVENTS_TABLE_CONTRACT.name);
    if ((await table.exists())[0]) return;
    await dataset.createTable(EVENTS_TABLE_CONTRACT.name, {
      schema: { fields: EVENTS_TABLE_CONTRACT.fields },
      timePartitioning: EVENTS_TABLE_CONTRACT.timePartitioning,
      clustering: { fields: EVENTS_TABLE_CONTRACT.clustering },
    });
  } catch (e) {
    if (e instanceof UserFacingError) throw e;
    const status = (e as { code?: number | string }).code;
    if (status === 409) return; // another worker created it in between
    if (status === 401 || status === 403)
      throw new UserFacingError(
        `BigQuery refused the credentials for project ${s.projectId} (${(e as Error).message})`,
        'check GOOGLE_APPLICATION_CREDENTIALS and the role on the dataset',
      );
    throw new UserFacingError(
      `BigQuery is not reachable at ${where} (${(e as Error).message})`,
      s.endpoint
        ? 'start the emulator (./platform services start) or fix BIGQUERY_ENDPOINT'
        : 'check the network and BIGQUERY_PROJECT',
    );
  }
}
