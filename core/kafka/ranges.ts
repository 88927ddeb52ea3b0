import type { Batch, Consumer, KafkaMessage } from 'kafkajs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../log';
import { consumerRangeRebuilds, consumerRanges } from '../ops/operational-metrics';

/** Tries of a range's write before its records are examined one by one. */
export const WRITE_ATTEMPTS = 3;

/** A partition's last written range and whether writing it completed. */
export interface RangeState {
  first: bigint;
  last: bigint;
  phase: 'before' | 'after';
}

/** Where a consumer records what it wrote (ClickHouse for the speed layer, the lake for the archiver). */
export interface RangeStore {
  load(topic: string, partition: number): Promise<RangeState | undefined>;
  save(topic: string, partition: number, state: RangeState): Promise<void>;
}

/**
 * What a consumer does with a range. `write` must be idempotent per range (the same range, written
 * again, changes nothing: deduplication tokens, file names from offsets) and returns the commit
 * of that range (the offset, and whatever must be published with it).
 */
export interface RangeSink {
  /** `refused`: messages (by offset) to leave out and dead-letter with their error. */
  write(
    topic: string,
    partition: number,
    messages: KafkaMessage[],
    range: { first: bigint; last: bigint },
    refused?: Map<string, unknown>,
  ): Promise<() => Promise<void>>;
  /**
   * The messages the sink's store refuses on their own merits, with the store's error, found
   * without writing anything; throws when the store cannot tell (it is down). Asked after a range
   * failed WRITE_ATTEMPTS times in a row.
   */
  refused?(topic: string, partition: number, messages: KafkaMessage[]): Promise<Map<string, unknown>>;
  /** Drop what is cached for a partition: after a failure or when partitions move. */
  forget(topic: string, partition: number): void;
  /**
   * The committed offset once no commit of the sink's is in flight for the partition (see
   * PartitionTransactions.settledOffset); asked before a range recorded 'before' is rebuilt.
   */
  settledOffset?(topic: string, partition: number): Promise<bigint | undefined>;
}

/**
 * Exactly-once consumption by ranges, shared by every consumer that writes outside Kafka:
 *   1. record the range 'before', 2. write it (idempotently), 3. commit it, 4. record it 'after'.
 * After a crash, the committed offset says where to restart: a range recorded 'before' and not
 * yet consumed past is rebuilt from exactly its messages (same output, so the second write is a
 * no-op); one consumed past was committed and is recorded 'after'; an 'after' range met again
 * (offsets reset to replay) is skipped. A failure throws: nothing is committed, kafkajs
 * re-delivers, and the partition's state is rebuilt from the store, as after a crash.
 */
/**
 * A range that could not be written this time (the broker or the store away). kafkajs restarts a
 * crashed consumer only when the error is retriable, and an error from a producer that exhausted
 * its own retries while the broker was down says it is not: the consumer then stopped for good
 * after a broker restart. Whatever failed, the range is rebuilt from the store on the next
 * delivery, so the failure is always worth retrying.
 */
export class RangeNotWritten extends Error {
  override name = 'RangeNotWritten';
  readonly retriable = true;

