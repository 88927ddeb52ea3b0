import { METRIC_CATALOG, type MetricDefinition } from '../../core/metric-catalog/catalog';

/** Names kept for the first API version: `events_count` is the catalog's `events` counted. */
export const ALIASES: Record<string, string> = { events_count: 'events' };

export function catalogListing() {
  return METRIC_CATALOG.map((d) => ({
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
}

/** The name a metric's dimension is grouped and filtered by, if it has one. */
export function dimensionName(def: MetricDefinition): string | undefined {
  return def.dimension.from === 'none'
    ? undefined
    : def.dimension.from === 'event'
      ? 'event'
      : def.dimension.name;
}
