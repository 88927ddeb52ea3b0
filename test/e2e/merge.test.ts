import type { ClickHouseClient } from '@clickhouse/client';
import type { INestApplication } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../core/auth/jwt';
import { createClickHouse } from '../../core/clickhouse/client';
import type { Config } from '../../core/config/config';
import type { AnalyticsEvent } from '../../core/events/event';
import { startServingApi } from '../../serving-layer/server';
import { WEB_APP_PATHS } from '../../serving-layer/web-app';
import { applyClickHouseSchema } from '../../speed-layer/schema';
import { writeLake } from '../helpers/lake';
import { addSpeedAggregates, seedViews } from '../helpers/seed-views';
import { generateEvents } from '../helpers/speed-harness';
import { isolatedConfig } from '../helpers/test-config';

const HOUR = 3_600_000;

/**
 * The serving layer's merge: hours up to the batch watermark come from the batch view, the rest
 * from the speed view, never both. The speed view here also counted client duplicates in the
 * sealed hours (as it can, beyond its dedup window): the answer must not show them.
 */
describe('serving: batch and speed views merged per query', () => {
  let config: Config;
  let clickhouse: ClickHouseClient;
  let app: INestApplication;
  let url: string;
  let token: string;
  const base = Math.floor(Date.now() / HOUR) * HOUR - 4 * HOUR;
  const sealed = generateEvents(600, { start: base, spreadMinutes: 179, projectId: 'm' }); // hours 0-2
  const recent = generateEvents(150, { start: base + 3 * HOUR, spreadMinutes: 59, projectId: 'm' }); // hour 3
  const old = {
    ...(generateEvents(1, { start: base - 72 * HOUR, projectId: 'm' })[0] as AnalyticsEvent),
    userId: 'u5',
  };
  const speedOnlyCopies = sealed.slice(0, 40).map((e) => ({ ...e })); // duplicates the speed layer kept

  beforeAll(async () => {
    config = isolatedConfig('merge');
    clickhouse = createClickHouse(config);
    await applyClickHouseSchema(clickhouse, config.clickhouse.database);
    await seedViews(
      config,
      clickhouse,
      [...sealed, ...recent],
      [0, 1, 2].map((h) => new Date(base + h * HOUR).toISOString()),
    );
    await addSpeedAggregates(config, clickhouse, speedOnlyCopies);
    await writeLake(config.lake.root, [old], 'part-old'); // beyond the speed horizon: in the lake only
    ({ app, url } = await startServingApi({ config, clickhouse }, { host: '127.0.0.1', port: 0 }));
    token = await mintToken(config.auth.jwtSecret, { project: 'm', role: 'analyst' });
  });
  afterAll(async () => {
    await app?.close();
    await clickhouse?.close();
  });

  const ask = async (from: number, to: number) => {
    const res = await fetch(
      `${url}/v1/metrics/events_count?from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`,
      { headers: { authorization: `Bearer ${token}` } },
    );
    expect(res.status).toBe(200);
    return (await res.json()) as {
      value: number;
      source: string;
      parts: { source: string; from: string; to: string; value: number }[];
      watermark: string;
    };
  };

  it('takes sealed hours from the batch view and the rest from the speed view, once each', async () => {
    const answer = await ask(base, base + 4 * HOUR);
    expect(answer.watermark).toBe(new Date(base + 3 * HOUR).toISOString());
    expect(answer.source).toBe('mixed');
    expect(answer.parts).toEqual([
      {
        source: 'batch',
        from: new Date(base).toISOString(),
        to: new Date(base + 3 * HOUR).toISOString(),
        value: sealed.length,
      },
      {
        source: 'speed',
        from: new Date(base + 3 * HOUR).toISOString(),
        to: new Date(base + 4 * HOUR).toISOString(),
        value: recent.length,
      },
    ]);
    expect(answer.value).toBe(sealed.length + recent.length);
  });

  it('answers from one layer when the range lies on one side of the watermark', async () => {
    const before = await ask(base + HOUR, base + 2 * HOUR);
    const inHour = sealed.filter(
      (e: AnalyticsEvent) =>
        Date.parse(e.timestamp) >= base + HOUR && Date.parse(e.timestamp) < base + 2 * HOUR,
    ).length;
    expect(before).toMatchObject({ source: 'batch', value: inHour });
    const after = await ask(base + 3 * HOUR, base + 4 * HOUR);
    expect(after).toMatchObject({ source: 'speed', value: recent.length });
  });

  it('gives hourly buckets with their source, and day buckets that add up', async () => {
    const hourly = (await (
      await fetch(
        `${url}/v1/metrics/events?from=${new Date(base).toISOString()}&to=${new Date(base + 4 * HOUR).toISOString()}&granularity=hour`,
        {
          headers: { authorization: `Bearer ${token}` },
        },
      )
    ).json()) as { buckets: { start: string; value: number; source: string }[]; value: number };
    const hoursWithEvents = [
      ...new Set([...sealed, ...recent].map((e) => Math.floor(Date.parse(e.timestamp) / HOUR) * HOUR)),
    ].sort();
    expect(hourly.buckets.map((b) => [b.start, b.source])).toEqual(
      hoursWithEvents.map((h) => [new Date(h).toISOString(), h < base + 3 * HOUR ? 'batch' : 'speed']),
    );
    expect(hourly.buckets.reduce((n, b) => n + b.value, 0)).toBe(hourly.value);
    const daily = (await (
      await fetch(
        `${url}/metrics?name=events&from=${new Date(base).toISOString()}&to=${new Date(base + 4 * HOUR).toISOString()}&granularity=day`,
        {
          headers: { authorization: `Bearer ${token}` },
        },
      )
    ).json()) as { buckets: { value: number }[]; value: number };
    expect(daily.buckets.reduce((n, b) => n + b.value, 0)).toBe(sealed.length + recent.length);
  });

  it('merges unique users across the layers by sketch, never by adding', async () => {
    const res = await fetch(
      `${url}/v1/metrics/active_users?from=${new Date(base).toISOString()}&to=${new Date(base + 4 * HOUR).toISOString()}`,
      {
        headers: { authorization: `Bearer ${token}` },
      },
    );
    const answer = (await res.json()) as {
      value: number;
      parts: { source: string; value: number }[];
      standardError: number;
    };
    const truth = new Set([...sealed, ...recent].map((e) => e.userId)).size;
    expect(answer.parts.map((p) => p.source)).toEqual(['batch', 'speed']);
    expect(Math.abs(answer.value - truth) / truth).toBeLessThan(4 * answer.standardError + 0.02);
    expect(answer.value).toBeLessThan(answer.parts[0]!.value + answer.parts[1]!.value);
  });

  it('groups by the metric dimension and refuses bad requests with 400', async () => {
    const grouped = (await (
      await fetch(
        `${url}/v1/metrics/events?from=${new Date(base).toISOString()}&to=${new Date(base + 4 * HOUR).toISOString()}&granularity=day&groupBy=event`,
        {
          headers: { authorization: `Bearer ${token}` },
        },
      )
    ).json()) as { buckets: { dim: string; value: number }[] };
    const purchases = [...sealed, ...recent].filter((e) => e.event === 'purchase').length;
    expect(grouped.buckets.filter((b) => b.dim === 'purchase').reduce((n, b) => n + b.value, 0)).toBe(
      purchases,
    );
    const filtered = (await (
      await fetch(
        `${url}/v1/metrics/events?from=${new Date(base).toISOString()}&to=${new Date(base + 4 * HOUR).toISOString()}&granularity=day&groupBy=event&filter=event:purchase,page`,
        { headers: { authorization: `Bearer ${token}` } },
      )
    ).json()) as { buckets: { dim: string }[]; value: number };
    expect(new Set(filtered.buckets.map((b) => b.dim))).toEqual(new Set(['purchase', 'page']));
    expect(filtered.value).toBe(
      [...sealed, ...recent].filter((e) => ['purchase', 'page'].includes(e.event)).length,
    );
    // A filter without grouping narrows both layers too (the speed view once matched nothing here).
    const only = (await (
      await fetch(
        `${url}/v1/metrics/events?from=${new Date(base).toISOString()}&to=${new Date(base + 4 * HOUR).toISOString()}&filter=event:purchase`,
        { headers: { authorization: `Bearer ${token}` } },
      )
    ).json()) as { parts: { source: string; value: number }[] };
    expect(only.parts.map((p) => [p.source, p.value])).toEqual([
      ['batch', sealed.filter((e) => e.event === 'purchase').length],
      ['speed', recent.filter((e) => e.event === 'purchase').length],
    ]);
    for (const bad of [
      '/v1/metrics/nope',
      '/v1/metrics/events?groupBy=currency',
      '/v1/metrics/events?granularity=week',
      `/v1/metrics/events?granularity=minute&from=2020-01-01T00:00:00Z&to=2021-01-01T00:00:00Z`,
      '/v1/metrics/events?from=yesterday',
      '/v1/metrics/events?filter=currency:EUR',
      '/v1/metrics/events?filter=purchase',
      '/v1/funnels?steps=product_view',
      '/v1/funnels?steps=a,b&windowSeconds=-1',
      '/v1/retention?period=month',
      '/v1/content?limit=0',
      '/v1/content?sort=loudness',
      '/v1/commerce/products?by=colour',
    ]) {
      const res = await fetch(`${url}${bad}`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status, bad).toBe(400);
      expect(((await res.json()) as { message: string }).message.length).toBeGreaterThan(10);
    }
  });

  it('finds an event by id and summarises a user', async () => {
    const get = (path: string) => fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    const one = recent[3] as AnalyticsEvent;
    const res = await get(`/v1/events/${one.eventId}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      eventId: one.eventId,
      event: one.event,
      userId: one.userId,
      timestamp: one.timestamp,
    });
    expect((await get('/v1/events/no-such-event')).status).toBe(404);
    const fromLake = await get(`/v1/events/${old.eventId}`);
    expect(await fromLake.json()).toMatchObject({
      eventId: old.eventId,
      source: 'lake',
      timestamp: old.timestamp,
    });
    const user = (await (await get('/v1/users/u5')).json()) as {
      events: number;
      byEvent: Record<string, number>;
      firstSeen: string;
    };
    const mine = [old, ...sealed, ...recent].filter((e) => e.userId === 'u5');
    expect(user.firstSeen).toBe(old.timestamp);
    expect(user.events).toBe(mine.length);
    expect(user.byEvent.page ?? 0).toBe(mine.filter((e) => e.event === 'page').length);
  });

  it("never shows a project another project's data", async () => {
    const other = await mintToken(config.auth.jwtSecret, { project: 'someone-else', scopes: ['read'] });
    for (const metric of ['events', 'active_users', 'revenue']) {
      const res = await fetch(
        `${url}/v1/metrics/${metric}?from=${new Date(base).toISOString()}&to=${new Date(base + 4 * HOUR).toISOString()}`,
        {
          headers: { authorization: `Bearer ${other}` },
        },
      );
      const answer = (await res.json()) as { value: number; buckets: unknown[] };
      expect(answer).toMatchObject({ value: 0, buckets: [] });
    }
    const forged = await mintToken('x'.repeat(40), { project: 'm', scopes: ['read'] });
    const res = await fetch(`${url}/v1/metrics/events`, { headers: { authorization: `Bearer ${forged}` } });
    expect(res.status).toBe(401);
  });

  it('splits at the watermark inside a range that straddles it, minute-exact', async () => {
    const from = base + 2 * HOUR + 30 * 60_000;
    const to = base + 3 * HOUR + 30 * 60_000;
    const expected = [...sealed, ...recent].filter(
      (e) => Date.parse(e.timestamp) >= from && Date.parse(e.timestamp) < to,
    ).length;
    const answer = await ask(from, to);
    expect(answer.parts.map((p) => p.source)).toEqual(['batch', 'speed']);
    expect(answer.value).toBe(expected);
  });
});

describe('serving: API documentation', () => {
  it('serves the OpenAPI document and Swagger UI at /docs, with every route in it', async () => {
    const config = isolatedConfig('docs');
    const clickhouse = createClickHouse(config);
    const { app, url } = await startServingApi({ config, clickhouse }, { host: '127.0.0.1', port: 0 });
    try {
      const ui = await fetch(`${url}/docs`);
      expect(ui.status).toBe(200);
      expect(await ui.text()).toContain('swagger-ui');
      const doc = (await (await fetch(`${url}/docs/openapi.json`)).json()) as {
        paths: Record<string, unknown>;
      };
      // Express's own route table: what the app really answers.
      const express = app.getHttpAdapter().getInstance() as {
        router: { stack: { route?: { path: string } }[] };
      };
      const routes = express.router.stack
        .map((l) => l.route?.path)
        .filter(
          (p): p is string =>
            p !== undefined && !p.startsWith('/docs') && p !== '/health' && !WEB_APP_PATHS.includes(p),
        )
        .map((p) => p.replace(/:(\w+)/g, '{$1}'));
      expect(routes.length).toBeGreaterThan(8);
      expect(Object.keys(doc.paths).sort()).toEqual([...new Set(routes)].sort());
    } finally {
      await app.close();
      await clickhouse.close();
    }
  });
});

describe('serving: hours neither layer can answer', () => {
  it('refuses with 503 and the backfill to run, rather than show unsealed hours beyond the speed horizon as zero', async () => {
    const config = isolatedConfig('unsealed');
    const clickhouse = createClickHouse(config);
    await applyClickHouseSchema(clickhouse, config.clickhouse.database);
    const old = Math.floor(Date.now() / HOUR) * HOUR - 72 * HOUR;
    await writeLake(
      config.lake.root,
      generateEvents(5, { start: old + 60_000, spreadMinutes: 10, projectId: 'u' }),
    );
    const { app, url } = await startServingApi({ config, clickhouse }, { host: '127.0.0.1', port: 0 });
    try {
      const token = await mintToken(config.auth.jwtSecret, { project: 'u', scopes: ['read'] });
      const ask = (from: number) =>
        fetch(`${url}/v1/metrics/events?from=${new Date(from).toISOString()}`, {
          headers: { authorization: `Bearer ${token}` },
        });
      const refused = await ask(old - HOUR);
      expect(refused.status).toBe(503);
      expect(((await refused.json()) as { message: string }).message).toContain(
        `./platform backfill --from ${new Date(old).toISOString()} --to ${new Date(old + HOUR).toISOString()}`,
      );
      // Within the speed horizon the speed view answers; and another project has no such hours.
      expect((await ask(Date.now() - 24 * HOUR)).status).toBe(200);
      const other = await mintToken(config.auth.jwtSecret, { project: 'v', scopes: ['read'] });
      const res = await fetch(`${url}/v1/metrics/events?from=${new Date(old - HOUR).toISOString()}`, {
        headers: { authorization: `Bearer ${other}` },
      });
      expect(res.status).toBe(200);
    } finally {
      await app.close();
      await clickhouse.close();
    }
  });
});
