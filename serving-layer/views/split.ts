import type { TimeRange } from '../query/time-range';

/**
 * Where a range splits between the layers: the batch view answers before the watermark (the end
 * of the last sealed hour), the speed view from it on. Without a watermark, everything is speed.
 */
export function splitAt(watermark: Date | undefined, range: TimeRange): Date {
  return watermark
    ? new Date(Math.min(Math.max(watermark.getTime(), range.from.getTime()), range.to.getTime()))
    : range.from;
}
