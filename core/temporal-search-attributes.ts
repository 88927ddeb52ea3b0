/**
 * Custom search attributes our workflows set, so operators can filter and watch runs in the
 * Temporal Web UI (e.g. `BackfillProgressPercent < 100`). The local dev server registers them at
 * start; a cluster needs them registered once (`temporal operator search-attribute create`).
 */
export const SEARCH_ATTRIBUTES = {
  AnalyticsWindowStart: 'Datetime',
  AnalyticsWindowEnd: 'Datetime',
  AnalyticsEngine: 'Keyword',
  BackfillProgressPercent: 'Int',
} as const;
