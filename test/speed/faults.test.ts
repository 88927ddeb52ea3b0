import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClickHouse } from '../../core/clickhouse/client';
import type { Config } from '../../core/config/config';
import { createKafka, ensureTopics } from '../../core/kafka/client';
import { createLogger } from '../../core/log';
import { applyClickHouseSchema } from '../../speed-layer/schema';
import {
  speedConsumerConfig,
  startSpeedConsumer,
  type RunningConsumer,
} from '../../speed-layer/speed-consumer';
import {
  comparable,
  generateEvents,
  groupProgress,
  produceEvents,
  speedTotals,
  truth,
} from '../helpers/speed-harness';
import { isolatedConfig, requireServices, withFreshTopics } from '../helpers/test-config';
import { waitFor } from '../helpers/wait-for';

/** Real Kafka and chDB; faults injected around them. All cases share this process's chDB. */
describe('speed layer under faults', () => {
  let base: Config;
  let clickhouse: ClickHouseClient;
  const log = createLogger({ test: 'speed-faults' }, 'error');

  beforeAll(async () => {
    await requireServices();
    base = isolatedConfig('speedfaults');
    clickhouse = createClickHouse(base);
    await applyClickHouseSchema(clickhouse, base.clickhouse.database);
  });
  afterAll(async () => clickhouse?.close());

  const consumerFor = (config: Config, client: ClickHouseClient = clickhouse): Promise<RunningConsumer> =>
    startSpeedConsumer(speedConsumerConfig(config), {
      kafka: createKafka(config, log),
      clickhouse: client,
      log,
    });

  const drained = (config: Config) =>
    waitFor(
      () => groupProgress(createKafka(config, log), config.kafka.groups.speed, config.kafka.topics.events),
      (g) => g.committed === g.end,
      { timeoutMs: 120_000, intervalMs: 300 },
    );

  /** Totals of one topic's events: each case uses its own project id. */
  const totalsOf = async (project: string) => {
    const all = await speedTotals(clickhouse, base.clickhouse.database, project);
    return comparable(all);
  };

  it('retries while ClickHouse inserts fail, commits nothing meanwhile, and skips nothing', async () => {
    const config = withFreshTopics(base, 'chfail');
    await ensureTopics(createKafka(config, log), config);
    let failing = false;
    const flaky = new Proxy(clickhouse, {
      get(target, prop, receiver) {
        if (prop === 'insert' && failing)
          return () => Promise.reject(new Error('injected: ClickHouse unavailable'));
        const v = Reflect.get(target, prop, receiver) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const consumer = await consumerFor(config, flaky);
    const events = generateEvents(6000, { duplicates: 100, projectId: 'chfail' });
    await produceEvents(createKafka(config, log), config.kafka.topics.events, events.slice(0, 3000));
    await drained(config);
    failing = true;
    await produceEvents(createKafka(config, log), config.kafka.topics.events, events.slice(3000));
    await sleep(1000);
    const during1 = await groupProgress(
      createKafka(config, log),
      config.kafka.groups.speed,
      config.kafka.topics.events,
    );
    await sleep(3000);
    const during2 = await groupProgress(
      createKafka(config, log),
      config.kafka.groups.speed,
      config.kafka.topics.events,
    );
    expect(during2.committed).toBe(during1.committed);
    expect(during2.committed).toBeLessThan(during2.end);
    failing = false;
    await drained(config);
    await consumer.stop();
    expect(await totalsOf('chfail')).toEqual(comparable(truth(events)));
  }, 180_000);

  it('shares partitions as consumers join and leave mid-stream, without loss or double counting', async () => {
    const config = withFreshTopics({ ...base, kafka: { ...base.kafka, partitions: 4 } }, 'rebalance');
    await ensureTopics(createKafka(config, log), config);
    const events = generateEvents(24_000, { duplicates: 300, projectId: 'rebalance' });
    const kafka = createKafka(config, log);
    const a = await consumerFor(config);
    await produceEvents(kafka, config.kafka.topics.events, events.slice(0, 8000));
    const b = await consumerFor(config);
    await produceEvents(kafka, config.kafka.topics.events, events.slice(8000, 16_000));
    await a.stop();
    await produceEvents(kafka, config.kafka.topics.events, events.slice(16_000));
    await drained(config);
    await b.stop();
    expect(await totalsOf('rebalance')).toEqual(comparable(truth(events)));
  }, 180_000);

  it('keeps events beyond the horizon out of the speed view, counts them, and hands late hours to the batch layer', async () => {
    const config = withFreshTopics(base, 'late');
    await ensureTopics(createKafka(config, log), config);
    const now = Date.now();
    const at = (msAgo: number) => new Date(now - msAgo).toISOString();
    const events = generateEvents(30, { projectId: 'late' }).map((e, i) => {
      // 10 on time, 10 two hours late (still in the speed view), 10 fifty hours late (beyond 48 h).
      const ago = i < 10 ? 1000 : i < 20 ? 2 * 3_600_000 : 50 * 3_600_000;
      return { ...e, timestamp: at(ago), receivedAt: at(0) };
    });
    const consumer = await consumerFor(config);
    await produceEvents(createKafka(config, log), config.kafka.topics.events, events);
    await drained(config);
    await consumer.stop();

    const inSpeed = await clickhouse.query({
      query: `SELECT toUInt64(sum(count)) AS n FROM {db:Identifier}.speed_measures_minute WHERE project_id = 'late' AND metric = 'events'`,
      query_params: { db: base.clickhouse.database },
      format: 'JSONEachRow',
    });
    expect(Number((await inSpeed.json<{ n: string }>())[0]?.n)).toBe(20);
    const beyond = await clickhouse.query({
      query: `SELECT toUInt64(sum(events)) AS n FROM {db:Identifier}.speed_late_events WHERE project_id = 'late'`,
      query_params: { db: base.clickhouse.database },
      format: 'JSONEachRow',
    });
    expect(Number((await beyond.json<{ n: string }>())[0]?.n)).toBe(10);

    const dir = join(base.lake.root, '_late');
    const hours = new Map<string, number>();
    for (const f of existsSync(dir) ? readdirSync(dir) : []) {
      if (!f.startsWith(config.kafka.topics.events)) continue;
      const body = JSON.parse(readFileSync(join(dir, f), 'utf8')) as {
        hours: { projectId: string; hour: string; events: number }[];
      };
      for (const h of body.hours) hours.set(h.hour, (hours.get(h.hour) ?? 0) + h.events);
    }
    const hourOf = (msAgo: number) =>
      new Date(Math.floor((now - msAgo) / 3_600_000) * 3_600_000).toISOString();
    expect(hours.get(hourOf(2 * 3_600_000))).toBe(10);
    expect(hours.get(hourOf(50 * 3_600_000))).toBe(10);
    expect(hours.has(hourOf(1000))).toBe(false);
  }, 120_000);
});
