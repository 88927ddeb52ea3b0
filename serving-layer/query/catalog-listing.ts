import { METRIC_CATALOG, type MetricDefinition } from '../../core/metric-catalog/catalog';
import { SESSION_METRICS } from '../../core/metric-catalog/session-metrics';

/** Names kept for the first API version: `events_count` is the catalog's `events` counted. */
export const ALIASES: Record<string, string> = { events_count: 'events' };

/**
 * Every metric that can be asked: the catalog's (counts, sums, unique persons) and the session
 * metrics (`value`: count, rate, seconds or average per session).
 */
export function catalogListing() {
  const catalog = METRIC_CATALOG.map((d) => ({
    name: d.name,
    description: d.description,
    events: d.events,
    value:
      d.measure.kind === 'sum' || d.measure.kind === 'line_item_sum'
        ? 'sum'
        : d.measure.kind === 'unique_actors'
          ? 'unique'
          : 'count',
    dimension: dimensionName(d) ?? null,
    exact: d.exact,
  }));
  const sessions = SESSION_METRICS.map((d) => ({
    name: d.name as string,
    description: d.description,
    events: '*' as const,
    value: d.value,
    dimension: ('dimension' in d ? d.dimension : null) as string | null,
    exact: true,
  }));
  return [...catalog, ...sessions];
}

/** The name a metric's dimension is grouped and filtered by, if it has one. */
export function dimensionName(def: MetricDefinition): string | undefined {
  return def.dimension.from === 'none'
    ? undefined
    : def.dimension.from === 'event'
      ? 'event'
      : def.dimension.name;
}
