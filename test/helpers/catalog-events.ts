import type { AnalyticsEvent } from '../../core/events/event';
import { generateEvents } from './speed-harness';

/**
 * Extra shapes every engine's catalog must treat alike: a one-product order, products with a
 * missing id and a non-object, a number where text is expected, an object, a text where a number
 * is expected, a fractional number.
 */
export function oddEvents(hour: number): AnalyticsEvent[] {
  const base = generateEvents(6, { start: hour + 60_000, spreadMinutes: 5, projectId: 'odd' });
  const props: Record<string, unknown>[] = [
    { order_id: 'o', total_amount: 7, currency: 'USD', product_id: 'solo', price: 3.5, quantity: 2 },
    {
      order_id: 'o2',
      total_amount: '7',
      currency: 'USD',
      products: [{ product_id: 'x' }, { category: 'no-id' }, 5],
    },
    { path: 42 },
    { path: { nested: true } },
    { content_id: 'c9', watch_time_seconds: 'ten' },
    { content_id: 'c9', watch_time_seconds: 2.25 },
  ];
  const names = ['purchase', 'purchase', 'page', 'page', 'video_progress', 'video_progress'];
  return base.map((e, i) => ({
    ...e,
    event: names[i] as string,
    properties: props[i] as Record<string, unknown>,
  }));
}