  constructor(cause: unknown) {
    super(`the range was not written: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

export function rangeBatchHandler(
  consumer: Consumer,
  store: RangeStore,
  sink: RangeSink,
  log: Logger,
  /** The consumer group, as the ranges and rebuilds counters' label. */
  group = 'unknown',
) {
  const states = new Map<string, RangeState | undefined>();
  const keyOf = (topic: string, partition: number) => `${topic}\u0000${partition}`;
  // Another member may have written while partitions moved: reload everything.
  consumer.on(consumer.events.GROUP_JOIN, () => states.clear());
  // A consumer kafkajs does not restart consumes nothing more: say so loudly, with the cause.
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    const fields = { error: String(payload.error), groupId: payload.groupId };
    if (payload.restart) log.warn('consumer crashed; kafkajs restarts it', fields);
    else log.error('consumer stopped for good: restart this role', fields);
  });

  const loadState = async (topic: string, partition: number) => {
    const key = keyOf(topic, partition);
    if (!states.has(key)) states.set(key, await store.load(topic, partition));
    return states.get(key);
  };

  const writeRange = async (batch: Batch, messages: KafkaMessage[]) => {
    const first = messages[0]?.offset;
    const last = messages[messages.length - 1]?.offset;
    if (first === undefined || last === undefined) return;
    const range = { first: BigInt(first), last: BigInt(last) };
    await store.save(batch.topic, batch.partition, { ...range, phase: 'before' });
    const commit = await writeWithAttempts(batch, messages, range);
    await commit();
    const after: RangeState = { ...range, phase: 'after' };
    await store.save(batch.topic, batch.partition, after);
    states.set(keyOf(batch.topic, batch.partition), after);
    consumerRanges.inc({ group });
  };

  /**
   * A range whose write keeps failing is either the store being away (retried for as long as it
   * takes: kafkajs delivers it again) or a record the store refuses, which would stall the
   * partition forever: after WRITE_ATTEMPTS the sink names the records its store refuses, and the
   * same range is written without them (they go to the dead-letter topic with its commit).
   */
  const writeWithAttempts = async (
    batch: Batch,
    messages: KafkaMessage[],
    range: { first: bigint; last: bigint },
  ) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await sink.write(batch.topic, batch.partition, messages, range);
      } catch (e) {
        // As after any failure: what the sink built from this partition is rebuilt from its store,
        // so every attempt computes the range exactly as a restart would.
        sink.forget(batch.topic, batch.partition);
        if (attempt < WRITE_ATTEMPTS) {
          await sleep(250 * 2 ** attempt);
          continue;
        }
        const refused = sink.refused ? await sink.refused(batch.topic, batch.partition, messages) : undefined;
        if (!refused || refused.size === 0) throw e;
        log.warn('writing a range without the records its store refuses', {
          topic: batch.topic,
          partition: batch.partition,
          offsets: [...refused.keys()],
        });
        return sink.write(batch.topic, batch.partition, messages, range, refused);
      }
    }
  };

  const process = async (
    batch: Batch,
    isRunning: () => boolean,
    isStale: () => boolean,
    resolveOffset: (offset: string) => void,
    commitOffset: (next: bigint) => Promise<void>,
  ) => {
    let messages = batch.messages;
    const fetchedFrom = BigInt(messages[0]?.offset ?? '0');
    const batchLast = BigInt(batch.lastOffset());
    let pending = await loadState(batch.topic, batch.partition);
    if (pending?.phase === 'before' && pending.last < fetchedFrom) {
      // Consumed past: its commit went through and the process stopped before recording 'after'.
      // Record it now, so a later replay from earlier offsets skips it. (Left open: offsets reset
      // to before such a range while no consumer ran in between.)
      pending = { ...pending, phase: 'after' };
      await store.save(batch.topic, batch.partition, pending);
      states.set(keyOf(batch.topic, batch.partition), pending);
    }
    if (pending?.phase === 'before' && pending.last >= fetchedFrom && sink.settledOffset) {
      // The fetch may have started from an offset read while the range's commit was still
      // landing: ask again once it has, before writing the range (and its messages) a second time.
      const settled = await sink.settledOffset(batch.topic, batch.partition);
      if (settled !== undefined && settled > pending.last) {
        pending = { ...pending, phase: 'after' };
        await store.save(batch.topic, batch.partition, pending);
        states.set(keyOf(batch.topic, batch.partition), pending);
      }
    }
    if (pending && pending.last >= fetchedFrom) {
      const p = pending;
      // Ranges are written in order: everything before the recorded range is written already.
      messages = messages.filter((m) => BigInt(m.offset) >= p.first);
      if (p.phase === 'before') {
        if (batchLast < p.last) {
          // The interrupted range is not all here yet: move the fetch position up to it, fetch again.
          if (fetchedFrom < p.first && batchLast >= p.first - 1n) {
            await commitOffset(p.first);
            resolveOffset((p.first - 1n).toString());
          } else if (fetchedFrom < p.first) resolveOffset(batch.lastOffset());
          return;
        }
        await writeRange(
          batch,
          messages.filter((m) => BigInt(m.offset) <= p.last),
        );
        consumerRangeRebuilds.inc({ group });
        log.info('rebuilt an interrupted range', {
          topic: batch.topic,
          partition: batch.partition,
          first: p.first.toString(),
          last: p.last.toString(),
        });
      } else {
        await commitOffset(p.last + 1n);
      }
      messages = messages.filter((m) => BigInt(m.offset) > p.last);
      resolveOffset((p.last < batchLast ? p.last : batchLast).toString());
    }
    if (messages.length > 0 && isRunning() && !isStale()) {
      await writeRange(batch, messages);
      resolveOffset(batch.lastOffset());
    }
  };

  return async ({
    batch,
    heartbeat,
    isRunning,
    isStale,
    resolveOffset,
  }: {
    batch: Batch;
    heartbeat: () => Promise<void>;
    isRunning: () => boolean;
    isStale: () => boolean;
    resolveOffset: (offset: string) => void;
  }) => {
    if (!isRunning() || isStale() || batch.messages.length === 0) return;
    const commitOffset = (next: bigint) =>
      consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: next.toString() }]);
    try {
      await process(batch, isRunning, isStale, resolveOffset, commitOffset);
    } catch (e) {
      states.delete(keyOf(batch.topic, batch.partition));
      sink.forget(batch.topic, batch.partition);
      throw new RangeNotWritten(e);
    }
    await heartbeat();
  };
}
