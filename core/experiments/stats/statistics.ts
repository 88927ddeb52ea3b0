/**
 * Per-variation aggregates of one metric, as experiment analysis needs them (GrowthBook's
 * statistics): a proportion (conversions of n users), a mean (sum and sum of squares over n
 * users), or a mean adjusted by CUPED with the same metric before exposure.
 */
export type BaseStatistic =
  | { kind: 'proportion'; n: number; sum: number }
  | { kind: 'mean'; n: number; sum: number; sumSquares: number };

export type Statistic =
  | BaseStatistic
  | {
      kind: 'cuped';
      n: number;
      post: BaseStatistic;
      pre: BaseStatistic;
      /** Σ post × pre over the users. */
      postPreSumOfProducts: number;
      /** The adjustment's slope: set per comparison by withTheta. */
      theta: number;
    };

const sumSquares = (s: BaseStatistic) => (s.kind === 'proportion' ? s.sum : s.sumSquares);

export function mean(s: Statistic): number {
  if (s.kind === 'cuped') return mean(s.post) - s.theta * mean(s.pre);
  return s.n === 0 ? 0 : s.sum / s.n;
}

/** The mean with no adjustment (the denominator of a relative effect). */
export const unadjustedMean = (s: Statistic): number => (s.kind === 'cuped' ? mean(s.post) : mean(s));

export function variance(s: Statistic): number {
  if (s.kind === 'proportion') {
    const m = mean(s);
    return m * (1 - m);
  }
  if (s.n <= 1) return 0;
  if (s.kind === 'mean') return (s.sumSquares - (s.sum * s.sum) / s.n) / (s.n - 1);
  return variance(s.post) + s.theta * s.theta * variance(s.pre) - 2 * s.theta * covariance(s);
}

function covariance(s: Extract<Statistic, { kind: 'cuped' }>): number {
  if (s.n <= 1) return 0;
  return (s.postPreSumOfProducts - (s.post.sum * s.pre.sum) / s.n) / (s.n - 1);
}

function joint(a: BaseStatistic, b: BaseStatistic, n: number): BaseStatistic {
  if (a.kind === 'proportion' && b.kind === 'proportion')
    return { kind: 'proportion', n, sum: a.sum + b.sum };
  if (a.kind === 'mean' && b.kind === 'mean')
    return { kind: 'mean', n, sum: a.sum + b.sum, sumSquares: sumSquares(a) + sumSquares(b) };
  throw new Error("a metric's statistics must be of one kind in every variation");
}

/**
 * The CUPED slope for a comparison: the pooled covariance of post and pre over the pooled
 * variance of pre, from both variations together. 0 when either pooled variance is 0.
 */
export function cupedTheta(
  a: Extract<Statistic, { kind: 'cuped' }>,
  b: Extract<Statistic, { kind: 'cuped' }>,
): number {
  const n = a.n + b.n;
  const post = joint(a.post, b.post, n);
  const pre = joint(a.pre, b.pre, n);
  if (variance(pre) === 0 || variance(post) === 0) return 0;
  const pooled = {
    kind: 'cuped' as const,
    n,
    post,
    pre,
    postPreSumOfProducts: a.postPreSumOfProducts + b.postPreSumOfProducts,
    theta: 0,
  };
  return covariance(pooled) / variance(pre);
}

/**
 * A pair of statistics ready to compare: CUPED ones get their pair's slope, or fall back to the
 * unadjusted statistics when the slope is 0 (no variance to learn it from).
 */
export function prepared(a: Statistic, b: Statistic): [Statistic, Statistic] {
  if (a.kind !== 'cuped' || b.kind !== 'cuped') return [a, b];
  const theta = cupedTheta(a, b);
  if (theta === 0) return [a.post, b.post];
  return [
    { ...a, theta },
    { ...b, theta },
  ];
}
