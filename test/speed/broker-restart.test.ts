import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClickHouse } from '../../core/clickhouse/client';
import type { Config } from '../../core/config/config';
import { createKafka, ensureTopics } from '../../core/kafka/client';
import { createLogger } from '../../core/log';
import { startKafka, stopKafka, type KafkaServiceOptions } from '../../infra/local/kafka/service';
import { applyClickHouseSchema } from '../../speed-layer/schema';
import { speedConsumerConfig, startSpeedConsumer } from '../../speed-layer/speed-consumer';
import { freePort } from '../helpers/free-port';
import {
  comparable,
  generateEvents,
  groupProgress,
  produceEvents,
  speedTotals,
  truth,
} from '../helpers/speed-harness';
import { isolatedConfig } from '../helpers/test-config';
import { waitFor } from '../helpers/wait-for';

/** A broker of its own, killed and restarted while the speed consumer works: aggregates stay exact. */
describe('speed layer across a Kafka broker restart', () => {
  let broker: KafkaServiceOptions;
  let config: Config;
  const log = createLogger({ test: 'speed-broker-restart' }, 'error');

  beforeAll(async () => {
    broker = {
      port: await freePort(),
      controllerPort: await freePort(),
      heap: '512m',
      dir: mkdtempSync(join(tmpdir(), 'restart-broker-')),
    };
    await startKafka(broker);
    config = isolatedConfig('speedrestart', { KAFKA_BROKERS: `localhost:${broker.port}` });
    await ensureTopics(createKafka(config, log), config);
  });
  afterAll(async () => {
    await stopKafka({ dir: broker.dir, signal: 'SIGKILL' });
  });

  it('resumes after the broker comes back and counts everything once', async () => {
    const clickhouse = createClickHouse(config);
    await applyClickHouseSchema(clickhouse, config.clickhouse.database);
    const consumer = await startSpeedConsumer(speedConsumerConfig(config), {
      kafka: createKafka(config, log),
      clickhouse,
      log,
    });
    const events = generateEvents(20_000, { duplicates: 200 });
    await produceEvents(createKafka(config, log), config.kafka.topics.events, events.slice(0, 10_000));
    await waitFor(
      () => groupProgress(createKafka(config, log), config.kafka.groups.speed, config.kafka.topics.events),
      (g) => g.committed > 0n,
    );
    await stopKafka({ dir: broker.dir, signal: 'SIGKILL' });
    await startKafka(broker);
    await produceEvents(createKafka(config, log), config.kafka.topics.events, events.slice(10_000));
    const progress = await waitFor(
      () => groupProgress(createKafka(config, log), config.kafka.groups.speed, config.kafka.topics.events),
      (g) => g.committed === g.end,
      { timeoutMs: 150_000, intervalMs: 500 },
    );
    expect(progress.committed).toBe(progress.end);
    await consumer.stop();
    expect(comparable(await speedTotals(clickhouse, config.clickhouse.database))).toEqual(
      comparable(truth(events)),
    );
    await clickhouse.close();
  }, 240_000);
});
