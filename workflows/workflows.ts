/**
 * Batch-layer workflows. Deterministic: no I/O, clocks or randomness here (lint enforces the
 * imports); all work happens in activities. Progress is visible in the Temporal Web UI: current
 * details, memo, the BackfillProgressPercent search attribute and the `progress` query.
 */
import {
  ApplicationFailure,
  defineQuery,
  executeChild,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from './activities';
import { logicalTime } from './logical-time.workflow';
import type {
  BackfillInput,
  BackfillProgress,
  BackfillResult,
  DailyRollupInput,
  HourlyRecomputeInput,
  HourlyRecomputeResult,
} from './types';

const { recomputeHour, advanceWatermark, findLateHours, clearLateMarkers, rollupDay, publishedHours } =
  proxyActivities<ReturnType<typeof createActivities>>({
    startToCloseTimeout: '30 minutes',
    heartbeatTimeout: '20 seconds',
    retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1 minute' },
  });

const HOUR_MS = 3_600_000;
export const progressQuery = defineQuery<BackfillProgress>('progress');

const floorHour = (ms: number) => Math.floor(ms / HOUR_MS) * HOUR_MS;

/**
 * The hour a run recomputes: the input's, or for a scheduled run the hour before its scheduled
 * time (TemporalScheduledStartTime, the run's logical time, not "now").
 */
function targetHour(input: HourlyRecomputeInput): string {
  if (input.hour) return new Date(floorHour(Date.parse(input.hour))).toISOString();
  return new Date(floorHour(logicalTime()) - HOUR_MS).toISOString();
}

/** Recomputes every catalog metric of one hour from the lake and publishes the hour's batch view. */
export async function hourlyRecompute(input: HourlyRecomputeInput = {}): Promise<HourlyRecomputeResult> {
  const hour = targetHour(input);
  setCurrentDetails(`Recomputing ${hour} from the lake`);
  const projects = input.projects?.filter((p) => p !== '');
  const view =
    projects && projects.length > 0 ? await recomputeHour(hour, projects) : await recomputeHour(hour);
  // Scheduled runs (no explicit hour) seal the hour; explicit ones only when asked.
  const seal = input.advanceWatermark ?? input.hour === undefined;
  const watermark = seal ? await advanceWatermark(hour) : null;
  setCurrentDetails(`Published ${hour}: ${view.events} events${watermark ? `; watermark ${watermark}` : ''}`);
  return { hour, events: view.events, version: view.version, watermark };
}

/** Hours of a backfill: from the hour holding `from` to the hour before `to`. */
export function backfillHours(input: BackfillInput): string[] {
  const from = Date.parse(input.from);
  const to = Date.parse(input.to);
  if (!Number.isFinite(from) || !Number.isFinite(to) || to <= from) {
    throw ApplicationFailure.nonRetryable(
      `backfill needs ISO times with from < to (got ${input.from} .. ${input.to})`,
      'BadInput',
    );
  }
  const hours: string[] = [];
  for (let h = floorHour(from); h < to; h += HOUR_MS) hours.push(new Date(h).toISOString());
  if (hours.length > 24 * 400)
    throw ApplicationFailure.nonRetryable('backfill longer than 400 days: split it', 'BadInput');
  return hours;
}

/**
 * Recomputes every hour of a range as child workflows (one per hour, id named by the hour), at
 * most `concurrency` at once. Resumable: after a worker crash the history says which children
 * finished, and those are not run again. Running it twice gives identical views.
 */
export async function backfill(input: BackfillInput): Promise<BackfillResult> {
  if (input.engine !== undefined && input.engine !== 'duckdb') {
    throw ApplicationFailure.nonRetryable(`unknown engine '${input.engine}': use duckdb`, 'BadInput');
  }
  const hours = backfillHours(input);
  const concurrency = Math.max(1, Math.min(input.concurrency ?? 4, 16));
  const progress: BackfillProgress = {
    total: hours.length,
    done: 0,
    running: 0,
    failed: 0,
    events: 0,
    percent: 0,
  };
  setHandler(progressQuery, () => progress);
  const report = () => {
    progress.percent = progress.total === 0 ? 100 : Math.floor((progress.done * 100) / progress.total);
    setCurrentDetails(
      `Backfill ${input.from} .. ${input.to}: ${progress.done}/${progress.total} hours (${progress.percent}%), ` +
        `${progress.running} running, ${progress.events} events`,
    );
    upsertMemo({ progress: { ...progress } });
    upsertSearchAttributes({ BackfillProgressPercent: [progress.percent] });
  };
  report();
  const queue = [...hours];
  const parent = workflowInfo().workflowId;
  const worker = async () => {
    for (let hour = queue.shift(); hour !== undefined; hour = queue.shift()) {
      progress.running++;
      report();
      const r = await executeChild(hourlyRecompute, {
        workflowId: `${parent}/${hour}`,
        args: [{ hour, advanceWatermark: true, ...(input.projects ? { projects: input.projects } : {}) }],
      });
      progress.running--;
      progress.done++;
      progress.events += r.events;
      report();
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, hours.length) }, worker));
  return { ...progress, hours };
}

/**
 * Late-data repair: recomputes the published hours that received events after they were computed
 * (the speed layer names them in the lake's `_late/` markers), then clears the markers it read.
 * Run by the `late-data-repair` schedule; safe to run any time (recomputing is idempotent).
 */
export async function lateDataRepair(): Promise<{ hours: string[] }> {
  const { hours, markers } = await findLateHours();
  setCurrentDetails(
    hours.length === 0 ? 'No late events to repair' : `Repairing ${hours.length} hours: ${hours.join(', ')}`,
  );
  const parent = workflowInfo().workflowId;
  for (const hour of hours) {
    await executeChild(hourlyRecompute, {
      workflowId: `${parent}/${hour}`,
      args: [{ hour, advanceWatermark: false }],
    });
  }
  await clearLateMarkers(markers);
  return { hours };
}

/**
 * Daily rollup of one UTC day (the input's, or for a scheduled run the day before its scheduled
 * time): computes any hour of the day not yet published, then rolls the hours up into day buckets.
 */
export async function dailyRollup(input: DailyRollupInput = {}): Promise<{ day: string; hours: number }> {
  let day = input.day;
  if (!day) {
    day = new Date(Math.floor(logicalTime() / (24 * HOUR_MS)) * 24 * HOUR_MS - 24 * HOUR_MS)
      .toISOString()
      .slice(0, 10);
  }
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day))
    throw ApplicationFailure.nonRetryable(`day must be YYYY-MM-DD (got ${day})`, 'BadInput');
  const hours = Array.from({ length: 24 }, (_, i) =>
    new Date(Date.parse(`${day}T00:00:00Z`) + i * HOUR_MS).toISOString(),
  );
  const present = new Set(await publishedHours(hours));
  const parent = workflowInfo().workflowId;
  for (const hour of hours.filter((h) => !present.has(h))) {
    setCurrentDetails(`Computing missing hour ${hour}`);
    await executeChild(hourlyRecompute, {
      workflowId: `${parent}/${hour}`,
      args: [{ hour, advanceWatermark: true }],
    });
  }
  setCurrentDetails(`Rolling up ${day}`);
  return rollupDay(day);
}

export { scheduledReport } from './scheduled-report.workflow';
