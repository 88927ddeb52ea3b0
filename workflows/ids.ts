/** Names operators and other parts rely on (docs/architecture.md, Contracts). Never repeat these as string literals. */
export const TASK_QUEUE = 'analytics-batch';

export const WORKFLOW_TYPES = {
  hourlyRecompute: 'hourlyRecompute',
  dailyRollup: 'dailyRollup',
  backfill: 'backfill',
  lateDataRepair: 'lateDataRepair',
  scheduledReport: 'scheduledReport',
  eraseUser: 'eraseUser',
} as const;

export const SCHEDULE_IDS = {
  hourlyRecompute: 'hourly-recompute',
  dailyRollup: 'daily-rollup',
  lateDataRepair: 'late-data-repair',
  report: (id: string) => `report-${id}`,
} as const;
