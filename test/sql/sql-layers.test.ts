import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import type { ClickHouseClient } from '@clickhouse/client';
import { createClickHouse } from '../../core/clickhouse/client';
import type { Config } from '../../core/config/config';
import { localFiles } from '../../core/files/local-files';
import { openLake } from '../../core/lake/open-lake';
import { IdentityGraph } from '../../core/persons/identity';
import { quoteLiteral } from '../../batch-layer/sql-literal';
import { applyClickHouseSchema } from '../../speed-layer/schema';
import type { MetricQuery } from '../../serving-layer/query/metric-query';
import { SqlQuery } from '../../serving-layer/sql/sql-query';
import { rowsOf } from '../../serving-layer/sql/sql-sandbox';
import { isolatedConfig } from '../helpers/test-config';

const HOUR = 3_600_000;
const chTime = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');

/**
 * Which rows `events` takes from which layer, with the real engines (DuckDB over a lake folder,
 * chDB's speed view) and the layer plan given: before the split the lake's files, the speed
 * view's rows from it on, and, in a sealed hour whose late events its view does not hold yet, the
 * speed view's rows too, each event once (the lake's copy when both hold it). A late event is in
 * the answer at once, before the archiver has written it anywhere.
 */
describe('SQL: the layers of events', () => {
  let config: Config;
  let clickhouse: ClickHouseClient;
  const project = 'layers';
  const sealed = Math.floor(Date.now() / HOUR) * HOUR - 3 * HOUR;
  const split = sealed + HOUR;
  const range = { from: new Date(sealed), to: new Date(split + 2 * HOUR) };

  beforeAll(async () => {
    config = isolatedConfig('sql-layers');
    clickhouse = createClickHouse(config);
    await applyClickHouseSchema(clickhouse, config.clickhouse.database);
    // The lake's file for the sealed hour: two events, one sent twice (a client's retry).
    const hour = new Date(sealed).toISOString();
    const dir = `${config.lake.root}/events/project=${project}/date=${hour.slice(0, 10)}/hour=${hour.slice(11, 13)}`;
    localFiles.ensureDir(dir);
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    await conn.run(
      `COPY (SELECT * FROM (VALUES
         ('in-lake', 'track', 'purchase', 'u1', NULL, 'u1', TIMESTAMP '${chTime(sealed + 60_000)}', TIMESTAMP '${chTime(sealed + 60_000)}', '{}', '{}'),
         ('retried', 'track', 'purchase', 'u2', NULL, 'u2', TIMESTAMP '${chTime(sealed + 120_000)}', TIMESTAMP '${chTime(sealed + 120_000)}', '{}', '{}'),
         ('retried', 'track', 'purchase', 'u2', NULL, 'u2', TIMESTAMP '${chTime(sealed + 120_000)}', TIMESTAMP '${chTime(sealed + 125_000)}', '{}', '{}'))
       AS t(event_id, type, event, user_id, anonymous_id, actor_id, event_time, received_at, properties, context))
       TO ${quoteLiteral(`${dir}/0-0-2.parquet`)} (FORMAT parquet)`,
    );
    conn.closeSync();
    db.closeSync();
    // The speed view: the archived event again (it holds 48 hours), a late one for the sealed hour
    // the lake does not hold yet, and one after the split.
    await clickhouse.insert({
      table: `${config.clickhouse.database}.speed_events`,
      format: 'JSONEachRow',
      values: [
        ['in-lake', sealed + 60_000],
        ['late', sealed + 30 * 60_000],
        ['recent', split + 10 * 60_000],
      ].map(([id, at]) => ({
        project_id: project,
        event_id: id,
        type: 'track',
        event: 'purchase',
        user_id: 'u1',
        anonymous_id: null,
        actor_id: 'u1',
        event_time: chTime(at as number),
        received_at: chTime(Date.now()),
        properties: '{}',
        context: '{}',
        kafka_topic: 't',
        kafka_partition: 0,
        kafka_offset: 0,
      })),
    });
  }, 60_000);
  afterAll(async () => clickhouse?.close());

  /** The rows of `events` with the sealed hour planned as given. */
  const rowsWith = async (sealedSource: 'batch' | 'late') => {
    const metrics = {
      layers: {
        layersOf: async () => ({
          split: new Date(split),
          watermark: new Date(split).toISOString(),
          parts: [
            { source: sealedSource, from: new Date(sealed).toISOString(), to: new Date(split).toISOString() },
            { source: 'speed', from: new Date(split).toISOString(), to: range.to.toISOString() },
          ],
        }),
      },
      persons: () => ({ graph: async () => IdentityGraph.of([]) }),
    } as unknown as MetricQuery;
    const query = new SqlQuery(config, clickhouse, metrics, openLake(config.lake), {
      get: async () => undefined,
    });
    const statement = 'SELECT event_id, layer FROM events ORDER BY event_id';
    const { sandbox, parts } = await query.open(project, range, statement);
    try {
      const { chunks } = await sandbox.run(await sandbox.prepare(statement));
      const rows: unknown[][] = [];
      for await (const c of chunks) rows.push(...rowsOf(c));
      return { rows, parts: parts.parts.map((p) => p.source) };
    } finally {
      sandbox.close();
    }
  };

  it('takes a late event from the speed view at once, and every event once', async () => {
    expect(await rowsWith('late')).toEqual({
      rows: [
        ['in-lake', 'lake'],
        ['late', 'speed'],
        ['recent', 'speed'],
        ['retried', 'lake'],
      ],
      parts: ['late', 'speed'],
    });
  });

  it('reads a sealed hour whose view holds all its events from the lake alone', async () => {
    expect(await rowsWith('batch')).toEqual({
      rows: [
        ['in-lake', 'lake'],
        ['recent', 'speed'],
        ['retried', 'lake'],
      ],
      parts: ['batch', 'speed'],
    });
  });
});
