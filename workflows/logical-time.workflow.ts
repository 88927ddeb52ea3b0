import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { workflowInfo } from '@temporalio/workflow';

const SCHEDULED_START_TIME = defineSearchAttributeKey(
  'TemporalScheduledStartTime',
  SearchAttributeType.DATETIME,
);

/**
 * A run's logical time, in ms: when its schedule meant it to run (TemporalScheduledStartTime), so
 * a run caught up or retried later covers the same period; a run started by hand, its start time.
 */
export function logicalTime(): number {
  const scheduled = workflowInfo().typedSearchAttributes.get(SCHEDULED_START_TIME);
  return (scheduled ?? workflowInfo().startTime).getTime();
}
