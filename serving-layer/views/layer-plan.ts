import type { TimeRange } from '../query/time-range';

const HOUR = 3_600_000;

/**
 * Where each part of an answer comes from:
 * - `batch`: a sealed hour's batch view (exact, authoritative);
 * - `speed`: the speed view, for hours the batch layer has not sealed;
 * - `late`: a sealed hour that received late events its batch view does not hold yet, answered
 *   from the speed view until late-data repair publishes the hour again.
 */
export type Source = 'batch' | 'speed' | 'late';

export interface PlannedPart {
  source: Source;
  from: Date;
  to: Date;
}

/** What the plan needs to know of each hour (epoch ms of its start). */
export interface HourFacts {
  /** End of the last sealed hour; undefined when nothing is sealed yet. */
  watermarkEnd?: number;
  /** First hour the speed view holds whole (its horizon). */
  horizonStart: number;
  /** The hour has a published batch view. */
  published(hour: number): boolean;
  /** Late events of the project's hour are pending repair. */
  late(hour: number): boolean;
  /** The lake holds events of the project's hour. */
  lakeHolds(hour: number): boolean;
}

/** An hour no layer can answer right now, and what makes it answerable. */
export interface Refusal {
  hour: number;
  /** `backfill`: no view and beyond the speed horizon; `repair`: late events pending, beyond it. */
  needs: 'backfill' | 'repair';
}

/**
 * Assigns each hour of a range to exactly one layer. The speed view holds every event of an hour
 * inside its horizon, so it answers any hour there that the batch view does not hold whole: hours
 * after the watermark, hours before it with no view, and sealed hours with late events pending.
 * The late delta is never added to a batch view: the hour comes whole from one layer, so when the
 * repaired view is published (and the marker removed) the answer switches layers at once and
 * nothing is counted twice or dropped. Beyond the horizon such an hour is refused, never zero.
 */
export function planLayers(range: TimeRange, facts: HourFacts): { parts: PlannedPart[]; refused: Refusal[] } {
  const parts: PlannedPart[] = [];
  const refused: Refusal[] = [];
  const from = range.from.getTime();
  const to = range.to.getTime();
  for (let h = Math.floor(from / HOUR) * HOUR; h < to; h += HOUR) {
    const source = sourceOf(h, facts, refused);
    const start = new Date(Math.max(h, from));
    const end = new Date(Math.min(h + HOUR, to));
    const last = parts[parts.length - 1];
    if (last && last.source === source && last.to.getTime() === start.getTime()) last.to = end;
    else parts.push({ source, from: start, to: end });
  }
  return { parts, refused };
}

function sourceOf(h: number, f: HourFacts, refused: Refusal[]): Source {
  const inHorizon = h >= f.horizonStart;
  const sealedSide = f.watermarkEnd !== undefined && h < f.watermarkEnd;
  if (!sealedSide) {
    if (!inHorizon && (f.lakeHolds(h) || f.late(h))) refused.push({ hour: h, needs: 'backfill' });
    return 'speed';
  }
  const published = f.published(h);
  if (published && !f.late(h)) return 'batch';
  if (inHorizon) return published ? 'late' : 'speed';
  if (published) {
    refused.push({ hour: h, needs: 'repair' });
    return 'late';
  }
  // No view and beyond the horizon: zero is the truth only if the lake holds nothing.
  if (f.lakeHolds(h) || f.late(h)) refused.push({ hour: h, needs: 'backfill' });
  return 'batch';
}
