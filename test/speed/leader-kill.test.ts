import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRoles, type RunningRoles } from '../../cli/roles';
import { createWriteKey } from '../../core/auth/write-keys';
import { createClickHouse } from '../../core/clickhouse/client';
import type { Config } from '../../core/config/config';
import type { AnalyticsEvent } from '../../core/events/event';
import { createKafka } from '../../core/kafka/client';
import { openLakeDuckDB } from '../../core/lake/duckdb-access';
import { key } from '../../core/lake/storage';
import { createLogger } from '../../core/log';
import {
  kafkaNodes,
  startKafka,
  stopKafka,
  stopKafkaNode,
  type KafkaServiceOptions,
} from '../../infra/local/kafka/service';
import { keepSending } from '../helpers/events';
import { freePort } from '../helpers/free-port';
import { readWholeTopic } from '../helpers/kafka-read';
import { lakeAt } from '../helpers/lake';
import { comparable, groupProgress, speedTotals, truth } from '../helpers/speed-harness';
import { isolatedConfig } from '../helpers/test-config';
import { waitFor } from '../helpers/wait-for';

const PROJECT = 'leaders';

/** How many times each id occurs. */
const tally = (ids: string[]) => {
  const n = new Map<string, number>();
  for (const id of ids) n.set(id, (n.get(id) ?? 0) + 1);
  return n;
};

/**
 * Kafka as users run it: three brokers of its own (`--brokers 3`: every partition on three, a write
 * acknowledged once two hold it). The broker leading the partition being written is killed with
 * SIGKILL while events flow through the collector, the speed layer and the archiver: every event
 * the collector acknowledged is in Kafka, the speed view and the lake exactly once, and the speed
 * view's aggregates equal the truth computed from what Kafka holds.
 */
