/**
 * DDSketch (Masson, Rim and Lee, VLDB 2019) with relative accuracy 1%: a value x ≠ 0 falls in bin
 * ceil(ln|x| / ln γ) of its sign, γ = (1 + α) / (1 − α); zero has a bin of its own. Any quantile
 * read back is within α of the true value at that rank, relatively. A bin is a count, so sketches
 * merge by adding counts, bin by bin, across buckets, layers and engines.
 *
 * Every engine computes the same bins: ClickHouse, DuckDB and BigQuery are given ln γ as a bound
 * parameter (never their own rounding of it) and compute `ceil(ln(abs(x)) / $lnGamma)` in
 * double precision, as binOf does here; the engine conformance suite holds their bins equal.
 */
export const DD_RELATIVE_ACCURACY = 0.01;
export const DD_GAMMA = (1 + DD_RELATIVE_ACCURACY) / (1 - DD_RELATIVE_ACCURACY);
export const DD_LN_GAMMA = Math.log(DD_GAMMA);

/** A bin: the sign of its values (-1, 0, 1) and, for ±, the index of |x|. */
export interface DdBin {
  sign: -1 | 0 | 1;
  index: number;
}

/** A sketch: counts per bin, keyed `sign:index` (binKey). */
export type DdSketch = Map<string, number>;

export const binKey = (sign: number, index: number) => `${sign}:${index}`;

/** The bin of a finite value, as the engines compute it. */
export function binOf(x: number): DdBin {
  if (x === 0) return { sign: 0, index: 0 };
  return { sign: x > 0 ? 1 : -1, index: Math.ceil(Math.log(Math.abs(x)) / DD_LN_GAMMA) };
}

/** Adds `count` values of a bin. */
export function ddAdd(sketch: DdSketch, sign: number, index: number, count = 1): void {
  const k = binKey(sign, index);
  sketch.set(k, (sketch.get(k) ?? 0) + count);
}

/** Adds a finite value. */
export function ddAddValue(sketch: DdSketch, x: number): void {
  const b = binOf(x);
  ddAdd(sketch, b.sign, b.index);
}

/** Merges `from` into `into`, bin by bin. */
export function ddMerge(into: DdSketch, from: DdSketch): DdSketch {
  for (const [k, n] of from) into.set(k, (into.get(k) ?? 0) + n);
  return into;
}

/** The value a bin stands for: the point of its interval within α of every value in it. */
function binValue(sign: number, index: number): number {
  return sign === 0 ? 0 : (sign * 2 * DD_GAMMA ** index) / (DD_GAMMA + 1);
}

/**
 * The q-quantile (0 ≤ q ≤ 1) of the values sketched: the value of rank floor(q × (n − 1)) in
 * ascending order (the lower nearest rank), within α relatively; null for an empty sketch.
 */
export function ddQuantile(sketch: DdSketch, q: number): number | null {
  const bins = [...sketch].map(([k, n]) => {
    const [sign, index] = k.split(':').map(Number) as [number, number];
    return { sign, index, n, at: binValue(sign, index) };
  });
  const total = bins.reduce((s, b) => s + b.n, 0);
  if (total === 0) return null;
  bins.sort((a, b) => a.at - b.at);
  const rank = Math.floor(Math.min(1, Math.max(0, q)) * (total - 1));
  let seen = 0;
  for (const b of bins) {
    seen += b.n;
    if (seen > rank) return b.at;
  }
  return bins[bins.length - 1]!.at;
}

/** The exact q-quantile by the same rank rule, for tests and benches to compare with. */
export function exactQuantile(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(Math.min(1, Math.max(0, q)) * (sorted.length - 1))]!;
}
