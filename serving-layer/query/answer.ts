import type { Source } from '../views/layer-plan';
import type { Granularity } from './granularity';
import type { EventWhere } from '../../core/events/dimensions';
import type { EventFilter } from '../../core/events/event-filter';
import type { SegmentDefinition } from '../../core/segments/definition';
import type { TimeRange } from './time-range';

/** What the query core answers: the shapes every analysis shares. */

/** Segment-filtered answers: which segments, and whether they are the answer's breakdown. */
export interface SegmentScope {
  segments: SegmentDefinition[];
  /** One series per segment (each bucket's `dim` is the segment id), else the events of any. */
  breakdown: boolean;
}

/** One contiguous part of the answer and the layer it came from. */
export interface AnswerPart {
  source: Source;
  from: string;
  to: string;
  value: number;
}

export interface Bucket {
  start: string;
  dim?: string;
  value: number;
  source: Source | 'mixed';
}

export interface MetricAnswer {
  metric: string;
  project: string;
  from: string;
  to: string;
  granularity: Granularity;
  value: number;
  source: Source | 'mixed';
  parts: AnswerPart[];
  buckets: Bucket[];
  /** With a split and a limit: the groups kept, largest first over the range, then `(other)`. */
  groups?: { dim: string; value: number }[];
  /** End of the last sealed hour: the batch view answers before it, the speed view after. */
  watermark: string | null;
  /**
   * Sealed hours with late events their batch view does not hold yet: answered from the speed
   * view (source `late`) until the late-data-repair schedule publishes them again.
   */
  pendingRepair?: { from: string; to: string }[];
  /** Unique counts are HyperLogLog estimates with this relative standard error. */
  standardError?: number;
  /**
   * What a unique count counts: persons (ids joined by identify and alias calls, as known when
   * asked), or ids where the query core reads no raw events (its views hash ids).
   */
  counting?: 'persons' | 'ids';
  /** The segments the answer is restricted to (with `breakdown`, one series each: the buckets' dim). */
  segments?: string[];
  breakdown?: 'segment';
  freshness: Freshness;
}

/** How current the answer is: the batch view up to the watermark, the speed view up to its last event. */
export interface Freshness {
  /** When the speed view last received an event of the project (null: none in its horizon). */
  speedLastReceivedAt: string | null;
  /** Seconds between that and the answer; null when the speed view holds nothing. */
  lagSeconds: number | null;
  /**
   * When part of the answer is sealed hours waiting for late-data repair (source `late`): which
   * workflow brings them into the batch view, and how often it runs.
   */
  pendingRepair?: { workflow: 'lateDataRepair'; everySeconds: number; parts: { from: string; to: string }[] };
}

/** A question of GET /v1/metrics/:name: a catalog metric over a range, in buckets of a granularity. */
export interface MetricRequest extends QueryOptions {
  metric: string;
  project: string;
  range: TimeRange;
  granularity: Granularity;
}

export interface QueryOptions {
  groupBy?: string;
  /** Only these values of the metric's dimension. */
  dims?: readonly string[];
  /** Only events whose user was in the segment(s) when they happened; or one series per segment. */
  segments?: SegmentScope;
  /** Only events whose event dimensions (country, device_type...) hold these values. */
  where?: EventWhere;
  /** Only events this filter holds for: event dimensions, event properties, person traits. */
  filter?: EventFilter;
  /** With a split, only the largest N groups, the rest as one group `(other)`. */
  limit?: number;
}

/** A metric's totals per dimension value over a range, merged across the layers. */
export interface DimTotals {
  byDim: Map<string, { count: number; sum: number }>;
  parts: AnswerPart[];
  watermark: string | null;
}

export interface LayerSpan {
  source: string;
  from: string;
  to: string;
}

/** The spans of an answer's parts that are sealed hours waiting for late-data repair. */
export function lateSpans(parts: LayerSpan[]): { from: string; to: string }[] {
  return parts.filter((p) => p.source === 'late').map((p) => ({ from: p.from, to: p.to }));
}
