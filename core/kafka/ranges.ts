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

/** What kafkajs hands `eachBatch`, as far as the protocol uses it. */
interface Delivery {
  batch: Batch;
  heartbeat: () => Promise<void>;
  isRunning: () => boolean;
  isStale: () => boolean;
  resolveOffset: (offset: string) => void;
}

type Range = { first: bigint; last: bigint };

/**
 * Exactly-once consumption by ranges, shared by every consumer that writes outside Kafka (the
 * speed layer into ClickHouse, the archiver into the lake). Each batch of a partition is a range
 * of offsets, and writing one takes four steps, in this order (`writeRange`):
 *
 *   1. record the range 'before' in the store,
 *   2. write it, idempotently (the same range written again changes nothing),
 *   3. commit it (the offset, and whatever the sink publishes with it),
 *   4. record it 'after'.
 *
 * After a crash, a delivery first settles what the store recorded against where Kafka says the
 * group is (`settleRecorded`): a range recorded 'before' but consumed past was committed, and is
 * now recorded 'after'. Then it resumes the recorded range (`resumeRecorded`): one still 'before'
 * is rebuilt from exactly its messages (same output, so the second write is a no-op); one
 * 'after' met again (offsets reset to replay) is skipped. Only then are the delivery's new
 * messages written as the next range. A failure throws RangeNotWritten: nothing is committed,
 * kafkajs delivers again, and the partition's state is read again from the store, as after a
 * crash.
 */
export class ExactlyOnceRanges {
  private readonly states = new Map<string, RangeState | undefined>();
  private readonly consumer: Consumer;
  private readonly store: RangeStore;
  private readonly sink: RangeSink;
  private readonly log: Logger;
  /** The consumer group, as the ranges and rebuilds counters' label. */
  private readonly group: string;

