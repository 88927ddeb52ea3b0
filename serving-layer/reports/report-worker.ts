import { activityMetrics } from '../../workflows/activity-metrics';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { Config } from '../../core/config/config';
import type { Logger } from '../../core/log';
import { installRuntimeOnce } from '../../workflows/worker';
import type { MetricsService } from '../metrics/metrics.service';
import { DeliveryLedger, ledgerStorage } from './delivery-ledger';
import { createReportActivities, type ReportDeps } from './report-activities';
import { createMailer } from './report-mailer';
import { temporalConnectionOptions } from '../../core/temporal/connection';

/**
 * Polls the report task queue from the serving process: the `scheduledReport` workflow (on the
 * batch queue) sends its activities here, where the merged views and their caches live, so report
 * figures come from the very code that answers the API.
 */
export async function startReportWorker(
  config: Config,
  metrics: MetricsService,
  log: Logger,
  overrides: Partial<Pick<ReportDeps, 'afterSent' | 'quality'>> = {},
): Promise<{ stop(): Promise<void> }> {
  installRuntimeOnce();
  const mailer = createMailer(config.reports.smtp);
  const connection = await NativeConnection.connect(temporalConnectionOptions(config.temporal));
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.reports.taskQueue,
    activities: createReportActivities({
      metrics,
      mailer,
      ledger: new DeliveryLedger(ledgerStorage(config)),
      from: config.reports.from,
      ...overrides,
    }),
    interceptors: { activity: [activityMetrics] },
  });
  const done = worker.run().finally(async () => {
    mailer.close();
    await connection.close();
  });
  log.info('report worker running', {
    taskQueue: config.reports.taskQueue,
    smtp: `${config.reports.smtp.host}:${config.reports.smtp.port}`,
  });
  return {
    stop: async () => {
      worker.shutdown();
      await done;
    },
  };
}
