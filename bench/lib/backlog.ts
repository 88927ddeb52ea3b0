import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin } from 'kafkajs';

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