  constructor(o: { consumer: Consumer; store: RangeStore; sink: RangeSink; log: Logger; group?: string }) {
    this.consumer = o.consumer;
    this.store = o.store;
    this.sink = o.sink;
    this.log = o.log;
    this.group = o.group ?? 'unknown';
    // Another member may have written while partitions moved: reload everything.
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => this.states.clear());
    // A consumer kafkajs does not restart consumes nothing more: say so loudly, with the cause.
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      const fields = { error: String(payload.error), groupId: payload.groupId };
      if (payload.restart) this.log.warn('consumer crashed; kafkajs restarts it', fields);
      else this.log.error('consumer stopped for good: restart this role', fields);
    });
  }

  /** The `eachBatch` handler for kafkajs's `consumer.run`. */
  readonly eachBatch = async (d: Delivery): Promise<void> => {
    const { batch } = d;
    if (!d.isRunning() || d.isStale() || batch.messages.length === 0) return;
    try {
      await this.deliver(d);
    } catch (e) {
      this.states.delete(this.keyOf(batch));
      this.sink.forget(batch.topic, batch.partition);
      throw new RangeNotWritten(e);
    }
    await d.heartbeat();
  };

  private keyOf(batch: Batch): string {
    return `${batch.topic}\u0000${batch.partition}`;
  }

  private async recorded(batch: Batch): Promise<RangeState | undefined> {
    const key = this.keyOf(batch);
    if (!this.states.has(key)) this.states.set(key, await this.store.load(batch.topic, batch.partition));
    return this.states.get(key);
  }

  private async record(batch: Batch, state: RangeState): Promise<RangeState> {
    await this.store.save(batch.topic, batch.partition, state);
    this.states.set(this.keyOf(batch), state);
    return state;
  }

  private commitOffset(batch: Batch, next: bigint): Promise<void> {
    return this.consumer.commitOffsets([
      { topic: batch.topic, partition: batch.partition, offset: next.toString() },
    ]);
  }

  /** One delivery: settle the recorded range, resume it, then write the new messages as the next range. */
  private async deliver(d: Delivery): Promise<void> {
    const { batch } = d;
    let messages = batch.messages;
    const fetchedFrom = BigInt(messages[0]?.offset ?? '0');
    const recorded = await this.settleRecorded(batch, fetchedFrom);
    if (recorded && recorded.last >= fetchedFrom) {
      const resumed = await this.resumeRecorded(d, recorded, fetchedFrom);
      if (!resumed) return;
      messages = messages.filter((m) => BigInt(m.offset) > recorded.last);
    }
    if (messages.length > 0 && d.isRunning() && !d.isStale()) {
      await this.writeRange(batch, messages);
      d.resolveOffset(batch.lastOffset());
    }
  }

  /**
   * The recorded range, 'after' when Kafka says it was committed: consumed past (the process
   * stopped between commit and record), or past it once the sink's commit in flight has landed.
   */
  private async settleRecorded(batch: Batch, fetchedFrom: bigint): Promise<RangeState | undefined> {
    let recorded = await this.recorded(batch);
    if (recorded?.phase === 'before' && recorded.last < fetchedFrom) {
      // Recorded now, so a later replay from earlier offsets skips it. (Left open: offsets reset
      // to before such a range while no consumer ran in between.)
      recorded = await this.record(batch, { ...recorded, phase: 'after' });
    }
    if (recorded?.phase === 'before' && recorded.last >= fetchedFrom && this.sink.settledOffset) {
      // The fetch may have started from an offset read while the range's commit was still
      // landing: ask again once it has, before writing the range (and its messages) a second time.
      const settled = await this.sink.settledOffset(batch.topic, batch.partition);
      if (settled !== undefined && settled > recorded.last)
        recorded = await this.record(batch, { ...recorded, phase: 'after' });
    }
    return recorded;
  }

  /**
   * The recorded range this delivery reaches: rebuilt when 'before', skipped (its commit made
   * again) when 'after'. False when the range is not all in this delivery yet: the fetch position
   * moves up to it and the delivery ends.
   */
  private async resumeRecorded(d: Delivery, recorded: RangeState, fetchedFrom: bigint): Promise<boolean> {
    const { batch } = d;
    const batchLast = BigInt(batch.lastOffset());
    // Ranges are written in order: everything before the recorded range is written already.
    const from = batch.messages.filter((m) => BigInt(m.offset) >= recorded.first);
    if (recorded.phase === 'before') {
      if (batchLast < recorded.last) {
        if (fetchedFrom < recorded.first && batchLast >= recorded.first - 1n) {
          await this.commitOffset(batch, recorded.first);
          d.resolveOffset((recorded.first - 1n).toString());
        } else if (fetchedFrom < recorded.first) d.resolveOffset(batch.lastOffset());
        return false;
      }
      await this.writeRange(
        batch,
        from.filter((m) => BigInt(m.offset) <= recorded.last),
      );
      consumerRangeRebuilds.inc({ group: this.group });
      this.log.info('rebuilt an interrupted range', {
        topic: batch.topic,
        partition: batch.partition,
        first: recorded.first.toString(),
        last: recorded.last.toString(),
      });
    } else {
      await this.commitOffset(batch, recorded.last + 1n);
    }
    d.resolveOffset((recorded.last < batchLast ? recorded.last : batchLast).toString());
    return true;
  }

  /** The four steps: record 'before', write, commit, record 'after'. */
  private async writeRange(batch: Batch, messages: KafkaMessage[]): Promise<void> {
    const first = messages[0]?.offset;
    const last = messages[messages.length - 1]?.offset;
    if (first === undefined || last === undefined) return;
    const range = { first: BigInt(first), last: BigInt(last) };
    await this.record(batch, { ...range, phase: 'before' });
    const commit = await this.writeWithAttempts(batch, messages, range);
    await commit();
    await this.record(batch, { ...range, phase: 'after' });
    consumerRanges.inc({ group: this.group });
  }

  /**
   * A range whose write keeps failing is either the store being away (retried for as long as it
   * takes: kafkajs delivers it again) or a record the store refuses, which would stall the
   * partition forever: after WRITE_ATTEMPTS the sink names the records its store refuses, and the
   * same range is written without them (they go to the dead-letter topic with its commit).
   */
  private async writeWithAttempts(batch: Batch, messages: KafkaMessage[], range: Range) {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.sink.write(batch.topic, batch.partition, messages, range);
      } catch (e) {
        // As after any failure: what the sink built from this partition is rebuilt from its store,
        // so every attempt computes the range exactly as a restart would.
        this.sink.forget(batch.topic, batch.partition);
        if (attempt < WRITE_ATTEMPTS) {
          await sleep(250 * 2 ** attempt);
          continue;
        }
        const refused = this.sink.refused
          ? await this.sink.refused(batch.topic, batch.partition, messages)
          : undefined;
        if (!refused || refused.size === 0) throw e;
        this.log.warn('writing a range without the records its store refuses', {
          topic: batch.topic,
          partition: batch.partition,
          offsets: [...refused.keys()],
        });
        return this.sink.write(batch.topic, batch.partition, messages, range, refused);
      }
    }
  }
}
