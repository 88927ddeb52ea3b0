/**
 * bench/web: the web app's first load, the live feed with 50 open WebSockets, and how long an
 * event takes from the collector's answer to the live feed's next snapshot counting it (the
 * overview's counter), beside the REST API's floor measured in the same run (one small metric
 * query, sequentially) and the feed's own interval.
 *
 *   node node_modules/tsx/dist/cli.mjs bench/web/run.ts      (BENCH_SOCKETS=50 BENCH_SECONDS=10)
 */
import '../../core/quiet-aws-sdk';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { startRoles } from '../../cli/roles';
import { mintToken } from '../../core/auth/jwt';
import { createWriteKey } from '../../core/auth/write-keys';
import { loadConfig } from '../../core/config/config';
import { createLogger } from '../../core/log';
import { startKafka } from '../../infra/local/kafka/service';
import { startPostgres } from '../../infra/local/postgres/service';
import { fmt, percentile } from '../lib/stats';

const SOCKETS = Number(process.env.BENCH_SOCKETS ?? 50);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const TRIALS = Number(process.env.BENCH_TRIALS ?? 20);

async function timed(f: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await f();
  return performance.now() - t;
}

async function main() {
  const say = (l: string) => console.log(l);
  await startPostgres(undefined, say);
  await startKafka(undefined, say);
  const run = Date.now().toString(36);
  const config = loadConfig({
    ...process.env,
    PLATFORM_STATE_DIR: mkdtempSync(join(tmpdir(), 'bench-web-')),
    API_PORT: '0',
    INGEST_PORT: '0',
    TOPIC_EVENTS: `bench-web-${run}`,
    TOPIC_QUARANTINE: `bench-web-${run}.quarantine`,
    TOPIC_DERIVED: `bench-web-${run}.derived`,
    TOPIC_DEADLETTER: `bench-web-${run}.deadletter`,
    KAFKA_GROUP_PREFIX: `bench-web-${run}-`,
    LOG_LEVEL: 'error',
  });
  const project = `bench-${run}`;
  const writeKey = await createWriteKey(config, project);
  const roles = await startRoles(
    ['ingest', 'speed', 'serve'],
    config,
    createLogger({ bench: 'web' }, 'error'),
  );
  const url = roles.urls.api as string;
  const token = await mintToken(config.auth.jwtSecret, { project, scopes: ['read'] });
  const auth = { authorization: `Bearer ${token}` };
  const fetchAll = () =>
    Promise.all(['/', '/app.js', '/app.css'].map(async (p) => (await fetch(`${url}${p}`)).arrayBuffer()));

  // First load: the page and its assets, the script bundled on its first request; then warm.
  const cold = await timed(fetchAll);
  const bytes = (await fetchAll()).reduce((a, b) => a + b.byteLength, 0);
  const warm: number[] = [];
  for (let i = 0; i < 20; i++) warm.push(await timed(fetchAll));
  warm.sort((a, b) => a - b);

  // The REST floor: the overview's smallest question, one at a time.
  const rest: number[] = [];
  for (let i = 0; i < 100; i++)
    rest.push(await timed(async () => (await fetch(`${url}/v1/metrics/events`, { headers: auth })).json()));
  rest.sort((a, b) => a - b);

  // The live feed with SOCKETS clients of one project for SECONDS: snapshots each receives per second.
  const counts: number[] = Array.from({ length: SOCKETS }, () => 0);
  const sockets = await Promise.all(
    counts.map(
      (_, i) =>
        new Promise<WebSocket>((resolve, reject) => {
          const ws = new WebSocket(`${url.replace('http', 'ws')}/v1/live`, { headers: auth });
          ws.on('message', () => counts[i]!++);
          ws.once('open', () => resolve(ws));
          ws.once('error', reject);
        }),
    ),
  );
  counts.fill(0);
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const rates = counts.map((n) => n / SECONDS).sort((a, b) => a - b);
  for (const ws of sockets) ws.close();

  // Live latency: a track call answered by the collector, until a snapshot counts it.
  let counted = 0;
  let waiting: ((n: number) => void) | undefined;
  const live = await new Promise<WebSocket>((resolve, reject) => {
    const ws = new WebSocket(`${url.replace('http', 'ws')}/v1/live`, { headers: auth });
    ws.on('message', (m: Buffer) => {
      const s = JSON.parse(m.toString()) as { eventsPerMinute?: { count: number }[] };
      counted = (s.eventsPerMinute ?? []).reduce((a, p) => a + p.count, 0);
      waiting?.(counted);
    });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
  const basic = `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;
  const latencies: number[] = [];
  for (let i = 0; i < TRIALS; i++) {
    const before = counted;
    const seen = new Promise<void>((resolve) => {
      waiting = (n) => n > before && resolve();
    });
    const res = await fetch(`${roles.urls.ingest}/v1/track`, {
      method: 'POST',
      headers: { authorization: basic, 'content-type': 'application/json' },
      body: JSON.stringify({ userId: `u-${i}`, event: 'button_clicked', properties: { i } }),
    });
    if (!res.ok) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
    const accepted = performance.now();
    await seen;
    latencies.push(performance.now() - accepted);
    // Trials a feed interval apart, so each starts at a random point of the interval.
    await new Promise((r) => setTimeout(r, config.live.intervalMs * (0.5 + Math.random())));
  }
  latencies.sort((a, b) => a - b);
  live.close();
  await roles.stop();

  say('');
  say('| measure | value |');
  say('| --- | ---: |');
  say(`| first load, cold (page, script bundled on first request, style), ms | ${fmt(cold)} |`);
  say(
    `| first load, warm p50 / p99, ms (${fmt(bytes / 1024)} KiB) | ${fmt(percentile(warm, 50), 1)} / ${fmt(percentile(warm, 99), 1)} |`,
  );
  say(
    `| REST floor: GET /v1/metrics/events p50 / p99, ms | ${fmt(percentile(rest, 50), 1)} / ${fmt(percentile(rest, 99), 1)} |`,
  );
  say(
    `| live feed, ${SOCKETS} WebSockets: snapshots per second per client, min / median | ${fmt(rates[0] ?? 0, 2)} / ${fmt(percentile(rates, 50), 2)} |`,
  );
  say(`| warm first load / REST floor (p50) | ${fmt(percentile(warm, 50) / percentile(rest, 50), 2)} |`);
  say(
    `| live counter: collector's answer → a snapshot counting the event, p50 / p99 / max, ms (${TRIALS} trials) | ${fmt(percentile(latencies, 50))} / ${fmt(percentile(latencies, 99))} / ${fmt(latencies[latencies.length - 1] ?? 0)} |`,
  );
  say(`| the feed's own interval (LIVE_INTERVAL_MS), ms | ${config.live.intervalMs} |`);
  say(
    `command: node node_modules/tsx/dist/cli.mjs bench/web/run.ts  (BENCH_SOCKETS=${SOCKETS} BENCH_SECONDS=${SECONDS} BENCH_TRIALS=${TRIALS})`,
  );
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
