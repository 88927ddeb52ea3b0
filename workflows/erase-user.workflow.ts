/**
 * The `eraseUser` workflow (GDPR): removes every event of a user from the lake, the speed view and
 * the batch views, and keeps their new events out for a while. It carries the erasure's id, never
 * the user's: the ids live in PostgreSQL until it completes, so Temporal's history names no one.
 * Every step is idempotent: a worker killed at any point resumes to the same end state.
 */
import { executeChild, proxyActivities, setCurrentDetails, sleep, workflowInfo } from '@temporalio/workflow';
import type { ErasureRemoved } from '../core/erasure/erasure-store';
import type { createErasureActivities, SpeedErasureActivities } from './erasure-activities';
import type { createActivities } from './activities';
import { WORKFLOW_TYPES } from './ids';
import type { HourlyRecomputeInput, HourlyRecomputeResult } from './types';

export interface EraseUserInput {
  erasureId: string;
  /** The task queue the speed role polls (SPEED_TASK_QUEUE). */
  speedTaskQueue: string;
  /** How often collectors reload the drop list: the workflow waits two periods before reading. */
  dropListRefreshMs: number;
}

const RETRY = { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1 minute' } as const;
const batch = proxyActivities<
  ReturnType<typeof createErasureActivities> & ReturnType<typeof createActivities>
>({
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '20 seconds',
  retry: RETRY,
});

export async function eraseUser(input: EraseUserInput): Promise<ErasureRemoved> {
  const speed = proxyActivities<SpeedErasureActivities>({
    taskQueue: input.speedTaskQueue,
    startToCloseTimeout: '30 minutes',
    heartbeatTimeout: '20 seconds',
    retry: RETRY,
  });
  const id = input.erasureId;
  const link = async () => {
    await batch.resolveLakeLinks(id);
    const ids = await speed.resolveSpeedLinks(id);
    await batch.blockErasedIds(id);
    return ids;
  };
  setCurrentDetails('Finding the ids linked to the user; blocking them at ingest');
  await link();
  // Collectors reload the drop list every period: after two, none accepts the user's events.
  await sleep(2 * input.dropListRefreshMs + 1000);
  const ends = await batch.eventsEndOffsets();
  setCurrentDetails('Waiting for the speed layer and the archiver to store every event accepted so far');
  await batch.awaitConsumers(ends);
  // Ids linked meanwhile (an identify with a new anonymous id accepted before the block).
  const ids = await link();
  setCurrentDetails(`Erasing ${ids} ids from the lake`);
  // Counted first: a run resumed after a crash, with some files rewritten, still knows them all.
  const lake = await batch.surveyLake(id);
  await batch.eraseFromLake(id);
  setCurrentDetails(`Lake: ${lake.rows} rows removed from ${lake.files} files; erasing from the speed view`);
  const held = await speed.surveySpeed(id);
  const fast = await speed.eraseFromSpeed(id, held.minutes);
  const hours = await batch.hoursWithViews(lake.hours);
  const parent = workflowInfo().workflowId;
  for (const [i, hour] of hours.entries()) {
    setCurrentDetails(`Recomputing sealed hour ${hour} without the user (${i + 1}/${hours.length})`);
    await executeChild<(i: HourlyRecomputeInput) => Promise<HourlyRecomputeResult>>(
      WORKFLOW_TYPES.hourlyRecompute,
      {
        workflowId: `${parent}/${hour}`,
        args: [{ hour, projects: [lake.project], force: true, advanceWatermark: false }],
      },
    );
  }
  const days = await batch.daysWithViews([...new Set(hours.map((h) => h.slice(0, 10)))]);
  for (const day of days) {
    setCurrentDetails(`Rolling up ${day} again`);
    await batch.rollupDay(day);
  }
  const removed: ErasureRemoved = {
    lakeFiles: lake.files,
    lakeRows: lake.rows,
    quarantineRows: lake.quarantineRows,
    speedRows: held.rows,
    speedMinutes: fast.minutes,
    hoursRecomputed: hours,
    daysRolledUp: days,
  };
  await batch.completeErasure(id, removed);
  setCurrentDetails(
    `Erased: ${lake.rows} lake rows (${lake.files} files), ${held.rows} speed rows; ${hours.length} hours recomputed`,
  );
  return removed;
}
