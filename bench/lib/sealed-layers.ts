import type { LayeredViews } from '../../serving-layer/query/layered-views';
import type { SegmentQuery } from '../../serving-layer/query/segment-query';
import type { TimeRange } from '../../serving-layer/query/time-range';

/**
 * The query core's layered reading, faked for a bench: the lake answers the range up to the
 * watermark (all of it when the watermark is at its end or later), the speed view the rest; nothing is cached between runs of a
 * bench (answers computed each time), and the stamps change when `moved()` is called, as after a
 * publish. Only what the raw-event analyses use is there.
 */
export function sealedLayers(watermark: Date): { layers: LayeredViews; moved(): void } {
  let stamp = 0;
  const layers = {
    layersOf: async ({ range }: { range: TimeRange }) => {
      // The lake up to the watermark, the speed view after it (when the range goes past it).
      const split = new Date(
        Math.min(range.to.getTime(), Math.max(range.from.getTime(), watermark.getTime())),
      );
      const part = (source: 'batch' | 'speed', from: Date, to: Date) =>
        from < to ? [{ source, from: from.toISOString(), to: to.toISOString() }] : [];
      return {
        split,
        rawParts: [...part('batch', range.from, split), ...part('speed', split, range.to)],
        watermark: watermark.toISOString(),
      };
    },
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
