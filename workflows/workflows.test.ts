import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INDEXED_VALUE_TYPE, SEARCH_ATTRIBUTES } from '../core/temporal/search-attributes';
import { temporalTestServerPath } from '../infra/local/temporal/test-server';
import { historyLengths } from '../test/helpers/workflow-runs';
import type { createActivities } from './activities';
import type { BackfillResult } from './types';
import { HOURS_PER_RUN } from './workflows';
import { installRuntimeOnce } from './workers/start-worker';

type Activities = ReturnType<typeof createActivities>;
const HOUR = 3_600_000;
const T0 = Date.UTC(2025, 0, 1);
const iso = (n: number) => new Date(T0 + n * HOUR).toISOString();

/** What the mocked activities saw, and how they behave. */
interface Mock {
  recomputed: string[];
  sealedEmpty: string[];
  withEvents: (hour: string) => boolean;
  failing: Set<string>;
  late: { hours: string[]; markers: string[]; more: boolean }[];
  /** The engine each activity was asked for (undefined: the worker's default). */
  engines: (string | undefined)[];
  /** Days that have a rolled-up view, and the days rolled up (again). */
  dayViews: Set<string>;
  rolledUp: string[];
}

function mockActivities(m: Mock): Partial<Activities> {
  return {
    lakeHoursIn: async (hours) => hours.filter(m.withEvents),
    sealEmptyHours: async (hours, _force, engine) => {
      m.sealedEmpty.push(...hours);
      m.engines.push(engine);
      return { events: 0, bytes: { loaded: 1, processed: 0 } };
    },
    recomputeHourView: async ({ hour, engine }) => {
      if (m.failing.has(hour)) throw ApplicationFailure.retryable(`cannot read the lake for ${hour}`);
      m.recomputed.push(hour);
      m.engines.push(engine);
      return {
        hour,
        events: 10,
        version: 'v',
        engine: engine ?? 'duckdb',
        bytes: { loaded: 100, processed: 7 },
      };
    },
    advanceWatermark: async (hour) => hour,
    findLateHours: async () => m.late.shift() ?? { hours: [], markers: [], more: false },
    clearLateMarkers: async () => {},
    daysWithViews: async (days) => days.filter((d) => m.dayViews.has(d)),
    rollupDay: async (day) => {
      m.rolledUp.push(day);
      return { day, hours: 24 };
    },
  };
}

/**
 * Workflow logic on Temporal's time-skipping test server (the Java one, installed by ./platform
 * test from Maven Central) with mocked activities: backoffs and retries take no wall time, and no
 * lake, DuckDB or dev server is involved.
 */
