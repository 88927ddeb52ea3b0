import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bayesian, frequentist, sampleRatioMismatch } from '../../core/experiments/stats/hypothesis-tests';
import type { BaseStatistic, Statistic } from '../../core/experiments/stats/statistics';
import { ensureGbstats } from '../../infra/local/gbstats/install';
import { REPO_ROOT } from '../../infra/local/paths';
import { seeded } from '../helpers/truth-stream';

/**
 * One variation's users: a metric after exposure and the same metric before it (for CUPED),
 * correlated per user. Binomial: converted or not; mean: a skewed amount such as revenue.
 */
function variationData(rnd: () => number, users: number, kind: 'binomial' | 'mean', lift: number) {
  const post: number[] = [];
  const pre: number[] = [];
  for (let i = 0; i < users; i++) {
    const propensity = rnd();
    if (kind === 'binomial') {
      pre.push(rnd() < 0.1 + 0.3 * propensity ? 1 : 0);
      post.push(rnd() < (0.1 + 0.3 * propensity) * (1 + lift) ? 1 : 0);
    } else {
      const base = propensity * propensity * 80;
      pre.push(Math.round((base + rnd() * 20) * 100) / 100);
      post.push(Math.round((base * (1 + lift) + rnd() * 20) * 100) / 100);
    }
  }
  return { post, pre };
}

const base = (kind: 'binomial' | 'mean', xs: number[]): BaseStatistic => {
  const sum = xs.reduce((s, x) => s + x, 0);
  return kind === 'binomial'
    ? { kind: 'proportion', n: xs.length, sum }
    : { kind: 'mean', n: xs.length, sum, sumSquares: xs.reduce((s, x) => s + x * x, 0) };
};

function statistic(
  kind: 'binomial' | 'mean',
  d: { post: number[]; pre: number[] },
  cuped: boolean,
): Statistic {
  if (!cuped) return base(kind, d.post);
  return {
    kind: 'cuped',
    n: d.post.length,
    post: base(kind, d.post),
    pre: base(kind, d.pre),
    postPreSumOfProducts: d.post.reduce((s, x, i) => s + x * (d.pre[i] as number), 0),
    theta: 0,
  };
}

type Case =
  | {
      test: 'frequentist' | 'sequential' | 'bayesian';
      a: Statistic;
      b: Statistic;
      alpha: number;
      tuning: number;
      inverse: boolean;
    }
  | { test: 'srm'; users: number[]; weights: number[] };

/** Every combination the issue names: binomial and mean; 2 and 3 variations; CUPED, sequential, Bayesian on and off. */
function cases(): Case[] {
  const out: Case[] = [];
  let seed = 1;
  for (const kind of ['binomial', 'mean'] as const)
    for (const variations of [2, 3])
      for (const cuped of [false, true])
        for (const scale of [1, 0.03]) {
          // Small samples too (about 45 users a variation), where Welch's degrees of freedom matter.
          const rnd = seeded(seed++);
          const lifts = [0, 0.05, -0.03].slice(0, variations);
          const data = lifts.map((lift, i) =>
            variationData(rnd, Math.round((1500 + 250 * i + Math.floor(rnd() * 100)) * scale), kind, lift),
          );
          const stats = data.map((d) => statistic(kind, d, cuped));
          for (let v = 1; v < variations; v++)
            for (const test of ['frequentist', 'sequential', 'bayesian'] as const)
              for (const alpha of [0.05, 0.1])
                out.push({
                  test,
                  a: stats[0] as Statistic,
                  b: stats[v] as Statistic,
                  alpha,
                  tuning: alpha === 0.05 ? 5000 : 1234,
                  inverse: v === 2,
                });
          out.push({
            test: 'srm',
            users: data.map((d) => d.post.length),
            // Weights as the split was meant (sizes drawn around them): no mismatch to flag.
            weights: lifts.map(
              (_, i) => (1550 + 250 * i) / lifts.reduce((t, __, j) => t + 1550 + 250 * j, 0),
            ),
          });
        }
  // A deliberately broken split is flagged; a fair one is not.
  out.push({ test: 'srm', users: [5000, 4600], weights: [0.5, 0.5] });
  out.push({ test: 'srm', users: [3000, 2010, 990], weights: [0.5, 0.3, 0.2] });
  return out;
}

function ours(c: Case): unknown {
  if (c.test === 'srm') return { p: sampleRatioMismatch(c.users, c.weights) };
  if (c.test === 'bayesian') {
    const r: Partial<ReturnType<typeof bayesian>> = bayesian(c.a, c.b, {
      alpha: c.alpha,
      inverse: c.inverse,
    });
    delete r.problem;
    return r;
  }
  const r: Partial<ReturnType<typeof frequentist>> = frequentist(c.a, c.b, {
    alpha: c.alpha,
    ...(c.test === 'sequential' ? { sequentialTuning: c.tuning } : {}),
  });
  delete r.problem;
  return r;
}

/** Every number of `got` equals the one of `want` at the same place, to 1e-6 (relative above 1). */
function expectClose(got: unknown, want: unknown, where: string): void {
  if (typeof want === 'number') {
    expect(typeof got, where).toBe('number');
    const g = got as number;
    expect(Math.abs(g - want), `${where}: ${g} vs gbstats ${want}`).toBeLessThanOrEqual(
      1e-6 * Math.max(1, Math.abs(want)),
    );
    return;
  }
  if (Array.isArray(want)) {
    expect(Array.isArray(got) && got.length === want.length, where).toBe(true);
    want.forEach((w, i) => expectClose((got as unknown[])[i], w, `${where}[${i}]`));
    return;
  }
  const w = want as Record<string, unknown>;
  expect(Object.keys(got as object).sort(), where).toEqual(Object.keys(w).sort());
  for (const k of Object.keys(w)) expectClose((got as Record<string, unknown>)[k], w[k], `${where}.${k}`);
}

describe('experiment statistics', () => {
  it("equal GrowthBook's gbstats to 1e-6 on the same aggregates", async () => {
    const python = ensureGbstats();
    const all = cases();
    const reference = await new Promise<unknown[]>((resolve, reject) => {
      const child = execFile(
        python,
        [join(REPO_ROOT, 'test', 'experiments', 'gbstats-parity.py')],
        { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 120_000 },
        (e, stdout, stderr) =>
          e ? reject(new Error(stderr || e.message)) : resolve(JSON.parse(stdout) as unknown[]),
      );
      child.stdin?.end(JSON.stringify(all));
    });
    expect(reference).toHaveLength(all.length);
    all.forEach((c, i) => expectClose(ours(c), reference[i], `case ${i} (${c.test})`));
    // The broken split is flagged, the fair ones are not.
    const srm = all
      .map((c, i) => (c.test === 'srm' ? (reference[i] as { p: number }).p : undefined))
      .filter((p) => p !== undefined);
    expect(srm.slice(-2).every((p) => p < 0.001)).toBe(true);
    expect(srm.slice(0, -2).every((p) => p > 0.001)).toBe(true);
  }, 300_000);
});
