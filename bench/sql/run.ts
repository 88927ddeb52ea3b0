/**
 * bench/sql: analysts' SQL (POST /v1/sql's engine path: the merged tables in a locked DuckDB of
 * the request's own, each event once, persons joined) beside bare DuckDB over the same files.
 * 1. A 30-day aggregate (events and persons per day) over BENCH_EVENTS (10 M) lake events.
 * 2. A 1 M-row answer sent over HTTP as JSON, as an Arrow IPC stream and as Parquet: time to the
 *    last byte and size, beside bare DuckDB reading the same rows into memory.
 *
 *   node node_modules/tsx/dist/cli.mjs bench/sql/run.ts      (BENCH_EVENTS=10000000)
 */
import '../../core/quiet-aws-sdk';
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { DuckDBInstance } from '@duckdb/node-api';
import { LocalStorage } from '../../core/lake/local-storage';
import { IdentityGraph } from '../../core/persons/identity';
import { formatOf } from '../../serving-layer/answers/answer-formats';
import type { MetricQuery } from '../../serving-layer/query/metric-query';
import { sendSqlAnswer } from '../../serving-layer/sql/sql-answer';
import { SqlQuery } from '../../serving-layer/sql/sql-query';
import { isolatedConfig } from '../../test/helpers/test-config';
import { fmt, sideBySide, sideBySideTable } from '../lib/stats';
import { writeSyntheticHour } from '../lib/synthetic-lake';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 10_000_000);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const DAYS = 30;
const ts = (ms: number) => `TIMESTAMP '${new Date(ms).toISOString().slice(0, 23).replace('T', ' ')}'`;

