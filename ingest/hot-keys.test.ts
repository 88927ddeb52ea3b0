import { describe, expect, it } from 'vitest';
import type { AnalyticsEvent } from '../core/events/event';
import { analyticsEvent } from '../test/helpers/events';
import { HotKeySalter } from './hot-keys';

const ev = (userId: string, type: AnalyticsEvent['type'] = 'track') => analyticsEvent({ userId, type });

describe('HotKeySalter', () => {
  const opts = { share: 0.2, minEvents: 100, buckets: 4, windowMs: 1000 };

  it('keeps ordinary users on their own key', () => {
    const salter = new HotKeySalter(opts, () => 0);
    for (let i = 0; i < 1000; i++) expect(salter.keyFor(ev(`u${i % 50}`))).toBe(`p:u${i % 50}`);
    expect(salter.hotKeys()).toEqual([]);
  });

  it('spreads a hot user over its buckets, but never its identity calls', () => {
    const salter = new HotKeySalter(opts, () => 0);
    const keys = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const userId = i % 2 === 0 ? 'bot' : `u${i % 40}`;
      const key = salter.keyFor(ev(userId));
      if (userId === 'bot') keys.add(key);
    }
    expect(salter.hotKeys()).toEqual(['p:bot']);
    expect([...keys].filter((k) => k.startsWith('p:bot#')).length).toBe(4);
    expect(salter.keyFor(ev('bot', 'identify'))).toBe('p:bot');
    expect(salter.keyFor(ev('u1'))).toBe('p:u1');
  });

  it('cools a key down once its traffic stops', () => {
    let now = 0;
    const salter = new HotKeySalter(opts, () => now);
    for (let i = 0; i < 500; i++) salter.keyFor(ev('bot'));
    expect(salter.hotKeys()).toEqual(['p:bot']);
    now = 1000;
    for (let i = 0; i < 500; i++) salter.keyFor(ev(`u${i}`));
    now = 2000;
    salter.keyFor(ev('u1'));
    expect(salter.hotKeys()).toEqual([]);
  });
});
