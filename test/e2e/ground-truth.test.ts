import { SESSION_METRICS } from '../../core/metric-catalog/session-metrics';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lakeEventReads } from '../../core/ops/operational-metrics';
import { listLateMarkers } from '../../core/lake/late-markers';
import { openLake } from '../../core/lake/open-lake';
import { startRoles, type RunningRoles } from '../../cli/roles';
import { mintToken } from '../../core/auth/jwt';
import { createWriteKey } from '../../core/auth/write-keys';
import type { Config } from '../../core/config/config';
import { createLogger } from '../../core/log';
import { WORKFLOW_TYPES } from '../../workflows/ids';
import type { HourlyRecomputeResult } from '../../workflows/types';
import { basicAuth } from '../helpers/events';
import { distinctEventsInLake } from '../helpers/lake';
import {
  actorOf,
  actorsByHour,
  ADDITIVE_METRICS,
  distinctCalls,
  eventName,
  funnelTruth,
  generateCalls,
  seeded,
  truthByHour,
  type Call,
} from '../helpers/truth-stream';
import { requireBigQuery } from '../helpers/bigquery';
import {
  CLICKHOUSE_MODES,
  isolatedConfig,
  LAKES,
  requireClickHouseServer,
  requireObjectStore,
  requireServices,
} from '../helpers/test-config';
import { waitFor } from '../helpers/wait-for';

const HOUR = 3_600_000;
const PROJECT = 'gt';
const SEED = Number(process.env.GROUND_TRUTH_SEED ?? Date.now() % 1_000_000);

interface Bucket {
  start: string;
  dim?: string;
  value: number;
  source: string;
}
interface Answer {
  value: number;
  buckets: Bucket[];
  watermark: string | null;
  standardError?: number;
  parts: { source: string; from: string; to: string }[];
}

/**
 * The whole platform against the truth. A generated stream (duplicate messageIds, shuffled order,
 * late events for hours already sealed, one very hot user) goes in through the HTTP API while
 * hourly recomputes run on Temporal; at three moments every catalog metric read from the serving
 * API, per hour and dimension value, is compared with the truth computed from the generated calls:
 * only the speed view; sealed hours plus late events repaired; the watermark moved again.
 */
/**
 * Where the lake lives and which engine computes the batch views (DuckDB on every lake, BigQuery
 * on S3), and where the speed view lives (in-process chDB, or a ClickHouse server).
 */
const CASES = [
  ...LAKES.map((l) => ({ ...l, bigquery: false })),
  {
    name: 'BigQuery engine (emulator), lake on S3 (MinIO)',
    env: () => ({ ...LAKES[1].env(), BATCH_ENGINE: 'bigquery' }),
    objectStore: true,
    bigquery: true,
  },
  {
    name: 'speed view on a ClickHouse server, lake on local disk',
    env: () => CLICKHOUSE_MODES[1].env(),
    objectStore: false,
    bigquery: false,
    clickhouseServer: true,
  },
];

