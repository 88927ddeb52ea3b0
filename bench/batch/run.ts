/**
 * bench/batch: recompute one day of synthetic events from the Parquet lake through the Temporal
 * workflow (`dailyRollup`: 24 `hourlyRecompute` children computing every catalog metric, then the
 * day rollup), beside the same catalog SQL run directly on DuckDB over the same Parquet, in the
 * same run, as a ratio; with the lake on local disk, on S3 (the local MinIO), and computed by the
 * BigQuery engine (the local emulator) beside the same catalog SQL run directly on it.
 *
 *   node node_modules/tsx/dist/cli.mjs bench/batch/run.ts      (BENCH_EVENTS=10000000 BENCH_LAKES=local,s3,bigquery)
 */
import '../../core/quiet-aws-sdk';
import { loadConfig } from '../../core/config/config';
import { openLakeDuckDB } from '../../core/lake/duckdb-access';
import { eventHourKey } from '../../core/lake/layout';
import { LocalStorage } from '../../core/lake/local-storage';
import { localFiles } from '../../core/files/local-files';
import { openLake } from '../../core/lake/open-lake';
import type { LakeStorage } from '../../core/lake/storage';
import { minioLakeEnv, minioServiceOptions, startMinio } from '../../infra/local/minio/service';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DuckDBInstance, timestampValue } from '@duckdb/node-api';
import { Client, Connection } from '@temporalio/client';
import { measuresSql, SETUP_STATEMENTS, uniquesSql } from '../../batch-layer/duckdb-catalog';
import { createLogger } from '../../core/log';
import { startTemporal, temporalServiceOptions } from '../../infra/local/temporal/service';
import { WORKFLOW_TYPES } from '../../workflows/ids';
import { startBatchWorker, type BatchWorkerConfig } from '../../workflows/workers/batch-worker';
import { BIGQUERY_DIALECT } from '../../batch-layer/bigquery-catalog';
import { bigQueryClient } from '../../batch-layer/bigquery-client';
import { compileCatalog } from '../../batch-layer/catalog-sql';
import { fillTemplate } from '../../core/metric-catalog/sql-templates';
import { bigQueryServiceOptions, startBigQuery } from '../../infra/local/bigquery/service';
import { fmt } from '../lib/stats';
import { writeSyntheticHour } from '../lib/synthetic-lake';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 10_000_000);
/** Where the lake lives for the run: this machine's disk, and S3 (the local MinIO). */
const LAKES = (process.env.BENCH_LAKES ?? 'local,s3').split(',');
const DAY = '2026-01-15';
const HOUR = 3_600_000;
const HOURS = Array.from({ length: 24 }, (_, h) =>
  new Date(Date.parse(`${DAY}T00:00:00Z`) + h * HOUR).toISOString(),
);

/** Synthetic lake: one project, the catalog's event kinds, written by DuckDB hour by hour. */
async function generateLake(lake: string): Promise<void> {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  const perHour = Math.ceil(EVENTS / 24);
  for (let h = 0; h < 24; h++)
    await writeSyntheticHour(conn, lake, 'bench', Date.parse(`${DAY}T00:00:00Z`) + h * HOUR, perHour, h);
  conn.closeSync();
}

/** Every file of the local lake, uploaded to `to` under the same keys (the S3 lake of the bench). */
async function upload(root: string, dir: string, to: LakeStorage): Promise<number> {
  let n = 0;
  for (const name of localFiles.list(join(root, dir))) {
    const k = dir === '' ? name : `${dir}/${name}`;
    if (name.endsWith('.parquet')) {
      await to.write(k, localFiles.readBytes(join(root, k)));
      n++;
    } else n += await upload(root, k, to);
  }
  return n;
}

interface LakeRun {
  name: string;
  bare: number;
  workflow: number;
  /** What the physical limit beside it ran. */
  limit: string;
}

/** The dailyRollup workflow over `lake` on the real Temporal dev server, on `engines`; seconds. */
async function workflowSeconds(
  lake: LakeStorage,
  engines: BatchWorkerConfig['engines'],
  say: (l: string) => void,
): Promise<number> {
  const temporal = temporalServiceOptions();
  await startTemporal(temporal, say);
  const taskQueue = `bench-batch-${Date.now()}`;
  const log = createLogger({ bench: 'batch' }, 'error');
  const worker = await startBatchWorker(
    {
      address: `localhost:${temporal.port}`,
      namespace: temporal.namespace,
      taskQueue,
      lake,
      schedules: false,
      ...(engines ? { engines } : {}),
    },
    log,
  );
  const client = new Client({
    connection: await Connection.connect({ address: `localhost:${temporal.port}` }),
  });
  const t = performance.now();
  await client.workflow.execute(WORKFLOW_TYPES.dailyRollup, {
    taskQueue,
    workflowId: `bench-${taskQueue}`,
    args: [{ day: DAY, ...(engines ? { engine: engines.default } : {}) }],
  });
  const seconds = (performance.now() - t) / 1000;
  await worker.stop();
  await client.connection.close();
  return seconds;
}

/**
 * The BigQuery engine (the local emulator) on the local lake: the workflow (staging, load jobs,
 * catalog queries, views written and published), then the physical limit beside it, the same
 * catalog queries run directly on the emulator over the rows the workflow loaded. A dataset of
 * its own, so no job of an earlier run is found and reused.
 */
