import type { ClickHouseClient } from '@clickhouse/client';
import type { Consumer, Kafka } from 'kafkajs';
import type { AnalyticsEvent } from '../core/event';
import type { Logger } from '../core/log';
import { writeSpeedBatch } from './clickhouse-writer';
import type { ConsumedEvent } from './rows';

export interface SpeedConsumerConfig {
  topic: string;
  groupId: string;
  database: string;
}

export interface SpeedConsumerDeps {
  kafka: Kafka;
  clickhouse: ClickHouseClient;
  log: Logger;
}

export interface RunningConsumer {
  stop(): Promise<void>;
}

/**
 * The speed layer's consumer group. Offsets are committed only after ClickHouse accepted the
 * batch; a failed insert throws, kafkajs re-delivers from the last committed offset, and the
 * deduplication tokens make the replay harmless.
 */
export async function startSpeedConsumer(
  config: SpeedConsumerConfig,
  deps: SpeedConsumerDeps,
): Promise<RunningConsumer> {
  const consumer: Consumer = deps.kafka.consumer({ groupId: config.groupId, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic: config.topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, heartbeat, isRunning, isStale, resolveOffset }) => {
      if (!isRunning() || isStale() || batch.messages.length === 0) return;
      const consumed: ConsumedEvent[] = [];
      for (const m of batch.messages) {
        if (!m.value) continue;
        consumed.push({
          event: JSON.parse(m.value.toString('utf8')) as AnalyticsEvent,
          partition: batch.partition,
          offset: m.offset,
        });
      }
      const first = batch.firstOffset();
      const last = batch.lastOffset();
      if (first === null) return;
      await writeSpeedBatch(
        deps.clickhouse,
        config.database,
        { topic: batch.topic, partition: batch.partition, first, last },
        consumed,
      );
      await consumer.commitOffsets([
        { topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() },
      ]);
      resolveOffset(last);
      await heartbeat();
    },
  });
  deps.log.info('speed consumer running', { topic: config.topic, group: config.groupId });
  return { stop: () => consumer.disconnect() };
}
