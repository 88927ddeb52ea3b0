import type { Config } from '../core/config/config';
import type { ReportDefinition } from '../core/reports/definition';
import { ReportSchedules } from '../workflows/report-schedules';
import { DEMO_PROJECT } from './local-credentials';
import { connectTemporal } from './temporal-client';

export const DEMO_REPORT: ReportDefinition = {
  id: 'demo-daily',
  name: 'Demo daily report',
  project: DEMO_PROJECT,
  metrics: ['events', 'active_users', 'page_views', 'content_plays', 'revenue'],
  period: 'daily',
  timeZone: 'UTC',
  sendAt: '08:00',
  recipients: ['stakeholders@demo.local'],
};

/**
 * The demo project's example report (schedule `report-demo.demo-daily`, to the local inbox). Created
 * by `./platform up` when missing and sent once right away, so a newcomer sees an email arrive;
 * when it exists it is left as the operator left it (paused or changed).
 */
export async function ensureDemoReport(config: Config): Promise<'created' | 'kept'> {
  const client = await connectTemporal(config);
  try {
    const schedules = new ReportSchedules(client, {
      taskQueue: config.temporal.taskQueue,
      activityTaskQueue: config.reports.taskQueue,
    });
    if (await schedules.get(DEMO_PROJECT, DEMO_REPORT.id)) return 'kept';
    await schedules.create(DEMO_REPORT);
    await schedules.trigger(DEMO_PROJECT, DEMO_REPORT.id);
    return 'created';
  } finally {
    await client.connection.close();
  }
}
