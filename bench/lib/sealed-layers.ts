import type { LayeredViews } from '../../serving-layer/query/layered-views';
import type { SegmentQuery } from '../../serving-layer/query/segment-query';
import type { TimeRange } from '../../serving-layer/query/time-range';

/**
 * The query core's layered reading, faked for a bench whose lake holds the whole range as sealed:
 * the lake answers all of it (the split at the range's end), nothing is cached between runs of a
 * bench (answers computed each time), and the stamps change when `moved()` is called, as after a
 * publish. Only what the raw-event analyses use is there.
 */
export function sealedLayers(watermark: Date): { layers: LayeredViews; moved(): void } {
  let stamp = 0;
  const layers = {
    layersOf: async ({ range }: { range: TimeRange }) => ({
      split: range.to,
      rawParts: [{ source: 'batch' as const, from: range.from.toISOString(), to: range.to.toISOString() }],
      watermark: watermark.toISOString(),
    }),
    cachedAnswer: async <T>(_project: string, _key: unknown, compute: () => Promise<T>) => ({
      ...(await compute()),
      freshness: {},
    }),
    watermarkEnd: async () => watermark,
    batchStamp: async () => String(stamp),
    stamp: async () => String(stamp),
  } as unknown as LayeredViews;
  return { layers, moved: () => void stamp++ };
}

/** Segment membership for a bench that asks no segment. */
export const noSegments: Pick<SegmentQuery, 'membership'> = {
  membership: () => Promise.reject(new Error('this bench asks no segment')),
};
