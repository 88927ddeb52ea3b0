/**
 * The metric catalog: each metric defined once, evaluated per event in JavaScript
 * (speed-layer/aggregate.ts: the definition every engine's SQL is tested against) and compiled to
 * SQL by each engine: ClickHouse's materialized views (the speed view), DuckDB and BigQuery (the
 * batch views). All stored forms are mergeable: counts and sums add, unique counts are
 * HyperLogLog registers.
 */

/** Where a metric's dimension value comes from. */
export type Dimension =
  | { from: 'none' }
  | { from: 'event' }
  | { from: 'property'; name: string }
  | { from: 'line_item'; name: 'product_id' | 'category' };

/** What one contributing event (or line item) adds. */
export type Measure =
  | { kind: 'count' }
  | { kind: 'sum'; property: string }
  | { kind: 'line_item_sum'; value: 'quantity' | 'revenue' }
  | { kind: 'unique_actors' };

export interface MetricDefinition {
  name: string;
  description: string;
  /** Event names that contribute; '*' for every event. */
  events: readonly string[] | '*';
  measure: Measure;
  dimension: Dimension;
  /** Exact metrics add; approximate ones state their error. */
  exact: boolean;
}

/** Keeps each definition's name as a literal type, for MetricName. */
const m = <N extends string>(d: MetricDefinition & { name: N }) => d;

export const METRIC_CATALOG = [
  m({
    name: 'events',
    description: 'events received, by event name',
    events: '*',
    measure: { kind: 'count' },
    dimension: { from: 'event' },
    exact: true,
  }),
  m({
    name: 'active_users',
    description: 'distinct users (userId, else anonymousId)',
    events: '*',
    measure: { kind: 'unique_actors' },
    dimension: { from: 'none' },
    exact: false,
  }),
  m({
    name: 'page_views',
    description: 'page calls, by path',
    events: ['page'],
    measure: { kind: 'count' },
    dimension: { from: 'property', name: 'path' },
    exact: true,
  }),
  m({
    name: 'content_plays',
    description: 'video plays, by content',
    events: ['video_play'],
    measure: { kind: 'count' },
    dimension: { from: 'property', name: 'content_id' },
    exact: true,
  }),
  m({
    name: 'content_watch_seconds',
    description:
      'seconds watched, by content: video_progress carries the seconds watched since the previous progress event',
    events: ['video_progress'],
    measure: { kind: 'sum', property: 'watch_time_seconds' },
    dimension: { from: 'property', name: 'content_id' },
    exact: true,
  }),
  m({
    name: 'content_completions',
    description: 'videos watched to the end, by content',
    events: ['video_complete'],
    measure: { kind: 'count' },
    dimension: { from: 'property', name: 'content_id' },
    exact: true,
  }),
  m({
    name: 'content_errors',
    description: 'playback errors, by content',
    events: ['video_error'],
    measure: { kind: 'count' },
    dimension: { from: 'property', name: 'content_id' },
    exact: true,
  }),
  m({
    name: 'product_views',
    description: 'product page views, by product',
    events: ['product_view'],
    measure: { kind: 'count' },
    dimension: { from: 'property', name: 'product_id' },
    exact: true,
  }),
  m({
    name: 'product_views_by_category',
    description: 'product page views, by category',
    events: ['product_view'],
    measure: { kind: 'count' },
    dimension: { from: 'property', name: 'category' },
    exact: true,
  }),
  m({
    name: 'add_to_carts_by_category',
    description: 'products added to carts, by category',
    events: ['add_to_cart'],
    measure: { kind: 'count' },
    dimension: { from: 'property', name: 'category' },
    exact: true,
  }),
  m({
    name: 'add_to_carts',
    description: 'products added to carts, by product',
    events: ['add_to_cart'],
    measure: { kind: 'count' },
    dimension: { from: 'property', name: 'product_id' },
    exact: true,
  }),
  m({
    name: 'checkouts',
    description: 'checkouts started',
    events: ['checkout_started'],
    measure: { kind: 'count' },
    dimension: { from: 'none' },
    exact: true,
  }),
  m({
    name: 'orders',
    description: 'purchases, by currency',
    events: ['purchase'],
    measure: { kind: 'count' },
    dimension: { from: 'property', name: 'currency' },
    exact: true,
  }),
  m({
    name: 'revenue',
    description: 'purchase totals (total_amount), by currency',
    events: ['purchase'],
    measure: { kind: 'sum', property: 'total_amount' },
    dimension: { from: 'property', name: 'currency' },
    exact: true,
  }),
  m({
    name: 'refunds',
    description: 'refunded amounts, by currency',
    events: ['refund'],
    measure: { kind: 'sum', property: 'total_amount' },
    dimension: { from: 'property', name: 'currency' },
    exact: true,
  }),
  m({
    name: 'items_by_product',
    description: 'units sold, by product (its count is the order lines holding the product)',
    events: ['purchase'],
    measure: { kind: 'line_item_sum', value: 'quantity' },
    dimension: { from: 'line_item', name: 'product_id' },
    exact: true,
  }),
  m({
    name: 'revenue_by_product',
    description: 'price x quantity of units sold, by product',
    events: ['purchase'],
    measure: { kind: 'line_item_sum', value: 'revenue' },
    dimension: { from: 'line_item', name: 'product_id' },
    exact: true,
  }),
  m({
    name: 'items_by_category',
    description: 'units sold, by category',
    events: ['purchase'],
    measure: { kind: 'line_item_sum', value: 'quantity' },
    dimension: { from: 'line_item', name: 'category' },
    exact: true,
  }),
  m({
    name: 'revenue_by_category',
    description: 'price x quantity of units sold, by category',
    events: ['purchase'],
    measure: { kind: 'line_item_sum', value: 'revenue' },
    dimension: { from: 'line_item', name: 'category' },
    exact: true,
  }),
] as const satisfies readonly MetricDefinition[];

/** The catalog's metric names: code that names a metric gets it checked by the compiler. */
export type MetricName = (typeof METRIC_CATALOG)[number]['name'];

export function metricByName(name: string): MetricDefinition | undefined {
  return METRIC_CATALOG.find((d) => d.name === name);
}

/** A purchase's products: `properties.products[]`, or the top-level product fields of a one-product order. */
export interface LineItem {
  product_id: string;
  category: string;
  price: number;
  quantity: number;
}

export function lineItems(properties: Record<string, unknown>): LineItem[] {
  const item = (p: Record<string, unknown>): LineItem | undefined =>
    typeof p.product_id === 'string'
      ? {
          product_id: p.product_id,
          category: typeof p.category === 'string' ? p.category : '',
          price: typeof p.price === 'number' ? p.price : 0,
          quantity: typeof p.quantity === 'number' ? p.quantity : 1,
        }
      : undefined;
  if (Array.isArray(properties.products)) {
    return properties.products
      .filter((p): p is Record<string, unknown> => typeof p === 'object' && p !== null)
      .map(item)
      .filter((i): i is LineItem => i !== undefined);
  }
  const single = item(properties);
  return single ? [single] : [];
}
