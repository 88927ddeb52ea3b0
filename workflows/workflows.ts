/**
 * Batch-layer workflows. Deterministic: no I/O, clocks or randomness here (lint enforces the
 * imports); all work happens in activities.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { createActivities } from './activities';
import type { HourlyRecomputeInput, HourlyRecomputeResult } from './types';

const { recomputeHour } = proxyActivities<ReturnType<typeof createActivities>>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

const HOUR_MS = 3_600_000;
const SCHEDULED_START_TIME = defineSearchAttributeKey(
  'TemporalScheduledStartTime',
  SearchAttributeType.DATETIME,
);

/**
 * The hour a run recomputes: the input's, or for a scheduled run the hour before its scheduled
 * time (TemporalScheduledStartTime, the run's logical time, not "now").
 */
function targetHour(input: HourlyRecomputeInput): string {
  if (input.hour) return new Date(Math.floor(Date.parse(input.hour) / HOUR_MS) * HOUR_MS).toISOString();
  const scheduled = workflowInfo().typedSearchAttributes.get(SCHEDULED_START_TIME);
  const logical = scheduled ? scheduled.getTime() : workflowInfo().startTime.getTime();
  return new Date(Math.floor(logical / HOUR_MS) * HOUR_MS - HOUR_MS).toISOString();
}

/** Recomputes every batch metric of one hour from the lake and publishes the hour's batch view. */
export async function hourlyRecompute(input: HourlyRecomputeInput = {}): Promise<HourlyRecomputeResult> {
  return recomputeHour(targetHour(input));
}
