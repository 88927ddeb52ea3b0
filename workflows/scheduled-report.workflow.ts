/**
 * The `scheduledReport` workflow, started by the schedule `report-<project>.<id>` (or its Trigger button in
 * the Temporal UI). Deterministic: the figures are computed and the email rendered and sent in
 * activities, on the task queue the serving role polls.
 */
import { ApplicationFailure, proxyActivities, setCurrentDetails } from '@temporalio/workflow';
import { logicalTime } from './logical-time.workflow';
import { RECIPIENT_REJECTED } from './report-errors';
import type { ScheduledReportInput, ScheduledReportResult } from '../core/reports/figures';
import type { ReportActivities } from './report-activities';

export async function scheduledReport(input: ScheduledReportInput): Promise<ScheduledReportResult> {
  const { report } = input;
  // The run's logical time names the period: a run retried or caught up later covers the same one.
  const at = input.at ?? new Date(logicalTime()).toISOString();
  const { computeReportFigures } = proxyActivities<ReportActivities>({
    taskQueue: input.activityTaskQueue,
    startToCloseTimeout: '5 minutes',
    retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '1 minute' },
  });
  // Sending retries through a mail server outage for up to a day; each attempt first checks the
  // delivery ledger, so a retry after an accepted send does not send again.
  const { deliverReport } = proxyActivities<ReportActivities>({
    taskQueue: input.activityTaskQueue,
    startToCloseTimeout: '1 minute',
    scheduleToCloseTimeout: '24 hours',
    retry: {
      initialInterval: '2s',
      backoffCoefficient: 2,
      maximumInterval: '2 minutes',
      nonRetryableErrorTypes: [RECIPIENT_REJECTED],
    },
  });
  setCurrentDetails(`Computing '${report.name}' for the ${report.period} period before ${at}`);
  const figures = await computeReportFigures(report, at);
  setCurrentDetails(
    `Sending '${report.name}' for ${figures.period.label} to ${report.recipients.length} recipients`,
  );
  const outcomes = await Promise.allSettled(report.recipients.map((r) => deliverReport(report, figures, r)));
  const deliveries = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
  const failed = report.recipients.filter((_, i) => outcomes[i]?.status === 'rejected');
  setCurrentDetails(
    `'${report.name}' for ${figures.period.label}: ${deliveries.length} delivered` +
      (failed.length > 0 ? `, not delivered to ${failed.join(', ')}` : ''),
  );
  if (failed.length > 0) {
    throw ApplicationFailure.nonRetryable(
      `'${report.name}' for ${figures.period.label} was not delivered to ${failed.join(', ')}; ${deliveries.length} other recipients got it`,
      'ReportNotDelivered',
    );
  }
  return { period: figures.period, deliveries };
}
