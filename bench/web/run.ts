/**
 * bench/web: the web app's first load, and the live feed with 50 open WebSockets, beside the REST
 * API's floor measured in the same run (one small metric query, sequentially).
 *
 *   node node_modules/tsx/dist/cli.mjs bench/web/run.ts      (BENCH_SOCKETS=50 BENCH_SECONDS=10)
 */
import '../../core/kafkajs-hot-paths';
import '../../core/quiet-aws-sdk';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { mintToken } from '../../core/auth/jwt';
import { createClickHouse } from '../../core/clickhouse';
import { loadConfig } from '../../core/config';
import { startPostgres } from '../../infra/local/postgres/service';
import { startServingApi } from '../../serving-layer/server';
import { applyClickHouseSchema } from '../../speed-layer/schema';
import { fmt, percentile } from '../lib/stats';

const SOCKETS = Number(process.env.BENCH_SOCKETS ?? 50);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);

async function timed(f: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await f();
  return performance.now() - t;
}

async function main() {
  const say = (l: string) => console.log(l);
  await startPostgres(undefined, say);
  const config = loadConfig({
    ...process.env,
    PLATFORM_STATE_DIR: mkdtempSync(join(tmpdir(), 'bench-web-')),
    API_PORT: '0',
  });
  const clickhouse = createClickHouse(config);
  await applyClickHouseSchema(clickhouse, config.clickhouse.database);
  const { app, url } = await startServingApi({ config, clickhouse }, { host: '127.0.0.1', port: 0 });
  const token = await mintToken(config.auth.jwtSecret, { project: 'bench', scopes: ['read'] });
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
  await app.close();
  await clickhouse.close();

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
    `command: node node_modules/tsx/dist/cli.mjs bench/web/run.ts  (BENCH_SOCKETS=${SOCKETS} BENCH_SECONDS=${SECONDS})`,
  );
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
