import { consumerDeadLetters, consumerRecords, speedFreshness } from '../core/ops/operational-metrics';
import type { ClickHouseClient } from '@clickhouse/client';
import { openLake } from '../core/lake/open-lake';
import type { LakeStorage } from '../core/lake/storage';
import type { Kafka, KafkaMessage } from 'kafkajs';
import type { Config } from '../core/config/config';
import { decodeEvent, decodeOrDeadLetter, PoisonRecord } from '../core/kafka/dead-letters';
import { OutcomeTally } from '../core/events/outcome';
import { ExactlyOnceRanges, type RangeSink } from '../core/kafka/ranges';
import { PartitionTransactions, type OutgoingMessage } from '../core/kafka/partition-transactions';
import type { Logger } from '../core/log';
import { DedupWindow } from './dedup-window';
import { deriveRange, type DerivedState } from './derived-events';
import { loadDerivedState } from './derived-state';
import { OffsetStateStore } from './offset-state';
import { buildRangeOutput, type ConsumedMessage, type SpeedOptions } from './range-output';
import { createProbeTables, probeRange, writeRange } from './range-writer';
import { writeGate } from './write-gate';

export interface SpeedConsumerConfig extends SpeedOptions {
  topic: string;
  /** Where derived events go (events.derived). */
  derivedTopic: string;
  /** Where records no retry can process go (events.deadletter). */
  deadLetterTopic: string;
  groupId: string;
  database: string;
  lake: LakeStorage;
  dedupWindowMs: number;
  /** Kafka's consumer session: how long a silent consumer keeps its partitions. */
  sessionTimeoutMs?: number;
  /** A person's visit ends after this long without activity (SESSION_TIMEOUT_MINUTES). */
  sessionGapMs: number;
}

/** The speed consumer's settings, from the platform configuration. */
export function speedConsumerConfig(config: Config): SpeedConsumerConfig {
  return {
    topic: config.kafka.topics.events,
    derivedTopic: config.kafka.topics.derived,
    deadLetterTopic: config.kafka.topics.deadletter,
    groupId: config.kafka.groups.speed,
    database: config.clickhouse.database,
    lake: openLake(config.lake),
    sessionTimeoutMs: config.kafka.sessionTimeoutMs,
    sessionGapMs: config.sessions.timeoutMs,
    ...config.speed,
  };
}

export interface SpeedConsumerDeps {
  kafka: Kafka;
  clickhouse: ClickHouseClient;
  log: Logger;
}

export interface RunningConsumer {
  stop(): Promise<void>;
}

/** Per partition, as of the next range to write; rebuilt from ClickHouse on first use. */
interface PartitionMemory {
  dedup: DedupWindow;
  derived: DerivedState;
}

/**
 * The speed layer's consumer: exactly-once ranges (core/kafka/ranges.ts) whose write is the
 * ClickHouse inserts (deduplication tokens named by the range) and whose commit is one Kafka
 * transaction holding the derived events and the consumer offset.
 */
