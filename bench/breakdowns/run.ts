/**
 * bench/breakdowns: page views per day over 30 days split by an arbitrary event property (the
 * page's path, 300 values: the ten largest and the rest as (other)), and the same filtered by a
 * regex on it, answered by the query core from the lake's events (read, split, fold) beside bare
 * DuckDB doing the same in one query over the same files. Cold: the first answer of a fresh
 * reader; warm: the best of three after it (the answer itself is not cached here). Then the split
 * with the last day read from the speed view while a writer keeps inserting into it.
 *
 *   node node_modules/tsx/dist/cli.mjs bench/breakdowns/run.ts      (BENCH_EVENTS=10000000)
 */
import '../../core/quiet-aws-sdk';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { createClickHouse } from '../../core/clickhouse/client';
import { partitionKey } from '../../core/lake/layout';
import { RAW_COLUMNS, toRawRow } from '../../speed-layer/rows';
import { applyClickHouseSchema } from '../../speed-layer/schema';
import type { TimeRange } from '../../serving-layer/query/time-range';
import { generateEvents } from '../../test/helpers/speed-harness';
import { isolatedConfig } from '../../test/helpers/test-config';
import { compileFilter } from '../../core/events/event-filter';
import { LocalStorage } from '../../core/lake/local-storage';
import { metricByName, type MetricDefinition } from '../../core/metric-catalog/catalog';
import { IdentityGraph } from '../../core/persons/identity';
import { SegmentQuery } from '../../serving-layer/query/segment-query';
import { RawEventReader } from '../../serving-layer/views/raw-event-reader';
import { sealedLayers } from '../lib/sealed-layers';
import { fmt, sideBySide, sideBySideTable } from '../lib/stats';
import { writeSyntheticHour } from '../lib/synthetic-lake';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 10_000_000);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const DAYS = 30;

async function main() {
  const say = (l: string) => console.log(l);
  const root = mkdtempSync(join(tmpdir(), 'bench-breakdowns-'));
  // 30 days up to this hour: the last day is young enough for the speed view (48 h kept).
  const start = Math.floor(Date.now() / HOUR) * HOUR - DAYS * DAY;
  const perHour = Math.ceil(EVENTS / (DAYS * 24));
  say(`writing ${fmt(perHour * DAYS * 24)} events over ${DAYS} days into a lake...`);
  const writer = await (await DuckDBInstance.create(':memory:')).connect();
  for (let h = 0; h < DAYS * 24; h++) {
    await writeSyntheticHour(writer, root, 'bench', start + h * HOUR, perHour, h);
    if (h % 120 === 119) say(`  ${(h + 1) / 24} days written`);
  }
  writer.closeSync();
  const range = { from: new Date(start), to: new Date(start + DAYS * DAY) };
  const def = metricByName('page_views') as MetricDefinition;
  const { layers, moved } = sealedLayers(range.to);
  const graph = IdentityGraph.of([]);
  const glob = join(root, 'events', '**', '*.parquet');
  const duck = await (await DuckDBInstance.create(':memory:')).connect();

  const cases = [
    { name: 'by property.path, top 10 + (other)', filter: undefined, sql: 'TRUE' },
    {
      name: "by property.path where it matches '^/p1'",
      filter: compileFilter({ property: 'property.path', op: 'regex', value: '^/p1' }),
      sql: "regexp_matches(json_extract_string(properties, '$.path'), '^/p1')",
    },
  ];
  for (const c of cases) {
    const reader = new RawEventReader(undefined as never, 'unused', new LocalStorage(root));
    const ours = async () => {
      moved();
      const segments = new SegmentQuery(layers, reader, { graph: async () => graph });
      const a = await segments.metric({
        def,
        project: 'bench',
        range,
        granularity: 'day',
        groupBy: false,
        by: { kind: 'event', path: ['path'] },
        filter: c.filter,
        limit: 10,
      });
      return a.buckets.map((b) => [b.start.slice(0, 10), b.dim, b.value]).sort(byText);
    };
    const bare = () => bareSplit(duck, glob, range, c.sql);
    const cold = performance.now();
    const first = await ours();
    const coldMs = performance.now() - cold;
    const m = await sideBySide(ours, bare);
    sideBySideTable(
      say,
      {
        sizes: `200,000 / ${fmt(perHour * DAYS * 24)}`,
        ours: `page views per day ${c.name} (read, split, fold)`,
        bare: 'bare DuckDB, the same in one query',
        agree: 'every day and group agrees with bare DuckDB',
      },
      m,
      JSON.stringify(first) === JSON.stringify(m.bareAnswer) &&
        JSON.stringify(m.oursAnswer) === JSON.stringify(m.bareAnswer),
    );
    say(`| cold: the first answer of a fresh reader, ms | ${fmt(coldMs)} |`);
    say(`| bare / ours, cold | ${fmt(m.bare / coldMs, 2)} |`);
    reader.close();
  }
  await whileWritten({ say, root, range, perHour, bareOf: (sql) => bareSplit(duck, glob, range, sql) });
  say(`command: node node_modules/tsx/dist/cli.mjs bench/breakdowns/run.ts  (BENCH_EVENTS=${EVENTS})`);
}

const byText = (a: unknown[], b: unknown[]) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1);
const ts = (ms: number) => `TIMESTAMP '${new Date(ms).toISOString().slice(0, 23).replace('T', ' ')}'`;

