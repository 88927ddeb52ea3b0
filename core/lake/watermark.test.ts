import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalStorage } from './local-storage';
import { publishHour } from './views';
import { advanceWatermark, readWatermark } from './watermark';

const h = (n: number) => new Date(Date.UTC(2026, 0, 1, n)).toISOString();
const publish = (lake: LocalStorage, n: number) =>
  publishHour(lake, {
    hour: h(n),
    version: 'v',
    measures: 'm.parquet',
    uniques: 'u.parquet',
    events: 1,
    computedAt: '',
  });

describe('batch watermark', () => {
  it('follows contiguous published hours whatever order the runs finish in', async () => {
    const lake = new LocalStorage(mkdtempSync(join(tmpdir(), 'wm-')));
    await publish(lake, 0);
    expect((await advanceWatermark(lake, h(0))).hour).toBe(h(0));
    await publish(lake, 2);
    expect((await advanceWatermark(lake, h(2))).hour).toBe(h(0)); // hour 1 missing: held back
    await publish(lake, 1);
    expect((await advanceWatermark(lake, h(1))).hour).toBe(h(2)); // the gap filled: catches up to 2
    expect((await advanceWatermark(lake, h(1))).hour).toBe(h(2)); // never back
    expect(await readWatermark(lake)).toMatchObject({ hour: h(2), requested: h(2) });
  });

  it('does not start on an hour without a view, and an hour sealed later does not pull earlier ones in', async () => {
    const lake = new LocalStorage(mkdtempSync(join(tmpdir(), 'wm-')));
    expect((await advanceWatermark(lake, h(5))).hour).toBeNull(); // asked, but nothing published
    await publish(lake, 6);
    expect((await advanceWatermark(lake, h(6))).hour).toBe(h(6));
    // Hours 0..5 are not sealed by it: the serving layer treats each by its own view.
    await publish(lake, 3);
    expect((await advanceWatermark(lake, h(3))).hour).toBe(h(6));
  });
});
