import { HLL_STANDARD_ERROR, hllEstimate } from '../../core/sketches/hll';
import type { IdentityGraph } from '../../core/persons/identity';
import type { RawEventReader } from '../views/raw-event-reader';
import type { AnswerPart, Bucket, MetricAnswer } from './answer';
import { BUCKET_MS, type Granularity } from './granularity';
import type { TimeRange } from './time-range';
import type { LayeredViews } from './layered-views';

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
 * engine (the lake before the watermark, the speed view after it) takes each id of its part to
 * its person through the identity graph as known now (the joined ids bound as parameters) and
 * returns the HyperLogLog registers of the persons per bucket, hashed as every unique count is;
 * they merge here by max, across layers and buckets. An identify or alias joining two ids changes
 * every hour holding their events the moment it is read, sealed hours included, with nothing to
 * recompute: no stored view depends on who is whom.
 */
export async function uniquePersons(
  deps: { layers: LayeredViews; raw: RawEventReader; graph: (project: string) => Promise<IdentityGraph> },
  q: UniquePersonsRequest,
): Promise<UniquePersonsAnswer> {
  const { project, range, granularity } = q;
  const { split, rawParts, watermark } = await deps.layers.layersOf({ range, project });
  const graph = await deps.graph(project);
  const step = BUCKET_MS[granularity];
  const layers = await deps.raw.personRegisters(
    { project, from: range.from, split, to: range.to },
    { stepMs: step, events: q.events, persons: graph.joined() },
  );
  const cells = new Map<number, Map<number, number>>();
  const parts = { batch: new Map<number, number>(), speed: new Map<number, number>() };
  const total = new Map<number, number>();
  const put = (regs: Map<number, number>, reg: number, rank: number) => {
    if ((regs.get(reg) ?? 0) < rank) regs.set(reg, rank);
  };
  for (const { layer, rows } of layers) {
    // A bucket straddling the watermark gets registers from both layers: merged by max.
    const part = layer === 'lake' ? parts.batch : parts.speed;
    for (const [bucket, reg, rank] of rows) {
      let cell = cells.get(bucket);
      if (!cell) cells.set(bucket, (cell = new Map()));
      put(cell, reg, rank);
      put(part, reg, rank);
      put(total, reg, rank);
    }
  }
  const splitAt = split.getTime();
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
    value: Math.round(hllEstimate(parts[p.source])),
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
