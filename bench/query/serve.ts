/**
 * bench/query, server side (a child process of run.ts, so the load generator does not share its
 * CPU time): builds 30 days of data, most of it sealed in the batch view and the last hours in
 * the speed view, then serves the API and prints one `READY {...}` line. On a line on stdin it starts
 * writing to the speed view every 250 ms, as a live consumer would, so speed-side cache entries
 * keep expiring.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DuckDBInstance, LIST, listValue, VARCHAR } from '@duckdb/node-api';
import { hourViewKey } from '../../core/lake/layout';
import { LocalStorage } from '../../core/lake/local-storage';
import { key } from '../../core/lake/storage';
import { publishHour, readHourPointer } from '../../core/lake/views';
import { advanceWatermark } from '../../core/lake/watermark';
import { DuckDbEngine } from '../../batch-layer/duckdb-engine';
import { mintToken } from '../../core/auth/jwt';
import { createClickHouse } from '../../core/clickhouse/client';
import { loadConfig } from '../../core/config/config';
import type { AnalyticsEvent } from '../../core/events/event';
import { startServingApi } from '../../serving-layer/server';
import { RAW_COLUMNS, toRawRow } from '../../speed-layer/rows';
import { applyClickHouseSchema } from '../../speed-layer/schema';
import { speedViewWritten } from '../../core/clickhouse/speed-view-version';
import { rollUpDays } from '../lib/day-views';
import { fmt } from '../lib/stats';
import { writeSyntheticHour } from '../lib/synthetic-lake';

const HOUR = 3_600_000;
const EVENTS = Number(process.env.BENCH_EVENTS ?? 10_000_000);
const DAYS = Number(process.env.BENCH_DAYS ?? 30);
const SPEED_HOURS = 2;
/** A speed consumer's write rhythm while the load runs: a range of events every second. */
const LIVE_MS = Number(process.env.BENCH_LIVE_MS ?? 1000);
const LIVE_EVENTS = 1000;
const PROJECT = 'bench';

const say = (l: string) => console.log(l);

