import { HLL_STANDARD_ERROR, hllEstimate, hllMerge, hllRegister } from '../../core/sketches/hll';
import type { IdentityGraph } from '../../core/persons/identity';
import type { RawEventReader } from '../views/raw-event-reader';
import type { AnswerPart, Bucket, MetricAnswer } from './answer';
import { BUCKET_MS, type Granularity } from './granularity';
import type { TimeRange } from './time-range';
import type { MetricQuery } from './metric-query';

/** What a unique-person count is asked. */
export interface UniquePersonsRequest {
  project: string;
  range: TimeRange;
  granularity: Granularity;
  /** Only persons with an event named here; every event when absent. */
  events?: readonly string[];
}

export type UniquePersonsAnswer = Pick<
  MetricAnswer,
  'value' | 'parts' | 'buckets' | 'watermark' | 'standardError' | 'source'
> & { counting: 'persons' };

/**
 * Distinct persons per bucket and over the range, counted at the time of asking: each layer's
 * engine keeps one row per (id, bucket) of its part (the lake before the watermark, the speed
 * view after it), each id becomes its person through the identity graph as known now, and
 * persons are hashed into the same HyperLogLog registers as every unique count. An identify or
 * alias joining two ids changes every hour holding their events the moment it is read, sealed
 * hours included, with nothing to recompute: no stored view depends on who is whom.
 */
export async function uniquePersons(
  deps: { metrics: MetricQuery; raw: RawEventReader; graph: (project: string) => Promise<IdentityGraph> },
  q: UniquePersonsRequest,
): Promise<UniquePersonsAnswer> {
  const { project, range, granularity } = q;
  const { split, rawParts, watermark } = await deps.metrics.layersOf(range, project);
  const graph = await deps.graph(project);
  const step = BUCKET_MS[granularity];
  const rows = await deps.raw.activeBuckets({ project, from: range.from, split, to: range.to }, step, q.events);
  const registers = new Map<string, { reg: number; rank: number }>();
  const cells = new Map<number, Map<number, number>>();
  const parts = { batch: new Map<number, number>(), speed: new Map<number, number>() };
  const total = new Map<number, number>();
  const splitAt = split.getTime();
  const put = (regs: Map<number, number>, r: { reg: number; rank: number }) => {
    if ((regs.get(r.reg) ?? 0) < r.rank) regs.set(r.reg, r.rank);
  };
  for (const [actor, bucket] of rows) {
    const person = graph.personOf(actor);
    let r = registers.get(person);
    if (!r) registers.set(person, (r = hllRegister(person)));
    let cell = cells.get(bucket);
    if (!cell) cells.set(bucket, (cell = new Map()));
    put(cell, r);
    put(total, r);
  }
  // Each layer's share, from the rows' own layer: a bucket straddling the watermark holds both.
  for (const [actor, , layer] of rows)
    put(layer === 'lake' ? parts.batch : parts.speed, registers.get(graph.personOf(actor))!);
  const sourceOf = (start: number) =>
    start + step <= splitAt ? ('batch' as const) : start >= splitAt ? ('speed' as const) : ('mixed' as const);
  const buckets: Bucket[] = [...cells]
    .sort(([a], [b]) => a - b)
    .map(([start, regs]) => ({
      start: new Date(start).toISOString(),
      value: Math.round(hllEstimate(regs)),
      source: sourceOf(start),
    }));
  const answerParts: AnswerPart[] = rawParts.map((p) => ({
    ...p,
    value: Math.round(hllEstimate(hllMerge(new Map(), [...parts[p.source]]))),
  }));
  const sources = new Set(answerParts.map((p) => p.source));
  return {
    value: Math.round(hllEstimate(total)),
    parts: answerParts,
    buckets,
    watermark,
    source: sources.size > 1 ? 'mixed' : ([...sources][0] ?? 'speed'),
    standardError: HLL_STANDARD_ERROR,
    counting: 'persons',
  };
}
