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
  /** Every partition's lag, read whole before any is reported: a scrape never shows half a group. */
  const read = async (): Promise<{ topic: string; partition: number; lag: number }[]> => {
    if (!admin) {
      const a = kafka.admin();
      await a.connect();
      admin = a;
    }
    const lags: { topic: string; partition: number; lag: number }[] = [];
    for (const topic of topics) {
      const ends = await admin.fetchTopicOffsets(topic);
      const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
      const at = new Map((committed?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
      for (const end of ends) {
        const high = BigInt(end.high);
        const c = at.get(end.partition) ?? -1n;
        const from = c < 0n ? BigInt(end.low) : c;
        lags.push({ topic, partition: end.partition, lag: Number(high > from ? high - from : 0n) });
      }
    }
    return lags;
  };
  const stopScraping = onConsumerLagScrape(async (set) => {
    // A broker busy with a group (its coordinator moving or loading) refuses a request now and
    // then: asked again a moment later, it answers. Only a broker away for all three tries leaves
    // the scrape without this group's lag (the scrape itself still answers).
    for (const wait of [0, 200, 600]) {
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      try {
        for (const l of await read()) set({ group, topic: l.topic, partition: String(l.partition) }, l.lag);
        return;
      } catch {
        // A new admin connects for the next try.
        const a = admin;
        admin = undefined;
        await a?.disconnect().catch(() => {});
      }
    }
  });
  return async () => {
    stopScraping();
    await admin?.disconnect().catch(() => {});
  };
}
