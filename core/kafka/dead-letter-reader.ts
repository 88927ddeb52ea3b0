import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { DeadLetter } from './dead-letters';

/**
 * Every dead letter on `topic`, as a read-committed consumer sees it (letters of aborted
 * transactions skipped), from the beginning to what the topic holds now. Transaction markers take
 * offsets no message arrives for, so a partition is read when its next offset reaches the high
 * watermark less its markers, or nothing came for `idleMs`.
 */
export async function readDeadLetters(kafka: Kafka, topic: string, idleMs = 1500): Promise<DeadLetter[]> {
  const admin = kafka.admin();
  await admin.connect();
  let high: Map<number, bigint>;
  try {
    high = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, BigInt(p.high)]));
  } finally {
    await admin.disconnect();
  }
  const out: DeadLetter[] = [];
  if ([...high.values()].every((h) => h === 0n)) return out;
  const consumer = kafka.consumer({
    groupId: `deadletter-reader-${randomUUID()}`,
    maxWaitTimeInMs: 100,
    readUncommitted: false,
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    let last = Date.now();
    const next = new Map<number, bigint>();
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        last = Date.now();
        next.set(partition, BigInt(message.offset) + 1n);
        if (!message.value) return;
        try {
          out.push(JSON.parse(message.value.toString('utf8')) as DeadLetter);
        } catch {
          // Not a dead letter: another producer's record on the topic; nothing to show.
        }
      },
    });
    // A commit marker follows every transaction's last record: high - 1 is reached as a marker.
    const caughtUp = () => [...high].every(([p, h]) => h === 0n || (next.get(p) ?? 0n) >= h - 1n);
    while (!caughtUp() && Date.now() - last < idleMs) await new Promise((r) => setTimeout(r, 100));
  } finally {
    await consumer.disconnect();
  }
  return out.sort((a, b) => a.failedAt.localeCompare(b.failedAt));
}