export async function startSpeedConsumer(
  config: SpeedConsumerConfig,
  deps: SpeedConsumerDeps,
): Promise<RunningConsumer> {
  const memory = new Map<number, PartitionMemory>();
  const consumer = deps.kafka.consumer({
    groupId: config.groupId,
    maxWaitTimeInMs: 100,
    maxBytesPerPartition: 4 * 1024 * 1024,
    sessionTimeout: config.sessionTimeoutMs ?? 30_000,
    heartbeatInterval: Math.floor((config.sessionTimeoutMs ?? 30_000) / 6),
  });
  consumer.on(consumer.events.GROUP_JOIN, () => memory.clear());

  // Derived events, dead letters and the consumer offset commit together (one transaction).
  const transactions = new PartitionTransactions(deps.kafka, config.groupId, config.topic);
  const deadLetters = { topic: config.deadLetterTopic, group: config.groupId, log: deps.log };

  const memoryFor = async (topic: string, partition: number, first: bigint): Promise<PartitionMemory> => {
    let m = memory.get(partition);
    if (!m) {
      const dedup = new DedupWindow(config.dedupWindowMs);
      dedup.seed(await recentIds(deps.clickhouse, config, partition, first));
      const derived = await loadDerivedState({
        client: deps.clickhouse,
        database: config.database,
        topic,
        partition,
        beforeOffset: first,
        sessionTimeoutMs: config.sessionGapMs,
      });
      m = { dedup, derived };
      memory.set(partition, m);
    }
    return m;
  };

  const sink: RangeSink = {
    async write(topic: string, partition: number, messages: KafkaMessage[], range, refused) {
      const m = await memoryFor(topic, partition, range.first);
      // A record that is not an event (another producer's bytes, a field no store can hold), or
      // that ClickHouse refuses, goes to the dead-letter topic with this range's commit; the
      // records around it go on.
      const consumed: ConsumedMessage[] = [];
      const dead: OutgoingMessage[] = [];
      // Decoding's outcomes are ok or dead_letter; the events' own are counted after the dedup.
      const deadLettered = new OutcomeTally();
      const tally = new OutcomeTally();
      for (const msg of messages) {
        const refusal = refused?.get(msg.offset);
        const decode =
          refusal === undefined
            ? decodeEvent
            : () => {
                throw new PoisonRecord(`ClickHouse refuses it: ${String(refusal)}`, 'refused');
              };
        const decoded = decodeOrDeadLetter(decode, msg, {
          source: { topic, partition },
          sink: deadLetters,
          dead,
          tally: deadLettered,
        });
        if (decoded.kind === 'ok') consumed.push({ offset: msg.offset, event: decoded.value });
      }
      const out = buildRangeOutput(topic, partition, consumed, m.dedup, config);
      // Of the events: duplicates the dedup window has counted already, and those beyond the
      // horizon (the batch layer answers for them), are not the speed view's.
      for (const c of deadLettered.entries()) if (c.kind === 'dead_letter') tally.add(c, c.n);
      let beyond = 0;
      for (const n of out.beyondHorizon.values()) beyond += n;
      tally.add({ kind: 'ok' }, out.kept.length);
      tally.add({ kind: 'drop', reason: 'duplicate' }, out.duplicates);
      tally.add({ kind: 'drop', reason: 'beyond_horizon' }, beyond);
      const { derived, next } = deriveRange(m.derived, out.kept, config.sessionGapMs);
      await writeGate(deps.clickhouse).shared(() =>
        writeRange({
          client: deps.clickhouse,
          database: config.database,
          lake: config.lake,
          range: { topic, partition, first: range.first.toString(), last: range.last.toString() },
          out,
        }),
      );
      return async () => {
        await transactions.commit(partition, range.last + 1n, [
          ...derived.map((d) => ({
            topic: config.derivedTopic,
            key: `${d.projectId}:${d.actorId}`,
            value: JSON.stringify(d),
          })),
          ...dead,
        ]);
        m.derived = next;
        consumerRecords.inc({ group: config.groupId }, messages.length);
        // Queryable from now on: each event's time since the collector acknowledged it.
        const visibleAt = Date.now();
        for (const c of consumed)
          speedFreshness.observe(Math.max(0, visibleAt - Date.parse(c.event.receivedAt)) / 1000);
        if (dead.length > 0) consumerDeadLetters.inc({ group: config.groupId }, dead.length);
        tally.count('speed');
      };
    },
    /** Bisects the range on tables that keep nothing, down to the records ClickHouse refuses. */
    async refused(topic, partition, messages) {
      await createProbeTables(deps.clickhouse, config.database);
      const found = new Map<string, unknown>();
      const probe = async (list: ConsumedMessage[]): Promise<void> => {
        try {
          await probeRange(
            deps.clickhouse,
            config.database,
            buildRangeOutput(topic, partition, list, new DedupWindow(0), config),
          );
        } catch (e) {
          if (!isRefusal(e)) throw e;
          if (list.length === 1)
            found.set((list[0] as ConsumedMessage).offset, e instanceof Error ? e.message : e);
          else {
            await probe(list.slice(0, list.length >> 1));
            await probe(list.slice(list.length >> 1));
          }
        }
      };
      const decodable: ConsumedMessage[] = [];
      for (const msg of messages) {
        try {
          decodable.push({ offset: msg.offset, event: decodeEvent(msg) });
        } catch {
          // Poison by its bytes: dead-lettered by write() whatever ClickHouse says.
        }
      }
      if (decodable.length > 0) await probe(decodable);
      return found;
    },
    forget: (_topic, partition) => memory.delete(partition),
    settledOffset: (_topic, partition) => transactions.settledOffset(partition),
  };

  const store = new OffsetStateStore(deps.clickhouse, config.database, config.groupId);
  await consumer.connect();
  await consumer.subscribe({ topic: config.topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    // Partitions are written independently: a hot partition does not hold the others back.
    partitionsConsumedConcurrently: 8,
    eachBatch: new ExactlyOnceRanges({ consumer, store, sink, log: deps.log, group: config.groupId })
      .eachBatch,
  });
  deps.log.info('speed consumer running', { topic: config.topic, group: config.groupId });
  return {
    stop: async () => {
      await consumer.disconnect();
      await transactions.close();
    },
  };
}

/** Messages of this partition written before `beforeOffset`, within the dedup window of the newest of them. */
async function recentIds(
  client: ClickHouseClient,
  config: SpeedConsumerConfig,
  partition: number,
  beforeOffset: bigint,
): Promise<{ key: string; receivedAt: number; offset: bigint }[]> {
  const r = await client.query({
    query: `WITH (SELECT max(received_at) FROM {db:Identifier}.speed_events
                  WHERE kafka_topic = {topic:String} AND kafka_partition = {partition:UInt32} AND kafka_offset < {before:UInt64}) AS newest
            SELECT project_id, event_id, toUnixTimestamp64Milli(received_at) AS received, toString(kafka_offset) AS offset
            FROM {db:Identifier}.speed_events
            WHERE kafka_topic = {topic:String} AND kafka_partition = {partition:UInt32}
              AND kafka_offset < {before:UInt64}
              AND received_at >= newest - toIntervalMillisecond({window:UInt64})
            ORDER BY kafka_offset`,
    query_params: {
      db: config.database,
      topic: config.topic,
      partition,
      before: beforeOffset.toString(),
      window: config.dedupWindowMs,
    },
    format: 'JSONEachRow',
  });
  const rows = await r.json<{
    project_id: string;
    event_id: string;
    received: string | number;
    offset: string;
  }>();
  return rows.map((row) => ({
    key: `${row.project_id}:${row.event_id}`,
    receivedAt: Number(row.received),
    offset: BigInt(row.offset),
  }));
}

/**
 * Whether ClickHouse refused the rows themselves (a server exception: a constraint, a value a
 * column cannot hold), as opposed to not answering: only the former is a record's fault.
 */
function isRefusal(e: unknown): boolean {
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string' && /^\d+$/.test(code)) return true;
  return /\bCode: \d+\b|DB::Exception/.test(e instanceof Error ? e.message : String(e));
}
