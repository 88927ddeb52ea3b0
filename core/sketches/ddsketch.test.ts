import { describe, expect, it } from 'vitest';
import {
  binOf,
  DD_RELATIVE_ACCURACY,
  ddAddValue,
  ddMerge,
  ddQuantile,
  exactQuantile,
  type DdSketch,
} from './ddsketch';

/** A fixed pseudo-random sequence (mulberry32), so a failure is the same failure on every run. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sketchOf = (values: number[]) => {
  const s: DdSketch = new Map();
  for (const v of values) ddAddValue(s, v);
  return s;
};

describe('DDSketch', () => {
  it('reads every quantile within its relative accuracy, on skewed, mixed-sign and integer data', () => {
    const r = seeded(7);
    const sets = {
      lognormal: Array.from({ length: 20_000 }, () => Math.exp(3 + 2 * (r() + r() + r() - 1.5))),
      mixed: Array.from({ length: 5_000 }, () => (r() - 0.3) * 1000),
      prices: Array.from({ length: 3_000 }, () => Math.round(r() * 200) / 100),
    };
    for (const values of Object.values(sets)) {
      const s = sketchOf(values);
      for (const q of [0, 0.1, 0.5, 0.9, 0.99, 1]) {
        const exact = exactQuantile(values, q)!;
        const est = ddQuantile(s, q)!;
        expect(Math.abs(est - exact)).toBeLessThanOrEqual(Math.abs(exact) * DD_RELATIVE_ACCURACY + 1e-12);
      }
    }
  });

  it('merges by adding bins: two halves merged are the whole', () => {
    const r = seeded(11);
    const values = Array.from({ length: 4_000 }, () => r() * 500);
    const whole = sketchOf(values);
    const merged = ddMerge(sketchOf(values.slice(0, 1_500)), sketchOf(values.slice(1_500)));
    expect(new Map([...merged].sort())).toEqual(new Map([...whole].sort()));
  });

  it('keeps zero and both signs apart, and says nothing of an empty sketch', () => {
    expect(binOf(0)).toEqual({ sign: 0, index: 0 });
    expect(binOf(1)).toEqual({ sign: 1, index: 0 });
    expect(binOf(-1.5).sign).toBe(-1);
    expect(ddQuantile(new Map(), 0.5)).toBeNull();
    expect(ddQuantile(sketchOf([0, 0, 0, 5]), 0.5)).toBe(0);
  });
});
