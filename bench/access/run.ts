/**
 * bench/access: one token hammering the API far past its rate, and what that costs another
 * token of the same project. The other client asks at a person's pace, alone and then while the
 * hammering runs (from a process of its own), against a serving role in a process of its own;
 * the ratio of its p95 under the hammering to its p95 alone is the figure (goal ≤ 1.5).
 *
 *   node node_modules/tsx/dist/cli.mjs bench/access/run.ts
 *   (BENCH_SECONDS=20 BENCH_RATE=600 BENCH_TIMES=20; BENCH_TIMES=0 hammers as fast as answers come)
 */
import '../../core/quiet-aws-sdk';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { mintToken } from '../../core/auth/jwt';
import { loadConfig } from '../../core/config/config';
import { REPO_ROOT } from '../../infra/local/paths';
import { postgresUrl, startPostgres } from '../../infra/local/postgres/service';
import { freePort } from '../../test/helpers/free-port';
import { fmt, percentile } from '../lib/stats';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
/** The abusive token's rate, per minute. */
const RATE = Number(process.env.BENCH_RATE ?? 600);
const HAMMERS = Number(process.env.BENCH_HAMMER_CONCURRENCY ?? 16);
/** How far past its rate the abusive token asks (0: as fast as the server answers). */
const TIMES = Number(process.env.BENCH_TIMES ?? 20);
/** The other client's pace: one request every this many ms (within its rate: 400/min). */
const PACE_MS = 150;

async function main() {
  await startPostgres(undefined, (l) => console.log(l));
  const state = mkdtempSync(join(tmpdir(), 'bench-access-'));
  const port = await freePort();
  const env = {
    ...process.env,
    PLATFORM_STATE_DIR: state,
    DATABASE_URL: postgresUrl(),
    API_PORT: String(port),
    OPS_PORT: '0',
    API_RATE_PER_MINUTE: String(RATE),
    TEMPORAL_SCHEDULES: 'false',
    LOG_LEVEL: 'error',
  };
  const config = loadConfig(env);
  const child = spawn(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'run', 'serve'], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
    env,
  });
  const base = `http://127.0.0.1:${port}`;
  for (
    let i = 0;
    i < 300 &&
    !(await fetch(`${base}/health`).then(
      (r) => r.ok,
      () => false,
    ));
    i++
  )
    await sleep(100);
  const project = `bench-${Date.now().toString(36)}`;
  const [abuser, other] = await Promise.all(
    [0, 1].map(() => mintToken(config.auth.jwtSecret, { project, role: 'viewer' })),
  );
  const route = `${base}/v1/metrics/events?granularity=hour`;

  /** The other client: one request every PACE_MS for SECONDS; latencies and statuses. */
  const person = async () => {
    const ms: number[] = [];
    const statuses: Record<string, number> = {};
    const until = Date.now() + SECONDS * 1000;
    while (Date.now() < until) {
      const t = performance.now();
      const res = await fetch(route, { headers: { authorization: `Bearer ${other}` } });
      await res.arrayBuffer();
      ms.push(performance.now() - t);
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      await sleep(PACE_MS);
    }
    return { sorted: ms.sort((a, b) => a - b), statuses };
  };
  // Warm the engines and the caches, then the other client alone.
  for (let i = 0; i < 20; i++)
    await (await fetch(route, { headers: { authorization: `Bearer ${other}` } })).arrayBuffer();
  const alone = await person();

  const hammer = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'bench/access/hammer.ts',
      route,
      abuser as string,
      String(HAMMERS),
      String(SECONDS + 2),
      String((RATE / 60) * TIMES),
    ],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let hammered = '';
  hammer.stdout.on('data', (d: Buffer) => (hammered += d.toString()));
  const done = new Promise<void>((r) => hammer.once('exit', () => r()));
  await sleep(1000);
  const loaded = await person();
  await done;
  child.kill('SIGTERM');
  const counts = JSON.parse(hammered) as Record<string, number>;
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const offeredPerMinute = (total / (SECONDS + 2)) * 60;

  const p = (s: number[], q: number) => fmt(percentile(s, q), 1);
  console.log(
    `\nbench/access: ${SECONDS} s each, the other client one request every ${PACE_MS} ms to ${new URL(route).pathname}`,
  );
  console.log(
    `  abusive token: ${fmt(total)} requests (${fmt(offeredPerMinute)}/min, ${fmt(offeredPerMinute / RATE, 1)}x its ${RATE}/min), answers ${JSON.stringify(counts)}`,
  );
  console.log(
    `  other token alone:           p50 ${p(alone.sorted, 50)} ms, p95 ${p(alone.sorted, 95)} ms, ${JSON.stringify(alone.statuses)}`,
  );
  console.log(
    `  other token while hammered:  p50 ${p(loaded.sorted, 50)} ms, p95 ${p(loaded.sorted, 95)} ms, ${JSON.stringify(loaded.statuses)}`,
  );
  console.log(
    `  p95 under the hammering / alone: ${fmt(percentile(loaded.sorted, 95) / percentile(alone.sorted, 95), 2)} (goal <= 1.5)`,
  );
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
