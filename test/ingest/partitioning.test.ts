import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Partitioners, type PartitionerArgs } from 'kafkajs';
import type { Config } from '../../core/config/config';
import type { AnalyticsEvent } from '../../core/events/event';
import { createKafka, ensureTopics } from '../../core/kafka/client';
import { createLogger } from '../../core/log';
import { HotKeySalter } from '../../ingest/hot-keys';
import { LibrdkafkaSink } from '../../ingest/librdkafka-sink';
import { readWholeTopic } from '../helpers/kafka-read';
import { isolatedConfig } from '../helpers/test-config';

/**
 * The collector's librdkafka producer places each key on the partition kafkajs' default
 * partitioner (and every Java client) gives it: a user's events keep one partition across the
 * change of client, including while old and new collectors run side by side during a rollout (the
 * speed layer's deduplication and per-user order rely on it).
 */
describe("the collector's partitioning", () => {
  let config: Config;
  const log = createLogger({ test: 'partitioning' }, 'error');

  beforeAll(async () => {
    config = isolatedConfig('partitioning', { KAFKA_PARTITIONS: '7' });
    await ensureTopics(createKafka(config, log), config);
  });

  afterAll(async () => {
    const admin = createKafka(config, log).admin();
    await admin.connect();
    await admin.deleteTopics({ topics: Object.values(config.kafka.topics) }).catch(() => {});
    await admin.disconnect();
  });

  it('puts every key where the Java-compatible murmur2 partitioner of kafkajs does', async () => {
    const sink = await LibrdkafkaSink.open(
      config,
      new HotKeySalter(),
      { maxEvents: 1000, lingerMs: 5, ackTimeoutMs: 10_000, maxPending: 10_000 },
      log,
    );
    const events = Array.from({ length: 300 }, (_, i) => {
      const event = {
        projectId: `p${i % 3}`,
        userId: i % 5 === 0 ? null : `user-${i}-é`,
        anonymousId: `anon-${i}`,
        eventId: `e${i}`,
      } as unknown as AnalyticsEvent;
      return { event, json: JSON.stringify({ i }) };
    });
    await sink.publish(events, []);
    await sink.close();

    const partitioner = Partitioners.DefaultPartitioner();
    const partitionMetadata = Array.from({ length: 7 }, (_, partitionId) => ({
      partitionId,
      leader: 0,
    })) as PartitionerArgs['partitionMetadata'];
    const read = await readWholeTopic(createKafka(config, log), config.kafka.topics.events);
    expect(read).toHaveLength(300);
    const placed = read.map((m) => ({ key: m.key, partition: m.partition }));
    const expected = placed.map(({ key }) => ({
      key,
      partition: partitioner({
        topic: config.kafka.topics.events,
        partitionMetadata,
        message: { key, value: null },
      }),
    }));
    expect(placed).toEqual(expected);
    // The keys spread: a partitioner that put everything on one partition would pass the above
    // only by accident.
    expect(new Set(placed.map((p) => p.partition)).size).toBe(7);
  });
});
