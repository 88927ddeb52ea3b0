/**
 * bench/speed: the speed layer's consumed-and-written events/s draining a backlog, beside a bare
 * chDB insert of the same rows in the same run (the physical limit), and freshness (producer
 * acknowledgement -> visible in the minute aggregates) under a steady load offered by a process of
 * its own (bench/speed/load.ts, librdkafka), which reports what it actually offered.
 *
 * Two modes: ClickHouse in this process (chDB, the default), or BENCH_CLICKHOUSE=server: the local
 * ClickHouse server, BENCH_SPEED_PROCESSES (2) speed processes sharing the partitions, and as
 * many concurrent writers for the bare insert.
 *
 *   node --import tsx bench/speed/run.ts     (BENCH_EVENTS=300000, BENCH_RATE=50000)
 *   BENCH_CLICKHOUSE=server node --import tsx bench/speed/run.ts
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClickHouse } from '../../core/clickhouse/client';
import { createKafka, ensureTopics } from '../../core/kafka/client';
import { createLogger } from '../../core/log';
import { kafkaServiceOptions, startKafka } from '../../infra/local/kafka/service';
import { REPO_ROOT } from '../../infra/local/paths';
import { RAW_COLUMNS, toRawRow } from '../../speed-layer/rows';
import { applyClickHouseSchema } from '../../speed-layer/schema';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Kafka } from 'kafkajs';
import type { Config } from '../../core/config/config';
import type { Logger } from '../../core/log';
import { clickHouseUrl, startClickHouse } from '../../infra/local/clickhouse/service';
import { exited, roleEnv, startRole } from '../../test/helpers/child-role';
import { speedConsumerConfig, startSpeedConsumer } from '../../speed-layer/speed-consumer';
import { generateEvents, produceEvents } from '../../test/helpers/speed-harness';
import { drained, firstCommit, topicEnd } from '../lib/backlog';
import { isolatedConfig } from '../../test/helpers/test-config';
import { fmt, percentile } from '../lib/stats';
import type { SpeedLoadResult } from './load';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 300_000);
const RATE = Number(process.env.BENCH_RATE ?? 50_000);
const LOAD_SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const BATCH = 5000;
const SERVER = process.env.BENCH_CLICKHOUSE === 'server';
const PROCESSES = Number(process.env.BENCH_SPEED_PROCESSES ?? (SERVER ? 2 : 1));

/** Runs bench/speed/load.ts in its own process; resolves with what it offered and when probes were acknowledged. */
function spawnLoad(brokers: string, topic: string): Promise<SpeedLoadResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(
      process.execPath,
      ['--import', 'tsx', 'bench/speed/load.ts', brokers, topic, String(RATE), String(LOAD_SECONDS)],
      { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    p.stdout.on('data', (b: Buffer) => (out += b.toString()));
    p.once('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(out.trim()) as SpeedLoadResult)
        : reject(new Error(`load process exited ${code}`)),
    );
  });
}

