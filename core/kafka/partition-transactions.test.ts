import type { Kafka } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { PartitionTransactions } from './partition-transactions';

/** A Kafka whose first admin cannot connect (the broker is down), and whose later ones can. */
function kafkaWithBrokerBack() {
  let admins = 0;
  const kafka = {
    producer: () => ({ connect: async () => {}, disconnect: async () => {} }),
    admin: () => {
      const n = ++admins;
      return {
        connect: async () => {
          if (n === 1) throw new Error('Connection error: ECONNREFUSED');
        },
        fetchOffsets: async () => [{ topic: 't', partitions: [{ partition: 0, offset: '42' }] }],
        disconnect: async () => {},
      };
    },
  } as unknown as Kafka;
  return { kafka, admins: () => admins };
}

describe('PartitionTransactions.settledOffset', () => {
  it('connects a fresh admin after one that failed, instead of failing on it forever', async () => {
    const { kafka, admins } = kafkaWithBrokerBack();
    const t = new PartitionTransactions(kafka, 'g', 't');
    await expect(t.settledOffset(0)).rejects.toThrow(/ECONNREFUSED/);
    expect(await t.settledOffset(0)).toBe(42n);
    expect(admins()).toBe(2);
  });
});
