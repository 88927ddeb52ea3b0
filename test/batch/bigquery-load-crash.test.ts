import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../core/config/config';
import { WORKFLOW_TYPES } from '../../workflows/ids';
import type { HourlyRecomputeResult } from '../../workflows/types';
import { emulatorClient, requireBigQuery, runQuery } from '../helpers/bigquery';
import { exited, roleEnv, startRole } from '../helpers/child-role';
import { writeLake } from '../helpers/lake';
import { generateEvents } from '../helpers/speed-harness';
import { isolatedConfig, requireServices } from '../helpers/test-config';
import { waitFor } from '../helpers/wait-for';

const HOUR = Date.parse('2026-02-11T09:00:00Z');

/**
 * Exactly once on BigQuery: the worker is killed with SIGKILL right after it inserted the hour's
 * load job (the `bigquery-load-inserted` failpoint holds it there), before the activity finished.
 * Temporal retries the activity on another worker, which finds the job by its deterministic id and
 * waits for it instead of loading again: the events table holds the hour's rows once, and the
 * view counts each event once.
 */
describe('a BigQuery load survives the worker killed between inserting the job and finishing', () => {
  let config: Config;
  let temporal: Connection;
  let client: Client;
  const project = `bqcrash${randomUUID().slice(0, 8)}`;
  const events = generateEvents(3000, { start: HOUR, spreadMinutes: 55, duplicates: 25, projectId: project });

  beforeAll(async () => {
    await requireServices();
    await requireBigQuery();
    config = isolatedConfig('bqcrash', { BATCH_ENGINE: 'bigquery' });
    await writeLake(config.lake.root, events, `part-${Date.now()}`);
    temporal = await Connection.connect({ address: config.temporal.address });
    client = new Client({ connection: temporal, namespace: config.temporal.namespace });
  }, 60_000);
  afterAll(async () => temporal?.close());

  it('loads the hour once and counts every event once', async () => {
    const first = startRole(
      'worker',
      roleEnv(config, { PLATFORM_FAILPOINTS: 'bigquery-load-inserted', LOG_LEVEL: 'warn' }),
      'pipe',
    );
    let stderr = '';
    first.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
    const handle = await client.workflow.start(WORKFLOW_TYPES.hourlyRecompute, {
      taskQueue: config.temporal.taskQueue,
      workflowId: `bqcrash-${project}`,
      args: [{ hour: new Date(HOUR).toISOString(), engine: 'bigquery' }],
    });
    const reached = await waitFor(
      async () => /failpoint bigquery-load-inserted reached.*?"job":"([^"]+)"/.exec(stderr),
      (m) => m !== null,
      { timeoutMs: 90_000, intervalMs: 50 },
    );
    expect(reached, stderr).not.toBeNull();
    first.kill('SIGKILL');
    await exited(first);

    const second = startRole('worker', roleEnv(config));
    try {
      const result = (await handle.result()) as HourlyRecomputeResult;
      expect(result.engine).toBe('bigquery');
      // The killed attempt never finished: a later attempt published the hour.
      expect(Number(result.version.split('-').pop())).toBeGreaterThanOrEqual(2);
      expect(result.events).toBe(new Set(events.map((e) => e.eventId)).size);
      expect(result.bytes?.loaded).toBeGreaterThan(0);
    } finally {
      second.kill('SIGTERM');
      await exited(second);
    }

    // The events table holds the hour's rows (duplicates as sent) once, from the one load job.
    const { projectId, dataset } = config.batch.bigquery;
    const loads = await runQuery(
      emulatorClient(),
      `SELECT load_id, COUNT(*) AS n FROM \`${projectId}.${dataset}.events\` WHERE project_id = @p GROUP BY load_id`,
      { p: project },
    );
    expect(loads.map((r) => ({ job: `load_${String(r.load_id)}`, n: Number(r.n) }))).toEqual([
      { job: reached?.[1], n: events.length },
    ]);
  }, 180_000);
});
