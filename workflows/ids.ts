/** Names operators and other parts rely on (docs/architecture.md, Contracts). Never repeat these as string literals. */
export const WORKFLOW_TYPES = {
  hourlyRecompute: 'hourlyRecompute',
  dailyRollup: 'dailyRollup',
  backfill: 'backfill',
  lateDataRepair: 'lateDataRepair',
  scheduledReport: 'scheduledReport',
  eraseUser: 'eraseUser',
  exportEvents: 'exportEvents',
} as const;

export const SCHEDULE_IDS = {
  hourlyRecompute: 'hourly-recompute',
  dailyRollup: 'daily-rollup',
  lateDataRepair: 'late-data-repair',
  /**
   * Per project: schedule ids are one namespace for all tenants, so a report id alone would tell
   * one project that another holds it. Report ids have no '.', so the split is unambiguous.
   */
  report: (project: string, id: string) => `report-${project}.${id}`,
} as const;
