import {
  chiSquareSf,
  normalCdf,
  normalPpf,
  normalSf,
  studentTCdf,
  studentTPpf,
  truncatedNormalMean,
} from './special';
import { mean, prepared, unadjustedMean, variance, type Statistic } from './statistics';

/**
 * Experiment statistics, relative effects (variation vs control), as GrowthBook's engine
 * (gbstats 0.8) computes them: Welch's t-test with the delta method, its sequential (always-valid)
 * version, the Bayesian effect model with a flat prior, and the sample-ratio-mismatch check.
 */

export interface Uplift {
  mean: number;
  stddev: number;
}

export interface FrequentistResult {
  expected: number;
  ci: [number, number];
  pValue: number;
  uplift: Uplift;
  /** Why nothing could be computed (control mean 0, no variance): the result is then neutral. */
  problem?: string;
}

export interface BayesianResult {
  expected: number;
  ci: [number, number];
  chanceToWin: number;
  /** Expected loss of choosing the control, and of choosing the variation (relative). */
  risk: [number, number];
  uplift: Uplift;
  problem?: string;
}

/** The delta-method variance of the relative difference of means. */
function relativeVariance(a: Statistic, b: Statistic): number {
  const ma = unadjustedMean(a);
  const mb = unadjustedMean(b);
  return variance(b) / (ma * ma * b.n) + (variance(a) * mb * mb) / (ma ** 4 * a.n);
}

const relativeDiff = (a: Statistic, b: Statistic) => (mean(b) - mean(a)) / unadjustedMean(a);

/** Why a pair cannot be compared, if it cannot. */
function problemOf(a: Statistic, b: Statistic): string | undefined {
  if (mean(a) === 0 || unadjustedMean(a) === 0) return 'the control has a mean of 0: no relative effect';
  if (a.n === 0 || b.n === 0) return 'a variation has no users';
  if (variance(a) <= 0 || variance(b) <= 0) return 'a variation has no variance';
  return undefined;
}

/** Welch-Satterthwaite degrees of freedom. */
function dof(a: Statistic, b: Statistic): number {
  const va = variance(a);
  const vb = variance(b);
  return (
    (vb / b.n + va / a.n) ** 2 / ((vb * vb) / (b.n * b.n * (b.n - 1)) + (va * va) / (a.n * a.n * (a.n - 1)))
  );
}

export interface FrequentistOptions {
  alpha?: number;
  /** Sequential testing (always-valid intervals) with this tuning parameter (GrowthBook: 5000). */
  sequentialTuning?: number;
}

export function frequentist(
  control: Statistic,
  variation: Statistic,
  o: FrequentistOptions = {},
): FrequentistResult {
  const alpha = o.alpha ?? 0.05;
  const [a, b] = prepared(control, variation);
  // gbstats's frequentist test asks about the control's mean and the variances only.
  const problem =
    mean(a) === 0 || unadjustedMean(a) === 0
      ? 'the control has a mean of 0: no relative effect'
      : variance(a) <= 0 || variance(b) <= 0
        ? 'a variation has no variance'
        : undefined;
  if (problem) return { expected: 0, ci: [0, 0], pValue: 1, uplift: { mean: 0, stddev: 0 }, problem };
  const estimate = relativeDiff(a, b);
  const v = relativeVariance(a, b);
  const sd = Math.sqrt(v);
  let ci: [number, number];
  let pValue: number;
  if (o.sequentialTuning === undefined) {
    const width = studentTPpf(1 - alpha / 2, dof(a, b)) * sd;
    ci = [estimate - width, estimate + width];
    pValue = 2 * (1 - studentTCdf(Math.abs(estimate / sd), dof(a, b)));
  } else {
    // Waudby-Smith et al. (2023), eq. 9, 155 and 161: a normal mixture boundary tuned by rho.
    const n = a.n + b.n;
    const rho = Math.sqrt((-2 * Math.log(alpha) + Math.log(-2 * Math.log(alpha) + 1)) / o.sequentialTuning);
    const nr2p1 = n * rho * rho + 1;
    const width =
      Math.sqrt(v * n) * Math.sqrt((2 * nr2p1 * Math.log(Math.sqrt(nr2p1) / alpha)) / (n * rho) ** 2);
    ci = [estimate - width, estimate + width];
    const st2 = (estimate * estimate * n) / v;
    const evalue = Math.exp((rho * rho * st2) / (2 * nr2p1)) / Math.sqrt(nr2p1);
    pValue = Math.min(1 / evalue, 1);
  }
  return { expected: estimate, ci, pValue, uplift: { mean: estimate, stddev: sd } };
}

export interface BayesianOptions {
  alpha?: number;
  /** For metrics where less is better (refunds, errors): chance to win and risk flip. */
  inverse?: boolean;
}

/** The Bayesian effect model with a flat prior: the effect ~ normal(estimate, delta-method sd). */
export function bayesian(control: Statistic, variation: Statistic, o: BayesianOptions = {}): BayesianResult {
  const alpha = o.alpha ?? 0.05;
  const [a, b] = prepared(control, variation);
  const problem = problemOf(a, b);
  if (problem)
    return {
      expected: 0,
      ci: [0, 0],
      chanceToWin: 0.5,
      risk: [0, 0],
      uplift: { mean: 0, stddev: 0 },
      problem,
    };
  const mu = relativeDiff(a, b);
  const sigma = Math.sqrt(relativeVariance(a, b));
  const win = normalSf(0, mu, sigma);
  const ctrlBetter = normalCdf(0, mu, sigma);
  const riskCtrl = (1 - ctrlBetter) * truncatedNormalMean(mu, sigma, 0, Infinity);
  const riskTrt = -(ctrlBetter * truncatedNormalMean(mu, sigma, -Infinity, 0));
  return {
    expected: mu,
    ci: [normalPpf(alpha / 2, mu, sigma), normalPpf(1 - alpha / 2, mu, sigma)],
    chanceToWin: o.inverse ? 1 - win : win,
    risk: o.inverse ? [riskTrt, riskCtrl] : [riskCtrl, riskTrt],
    uplift: { mean: mu, stddev: sigma },
  };
}

/** Sample-ratio mismatch: the chi-square test of users per variation against the weights (p-value). */
export function sampleRatioMismatch(users: readonly number[], weights: readonly number[]): number {
  const total = users.reduce((s, u) => s + u, 0);
  if (total === 0) return 1;
  const totalWeight = weights.reduce((s, w) => s + w, 0);
  let x = 0;
  users.forEach((o, i) => {
    const w = weights[i] ?? 0;
    if (w <= 0) return;
    const e = (w / totalWeight) * total;
    x += ((o - e) * (o - e)) / e;
  });
  return chiSquareSf(x, users.length - 1);
}

/** Flagged below this p-value (GrowthBook's default). */
export const SRM_THRESHOLD = 0.001;
