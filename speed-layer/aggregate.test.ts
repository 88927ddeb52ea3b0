import { describe, expect, it } from 'vitest';
import { analyticsEvent } from '../test/helpers/events';
import { aggregateBatch } from './aggregate';

const ev = (
  event: string,
  properties: Record<string, unknown>,
  timestamp = '2026-01-01T00:00:30.000Z',
  userId = 'u1',
) => analyticsEvent({ event, type: event === 'page' ? 'page' : 'track', properties, timestamp, userId });

const M0 = Date.parse('2026-01-01T00:00:00Z') / 1000;

describe('aggregateBatch (the catalog, evaluated per event)', () => {
  const { measures, uniques } = aggregateBatch([
    ev('page', { path: '/a' }),
    ev('page', { path: '/a' }, '2026-01-01T00:01:10.000Z', 'u2'),
    ev('video_progress', { content_id: 'c1', watch_time_seconds: 12.5 }),
    ev('video_progress', { content_id: 'c1', watch_time_seconds: 7.5 }),
    ev('purchase', {
      order_id: 'o1',
      total_amount: 30,
      currency: 'EUR',
      products: [
        { product_id: 's1', category: 'books', price: 10, quantity: 2 },
        { product_id: 's2', category: 'games', price: 10, quantity: 1 },
      ],
    }),
    ev('purchase', {
      order_id: 'o2',
      total_amount: 5,
      currency: 'EUR',
      product_id: 's1',
      category: 'books',
      price: 5,
      quantity: 1,
    }),
  ]);
  const get = (metric: string, dim: string, minute = M0) =>
    measures.find((r) => r.metric === metric && r.dim === dim && r.minute === minute);

  it('counts events by name in their event-time minute', () => {
    expect(get('events', 'page')).toMatchObject({ count: 1 });
    expect(get('events', 'page', M0 + 60)).toMatchObject({ count: 1 });
    expect(get('events', 'purchase')).toMatchObject({ count: 2 });
  });

  it('sums watch time and revenue, and expands line items by product and category', () => {
    expect(get('content_watch_seconds', 'c1')).toMatchObject({ count: 2, sum: 20 });
    expect(get('revenue', 'EUR')).toMatchObject({ count: 2, sum: 35 });
    expect(get('orders', 'EUR')).toMatchObject({ count: 2 });
    expect(get('items_by_product', 's1')).toMatchObject({ sum: 3 });
    expect(get('revenue_by_product', 's1')).toMatchObject({ sum: 25 });
    expect(get('revenue_by_category', 'games')).toMatchObject({ sum: 10 });
    expect(get('page_views', '/a')).toMatchObject({ count: 1 });
  });

  it('keeps one HLL register per user and minute', () => {
    const active = uniques.filter((u) => u.metric === 'active_users');
    expect(active.filter((u) => u.minute === M0)).toHaveLength(1);
    expect(active.filter((u) => u.minute === M0 + 60)).toHaveLength(1);
  });

  it('is deterministic in row order whatever the input order', () => {
    const events = [
      ev('page', { path: '/x' }),
      ev('signup', {}),
      ev('page', { path: '/y' }, '2026-01-01T00:05:00.000Z'),
    ];
    expect(aggregateBatch([...events].reverse())).toEqual(aggregateBatch(events));
  });
});
