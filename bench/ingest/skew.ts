import { Partitioners } from 'kafkajs';
import type { AnalyticsEvent } from '../../core/events/event';
import { partitionKey } from '../../core/events/event';
import { HotKeySalter } from '../../ingest/hot-keys';

/**
 * The hot-key remedy, measured: the share of events on the busiest partition (ideal = 1/P) for a
 * stream where one user sends `hotShare` of all events, with plain keys and with salted keys,
 * through Kafka's default partitioner (murmur2, as kafkajs and the Java client use).
 */
export function measureSkew(opts: { events: number; partitions: number; hotShare: number; users: number }) {
  const partitioner = Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from({ length: opts.partitions }, (_, i) => ({
    partitionId: i,
    leader: 0,
    partitionErrorCode: 0,
    replicas: [0],
    isr: [0],
  }));
  const assign = (key: string) =>
    partitioner({ topic: 'events', partitionMetadata, message: { key, value: null } });
  const salter = new HotKeySalter();
  const plain = new Array<number>(opts.partitions).fill(0);
  const salted = new Array<number>(opts.partitions).fill(0);
  for (let i = 0; i < opts.events; i++) {
    const hot = (i * 7919) % 1000 < opts.hotShare * 1000;
    const e = {
      eventId: `e-${i}`,
      projectId: 'p',
      type: 'track',
      userId: hot ? 'hot-user' : `user-${(i * 31) % opts.users}`,
      anonymousId: null,
    } as AnalyticsEvent;
    (plain[assign(partitionKey(e))] as number)++;
    (salted[assign(salter.keyFor(e))] as number)++;
  }
  const busiest = (counts: number[]) => Math.max(...counts) / opts.events;
  return { ideal: 1 / opts.partitions, plain: busiest(plain), salted: busiest(salted) };
}
