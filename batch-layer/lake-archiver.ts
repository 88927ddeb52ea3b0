import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import type { AnalyticsEvent } from '../core/event';
import type { Logger } from '../core/log';
import { partFileName, partitionDir, partitionOf } from './lake-paths';
import { ParquetWriter, type LakeRecord } from './parquet-writer';

export interface LakeArchiverConfig {
  topic: string;
  groupId: string;
  lakeRoot: string;
  /** How long the broker may hold a fetch to gather a larger file (tests use less). */
  maxWaitMs?: number;
}

/**
 * Archives every event of the `events` topic into the Parquet lake, partitioned by project and
 * event hour. Files are named by the Kafka range they hold and renamed into place atomically;
 * offsets are committed only after every file of the batch is in place.
 */
export async function startLakeArchiver(
  config: LakeArchiverConfig,
  deps: { kafka: Kafka; log: Logger },
): Promise<{ stop(): Promise<void> }> {
  const writer = await ParquetWriter.open();
  // The broker holds each fetch until 4 MB or 10 s have gathered: fewer, larger lake files
  // without buffering across batches (which would complicate what a commit covers).
  const consumer = deps.kafka.consumer({
    groupId: config.groupId,
    minBytes: 4 * 1024 * 1024,
    maxBytesPerPartition: 16 * 1024 * 1024,
    maxBytes: 64 * 1024 * 1024,
    maxWaitTimeInMs: config.maxWaitMs ?? 10_000,
  });
  await consumer.connect();
  await consumer.subscribe({ topic: config.topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, heartbeat, isRunning, isStale, resolveOffset }) => {
      if (!isRunning() || isStale() || batch.messages.length === 0) return;
      const first = batch.firstOffset();
      const last = batch.lastOffset();
      if (first === null) return;
      const byPartition = new Map<string, LakeRecord[]>();
      for (const m of batch.messages) {
        if (!m.value) continue;
        const event = JSON.parse(m.value.toString('utf8')) as AnalyticsEvent;
        const dir = partitionDir(config.lakeRoot, 'events', partitionOf(event.projectId, event.timestamp));
        const list = byPartition.get(dir) ?? [];
        list.push({ event, topic: batch.topic, partition: batch.partition, offset: m.offset });
        byPartition.set(dir, list);
      }
      const name = partFileName(batch.topic, batch.partition, first, last);
      for (const [dir, records] of byPartition) {
        await writer.write(join(dir, name), records);
        await heartbeat();
      }
      await consumer.commitOffsets([
        { topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() },
      ]);
      resolveOffset(last);
    },
  });
  deps.log.info('lake archiver running', { topic: config.topic, lake: config.lakeRoot });
  return {
    stop: async () => {
      await consumer.disconnect();
      writer.close();
    },
  };
}
