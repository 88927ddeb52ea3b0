import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickHouseClient } from '@clickhouse/client';
import { BigQueryEngine } from '../../batch-layer/bigquery-engine';
import { hourInputs } from '../../batch-layer/hour-inputs';
import { createClickHouse } from '../../core/clickhouse/client';
import { EVENT_DIMENSIONS } from '../../core/events/dimensions';
import type { AnalyticsEvent } from '../../core/events/event';
import { hourViewKey } from '../../core/lake/layout';
import { LocalStorage } from '../../core/lake/local-storage';
import { publishHour } from '../../core/lake/views';
import { lakeEventReads } from '../../core/ops/operational-metrics';
import {
  binOf,
  DD_RELATIVE_ACCURACY,
  ddAdd,
  ddQuantile,
  exactQuantile,
  type DdSketch,
} from '../../core/sketches/ddsketch';
import { applyClickHouseSchema } from '../../speed-layer/schema';
import { BigQueryLakeReads } from '../../serving-layer/views/bigquery-lake-reads';
import { RawEventReader, type RawSpan } from '../../serving-layer/views/raw-event-reader';
import type { ValueBinRow, ValueSketchRequest } from '../../serving-layer/views/value-sketches';
import type { PropertyPick } from '../../serving-layer/views/raw-sql';
import { requireBigQuery } from '../helpers/bigquery';
import { trackEvent, writeLake } from '../helpers/lake';
import { addSpeedEvents } from '../helpers/seed-views';
import { isolatedConfig } from '../helpers/test-config';

const HOUR = 3_600_000;
// Recent hours: the speed view keeps events for its horizon (48 h) only.
const START = Math.floor(Date.now() / HOUR) * HOUR - 4 * HOUR;
const COUNTRIES = ['US', 'FR', 'BR', 'JP'];

/** What each order's total is: skewed prices, refunds below zero, zeros, integers, decimals, text. */
function totalOf(i: number): unknown {
  if (i % 97 === 0) return `${i}`; // a number as text: not a number, in every engine
  if (i % 41 === 0) return 0;
  if (i % 53 === 0) return -((i % 13) + 0.5);
  if (i % 7 === 0) return (i % 300) + 1; // whole
  return Math.round(Math.exp(1 + ((i * 7919) % 1000) / 180) * 100) / 100;
}

/**
 * 3,000 orders over three hours (one in 61 retried, so written twice to the lake), their totals
 * skewed over five decades, with refunds, zeros, text and none, from four countries.
 */
function orders(): AnalyticsEvent[] {
  return Array.from({ length: 3000 }, (_, i) => {
    const total = totalOf(i);
    return {
      ...trackEvent({
        eventId: `o-${i}`,
        projectId: 'p',
        event: i % 10 === 9 ? 'refund_seen' : 'purchase',
        userId: `u-${i % 700}`,
        at: START + ((i * 3571) % (3 * HOUR)),
        properties: i % 89 === 0 ? { order_id: `${i}` } : { order_id: `${i}`, total },
      }),
      context: { location: { country: COUNTRIES[i % 4] } },
    };
  });
}

/**
 * The engine conformance suite for insights: over the same events, DuckDB (the lake's files),
 * BigQuery (its loads of the hours, as its batch engine made them) and ClickHouse (the speed
 * view) give identical DDSketch bins per bucket and group, equal to the bins core/sketches/ddsketch.ts
 * gives in Node (so sketches of either side of the watermark merge, and a percentile is within
 * the sketch's stated error of the exact one whichever engine read it), and the same events with
 * the same values for the measures computed over them (count, sum, average, minimum, maximum;
 * unique persons' registers are held equal by engine-conformance-persons).
 */
