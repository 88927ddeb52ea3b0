import { lineItems, type MetricDefinition } from './catalog';

/** What an event needs for the catalog's per-event definitions. */
export interface EventFields {
  event: string;
  properties: Record<string, unknown>;
}

/** One contribution of an event to an additive metric: a dimension value, a count and a sum. */
export interface Contribution {
  dim: string;
  count: number;
  sum: number;
}

/** The value of a metric's dimension for an event ('' for line items, whose dims are per item). */
export function dimValue(d: MetricDefinition, e: EventFields): string {
  switch (d.dimension.from) {
    case 'none':
      return '';
    case 'event':
      return e.event;
    case 'property': {
      const v = e.properties[d.dimension.name];
      return typeof v === 'string' || typeof v === 'number' ? String(v) : '';
    }
    case 'line_item':
      return '';
  }
}

/**
 * What an event adds to an additive metric (count, sum, line-item sum), the speed layer's and
 * the raw-event analyses' one definition: a sum counts only finite numbers, line items one each.
 * Unique counts are not additive: their actor goes into a sketch under `dimValue`.
 */
export function contributions(d: MetricDefinition, e: EventFields): Contribution[] {
  const m = d.measure;
  switch (m.kind) {
    case 'unique_actors':
      return [];
    case 'count':
      return [{ dim: dimValue(d, e), count: 1, sum: 0 }];
    case 'sum': {
      const v = e.properties[m.property];
      return typeof v === 'number' && Number.isFinite(v) ? [{ dim: dimValue(d, e), count: 1, sum: v }] : [];
    }
    case 'line_item_sum':
      if (d.dimension.from !== 'line_item') return [];
      return lineItems(e.properties).map((item) => ({
        dim: item[(d.dimension as { name: 'product_id' | 'category' }).name],
        count: 1,
        sum: m.value === 'quantity' ? item.quantity : item.price * item.quantity,
      }));
  }
}

/**
 * The properties a metric's definition reads (for readers that fetch properties by name); the
 * dimension's only when the answer is split or filtered by it.
 */
export function propertiesRead(d: MetricDefinition, withDimension = true): string[] {
  const names = new Set<string>();
  if (withDimension && d.dimension.from === 'property') names.add(d.dimension.name);
  if (d.measure.kind === 'sum') names.add(d.measure.property);
  if (d.measure.kind === 'line_item_sum' || d.dimension.from === 'line_item')
    for (const p of ['products', 'product_id', 'category', 'price', 'quantity']) names.add(p);
  return [...names];
}
