import { METRIC_CATALOG, type MetricDefinition } from '../core/metric-catalog/catalog';
import type { CatalogDialect } from './catalog-dialect';
import { fillTemplate, sqlTemplate } from '../core/metric-catalog/sql-templates';

/**
 * The metric catalog compiled to an engine's SQL through its dialect, producing the same rows as
 * the speed layer's aggregation (speed-layer/aggregate.ts): minute buckets, counts and sums, HLL
 * registers from MD5. Only catalog constants (metric and property names) are written into the
 * text; the lake files and the hour's bounds are bound parameters.
 */
export interface CompiledCatalog {
  setup: string[];
  measures: string;
  uniques: string;
}

export function compileCatalog(d: CatalogDialect): CompiledCatalog {
  const eventFilter = (m: MetricDefinition) =>
    m.events === '*' ? 'TRUE' : `event IN (${m.events.map((e) => d.quote(e)).join(', ')})`;
  const dimension = (m: MetricDefinition): string => {
    switch (m.dimension.from) {
      case 'none':
        return `''`;
      case 'event':
        return 'event';
      case 'property':
        return d.dimText(m.dimension.name);
      case 'line_item':
        return `coalesce(item.${m.dimension.name}, '')`;
    }
  };
  const head = (m: MetricDefinition) =>
    `SELECT project_id, ${d.minute} AS minute, ${d.quote(m.name)} AS metric, ${dimension(m)} AS dim`;
  const measureSelect = (m: MetricDefinition): string | undefined => {
    const k = m.measure;
    switch (k.kind) {
      case 'count':
        return `${head(m)}, ${d.countColumns} FROM base WHERE ${eventFilter(m)} GROUP BY ALL`;
      case 'sum':
        return `${head(m)}, ${d.sumColumns(d.number(k.property))}
              FROM base WHERE ${eventFilter(m)} AND ${d.isNumber(k.property)} GROUP BY ALL`;
      case 'line_item_sum': {
        const value = k.value === 'quantity' ? 'item.quantity' : 'item.price * item.quantity';
        return `${head(m)}, ${d.sumColumns(value)}
              FROM ${d.fromLineItems}
              WHERE ${eventFilter(m)} GROUP BY ALL`;
      }
      case 'unique_actors':
        return undefined;
    }
  };
  const base = sqlTemplate(d.engine, 'hour_base');
  const measures = METRIC_CATALOG.map(measureSelect).filter((s): s is string => s !== undefined);
  const actors = METRIC_CATALOG.filter((m) => m.measure.kind === 'unique_actors').map(
    (m) => `${head(m)}, actor_id FROM base WHERE ${eventFilter(m)}`,
  );
  return {
    setup: d.setup,
    measures: fillTemplate(sqlTemplate(d.engine, 'hour_measures'), {
      ...d.parts,
      base,
      measures: measures.join('\nUNION ALL\n'),
    }),
    uniques: fillTemplate(sqlTemplate(d.engine, 'hour_uniques'), {
      ...d.parts,
      base,
      actors: actors.join('\nUNION ALL\n'),
    }),
  };
}