function speedEvents(n: number, from: number, to: number): AnalyticsEvent[] {
  const names = ['page', 'page', 'video_play', 'video_progress', 'product_view', 'purchase'];
  return Array.from({ length: n }, (_, i) => {
    const event = names[i % names.length] as string;
    const at = new Date(from + Math.floor(((to - from) * i) / n)).toISOString();
    return {
      eventId: randomUUID(),
      projectId: PROJECT,
      type: event === 'page' ? 'page' : 'track',
      event,
      userId: `u${(i * 7919) % 200_000}`,
      anonymousId: null,
      timestamp: at,
      originalTimestamp: at,
      sentAt: at,
      receivedAt: at,
      properties:
        event === 'purchase'
          ? {
              order_id: `s${i}`,
              total_amount: 19,
              currency: 'EUR',
              products: [{ product_id: `p${i % 1000}`, category: `k${i % 20}`, price: 9.5, quantity: 2 }],
            }
          : event === 'page'
            ? { path: `/p${i % 300}` }
            : event === 'product_view'
              ? { product_id: `p${i % 1000}`, price: 9.5 }
              : { content_id: `c${i % 500}`, watch_time_seconds: 30 },
      context: {},
      schema: null,
    };
  });
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'bench-query-'));
  const config = loadConfig({
    ...process.env,
    PLATFORM_STATE_DIR: dir,
    API_PORT: '0',
    // One token asks as fast as 50 connections can: the rate limits are bench/access's subject,
    // here they would answer 429 for what is measured.
    API_RATE_PER_MINUTE: '10000000',
    API_PROJECT_RATE_PER_MINUTE: '100000000',
  });
  const lake = config.lake.root;
  const now = Math.floor(Date.now() / HOUR) * HOUR;
  const first = now - DAYS * 24 * HOUR;
  const sealedEnd = now - SPEED_HOURS * HOUR + HOUR; // the current hour is partial
  const hours = (sealedEnd - first) / HOUR;
  const perHour = Math.ceil(EVENTS / (DAYS * 24));

  let t = performance.now();
  const gen = await (await DuckDBInstance.create(':memory:')).connect();
  for (let h = 0; h < hours; h++) await writeSyntheticHour(gen, lake, PROJECT, first + h * HOUR, perHour, h);
  gen.closeSync();
  say(
    `lake: ${fmt(perHour * hours)} events in ${hours} hours, written in ${fmt((performance.now() - t) / 1000, 1)} s`,
  );

  t = performance.now();
  const storage = new LocalStorage(lake);
  const engine = await DuckDbEngine.open(storage);
  for (let h = 0; h < hours; h++) {
    const hour = new Date(first + h * HOUR).toISOString();
    const view = await engine.hourView({ hour: new Date(hour), dir: hourViewKey(hour), version: 'v1' });
    await publishHour(storage, { hour, version: 'v1', ...view, computedAt: new Date().toISOString() });
    if (h % 120 === 119) say(`  batch views: ${h + 1}/${hours} hours`);
  }
  engine.close();
  await advanceWatermark(storage, new Date(first).toISOString());
  await advanceWatermark(storage, new Date(first + (hours - 1) * HOUR).toISOString());
  say(`batch views: ${hours} hours sealed in ${fmt((performance.now() - t) / 1000, 1)} s`);

  // Whole days rolled up, as the daily-rollup schedule does each night (BENCH_ROLLUP=0: not).
  const DAY = 24 * HOUR;
  const rolled = process.env.BENCH_ROLLUP !== '0';
  const dayFiles = rolled ? await rollUpDays(storage, first, sealedEnd) : [];
  const daysFrom = Math.ceil(first / DAY) * DAY;
  const inDays = (h: number) => rolled && h >= daysFrom && h < daysFrom + dayFiles.length * DAY;
  // The physical limit for a cold query: DuckDB alone, the same daily sum over the same view files
  // the service reads (whole days' files, hours' files for the rest), and over the hours' files.
  const files: string[] = [];
  const hourFiles: string[] = [];
  for (let h = 0; h < hours; h++) {
    const hour = new Date(first + h * HOUR).toISOString();
    const f = storage.uri(key(hourViewKey(hour), (await readHourPointer(storage, hour))!.measures));
    hourFiles.push(f);
    if (!inDays(first + h * HOUR)) files.push(f);
  }
  const bare = await (await DuckDBInstance.create(':memory:', { threads: '2' })).connect();
  const bareOver = async (hoursRead: string[], daysRead: string[]) => {
    const times: number[] = [];
    const sources = [
      `SELECT date_trunc('day', minute) AS d, count FROM read_parquet($hours) WHERE project_id = $project AND metric = 'events'`,
      ...(daysRead.length > 0
        ? [
            `SELECT day AS d, count FROM read_parquet($days) WHERE project_id = $project AND metric = 'events'`,
          ]
        : []),
    ];
    for (let i = 0; i < 5; i++) {
      t = performance.now();
      await bare.runAndReadAll(
        `SELECT d, sum(count) FROM (${sources.join(' UNION ALL ')}) GROUP BY d`,
        {
          hours: listValue(hoursRead),
          ...(daysRead.length > 0 ? { days: listValue(daysRead) } : {}),
          project: PROJECT,
        },
        { hours: LIST(VARCHAR), ...(daysRead.length > 0 ? { days: LIST(VARCHAR) } : {}) },
      );
      times.push(performance.now() - t);
    }
    return times;
  };
  const bareTimes = await bareOver(files, dayFiles);
  const bareHourTimes = await bareOver(hourFiles, []);
  bare.closeSync();
  say(
    `days rolled up: ${dayFiles.length}; bare over the hours' files alone: ${fmt([...bareHourTimes].sort((a, b) => a - b)[2] as number, 1)} ms`,
  );

  const clickhouse = createClickHouse(config);
  await applyClickHouseSchema(clickhouse, config.clickhouse.database);
  const db = config.clickhouse.database;
  let offset = 0;
  // Raw rows, as the speed layer writes them: the catalog's materialized views aggregate them.
  const writeSpeed = async (events: AnalyticsEvent[]) => {
    await clickhouse.insert({
      table: `${db}.speed_events`,
      values: events.map((event) =>
        toRawRow({ event, topic: 'events', partition: 0, offset: String(offset++) }),
      ),
      columns: [...RAW_COLUMNS],
      format: 'JSONCompactEachRow',
    });
    // What the speed layer's range writer does after each write (the event times it touched); the
    // serving cache watches it.
    const times = events.map((e) => Math.floor(Date.parse(e.timestamp) / 60_000) * 60_000);
    speedViewWritten(clickhouse, { from: Math.min(...times), to: Math.max(...times) + 60_000 });
  };
  const speedFrom = sealedEnd;
  const speedN = perHour * SPEED_HOURS;
  await writeSpeed(speedEvents(speedN, speedFrom, Date.now()));
  say(`speed view: ${fmt(speedN)} events after the watermark`);

  const { url } = await startServingApi({ config, clickhouse }, { host: '127.0.0.1', port: 0 });
  const token = await mintToken(config.auth.jwtSecret, { project: PROJECT, scopes: ['read'] });
  // A line on stdin (not a signal: tsx runs the script in a child of its own and relays few signals).
  process.stdin.once('data', () => {
    say(`live: writing ${LIVE_EVENTS} events to the speed view every ${LIVE_MS} ms`);
    let writes = 0;
    let busy = 0;
    const tick = () => {
      const t0 = performance.now();
      writeSpeed(speedEvents(LIVE_EVENTS, Date.now() - 60_000, Date.now()))
        .catch((e: unknown) => say(`live write failed: ${String(e)}`))
        .finally(() => {
          busy += performance.now() - t0;
          if (++writes % 10 === 0)
            say(`  live writes: ${writes}, ${fmt(busy / writes, 1)} ms each (in this process)`);
          setTimeout(tick, LIVE_MS);
        });
    };
    tick();
  });
  const sorted = [...bareTimes].sort((a, b) => a - b);
  console.log(
    `READY ${JSON.stringify({ url, token, from: new Date(first).toISOString(), to: new Date(Date.now() + 60_000).toISOString(), events: perHour * hours + speedN, bareDuckDbMs: sorted[2] })}`,
  );
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