describe('a Kafka cluster of three brokers losing a leader mid-stream', () => {
  let cluster: KafkaServiceOptions;
  let config: Config;
  let roles: RunningRoles;
  let writeKey: string;
  const log = createLogger({ test: 'leader-kill' }, 'error');

  beforeAll(async () => {
    const nodePorts = [];
    for (let i = 0; i < 3; i++) nodePorts.push({ port: await freePort(), controllerPort: await freePort() });
    cluster = {
      port: nodePorts[0]!.port,
      controllerPort: nodePorts[0]!.controllerPort,
      heap: '512m',
      dir: mkdtempSync(join(tmpdir(), 'three-brokers-')),
      brokers: 3,
      nodePorts,
    };
    await startKafka(cluster);
    config = isolatedConfig('leaderkill', {
      KAFKA_BROKERS: nodePorts.map((p) => `localhost:${p.port}`).join(','),
      KAFKA_PARTITIONS: '2',
    });
    writeKey = await createWriteKey(config, PROJECT);
    roles = await startRoles(['ingest', 'speed', 'archiver'], config, log);
  }, 180_000);

  afterAll(async () => {
    await roles?.stop();
    await stopKafka({ dir: cluster.dir, brokers: 3, signal: 'SIGKILL' });
  });

  it('holds every acknowledged event once in Kafka, the speed view and the lake', async () => {
    const kafka = createKafka(config, log);
    const admin = kafka.admin();
    await admin.connect();
    const topic = config.kafka.topics.events;
    const [before] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
    // The platform's topics take the cluster's replication: three copies, all in sync.
    for (const p of before!.partitions) {
      expect(p.replicas).toHaveLength(3);
      expect(p.isr).toHaveLength(3);
    }

    const sender = keepSending(roles.urls.ingest as string, writeKey, (b) => {
      const at = new Date().toISOString();
      return Array.from({ length: 20 }, (_, i) => ({
        type: 'track',
        event: i % 4 === 0 ? 'purchase' : 'page_view',
        userId: `u-${(b * 20 + i) % 50}`,
        messageId: randomUUID(),
        timestamp: at,
        properties: i % 4 === 0 ? { order_id: `o-${b}-${i}`, total_amount: 1 + i, currency: 'EUR' } : {},
      }));
    });
    const { acknowledged, statuses } = sender;

    await waitFor(
      async () => acknowledged.length,
      (n) => n >= 2_000,
      { timeoutMs: 60_000 },
    );
    const leaderId = before!.partitions.find((p) => p.partitionId === 0)!.leader;
    const leader = kafkaNodes(cluster).find((n) => n.id === leaderId)!;
    await stopKafkaNode(leader, 'SIGKILL');
    const atKill = acknowledged.length;
    await waitFor(
      async () => acknowledged.length,
      (n) => n >= atKill + 2_000,
      { timeoutMs: 120_000 },
    );
    await sender.stop();
    const [after] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
    // Another broker leads now; the partition goes on with the two left in sync.
    expect(after!.partitions.find((p) => p.partitionId === 0)!.leader).not.toBe(leaderId);
    await admin.disconnect();
    // A refusal is a 503 the sender may retry; never another failure.
    expect(statuses.filter((s) => s !== 200 && s !== 503)).toEqual([]);

    // Kafka: every acknowledged event, and each record once (the collector's producer is
    // idempotent across the leader's change).
    const records = (await readWholeTopic(kafka, topic)).map((m) => JSON.parse(m.value) as AnalyticsEvent);
    const inKafka = tally(records.map((e) => e.eventId));
    expect(acknowledged.filter((id) => !inKafka.has(id))).toEqual([]);
    expect([...inKafka].filter(([, n]) => n > 1)).toEqual([]);

    for (const group of [config.kafka.groups.speed, config.kafka.groups.archiver]) {
      const progress = await waitFor(
        () => groupProgress(kafka, group, topic),
        (g) => g.committed === g.end,
        { timeoutMs: 120_000, intervalMs: 500 },
      );
      expect(progress.committed, group).toBe(progress.end);
    }

    // The speed view: its raw rows are Kafka's records once each, its aggregates the truth.
    const clickhouse = createClickHouse(config);
    const rows = await clickhouse.query({
      query: `SELECT event_id FROM {db:Identifier}.speed_events WHERE project_id = {p:String}`,
      query_params: { db: config.clickhouse.database, p: PROJECT },
      format: 'JSONEachRow',
    });
    const inSpeed = tally((await rows.json<{ event_id: string }>()).map((r) => r.event_id));
    expect([...inSpeed].filter(([, n]) => n > 1)).toEqual([]);
    expect([...inSpeed.keys()].sort()).toEqual([...inKafka.keys()].sort());
    expect(comparable(await speedTotals(clickhouse, config.clickhouse.database, PROJECT))).toEqual(
      comparable(truth(records)),
    );
    await clickhouse.close();

    // The lake: the same records, once each.
    const lake = lakeAt(config.lake.root);
    const db = await openLakeDuckDB(lake, 1);
    const conn = await db.connect();
    const read = await conn.runAndReadAll('SELECT event_id FROM read_parquet($glob)', {
      glob: lake.uri(key('events', `project=${PROJECT}`, '**', '*.parquet')),
    });
    const inLake = tally(read.getRowObjectsJson().map((r) => String(r.event_id)));
    conn.closeSync();
    db.closeSync();
    expect([...inLake].filter(([, n]) => n > 1)).toEqual([]);
    expect([...inLake.keys()].sort()).toEqual([...inKafka.keys()].sort());

    // Starting the cluster again starts the killed node alone, which catches up: three in sync.
    expect((await startKafka(cluster)).state).toBe('started');
    const back = kafka.admin();
    await back.connect();
    const isr = await waitFor(
      async () =>
        (await back.fetchTopicMetadata({ topics: [topic] })).topics[0]!.partitions.map((p) => p.isr.length),
      (sizes) => sizes.every((n) => n === 3),
      { timeoutMs: 90_000, intervalMs: 500 },
    );
    await back.disconnect();
    expect(isr).toEqual([3, 3]);
  }, 540_000);
});