describe.each(CASES)(`ground truth (seed ${SEED}), $name`, (where) => {
  let config: Config;
  let roles: RunningRoles;
  let writeKey: string;
  let token: string;
  let temporal: Connection;
  let client: Client;
  const rand = seeded(SEED);
  const log = createLogger({ test: 'ground-truth' }, 'warn');
  // Hours h0..h3 closed, h4 the current one.
  const now = Date.now();
  const h0 = Math.floor(now / HOUR) * HOUR - 4 * HOUR;
  const end = h0 + 5 * HOUR;
  const sent: Call[] = [];

  beforeAll(async () => {
    await requireServices();
    if (where.objectStore) await requireObjectStore();
    if (where.bigquery) await requireBigQuery();
    if ('clickhouseServer' in where) await requireClickHouseServer();
    config = isolatedConfig('truth', where.env());
    writeKey = await createWriteKey(config, PROJECT);
    token = await mintToken(config.auth.jwtSecret, { project: PROJECT, scopes: ['read'] });
    roles = await startRoles(['ingest', 'speed', 'archiver', 'serve', 'worker'], config, log);
    temporal = await Connection.connect({ address: config.temporal.address });
    client = new Client({ connection: temporal, namespace: config.temporal.namespace });
  }, 120_000);

  afterAll(async () => {
    await temporal?.close();
    await roles?.stop();
  });

  /** Sends calls shuffled, in Segment batches; every batch must be accepted. */
  const ingest = async (calls: Call[]) => {
    const shuffled = [...calls];
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [shuffled[i], shuffled[j]] = [shuffled[j] as Call, shuffled[i] as Call];
    }
    for (let i = 0; i < shuffled.length; i += 250) {
      const batch = shuffled.slice(i, i + 250);
      const res = await fetch(`${roles.urls.ingest}/v1/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: basicAuth(writeKey) },
        body: JSON.stringify({ batch }),
      });
      expect(res.status, await res.text()).toBe(200);
      sent.push(...batch);
    }
  };

  const get = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${roles.urls.api}${path}`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status, path).toBe(200);
    return (await res.json()) as T;
  };
  const range = `from=${new Date(h0).toISOString()}&to=${new Date(end).toISOString()}`;

  const seal = (hour: number) =>
    client.workflow.execute(WORKFLOW_TYPES.hourlyRecompute, {
      taskQueue: config.temporal.taskQueue,
      workflowId: `truth-${SEED}-${new Date(hour).toISOString()}-${Date.now()}`,
      args: [{ hour: new Date(hour).toISOString(), advanceWatermark: true }],
    });

  /** Distinct messageIds of the project in the lake. */
  const inLake = () => distinctEventsInLake(openLake(config.lake), PROJECT);

  /** Waits until the speed view and the lake hold every distinct event sent so far. */
  const settle = async () => {
    const truth = distinctCalls(sent);
    const speedTotal = await waitFor(
      async () => {
        const watermark = (await get<Answer>(`/v1/metrics/events?${range}`)).watermark;
        const from = watermark ? Date.parse(watermark) : h0;
        const a = await get<Answer>(
          `/v1/metrics/events?from=${new Date(from).toISOString()}&to=${new Date(end).toISOString()}`,
        );
        const expected = truth.filter((c) => Date.parse(c.timestamp) >= from).length;
        return { got: a.value, expected };
      },
      (x) => x.got === x.expected,
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    expect(speedTotal.got).toBe(speedTotal.expected);
    const lake = await waitFor(inLake, (n) => n === truth.length, { timeoutMs: 120_000, intervalMs: 500 });
    expect(lake).toBe(truth.length);
  };

  /**
   * Every catalog metric, per hour and dimension value, against the truth; sources split at the
   * watermark, and sealed hours with late events pending answered as `late` (but for unique
   * persons, counted from the lake's events). Returns the answers.
   */
  const compareEverything = async (expectedWatermark: number | null, lateHours = new Set<number>()) => {
    const answers = new Map<string, Answer>();
    const truth = distinctCalls(sent);
    const listing = await get<{ metrics: { name: string; dimension: string | null; value: string }[] }>(
      '/v1/metrics',
    );
    expect(listing.metrics.map((m) => m.name).sort()).toEqual(
      [...ADDITIVE_METRICS, 'active_users', ...SESSION_METRICS.map((x) => x.name)].sort(),
    );
    // Session metrics have their own end-to-end test (test/e2e/sessions.test.ts).
    const sessionNames = new Set<string>(SESSION_METRICS.map((x) => x.name));
    for (const m of listing.metrics.filter((x) => !sessionNames.has(x.name))) {
      const answer = await get<Answer>(
        `/v1/metrics/${m.name}?${range}&granularity=hour${m.dimension ? `&groupBy=${m.dimension}` : ''}`,
      );
      answers.set(m.name, answer);
      expect(answer.watermark).toBe(
        expectedWatermark === null ? null : new Date(expectedWatermark).toISOString(),
      );
      for (const b of answer.buckets) {
        const sealed = expectedWatermark !== null && Date.parse(b.start) < expectedWatermark;
        // Unique persons are counted from the layers' events at the time of asking: the lake holds
        // late events once archived, so sealed hours come from it, late or not.
        const late = lateHours.has(Date.parse(b.start)) && m.value !== 'unique';
        const source = !sealed ? 'speed' : late ? 'late' : 'batch';
        expect(b.source, `${m.name} ${b.start}`).toBe(source);
      }
      if (m.value === 'unique') {
        const actors = actorsByHour(truth, h0, end);
        expect(answer.buckets.map((b) => b.start)).toEqual(
          [...actors.keys()].sort((a, b) => a - b).map((h) => new Date(h).toISOString()),
        );
        for (const b of answer.buckets) {
          const n = actors.get(Date.parse(b.start))?.size ?? 0;
          expect(Math.abs(b.value - n), `${m.name} ${b.start}`).toBeLessThanOrEqual(
            Math.max(2, 4 * (answer.standardError ?? 0) * n),
          );
        }
        const all = new Set(truth.map(actorOf)).size;
        expect(Math.abs(answer.value - all)).toBeLessThanOrEqual(
          Math.max(2, 4 * (answer.standardError ?? 0) * all),
        );
        continue;
      }
      const expected = truthByHour(truth, m.name, h0, end);
      const got = new Map(answer.buckets.map((b) => [`${Date.parse(b.start)}|${b.dim ?? ''}`, b.value]));
      expect([...got.keys()].sort(), m.name).toEqual([...expected.keys()].sort());
      for (const [key, value] of expected) expect(got.get(key), `${m.name} ${key}`).toBeCloseTo(value, 6);
    }
    return answers;
  };

  /** Runs late-data repair until no answer over the range waits for it. */
  const repairAll = () =>
    waitFor(
      async () => {
        await client.workflow.execute(WORKFLOW_TYPES.lateDataRepair, {
          taskQueue: config.temporal.taskQueue,
          workflowId: `truth-repair-${SEED}-${Date.now()}`,
          args: [],
        });
        return (await get<Answer>(`/v1/metrics/events?${range}&granularity=hour`)).parts;
      },
      (parts) => parts.every((p) => p.source !== 'late'),
      { timeoutMs: 120_000, intervalMs: 1000 },
    );

  it('agrees with the truth from the speed view alone, before any hour is sealed', async () => {
    const calls = generateCalls(3000, h0, now - 5_000, rand);
    // Client retries: a few calls sent twice, the copy in a later batch.
    await ingest([...calls, ...calls.slice(0, 150)]);
    await settle();
    await compareEverything(null);
  }, 300_000);

  it('agrees after hours are sealed while more events, duplicates and late events arrive', async () => {
    const fresh = generateCalls(1000, h0 + 3 * HOUR, now - 5_000, rand);
    const late = generateCalls(300, h0, h0 + 2 * HOUR, rand); // for hours sealed meanwhile
    const retried = sent.slice(0, 100);
    const sealing = Promise.all([seal(h0), seal(h0 + HOUR), seal(h0 + 2 * HOUR)]);
    await ingest([...fresh, ...retried]);
    await sealing;
    // The views in force hold everything sent before the seals: nothing is waiting for repair.
    await settle();
    await repairAll();
    // Late events for the sealed hours show at once (answered from the speed view, marked late)...
    const acked = Date.now();
    await ingest([...late, ...late.slice(0, 30)]);
    const lateHours = new Set(late.map((c) => Math.floor(Date.parse(c.timestamp) / HOUR) * HOUR));
    const sealedTruth = () =>
      distinctCalls(sent).filter((c) => Date.parse(c.timestamp) < h0 + 3 * HOUR).length;
    const seen = await waitFor(
      () =>
        get<Answer & { pendingRepair?: unknown[] }>(
          `/v1/metrics/events?from=${new Date(h0).toISOString()}&to=${new Date(h0 + 3 * HOUR).toISOString()}`,
        ),
      (a) => a.value === sealedTruth(),
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    log.info('late events visible', { ms: Date.now() - acked });
    expect(seen.parts.some((p) => p.source === 'late')).toBe(true);
    expect(seen.pendingRepair?.length).toBeGreaterThan(0);
    await settle();
    const beforeRepair = await compareEverything(h0 + 3 * HOUR, lateHours);
    // ...then the repair absorbs them: the same numbers, now from the batch view, none counted twice.
    expect((await listLateMarkers(openLake(config.lake))).length).toBeGreaterThan(0);
    await repairAll();
    const afterRepair = await compareEverything(h0 + 3 * HOUR);
    for (const [name, a] of afterRepair) {
      const b = beforeRepair.get(name);
      expect(a.value, name).toBe(b?.value);
      expect(
        a.buckets.map((x) => [x.start, x.dim, x.value]),
        name,
      ).toEqual(b?.buckets.map((x) => [x.start, x.dim, x.value]));
    }
  }, 300_000);

  it('agrees when the watermark moves again, and so do the analyses built on the views', async () => {
    const sealed = (await seal(h0 + 3 * HOUR)) as HourlyRecomputeResult;
    expect(sealed.engine).toBe(where.bigquery ? 'bigquery' : 'duckdb');
    const bigQueryReads = await lakeReadsBy('bigquery');
    await compareEverything(h0 + 4 * HOUR);
    // With the BigQuery engine, unique persons of the sealed hours came from its loads.
    if (where.bigquery) expect(await lakeReadsBy('bigquery')).toBeGreaterThan(bigQueryReads);
    const truth = distinctCalls(sent);

    const content = await get<{
      items: { contentId: string; plays: number; watchSeconds: number; completions: number }[];
    }>(`/v1/content?${range}&limit=100`);
    const plays = truthByHour(truth, 'content_plays', h0, end);
    const playsOf = (id: string) =>
      [...plays].filter(([k]) => k.endsWith(`|${id}`)).reduce((a, [, v]) => a + v, 0);
    expect(content.items.length).toBeGreaterThan(0);
    for (const item of content.items) expect(item.plays, item.contentId).toBe(playsOf(item.contentId));
    expect(content.items.map((i) => i.plays)).toEqual(
      [...content.items.map((i) => i.plays)].sort((a, b) => b - a),
    );

    const commerce = await get<{ currencies: { currency: string; orders: number; revenue: number }[] }>(
      `/v1/commerce?${range}`,
    );
    for (const c of commerce.currencies) {
      const purchases = truth.filter(
        (x) => eventName(x) === 'purchase' && x.properties.currency === c.currency,
      );
      expect(c.orders).toBe(purchases.length);
      expect(c.revenue).toBeCloseTo(
        purchases.reduce((a, x) => a + Number(x.properties.total_amount), 0),
        2,
      );
    }

    const steps = ['product_view', 'add_to_cart', 'purchase'];
    const funnel = await get<{ steps: { users: number }[]; parts: { source: string }[] }>(
      `/v1/funnels?${range}&steps=${steps.join(',')}&windowSeconds=3600`,
    );
    expect(funnel.parts.map((p) => p.source)).toEqual(['batch', 'speed']);
    expect(funnel.steps.map((s) => s.users)).toEqual(funnelTruth(truth, steps, HOUR, h0, end));

    const retention = await get<{ cohorts: { cohort: string; size: number; retained: number[] }[] }>(
      `/v1/retention?${range}&period=day`,
    );
    const days = new Map<string, Set<number>>();
    for (const c of truth) {
      const d = Math.floor(Date.parse(c.timestamp) / 86_400_000) * 86_400_000;
      days.set(actorOf(c), (days.get(actorOf(c)) ?? new Set()).add(d));
    }
    const cohortSizes = new Map<number, number>();
    for (const set of days.values()) {
      const first = Math.min(...set);
      cohortSizes.set(first, (cohortSizes.get(first) ?? 0) + 1);
    }
    expect(retention.cohorts.map((c) => [Date.parse(c.cohort), c.size])).toEqual(
      [...cohortSizes].sort(([a], [b]) => a - b),
    );
  }, 300_000);
});

/** Reads of the lake's events for persons and sessions so far by `engine` (the serving role runs in this process). */
async function lakeReadsBy(engine: 'bigquery' | 'duckdb'): Promise<number> {
  return (await lakeEventReads.get()).values.find((v) => v.labels.engine === engine)?.value ?? 0;
}
