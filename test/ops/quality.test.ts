import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ParquetWriter } from '../../batch-layer/parquet-writer';
import { startRoles, type RunningRoles } from '../../cli/roles';
import { mintToken } from '../../core/auth/jwt';
import type { Config } from '../../core/config/config';
import type { AnalyticsEvent } from '../../core/events/event';
import { partitionKey, partitionOf } from '../../core/lake/layout';
import { LocalStorage } from '../../core/lake/local-storage';
import { key } from '../../core/lake/storage';
import { createLogger } from '../../core/log';
import { parsePromText } from '../../core/ops/prometheus-text';
import { trackEvent, writeLake } from '../helpers/lake';
import { isolatedConfig, requireServices } from '../helpers/test-config';

const HOUR = 3_600_000;
const WEEK = 7 * 24 * HOUR;

/**
 * Data quality over a generated lake with known anomalies (a burst, a stream that stopped),
 * duplicates (retried copies) and late arrivals: every figure of GET /v1/quality equals the truth.
 */
describe('data quality', () => {
  let config: Config;
  let roles: RunningRoles;
  const project = `quality-${Date.now().toString(36)}`;
  // The range ends with the last complete hour: the one the Prometheus gauges describe.
  const to = Math.floor(Date.now() / HOUR) * HOUR;
  const from = to - 6 * HOUR;
  const sent: AnalyticsEvent[] = [];
  const duplicated: AnalyticsEvent[] = [];
  let seq = 0;
  let x = 3;
  const rnd = () => (x = (x * 48271) % 2147483647) / 2147483647;
  const event = (name: string, at: number, delayMs = 1000) => {
    const e = trackEvent({
      eventId: `q-${seq++}`,
      projectId: project,
      event: name,
      userId: `u${seq % 50}`,
      at,
      properties: {},
    });
    return { ...e, receivedAt: new Date(at + delayMs).toISOString() };
  };
  /** The counts sent per (event, hour), the truth's input for volume. */
  const counts = new Map<string, number>();
  const volume = (name: string, hour: number) => {
    if (hour >= from && hour < to && name === 'page' && hour === from + 2 * HOUR) return 400; // a burst
    if (hour >= from && hour < to && name === 'purchase' && hour === from + 5 * HOUR) return 0; // stopped
    return name === 'page' ? 90 + Math.floor(rnd() * 20) : 18 + Math.floor(rnd() * 5);
  };

  beforeAll(async () => {
    await requireServices();
    config = isolatedConfig('quality');
    for (let w = 4; w >= 0; w--)
      for (let h = 0; h < 6; h++) {
        const hour = from - w * WEEK + h * HOUR;
        for (const name of ['page', 'purchase']) {
          const n = volume(name, hour);
          counts.set(`${name}|${hour}`, n);
          for (let i = 0; i < n; i++) sent.push(event(name, hour + Math.floor((i * HOUR) / Math.max(n, 1))));
        }
      }
    // In the range: 12 purchases arrive after their hour ended, 15 page views are stored twice.
    const inRange = sent.filter((e) => Date.parse(e.timestamp) >= from);
    const purchases = inRange.filter((e) => e.event === 'purchase').slice(0, 12);
    for (const p of purchases)
      p.receivedAt = new Date(Math.floor(Date.parse(p.timestamp) / HOUR) * HOUR + HOUR + 5_000).toISOString();
    duplicated.push(...inRange.filter((e) => e.event === 'page').slice(0, 15));
    // Clocks: page views say when they were sent; 30 come from clients five minutes ahead, 20 from
    // clients two minutes behind, the rest from true clocks. Purchases carry no sentAt.
    const pages = inRange.filter((e) => e.event === 'page');
    for (const [i, p] of pages.entries()) {
      const skew = i < 30 ? 300_000 : i < 50 ? -120_000 : 0;
      p.sentAt = new Date(Date.parse(p.receivedAt) + skew).toISOString();
    }
    await writeLake(config.lake.root, sent, 'part-a');
    await writeLake(config.lake.root, duplicated, 'part-retry');
    // Quarantined records of the range: two reasons.
    const writer = await ParquetWriter.open(new LocalStorage(config.lake.root));
    const q = (reason: string, at: number, offset: number) => ({
      projectId: project,
      reason,
      receivedAt: new Date(at).toISOString(),
      raw: { bad: true },
      topic: 'q',
      partition: 0,
      offset: String(offset),
    });
    const records = [
      ...Array.from({ length: 5 }, (_, i) => q('userId or anonymousId is required', from + HOUR + i, i)),
      ...Array.from({ length: 3 }, (_, i) =>
        q('properties.total_amount must be number', from + HOUR + 10 + i, 5 + i),
      ),
    ];
    await writer.writeQuarantine(
      key(
        partitionKey('quarantine', partitionOf(project, new Date(from + HOUR).toISOString())),
        'part-q.parquet',
      ),
      records,
    );
    writer.close();
    roles = await startRoles(['serve'], config, createLogger({ test: 'quality' }, 'error'));
  }, 120_000);
  afterAll(async () => roles?.stop());

  it('equals the truth: anomalies, duplicates, late share, quarantine', async () => {
    const token = await mintToken(config.auth.jwtSecret, { project, scopes: ['read'] });
    const res = await fetch(
      `${roles.urls.api}/v1/quality?from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`,
      {
        headers: { authorization: `Bearer ${token}` },
      },
    );
    expect(res.status).toBe(200);
    const q = (await res.json()) as {
      events: {
        event: string;
        events: number;
        duplicates: number;
        late: number;
        lateShare: number;
        delaySeconds: { p50: number };
        clockSkew: {
          measured: number;
          seconds: { p1: number; p50: number; p99: number; maxAbs: number };
          beyondMinuteShare: number;
        };
      }[];
      anomalies: { event: string; hour: string; count: number; direction: string; band: [number, number] }[];
      quarantine: { total: number; rate: number; reasons: { reason: string; count: number }[] };
    };
    const total = (name: string) => {
      let n = 0;
      for (let h = from; h < to; h += HOUR) n += counts.get(`${name}|${h}`) ?? 0;
      return n;
    };
    expect(q.events.map((e) => [e.event, e.events, e.duplicates, e.late])).toEqual([
      ['page', total('page'), 15, 0],
      ['purchase', total('purchase'), 0, 12],
    ]);
    expect(q.events[1]?.lateShare).toBeCloseTo(12 / total('purchase'), 12);
    expect(q.events[0]?.delaySeconds.p50).toBe(1);
    const pageCount = total('page');
    expect(q.events[0]?.clockSkew).toEqual({
      measured: pageCount,
      seconds: { p1: -120, p50: 0, p99: 300, maxAbs: 300 },
      beyondMinuteShare: 50 / pageCount,
    });
    expect(q.events[1]?.clockSkew.measured).toBe(0);
    // The truth's anomalies: each hour of the range against the same hour of the 4 weeks before.
    const expected: { event: string; hour: string; count: number; direction: string }[] = [];
    for (const name of ['page', 'purchase'])
      for (let h = from; h < to; h += HOUR) {
        const base = [1, 2, 3, 4].map((w) => counts.get(`${name}|${h - w * WEEK}`) as number);
        const count = counts.get(`${name}|${h}`) as number;
        const [low, high] = [0.5 * Math.min(...base), 1.5 * Math.max(...base)];
        if (count < low || count > high)
          expected.push({
            event: name,
            hour: new Date(h).toISOString(),
            count,
            direction: count > high ? 'high' : 'low',
          });
      }
    expect(expected).toEqual([
      { event: 'page', hour: new Date(from + 2 * HOUR).toISOString(), count: 400, direction: 'high' },
      { event: 'purchase', hour: new Date(from + 5 * HOUR).toISOString(), count: 0, direction: 'low' },
    ]);
    expect(
      q.anomalies.map(({ event, hour, count, direction }) => ({ event, hour, count, direction })),
    ).toEqual(expected);
    expect(q.quarantine.total).toBe(8);
    expect(q.quarantine.reasons).toEqual([
      { reason: 'userId or anonymousId is required', count: 5 },
      { reason: 'properties.total_amount must be number', count: 3 },
    ]);
    expect(q.quarantine.rate).toBeCloseTo(8 / (8 + total('page') + total('purchase')), 12);

    // The last complete hour's figures, as Prometheus gauges on the serving process's ops port:
    // the same as the API's answer for that hour, and the stopped purchases an anomaly.
    const last = await fetch(
      `${roles.urls.api}/v1/quality?from=${new Date(to - HOUR).toISOString()}&to=${new Date(to).toISOString()}`,
      { headers: { authorization: `Bearer ${token}` } },
    );
    const hour = (await last.json()) as typeof q;
    const samples = parsePromText(await (await fetch(`${roles.urls.ops}/metrics`)).text()).filter(
      (x) => x.name.startsWith('data_quality_') && x.labels.project === project,
    );
    const gauge = (name: string, labels: Record<string, string>) =>
      samples.find((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v))
        ?.value;
    const page = hour.events.find((e) => e.event === 'page');
    expect(page?.events).toBe(counts.get(`page|${to - HOUR}`));
    expect(gauge('data_quality_events', { event: 'page' })).toBe(page?.events);
    expect(gauge('data_quality_events', { event: 'purchase' })).toBe(0);
    expect(gauge('data_quality_volume_anomaly', { event: 'purchase' })).toBe(-1);
    expect(gauge('data_quality_volume_anomaly', { event: 'page' })).toBe(0);
    expect(gauge('data_quality_duplicate_ratio', { event: 'page' })).toBe(0);
    expect(gauge('data_quality_late_ratio', { event: 'page' })).toBe(0);
    expect(gauge('data_quality_clock_skew_seconds', { event: 'page', quantile: '0.5' })).toBe(0);
    expect(gauge('data_quality_quarantine_ratio', {})).toBe(0);
  }, 60_000);
});
