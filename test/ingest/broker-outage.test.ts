import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWriteKey } from '../../core/auth/write-keys';
import type { Config } from '../../core/config/config';
import type { AnalyticsEvent } from '../../core/events/event';
import { createKafka } from '../../core/kafka/client';
import { createLogger } from '../../core/log';
import { startRoles, type RunningRoles } from '../../cli/roles';
import { startKafka, stopKafka, type KafkaServiceOptions } from '../../infra/local/kafka/service';
import { keepSending } from '../helpers/events';
import { freePort } from '../helpers/free-port';
import { readWholeTopic } from '../helpers/kafka-read';
import { isolatedConfig } from '../helpers/test-config';
import { waitFor } from '../helpers/wait-for';

/**
 * A broker of its own (other tests share the main one), killed with SIGKILL while events flow:
 * the collector answers 503 while it is down, recovers by itself when it is back, and every event
 * that got a 2xx is in Kafka exactly once.
 */
describe('ingest through a Kafka outage', () => {
  let broker: KafkaServiceOptions;
  let config: Config;
  let roles: RunningRoles;
  let writeKey: string;
  const log = createLogger({ test: 'broker-outage' }, 'error');

  beforeAll(async () => {
    broker = {
      port: await freePort(),
      controllerPort: await freePort(),
      heap: '512m',
      dir: mkdtempSync(join(tmpdir(), 'outage-broker-')),
    };
    await startKafka(broker);
    config = isolatedConfig('outage', {
      KAFKA_BROKERS: `localhost:${broker.port}`,
      INGEST_ACK_TIMEOUT_MS: '2000',
      KAFKA_PARTITIONS: '2',
    });
    writeKey = await createWriteKey(config, 'shop');
    roles = await startRoles(['ingest'], config, log);
  });

  afterAll(async () => {
    await roles?.stop();
    await stopKafka({ dir: broker.dir, signal: 'SIGKILL' });
  });

  it('answers 503 while the broker is down, recovers, and holds every acknowledged event once', async () => {
    const sender = keepSending(
      roles.urls.ingest as string,
      writeKey,
      () =>
        Array.from({ length: 10 }, () => ({
          type: 'track',
          event: 'page_ping',
          userId: `u-${Math.floor(Math.random() * 20)}`,
          messageId: randomUUID(),
        })),
      {
        pauseMs: 20,
        check: (res) => {
          if (res?.status === 503) expect(res.headers.get('retry-after')).toBeTruthy();
        },
      },
    );
    const { acknowledged, statuses } = sender;

    await waitFor(
      async () => acknowledged.length,
      (n) => n >= 200,
    );
    await stopKafka({ dir: broker.dir, signal: 'SIGKILL' });
    const ackedBeforeOutage = acknowledged.length;
    const during = await waitFor(
      async () => statuses.filter((s) => s === 503).length,
      (n) => n >= 3,
    );
    expect(during).toBeGreaterThanOrEqual(3);

    await startKafka(broker);
    const okAfter = await waitFor(
      async () => acknowledged.length,
      (n) => n >= ackedBeforeOutage + 300,
      { timeoutMs: 90_000 },
    );
    await sender.stop();
    expect(okAfter).toBeGreaterThanOrEqual(ackedBeforeOutage + 300);
    // No 2xx is ever given for something Kafka does not hold, and nothing else than 200/503 is seen.
    expect(new Set(statuses)).toEqual(new Set([200, 503]));

    const kafka = createKafka(config, log);
    const ids = (await readWholeTopic(kafka, config.kafka.topics.events)).map(
      (m) => (JSON.parse(m.value) as AnalyticsEvent).eventId,
    );
    const counts = new Map<string, number>();
    for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
    const missing = acknowledged.filter((id) => !counts.has(id));
    const duplicated = acknowledged.filter((id) => (counts.get(id) ?? 0) > 1);
    expect(missing).toEqual([]);
    expect(duplicated).toEqual([]);
  }, 240_000);
});
