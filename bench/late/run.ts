/**
 * Late-data latency: how long after a late event is acknowledged the API shows it (from the speed
 * view, `late`), and how long until the hour's batch view holds it (`batch`, after the repair).
 *
 *   node node_modules/tsx/dist/cli.mjs bench/late/run.ts   # BENCH_REPAIR_EVERY=120s BENCH_SAMPLES=24 BENCH_WINDOW_SECONDS=360
 *
 * Every role runs in this process over its own topics and lake (the local broker and Temporal dev
 * server must run: ./platform services start). SAMPLES hours are sealed first; then one late batch
 * (10 events) per sealed hour is sent at a random moment of the window, so samples fall at every
 * phase of the repair schedule, and each is followed on its own.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { fmt, percentile } from '../lib/stats';
import { HOUR, startLateStack } from '../../test/helpers/late-stack';

const every = process.env.BENCH_REPAIR_EVERY ?? '120s';
const samples = Number(process.env.BENCH_SAMPLES ?? 24);
const windowMs = Number(process.env.BENCH_WINDOW_SECONDS ?? 360) * 1000;

async function main() {
  const s = await startLateStack('bench-late');
  try {
    const now = Date.now();
    const first = Math.floor(now / HOUR) * HOUR - samples * HOUR;
    const hours = Array.from({ length: samples }, (_, i) => first + i * HOUR);
    const onTime = hours.flatMap((h) => Array.from({ length: 20 }, (_, i) => h + i * 60_000 + 1_000));
    await s.send(onTime);
    while ((await s.inLake()) < onTime.length) await sleep(200);
    for (const h of hours) await s.seal(h);
    console.log(`sealed ${samples} hours; repair schedule every ${every}; samples over ${windowMs / 1000} s`);
    await s.startRepairSchedule(every);

    const expected = new Map(hours.map((h) => [h, 20]));
    const run = async (h: number) => {
      await sleep(Math.random() * windowMs);
      const late = Array.from({ length: 10 }, (_, i) => h + 30 * 60_000 + i * 1_000);
      await s.send(late);
      const acked = Date.now();
      const want = (expected.get(h) ?? 0) + late.length;
      let visible: number | undefined;
      for (;;) {
        const a = await s.answer(h, h + HOUR);
        if (a.status === 200 && a.body.value === want) {
          visible ??= Date.now() - acked;
          if (a.body.source === 'batch') return { visible, repaired: Date.now() - acked };
        }
        await sleep(100);
      }
    };
    const results = await Promise.all(hours.map(run));
    const v = results.map((r) => r.visible).sort((a, b) => a - b);
    const r = results.map((x) => x.repaired).sort((a, b) => a - b);
    console.log(
      `late events visible (API = truth, source late):  p50 ${fmt(percentile(v, 50))} ms  p99 ${fmt(percentile(v, 99))} ms  max ${fmt(v[v.length - 1] ?? NaN)} ms`,
    );
    console.log(
      `in the hour's batch view (source batch):          p50 ${fmt(percentile(r, 50) / 1000, 1)} s  p99 ${fmt(percentile(r, 99) / 1000, 1)} s  max ${fmt((r[r.length - 1] ?? NaN) / 1000, 1)} s`,
    );
  } finally {
    await s.stop();
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
