import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOUR, iso, startLateStack } from '../helpers/late-stack';
import { CLICKHOUSE_MODES, requireClickHouseServer, requireServices } from '../helpers/test-config';
import { waitFor } from '../helpers/wait-for';

/** Late events sent through the Segment SDK for hours the batch layer has sealed already. */
describe.each(CLICKHOUSE_MODES)('late data into sealed hours, speed view in $name', (mode) => {
  let s: Awaited<ReturnType<typeof startLateStack>>;
  beforeAll(async () => {
    await requireServices();
    if (mode.server) await requireClickHouseServer();
    s = await startLateStack('late', mode.env());
  });
  afterAll(async () => s?.stop());

  it('shows late events for a sealed hour at once as late, then the same numbers from the batch view after repair', async () => {
    const now = Date.now();
    const h = Math.floor(now / HOUR) * HOUR - 3 * HOUR; // three closed hours: h, h+1, h+2
    const onTime = Array.from({ length: 300 }, (_, i) => h + ((i * 3 * HOUR) / 300 + 1000));
    await s.send(onTime);
    // Seal the three hours once the lake holds their events (the hourly runs, in order).
    expect(await waitFor(s.inLake, (n) => n === onTime.length, { timeoutMs: 60_000 })).toBe(onTime.length);
    await s.seal(h);
    await s.seal(h + HOUR);
    await s.seal(h + 2 * HOUR);
    // The views hold every event sent before the seals: batch, no repair needed.
    const sealed = await waitFor(
      () => s.answer(h, h + 3 * HOUR),
      (a) => a.body.source === 'batch' && a.body.value === onTime.length,
      { timeoutMs: 60_000 },
    );
    expect(sealed.body).toMatchObject({ source: 'batch', value: onTime.length });

    // Late events for the middle hour, sealed already.
    const late = Array.from({ length: 120 }, (_, i) => h + HOUR + i * 20_000 + 500);
    const acked = Date.now();
    await s.send(late);
    const seen = await waitFor(
      () => s.answer(h + HOUR, h + 2 * HOUR),
      (a) => a.body.value === late.length + onTime.filter((t) => t >= h + HOUR && t < h + 2 * HOUR).length,
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    s.log.info('late events visible after', { ms: Date.now() - acked });
    expect(seen.status).toBe(200);
    // Pending repair: the hour comes whole from the speed view, and says so.
    expect(seen.body.source).toBe('late');
    expect(seen.body.pendingRepair).toEqual([{ from: iso(h + HOUR), to: iso(h + 2 * HOUR) }]);
    expect(seen.body.freshness?.pendingRepair).toMatchObject({
      workflow: 'lateDataRepair',
      parts: seen.body.pendingRepair,
    });
    // The whole range: the late hour from the speed view between two batch hours, nothing twice.
    const whole = await s.answer(h, h + 3 * HOUR);
    expect(whole.body.value).toBe(onTime.length + late.length);
    expect(whole.body.parts.map((p) => p.source)).toEqual(['batch', 'late', 'batch']);

    // Operators see the backlog: one sealed hour of this project waits for repair.
    const backlog = async () => {
      const text = await (await fetch(`${s.urls.ops}/metrics`)).text();
      return Number(/^batch_repair_backlog_hours\{[^}]*\} (\S+)$/m.exec(text)?.[1]);
    };
    expect(await backlog()).toBe(1);

    // The repair schedule absorbs them: the same numbers, from the batch view.
    await s.startRepairSchedule();

    const repaired = await waitFor(
      () => s.answer(h, h + 3 * HOUR),
      (a) => a.body.source === 'batch',
      { timeoutMs: 60_000 },
    );
    expect(repaired.body).toMatchObject({ source: 'batch', value: onTime.length + late.length });
    expect(repaired.body.pendingRepair).toBeUndefined();
    expect(await waitFor(backlog, (n) => n === 0, { timeoutMs: 30_000 })).toBe(0);
  }, 240_000);
});
