import { consumerDeadLetters, consumerRecords } from '../core/ops/operational-metrics';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { decodeEvent, decodeOrDeadLetter, decodeQuarantined } from '../core/kafka/dead-letters';
import { OutcomeTally } from '../core/events/outcome';
import { ExactlyOnceRanges, type RangeSink } from '../core/kafka/ranges';
import type { Logger } from '../core/log';
import { PartitionTransactions, type OutgoingMessage } from '../core/kafka/partition-transactions';
import { partFileName, partitionKey, partitionOf } from '../core/lake/layout';
import { LakeRangeStore } from './lake-range-store';
import { key, type LakeStorage } from '../core/lake/storage';
import { ParquetWriter, type LakeRecord, type QuarantineRecord } from './parquet-writer';

export interface LakeArchiverConfig {
  topic: string;
  quarantineTopic: string;
  groupId: string;
  /** Where records no retry can archive go (events.deadletter). */
  deadLetterTopic: string;
  lake: LakeStorage;
  /** How long the broker may hold a fetch to gather a larger file (tests use less). */
  maxWaitMs?: number;
  sessionTimeoutMs?: number;
}

/**
 * Archives every event into the Parquet lake (the master dataset), partitioned by project and
 * event hour; quarantined events under `quarantine/` by project and arrival hour. Exactly once
 * through core/kafka/ranges.ts: a range's files are named by its offsets and renamed into place,
 * so rebuilding an interrupted range rewrites the same files; offsets are committed after.
 */
export async function startLakeArchiver(
  config: LakeArchiverConfig,
  deps: { kafka: Kafka; log: Logger },
): Promise<{ stop(): Promise<void> }> {
  const writer = await ParquetWriter.open(config.lake);
  // The broker holds each fetch until 4 MB or `maxWaitMs` have gathered: fewer, larger files.
  const consumer = deps.kafka.consumer({
    groupId: config.groupId,
    minBytes: 4 * 1024 * 1024,
    maxBytesPerPartition: 16 * 1024 * 1024,
    maxBytes: 64 * 1024 * 1024,
    maxWaitTimeInMs: config.maxWaitMs ?? 10_000,
    sessionTimeout: config.sessionTimeoutMs ?? 30_000,
    heartbeatInterval: Math.floor((config.sessionTimeoutMs ?? 30_000) / 6),
  });

  // Dead letters and the consumer offset commit together, one transaction per topic partition.
  const transactions = new Map(
    [config.topic, config.quarantineTopic].map((t) => [
      t,
      new PartitionTransactions(deps.kafka, config.groupId, t),
    ]),
  );

  const deadLetters = { topic: config.deadLetterTopic, group: config.groupId, log: deps.log };

  const sink: RangeSink = {
    async write(topic: string, partition: number, messages: KafkaMessage[], range) {
      const name = partFileName(topic, partition, range.first.toString(), range.last.toString());
      // A record that is not what the topic carries goes to the dead-letter topic with this
      // range's commit; the records around it are archived.
      const dead: OutgoingMessage[] = [];
      const tally = new OutcomeTally();
      const place = <T>(m: KafkaMessage, f: (m: KafkaMessage) => { dir: string; record: T }) => {
        const placed = decodeOrDeadLetter(f, m, {
          source: { topic, partition },
          sink: deadLetters,
          dead,
          tally,
        });
        return placed.kind === 'ok' ? placed.value : undefined;
      };
      if (topic === config.quarantineTopic) {
        const byDir = groupBy(messages, (m) =>
          place(m, () => {
            const q = decodeQuarantined(m);
            const record: QuarantineRecord = { ...q, topic, partition, offset: m.offset };
            return {
              dir: partitionKey('quarantine', partitionOf(q.projectId, q.receivedAt)),
              record,
            };
          }),
        );
        for (const [dir, records] of byDir) await writer.writeQuarantine(key(dir, name), records);
      } else {
        const byDir = groupBy(messages, (m) =>
          place(m, () => {
            const event = decodeEvent(m);
            const record: LakeRecord = { event, topic, partition, offset: m.offset };
            return {
              dir: partitionKey('events', partitionOf(event.projectId, event.timestamp)),
              record,
            };
          }),
        );
        for (const [dir, records] of byDir) await writer.write(key(dir, name), records);
      }
      return async () => {
        await (transactions.get(topic) as PartitionTransactions).commit(partition, range.last + 1n, dead);
        consumerRecords.inc({ group: config.groupId }, messages.length);
        if (dead.length > 0) consumerDeadLetters.inc({ group: config.groupId }, dead.length);
        tally.count('archive');
      };
    },
    forget: () => {},
    settledOffset: (topic, partition) =>
      (transactions.get(topic) as PartitionTransactions).settledOffset(partition),
  };

  await consumer.connect();
  await consumer.subscribe({ topics: [config.topic, config.quarantineTopic], fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    eachBatch: new ExactlyOnceRanges({
      consumer,
      store: new LakeRangeStore(config.lake, config.groupId),
      sink,
      log: deps.log,
      group: config.groupId,
    }).eachBatch,
  });
  deps.log.info('lake archiver running', {
    topics: [config.topic, config.quarantineTopic],
    lake: config.lake.uri(''),
  });
  return {
    stop: async () => {
      await consumer.disconnect();
      for (const t of transactions.values()) await t.close();
      writer.close();
    },
  };
}

function groupBy<T>(
  messages: KafkaMessage[],
  place: (m: KafkaMessage) => { dir: string; record: T } | undefined,
): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const m of messages) {
    const placed = place(m);
    if (!placed) continue;
    const { dir, record } = placed;
    const list = out.get(dir) ?? [];
    list.push(record);
    out.set(dir, list);
  }
  return out;
}
