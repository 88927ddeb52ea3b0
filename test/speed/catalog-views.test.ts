import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickHouseClient } from '@clickhouse/client';
import { createClickHouse } from '../../core/clickhouse/client';
import type { AnalyticsEvent } from '../../core/events/event';
import { LocalStorage } from '../../core/lake/local-storage';
import { aggregateBatch } from '../../speed-layer/aggregate';
import { DedupWindow } from '../../speed-layer/dedup-window';
import { buildRangeOutput } from '../../speed-layer/range-output';
import { writeRange } from '../../speed-layer/range-writer';
import { applyClickHouseSchema } from '../../speed-layer/schema';
import { oddEvents } from '../helpers/catalog-events';
import { generateEvents } from '../helpers/speed-harness';
import { CLICKHOUSE_MODES, isolatedConfig, requireClickHouseServer } from '../helpers/test-config';

const HOUR = 3_600_000;
const START = Math.floor(Date.now() / HOUR) * HOUR - 2 * HOUR;

/** Numbers as dimensions and values, in every form JavaScript writes them. */
function numberEvents(): AnalyticsEvent[] {
  const paths: unknown[] = [1e21, 1e15, 123456.789, 0.1 + 0.2, -0, 5e-324, 1e-7, -42, 2 ** 60, true, null];
  return generateEvents(paths.length, { start: START + 5 * 60_000, spreadMinutes: 3, projectId: 'num' }).map(
    (e, i) => ({ ...e, event: 'page', properties: { path: paths[i] } }),
  );
}

type Row = Record<string, unknown>;
const measureKey = (r: Row) =>
  `${String(r.project_id)}|${Number(r.minute)}|${String(r.metric)}|${String(r.dim)}|${Number(r.count)}|${Number(r.sum).toPrecision(12)}`;
const registerKey = (r: Row) =>
  `${String(r.project_id)}|${Number(r.minute)}|${String(r.metric)}|${String(r.dim)}|${Number(r.reg)}|${Number(r.rank)}`;

/**
 * The speed view's aggregates come from ClickHouse's materialized views compiled from the catalog
 * (speed-layer/catalog-views.ts). For the same events they equal the catalog's definition in
 * speed-layer/aggregate.ts, which the batch engines' conformance tests hold DuckDB and BigQuery
 * to: all engines agree, row for row. Written through the consumer's own range writer, a replayed
 * range adds nothing, and one whose views' blocks were lost (a crash between the raw insert and
 * its views) gets them back on replay.
 */
describe.each(CLICKHOUSE_MODES)("the catalog's materialized views in $name", (mode) => {
  const config = isolatedConfig('catalog-views', mode.env());
  const db = config.clickhouse.database;
  let clickhouse: ClickHouseClient;
  const events = [
    ...generateEvents(3000, { start: START, spreadMinutes: 59 }),
    ...oddEvents(START),
    ...numberEvents(),
  ];
  const ranges = [0, 1, 2, 3].map((i) =>
    events.slice((i * events.length) >> 2, ((i + 1) * events.length) >> 2),
  );

  const write = async (i: number) => {
    const first = ranges.slice(0, i).reduce((n, r) => n + r.length, 0);
    const messages = (ranges[i] as AnalyticsEvent[]).map((event, k) => ({
      offset: String(first + k),
      event,
    }));
    await writeRange({
      client: clickhouse,
      database: db,
      lake: new LocalStorage(config.lake.root),
      range: { topic: 't', partition: 0, first: String(first), last: String(first + messages.length - 1) },
      out: buildRangeOutput('t', 0, messages, new DedupWindow(0), {
        horizonMs: 48 * HOUR,
        lateAfterMs: HOUR,
      }),
    });
  };
  const read = async (query: string) =>
    await (await clickhouse.query({ query, query_params: { db }, format: 'JSONEachRow' })).json<Row>();
  const measures = async () =>
    (
      await read(`SELECT project_id, toUnixTimestamp(minute) AS minute, metric, dim, sum(count) AS count, sum(sum) AS sum
                  FROM {db:Identifier}.speed_measures_minute GROUP BY ALL`)
    )
      .map(measureKey)
      .sort();
  const registers = async () =>
    (
      await read(`SELECT project_id, toUnixTimestamp(minute) AS minute, metric, dim, reg, max(rank) AS rank
                  FROM {db:Identifier}.speed_uniques_minute GROUP BY ALL`)
    )
      .map(registerKey)
      .sort();

  beforeAll(async () => {
    if (mode.server) await requireClickHouseServer();
    clickhouse = createClickHouse(config);
    await applyClickHouseSchema(clickhouse, db);
  }, 60_000);
  afterAll(async () => {
    await clickhouse?.close();
  });

  it('equal the catalog definition row for row, a replayed range adding nothing', async () => {
    for (const i of [0, 1, 2, 3, 1]) await write(i); // range 1 twice: a replay after a crash
    const expected = aggregateBatch(events);
    expect(expected.measures.length).toBeGreaterThan(100);
    expect(await measures()).toEqual(expected.measures.map((r) => measureKey(r as unknown as Row)).sort());
    expect(await registers()).toEqual(expected.uniques.map((r) => registerKey(r as unknown as Row)).sort());
    // Numbers as dimensions read as JavaScript writes them.
    const paths = await read(
      `SELECT DISTINCT dim FROM {db:Identifier}.speed_measures_minute WHERE project_id = 'num' AND metric = 'page_views'`,
    );
    expect(paths.map((r) => r.dim).sort()).toEqual(
      [
        '1e+21',
        '1000000000000000',
        '123456.789',
        '0.30000000000000004',
        '0',
        '5e-324',
        '1e-7',
        '-42',
        '1152921504606847000',
        '',
      ].sort(),
    );
  });

  it("a replay writes the views' blocks a crash lost, once", async () => {
    const before = { measures: await measures(), registers: await registers() };
    for (const table of ['speed_measures_minute', 'speed_uniques_minute'])
      await clickhouse.command({ query: `TRUNCATE TABLE ${db}.${table}` });
    for (const i of [0, 1, 2, 3, 2]) await write(i);
    expect(await measures()).toEqual(before.measures);
    expect(await registers()).toEqual(before.registers);
  });
});
