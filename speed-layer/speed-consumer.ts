import type { ClickHouseClient } from '@clickhouse/client';
import type { Batch, Consumer, Kafka } from 'kafkajs';
import type { AnalyticsEvent } from '../core/event';
import type { Logger } from '../core/log';
import { DedupWindow } from './dedup-window';
import { OffsetStateStore, type RangeState } from './offset-state';
import { buildRangeOutput, type ConsumedMessage, type SpeedOptions } from './range-output';
import { writeRange } from './range-writer';

export interface SpeedConsumerConfig extends SpeedOptions {
  topic: string;
  groupId: string;
  database: string;
  lakeRoot: string;
  dedupWindowMs: number;
  sessionTimeoutMs?: number;
}

export interface SpeedConsumerDeps {
  kafka: Kafka;
  clickhouse: ClickHouseClient;
  log: Logger;
}

export interface RunningConsumer {
  stop(): Promise<void>;
}

interface PartitionState {
  range?: RangeState;
  dedup: DedupWindow;
}

/**
 * The speed layer's consumer. Exactly once, per partition range:
 *   1. record the range as 'before' (speed_offsets),
 *   2. insert its rows, each insert with a deduplication token naming the range,
 *   3. record it as 'after', 4. commit the Kafka offset.
 * A crash anywhere restarts from the committed offset: an 'after' range is skipped, a 'before'
 * range is rebuilt from exactly its messages (identical rows, identical tokens: ClickHouse drops
 * what it already has), and only then does new work begin. A failed insert throws: nothing is
 * committed, kafkajs re-delivers, and the same range is rebuilt.
 */
export async function startSpeedConsumer(config: SpeedConsumerConfig, deps: SpeedConsumerDeps): Promise<RunningConsumer> {
  const store = new OffsetStateStore(deps.clickhouse, config.database, config.groupId, config.topic);
  const partitions = new Map<number, PartitionState>();
  const consumer: Consumer = deps.kafka.consumer({
    groupId: config.groupId,
    maxWaitTimeInMs: 100,
    maxBytesPerPartition: 4 * 1024 * 1024,
    sessionTimeout: config.sessionTimeoutMs ?? 30_000,
    heartbeatInterval: Math.floor((config.sessionTimeoutMs ?? 30_000) / 6),
  });

  // State is reloaded from ClickHouse whenever partitions move: another member may have written.
  consumer.on(consumer.events.GROUP_JOIN, () => partitions.clear());

  const partitionState = async (partition: number, firstMessage: AnalyticsEvent | undefined): Promise<PartitionState> => {
    let s = partitions.get(partition);
    if (!s) {
      s = { range: await store.load(partition), dedup: new DedupWindow(config.dedupWindowMs) };
      if (firstMessage) s.dedup.seed(await recentIds(deps.clickhouse, config, partition, Date.parse(firstMessage.receivedAt)));
      partitions.set(partition, s);
    }
    return s;
  };

  const writeAndCommit = async (batch: Batch, state: PartitionState, messages: ConsumedMessage[]) => {
    const first = messages[0]?.offset;
    const last = messages[messages.length - 1]?.offset;
    if (first === undefined || last === undefined) return;
    const range = { first: BigInt(first), last: BigInt(last) };
    await store.save(batch.partition, { ...range, phase: 'before' });
    const out = buildRangeOutput(batch.topic, batch.partition, messages, state.dedup, config);
    await writeRange(deps.clickhouse, config.database, config.lakeRoot, { topic: batch.topic, partition: batch.partition, first, last }, out);
    const after: RangeState = { ...range, phase: 'after' };
    await store.save(batch.partition, after);
    state.range = after;
    await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (range.last + 1n).toString() }]);
  };

  await consumer.connect();
  await consumer.subscribe({ topic: config.topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    // Partitions are written independently: a hot partition does not hold the others back.
    partitionsConsumedConcurrently: 8,
    eachBatch: async ({ batch, heartbeat, isRunning, isStale, resolveOffset }) => {
      if (!isRunning() || isStale() || batch.messages.length === 0) return;
      let messages: ConsumedMessage[] = batch.messages
        .filter((m) => m.value !== null)
        .map((m) => ({ offset: m.offset, event: JSON.parse((m.value as Buffer).toString('utf8')) as AnalyticsEvent }));
      const state = await partitionState(batch.partition, messages[0]?.event);
      const pending = state.range;
      const fetchedFrom = BigInt(batch.messages[0]?.offset ?? '0');
      if (pending && pending.last >= fetchedFrom) {
        if (pending.phase === 'before') {
          // An interrupted range: rebuild exactly it before anything else.
          if (BigInt(batch.lastOffset()) < pending.last) return; // not all of it fetched yet: fetch again
          const redo = messages.filter((m) => BigInt(m.offset) >= pending.first && BigInt(m.offset) <= pending.last);
          await writeAndCommit(batch, state, redo);
          deps.log.info('speed: rebuilt an interrupted range', { partition: batch.partition, first: pending.first.toString(), last: pending.last.toString() });
        } else {
          await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (pending.last + 1n).toString() }]);
        }
        messages = messages.filter((m) => BigInt(m.offset) > pending.last);
        resolveOffset(pending.last.toString());
      }
      if (messages.length > 0 && isRunning() && !isStale()) {
        await writeAndCommit(batch, state, messages);
        resolveOffset(batch.lastOffset());
      }
      await heartbeat();
    },
  });
  deps.log.info('speed consumer running', { topic: config.topic, group: config.groupId });
  return { stop: () => consumer.disconnect() };
}

/** Messages of this partition already written within the dedup window before the next range. */
async function recentIds(
  client: ClickHouseClient,
  config: SpeedConsumerConfig,
  partition: number,
  fromReceivedAt: number,
): Promise<{ key: string; receivedAt: number; offset: bigint }[]> {
  const r = await client.query({
    query: `SELECT project_id, event_id, toUnixTimestamp64Milli(received_at) AS received, toString(kafka_offset) AS offset
            FROM {db:Identifier}.speed_events
            WHERE kafka_topic = {topic:String} AND kafka_partition = {partition:UInt32}
              AND received_at >= fromUnixTimestamp64Milli({from:Int64})`,
    query_params: { db: config.database, topic: config.topic, partition, from: fromReceivedAt - config.dedupWindowMs },
    format: 'JSONEachRow',
  });
  const rows = await r.json<{ project_id: string; event_id: string; received: string | number; offset: string }>();
  return rows.map((row) => ({ key: `${row.project_id}:${row.event_id}`, receivedAt: Number(row.received), offset: BigInt(row.offset) }));
}
