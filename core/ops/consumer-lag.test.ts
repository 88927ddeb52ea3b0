import type { Kafka } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { watchConsumerLag } from './consumer-lag';
import { registry } from './operational-metrics';

/** A broker stand-in whose offset requests fail `failures` times, then answer. */
function flakyKafka(failures: number) {
  let left = failures;
  const admin = {
    connect: async () => {},
    disconnect: async () => {},
    fetchTopicOffsets: async () => {
      if (left-- > 0) throw new Error('The group coordinator is loading');
      return [0, 1, 2].map((partition) => ({ partition, high: '10', low: '0', offset: '10' }));
    },
    fetchOffsets: async () => [
      { topic: 't', partitions: [0, 1, 2].map((partition) => ({ partition, offset: '7' })) },
    ],
  };
  return { admin: () => admin } as unknown as Kafka;
}

const lagOf = async (group: string) =>
  (await registry.getSingleMetric('consumer_lag_records')?.get())?.values.filter(
    (v) => v.labels.group === group,
  ) ?? [];

describe('consumer lag scrape', () => {
  it('asks a broker that refused again, and reports every partition', async () => {
    const stop = watchConsumerLag(flakyKafka(2), 'g-flaky', ['t']);
    try {
      const values = await lagOf('g-flaky');
      expect(values.map((v) => [v.labels.partition, v.value])).toEqual([
        ['0', 3],
        ['1', 3],
        ['2', 3],
      ]);
    } finally {
      await stop();
    }
  });

  it('reports nothing for a group whose broker refuses every try, rather than a lag of 0', async () => {
    const stop = watchConsumerLag(flakyKafka(99), 'g-away', ['t']);
    try {
      expect(await lagOf('g-away')).toEqual([]);
    } finally {
      await stop();
    }
  });
});
