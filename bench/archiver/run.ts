/**
 * bench/archiver: the lake archiver's events/s draining a backlog (Kafka -> Parquet files in the
 * lake, offsets and range records committed exactly once), beside the physical limit in the same
 * run: the same records decoded and written by the same Parquet writer (DuckDB) into the same
 * hour folders, in files of the same size, without Kafka, range records or transactions.
 *
 *   node node_modules/tsx/dist/cli.mjs bench/archiver/run.ts     (BENCH_EVENTS=300000)
 */
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ParquetWriter, type LakeRecord } from '../../batch-layer/parquet-writer';
import { startLakeArchiver } from '../../batch-layer/lake-archiver';
import type { AnalyticsEvent } from '../../core/events/event';
import { createKafka, ensureTopics } from '../../core/kafka/client';
import { partitionKey, partitionOf } from '../../core/lake/layout';
import { openLake } from '../../core/lake/open-lake';
import { key } from '../../core/lake/storage';
import { createLogger } from '../../core/log';
import { kafkaServiceOptions, startKafka } from '../../infra/local/kafka/service';
import { generateEvents, produceEvents } from '../../test/helpers/speed-harness';
import { drained, topicEnd } from '../lib/backlog';
import { isolatedConfig } from '../../test/helpers/test-config';
import { fmt } from '../lib/stats';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 300_000);
const PARTITIONS = 4;

async function main() {
  const say = (l: string) => console.log(l);
  await startKafka(kafkaServiceOptions(), say);
  // Topics, groups and state of its own on the shared broker; production's session timeout.
  const config = isolatedConfig('bench-archiver', {
    KAFKA_PARTITIONS: String(PARTITIONS),
    KAFKA_SESSION_TIMEOUT_MS: '30000',
  });
  const log = createLogger({ bench: 'archiver' }, 'error');
  const kafka = createKafka(config, log);
  await ensureTopics(kafka, config);
  const events = generateEvents(EVENTS, { spreadMinutes: 60 });
  await produceEvents(kafka, config.kafka.topics.events, events);
  say(
    `backlog of ${fmt(EVENTS)} events (~${Buffer.byteLength(JSON.stringify(events[0]))} bytes) in ${PARTITIONS} partitions`,
  );

  // 1. The archiver drains the backlog: timed until its group has committed the topic's end.
  const admin = kafka.admin();
  await admin.connect();
  const end = await topicEnd(admin, config.kafka.topics.events);
  const lake = openLake(config.lake);
  const files = new Set<string>();
  const t0 = performance.now();
  const archiver = await startLakeArchiver(
    {
      topic: config.kafka.topics.events,
      quarantineTopic: config.kafka.topics.quarantine,
      groupId: config.kafka.groups.archiver,
      deadLetterTopic: config.kafka.topics.deadletter,
      lake,
      // The backlog is there: a fetch need not wait for more.
      maxWaitMs: 100,
    },
    { kafka, log },
  );
  await drained(admin, config.kafka.groups.archiver, config.kafka.topics.events, end);
  const archiverEps = EVENTS / ((performance.now() - t0) / 1000);
  await archiver.stop();
  // The local lake's files, counted on disk.
  for (const f of readdirSync(join(config.lake.root, 'events'), { recursive: true }) as string[]) {
    if (f.endsWith('.parquet')) files.add(f);
  }
  const perFile = EVENTS / Math.max(1, files.size);

  // 2. The physical limit: the same records (decoded from the same JSON), grouped by hour folder
  // as the archiver does, written by the same Parquet writer in files of the archiver's average size.
  const values = events.map((e) => Buffer.from(JSON.stringify(e)));
  const bareLake = openLake({ ...config.lake, root: mkdtempSync(join(tmpdir(), 'bench-archiver-bare-')) });
  const writer = await ParquetWriter.open(bareLake);
  const t1 = performance.now();
  const chunk = Math.max(1, Math.round(perFile));
  for (let i = 0; i < values.length; i += chunk) {
    const byDir = new Map<string, LakeRecord[]>();
    values.slice(i, i + chunk).forEach((v, j) => {
      const event = JSON.parse(v.toString('utf8')) as AnalyticsEvent;
      const dir = partitionKey('events', partitionOf(event.projectId, event.timestamp));
      const list = byDir.get(dir) ?? [];
      list.push({ event, topic: 't', partition: 0, offset: String(i + j) });
      byDir.set(dir, list);
    });
    for (const [dir, records] of byDir) await writer.write(key(dir, `part-${i}.parquet`), records);
  }
  const bareEps = EVENTS / ((performance.now() - t1) / 1000);
  writer.close();

  await admin.deleteTopics({ topics: Object.values(config.kafka.topics) }).catch(() => {});
  await admin.disconnect();

  say('');
  say('| measure | value |');
  say('| --- | ---: |');
  say(`| lake archiver, backlog drained (events/s, 1 archiver) | ${fmt(archiverEps)} |`);
  say(
    `| Parquet files written by the archiver (events per file on average) | ${fmt(files.size)} (${fmt(perFile)}) |`,
  );
  say(`| bare Parquet writes of the same records, same writer and file size (events/s) | ${fmt(bareEps)} |`);
  say(`| ratio archiver / bare | ${fmt(archiverEps / bareEps, 2)} |`);
  say(`command: node node_modules/tsx/dist/cli.mjs bench/archiver/run.ts  (BENCH_EVENTS=${EVENTS})`);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