async function main() {
  const say = (l: string) => console.log(l);
  const root = mkdtempSync(join(tmpdir(), 'bench-sql-'));
  const start = Math.floor(Date.now() / DAY) * DAY - DAYS * DAY;
  const perHour = Math.ceil(EVENTS / (DAYS * 24));
  say(`writing ${fmt(perHour * DAYS * 24)} events over ${DAYS} days into a lake...`);
  const writer = await (await DuckDBInstance.create(':memory:')).connect();
  for (let h = 0; h < DAYS * 24; h++) {
    await writeSyntheticHour(writer, root, 'bench', start + h * HOUR, perHour, h);
    if (h % 240 === 239) say(`  ${(h + 1) / 24} days written`);
  }
  writer.closeSync();
  const range = { from: new Date(start), to: new Date(start + DAYS * DAY) };
  // Every hour sealed: the lake answers the whole range (the speed view's part is tested elsewhere).
  const metrics = {
    layers: {
      layersOf: async () => ({
        split: range.to,
        watermark: range.to.toISOString(),
        parts: [{ source: 'batch', from: range.from.toISOString(), to: range.to.toISOString() }],
      }),
    },
    persons: () => ({ graph: async () => IdentityGraph.of([]) }),
  } as unknown as MetricQuery;
  const config = isolatedConfig('bench-sql', { LAKE_ROOT: root });
  const sql = new SqlQuery(config, undefined as never, metrics, new LocalStorage(root), {
    get: async () => undefined,
  });

  // The engine path of POST /v1/sql behind a plain HTTP server: open, run, send as asked.
  const app = express();
  app.use(express.json());
  app.post('/sql', (req, res) => {
    void (async () => {
      const body = req.body as { query: string; from?: string; to?: string };
      const asked = body.from && body.to ? { from: new Date(body.from), to: new Date(body.to) } : range;
      const { sandbox, parts } = await sql.open('bench', asked, body.query);
      await sendSqlAnswer(
        res,
        formatOf(req.headers.accept),
        sandbox,
        (req.body as { query: string }).query,
        parts,
        2 ** 31 - 1,
        async () => {}, // no history here
      );
    })().catch((e: unknown) => res.status(500).end(String(e)));
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/sql`;
  const ask = async (query: string, accept = 'application/json', span?: { from: string; to: string }) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept },
      body: JSON.stringify({ query, ...span }),
    });
    const bytes = Buffer.from(await res.arrayBuffer());
    if (res.status !== 200) throw new Error(bytes.toString());
    return bytes;
  };

  const glob = join(root, 'events', '**', '*.parquet');
  const duck = await (await DuckDBInstance.create(':memory:')).connect();

  // 1. Events and persons per day over the 30 days.
  const daily = `SELECT strftime(event_time, '%Y-%m-%d') AS day, count(*) AS events, count(DISTINCT person_id) AS persons
                 FROM events GROUP BY 1 ORDER BY 1`;
  const ours = async () => (JSON.parse((await ask(daily)).toString()) as { rows: unknown[][] }).rows;
  // Bare: the best hand-written query for the same answer, each event once, over the same files.
  const bare = async () =>
    (
      await duck.runAndReadAll(
        `WITH ev AS (SELECT min(event_time) AS t, any_value(actor_id) AS actor FROM read_parquet('${glob}')
                     WHERE event_time >= ${ts(range.from.getTime())} AND event_time < ${ts(range.to.getTime())}
                     GROUP BY event_id)
         SELECT strftime(t, '%Y-%m-%d'), count(*)::INTEGER, count(DISTINCT actor)::INTEGER FROM ev GROUP BY 1 ORDER BY 1`,
      )
    ).getRowsJson();
  const cold = performance.now();
  const first = await ours();
  const coldMs = performance.now() - cold;
  const m = await sideBySide(ours, bare);
  sideBySideTable(
    say,
    {
      sizes: `200,000 / ${fmt(perHour * DAYS * 24)}`,
      ours: 'events and persons per day over 30 days, POST /v1/sql engine path (open, merge, run, JSON)',
      bare: 'bare DuckDB, the same in one query over the same files',
      agree: 'every day agrees with bare DuckDB',
    },
    m,
    JSON.stringify(first) === JSON.stringify(m.bareAnswer) &&
      JSON.stringify(m.oursAnswer) === JSON.stringify(m.bareAnswer),
  );
  say(`| cold: the first answer, ms | ${fmt(coldMs)} |`);

  // 2. A 1 M-row answer, in each format: the hours holding a million events, asked as the range
  // (the range, not a WHERE, decides what the tables read: docs/api.md).
  const n = Math.min(1_000_000, perHour * DAYS * 24);
  const span = {
    from: new Date(start).toISOString(),
    to: new Date(start + Math.ceil(n / perHour) * HOUR).toISOString(),
  };
  const rows = `SELECT event_id, event, event_time, user_id FROM events ORDER BY event_time, event_id LIMIT ${n}`;
  const bareRows = async () =>
    (
      await duck.runAndReadAll(
        `SELECT event_id, event, event_time, user_id FROM read_parquet('${glob}')
         WHERE event_time < ${ts(start + Math.ceil(n / perHour) * HOUR)} ORDER BY event_time, event_id LIMIT ${n}`,
      )
    ).currentRowCount;
  const timed = async (f: () => Promise<unknown>) => {
    await f();
    let best = Infinity;
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      await f();
      best = Math.min(best, performance.now() - t);
    }
    return best;
  };
  const bareMs = await timed(bareRows);
  say('');
  say(
    `| ${fmt(n)} rows (event_id, event, event_time, user_id), best of 3 | ms to the last byte | bytes | bare / ours |`,
  );
  say('| --- | ---: | ---: | ---: |');
  say(`| bare DuckDB, the rows read into memory | ${fmt(bareMs)} | - | 1.00 |`);
  const sizes: Record<string, number> = {};
  for (const [name, accept] of [
    ['JSON', 'application/json'],
    ['Arrow IPC stream', 'application/vnd.apache.arrow.stream'],
    ['Parquet', 'application/vnd.apache.parquet'],
  ] as const) {
    let bytes = 0;
    const ms = await timed(async () => (bytes = (await ask(rows, accept, span)).length));
    sizes[name] = ms;
    say(`| ${name} | ${fmt(ms)} | ${fmt(bytes)} | ${fmt(bareMs / ms, 2)} |`);
  }
  say(`| JSON / Arrow, time | ${fmt((sizes.JSON ?? 0) / (sizes['Arrow IPC stream'] ?? 1), 2)} | | |`);
  server.close();
  say(`command: node node_modules/tsx/dist/cli.mjs bench/sql/run.ts  (BENCH_EVENTS=${EVENTS})`);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
