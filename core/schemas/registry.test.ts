import { describe, expect, it } from 'vitest';
import { SchemaRegistry } from './registry';

describe('SchemaRegistry', () => {
  const registry = new SchemaRegistry();

  it('knows the content and commerce events', () => {
    expect(registry.events()).toEqual(
      expect.arrayContaining([
        'page',
        'click',
        'signup',
        'video_play',
        'video_progress',
        'video_complete',
        'video_error',
        'product_view',
        'add_to_cart',
        'checkout_started',
        'purchase',
        'refund',
      ]),
    );
  });

  it('validates against the latest version and names it', () => {
    expect(
      registry.check('purchase', { order_id: 'o1', total_amount: 10, currency: 'EUR', coupon: 'X' }),
    ).toEqual({
      kind: 'ok',
      schema: 'purchase@2',
    });
  });

  it('says what is wrong with an invalid payload', () => {
    const r = registry.check('purchase', { order_id: 'o1', total_amount: '10', currency: 'EUR' });
    expect(r).toEqual({
      kind: 'invalid',
      reason: 'purchase schema v2: properties/total_amount must be number',
    });
    const missing = registry.check('video_progress', { content_id: 'c' });
    expect(missing.kind === 'invalid' && missing.reason).toContain(
      "must have required property 'watch_time_seconds'",
    );
    const currency = registry.check('add_to_cart', { product_id: 'p', quantity: 1, currency: 'euro' });
    expect(currency.kind).toBe('invalid');
  });

  it('lets custom events through (generic checks apply elsewhere)', () => {
    expect(registry.check('my_custom_event', { anything: [1, 2] })).toEqual({ kind: 'ok', schema: null });
  });
});