async function main() {
  const say = (l: string) => console.log(l);
  await startKafka(kafkaServiceOptions(), say);
  if (SERVER) await startClickHouse(undefined, say);
  // Topics, groups and state of its own on the shared broker; production's session timeout.
  const config = isolatedConfig('bench-speed', {
    KAFKA_PARTITIONS: '4',
    KAFKA_SESSION_TIMEOUT_MS: '30000',
    ...(SERVER ? { CLICKHOUSE_URL: clickHouseUrl() } : {}),
  });
  const log = createLogger({ bench: 'speed' }, 'error');
  const kafka = createKafka(config, log);
  await ensureTopics(kafka, config);
  const clickhouse = createClickHouse(config);
  await applyClickHouseSchema(clickhouse, config.clickhouse.database);

  // 1. Backlog: produce first, then time the consumer draining it.
  const events = generateEvents(EVENTS, { spreadMinutes: 60 });
  await produceEvents(kafka, config.kafka.topics.events, events);
  say(
    `backlog of ${fmt(EVENTS)} events (~${Buffer.byteLength(JSON.stringify(events[0]))} bytes) in 4 partitions`,
  );
  const admin = kafka.admin();
  await admin.connect();
  const end = await topicEnd(admin, config.kafka.topics.events);
  const consumer = await startConsumers(config, kafka, clickhouse, log);
  // Timed from the first commit: the processes' start and the group's join are not the drain.
  const first = await firstCommit(admin, config.kafka.groups.speed, config.kafka.topics.events);
  await drained(admin, config.kafka.groups.speed, config.kafka.topics.events, end);
  const speedEps = Number(end - first.committed) / ((performance.now() - first.at) / 1000);

  // 2. The physical limit: the same raw rows inserted straight into ClickHouse, same batch sizes,
  // no Kafka, into the same tables (whose materialized views aggregate them); on a server, by as
  // many concurrent writers as there are speed processes.
  const bare = `${config.clickhouse.database}_bare`;
  await applyClickHouseSchema(clickhouse, bare);
  const t1 = performance.now();
  await Promise.all(
    Array.from({ length: PROCESSES }, async (_, w) => {
      for (let i = w * BATCH; i < events.length; i += PROCESSES * BATCH) {
        const slice = events.slice(i, i + BATCH);
        await clickhouse.insert({
          table: `${bare}.speed_events`,
          values: slice.map((e, j) =>
            toRawRow({ event: e, topic: 't', partition: 0, offset: String(i + j) }),
          ),
          columns: [...RAW_COLUMNS],
          format: 'JSONCompactEachRow',
        });
      }
    }),
  );
  const bareEps = EVENTS / ((performance.now() - t1) / 1000);

  // 3. Freshness under a steady load offered by a process of its own (bench/speed/load.ts): each
  // probe (one project each) from its Kafka acknowledgement until it is visible in the aggregates.
  const visible = new Map<string, number>();
  let stop = false;
  let stopAt = Infinity;
  const tick = 100;
  const loadProcess = spawnLoad(config.kafka.brokers.join(','), config.kafka.topics.events);
  let loaded: SpeedLoadResult | undefined;
  void loadProcess.then((r) => {
    loaded = r;
    stop = true;
    stopAt = performance.now();
  });
  const probesSent = () => (loaded ? Object.keys(loaded.probes).length : Infinity);
  while (!stop || visible.size < probesSent()) {
    const r = await clickhouse.query({
      query: `SELECT DISTINCT project_id FROM {db:Identifier}.speed_measures_minute WHERE metric = 'events' AND startsWith(project_id, 'probe-')`,
      query_params: { db: config.clickhouse.database },
      format: 'JSONEachRow',
    });
    const now = performance.timeOrigin + performance.now();
    for (const { project_id } of await r.json<{ project_id: string }>())
      if (!visible.has(project_id)) visible.set(project_id, now);
    if (stop && performance.now() > stopAt + 30_000) break;
    await sleep(tick / 4);
  }
  const result = await loadProcess;
  const acked = new Map(Object.entries(result.probes));
  const achievedRate = result.acknowledged / result.seconds;
  const fresh = [...acked]
    .filter(([p]) => visible.has(p))
    .map(([p, t]) => (visible.get(p) as number) - t)
    .sort((a, b) => a - b);

  await consumer.stop();
  await admin.deleteTopics({ topics: Object.values(config.kafka.topics) }).catch(() => {});
  await admin.disconnect();
  await clickhouse.close();

  say('');
  say('| measure | value |');
  say('| --- | ---: |');
  const where = SERVER ? 'ClickHouse server' : 'chDB in-process';
  say(`| speed layer, backlog drained (events/s, ${PROCESSES} process(es), ${where}) | ${fmt(speedEps)} |`);
  say(`| bare insert of the same raw rows (events/s, ${PROCESSES} writer(s), ${where}) | ${fmt(bareEps)} |`);
  say(`| ratio speed / bare | ${fmt(speedEps / bareEps, 2)} |`);
  say(
    `| steady load offered by its own process (events/s acknowledged by Kafka; ${fmt(RATE)} asked, ${fmt(result.offered / result.seconds)} offered, ${fmt(result.failed)} failed) | ${fmt(achievedRate)} |`,
  );
  say(
    `| freshness p50 / p99 (ms), ${fresh.length} of ${acked.size} probes seen | ${fmt(percentile(fresh, 50))} / ${fmt(percentile(fresh, 99))} |`,
  );
  say(
    `command: ${SERVER ? `BENCH_CLICKHOUSE=server BENCH_SPEED_PROCESSES=${PROCESSES} ` : ''}node --import tsx bench/speed/run.ts  (BENCH_EVENTS=${EVENTS}, BENCH_RATE=${RATE}, BENCH_SECONDS=${LOAD_SECONDS})`,
  );
}

/** The speed layer: its consumer in this process, or on a server, speed processes of their own. */
async function startConsumers(
  config: Config,
  kafka: Kafka,
  clickhouse: ClickHouseClient,
  log: Logger,
): Promise<{ stop(): Promise<void> }> {
  if (!SERVER) return startSpeedConsumer(speedConsumerConfig(config), { kafka, clickhouse, log });
  const all = Array.from({ length: PROCESSES }, () => startRole('speed', roleEnv(config)));
  return {
    stop: async () => {
      all.forEach((p) => p.kill('SIGTERM'));
      await Promise.all(all.map(exited));
    },
  };
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
