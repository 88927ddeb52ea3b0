/**
 * bench/ingest: sustained events/s and request latency of the collector (HTTP -> validation ->
 * idempotent producer, acks=all) for batches of 100 and 1,000 ~400-byte events, beside Kafka's
 * own ProducerPerformance on the same broker, same record size, in the same run.
 *
 *   node node_modules/tsx/dist/cli.mjs bench/ingest/run.ts      (BENCH_SECONDS=20 by default)
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import { WriteKeys } from '../../core/auth/write-keys';
import { MetadataStore } from '../../core/metadata/store';
import { kafkaServiceOptions, startKafka } from '../../infra/local/kafka/service';
import { REPO_ROOT } from '../../infra/local/paths';
import { postgresUrl, startPostgres } from '../../infra/local/postgres/service';
import { freePort } from '../../test/helpers/free-port';
import { runProducerPerformance } from '../lib/producer-performance';
import { fmt, percentile } from '../lib/stats';
import { realisticEvent } from './events';
import type { LoadResult } from './load';
import { measureSkew } from './skew';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const PARTITIONS = Number(process.env.BENCH_PARTITIONS ?? 4);
const RECORD_SIZE = 400;
const WORKERS = Number(process.env.BENCH_INGEST_WORKERS ?? 2);
const LOADERS = Math.max(1, Number(process.env.BENCH_LOAD_PROCESSES ?? 1));

/** Runs bench/ingest/load.ts in its own process; resolves with what it measured. */
function loadProcess(base: string, auth: string, batch: number, concurrency: number, seconds: number) {
  return new Promise<LoadResult>((resolve, reject) => {
    const p = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'bench/ingest/load.ts',
        base,
        auth,
        String(batch),
        String(concurrency),
        String(seconds),
      ],
      { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    p.stdout.on('data', (b: Buffer) => (out += b.toString()));
    p.once('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(out.trim()) as LoadResult)
        : reject(new Error(`load process exited ${code}`)),
    );
  });
}

async function main() {
  const say = (l: string) => console.log(l);
  const broker = kafkaServiceOptions();
  await startKafka(broker, say);
  const brokers = `localhost:${broker.port}`;
  const run = randomUUID().slice(0, 8);
  const topic = `bench.ingest.${run}`;
  const perfTopic = `bench.perf.${run}`;
  const kafka = new Kafka({ brokers: [brokers], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [topic, `${topic}.quarantine`, `${topic}.derived`, perfTopic].map((t) => ({
      topic: t,
      numPartitions: PARTITIONS,
    })),
  });

  const sample = JSON.stringify(realisticEvent(1));
  say(
    `event size: ${Buffer.byteLength(sample)} bytes; partitions: ${PARTITIONS}; collector processes: ${WORKERS}; ${SECONDS} s per case`,
  );

  // Kafka's own producer: same broker, same record size, acks=all, idempotent.
  const perfRecords = Number(process.env.BENCH_PERF_RECORDS ?? 2_000_000);
  const perf = runProducerPerformance({
    brokers,
    topic: perfTopic,
    records: perfRecords,
    recordSize: RECORD_SIZE,
  });
  say(`kafka ProducerPerformance: ${perf.line}`);

  // The collector, as its own process (as deployed), without a rate limit.
  const state = mkdtempSync(join(tmpdir(), 'bench-ingest-'));
  // Write keys live in PostgreSQL (the metadata store): the local server, started if it is not.
  await startPostgres();
  const metadata = await MetadataStore.open(postgresUrl());
  const writeKey = await new WriteKeys(metadata).create('bench');
  await metadata.close();
  const port = await freePort();
  // BENCH_NODE_ARGS (e.g. --cpu-prof) go to the collector's node, for profiling.
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(
    process.execPath,
    [...nodeArgs, '--import', 'tsx', 'cli/main.ts', 'run', 'ingest', '--workers', String(WORKERS)],
    {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: {
        ...process.env,
        PLATFORM_STATE_DIR: state,
        DATABASE_URL: postgresUrl(),
        INGEST_PORT: String(port),
        KAFKA_BROKERS: brokers,
        TOPIC_EVENTS: topic,
        TOPIC_QUARANTINE: `${topic}.quarantine`,
        TOPIC_DERIVED: `${topic}.derived`,
        TOPIC_DEADLETTER: `${topic}.deadletter`,
        INGEST_RATE_LIMIT: '0',
        LOG_LEVEL: 'warn',
      },
    },
  );
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    if (
      await fetch(`${base}/health`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    await sleep(100);
  }
  const auth = `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;

  const results: {
    batch: number;
    concurrency: number;
    eps: number;
    /** Events the load processes sent per second while measuring. */
    offered: number;
    p50: number;
    p99: number;
    errors: number;
  }[] = [];
  for (const [batchSize, concurrency] of [
    [100, 32],
    [1000, 8],
  ] as const) {
    // The load comes from other processes (BENCH_LOAD_PROCESSES, 1 by default), each with its
    // share of the requests in flight: none shares an event loop with the collector or this one.
    const runs = await Promise.all(
      Array.from({ length: LOADERS }, (_, i) => {
        const share = Math.floor(concurrency / LOADERS) + (i < concurrency % LOADERS ? 1 : 0);
        return loadProcess(base, auth, batchSize, share, SECONDS);
      }),
    );
    const latencies = runs.flatMap((r) => r.latencies);
    const events = runs.reduce((n, r) => n + r.acceptedEvents, 0);
    const errors = runs.reduce((n, r) => n + r.errors, 0);
    const elapsed = Math.max(...runs.map((r) => r.seconds));
    const offered = runs.reduce((n, r) => n + r.offeredEvents, 0) / elapsed;
    latencies.sort((a, b) => a - b);
    results.push({
      batch: batchSize,
      concurrency,
      eps: events / elapsed,
      offered,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      errors,
    });
  }
  child.kill('SIGINT');
  await new Promise((r) => child.once('exit', r));
  await admin
    .deleteTopics({ topics: [topic, `${topic}.quarantine`, `${topic}.derived`, perfTopic] })
    .catch(() => {});
  await admin.disconnect();

  say('');
  say(
    `| batch | concurrency | events/s offered (${LOADERS} load process${LOADERS > 1 ? 'es' : ''}) | events/s accepted | p50 ms | p99 ms | non-2xx | ratio to Kafka ProducerPerformance |`,
  );
  say('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of results) {
    say(
      `| ${r.batch} | ${r.concurrency} | ${fmt(r.offered)} | ${fmt(r.eps)} | ${fmt(r.p50, 1)} | ${fmt(r.p99, 1)} | ${r.errors} | ${fmt(r.eps / perf.recordsPerSec, 2)} |`,
    );
  }
  say(
    `| kafka ProducerPerformance | - | - | ${fmt(perf.recordsPerSec)} | ${fmt(perf.p50Ms, 1)} | ${fmt(perf.p99Ms, 1)} | - | 1.00 |`,
  );
  const skew = measureSkew({ events: 200_000, partitions: PARTITIONS, hotShare: 0.3, users: 10_000 });
  say('');
  say(
    `hot key (one user sends 30% of events), busiest partition's share of events: ideal ${fmt(skew.ideal * 100, 1)}%, plain keys ${fmt(skew.plain * 100, 1)}%, salted hot key ${fmt(skew.salted * 100, 1)}%`,
  );
  say(
    `command: node node_modules/tsx/dist/cli.mjs bench/ingest/run.ts  (BENCH_SECONDS=${SECONDS}, BENCH_INGEST_WORKERS=${WORKERS})`,
  );
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
