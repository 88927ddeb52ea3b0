/**
 * bench/ingest's load generator, in its own process so it never shares an event loop with what it
 * measures: posts `/v1/batch` bodies of `batch` realistic events with `concurrency` requests in
 * flight for a warm-up, then `seconds`, and prints one JSON line: what it offered (requests and
 * events sent while measuring), what was accepted, and every accepted request's latency.
 *
 *   node node_modules/tsx/dist/cli.mjs bench/ingest/load.ts <base> <authorization> <batch> <concurrency> <seconds>
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { realisticEvent } from './events';

export interface LoadResult {
  offeredRequests: number;
  offeredEvents: number;
  acceptedEvents: number;
  errors: number;
  seconds: number;
  latencies: number[];
}

async function main() {
  const [base, auth, batchArg, concurrencyArg, secondsArg] = process.argv.slice(2);
  const batchSize = Number(batchArg);
  const concurrency = Number(concurrencyArg);
  const seconds = Number(secondsArg);
  const bodies = Array.from({ length: 64 }, (_, b) =>
    JSON.stringify({
      batch: Array.from({ length: batchSize }, (_, i) => realisticEvent(b * batchSize + i)),
      sentAt: new Date().toISOString(),
    }),
  );
  const r: LoadResult = {
    offeredRequests: 0,
    offeredEvents: 0,
    acceptedEvents: 0,
    errors: 0,
    seconds: 0,
    latencies: [],
  };
  let measuring = false;
  let stop = false;
  const worker = async (w: number) => {
    let n = w;
    while (!stop) {
      const body = bodies[n++ % bodies.length] as string;
      const counted = measuring;
      if (counted) {
        r.offeredRequests++;
        r.offeredEvents += batchSize;
      }
      const t0 = performance.now();
      const res = await fetch(`${base}/v1/batch`, {
        method: 'POST',
        headers: { authorization: auth as string, 'content-type': 'application/json' },
        body,
      });
      await res.arrayBuffer();
      if (!counted || !measuring) continue;
      r.latencies.push(performance.now() - t0);
      if (res.status === 200) r.acceptedEvents += batchSize;
      else r.errors++;
    }
  };
  const workers = Array.from({ length: concurrency }, (_, w) => worker(w));
  await sleep(3000); // warm-up: JIT, connections, producer metadata
  measuring = true;
  const t0 = performance.now();
  await sleep(seconds * 1000);
  r.seconds = (performance.now() - t0) / 1000;
  measuring = false;
  stop = true;
  await Promise.all(workers);
  process.stdout.write(`${JSON.stringify(r)}\n`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
