import type { ClickHouseClient } from '@clickhouse/client';
import type { INestApplication } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../core/auth/jwt';
import { createClickHouse } from '../../core/clickhouse/client';
import type { Config } from '../../core/config/config';
import { openLake } from '../../core/lake/open-lake';
import { apiCacheLookups } from '../../core/ops/operational-metrics';
import { startServingApi } from '../../serving-layer/server';
import { DedupWindow } from '../../speed-layer/dedup-window';
import { buildRangeOutput } from '../../speed-layer/range-output';
import { writeRange } from '../../speed-layer/range-writer';
import { applyClickHouseSchema } from '../../speed-layer/schema';
import { generateEvents } from '../helpers/speed-harness';
import { isolatedConfig } from '../helpers/test-config';

const HOUR = 3_600_000;

/**
 * A speed-layer write invalidates only the answers whose range holds the event times it wrote:
 * while today's events arrive, an answer about yesterday is served from the cache, and it is
 * recomputed (and right) as soon as an event of yesterday arrives. Real chDB, the speed layer's
 * own range writer, the serving API.
 */
describe('speed writes invalidate the answers of the ranges they touch, and only those', () => {
  let config: Config;
  let clickhouse: ClickHouseClient;
  let app: INestApplication;
  let url: string;
  let token: string;
  let offset = 0;
  const dedup = new DedupWindow(10 * 60_000);
  const now = Date.now();
  const thisHour = Math.floor(now / HOUR) * HOUR;
  // Yesterday: 30 to 26 hours ago, inside the speed view's 48-hour horizon.
  const yesterday = { from: thisHour - 30 * HOUR, to: thisHour - 26 * HOUR };
  const today = { from: thisHour - 2 * HOUR, to: thisHour + HOUR };

  const write = async (events: ReturnType<typeof generateEvents>) => {
    const messages = events.map((event) => ({ offset: String(offset++), event }));
    const out = buildRangeOutput('events', 0, messages, dedup, {
      horizonMs: config.speed.horizonMs,
      lateAfterMs: config.speed.lateAfterMs,
    });
    await writeRange({
      client: clickhouse,
      database: config.clickhouse.database,
      lake: openLake(config.lake),
      range: {
        topic: 'events',
        partition: 0,
        first: messages[0]!.offset,
        last: messages[messages.length - 1]!.offset,
      },
      out,
    });
  };
  const arrivingNow = (events: ReturnType<typeof generateEvents>) =>
    events.map((e) => ({ ...e, receivedAt: new Date().toISOString() }));
  const count = async (r: { from: number; to: number }) => {
    const res = await fetch(
      `${url}/v1/metrics/events?from=${new Date(r.from).toISOString()}&to=${new Date(r.to).toISOString()}`,
      { headers: { authorization: `Bearer ${token}` } },
    );
    expect(res.status).toBe(200);
    return ((await res.json()) as { value: number }).value;
  };
  const lookups = async () => {
    const values = (await apiCacheLookups.get()).values;
    const of = (result: string) => values.find((v) => v.labels.result === result)?.value ?? 0;
    return { hit: of('hit'), miss: of('miss') };
  };

  beforeAll(async () => {
    config = isolatedConfig('speed-invalidation');
    clickhouse = createClickHouse(config);
    await applyClickHouseSchema(clickhouse, config.clickhouse.database);
    ({ app, url } = await startServingApi({ config, clickhouse }, { host: '127.0.0.1', port: 0 }));
    token = await mintToken(config.auth.jwtSecret, { project: 'inv', scopes: ['read'] });
    await write(
      arrivingNow(generateEvents(40, { start: yesterday.from + HOUR, spreadMinutes: 120, projectId: 'inv' })),
    );
    await write(
      arrivingNow(generateEvents(25, { start: today.from + HOUR, spreadMinutes: 30, projectId: 'inv' })),
    );
  });
  afterAll(async () => {
    await app?.close();
    await clickhouse?.close();
  });

  it("keeps yesterday's answer while today's events arrive, and recomputes today's", async () => {
    expect(await count(yesterday)).toBe(40);
    expect(await count(today)).toBe(25);
    await write(
      arrivingNow(
        generateEvents(10, { start: today.from + HOUR + 40 * 60_000, spreadMinutes: 5, projectId: 'inv' }),
      ),
    );
    const before = await lookups();
    expect(await count(yesterday)).toBe(40);
    const after = await lookups();
    // The whole answer came from the cache: one lookup, a hit, nothing computed.
    expect(after.miss - before.miss).toBe(0);
    expect(after.hit - before.hit).toBe(1);
    expect(await count(today)).toBe(35);
  });

  it("recomputes yesterday's answer when an event of yesterday arrives late", async () => {
    expect(await count(yesterday)).toBe(40);
    const before = await lookups();
    await write(
      arrivingNow(
        generateEvents(3, { start: yesterday.from + 2 * HOUR, spreadMinutes: 3, projectId: 'inv' }),
      ),
    );
    expect(await count(yesterday)).toBe(43);
    expect((await lookups()).miss - before.miss).toBeGreaterThan(0);
  });
});
