import type { Client } from '@temporalio/client';

/** The history length of each run of a workflow that continued as new, first to last. */
export async function historyLengths(
  client: Client,
  workflowId: string,
  firstRunId: string,
): Promise<number[]> {
  const lengths: number[] = [];
  let runId: string | undefined = firstRunId;
  while (runId !== undefined) {
    const current: string = runId;
    const history = await client.workflow.getHandle(workflowId, current).fetchHistory();
    const events = history.events ?? [];
    lengths.push(events.length);
    const next: string | null | undefined =
      events[events.length - 1]?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
    runId = next ?? undefined;
  }
  return lengths;
}
