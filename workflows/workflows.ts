/**
 * Batch-layer workflows. Deterministic: no I/O, clocks or randomness here (lint enforces the
 * imports); all work happens in activities. Progress is visible in the Temporal Web UI: current
 * details, memo, the BackfillProgressPercent search attribute and the `progress` query.
 */
import {
  ApplicationFailure,
  continueAsNew,
  defineQuery,
  executeChild,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { BATCH_ENGINES, isBatchEngine, type BatchEngineName } from '../core/batch-engines';
import type { createActivities } from './activities';
import { logicalTime } from './logical-time.workflow';
import type {
  BackfillInput,
  BackfillProgress,
  BackfillResult,
  DailyRollupInput,
  EngineBytes,
  HourlyRecomputeInput,
  HourlyRecomputeResult,
  LateDataRepairInput,
} from './types';

const HOUR_MS = 3_600_000;
/** Attempts of an hour's recompute inside a backfill before that hour counts as failed. */
const BACKFILL_ATTEMPTS = 3;
/**
 * Hours one backfill run takes on before it continues as new: each hour adds a few history
 * events (child started and completed, a workflow task), so a run stays far below Temporal's
 * history limits (51,200 events, 50 MB) and under 10,000 events, however long the range.
 */
export const HOURS_PER_RUN = 500;
/** Empty hours are sealed by one activity per chunk instead of a child workflow each. */
const EMPTY_CHUNK = 250;

const ACTIVITY_OPTIONS = {
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '20 seconds',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1 minute' },
} as const;
const {
  recomputeHour,
  recomputeHourView,
  advanceWatermark,
  findLateHours,
  clearLateMarkers,
  rollupDay,
  publishedHours,
  lakeHoursIn,
  daysWithViews,
} = proxyActivities<ReturnType<typeof createActivities>>(ACTIVITY_OPTIONS);
/** A backfill's hours give up after a few attempts: the run counts them failed and goes on. */
const bounded = proxyActivities<ReturnType<typeof createActivities>>({
  ...ACTIVITY_OPTIONS,
  retry: { ...ACTIVITY_OPTIONS.retry, maximumAttempts: BACKFILL_ATTEMPTS },
});

export const progressQuery = defineQuery<BackfillProgress>('progress');

const floorHour = (ms: number) => Math.floor(ms / HOUR_MS) * HOUR_MS;

/** Refuses an engine that is not one of ours, before any work. */
function checkEngine(engine: unknown): void {
  if (engine !== undefined && !isBatchEngine(engine))
    throw ApplicationFailure.nonRetryable(
      `unknown engine '${String(engine)}': use ${BATCH_ENGINES.join(' or ')}`,
      'BadInput',
    );
}

/** Shows the run's engine in the Temporal UI: memo, and the AnalyticsEngine search attribute. */
function showEngine(engine: BatchEngineName): void {
  upsertMemo({ engine });
  upsertSearchAttributes({ AnalyticsEngine: [engine] });
}

/** The engine as named in the input, in children's inputs (absent: the worker's default). */
const engineArg = (engine: BatchEngineName | undefined) => (engine ? { engine } : {});

const addBytes = (into: EngineBytes, b: EngineBytes | undefined) => {
  into.loaded += b?.loaded ?? 0;
  into.processed += b?.processed ?? 0;
};

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
  checkEngine(input.engine);
  const hour = targetHour(input);
  setCurrentDetails(`Recomputing ${hour} from the lake`);
  if (input.engine) showEngine(input.engine);
  const projects = input.projects?.filter((p) => p !== '');
  const activities = input.attempts ? bounded : { recomputeHour, recomputeHourView };
  // Runs recorded before the object argument replay with the positional activity they scheduled.
  const view = patched('recompute-hour-input')
    ? await activities.recomputeHourView({
        hour,
        ...(projects?.length ? { projects } : {}),
        force: input.force ?? false,
        ...(input.engine ? { engine: input.engine } : {}),
      })
    : await activities.recomputeHour(
        hour,
        projects?.length ? projects : undefined,
        input.force ?? false,
        input.engine,
      );
  // A run that named no engine shows the worker's default once it is known (runs recorded
  // before engines were shown replay without it).
  if (!input.engine && patched('show-default-engine') && view.engine) showEngine(view.engine);
  // Scheduled runs (no explicit hour) seal the hour; explicit ones only when asked.
  const seal = input.advanceWatermark ?? input.hour === undefined;
  const watermark = seal ? await advanceWatermark(hour) : null;
  setCurrentDetails(
    `Published ${hour}: ${view.events} events${view.engine ? ` (${view.engine})` : ''}${watermark ? `; watermark ${watermark}` : ''}`,
  );
  return {
    hour,
    events: view.events,
    version: view.version,
    watermark,
    ...(view.engine ? { engine: view.engine } : {}),
    ...(view.bytes ? { bytes: view.bytes } : {}),
  };
}

