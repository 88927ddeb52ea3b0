import { describe, expect, it } from 'vitest';
import { StampedCache } from './stamped-cache';

describe('StampedCache', () => {
  it('answers from the cache until the stamp moves, then recomputes', async () => {
    let stamp = 'a';
    let computed = 0;
    const cache = new StampedCache<number>(() => stamp);
    const get = () => cache.get('k', () => Promise.resolve(++computed));
    expect(await get()).toBe(1);
    expect(await get()).toBe(1);
    stamp = 'b';
    expect(await get()).toBe(2);
    expect({ hits: cache.hits, misses: cache.misses }).toEqual({ hits: 1, misses: 2 });
  });

  it('does not keep a value computed while the data moved', async () => {
    let stamp = 'a';
    let computed = 0;
    const cache = new StampedCache<number>(() => stamp);
    await cache.get('k', () => {
      stamp = 'b';
      return Promise.resolve(++computed);
    });
    expect(await cache.get('k', () => Promise.resolve(++computed))).toBe(2);
    expect(await cache.get('k', () => Promise.resolve(++computed))).toBe(2);
  });

  it('shares one computation between concurrent requests for the same answer', async () => {
    let computed = 0;
    const cache = new StampedCache<number>(() => 's');
    const slow = () => new Promise<number>((r) => setTimeout(() => r(++computed), 10));
    expect(await Promise.all([cache.get('k', slow), cache.get('k', slow), cache.get('k', slow)])).toEqual([
      1, 1, 1,
    ]);
    expect(computed).toBe(1);
  });

  it('evicts the least recently used entry beyond its size', async () => {
    const cache = new StampedCache<string>(() => 's', 2);
    await cache.get('a', () => Promise.resolve('a1'));
    await cache.get('b', () => Promise.resolve('b1'));
    await cache.get('a', () => Promise.resolve('a2')); // a is now the most recent
    await cache.get('c', () => Promise.resolve('c1')); // evicts b
    expect(await cache.get('a', () => Promise.resolve('a3'))).toBe('a1');
    expect(await cache.get('b', () => Promise.resolve('b2'))).toBe('b2');
  });
});
