/**
 * bench/reports: what one scheduled report costs.
 *
 *   node node_modules/tsx/dist/cli.mjs bench/reports/run.ts      (BENCH_EVENTS, default 10 M)
 *
 * Builds two calendar months of sealed batch views, then measures, each against its limit:
 * 1. the figures of a monthly report of `events` and `revenue` (the month and the one before, as
 *    totals and per day) computed by the serving layer's query code, cold (a fresh service) and
 *    warm, against bare DuckDB computing the same numbers in one query over the same view files;
 * 2. the same report with `active_users` too (unique counts merge sketches per day), in UTC and in
 *    Europe/Paris (local days are not UTC days: a query per day), no bare side;
 * 3. rendering the email (charts through ECharts and resvg) and sending it over SMTP to an
 *    in-process server, against sending a message of the same size without rendering.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DuckDBInstance, LIST, listValue, VARCHAR } from '@duckdb/node-api';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { hourViewKey } from '../../core/lake/layout';
import { LocalStorage } from '../../core/lake/local-storage';
import { key } from '../../core/lake/storage';
import { publishHour, readHourPointer } from '../../core/lake/views';
import { advanceWatermark } from '../../core/lake/watermark';
import { DuckDbEngine } from '../../batch-layer/duckdb-engine';
import { createClickHouse } from '../../core/clickhouse/client';
import { loadConfig } from '../../core/config/config';
import type { ReportDefinition } from '../../core/reports/definition';
import { reportWindows } from '../../core/reports/periods';
import { MetricQuery } from '../../serving-layer/query/metric-query';
import { computeFigures } from '../../serving-layer/reports/report-figures';
import { renderReportEmail } from '../../serving-layer/reports/report-email';
import { createMailer } from '../../serving-layer/reports/report-mailer';
import { BatchViewReader } from '../../serving-layer/views/batch-view-reader';
import { applyClickHouseSchema } from '../../speed-layer/schema';
import { rollUpDays } from '../lib/day-views';
import { fmt } from '../lib/stats';
import { writeSyntheticHour } from '../lib/synthetic-lake';

const HOUR = 3_600_000;
const EVENTS = Number(process.env.BENCH_EVENTS ?? 10_000_000);
const PROJECT = 'bench';
const say = (l: string) => console.log(l);

async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const r = await f();
  return [r, performance.now() - t];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'bench-reports-'));
  const config = loadConfig({ ...process.env, PLATFORM_STATE_DIR: dir, API_PORT: '0' });
  const lake = config.lake.root;
  const at = new Date();
  const w = reportWindows('monthly', 'UTC', at);
  const first = Date.parse(w.previous.start);
  const hours = (Date.parse(w.period.end) - first) / HOUR;
  const perHour = Math.ceil(EVENTS / hours);
  say(
    `# bench/reports: monthly report for ${w.period.label} (vs ${w.previous.label}), ${fmt(perHour * hours)} events`,
  );

  const t = performance.now();
  const gen = await (await DuckDBInstance.create(':memory:')).connect();
  for (let h = 0; h < hours; h++) await writeSyntheticHour(gen, lake, PROJECT, first + h * HOUR, perHour, h);
  gen.closeSync();
  const storage = new LocalStorage(lake);
  const engine = await DuckDbEngine.open(storage);
  for (let h = 0; h < hours; h++) {
    const hour = new Date(first + h * HOUR).toISOString();
    const view = await engine.hourView({ hour: new Date(hour), dir: hourViewKey(hour), version: 'v1' });
    await publishHour(storage, { hour, version: 'v1', ...view, computedAt: new Date().toISOString() });
    if (h % 240 === 239) say(`  sealed ${h + 1}/${hours} hours`);
  }
  engine.close();
  await advanceWatermark(storage, new Date(first).toISOString());
  await advanceWatermark(storage, new Date(first + (hours - 1) * HOUR).toISOString());
  say(`lake and batch views: ${hours} hours in ${fmt((performance.now() - t) / 1000, 1)} s`);

  const clickhouse = createClickHouse(config);
  await applyClickHouseSchema(clickhouse, config.clickhouse.database);
  const batch = await BatchViewReader.open(storage);
  const report = (metrics: string[]): ReportDefinition => ({
    id: 'bench',
    name: 'Bench monthly',
    project: PROJECT,
    metrics,
    period: 'monthly',
    timeZone: 'UTC',
    sendAt: '08:00',
    recipients: ['bench@example.com'],
  });

  // 1. Additive figures: the report's query code against one bare DuckDB query over the same files.
  const files: string[] = [];
  for (let h = 0; h < hours; h++) {
    const hour = new Date(first + h * HOUR).toISOString();
    files.push(storage.uri(key(hourViewKey(hour), (await readHourPointer(storage, hour))!.measures)));
  }
  const bare = await (await DuckDBInstance.create(':memory:', { threads: '2' })).connect();
  const bareRun = () =>
    bare.runAndReadAll(
      `SELECT metric, dim, date_trunc('day', minute) AS d, sum(count) AS c, sum(sum) AS s FROM read_parquet($files)
       WHERE project_id = $project AND metric IN ('events', 'revenue') GROUP BY ALL`,
      { files: listValue(files), project: PROJECT },
      { files: LIST(VARCHAR) },
    );
  const bareTimes: number[] = [];
  for (let i = 0; i < 5; i++) bareTimes.push((await timed(bareRun))[1]);
  bare.closeSync();
  const cold: number[] = [];
  const warm: number[] = [];
  let figures;
  for (let i = 0; i < 3; i++) {
    const metrics = new MetricQuery(config, clickhouse, batch, undefined as never);
    const [f, c] = await timed(() => computeFigures(metrics, report(['events', 'revenue']), at));
    cold.push(c);
    warm.push((await timed(() => computeFigures(metrics, report(['events', 'revenue']), at)))[1]);
    figures = f;
  }
  say(
    `figures (events, revenue): cold ${fmt(median(cold))} ms, warm ${fmt(median(warm), 1)} ms; ` +
      `bare DuckDB, same numbers in one query: ${fmt(median(bareTimes), 1)} ms; cold ratio ${fmt(median(bareTimes) / median(cold), 2)}`,
  );

  // 1b. The same once the days are rolled up (the daily-rollup schedule does it each night): whole
  // days come from the daily views. The limit is bare DuckDB over the daily files.
  const tr = performance.now();
  const dayFiles = await rollUpDays(storage, first, first + hours * HOUR);
  say(`days rolled up: ${dayFiles.length} in ${fmt((performance.now() - tr) / 1000, 1)} s`);
  const bareDays = await (await DuckDBInstance.create(':memory:', { threads: '2' })).connect();
  const bareDayTimes: number[] = [];
  for (let i = 0; i < 5; i++)
    bareDayTimes.push(
      (
        await timed(() =>
          bareDays.runAndReadAll(
            `SELECT metric, dim, day AS d, sum(count) AS c, sum(sum) AS s FROM read_parquet($files)
             WHERE project_id = $project AND metric IN ('events', 'revenue') GROUP BY ALL`,
            { files: listValue(dayFiles), project: PROJECT },
            { files: LIST(VARCHAR) },
          ),
        )
      )[1],
    );
  bareDays.closeSync();
  const coldDays: number[] = [];
  for (let i = 0; i < 3; i++) {
    const metrics = new MetricQuery(config, clickhouse, batch, undefined as never);
    coldDays.push((await timed(() => computeFigures(metrics, report(['events', 'revenue']), at)))[1]);
  }
  say(
    `figures (events, revenue) with days rolled up: cold ${fmt(median(coldDays))} ms; ` +
      `bare DuckDB over the daily files: ${fmt(median(bareDayTimes), 1)} ms; cold ratio ${fmt(median(bareDayTimes) / median(coldDays), 2)}; ` +
      `against bare over the hourly files ${fmt(median(bareTimes) / median(coldDays), 2)}`,
  );

  // 2. With unique users: per-day sketch merges.
  const uniq: number[] = [];
  for (let i = 0; i < 3; i++) {
    const metrics = new MetricQuery(config, clickhouse, batch, undefined as never);
    uniq.push(
      (await timed(() => computeFigures(metrics, report(['events', 'active_users', 'revenue']), at)))[1],
    );
  }
  say(`figures with active_users too: cold ${fmt(median(uniq))} ms`);
  // The same report in a time zone away from UTC: unique users per local day, one query per day.
  const paris: number[] = [];
  for (let i = 0; i < 3; i++) {
    const metrics = new MetricQuery(config, clickhouse, batch, undefined as never);
    const r = { ...report(['events', 'active_users', 'revenue']), timeZone: 'Europe/Paris' };
    paris.push((await timed(() => computeFigures(metrics, r, at)))[1]);
  }
  say(`same in Europe/Paris: cold ${fmt(median(paris))} ms`);

  // 3. Render and send against sending the same bytes.
  const sink = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, _s, cb) {
      stream.resume();
      stream.on('end', () => cb());
    },
  });
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
  const port = (sink.server.address() as { port: number }).port;
  const mailer = createMailer({ host: '127.0.0.1', port, tls: 'off' });
  const full = figures!;
  const renders: number[] = [];
  const sends: number[] = [];
  const plain: number[] = [];
  const plainTransport = nodemailer.createTransport({
    host: '127.0.0.1',
    port,
    secure: false,
    ignoreTLS: true,
  });
  for (let i = 0; i < 10; i++) {
    const [email, r] = await timed(async () => renderReportEmail(full, 'report-bench'));
    renders.push(r);
    sends.push(
      (
        await timed(() => mailer.send({ ...email, from: 'reports@analytics.local', to: 'bench@example.com' }))
      )[1],
    );
    const bytes = (email.attachments ?? []).reduce((n, a) => n + (a.content as Buffer | string).length, 0);
    plain.push(
      (
        await timed(() =>
          plainTransport.sendMail({
            from: 'reports@analytics.local',
            to: 'bench@example.com',
            subject: 'same size',
            text: 'x'.repeat(bytes + String(email.html).length),
          }),
        )
      )[1],
    );
  }
  mailer.close();
  plainTransport.close();
  await new Promise<void>((r) => sink.close(() => r()));
  say(
    `email (${full.metrics.length} charts): render ${fmt(median(renders), 1)} ms; send ${fmt(median(sends), 1)} ms ` +
      `vs a message of the same size ${fmt(median(plain), 1)} ms (ratio ${fmt(median(plain) / median(sends), 2)}); ` +
      `render + send vs send alone ${fmt(median(plain) / (median(renders) + median(sends)), 2)}`,
  );
  batch.close();
  await clickhouse.close();
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