/**
 * Bare DuckDB: the range's page views, each once, counted per day and path; the ten largest
 * paths over the range kept, the rest summed per day as (other). The events and times are
 * filtered before the events are grouped by id, as the best hand-written query would.
 */
async function bareSplit(duck: DuckDBConnection, glob: string, range: TimeRange, where: string) {
  const reader = await duck.runAndReadAll(
    `WITH ev AS (SELECT min(event_time) AS t, any_value(properties) AS properties
                 FROM read_parquet('${glob}')
                 WHERE event = 'page' AND event_time >= ${ts(range.from.getTime())} AND event_time < ${ts(range.to.getTime())}
                 GROUP BY event_id),
          per AS (SELECT strftime(date_trunc('day', t), '%Y-%m-%d') AS d,
                         coalesce(json_extract_string(properties, '$.path'), '(none)') AS path, count(*) AS n
                  FROM ev WHERE ${where}
                  GROUP BY ALL),
          top AS (SELECT path FROM per GROUP BY path ORDER BY sum(n) DESC, path LIMIT 10)
     SELECT d, CASE WHEN path IN (SELECT path FROM top) THEN path ELSE '(other)' END AS g, sum(n)::INTEGER
     FROM per GROUP BY ALL`,
  );
  return (reader.getRowsJson() as [string, string, number][]).sort(byText);
}

/**
 * The split while the speed view is written: the range's last day answered from ClickHouse's
 * speed view (its events copied there from the lake's files), the 29 days before from the lake,
 * while a writer inserts events of another project into the speed view as fast as it takes them,
 * as the speed consumer would. Beside bare DuckDB over all 30 days of files, run under the same
 * writes.
 */
async function whileWritten(o: {
  say: (l: string) => void;
  root: string;
  range: TimeRange;
  perHour: number;
  bareOf: (where: string) => Promise<[string, string, number][]>;
}) {
  const { say, root, range } = o;
  const config = isolatedConfig('bench-breakdowns');
  const clickhouse = createClickHouse(config);
  await applyClickHouseSchema(clickhouse, config.clickhouse.database);
  const split = new Date(range.to.getTime() - DAY);
  const lake = new LocalStorage(root);
  say('copying the last day into the speed view...');
  for (let h = split.getTime(); h < range.to.getTime(); h += HOUR) {
    const at = new Date(h).toISOString();
    const dir = lake.uri(
      partitionKey('events', { projectId: 'bench', date: at.slice(0, 10), hour: at.slice(11, 13) }),
    );
    await clickhouse.command({
      query: `INSERT INTO {db:Identifier}.speed_events (${RAW_COLUMNS.join(', ')})
              SELECT ${RAW_COLUMNS.join(', ')} FROM file({file:String}, Parquet)`,
      query_params: { db: config.clickhouse.database, file: join(dir, 'part-bench.parquet') },
    });
  }
  const reader = new RawEventReader(clickhouse, config.clickhouse.database, lake);
  const { layers, moved } = sealedLayers(split);
  const graph = IdentityGraph.of([]);
  const def = metricByName('page_views') as MetricDefinition;
  const ours = async () => {
    moved();
    const segments = new SegmentQuery(layers, reader, { graph: async () => graph });
    const a = await segments.metric({
      def,
      project: 'bench',
      range,
      granularity: 'day',
      groupBy: false,
      by: { kind: 'event', path: ['path'] },
      limit: 10,
    });
    return a.buckets.map((b) => [b.start.slice(0, 10), b.dim, b.value]).sort(byText);
  };
  let written = 0;
  let writing = true;
  const t0 = performance.now();
  const writer = (async () => {
    for (let batch = 0; writing; batch++) {
      const events = generateEvents(2_000, { projectId: 'bench-live', spreadMinutes: 1 });
      await clickhouse.insert({
        table: `${config.clickhouse.database}.speed_events`,
        values: events.map((event, j) =>
          toRawRow({ event, topic: 't', partition: 0, offset: String(batch * 2_000 + j) }),
        ),
        columns: [...RAW_COLUMNS],
        format: 'JSONCompactEachRow',
      });
      written += events.length;
    }
  })();
  const cold = performance.now();
  const first = await ours();
  const coldMs = performance.now() - cold;
  const m = await sideBySide(ours, () => o.bareOf('TRUE'));
  writing = false;
  await writer;
  const rate = written / ((performance.now() - t0) / 1000);
  sideBySideTable(
    say,
    {
      sizes: `200,000 / ${fmt(o.perHour * DAYS * 24)}`,
      ours: 'page views per day by property.path, top 10 + (other): 29 days from the lake, the last from the speed view while it is written',
      bare: 'bare DuckDB, the same in one query over all 30 days of files, under the same writes',
      agree: 'every day and group agrees with bare DuckDB',
    },
    m,
    JSON.stringify(first) === JSON.stringify(m.bareAnswer) &&
      JSON.stringify(m.oursAnswer) === JSON.stringify(m.bareAnswer),
  );
  say(`| cold, while written: the first answer of a fresh reader, ms | ${fmt(coldMs)} |`);
  say(`| bare / ours, cold, while written | ${fmt(m.bare / coldMs, 2)} |`);
  say(`| events written into the speed view meanwhile, per second | ${fmt(rate)} |`);
  reader.close();
  await clickhouse.close();
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