describe('batch workflows with mocked activities (time-skipping)', () => {
  let env: TestWorkflowEnvironment;
  let seq = 0;

  beforeAll(async () => {
    installRuntimeOnce();
    env = await TestWorkflowEnvironment.createTimeSkipping({
      server: { executable: { type: 'existing-path', path: temporalTestServerPath() } },
    });
    // The dev server registers them at start; the test server is told here.
    await env.connection.operatorService.addSearchAttributes({
      namespace: env.namespace ?? 'default',
      searchAttributes: Object.fromEntries(
        Object.entries(SEARCH_ATTRIBUTES).map(([name, type]) => [name, INDEXED_VALUE_TYPE[type]]),
      ),
    });
  }, 120_000);
  afterAll(async () => env?.teardown());

  /** Runs `f` with a worker whose activities are `m`'s mocks, on a queue of its own. */
  async function withWorker<T>(m: Mock, f: (taskQueue: string) => Promise<T>): Promise<T> {
    const taskQueue = `unit-${seq++}`;
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowsPath: join(__dirname, 'workflows.ts'),
      activities: mockActivities(m),
    });
    return worker.runUntil(f(taskQueue));
  }

  const mock = (over: Partial<Mock> = {}): Mock => ({
    recomputed: [],
    sealedEmpty: [],
    withEvents: () => true,
    failing: new Set(),
    late: [],
    engines: [],
    dayViews: new Set(),
    rolledUp: [],
    ...over,
  });

  it('continues a backfill as new every HOURS_PER_RUN hours: with every hour holding events, each run stays under 10,000 history events', async () => {
    const m = mock();
    const total = HOURS_PER_RUN + 100;
    const { result, lengths } = await withWorker(m, async (taskQueue) => {
      const handle = await env.client.workflow.start('backfill', {
        taskQueue,
        workflowId: `busy-${seq}`,
        args: [{ from: iso(0), to: iso(total), concurrency: 8 }],
      });
      const result = (await handle.result()) as BackfillResult;
      return {
        result,
        lengths: await historyLengths(env.client, handle.workflowId, handle.firstExecutionRunId),
      };
    });
    expect(result).toMatchObject({ total, done: total, failed: 0, events: 10 * total, run: 2 });
    expect(lengths).toHaveLength(2);
    for (const n of lengths) expect(n).toBeLessThan(10_000);
    console.log(`history events per run with ${HOURS_PER_RUN} busy hours: ${lengths.join(', ')}`);
    expect(new Set(m.recomputed).size).toBe(total);
    expect(m.recomputed).toHaveLength(total); // none twice across the runs
  }, 300_000);

  it('backfills a year where a handful of hours hold events: empty hours sealed in chunks, not a child each', async () => {
    const busy = new Set([5, 900, 4000, 8759].map(iso));
    const m = mock({ withEvents: (h) => busy.has(h) });
    const result = await withWorker(m, (taskQueue) =>
      env.client.workflow.execute('backfill', {
        taskQueue,
        workflowId: `year-${seq}`,
        args: [{ from: iso(0), to: iso(8760) }],
      }),
    );
    expect(result).toMatchObject({
      total: 8760,
      done: 8760,
      failed: 0,
      run: Math.ceil(8760 / HOURS_PER_RUN),
    });
    expect([...m.recomputed].sort()).toEqual([...busy].sort());
    expect(m.sealedEmpty).toHaveLength(8760 - busy.size);
  }, 300_000);

  it('counts an hour that fails every attempt, lists it, and a second backfill over the failed hours redoes only it', async () => {
    const bad = iso(7);
    const m = mock({ failing: new Set([bad]) });
    const first = (await withWorker(m, (taskQueue) =>
      env.client.workflow.execute('backfill', {
        taskQueue,
        workflowId: `failing-${seq}`,
        args: [{ from: iso(0), to: iso(12) }],
      }),
    )) as BackfillResult;
    expect(first).toMatchObject({ total: 12, done: 11, failed: 1, failedHours: [bad], percent: 100 });
    m.failing.clear();
    m.recomputed.length = 0;
    const retry = (await withWorker(m, (taskQueue) =>
      env.client.workflow.execute('backfill', {
        taskQueue,
        workflowId: `retry-${seq}`,
        args: [{ from: iso(0), to: iso(12), hours: first.failedHours }],
      }),
    )) as BackfillResult;
    expect(retry).toMatchObject({ total: 1, done: 1, failed: 0 });
    expect(m.recomputed).toEqual([bad]);
  }, 120_000);

  it('runs a backfill on the engine it names: every hour asked of it, shown in the UI, bytes summed in progress', async () => {
    const busy = new Set([1, 3].map(iso));
    const m = mock({ withEvents: (h) => busy.has(h) });
    const { result, described } = await withWorker(m, async (taskQueue) => {
      const handle = await env.client.workflow.start('backfill', {
        taskQueue,
        workflowId: `engine-${seq}`,
        args: [{ from: iso(0), to: iso(6), engine: 'bigquery' }],
      });
      const result = (await handle.result()) as BackfillResult;
      return { result, described: await handle.describe() };
    });
    expect(new Set(m.engines)).toEqual(new Set(['bigquery']));
    expect(result).toMatchObject({ done: 6, engine: 'bigquery', bytes: { loaded: 201, processed: 14 } });
    expect(described.searchAttributes.AnalyticsEngine).toEqual(['bigquery']);
    expect(described.memo?.engine).toBe('bigquery');
  }, 120_000);

  it('refuses an engine that is not one of ours, without retrying', async () => {
    await expect(
      withWorker(mock(), (taskQueue) =>
        env.client.workflow.execute('backfill', {
          taskQueue,
          workflowId: `bad-engine-${seq}`,
          args: [{ from: iso(0), to: iso(2), engine: 'spark' }],
        }),
      ),
    ).rejects.toMatchObject({ cause: { message: expect.stringMatching(/unknown engine 'spark'/) } });
  });

  it('refuses a backfill range that is not a range, without retrying', async () => {
    const m = mock();
    await expect(
      withWorker(m, (taskQueue) =>
        env.client.workflow.execute('backfill', {
          taskQueue,
          workflowId: `bad-${seq}`,
          args: [{ from: iso(5), to: iso(5) }],
        }),
      ),
    ).rejects.toMatchObject({ cause: { message: expect.stringMatching(/from < to/) } });
  });

  it('repairs a long list of owed hours across runs, each hour once', async () => {
    const owed = Array.from({ length: 30 }, (_, i) => iso(i));
    // The first day (hours 0-23, 2025-01-01) was rolled up already: it is rolled up again, in each
    // run that repaired some of its hours; the second day has no view yet.
    const m = mock({
      late: [
        { hours: owed.slice(0, 20), markers: ['a.json'], more: true },
        { hours: owed.slice(20), markers: [], more: false },
      ],
      dayViews: new Set(['2025-01-01']),
    });
    const result = await withWorker(m, (taskQueue) =>
      env.client.workflow.execute('lateDataRepair', { taskQueue, workflowId: `repair-${seq}`, args: [] }),
    );
    expect(result).toEqual({ hours: owed.slice(20) });
    expect(m.recomputed).toEqual(owed);
    expect(m.rolledUp).toEqual(['2025-01-01', '2025-01-01']);
  }, 120_000);
});
