import { DuckDBInstance } from '@duckdb/node-api';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClickHouse } from '../../core/clickhouse/client';
import { hllEstimate, hllRegister } from '../../core/sketches/hll';
import { HOUR, iso, startLateStack, twoHours } from '../helpers/late-stack';
import { connectSdk } from '../helpers/segment-sdk';
import { requireServices } from '../helpers/test-config';
import { waitFor } from '../helpers/wait-for';
import { metricAsker } from '../helpers/metric-asker';

const MINUTE = 60_000;

/** Known addresses and where the bundled DB-IP City Lite places them. */
const PLACES = [
  { ip: '81.2.69.142', country: 'GB', city: 'London' },
  { ip: '193.51.224.1', country: 'FR', city: 'Paris' },
  { ip: '8.8.8.8', country: 'US', city: 'Mountain View' },
  { ip: '2a00:1450:4001::1', country: 'DE', city: 'Frankfurt am Main' },
  { ip: '133.242.0.3', country: 'JP', city: 'Chiyoda City' },
];
const DEVICES = [
  {
    type: 'mobile',
    browser: 'Mobile Safari',
    ua: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  },
  {
    type: 'desktop',
    browser: 'Chrome',
    ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  },
  {
    type: 'tablet',
    browser: 'Mobile Safari',
    ua: 'Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  },
];
const SOURCES = ['google', 'newsletter', undefined];
const REFERRERS = ['https://news.ycombinator.com/item?id=1', 'https://www.google.com/', undefined];

interface Sent {
  user: string;
  at: number;
  country: string;
  city: string;
  device: string;
  browser: string;
  source: string;
  referrer: string;
}

/**
 * Enrichment at ingest and event dimensions, through the whole platform: page views sent by the
 * Segment SDK from known addresses and devices, with campaigns and referrers, on both sides of the
 * batch watermark; every metric grouped or filtered by country, city, device, browser, campaign
 * and referrer equals the truth computed here; no stored event, view or speed table holds an
 * address.
 */
describe('event dimensions', () => {
  let s: Awaited<ReturnType<typeof startLateStack>>;
  const project = `dims${Date.now().toString(36)}`;
  beforeAll(async () => {
    await requireServices();
    s = await startLateStack(project);
  }, 120_000);
  afterAll(async () => s?.stop());

  it('groups and filters any metric by place, device, campaign and referrer, in both layers', async () => {
    const { from, to, after } = await twoHours();
    const { analytics, failures } = await connectSdk(s.config, s.urls.ingest as string, project);
    const sent: Sent[] = [];
    for (let i = 0; i < 30; i++) {
      const place = PLACES[i % PLACES.length]!;
      const device = DEVICES[i % DEVICES.length]!;
      const source = SOURCES[i % SOURCES.length];
      const referrer = REFERRERS[Math.floor(i / 3) % REFERRERS.length];
      const user = `u-${i}`;
      const times = [from + 5 * MINUTE + i * 1000, from + 35 * MINUTE + i * 1000, after(0.3) + i * 10];
      if (i % 2 === 0) times.push(after(0.7) + i * 10);
      for (const at of times) {
        analytics.page({
          userId: user,
          name: 'home',
          timestamp: new Date(at),
          context: {
            ip: place.ip,
            userAgent: device.ua,
            page: {
              url: `https://shop.example/home${source ? `?utm_source=${source}&utm_medium=email` : ''}`,
              ...(referrer ? { referrer } : {}),
            },
          },
        });
        sent.push({
          user,
          at,
          country: place.country,
          city: place.city,
          device: device.type,
          browser: device.browser,
          source: source ?? '(none)',
          referrer: referrer ? new URL(referrer).hostname.replace(/^www\./, '') : '(none)',
        });
      }
    }
    await analytics.closeAndFlush({ timeout: 60_000 });
    expect(failures).toEqual([]);
    await waitFor(s.inLake, (n) => n === sent.length, { timeoutMs: 120_000, intervalMs: 500 });
    await s.seal(from);

    const { get, poll } = await metricAsker(s, project);
    const range = `from=${iso(from)}&to=${iso(to)}`;
    const totals = (rows: Sent[], key: (e: Sent) => string) => {
      const m = new Map<string, number>();
      for (const e of rows) m.set(key(e), (m.get(key(e)) ?? 0) + 1);
      return Object.fromEntries([...m].sort());
    };

    const q = (params: string) => `/v1/metrics/page_views?${range}&granularity=day&${params}`;
    await poll(
      q('groupBy=country'),
      totals(sent, (e) => e.country),
    );
    await poll(
      q('groupBy=city'),
      totals(sent, (e) => e.city),
    );
    await poll(
      q('groupBy=device_type'),
      totals(sent, (e) => e.device),
    );
    await poll(
      q('groupBy=browser'),
      totals(sent, (e) => e.browser),
    );
    await poll(
      q('groupBy=utm_source'),
      totals(sent, (e) => e.source),
    );
    await poll(
      q('groupBy=utm_medium'),
      totals(sent, (e) => (e.source === '(none)' ? '(none)' : 'email')),
    );
    await poll(
      q('groupBy=referrer_domain'),
      totals(sent, (e) => e.referrer),
    );

    // Filters: several dimensions at once, each any of its values; per hour, split at the watermark.
    const kept = sent.filter((e) => ['GB', 'DE'].includes(e.country) && e.device !== 'desktop');
    const perHour = totals(kept, (e) => iso(Math.floor(e.at / HOUR) * HOUR));
    await poll(
      `/v1/metrics/page_views?${range}&granularity=hour&filter=${encodeURIComponent('country:GB,DE;device_type:mobile,tablet')}`,
      perHour,
      (b) => Object.fromEntries(b.buckets.map((c) => [c.start, c.value])),
    );
    // Events without a campaign are asked for as '(none)'.
    const noCampaign = sent.filter((e) => e.source === '(none)' && e.country === 'FR').length;
    await poll(q(`filter=${encodeURIComponent('utm_source:(none);country:FR')}`), { '': noCampaign });

    // A unique count by an event dimension: the same sketch as the truth's users per device.
    const uniques = (rows: Sent[]) => {
      const regs = new Map<number, number>();
      for (const e of rows) {
        const r = hllRegister(e.user);
        if ((regs.get(r.reg) ?? 0) < r.rank) regs.set(r.reg, r.rank);
      }
      return Math.round(hllEstimate(regs));
    };
    // Per UTC day and device: a unique count's day buckets do not add up (the sealed hour and
    // this one fall on two days when the test runs just after midnight).
    const DAY = 86_400_000;
    const cells = [...new Set(sent.map((e) => `${iso(Math.floor(e.at / DAY) * DAY)}|${e.device}`))].sort();
    await poll(
      `/v1/metrics/active_users?${range}&granularity=day&groupBy=device_type`,
      Object.fromEntries(
        cells.map((k) => [
          k,
          uniques(sent.filter((e) => `${iso(Math.floor(e.at / DAY) * DAY)}|${e.device}` === k)),
        ]),
      ),
      (b) => Object.fromEntries(b.buckets.map((c) => [`${c.start}|${c.dim ?? ''}`, c.value]).sort()),
    );

    // A dimension no event carries and a value no event holds are refused or empty, never a 5xx.
    const bad = await get(q('groupBy=planet'));
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/can be grouped by 'path', 'device_type'.*not 'planet'/);
    const badFilter = await get(q('filter=planet:mars'));
    expect(badFilter.status).toBe(400);
    expect(badFilter.body.message).toMatch(/filtered by .*'country'.*not 'planet'/);
    expect((await get(q('filter=country:ZZ'))).body.value).toBe(0);

    // No stored event, view or speed table holds an address: the lake's files (Parquet read as
    // rows, the rest as text) and every table of the speed view.
    const ips = PLACES.map((p) => p.ip);
    const duck = await (await DuckDBInstance.create(':memory:')).connect();
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const f of readdirSync(dir)) {
        const p = join(dir, f);
        if (statSync(p).isDirectory()) walk(p);
        else files.push(p);
      }
    };
    walk(s.config.lake.root);
    expect(files.filter((f) => f.endsWith('.parquet')).length).toBeGreaterThan(0);
    for (const f of files) {
      const text = f.endsWith('.parquet')
        ? JSON.stringify((await duck.runAndReadAll(`SELECT * FROM read_parquet('${f}')`)).getRowsJson())
        : readFileSync(f, 'utf8');
      for (const ip of ips) expect(text.includes(ip), `${ip} in ${f}`).toBe(false);
    }
    const ch = createClickHouse(s.config);
    try {
      const db = s.config.clickhouse.database;
      const tables = await (
        await ch.query({
          query: 'SELECT name FROM system.tables WHERE database = {db:String}',
          query_params: { db },
          format: 'JSONEachRow',
        })
      ).json<{ name: string }>();
      expect(tables.map((t) => t.name)).toContain('speed_events');
      for (const { name } of tables) {
        const rows = await (
          await ch.query({
            query: 'SELECT * FROM {db:Identifier}.{t:Identifier}',
            query_params: { db, t: name },
            format: 'JSONEachRow',
          })
        ).text();
        for (const ip of ips) expect(rows.includes(ip), `${ip} in ${name}`).toBe(false);
      }
      const stored = await (
        await ch.query({
          query: 'SELECT count() AS n FROM {db:Identifier}.speed_events WHERE project_id = {p:String}',
          query_params: { db, p: project },
          format: 'JSONEachRow',
        })
      ).json<{ n: string }>();
      expect(Number(stored[0]?.n)).toBeGreaterThan(0);
    } finally {
      await ch.close();
    }
  }, 300_000);
});
