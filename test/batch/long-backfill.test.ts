import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readHourPointer } from '../../core/lake/views';
import { readWatermark } from '../../core/lake/watermark';
import { lakeAt } from '../helpers/lake';
import type { Config } from '../../core/config/config';
import { WORKFLOW_TYPES } from '../../workflows/ids';
import { HOURS_PER_RUN } from '../../workflows/workflows';
import type { BackfillProgress, BackfillResult } from '../../workflows/types';
import { startBatchHarness } from '../helpers/batch-harness';
import { writeLake } from '../helpers/lake';
import { historyLengths } from '../helpers/workflow-runs';
import { generateEvents } from '../helpers/speed-harness';
import { isolatedConfig, requireServices } from '../helpers/test-config';

const HOUR = 3_600_000;

/**
 * A year of hours (8,760) backfilled over a real lake that holds events in a handful of them: the
 * workflow continues as new every HOURS_PER_RUN hours, so no run's history grows past 10,000 events;
 * empty hours are sealed in chunks, the rest by a child workflow each; progress spans the runs.
 */
describe('a one-year backfill', () => {
  let config: Config;
  let harness: Awaited<ReturnType<typeof startBatchHarness>>;
  const start = Math.floor(Date.now() / HOUR) * HOUR - 8760 * HOUR - 72 * HOUR;
  const busy = [3, 1000, 4321, 4322, 8000, 8759].map((h) => start + h * HOUR);
  const events = busy.flatMap((h) => generateEvents(50, { start: h, spreadMinutes: 50 }));

  beforeAll(async () => {
    await requireServices();
    config = isolatedConfig('year');
    await writeLake(config.lake.root, events);
    harness = await startBatchHarness(config, 'long-backfill');
  });
  afterAll(async () => harness?.stop());

  it('completes with every run under 10,000 history events, each hour sealed once', async () => {
    const { client } = harness;
    const workflowId = `year-${Date.now()}`;
    const handle = await client.workflow.start(WORKFLOW_TYPES.backfill, {
      taskQueue: config.temporal.taskQueue,
      workflowId,
      args: [{ from: new Date(start).toISOString(), to: new Date(start + 8760 * HOUR).toISOString() }],
    });
    // Progress answers across continue-as-new: the query reaches the run in progress.
    const seen: BackfillProgress[] = [];
    const result = handle.result() as Promise<BackfillResult>;
    let finished = false;
    void result.finally(() => (finished = true)).catch(() => {});
    while (!finished) {
      const p = await client.workflow
        .getHandle(workflowId)
        .query<BackfillProgress>('progress')
        .catch(() => undefined);
      if (p) seen.push(p);
      await new Promise((r) => setTimeout(r, 500));
    }
    const r = await result;
    expect(r).toMatchObject({ total: 8760, done: 8760, failed: 0, failedHours: [], events: events.length });
    expect(r.run).toBe(Math.ceil(8760 / HOURS_PER_RUN));
    expect(seen.some((p) => p.run > 1 && p.done >= HOURS_PER_RUN)).toBe(true);
    for (let i = 1; i < seen.length; i++)
      expect(seen[i]?.done ?? 0).toBeGreaterThanOrEqual(seen[i - 1]?.done ?? 0);

    const runs = await historyLengths(client, workflowId, handle.firstExecutionRunId);
    expect(runs).toHaveLength(Math.ceil(8760 / HOURS_PER_RUN));
    for (const events of runs) expect(events).toBeLessThan(10_000);

    for (const h of busy)
      expect((await readHourPointer(lakeAt(config.lake.root), new Date(h).toISOString()))?.events).toBe(50);
    for (const h of [0, 1, 4000, 8758].map((i) => start + i * HOUR))
      expect((await readHourPointer(lakeAt(config.lake.root), new Date(h).toISOString()))?.events).toBe(0);
    expect((await readWatermark(lakeAt(config.lake.root))).hour).toBe(
      new Date(start + 8759 * HOUR).toISOString(),
    );
    console.log(`one-year backfill: ${runs.length} runs, longest history ${Math.max(...runs)} events`);
  }, 600_000);
});