/** Hours of a backfill: from the hour holding `from` to the hour before `to` (or the input's list). */
export function backfillHours(input: BackfillInput): string[] {
  const from = Date.parse(input.from);
  const to = Date.parse(input.to);
  if (!Number.isFinite(from) || !Number.isFinite(to) || to <= from) {
    throw ApplicationFailure.nonRetryable(
      `backfill needs ISO times with from < to (got ${input.from} .. ${input.to})`,
      'BadInput',
    );
  }
  if (input.hours) {
    const listed = [...new Set(input.hours.map((h) => Date.parse(h)))];
    const bad = input.hours.find((h) => !Number.isFinite(Date.parse(h)));
    if (bad !== undefined)
      throw ApplicationFailure.nonRetryable(`hours: '${bad}' is not an ISO time`, 'BadInput');
    return listed
      .map(floorHour)
      .filter((h) => h + HOUR_MS > from && h < to)
      .sort((a, b) => a - b)
      .map((h) => new Date(h).toISOString());
  }
  const hours: string[] = [];
  for (let h = floorHour(from); h < to; h += HOUR_MS) hours.push(new Date(h).toISOString());
  return hours;
}

/**
 * Recomputes every hour of a range: hours the lake holds events for as child workflows (one per
 * hour, id named by the hour), at most `concurrency` at once; empty hours sealed in chunks by one
 * activity. Any length: after HOURS_PER_RUN hours the run continues as new, carrying its progress,
 * so each run's history stays small. Resumable: after a worker crash the history says which
 * children finished, and an hour whose view already matches the lake is kept, not recomputed.
 * An hour that fails its attempts is counted and listed in `failedHours`; a second backfill over
 * `hours: failedHours` retries just those.
 */
export async function backfill(input: BackfillInput): Promise<BackfillResult> {
  checkEngine(input.engine);
  const hours = backfillHours(input);
  const concurrency = Math.max(1, Math.min(input.concurrency ?? 4, 16));
  const next = input.carried?.next ?? 0;
  // The earlier runs' progress goes on; this run is the next one.
  const progress: BackfillProgress = {
    done: 0,
    failed: 0,
    events: 0,
    failedHours: [],
    run: 0,
    ...engineArg(input.engine),
    bytes: { loaded: 0, processed: 0 },
    ...input.carried?.progress,
    total: hours.length,
    running: 0,
    percent: 0,
  };
  progress.run++;
  setHandler(progressQuery, () => progress);
  if (input.engine) showEngine(input.engine);
  let shownPercent = -1;
  const report = () => {
    const finished = progress.done + progress.failed;
    progress.percent = progress.total === 0 ? 100 : Math.floor((finished * 100) / progress.total);
    setCurrentDetails(
      `Backfill ${input.from} .. ${input.to}: ${finished}/${progress.total} hours (${progress.percent}%), ` +
        `${progress.running} running, ${progress.failed} failed, ${progress.events} events` +
        `${progress.engine ? ` on ${progress.engine}` : ''}${progress.bytes?.processed ? `, ${progress.bytes.processed} bytes processed` : ''}; run ${progress.run}`,
    );
    // Memo and search attribute only when the percentage moves: each upsert is a history event.
    if (progress.percent !== shownPercent) {
      shownPercent = progress.percent;
      upsertMemo({ progress: { ...progress, failedHours: progress.failedHours.slice(0, 50) } });
      upsertSearchAttributes({ BackfillProgressPercent: [progress.percent] });
    }
  };
  report();
  const slice = hours.slice(next, next + HOURS_PER_RUN);
  const withEvents = new Set(slice.length > 0 ? await lakeHoursIn(slice, input.projects) : []);
  const parent = workflowInfo().workflowId;
  const failed = (hour: string) => {
    progress.failed++;
    progress.failedHours.push(hour);
  };

  // Empty hours: sealed as empty views, a chunk per activity.
  const empty = slice.filter((h) => !withEvents.has(h));
  for (let i = 0; i < empty.length; i += EMPTY_CHUNK) {
    const chunk = empty.slice(i, i + EMPTY_CHUNK);
    try {
      const r = await bounded.sealEmptyHours(chunk, input.force ?? false, input.engine);
      progress.done += chunk.length;
      progress.events += r.events;
      if (progress.bytes) addBytes(progress.bytes, r.bytes);
    } catch {
      for (const h of chunk) failed(h);
    }
    report();
  }

  const queue = slice.filter((h) => withEvents.has(h));
  const worker = async () => {
    for (let hour = queue.shift(); hour !== undefined; hour = queue.shift()) {
      progress.running++;
      try {
        const r = await executeChild(hourlyRecompute, {
          workflowId: `${parent}/${hour}`,
          args: [
            {
              hour,
              advanceWatermark: true,
              attempts: BACKFILL_ATTEMPTS,
              ...(input.projects ? { projects: input.projects } : {}),
              ...(input.force ? { force: true } : {}),
              ...engineArg(input.engine),
            },
          ],
        });
        progress.done++;
        progress.events += r.events;
        if (progress.bytes) addBytes(progress.bytes, r.bytes);
        if (!progress.engine && r.engine) progress.engine = r.engine;
      } catch {
        failed(hour);
      } finally {
        progress.running--;
      }
      report();
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, worker));

  if (next + slice.length < hours.length) {
    await continueAsNew<typeof backfill>({ ...input, carried: { next: next + slice.length, progress } });
  }
  return { ...progress, hours: hours.length <= HOURS_PER_RUN ? hours : [] };
}

