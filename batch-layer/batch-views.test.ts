import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { advanceWatermark, publishHour, readWatermark } from './batch-views';

const h = (n: number) => new Date(Date.UTC(2026, 0, 1, n)).toISOString();
const publish = (lake: string, n: number) =>
  publishHour(lake, {
    hour: h(n),
    version: 'v',
    measures: 'm.parquet',
    uniques: 'u.parquet',
    events: 1,
    computedAt: '',
  });

describe('batch watermark', () => {
  it('follows contiguous published hours whatever order the runs finish in', () => {
    const lake = mkdtempSync(join(tmpdir(), 'wm-'));
    publish(lake, 0);
    expect(advanceWatermark(lake, h(0)).hour).toBe(h(0));
    publish(lake, 2);
    expect(advanceWatermark(lake, h(2)).hour).toBe(h(0)); // hour 1 missing: held back
    publish(lake, 1);
    expect(advanceWatermark(lake, h(1)).hour).toBe(h(2)); // the gap filled: catches up to 2
    expect(advanceWatermark(lake, h(1)).hour).toBe(h(2)); // never back
    expect(readWatermark(lake)).toMatchObject({ hour: h(2), requested: h(2) });
  });

  it('does not start on an hour without a view, and an hour sealed later does not pull earlier ones in', () => {
    const lake = mkdtempSync(join(tmpdir(), 'wm-'));
    expect(advanceWatermark(lake, h(5)).hour).toBeNull(); // asked, but nothing published
    publish(lake, 6);
    expect(advanceWatermark(lake, h(6)).hour).toBe(h(6));
    // Hours 0..5 are not sealed by it: the serving layer treats each by its own view.
    publish(lake, 3);
    expect(advanceWatermark(lake, h(3)).hour).toBe(h(6));
  });
});
