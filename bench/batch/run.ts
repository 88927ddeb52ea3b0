/**
 * bench/batch: recompute one day of synthetic events from the Parquet lake through the Temporal
 * workflow (`dailyRollup`: 24 `hourlyRecompute` children computing every catalog metric, then the
 * day rollup), beside the same catalog SQL run directly on DuckDB over the same Parquet, in the
 * same run, as a ratio.
 *
 *   node node_modules/tsx/dist/cli.mjs bench/batch/run.ts      (BENCH_EVENTS=10000000)
 */
import { LocalStorage } from '../../core/lake/local-storage';
import '../../core/kafkajs-hot-paths';
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
import { startBatchWorker } from '../../workflows/worker';
import { fmt } from '../lib/stats';
import { writeSyntheticHour } from '../lib/synthetic-lake';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 10_000_000);
const DAY = '2026-01-15';
const HOUR = 3_600_000;

/** Synthetic lake: one project, the catalog's event kinds, written by DuckDB hour by hour. */
async function generateLake(lake: string): Promise<void> {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  const perHour = Math.ceil(EVENTS / 24);
  for (let h = 0; h < 24; h++)
    await writeSyntheticHour(conn, lake, 'bench', Date.parse(`${DAY}T00:00:00Z`) + h * HOUR, perHour, h);
  conn.closeSync();
}

async function main() {
  const say = (l: string) => console.log(l);
  const lake = mkdtempSync(join(tmpdir(), 'bench-batch-'));
  let t = performance.now();
  await generateLake(lake);
  say(
    `lake: ${fmt(EVENTS)} events in 24 hourly partitions, written in ${fmt((performance.now() - t) / 1000, 1)} s`,
  );

  // The physical limit: the same catalog SQL, hour by hour, on DuckDB directly (results discarded).
  const db = await DuckDBInstance.create(':memory:', { threads: '2' });
  const conn = await db.connect();
  for (const s of SETUP_STATEMENTS) await conn.run(s);
  t = performance.now();
  for (let h = 0; h < 24; h++) {
    const from = BigInt(Date.parse(`${DAY}T00:00:00Z`) + h * HOUR) * 1000n;
    const params = {
      glob: join(
        lake,
        'events',
        'project=*',
        `date=${DAY}`,
        `hour=${String(h).padStart(2, '0')}`,
        '*.parquet',
      ),
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
  const temporal = temporalServiceOptions();
  await startTemporal(temporal, say);
  const taskQueue = `bench-batch-${Date.now()}`;
  const log = createLogger({ bench: 'batch' }, 'error');
  const worker = await startBatchWorker(
    {
      address: `localhost:${temporal.port}`,
      namespace: temporal.namespace,
      taskQueue,
      lake: new LocalStorage(lake),
      schedules: false,
    },
    log,
  );
  const client = new Client({
    connection: await Connection.connect({ address: `localhost:${temporal.port}` }),
  });
  t = performance.now();
  await client.workflow.execute(WORKFLOW_TYPES.dailyRollup, {
    taskQueue,
    workflowId: `bench-${taskQueue}`,
    args: [{ day: DAY }],
  });
  const workflow = (performance.now() - t) / 1000;
  await worker.stop();
  await client.connection.close();

  say('');
  say('| path | seconds | events/s | ratio to bare DuckDB |');
  say('| --- | ---: | ---: | ---: |');
  say(`| bare DuckDB, catalog SQL hour by hour | ${fmt(bare, 1)} | ${fmt(EVENTS / bare)} | 1.00 |`);
  say(
    `| dailyRollup workflow (24 hourlyRecompute children + rollup, views published) | ${fmt(workflow, 1)} | ${fmt(EVENTS / workflow)} | ${fmt(bare / workflow, 2)} |`,
  );
  say(`command: node node_modules/tsx/dist/cli.mjs bench/batch/run.ts  (BENCH_EVENTS=${EVENTS})`);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
