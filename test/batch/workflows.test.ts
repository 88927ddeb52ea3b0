import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roleEnv, startRole } from '../helpers/child-role';
import { partitionKey, partitionOf } from '../../core/lake/layout';
import { readDayPointer, readHourPointer } from '../../core/lake/views';
import { readWatermark } from '../../core/lake/watermark';
import type { Config } from '../../core/config/config';
import { REPO_ROOT } from '../../infra/local/paths';
import { temporalBinary } from '../../infra/local/temporal/install';
import { SCHEDULE_IDS, WORKFLOW_TYPES } from '../../workflows/ids';
import { ensureSchedules } from '../../workflows/schedules';
import type { BackfillProgress, BackfillResult, HourlyRecomputeResult } from '../../workflows/types';
import { startBatchHarness } from '../helpers/batch-harness';
import { requireBigQuery } from '../helpers/bigquery';
import { generateEvents } from '../helpers/speed-harness';
import { hourPointers, lakeAt, readHourView, writeLake } from '../helpers/lake';
import { isolatedConfig, requireServices } from '../helpers/test-config';
import { waitFor } from '../helpers/wait-for';

const HOUR = 3_600_000;

/** Runs a command without blocking this process; its exit code and output. */
function run(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; timeout: number }) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile(cmd, args, { ...opts, encoding: 'utf8' }, (e, stdout, stderr) =>
      resolve({ code: e ? Number((e as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

async function sumDayEvents(file: string): Promise<number> {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    const r = await conn.runAndReadAll(
      `SELECT coalesce(sum(count), 0)::BIGINT AS n FROM read_parquet($f) WHERE metric = 'events'`,
      { f: file },
    );
    return Number(r.getRowObjectsJson()[0]?.n ?? 0);
  } finally {
    conn.closeSync();
  }
}

/** Batch workflows on the real Temporal dev server, over a real Parquet lake. */
describe('batch workflows', () => {
  let config: Config;
  const lake = () => lakeAt(config.lake.root);
  let client: Client;
  let harness: Awaited<ReturnType<typeof startBatchHarness>>;
  // Three hours of events, two days ago (clear of any hour a schedule might pick).
  const start = Math.floor(Date.now() / HOUR) * HOUR - 48 * HOUR;
  const hours = [0, 1, 2].map((h) => new Date(start + h * HOUR).toISOString());
  const events = generateEvents(3000, { start, spreadMinutes: 179, duplicates: 30 });
  const distinct = new Set(events.map((e) => e.eventId)).size;

  beforeAll(async () => {
    await requireServices();
    config = isolatedConfig('workflows');
    await writeLake(config.lake.root, events);
    harness = await startBatchHarness(config, 'batch-workflows');
    client = harness.client;
  });
  afterAll(async () => {
    await harness?.stop();
  });

  it('completes a backfill started with `temporal workflow start`, publishing every hour and the watermark', async () => {
    const workflowId = `cli-backfill-${Date.now()}`;
    const r = spawnSync(
      temporalBinary(),
      [
        'workflow',
        'start',
        '--address',
        config.temporal.address,
        '--namespace',
        config.temporal.namespace,
        '--task-queue',
        config.temporal.taskQueue,
        '--type',
        WORKFLOW_TYPES.backfill,
        '--workflow-id',
        workflowId,
        '--input',
        JSON.stringify({ from: hours[0], to: new Date(start + 3 * HOUR).toISOString() }),
      ],
      { encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(0);
    const result = (await client.workflow.getHandle(workflowId).result()) as BackfillResult;
    expect(result).toMatchObject({ total: 3, done: 3, failed: 0, events: distinct, percent: 100 });
    for (const h of hours) expect(await readHourPointer(lake(), h)).toBeDefined();
    expect((await readWatermark(lake())).hour).toBe(hours[2]);
    const progress = await client.workflow.getHandle(workflowId).query<BackfillProgress>('progress');
    expect(progress.done).toBe(3);
  });

  it('keeps views that match the lake when the same backfill runs again, and gives identical ones when forced', async () => {
    const before = await Promise.all(hours.map((h) => readHourView(config.lake.root, h)));
    const versions = (await hourPointers(config.lake.root, hours)).map((p) => p?.version);
    const again = (force: boolean) =>
      client.workflow.execute(WORKFLOW_TYPES.backfill, {
        taskQueue: config.temporal.taskQueue,
        workflowId: `again-${force}-${Date.now()}`,
        args: [{ from: hours[0], to: new Date(start + 3 * HOUR).toISOString(), concurrency: 2, force }],
      });
    expect(await again(false)).toMatchObject({ done: 3, events: distinct });
    // Nothing changed in the lake: nothing recomputed.
    expect((await hourPointers(config.lake.root, hours)).map((p) => p?.version)).toEqual(versions);
    expect(await again(true)).toMatchObject({ done: 3, events: distinct });
    const forced = (await hourPointers(config.lake.root, hours)).map((p) => p?.version);
    expect(forced.every((v, i) => v !== versions[i])).toBe(true);
    expect(await Promise.all(hours.map((h) => readHourView(config.lake.root, h)))).toEqual(before);
  });

  it('`./platform backfill --engine bigquery` recomputes the hours on BigQuery into identical views', async () => {
    await requireBigQuery();
    const before = await Promise.all(hours.map((h) => readHourView(config.lake.root, h)));
    const versions = (await hourPointers(config.lake.root, hours)).map((p) => p?.version);
    const from = hours[0] as string;
    const to = new Date(start + 3 * HOUR).toISOString();
    // The CLI joins a running backfill of the same range: one left by an aborted run of this test
    // would be on a task queue no worker polls any more.
    await client.workflow
      .getHandle(`backfill-${from}-${to}`)
      .terminate('left by an earlier test run')
      .catch(() => {});
    // Not spawnSync: the worker runs in this process and must go on while the CLI waits for it.
    const r = await run(
      process.execPath,
      [
        join(REPO_ROOT, 'node_modules/tsx/dist/cli.mjs'),
        'cli/main.ts',
        'backfill',
        '--from',
        from,
        '--to',
        to,
        '--engine',
        'bigquery',
        '--force',
      ],
      { cwd: REPO_ROOT, env: { ...process.env, ...roleEnv(config) }, timeout: 120_000 },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`done: 3 hours up to date, ${distinct} events`);
    const result = (await client.workflow.getHandle(`backfill-${from}-${to}`).result()) as BackfillResult;
    expect(result).toMatchObject({ done: 3, failed: 0, engine: 'bigquery' });
    const now = (await hourPointers(config.lake.root, hours)).map((p) => p?.version);
    expect(now.every((v, i) => v !== versions[i])).toBe(true);
    expect(await Promise.all(hours.map((h) => readHourView(config.lake.root, h)))).toEqual(before);
  }, 120_000);

  it('recomputes only the projects a backfill names, keeping the others as they were', async () => {
    const hour = hours[2] as string;
    const before = await readHourView(config.lake.root, hour);
    const inHour = { start: Date.parse(hour) + 60_000, spreadMinutes: 30 };
    const extraP1 = generateEvents(40, { ...inHour, projectId: 'p1' });
    const newP2 = generateEvents(20, { ...inHour, projectId: 'p2' });
    await writeLake(config.lake.root, [...extraP1, ...newP2], 'part-extra');
    try {
      await client.workflow.execute(WORKFLOW_TYPES.backfill, {
        taskQueue: config.temporal.taskQueue,
        workflowId: `projects-${Date.now()}`,
        args: [{ from: hour, to: new Date(Date.parse(hour) + HOUR).toISOString(), projects: ['p2'] }],
      });
      const after = await readHourView(config.lake.root, hour);
      const of = (rows: unknown[] | undefined, project: string) =>
        (rows ?? []).filter((r) => (r as { project_id: string }).project_id === project);
      expect(of(after?.measures, 'p1')).toEqual(of(before?.measures, 'p1'));
      expect(of(after?.uniques, 'p1')).toEqual(of(before?.uniques, 'p1'));
      const p2Events = of(after?.measures, 'p2')
        .filter((r) => (r as { metric: string }).metric === 'events')
        .reduce((n: number, r) => n + Number((r as { count: number }).count), 0);
      expect(p2Events).toBe(newP2.length);
    } finally {
      // Leave the lake as the other cases expect it.
      const dir = lake().uri(partitionKey('events', partitionOf('p1', hour)));
      for (const f of readdirSync(dir)) if (f.startsWith('part-extra')) rmSync(join(dir, f));
      rmSync(lake().uri(partitionKey('events', partitionOf('p2', hour))), { recursive: true });
    }
  });

  it('runs the hourly schedule, which recomputes the hour before its scheduled time', async () => {
    const prefix = `test-${Date.now()}-`;
    const scheduleId = `${prefix}${SCHEDULE_IDS.hourlyRecompute}`;
    const ids = await ensureSchedules(client, {
      taskQueue: config.temporal.taskQueue,
      idPrefix: prefix,
      hourlySpec: { intervals: [{ every: '2s' }] },
      repairSpec: { intervals: [{ every: '1 day' }] },
      dailySpec: { intervals: [{ every: '1 day' }] },
    });
    try {
      const handle = client.schedule.getHandle(scheduleId);
      const described = await waitFor(
        () => handle.describe(),
        (d) => d.info.recentActions.length > 0,
        { timeoutMs: 60_000, intervalMs: 500 },
      );
      const action = described.info.recentActions[0];
      expect(action).toBeDefined();
      const run = action?.action as { workflow: { workflowId: string } };
      const result = (await client.workflow
        .getHandle(run.workflow.workflowId)
        .result()) as HourlyRecomputeResult;
      const scheduled = action?.scheduledAt.getTime() ?? 0;
      expect(result.hour).toBe(new Date(Math.floor(scheduled / HOUR) * HOUR - HOUR).toISOString());
    } finally {
      for (const id of ids) await client.schedule.getHandle(id).delete();
    }
  });

  it('repairs a sealed hour automatically when late events arrive for it', async () => {
    const hour = hours[1] as string;
    const before = (await readHourPointer(lake(), hour))?.events ?? 0;
    expect(before).toBeGreaterThan(0);
    const late = generateEvents(25, {
      start: Date.parse(hour) + 60_000,
      spreadMinutes: 30,
      projectId: 'late',
    });
    await writeLake(config.lake.root, late, 'part-late');
    // The archiver has not finished the range holding the late events yet: the repair must wait.
    const state = (phase: string) => {
      mkdirSync(join(config.lake.root, '_state', 'archiver'), { recursive: true });
      writeFileSync(
        join(config.lake.root, '_state', 'archiver', 'events-0.json'),
        JSON.stringify({ first: '100', last: '124', phase }),
      );
    };
    state('before');
    mkdirSync(join(config.lake.root, '_late'), { recursive: true });
    writeFileSync(
      join(config.lake.root, '_late', 'events-0-100-124.json'),
      JSON.stringify({
        range: { topic: 'events', partition: 0, first: '100', last: '124' },
        hours: [{ projectId: 'late', hour, events: 25 }],
      }),
    );
    const ids = await ensureSchedules(client, {
      taskQueue: config.temporal.taskQueue,
      idPrefix: `test-${Date.now()}-`,
      hourlySpec: { intervals: [{ every: '1 day' }] },
      repairSpec: { intervals: [{ every: '2s' }] },
      dailySpec: { intervals: [{ every: '1 day' }] },
    });
    try {
      const repairSchedule = client.schedule.getHandle(
        ids.find((id) => id.endsWith('late-data-repair')) as string,
      );
      await waitFor(
        async () => (await repairSchedule.describe()).info.recentActions.length,
        (n) => n >= 3,
        { timeoutMs: 60_000, intervalMs: 500 },
      );
      expect(existsSync(join(config.lake.root, '_late', 'events-0-100-124.json'))).toBe(true);
      expect((await readHourPointer(lake(), hour))?.events).toBe(before);
      state('after');
      const after = await waitFor(
        async () => (await readHourPointer(lake(), hour))?.events ?? 0,
        (n) => n === before + 25 && !existsSync(join(config.lake.root, '_late', 'events-0-100-124.json')),
        { timeoutMs: 60_000, intervalMs: 500 },
      );
      expect(after).toBe(before + 25);
      expect(existsSync(join(config.lake.root, '_late', 'events-0-100-124.json'))).toBe(false);
    } finally {
      for (const id of ids) await client.schedule.getHandle(id).delete();
    }
  });

  it('rolls a day up from its hours, computing the missing ones first', async () => {
    const day = (hours[0] as string).slice(0, 10);
    const result = await client.workflow.execute(WORKFLOW_TYPES.dailyRollup, {
      taskQueue: config.temporal.taskQueue,
      workflowId: `daily-${day}-${Date.now()}`,
      args: [{ day }],
    });
    expect(result).toEqual({ day, hours: 24 });
    const pointer = await readDayPointer(lake(), day);
    expect(pointer?.hours).toHaveLength(24);
    const dayEvents = await sumDayEvents(
      join(config.lake.root, 'views', 'daily', `date=${day}`, pointer?.measures ?? ''),
    );
    const hourEvents = (
      await hourPointers(
        config.lake.root,
        Array.from({ length: 24 }, (_, i) =>
          new Date(Date.parse(`${day}T00:00:00Z`) + i * HOUR).toISOString(),
        ),
      )
    )
      .map((p) => p?.events ?? 0)
      .reduce((a, b) => a + b, 0);
    expect(dayEvents).toBe(hourEvents);
    expect(dayEvents).toBeGreaterThan(0);
  }, 120_000);

  it('replays recorded histories without nondeterminism', async () => {
    const workflowId = `replay-${Date.now()}`;
    await client.workflow.execute(WORKFLOW_TYPES.backfill, {
      taskQueue: config.temporal.taskQueue,
      workflowId,
      args: [{ from: hours[0], to: new Date(start + 2 * HOUR).toISOString() }],
    });
    for (const id of [workflowId, `${workflowId}/${hours[0]}`]) {
      const history = await client.workflow.getHandle(id).fetchHistory();
      await Worker.runReplayHistory(
        { workflowsPath: join(REPO_ROOT, 'workflows', 'workflows.ts') },
        history,
        id,
      );
    }
  });

  it('resumes a backfill after its worker is killed, without redoing finished hours', async () => {
    const taskQueue = `${config.temporal.taskQueue}-resume`;
    const many = Array.from({ length: 10 }, (_, i) => new Date(start - (20 - i) * HOUR).toISOString());
    await writeLake(
      config.lake.root,
      generateEvents(2000, { start: Date.parse(many[0] as string), spreadMinutes: 599 }),
      'part-resume',
    );
    const env = roleEnv({ ...config, temporal: { ...config.temporal, taskQueue } });
    const startWorker = () => startRole('worker', env);
    // Earlier cases may have published some of these hours (a rolled-up day can overlap them):
    // only what this backfill publishes before the kill counts as finished by it.
    const earlier = (await hourPointers(config.lake.root, many)).map((p) => p?.version);
    let w = startWorker();
    const handle = await client.workflow.start(WORKFLOW_TYPES.backfill, {
      taskQueue,
      workflowId: `resume-${Date.now()}`,
      args: [
        { from: many[0], to: new Date(Date.parse(many[9] as string) + HOUR).toISOString(), concurrency: 1 },
      ],
    });
    const publishedByThisRun = async () =>
      (await hourPointers(config.lake.root, many)).filter((p, i) => p && p.version !== earlier[i]).length;
    await waitFor(publishedByThisRun, (n) => n >= 3, { timeoutMs: 90_000, intervalMs: 200 });
    w.kill('SIGKILL');
    await new Promise((r) => w.once('exit', r));
    const manyPointers = await hourPointers(config.lake.root, many);
    const finished = many.filter((_, i) => manyPointers[i] && manyPointers[i]?.version !== earlier[i]);
    const versionsBefore = (await hourPointers(config.lake.root, finished)).map((p) => p?.version);
    expect(finished.length).toBeGreaterThanOrEqual(3);
    w = startWorker();
    try {
      const result = (await handle.result()) as BackfillResult;
      expect(result).toMatchObject({ total: 10, done: 10 });
      // Hours finished before the kill were not recomputed (same published version).
      expect((await hourPointers(config.lake.root, finished)).map((p) => p?.version)).toEqual(versionsBefore);
      for (const h of many) expect(await readHourPointer(lake(), h)).toBeDefined();
    } finally {
      w.kill('SIGTERM');
    }
  }, 240_000);
});
