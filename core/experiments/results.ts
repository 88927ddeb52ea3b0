import { eachInTurns } from '../turns';
import type { ExperimentDefinition, ExperimentMetric } from './definition';
import type { BaseStatistic, Statistic } from './stats/statistics';
import {
  bayesian,
  frequentist,
  sampleRatioMismatch,
  SRM_THRESHOLD,
  type BayesianResult,
  type FrequentistResult,
} from './stats/hypothesis-tests';

/** An exposure: the user saw `variation` at `at` (epoch ms). */
export interface ExposureRow {
  actor: string;
  at: number;
  variation: string;
}

/** One event of a metric: who, when, and what it adds (1 for a conversion or a count). */
export interface MetricRow {
  actor: string;
  at: number;
  value: number;
}

export interface ResultOptions {
  alpha: number;
  cuped: boolean;
  /** Sequential testing's tuning parameter; undefined: fixed-horizon tests. */
  sequentialTuning: number | undefined;
}

export interface MetricResult {
  metric: ExperimentMetric;
  role: 'goal' | 'guardrail';
  variations: { id: string; users: number; total: number; mean: number; variance: number }[];
  /** Each variation against the control (the first variation). */
  comparisons: { variation: string; frequentist: FrequentistResult; bayesian: BayesianResult }[];
}

/** Persons an answer names per variation (the first exposed), for a reader to open. */
const NAMED = 10;

export interface ExperimentResults {
  /** `persons`: the first persons exposed to each (up to ten, earliest first). */
  variations: { id: string; weight: number; users: number; persons: string[] }[];
  /** Users exposed to more than one variation (left out), and exposures naming no variation of it. */
  excluded: { multipleVariations: number; unknownVariation: number };
  srm: { pValue: number; flagged: boolean };
  metrics: MetricResult[];
}

/**
 * Per-variation aggregates and statistics of an experiment, from its exposures and the events of
 * its metrics. A user counts from their first exposure; users exposed to several variations are
 * left out. A metric counts within the conversion window after that first exposure; its CUPED
 * covariate is the same metric in a window of the same length just before it.
 */
export async function experimentResults(
  e: ExperimentDefinition,
  exposures: ExposureRow[],
  metricRows: MetricRow[][],
  o: ResultOptions,
  /** Which metrics read as conversions (did it or not); by default the `conversion` ones. */
  conversions?: readonly boolean[],
): Promise<ExperimentResults> {
  const ids = e.variations.map((v) => v.id);
  // Each user's first exposure, and every variation they were shown.
  const first = new Map<string, { at: number; variation: string; shown: Set<string> }>();
  let unknownVariation = 0;
  await eachInTurns(exposures, (x) => {
    if (!ids.includes(x.variation)) {
      unknownVariation++;
      return;
    }
    const seen = first.get(x.actor);
    if (!seen) first.set(x.actor, { at: x.at, variation: x.variation, shown: new Set([x.variation]) });
    else {
      seen.shown.add(x.variation);
      if (x.at < seen.at) Object.assign(seen, { at: x.at, variation: x.variation });
    }
  });
  const users = new Map<string, { at: number; variation: number }>();
  let multipleVariations = 0;
  await eachInTurns(first, ([actor, s]) => {
    if (s.shown.size > 1) multipleVariations++;
    else users.set(actor, { at: s.at, variation: ids.indexOf(s.variation) });
  });
  const counts = ids.map(() => 0);
  for (const u of users.values()) counts[u.variation]!++;
  const named = ids.map(() => [] as { actor: string; at: number }[]);
  for (const [actor, u] of users) named[u.variation]!.push({ actor, at: u.at });
  const firstNamed = named.map((list) =>
    list
      .sort((a, b) => a.at - b.at || (a.actor < b.actor ? -1 : a.actor > b.actor ? 1 : 0))
      .slice(0, NAMED)
      .map((x) => x.actor),
  );
  const srmP = sampleRatioMismatch(
    counts,
    e.variations.map((v) => v.weight),
  );
  const windowMs = e.conversionWindowHours * 3_600_000;
  const roles = [...e.goals.map(() => 'goal' as const), ...e.guardrails.map(() => 'guardrail' as const)];
  const metrics: MetricResult[] = [];
  for (const [k, metric] of [...e.goals, ...e.guardrails].entries()) {
    // Each user's value after exposure and before it.
    const post = new Map<string, number>();
    const pre = new Map<string, number>();
    await eachInTurns(metricRows[k] ?? [], (r) => {
      const u = users.get(r.actor);
      if (!u) return;
      if (r.at >= u.at && r.at < u.at + windowMs) post.set(r.actor, (post.get(r.actor) ?? 0) + r.value);
      else if (r.at < u.at && r.at >= u.at - windowMs) pre.set(r.actor, (pre.get(r.actor) ?? 0) + r.value);
    });
    const conversion = conversions?.[k] ?? metric.kind === 'conversion';
    const value = (m: Map<string, number>, actor: string) => {
      const v = m.get(actor) ?? 0;
      return conversion ? (v > 0 ? 1 : 0) : v;
    };
    const agg = ids.map(() => ({ n: 0, sum: 0, sumSquares: 0, preSum: 0, preSquares: 0, products: 0 }));
    await eachInTurns(users, ([actor, u]) => {
      const a = agg[u.variation]!;
      const y = value(post, actor);
      const x = value(pre, actor);
      a.n++;
      a.sum += y;
      a.sumSquares += y * y;
      a.preSum += x;
      a.preSquares += x * x;
      a.products += x * y;
    });
    const base = (n: number, sum: number, squares: number): BaseStatistic =>
      conversion ? { kind: 'proportion', n, sum } : { kind: 'mean', n, sum, sumSquares: squares };
    const stats: Statistic[] = agg.map((a) =>
      o.cuped
        ? {
            kind: 'cuped',
            n: a.n,
            post: base(a.n, a.sum, a.sumSquares),
            pre: base(a.n, a.preSum, a.preSquares),
            postPreSumOfProducts: a.products,
            theta: 0,
          }
        : base(a.n, a.sum, a.sumSquares),
    );
    metrics.push({
      metric,
      role: roles[k] as 'goal' | 'guardrail',
      variations: agg.map((a, i) => {
        const m = a.n === 0 ? 0 : a.sum / a.n;
        const v = conversion
          ? m * (1 - m)
          : a.n <= 1
            ? 0
            : (a.sumSquares - (a.sum * a.sum) / a.n) / (a.n - 1);
        return { id: ids[i] as string, users: a.n, total: a.sum, mean: m, variance: v };
      }),
      comparisons: stats.slice(1).map((s, i) => ({
        variation: ids[i + 1] as string,
        frequentist: frequentist(stats[0] as Statistic, s, {
          alpha: o.alpha,
          ...(o.sequentialTuning === undefined ? {} : { sequentialTuning: o.sequentialTuning }),
        }),
        bayesian: bayesian(stats[0] as Statistic, s, { alpha: o.alpha }),
      })),
    });
  }
  return {
    variations: e.variations.map((v, i) => ({
      id: v.id,
      weight: v.weight,
      users: counts[i] ?? 0,
      persons: firstNamed[i] ?? [],
    })),
    excluded: { multipleVariations, unknownVariation },
    srm: { pValue: srmP, flagged: srmP < SRM_THRESHOLD },
    metrics,
  };
}