/**
 * Late-data repair: recomputes the hours that received events after they were computed (the speed
 * layer names them in the lake's `_late/` markers) and the hours before the watermark that the
 * lake holds events for and no view covers, then clears the markers it handled. Run by the
 * `late-data-repair` schedule; safe to run any time (an hour whose view matches the lake is kept).
 */
export async function lateDataRepair(input: LateDataRepairInput = {}): Promise<{ hours: string[] }> {
  checkEngine(input.engine);
  const { hours, markers, more } = await findLateHours();
  setCurrentDetails(
    hours.length === 0 ? 'No late events to repair' : `Repairing ${hours.length} hours: ${hours.join(', ')}`,
  );
  const parent = workflowInfo().workflowId;
  for (const hour of hours) {
    await executeChild(hourlyRecompute, {
      workflowId: `${parent}/${hour}`,
      args: [{ hour, advanceWatermark: false, ...engineArg(input.engine) }],
    });
  }
  // Days already rolled up that hold a repaired hour: rolled up again (until then readers use the
  // repaired hours, not the stale day).
  if (hours.length > 0 && patched('reroll-repaired-days')) {
    const days = await daysWithViews([...new Set(hours.map((h) => h.slice(0, 10)))]);
    for (const day of days) await rollupDay(day, input.engine);
  }
  await clearLateMarkers(markers);
  // A long import owes many hours: the rest in a fresh run, so no history grows without bound.
  if (more) await continueAsNew<typeof lateDataRepair>(input);
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
  checkEngine(input.engine);
  if (input.engine) showEngine(input.engine);
  const hours = Array.from({ length: 24 }, (_, i) =>
    new Date(Date.parse(`${day}T00:00:00Z`) + i * HOUR_MS).toISOString(),
  );
  const present = new Set(await publishedHours(hours));
  const parent = workflowInfo().workflowId;
  const missing = hours.filter((h) => !present.has(h));
  const compute = async (hour: string) => {
    setCurrentDetails(`Computing missing hour ${hour}`);
    await executeChild(hourlyRecompute, {
      workflowId: `${parent}/${hour}`,
      args: [{ hour, advanceWatermark: true, ...engineArg(input.engine) }],
    });
  };
  if (patched('rollup-two-hours-at-a-time')) {
    // Two children at a time: one's fixed costs (starting it, listing its files, writing and
    // publishing its views) overlap the other's query. The watermark still moves in order: it
    // advances only over published hours with none missing before them.
    const queue = [...missing];
    const worker = async () => {
      for (let hour = queue.shift(); hour !== undefined; hour = queue.shift()) await compute(hour);
    };
    await Promise.all([worker(), worker()]);
  } else for (const hour of missing) await compute(hour);
  setCurrentDetails(`Rolling up ${day}`);
  return rollupDay(day, input.engine);
}

export { scheduledReport } from './scheduled-report.workflow';
export { eraseUser } from './erase-user.workflow';
export { exportEvents } from './export-events.workflow';
