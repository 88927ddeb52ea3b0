import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { publishHour, readHourPointer } from '../../core/lake/views';
import { advanceWatermark, readWatermark } from '../../core/lake/watermark';
import { lakeAt } from '../helpers/lake';
import { REPO_ROOT } from '../../infra/local/paths';
import { exited } from '../helpers/child-role';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 1);
const h = (n: number) => new Date(T0 + n * HOUR).toISOString();

const writer = (lake: string, hours: string[], loop = false): ChildProcess =>
  spawn(
    process.execPath,
    ['--import', 'tsx', 'test/helpers/watermark-writer.ts', lake, ...hours, ...(loop ? ['--loop'] : [])],
    { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] },
  );

/** Every hour from the first watermark seen up to the current one has a published view. */
async function checkSealed(lake: string, first: string | null): Promise<string | null> {
  const w = (await readWatermark(lakeAt(lake))).hour;
  if (first !== null && w !== null)
    for (let t = Date.parse(first); t <= Date.parse(w); t += HOUR)
      expect(
        await readHourPointer(lakeAt(lake), new Date(t).toISOString()),
        `hour ${new Date(t).toISOString()}`,
      ).toBeDefined();
  return w;
}

/** The watermark is moved by many processes at once and may be killed at any point: no lock. */
describe('batch watermark under concurrent publishers and kill -9', () => {
  it('ends at the last hour whatever order four concurrent publishers finish in, never moving back', async () => {
    const lake = mkdtempSync(join(tmpdir(), 'wm-concurrent-'));
    await publishHour(lakeAt(lake), {
      hour: h(0),
      version: 'v',
      measures: 'm',
      uniques: 'u',
      events: 0,
      computedAt: '',
    });
    await advanceWatermark(lakeAt(lake), h(0));
    // 4 processes, 160 hours dealt round-robin and shuffled within each: gaps open and close.
    const deal = Array.from({ length: 4 }, (_, p) =>
      Array.from({ length: 40 }, (_, i) => h(1 + p + i * 4)).sort(() => Math.random() - 0.5),
    );
    const children = deal.map((hours) => writer(lake, hours));
    let last = h(0);
    const done = Promise.all(children.map(exited));
    let finished = false;
    void done.then(() => (finished = true));
    while (!finished) {
      const w = (await checkSealed(lake, h(0))) ?? h(0);
      expect(w >= last, `watermark moved back from ${last} to ${w}`).toBe(true);
      last = w;
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(children.map((c) => c.exitCode)).toEqual([0, 0, 0, 0]);
    expect(await readWatermark(lakeAt(lake))).toEqual({ hour: h(160), requested: h(160) });
  }, 120_000);

  it('a publisher killed with SIGKILL at any point leaves nothing that blocks or misleads the next', async () => {
    const lake = mkdtempSync(join(tmpdir(), 'wm-kill-'));
    const hours = Array.from({ length: 60 }, (_, i) => h(i));
    let first: string | null = null;
    for (let round = 0; round < 8; round++) {
      // Two looping publishers on the same hours, one reversed, killed after a random moment.
      const a = writer(lake, hours, true);
      const b = writer(lake, [...hours].reverse(), true);
      await new Promise((r) => setTimeout(r, 700 + Math.random() * 800));
      a.kill('SIGKILL');
      b.kill('SIGKILL');
      await Promise.all([exited(a), exited(b)]);
      first ??= (await readWatermark(lakeAt(lake))).hour;
      await checkSealed(lake, first);
      // The next call proceeds at once: nothing was left locked.
      await advanceWatermark(lakeAt(lake), h(0));
    }
    // Whatever the kills interrupted, publishing the hours once more seals them all.
    const last = writer(lake, hours);
    await exited(last);
    expect(last.exitCode).toBe(0);
    expect((await readWatermark(lakeAt(lake))).hour).toBe(h(59));
  }, 120_000);
});
