/**
 * bench/query: dashboard-style queries over 30 days (>= 10 M events) merged across the batch and
 * speed views, at 50 concurrent clients (autocannon), beside the same server's /health at the
 * same concurrency (the HTTP floor of this stack on this machine) in the same run.
 *
 *   node node_modules/tsx/dist/cli.mjs bench/query/run.ts      (BENCH_EVENTS=10000000 BENCH_DAYS=30)
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import { fmt, percentile } from '../lib/stats';

const CONNECTIONS = 50;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);

interface Ready {
  url: string;
  token: string;
  from: string;
  to: string;
  events: number;
  bareDuckDbMs: number;
}

function startServer(): Promise<{ ready: Ready; pid: number; stop(): void; live(): void }> {
  const child = spawn(
    process.execPath,
    [join('node_modules', 'tsx', 'dist', 'cli.mjs'), join(__dirname, 'serve.ts')],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
      env: process.env,
    },
  );
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.startsWith('READY ')) return console.log(line);
      resolve({
        ready: JSON.parse(line.slice(6)) as Ready,
        pid: child.pid!,
        stop: () => child.kill('SIGTERM'),
        live: () => child.stdin!.write('live\n'),
      });
    });
  });
}

interface Load {
  rps: number;
  latencies: number[];
  non2xx: number;
}

/** Drives the paths round-robin; every response's latency is kept, for exact percentiles. */
function load(url: string, token: string, paths: string[]): Promise<Load> {
  const latencies: number[] = [];
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        connections: CONNECTIONS,
        duration: SECONDS,
        headers: { authorization: `Bearer ${token}` },
        requests: paths.map((path) => ({ method: 'GET', path })),
      },
      (err, result) =>
        err
          ? reject(err)
          : resolve({
              rps: result.requests.average,
              latencies: latencies.sort((a, b) => a - b),
              non2xx: result.non2xx,
            }),
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
  });
}

async function main() {
  const server = await startServer();
  const { url, token, from, to, events, bareDuckDbMs } = server.ready;
  try {
    const paths = (r: string) => [
      `/v1/metrics/events?${r}&granularity=day`,
      `/v1/metrics/active_users?${r}&granularity=day`,
      `/v1/metrics/revenue?${r}&granularity=day&groupBy=currency`,
      `/v1/metrics/page_views?${r}&granularity=day&groupBy=path&filter=path:/p1,/p2,/p3`,
      `/v1/content?${r}&sort=engagement&limit=10`,
      `/v1/commerce?${r}`,
    ];
    const dashboard = paths(`from=${from}&to=${to}`);
    // The same dashboard over the 30 days up to the start of this hour: the live writes (events of
    // the last minute) do not touch it, so its answers stay cached while the speed view moves.
    const hourStart = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000).toISOString();
    const pastDashboard = paths(`from=${from}&to=${hourStart}`);
    // The first (cold) answer of each query: nothing cached, every hour file read.
    console.log(
      `\n${fmt(events)} events over ${process.env.BENCH_DAYS ?? 30} days; cold first answers (bare DuckDB daily sum over the same files: ${fmt(bareDuckDbMs, 1)} ms):`,
    );
    for (const path of dashboard) {
      const t = performance.now();
      const res = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } });
      if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      const body = (await res.json()) as { parts?: { source: string }[] };
      console.log(
        `  ${fmt(performance.now() - t, 1).padStart(8)} ms  ${path.split('?')[0]} (${body.parts?.map((p) => p.source).join('+')})`,
      );
    }
    const rows: [string, Load][] = [];
    rows.push(['/health (HTTP floor)', await load(url, token, ['/health'])]);
    rows.push(['dashboard, views still', await load(url, token, dashboard)]);
    server.live();
    rows.push(['dashboard, speed view moving', await load(url, token, dashboard)]);
    rows.push(['dashboard up to this hour, speed view moving', await load(url, token, pastDashboard)]);
    const floor = rows[0]![1];
    console.log(`\n${CONNECTIONS} connections, ${SECONDS} s each:`);
    console.log('| load | req/s | p50 ms | p95 ms | p99 ms | non-2xx | req/s vs floor |');
    console.log('|---|---:|---:|---:|---:|---:|---:|');
    for (const [name, res] of rows) {
      const p = (q: number) => fmt(percentile(res.latencies, q), 1);
      console.log(
        `| ${name} | ${fmt(res.rps)} | ${p(50)} | ${p(95)} | ${p(99)} | ${res.non2xx} | ${fmt(res.rps / floor.rps, 2)} |`,
      );
    }
  } finally {
    server.stop();
  }
}

main().then(
  () => process.exit(0), // autocannon's and fetch's sockets would keep the process alive
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