describe('every insight kind is the same in every engine', () => {
  const config = isolatedConfig('engine-conformance-insights');
  const lake = new LocalStorage(config.lake.root);
  const events = orders();
  const span: RawSpan = {
    project: 'p',
    from: new Date(START),
    split: new Date(START + 3 * HOUR),
    to: new Date(START + 3 * HOUR),
  };
  const speedSpan: RawSpan = { ...span, split: span.from };
  let engine: BigQueryEngine;
  let clickhouse: ClickHouseClient;
  let duck: RawEventReader;
  let bq: RawEventReader;

  beforeAll(async () => {
    await requireBigQuery();
    await writeLake(config.lake.root, events, 'part-a');
    await writeLake(
      config.lake.root,
      events.filter((_, n) => n % 61 === 0),
      'part-retried',
    );
    engine = await BigQueryEngine.open(lake, config.batch.bigquery, { httpfs: config.lake.httpfs });
    for (const h of [START, START + HOUR, START + 2 * HOUR]) {
      const hour = new Date(h).toISOString();
      const inputs = await hourInputs(lake, hour);
      const view = await engine.hourView({ hour: new Date(h), dir: hourViewKey(hour), version: 'v1' });
      await publishHour(lake, { hour, version: 'v1', ...view, computedAt: new Date().toISOString(), inputs });
    }
    clickhouse = createClickHouse(config);
    await applyClickHouseSchema(clickhouse, config.clickhouse.database);
    await addSpeedEvents(config, clickhouse, events);
    duck = new RawEventReader(clickhouse, config.clickhouse.database, lake);
    bq = new RawEventReader(
      clickhouse,
      config.clickhouse.database,
      lake,
      BigQueryLakeReads.open(config.batch.bigquery),
    );
  }, 180_000);
  afterAll(async () => {
    engine?.close();
    duck?.close();
    bq?.close();
    await clickhouse?.close();
  });

  const total = { in: 'properties', path: ['total'] } as const;
  const country = { in: 'context', path: EVENT_DIMENSIONS.country } as const;
  const bins = async (reader: RawEventReader, s: RawSpan, q: ValueSketchRequest) =>
    (await reader.valueSketches(s, q)).flatMap((l) => l.rows.map((r) => r.join('|'))).sort();
  const counts = async () => {
    const m = await lakeEventReads.get();
    const of = (engine: string) => m.values.find((v) => v.labels.engine === engine)?.value ?? 0;
    return { bigquery: of('bigquery'), duckdb: of('duckdb') };
  };

  /** The bins Node gives for the same events: each id once, JSON numbers only. */
  const truth = (q: { events?: string[]; byCountry?: boolean }) => {
    const seen = new Map<string, AnalyticsEvent>();
    for (const e of events) if (!q.events || q.events.includes(e.event)) seen.set(e.eventId, e);
    const rows = new Map<string, number>();
    for (const e of seen.values()) {
      const x = e.properties.total;
      if (typeof x !== 'number') continue;
      const at = Date.parse(e.timestamp);
      const b = binOf(x);
      const g = q.byCountry
        ? JSON.stringify((e.context as { location: { country: string } }).location.country)
        : '';
      const k = [Math.floor(at / HOUR) * HOUR, g, b.sign, b.index].join('|');
      rows.set(k, (rows.get(k) ?? 0) + 1);
    }
    return [...rows].map(([k, n]) => `${k}|${n}`).sort();
  };

  it('per hour: DuckDB, BigQuery and ClickHouse give the bins Node gives', async () => {
    const q = { stepMs: HOUR, events: ['purchase'], value: total };
    const expected = truth({ events: ['purchase'] });
    expect(expected.length).toBeGreaterThan(400);
    const before = await counts();
    const fromBigQuery = await bins(bq, span, q);
    const after = await counts();
    expect(after.bigquery).toBeGreaterThan(before.bigquery);
    expect(await bins(duck, span, q)).toEqual(expected);
    expect(fromBigQuery).toEqual(expected);
    expect(await bins(duck, speedSpan, q)).toEqual(expected);
  }, 120_000);

  it('per hour and country, over every event: the same in the three engines', async () => {
    const q = { stepMs: HOUR, value: total, group: country };
    const expected = truth({ byCountry: true });
    const [d, b, c] = [await bins(duck, span, q), await bins(bq, span, q), await bins(duck, speedSpan, q)];
    expect(d).toEqual(expected);
    expect(b).toEqual(expected);
    expect(c).toEqual(expected);
  }, 120_000);

  it('the events each insight reads: the same values from DuckDB, BigQuery and ClickHouse', async () => {
    // What a scan reads (event-scan.ts): each event once, with its property and dimension values.
    const pick: PropertyPick = {
      events: undefined,
      props: ['total'],
      paths: [country, { in: 'properties', path: ['order_id'] }],
    };
    const read = async (reader: RawEventReader, s: RawSpan) =>
      (await reader.propertyEvents(s, pick))
        .map(([actor, event, at, ...raws]) =>
          JSON.stringify([actor, event, at, ...raws.map((r) => (r === null ? null : JSON.parse(r)))]),
        )
        .sort();
    const before = await counts();
    const b = await read(bq, span);
    expect((await counts()).bigquery).toBeGreaterThan(before.bigquery);
    const d = await read(duck, span);
    const c = await read(duck, speedSpan);
    expect(d.length).toBe(3000);
    expect(b).toEqual(d);
    expect(c).toEqual(d);
    // Every measure over them, per hour and country, is then the same whichever engine read.
    const tallies = (rows: string[]) => {
      const out = new Map<string, { n: number; sum: number; min: number; max: number }>();
      for (const row of rows) {
        const [, event, at, total, where] = JSON.parse(row) as [string, string, number, unknown, unknown];
        if (event !== 'purchase' || typeof total !== 'number') continue;
        const k = `${Math.floor(at / HOUR)}|${String(where)}`;
        const t = out.get(k) ?? { n: 0, sum: 0, min: Infinity, max: -Infinity };
        out.set(k, {
          n: t.n + 1,
          sum: t.sum + total,
          min: Math.min(t.min, total),
          max: Math.max(t.max, total),
        });
      }
      return Object.fromEntries([...out].sort());
    };
    expect(Object.keys(tallies(d)).length).toBe(12);
    expect(tallies(b)).toEqual(tallies(d));
    expect(tallies(c)).toEqual(tallies(d));
  }, 120_000);

  it("the merged engines' sketch reads p50, p90 and p99 within the stated error", async () => {
    // The first hour from the lake (BigQuery), the rest from the speed view: one sketch.
    const parts = await bq.valueSketches(
      { ...span, split: new Date(START + HOUR) },
      { stepMs: 3 * HOUR, value: total },
    );
    const sketch: DdSketch = new Map();
    for (const [, , sign, index, n] of parts.flatMap((p) => p.rows) as ValueBinRow[])
      ddAdd(sketch, sign, index, n);
    const values = [...new Map(events.map((e) => [e.eventId, e.properties.total])).values()].filter(
      (x): x is number => typeof x === 'number',
    );
    for (const p of [0.5, 0.9, 0.99]) {
      const exact = exactQuantile(values, p)!;
      expect(Math.abs(ddQuantile(sketch, p)! - exact)).toBeLessThanOrEqual(
        Math.abs(exact) * DD_RELATIVE_ACCURACY,
      );
    }
  }, 120_000);
});
