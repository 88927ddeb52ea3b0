import type { Admin, Kafka } from 'kafkajs';
import { onConsumerLagScrape } from './operational-metrics';

/**
 * Reports a consumer group's lag per partition at every scrape of this process, read from the
 * broker: the partition's end offset minus the group's committed offset (from the partition's
 * start when nothing is committed yet). The committed offset is what the group made durable with
 * its transactions, so the lag is what a restart would redo. Returns the stop.
 */
export function watchConsumerLag(kafka: Kafka, group: string, topics: string[]): () => Promise<void> {
  let admin: Admin | undefined;
  const stopScraping = onConsumerLagScrape(async (set) => {
    try {
      if (!admin) {
        const a = kafka.admin();
        await a.connect();
        admin = a;
      }
      for (const topic of topics) {
        const ends = await admin.fetchTopicOffsets(topic);
        const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
        const at = new Map((committed?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
        for (const end of ends) {
          const high = BigInt(end.high);
          const c = at.get(end.partition) ?? -1n;
          const from = c < 0n ? BigInt(end.low) : c;
          set({ group, topic, partition: String(end.partition) }, Number(high > from ? high - from : 0n));
        }
      }
    } catch {
      // The broker is away: no lag samples this scrape (the scrape itself still answers). A new
      // admin connects at the next one.
      const a = admin;
      admin = undefined;
      await a?.disconnect().catch(() => {});
    }
  });
  return async () => {
    stopScraping();
    await admin?.disconnect().catch(() => {});
  };
}
