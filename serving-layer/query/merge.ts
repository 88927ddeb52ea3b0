import type { MetricDefinition } from '../../core/metric-catalog/catalog';
import { hllEstimate, hllMerge } from '../../core/sketches/hll';
import type { Source } from '../views/layer-plan';
import type { SeriesQuery, ViewReader } from '../views/series';
import type { AnswerPart, Bucket } from './answer';

/**
 * The two merges of the layers' answers: each part of a range comes from one layer (the layer
 * plan), so counts and sums add, and unique counts merge HLL registers by max.
 */

/** One part of a range and the (cached) reader of the layer answering it. */
export interface Side {
  source: Source;
  reader: ViewReader;
  q: SeriesQuery;
}

export interface SideSketch {
  buckets: Map<string, { start: number; dim: string; regs: Map<number, number>; estimate: number }>;
  total: Map<number, number>;
}

/** Counts and sums add across layers and buckets. */
export async function mergeAdditive(def: MetricDefinition, sides: Side[]) {
  const take = (c: { count: number; sum: number }) => (def.measure.kind === 'count' ? c.count : c.sum);
  const buckets = new Map<string, Bucket>();
  const parts: AnswerPart[] = [];
  for (const side of sides) {
    const cells = await side.reader.measures(side.q);
    parts.push({
      source: side.source,
      from: side.q.from.toISOString(),
      to: side.q.to.toISOString(),
      value: cells.reduce((n, c) => n + take(c), 0),
    });
    for (const c of cells) {
      const key = `${c.bucket}|${c.dim}`;
      const b = buckets.get(key);
      if (b) {
        b.value += take(c);
        if (b.source !== side.source) b.source = 'mixed';
      } else {
        buckets.set(key, {
          start: new Date(c.bucket).toISOString(),
          ...(side.q.groupBy ? { dim: c.dim } : {}),
          value: take(c),
          source: side.source,
        });
      }
    }
  }
  return {
    value: parts.reduce((n, p) => n + p.value, 0),
    parts,
    buckets: sortBuckets([...buckets.values()]),
  };
}

/**
 * Unique counts: registers merge by max across layers and buckets; estimates are never added.
 * `sketchOf` gives each layer's registers (cached per layer by the caller).
 */
export async function mergeUniques(sides: Side[], sketchOf: (side: Side) => Promise<SideSketch>) {
  const perBucket = new Map<
    string,
    { start: number; dim: string; regs: Map<number, number>; estimate: number; sources: Set<Source> }
  >();
  const total = new Map<number, number>();
  const parts: AnswerPart[] = [];
  for (const side of sides) {
    const sketch = await sketchOf(side);
    for (const [key, b] of sketch.buckets) {
      const seen = perBucket.get(key);
      if (seen) {
        // A bucket both layers answer (it holds the watermark): merge its registers.
        const regs = hllMerge(new Map(seen.regs), b.regs);
        perBucket.set(key, {
          ...seen,
          regs,
          estimate: hllEstimate(regs),
          sources: new Set([...seen.sources, side.source]),
        });
      } else perBucket.set(key, { ...b, sources: new Set([side.source]) });
    }
    hllMerge(total, sketch.total);
    parts.push({
      source: side.source,
      from: side.q.from.toISOString(),
      to: side.q.to.toISOString(),
      value: Math.round(hllEstimate(sketch.total)),
    });
  }
  const buckets = [...perBucket.values()].map((b): Bucket => ({
    start: new Date(b.start).toISOString(),
    ...(sides[0]?.q.groupBy ? { dim: b.dim } : {}),
    value: Math.round(b.estimate),
    source: b.sources.size > 1 ? 'mixed' : (b.sources.values().next().value as Source),
  }));
  return { value: Math.round(hllEstimate(total)), parts, buckets: sortBuckets(buckets) };
}

/** One layer's registers merged per bucket and over its whole part, with the bucket estimates. */
export async function sideSketch(side: Side): Promise<SideSketch> {
  const buckets = new Map<
    string,
    { start: number; dim: string; regs: Map<number, number>; estimate: number }
  >();
  const total = new Map<number, number>();
  for (const c of await side.reader.registers(side.q)) {
    const k = `${c.bucket}|${c.dim}`;
    let b = buckets.get(k);
    if (!b) buckets.set(k, (b = { start: c.bucket, dim: c.dim, regs: new Map(), estimate: 0 }));
    if ((b.regs.get(c.reg) ?? 0) < c.rank) b.regs.set(c.reg, c.rank);
    if ((total.get(c.reg) ?? 0) < c.rank) total.set(c.reg, c.rank);
  }
  for (const b of buckets.values()) b.estimate = hllEstimate(b.regs);
  return { buckets, total };
}

function sortBuckets(b: Bucket[]): Bucket[] {
  return b.sort((x, y) =>
    x.start < y.start ? -1 : x.start > y.start ? 1 : (x.dim ?? '') < (y.dim ?? '') ? -1 : 1,
  );
}
