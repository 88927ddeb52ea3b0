import {
  ScheduleAlreadyRunning,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleSpec,
} from '@temporalio/client';
import type { BatchEngineName } from '../core/batch-engines';
import { SCHEDULE_IDS, WORKFLOW_TYPES } from './ids';

export interface ScheduleOptions {
  taskQueue: string;
  /** Tests prefix the ids and shorten the specs; production keeps the contract's. */
  idPrefix?: string;
  hourlySpec?: ScheduleSpec;
  repairSpec?: ScheduleSpec;
  dailySpec?: ScheduleSpec;
  /** The engine scheduled runs name (BATCH_ENGINE), so each run shows it in the UI. */
  engine?: BatchEngineName;
}

/** 02:00 UTC, for the day before. */
const DAILY: ScheduleSpec = { calendars: [{ hour: 2, minute: 0 }] };

/** Late events are looked for every 2 minutes (LATE_REPAIR_EVERY_SECONDS sets it for the worker role). */
const REPAIR: ScheduleSpec = { intervals: [{ every: '2 minutes' }] };

/** 5 minutes past every hour, for the hour before (the run's scheduled time names it). */
const HOURLY: ScheduleSpec = { calendars: [{ minute: 5, hour: { start: 0, end: 23 } }] };

/**
 * Creates the batch schedules, or brings them up to date, when a worker starts. Idempotent:
 * a schedule that exists is updated in place (its run history and pause state are kept).
 */
export async function ensureSchedules(client: Client, opts: ScheduleOptions): Promise<string[]> {
  // Missed runs (worker or cluster down) are caught up for a day; runs never overlap.
  const policies = { overlap: ScheduleOverlapPolicy.BUFFER_ONE, catchupWindow: '1 day' };
  const wanted = [
    {
      id: `${opts.idPrefix ?? ''}${SCHEDULE_IDS.hourlyRecompute}`,
      spec: opts.hourlySpec ?? HOURLY,
      workflowType: WORKFLOW_TYPES.hourlyRecompute,
      description: 'Recomputes the previous hour from the lake and seals it (batch watermark).',
    },
    {
      id: `${opts.idPrefix ?? ''}${SCHEDULE_IDS.dailyRollup}`,
      spec: opts.dailySpec ?? DAILY,
      workflowType: WORKFLOW_TYPES.dailyRollup,
      description: 'Rolls the previous day up from its hourly views (DAU, revenue, content per day).',
    },
    {
      id: `${opts.idPrefix ?? ''}${SCHEDULE_IDS.lateDataRepair}`,
      spec: opts.repairSpec ?? REPAIR,
      workflowType: WORKFLOW_TYPES.lateDataRepair,
      description: 'Recomputes sealed hours that received late events.',
    },
  ];
  for (const s of wanted) {
    const action = {
      type: 'startWorkflow' as const,
      workflowType: s.workflowType,
      taskQueue: opts.taskQueue,
      args: [opts.engine ? { engine: opts.engine } : {}],
    };
    try {
      await client.schedule.create({
        scheduleId: s.id,
        spec: s.spec,
        action,
        policies,
        memo: { description: s.description },
      });
    } catch (e) {
      if (!(e instanceof ScheduleAlreadyRunning)) throw e;
      await client.schedule.getHandle(s.id).update((prev) => ({ ...prev, spec: s.spec, action, policies }));
    }
  }
  return wanted.map((s) => s.id);
}
