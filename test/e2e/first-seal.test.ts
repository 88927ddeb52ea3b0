import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOUR, startLateStack } from '../helpers/late-stack';
import { requireServices } from '../helpers/test-config';
import { waitFor } from '../helpers/wait-for';

/** A fresh stack that receives history from before its first sealed hour. */
describe('hours before the first sealed hour', () => {
  let s: Awaited<ReturnType<typeof startLateStack>>;
  beforeAll(async () => {
    await requireServices();
    s = await startLateStack('fresh');
  });
  afterAll(async () => s?.stop());

  it('never answers 0 for history sent before the first sealed hour: speed or 503 first, then the batch view by itself', async () => {
    const now = Date.now();
    const hourNow = Math.floor(now / HOUR) * HOUR;
    // Inside the speed horizon (20 to 10 hours ago) and days older (74 to 72 hours ago).
    const recent = Array.from({ length: 200 }, (_, i) => hourNow - 20 * HOUR + i * 180_000 + 7_000);
    const old = Array.from({ length: 90 }, (_, i) => hourNow - 74 * HOUR + i * 80_000 + 3_000);
    await s.send([...recent, ...old]);
    const recentRange = [hourNow - 20 * HOUR, hourNow - 10 * HOUR] as const;
    const oldRange = [hourNow - 74 * HOUR, hourNow - 72 * HOUR] as const;

    const speed = await waitFor(
      () => s.answer(...recentRange),
      (a) => a.body.value === recent.length,
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    expect(speed.body).toMatchObject({ source: 'speed', value: recent.length });
    // Older than the speed view's horizon, in the lake, sealed by nothing: 503 naming the backfill.
    const refused = await waitFor(
      () => s.answer(...oldRange),
      (a) => a.status === 503,
      { timeoutMs: 60_000 },
    );
    expect(refused.status).toBe(503);
    expect(refused.body.message).toContain('./platform backfill');

    // The first hourly run seals the previous hour only: the earlier hours are not taken for sealed.
    await s.seal(hourNow - HOUR);
    const afterSeal = await s.answer(...recentRange);
    expect(afterSeal.body).toMatchObject({ source: 'speed', value: recent.length });
    expect((await s.answer(...oldRange)).status).toBe(503);

    // The repair schedule computes every hour the lake holds before the watermark, by itself.
    await s.startRepairSchedule();
    const batch = await waitFor(
      () => s.answer(...recentRange),
      (a) => a.body.source === 'batch',
      { timeoutMs: 120_000 },
    );
    expect(batch.body).toMatchObject({ source: 'batch', value: recent.length });
    const oldBatch = await waitFor(
      () => s.answer(...oldRange),
      (a) => a.status === 200,
      { timeoutMs: 120_000 },
    );
    expect(oldBatch.body).toMatchObject({ source: 'batch', value: old.length });
    const users = await s.answer(oldRange[0], oldRange[1], 'active_users');
    expect(users.body.value).toBe(40);
  }, 300_000);
});
