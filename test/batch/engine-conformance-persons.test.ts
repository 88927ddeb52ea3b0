import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BigQueryEngine } from '../../batch-layer/bigquery-engine';
import { hourInputs } from '../../batch-layer/hour-inputs';
import { EVENT_DIMENSIONS } from '../../core/events/dimensions';
import type { AnalyticsEvent } from '../../core/events/event';
import { hourViewKey } from '../../core/lake/layout';
import { LocalStorage } from '../../core/lake/local-storage';
import { publishHour } from '../../core/lake/views';
import { lakeEventReads } from '../../core/ops/operational-metrics';
import { IdentityGraph } from '../../core/persons/identity';
import { BigQueryLakeReads } from '../../serving-layer/views/bigquery-lake-reads';
import { lakeRuns } from '../../serving-layer/views/bigquery-loads';
import { joinParts } from '../../serving-layer/query/sessions';
import { RawEventReader, type RawSpan } from '../../serving-layer/views/raw-event-reader';
import { requireBigQuery } from '../helpers/bigquery';
import { writeLake } from '../helpers/lake';
import { isolatedConfig } from '../helpers/test-config';

const HOUR = 3_600_000;
const START = Date.parse('2026-03-03T07:00:00Z');
const HOURS = [START, START + HOUR, START + 2 * HOUR];
const MIN = 60_000;

/** A call as the collector stores it, straight into the lake. */
function call(e: {
  id: string;
  type: 'page' | 'track' | 'identify' | 'alias';
  event?: string;
  userId?: string | null;
  anonymousId?: string | null;
  at: number;
  properties?: Record<string, unknown>;
  context?: Record<string, unknown>;
}): AnalyticsEvent {
  const time = new Date(e.at).toISOString();
  return {
    eventId: e.id,
    projectId: 'p',
    type: e.type,
    event: e.event ?? e.type,
    userId: e.userId ?? null,
    anonymousId: e.anonymousId ?? null,
    timestamp: time,
    originalTimestamp: time,
    sentAt: time,
    receivedAt: time,
    properties: e.properties ?? {},
    context: e.context ?? {},
    schema: null,
  };
}

const COUNTRIES = ['US', 'FR', 'BR', 'JP'];
const CITIES = ['Austin', 'Lyon', 'São Paulo', 'Ōsaka'];

/**
 * 400 people over three hours: each browses anonymously on a device (and some on a second one),
 * two in three identify on each device, one in five was known by an older id (aliased), one in
 * ten shares its second device with the next person, who signs in on it too. Visits are cut by
 * gaps of 10 to 50 minutes (some sessions cross an hour), pages carry a path or none, some calls
 * are retried (written twice), and the context carries place and campaign.
 */
function people(): AnalyticsEvent[] {
  const out: AnalyticsEvent[] = [];
  for (let i = 0; i < 400; i++) {
    const device = `dev-${i}`;
    const second = i % 10 === 0 ? `dev-${i + 1}-b` : i % 3 === 0 ? `dev-${i}-b` : undefined;
    const user = i % 3 !== 2 ? `user-${i}` : null;
    const context = {
      location: { country: COUNTRIES[i % 4], city: CITIES[i % 4] },
      campaign: i % 5 === 0 ? { name: `spring-${i % 3}`, source: 'news' } : undefined,
    };
    let at = START + ((i * 7919) % 40) * MIN;
    for (let k = 0; k < 12; k++) {
      const onSecond = second !== undefined && k % 4 === 3;
      const page = k % 3 !== 2;
      out.push(
        call({
          id: `e-${i}-${k}`,
          type: page ? 'page' : 'track',
          event: page ? 'page' : k % 2 === 0 ? 'video_play' : 'add_to_cart',
          anonymousId: onSecond ? second : device,
          userId: k >= 6 ? user : null,
          at,
          properties: page && k % 5 !== 4 ? { path: `/p${(i + k) % 7}` } : {},
          context,
        }),
      );
      at += ((i + k * 13) % 5) * 10 * MIN + 3 * MIN;
      if (at >= START + 3 * HOUR) break;
    }
    if (user) {
      out.push(
        call({ id: `id-${i}`, type: 'identify', userId: user, anonymousId: device, at: START + 20 * MIN }),
      );
      if (second)
        out.push(
          call({ id: `id2-${i}`, type: 'identify', userId: user, anonymousId: second, at: START + 70 * MIN }),
        );
    }
    if (i % 5 === 0 && user) {
      out.push(call({ id: `old-${i}`, type: 'page', userId: `old-${i}`, at: START + 5 * MIN, context }));
      out.push(
        call({
          id: `al-${i}`,
          type: 'alias',
          userId: user,
          at: START + 100 * MIN,
          properties: { previousId: `old-${i}` },
        }),
      );
    }
  }
  return out;
}

