import { setTimeout as sleep } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import type { Admin } from 'kafkajs';

/** The sum of `topic`'s partitions' end offsets: what a group has drained once it commits it. */
export async function topicEnd(admin: Admin, topic: string): Promise<bigint> {
  return (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + BigInt(p.high), 0n);
}

/** What `groupId` has committed on `topic`, summed over its partitions. */
async function committedOf(admin: Admin, groupId: string, topic: string): Promise<bigint> {
  const [o] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return (o?.partitions ?? []).reduce((n, p) => n + (p.offset === '-1' ? 0n : BigInt(p.offset)), 0n);
}

/** Resolves once `groupId` has committed `end` on `topic` (checked every 100 ms). */
export async function drained(admin: Admin, groupId: string, topic: string, end: bigint): Promise<void> {
  while ((await committedOf(admin, groupId, topic)) < end) await sleep(100);
}

/**
 * Resolves with the time and the committed offsets of `groupId`'s first commit on `topic` (checked
 * every 50 ms): a drain timed from there leaves out the consumers' start (processes, group join).
 */
export async function firstCommit(
  admin: Admin,
  groupId: string,
  topic: string,
): Promise<{ at: number; committed: bigint }> {
  for (;;) {
    const committed = await committedOf(admin, groupId, topic);
    if (committed > 0n) return { at: performance.now(), committed };
    await sleep(50);
  }
}
