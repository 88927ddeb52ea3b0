import { setTimeout as sleep } from 'node:timers/promises';
import { Partitioners, type Admin, type Kafka } from 'kafkajs';
import { partitionKey, type AnalyticsEvent } from '../../core/event';

const SEND = 5000;

/** Produces `events` to `topic` (idempotent, acks=all), keyed as the collector keys them. */
export async function produceBacklog(kafka: Kafka, topic: string, events: AnalyticsEvent[]): Promise<void> {
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  for (let i = 0; i < events.length; i += SEND) {
    await producer.send({
      topic,
      acks: -1,
      messages: events.slice(i, i + SEND).map((e) => ({ key: partitionKey(e), value: JSON.stringify(e) })),
    });
  }
  await producer.disconnect();
}

/** The sum of `topic`'s partitions' end offsets: what a group has drained once it commits it. */
export async function topicEnd(admin: Admin, topic: string): Promise<bigint> {
  return (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + BigInt(p.high), 0n);
}

/** Resolves once `groupId` has committed `end` on `topic` (checked every 100 ms). */
export async function drained(admin: Admin, groupId: string, topic: string, end: bigint): Promise<void> {
  for (;;) {
    const [o] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const committed = (o?.partitions ?? []).reduce(
      (n, p) => n + (p.offset === '-1' ? 0n : BigInt(p.offset)),
      0n,
    );
    if (committed >= end) return;
    await sleep(100);
  }
}
