import type { Config } from '../../core/config/config';
import type { Logger } from '../../core/log';
import { startWorker, type RunningWorker } from '../../workflows/workers/start-worker';
import type { MetricQuery } from '../query/metric-query';
import { DeliveryLedger, ledgerStorage } from './delivery-ledger';
import { createReportActivities, type ReportDeps } from './report-activities';
import { createMailer } from './report-mailer';

/**
 * Polls the report task queue from the serving process: the `scheduledReport` workflow (on the
 * batch queue) sends its activities here, where the merged views and their caches live, so report
 * figures come from the very code that answers the API. A worker of the one shape
 * (workflows/workers/start-worker.ts); it lives here because its activities do.
 */
export async function startReportWorker(o: {
  config: Config;
  metrics: MetricQuery;
  log: Logger;
  overrides?: Partial<Pick<ReportDeps, 'afterSent' | 'quality' | 'insights'>>;
}): Promise<RunningWorker> {
  const { config } = o;
  const mailer = createMailer(config.reports.smtp);
  return startWorker({
    name: 'report worker',
    temporal: config.temporal,
    taskQueue: config.reports.taskQueue,
    activities: createReportActivities({
      metrics: o.metrics,
      mailer,
      ledger: new DeliveryLedger(ledgerStorage(config)),
      from: config.reports.from,
      ...o.overrides,
    }),
    log: o.log,
    release: () => mailer.close(),
  }).catch((e: unknown) => {
    mailer.close();
    throw e;
  });
}