async function benchBigQuery(lake: LakeStorage, say: (l: string) => void): Promise<LakeRun> {
  const o = bigQueryServiceOptions();
  await startBigQuery(o, say);
  const dataset = `bench_${Date.now()}`;
  const config = loadConfig({ ...process.env, BIGQUERY_DATASET: dataset });
  const bq = bigQueryClient(config.batch.bigquery);
  await bq.createDataset(dataset);
  const workflow = await workflowSeconds(
    lake,
    { default: 'bigquery', bigquery: config.batch.bigquery, httpfs: config.lake.httpfs },
    say,
  );
  const catalog = compileCatalog(BIGQUERY_DIALECT);
  const events = `\`${config.batch.bigquery.projectId}.${dataset}.events\``;
  const t = performance.now();
  for (const hour of HOURS) {
    const params = { from: new Date(hour), to: new Date(Date.parse(hour) + 3_600_000) };
    for (const template of [catalog.measures, catalog.uniques]) {
      const [job] = await bq.createQueryJob({
        query: fillTemplate(template, { events }),
        params,
        useLegacySql: false,
      });
      await job.getQueryResults({ autoPaginate: true });
    }
  }
  const bare = (performance.now() - t) / 1000;
  say(`  BigQuery (emulator): bare ${fmt(bare, 1)} s, workflow ${fmt(workflow, 1)} s`);
  return {
    name: 'local disk, BigQuery engine (emulator)',
    bare,
    workflow,
    limit: 'bare BigQuery (emulator), catalog SQL hour by hour over the loaded rows',
  };
}

/** The physical limit (bare DuckDB over this lake) and the product path (the workflow), on one lake. */
async function benchLake(name: string, lake: LakeStorage, say: (l: string) => void): Promise<LakeRun> {
  // The physical limit: the same catalog SQL, hour by hour, on DuckDB directly (results discarded),
  // reading the lake where it lives.
  const db = await openLakeDuckDB(lake, 2);
  const conn = await db.connect();
  for (const s of SETUP_STATEMENTS) await conn.run(s);
  const t = performance.now();
  for (const hourIso of HOURS) {
    const from = BigInt(Date.parse(hourIso)) * 1000n;
    const params = {
      glob: lake.uri(`${eventHourKey('*', hourIso)}/*.parquet`),
      from: timestampValue(from),
      to: timestampValue(from + 3_600_000_000n),
    };
    await conn.run(`CREATE OR REPLACE TEMP TABLE m AS ${measuresSql()}`, params);
    await conn.run(`CREATE OR REPLACE TEMP TABLE u AS ${uniquesSql()}`, params);
  }
  const bare = (performance.now() - t) / 1000;
  conn.closeSync();
  db.closeSync();

  // Through the workflow on the real Temporal dev server.
  const workflow = await workflowSeconds(lake, undefined, say);
  say(`  ${name}: bare ${fmt(bare, 1)} s, workflow ${fmt(workflow, 1)} s`);
  return { name, bare, workflow, limit: 'bare DuckDB, catalog SQL hour by hour' };
}

async function main() {
  const say = (l: string) => console.log(l);
  const root = mkdtempSync(join(tmpdir(), 'bench-batch-'));
  let t = performance.now();
  await generateLake(root);
  say(
    `lake: ${fmt(EVENTS)} events in 24 hourly partitions, written in ${fmt((performance.now() - t) / 1000, 1)} s`,
  );
  const runs: LakeRun[] = [];
  if (LAKES.includes('local')) runs.push(await benchLake('local disk', new LocalStorage(root), say));
  if (LAKES.includes('s3')) {
    // The same files on S3 (the local MinIO, started with the other services), under a fresh prefix.
    const minio = minioServiceOptions();
    await startMinio(minio, say);
    const s3 = openLake(
      loadConfig({ ...process.env, ...minioLakeEnv(minio, `bench-batch-${Date.now()}`) }).lake,
    );
    t = performance.now();
    const files = await upload(root, 'events', s3);
    say(`  uploaded ${files} files to S3 (MinIO) in ${fmt((performance.now() - t) / 1000, 1)} s`);
    runs.push(await benchLake('S3 (MinIO)', s3, say));
  }
  if (LAKES.includes('bigquery')) {
    // A lake of its own: the day's views published by the runs above would be kept, not recomputed.
    const bqRoot = mkdtempSync(join(tmpdir(), 'bench-batch-bq-'));
    await generateLake(bqRoot);
    runs.push(await benchBigQuery(new LocalStorage(bqRoot), say));
  }

  const local = runs[0] as LakeRun;
  say('');
  say(
    `| lake, engine | path | seconds | events/s | ratio to its limit (bare engine, same data) | ratio to ${local.limit} on ${local.name} |`,
  );
  say('| --- | --- | ---: | ---: | ---: | ---: |');
  for (const r of runs) {
    say(
      `| ${r.name} | ${r.limit} | ${fmt(r.bare, 1)} | ${fmt(EVENTS / r.bare)} | 1.00 | ${fmt(local.bare / r.bare, 2)} |`,
    );
    say(
      `| ${r.name} | dailyRollup workflow (24 hourlyRecompute children + rollup, views published) | ${fmt(r.workflow, 1)} | ${fmt(EVENTS / r.workflow)} | ${fmt(r.bare / r.workflow, 2)} | ${fmt(local.bare / r.workflow, 2)} |`,
    );
  }
  say(
    `command: node node_modules/tsx/dist/cli.mjs bench/batch/run.ts  (BENCH_EVENTS=${EVENTS} BENCH_LAKES=${LAKES.join(',')})`,
  );
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