/**
 * The engine conformance suite for persons and sessions: over the same lake hours, BigQuery (its
 * loads of the hours, as its batch engine made them) and DuckDB (the lake's files) give the same
 * persons' HyperLogLog registers per bucket and the same sessions (times, events, pages, entry and
 * exit paths, place and campaign of their first event), with ids taken to persons by the same
 * identity graph. The serving layer reads BigQuery only while its loads hold every hour whole: a
 * late file sends the hours back to DuckDB, with the late event in the answer.
 */
describe('persons and sessions are the same in every batch engine', () => {
  const root = mkdtempSync(join(tmpdir(), 'engine-conformance-persons-'));
  const lake = new LocalStorage(root);
  const config = isolatedConfig('engine-conformance-persons');
  const events = people();
  let engine: BigQueryEngine;
  let duck: RawEventReader;
  let bq: RawEventReader;
  let persons: { ids: string[]; persons: string[] };
  const span: RawSpan = {
    project: 'p',
    from: new Date(START),
    split: new Date(START + 3 * HOUR),
    to: new Date(START + 3 * HOUR),
  };
  const context = [EVENT_DIMENSIONS.country, EVENT_DIMENSIONS.city, EVENT_DIMENSIONS.utm_campaign];

  beforeAll(async () => {
    await requireBigQuery();
    await writeLake(root, events, 'part-a');
    // Retried calls: the archiver wrote some twice.
    await writeLake(
      root,
      events.filter((_, n) => n % 17 === 0),
      'part-retried',
    );
    engine = await BigQueryEngine.open(lake, config.batch.bigquery, { httpfs: config.lake.httpfs });
    for (const h of HOURS) {
      const hour = new Date(h).toISOString();
      const inputs = await hourInputs(lake, hour);
      const view = await engine.hourView({ hour: new Date(h), dir: hourViewKey(hour), version: 'v1' });
      expect(view.loads?.p).toBeDefined();
      await publishHour(lake, { hour, version: 'v1', ...view, computedAt: new Date().toISOString(), inputs });
    }
    duck = new RawEventReader(undefined as never, 'unused', lake);
    bq = new RawEventReader(
      undefined as never,
      'unused',
      lake,
      BigQueryLakeReads.open(config.batch.bigquery),
    );
    persons = IdentityGraph.of(await duck.identityCalls(span)).joined();
  }, 180_000);
  afterAll(() => {
    engine?.close();
    duck?.close();
    bq?.close();
  });

  /** Reads with `reader`, saying which engine read the lake. */
  const readBy = async <T>(reader: RawEventReader, read: (r: RawEventReader) => Promise<T>) => {
    const before = await engineCounts();
    const out = await read(reader);
    const after = await engineCounts();
    return {
      out,
      engine:
        after.bigquery > before.bigquery ? 'bigquery' : after.duckdb > before.duckdb ? 'duckdb' : 'none',
    };
  };
  const registers = (r: RawEventReader) =>
    r
      .personRegisters(span, { stepMs: HOUR, persons })
      .then((layers) => layers.flatMap((l) => l.rows.map((row) => `${l.layer}:${row.join(':')}`)).sort());
  const sessions = (r: RawEventReader) =>
    r
      .sessionParts(span, { timeoutMs: 30 * MIN, context, persons })
      .then((layers) => layers.flatMap((l) => l.rows.map((s) => JSON.stringify([l.layer, s]))).sort());

  it('the graph joins ids into persons (the data is what the test says)', () => {
    expect(persons.ids.length).toBeGreaterThan(300);
    expect(new Set(persons.persons).size).toBeGreaterThan(200);
  });

  it("persons' registers per hour: BigQuery's equal DuckDB's", async () => {
    const d = await readBy(duck, registers);
    const b = await readBy(bq, registers);
    expect(d.engine).toBe('duckdb');
    expect(b.engine).toBe('bigquery');
    expect(d.out.length).toBeGreaterThan(500);
    expect(b.out).toEqual(d.out);
  }, 120_000);

  it('unique ids when no id is joined to another', async () => {
    const none = { ids: [], persons: [] };
    const read = (r: RawEventReader) =>
      r
        .personRegisters(span, { stepMs: HOUR, persons: none })
        .then((layers) => layers.flatMap((l) => l.rows.map((row) => row.join(':'))).sort());
    const b = await readBy(bq, read);
    expect(b.engine).toBe('bigquery');
    expect(b.out).toEqual(await read(duck));
    const s = await bq.sessionParts(span, { timeoutMs: 30 * MIN, context: [], persons: none });
    const d = await duck.sessionParts(span, { timeoutMs: 30 * MIN, context: [], persons: none });
    expect(s.flatMap((l) => l.rows).length).toBeGreaterThan(1000);
    expect(s.flatMap((l) => l.rows.map((x) => JSON.stringify(x))).sort()).toEqual(
      d.flatMap((l) => l.rows.map((x) => JSON.stringify(x))).sort(),
    );
  }, 120_000);

  it('unique persons of some events only, per day', async () => {
    const read = (r: RawEventReader) =>
      r
        .personRegisters(span, { stepMs: 24 * HOUR, events: ['video_play', 'alias'], persons })
        .then((layers) => layers.flatMap((l) => l.rows.map((row) => row.join(':'))).sort());
    const d = await readBy(duck, read);
    const b = await readBy(bq, read);
    expect(b.engine).toBe('bigquery');
    expect(d.out.length).toBeGreaterThan(100);
    expect(b.out).toEqual(d.out);
  }, 120_000);

  it('sessions per person: BigQuery cuts the same sessions as DuckDB', async () => {
    const d = await readBy(duck, sessions);
    const b = await readBy(bq, sessions);
    expect(b.engine).toBe('bigquery');
    const parsed = d.out.map(
      (s) =>
        (
          JSON.parse(s) as [
            string,
            { events: number; start: number; end: number; entryPath: string | null; dims: (string | null)[] },
          ]
        )[1],
    );
    expect(parsed.length).toBeGreaterThan(600);
    // What the data holds: sessions crossing an hour, pages without a path, places and campaigns.
    expect(parsed.some((s) => Math.floor(s.start / HOUR) !== Math.floor(s.end / HOUR))).toBe(true);
    expect(parsed.some((s) => s.entryPath === null)).toBe(true);
    expect(parsed.some((s) => s.dims[1] === '"São Paulo"')).toBe(true);
    expect(parsed.some((s) => s.dims[2] === '"spring-1"')).toBe(true);
    expect(b.out).toEqual(d.out);
  }, 120_000);

  it('a late file: its hour is read by DuckDB, the others still by BigQuery, the sessions across them joined', async () => {
    const late = call({
      id: 'late-1',
      type: 'page',
      anonymousId: 'late-device',
      at: START + HOUR + 30 * MIN,
      properties: { path: '/late' },
    });
    const lakePart = { project: 'p', from: span.from, to: span.split };
    const held = (runs: Awaited<ReturnType<typeof lakeRuns>>) =>
      runs.map((r) => [r.from.getTime(), r.to.getTime(), r.loads?.length ?? 0]);
    expect(held(await lakeRuns(lake, lakePart))).toEqual([[START, START + 3 * HOUR, 3]]);
    const whole = (r: RawEventReader) =>
      r.sessionParts(span, { timeoutMs: 30 * MIN, context, persons }).then((layers) =>
        joinParts(layers, { from: START, to: START + 3 * HOUR, timeoutMs: 30 * MIN, split: false })
          .map((x) => JSON.stringify(x))
          .sort(),
      );
    const before = await whole(duck);
    await writeLake(root, [late], 'part-late');
    expect(held(await lakeRuns(lake, lakePart))).toEqual([
      [START, START + HOUR, 1],
      [START + HOUR, START + 2 * HOUR, 0],
      [START + 2 * HOUR, START + 3 * HOUR, 1],
    ]);
    const d = await whole(duck);
    expect(d.length).toBe(before.length + 1);
    const b = await readBy(bq, whole);
    expect(b.engine).toBe('bigquery');
    // Sessions crossing the hours' edges were cut in two runs and joined again: the same sessions.
    expect(b.out).toEqual(d);
    const regs = await readBy(bq, registers);
    expect(regs.out.map((r) => r.slice(r.indexOf(':') + 1))).toEqual(
      (await registers(duck)).map((r) => r.slice(r.indexOf(':') + 1)),
    );
  }, 120_000);
});

async function engineCounts(): Promise<{ bigquery: number; duckdb: number }> {
  const values = (await lakeEventReads.get()).values;
  const of = (engine: string) => values.find((v) => v.labels.engine === engine)?.value ?? 0;
  return { bigquery: of('bigquery'), duckdb: of('duckdb') };
}
