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
    const now = new Date();
    publish(lake, 0);
    expect(advanceWatermark(lake, h(0), now).hour).toBe(h(0));
    publish(lake, 2);
    expect(advanceWatermark(lake, h(2), now).hour).toBe(h(0)); // hour 1 missing: held back
    publish(lake, 1);
    expect(advanceWatermark(lake, h(1), now).hour).toBe(h(2)); // the gap filled: catches up to 2
    expect(advanceWatermark(lake, h(1), now).hour).toBe(h(2)); // never back
    expect(readWatermark(lake)).toMatchObject({ hour: h(2), requested: h(2) });
  });
});
