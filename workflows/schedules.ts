import {
  ScheduleAlreadyRunning,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleSpec,
} from '@temporalio/client';
import { SCHEDULE_IDS, WORKFLOW_TYPES } from './ids';

export interface ScheduleOptions {
  taskQueue: string;
  /** Tests use their own ids and a short interval; production keeps the contract's. */
  hourlyId?: string;
  hourlySpec?: ScheduleSpec;
}

/** 5 minutes past every hour, for the hour before (the run's scheduled time names it). */
const HOURLY: ScheduleSpec = { calendars: [{ minute: 5, hour: { start: 0, end: 23 } }] };

/**
 * Creates the batch schedules, or brings them up to date, when a worker starts. Idempotent:
 * a schedule that exists is updated in place (its run history and pause state are kept).
 */
export async function ensureSchedules(client: Client, opts: ScheduleOptions): Promise<string[]> {
  const id = opts.hourlyId ?? SCHEDULE_IDS.hourlyRecompute;
  const spec = opts.hourlySpec ?? HOURLY;
  const action = {
    type: 'startWorkflow' as const,
    workflowType: WORKFLOW_TYPES.hourlyRecompute,
    taskQueue: opts.taskQueue,
    args: [{}],
  };
  // Missed runs (worker or cluster down) are caught up for a day; runs never overlap.
  const policies = { overlap: ScheduleOverlapPolicy.BUFFER_ONE, catchupWindow: '1 day' };
  try {
    await client.schedule.create({
      scheduleId: id,
      spec,
      action,
      policies,
      memo: { description: 'Recomputes the previous hour from the lake and seals it (batch watermark).' },
    });
  } catch (e) {
    if (!(e instanceof ScheduleAlreadyRunning)) throw e;
    await client.schedule.getHandle(id).update((prev) => ({ ...prev, spec, action, policies }));
  }
  return [id];
}
