import type { ClickHouseClient } from '@clickhouse/client';
import type { Batch, Consumer, Kafka, Producer } from 'kafkajs';
import type { AnalyticsEvent } from '../core/event';
import type { Logger } from '../core/log';
import { DedupWindow } from './dedup-window';
import { OffsetStateStore, type RangeState } from './offset-state';
import { buildRangeOutput, type ConsumedMessage, type SpeedOptions } from './range-output';
import { writeRange } from './range-writer';
import { deriveRange, type DerivedEvent, type DerivedState } from './derived-events';
import { loadDerivedState } from './derived-state';

export interface SpeedConsumerConfig extends SpeedOptions {
  topic: string;
  /** Where derived events go (events.derived). */
  derivedTopic: string;
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
  /** Dedup window as of the next range to write; seeded from ClickHouse on first use. */
  dedup?: DedupWindow;
  /** Derivation state as of the next range to write; loaded on first use. */
  derived?: DerivedState;
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
export async function startSpeedConsumer(
  config: SpeedConsumerConfig,
  deps: SpeedConsumerDeps,
): Promise<RunningConsumer> {
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
  // (Derivation state included: it is rebuilt from what the speed view holds.)
  consumer.on(consumer.events.GROUP_JOIN, () => partitions.clear());

  /** A partition's state, rebuilt from ClickHouse (derivation and dedup as of the first range it writes). */
  const partitionState = async (partition: number): Promise<PartitionState> => {
    let s = partitions.get(partition);
    if (!s) {
      s = { range: await store.load(partition) };
      partitions.set(partition, s);
    }
    return s;
  };

  // One transactional producer per partition: its id fences a zombie that still thinks it owns
  // the partition, and its transaction commits derived events and the consumer offset together.
  const producers = new Map<number, Producer>();
  const producerFor = async (partition: number) => {
    let p = producers.get(partition);
    if (!p) {
      p = deps.kafka.producer({
        transactionalId: `${config.groupId}:${config.topic}:${partition}`,
        idempotent: true,
        maxInFlightRequests: 1,
      });
      await p.connect();
      producers.set(partition, p);
    }
    return p;
  };

  const publishAndCommit = async (batch: Batch, derived: DerivedEvent[], nextOffset: bigint) => {
    const producer = await producerFor(batch.partition);
    const txn = await producer.transaction();
    try {
      if (derived.length > 0) {
        await txn.send({
          topic: config.derivedTopic,
          acks: -1,
          messages: derived.map((d) => ({ key: `${d.projectId}:${d.actorId}`, value: JSON.stringify(d) })),
        });
      }
      await txn.sendOffsets({
        consumerGroupId: config.groupId,
        topics: [
          { topic: batch.topic, partitions: [{ partition: batch.partition, offset: nextOffset.toString() }] },
        ],
      });
      await txn.commit();
    } catch (e) {
      await txn.abort().catch(() => {});
      throw e;
    }
  };

  const writeAndCommit = async (batch: Batch, state: PartitionState, messages: ConsumedMessage[]) => {
    const first = messages[0]?.offset;
    const last = messages[messages.length - 1]?.offset;
    if (first === undefined || last === undefined) return;
    const range = { first: BigInt(first), last: BigInt(last) };
    state.derived ??= await loadDerivedState(
      deps.clickhouse,
      config.database,
      batch.topic,
      batch.partition,
      range.first,
    );
    if (!state.dedup) {
      state.dedup = new DedupWindow(config.dedupWindowMs);
      state.dedup.seed(await recentIds(deps.clickhouse, config, batch.partition, range.first));
    }
    await store.save(batch.partition, { ...range, phase: 'before' });
    const out = buildRangeOutput(batch.topic, batch.partition, messages, state.dedup, config);
    const { derived, next } = deriveRange(state.derived, out.kept);
    await writeRange(
      deps.clickhouse,
      config.database,
      config.lakeRoot,
      { topic: batch.topic, partition: batch.partition, first, last },
      out,
    );
    await publishAndCommit(batch, derived, range.last + 1n);
    const after: RangeState = { ...range, phase: 'after' };
    await store.save(batch.partition, after);
    state.range = after;
    state.derived = next;
  };

  const processBatch = async (
    batch: Batch,
    isRunning: () => boolean,
    isStale: () => boolean,
    resolveOffset: (offset: string) => void,
  ): Promise<void> => {
    let messages: ConsumedMessage[] = batch.messages
      .filter((m) => m.value !== null)
      .map((m) => ({
        offset: m.offset,
        event: JSON.parse((m.value as Buffer).toString('utf8')) as AnalyticsEvent,
      }));
    const fetchedFrom = BigInt(batch.messages[0]?.offset ?? '0');
    const state = await partitionState(batch.partition);
    if (state.range?.phase === 'before' && state.range.last < fetchedFrom) {
      // Recorded 'before' yet consumed past: its transaction committed (only it moves the offset
      // past the range) and the process stopped before recording 'after'. Record it now, so a
      // later replay from earlier offsets skips the range instead of deriving its events again.
      // (Left open: offsets reset to before such a range while no consumer ran in between.)
      state.range = { ...state.range, phase: 'after' };
      await store.save(batch.partition, state.range);
    }
    const pending = state.range;
    const batchLast = BigInt(batch.lastOffset());
    const commit = (next: bigint) =>
      consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: next.toString() }]);
    if (pending && pending.last >= fetchedFrom) {
      // Ranges are written in order: everything before the recorded range is written already
      // (this happens when offsets were reset to replay from earlier).
      messages = messages.filter((m) => BigInt(m.offset) >= pending.first);
      if (pending.phase === 'before') {
        if (batchLast < pending.last) {
          // The interrupted range is not all here yet. Move the fetch position up to it and fetch again.
          if (fetchedFrom < pending.first && batchLast >= pending.first - 1n) {
            await commit(pending.first);
            resolveOffset((pending.first - 1n).toString());
          } else if (fetchedFrom < pending.first) {
            resolveOffset(batch.lastOffset());
          }
          return;
        }
        // An interrupted range: rebuild exactly it before anything else.
        const redo = messages.filter((m) => BigInt(m.offset) <= pending.last);
        await writeAndCommit(batch, state, redo);
        deps.log.info('speed: rebuilt an interrupted range', {
          partition: batch.partition,
          first: pending.first.toString(),
          last: pending.last.toString(),
        });
      } else {
        await commit(pending.last + 1n);
      }
      messages = messages.filter((m) => BigInt(m.offset) > pending.last);
      resolveOffset((pending.last < batchLast ? pending.last : batchLast).toString());
    }
    if (messages.length > 0 && isRunning() && !isStale()) {
      await writeAndCommit(batch, state, messages);
      resolveOffset(batch.lastOffset());
    }
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
      try {
        await processBatch(batch, isRunning, isStale, resolveOffset);
      } catch (e) {
        // The in-memory state may have moved past what was written: rebuild it from ClickHouse
        // on the retry, exactly as after a crash.
        partitions.delete(batch.partition);
        throw e;
      }
      await heartbeat();
    },
  });
  deps.log.info('speed consumer running', { topic: config.topic, group: config.groupId });
  return {
    stop: async () => {
      await consumer.disconnect();
      for (const p of producers.values()) await p.disconnect().catch(() => {});
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
