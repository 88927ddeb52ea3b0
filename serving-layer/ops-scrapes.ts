import { LateHoursIndex, viewHolds } from '../core/lake/late-markers';
import type { LakeStorage } from '../core/lake/storage';
import { onRepairBacklogScrape, onWatermarkScrape } from '../core/ops/operational-metrics';
import { exportQualityMetrics } from './quality/quality-metrics';
import type { QualityQuery } from './quality/quality-query';
import type { BatchViewReader } from './views/batch-view-reader';

/**
 * What the serving process reports at each Prometheus scrape: the watermark's lag, the late
 * hours still waiting for a repair, and the last complete hour's data quality. Returns the stop.
 */
export function startServingScrapes(o: {
  lake: LakeStorage;
  batch: BatchViewReader;
  quality: QualityQuery;
}): () => void {
  const { lake, batch } = o;
  // None before the first sealed hour.
  const stopWatermarkLag = onWatermarkScrape(async (set) => {
    const end = await batch.watermarkEnd();
    if (end) set({ lake: lake.uri('') }, Math.max(0, (Date.now() - end.getTime()) / 1000));
  });
  const lateHours = new LateHoursIndex(lake);
  // Pending as the layer plan judges it: a marker whose events the hour's view already holds
  // (the archiver got there before the seal) is waiting for nothing.
  const stopRepairBacklog = onRepairBacklogScrape(async (set) => {
    let pending = 0;
    for (const [k, ranges] of await lateHours.hours()) {
      const hour = new Date(k.slice(k.indexOf('|') + 1));
      const pointer = (await batch.pointers(hour, new Date(hour.getTime() + 3_600_000)))(hour.toISOString());
      if (ranges.some((r) => !viewHolds(pointer?.archived, r))) pending++;
    }
    set({ lake: lake.uri('') }, pending);
  });
  // Computed at most every five minutes.
  const stopQualityMetrics = exportQualityMetrics(o.quality, lake);
  return () => {
    stopWatermarkLag();
    stopRepairBacklog();
    stopQualityMetrics();
  };
}
