import type { Admin, Kafka, Producer } from 'kafkajs';

export interface OutgoingMessage {
  topic: string;
  key: string;
  value: string;
}

/**
 * Commits a consumer's progress on a partition together with what it produced for that range, in
 * one Kafka transaction: the messages appear (to read-committed readers) exactly when the offset
 * moves past the records that made them. One transactional producer per partition: its id fences
 * a zombie that still thinks it owns the partition.
 */
export class PartitionTransactions {
  private readonly producers = new Map<number, Producer>();
  private admin?: Promise<Admin>;

  constructor(
    private readonly kafka: Kafka,
    private readonly groupId: string,
    private readonly topic: string,
  ) {}

  private async producerFor(partition: number): Promise<Producer> {
    let p = this.producers.get(partition);
    if (!p) {
      p = this.kafka.producer({
        transactionalId: `${this.groupId}:${this.topic}:${partition}`,
        idempotent: true,
        maxInFlightRequests: 1,
      });
      await p.connect();
      this.producers.set(partition, p);
    }
    return p;
  }

  async commit(partition: number, nextOffset: bigint, messages: OutgoingMessage[]): Promise<void> {
    const producer = await this.producerFor(partition);
    const txn = await producer.transaction();
    try {
      // A range may carry thousands of derived events: grouped in one pass, one send per topic.
      const byTopic = new Map<string, { key: string; value: string }[]>();
      for (const m of messages) {
        const list = byTopic.get(m.topic);
        if (list) list.push({ key: m.key, value: m.value });
        else byTopic.set(m.topic, [{ key: m.key, value: m.value }]);
      }
      for (const [topic, list] of byTopic) await txn.send({ topic, acks: -1, messages: list });
      await txn.sendOffsets({
        consumerGroupId: this.groupId,
        topics: [{ topic: this.topic, partitions: [{ partition, offset: nextOffset.toString() }] }],
      });
      await txn.commit();
    } catch (e) {
      await txn.abort().catch(() => {});
      // Start the next attempt from a fresh producer: re-initialising the transactional id
      // aborts whatever the broker still holds open for it (a broker restart, a fenced epoch).
      this.producers.delete(partition);
      await producer.disconnect().catch(() => {});
      throw e;
    }
  }

  /**
   * The group's committed offset of a partition once no transaction of ours is in flight for it.
   * A transaction's offset becomes visible to offset fetches only when its markers are written,
   * after commit() returned: a process killed in between restarts from the older offset and would
   * write the range (and its messages) again. Initialising the partition's transactional producer
   * waits for that transaction to complete, so the offset read after it is the final one.
   */
  async settledOffset(partition: number): Promise<bigint | undefined> {
    await this.producerFor(partition);
    const admin = (this.admin ??= (async () => {
      const a = this.kafka.admin();
      await a.connect();
      return a;
    })());
    try {
      const offsets = await (await admin).fetchOffsets({ groupId: this.groupId, topics: [this.topic] });
      const found = offsets[0]?.partitions.find((p) => p.partition === partition)?.offset;
      return found === undefined || found === '-1' ? undefined : BigInt(found);
    } catch (e) {
      // An admin that failed to connect (the broker was down) or lost its broker is dropped, so
      // the consumer's next attempt connects afresh instead of failing on it forever.
      if (this.admin === admin) this.admin = undefined;
      await admin.then((a) => a.disconnect()).catch(() => {});
      throw e;
    }
  }

  async close(): Promise<void> {
    if (this.admin) await (await this.admin).disconnect().catch(() => {});
    this.admin = undefined;
    for (const p of this.producers.values()) await p.disconnect().catch(() => {});
    this.producers.clear();
  }
}
