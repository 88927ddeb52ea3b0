import { GrowthBook } from '@growthbook/growthbook';
import { describe, expect, it } from 'vitest';
import { assign } from './assignment';

/**
 * Our assignment against the GrowthBook JavaScript SDK itself, for 10,000 user ids across
 * experiments of different seeds, variation counts, weights and coverage.
 */
describe('assignment', () => {
  const experiments = [
    { key: 'checkout-button', weights: [0.5, 0.5], coverage: 1 },
    { key: 'pricing-page', weights: [0.34, 0.33, 0.33], coverage: 1 },
    { key: 'onboarding', weights: [0.1, 0.2, 0.3, 0.4], coverage: 1 },
    { key: 'search-ranking', weights: [0.8, 0.2], coverage: 0.5 },
    { key: 'ünïcode-ḱey 🚀', weights: [0.25, 0.75], coverage: 0.9 },
  ];
  // Ids of the shapes real products send: numbers, UUID-like, emails, non-ASCII.
  const ids = Array.from({ length: 10_000 }, (_, i) =>
    i % 4 === 0
      ? String(i)
      : i % 4 === 1
        ? `user-${(i * 2654435761) % 2 ** 32}`
        : i % 4 === 2
          ? `u${i}@example.com`
          : `ユーザー${i}`,
  );

  it.each(experiments)('equals the GrowthBook SDK for 10,000 users: $key', ({ key, weights, coverage }) => {
    const gb = new GrowthBook({});
    const ours: number[] = [];
    const sdk: number[] = [];
    for (const id of ids) {
      void gb.setAttributes({ id });
      const variations = weights.map((_, i) => i) as [number, number, ...number[]];
      const r = gb.run({ key, variations, weights, coverage, hashVersion: 2 });
      sdk.push(r.inExperiment ? r.variationId : -1);
      ours.push(assign(key, id, weights, coverage).index);
    }
    gb.destroy();
    expect(ours).toEqual(sdk);
    // The split follows the weights (a broken hash would not), within a few points.
    for (const [i, w] of weights.entries())
      expect(Math.abs(ours.filter((v) => v === i).length / ids.length - w * coverage)).toBeLessThan(0.03);
  });
});
