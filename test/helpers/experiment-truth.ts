import { expect } from 'vitest';
import type { BaseStatistic, Statistic } from '../../core/experiments/stats/statistics';
import { bayesian, frequentist } from '../../core/experiments/stats/hypothesis-tests';

/** What a test knows of one user of an experiment: variation, and purchases after and before exposure. */
export interface TruthUser {
  v: number;
  converted: boolean;
  post: number;
  pre: number;
}

/** CUPED statistics of a variation's users, for one metric of the truth. */
function statistic(
  ts: TruthUser[],
  value: (t: TruthUser) => number,
  pre: (t: TruthUser) => number,
  proportion: boolean,
): Statistic {
  const of = (f: (t: TruthUser) => number): BaseStatistic => {
    const sum = ts.reduce((s, t) => s + f(t), 0);
    return proportion
      ? { kind: 'proportion', n: ts.length, sum }
      : { kind: 'mean', n: ts.length, sum, sumSquares: ts.reduce((s, t) => s + f(t) ** 2, 0) };
  };
  return {
    kind: 'cuped',
    n: ts.length,
    post: of(value),
    pre: of(pre),
    postPreSumOfProducts: ts.reduce((s, t) => s + value(t) * pre(t), 0),
    theta: 0,
  };
}

/**
 * Checks an answer of GET /v1/experiments/:id/results (goal: converted by a purchase; guardrail:
 * mean revenue) against the statistics of the truth, control first, to 1e-9 (sums taken in
 * another order may differ in the last bits).
 */
export function expectResultsOfTruth(
  metrics: { comparisons: { frequentist: unknown; bayesian: unknown }[] }[],
  users: TruthUser[][],
): void {
  const perMetric = [
    users.map((u) =>
      statistic(
        u,
        (t) => (t.converted ? 1 : 0),
        (t) => (t.pre > 0 ? 1 : 0),
        true,
      ),
    ),
    users.map((u) =>
      statistic(
        u,
        (t) => t.post,
        (t) => t.pre,
        false,
      ),
    ),
  ];
  const close = (g: unknown, w: unknown, where: string): void => {
    if (typeof w === 'number')
      expect(Math.abs((g as number) - w), where).toBeLessThan(1e-9 * Math.max(1, Math.abs(w)));
    else if (w && typeof w === 'object')
      for (const key of Object.keys(w))
        close((g as Record<string, unknown>)[key], (w as Record<string, unknown>)[key], `${where}.${key}`);
    else expect(g, where).toEqual(w);
  };
  perMetric.forEach(([control, ...variations], k) =>
    variations.forEach((v, i) =>
      close(
        metrics[k]?.comparisons[i],
        { frequentist: frequentist(control as Statistic, v), bayesian: bayesian(control as Statistic, v) },
        `metric ${k}, variation ${i + 1}`,
      ),
    ),
  );
}
