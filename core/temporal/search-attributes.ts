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

/** temporal.api.enums.v1.IndexedValueType numbers, for OperatorService.addSearchAttributes. */
export const INDEXED_VALUE_TYPE: Record<(typeof SEARCH_ATTRIBUTES)[keyof typeof SEARCH_ATTRIBUTES], number> =
  {
    Keyword: 2,
    Int: 3,
    Datetime: 6,
  };
