import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIGQUERY_DIALECT } from '../../batch-layer/bigquery-catalog';
import { compileCatalog } from '../../batch-layer/catalog-sql';
import { DuckDbEngine } from '../../batch-layer/duckdb-engine';
import { fillTemplate } from '../../core/metric-catalog/sql-templates';
import { actorId, type AnalyticsEvent } from '../../core/events/event';
import { LocalStorage } from '../../core/lake/local-storage';
import { emulatorClient, requireBigQuery, runQuery } from '../helpers/bigquery';
import { oddEvents } from '../helpers/catalog-events';
import { writeLake } from '../helpers/lake';
import { generateEvents } from '../helpers/speed-harness';

const HOUR = Date.parse('2026-03-01T10:00:00Z');

/** The lake's columns, as a BigQuery table. */
const EVENTS_SCHEMA = [
  ['event_id', 'STRING'],
  ['project_id', 'STRING'],
  ['type', 'STRING'],
  ['event', 'STRING'],
  ['user_id', 'STRING'],
  ['anonymous_id', 'STRING'],
  ['actor_id', 'STRING'],
  ['event_time', 'TIMESTAMP'],
  ['received_at', 'TIMESTAMP'],
  ['properties', 'STRING'],
  ['context', 'STRING'],
  ['kafka_topic', 'STRING'],
  ['kafka_partition', 'INT64'],
  ['kafka_offset', 'INT64'],
].map(([name, type]) => ({ name, type }));

const iso = (v: unknown) =>
  new Date(
    typeof v === 'object' && v !== null && 'value' in v ? (v as { value: string }).value : String(v),
  ).toISOString();
const measureRow = (r: Record<string, unknown>) =>
  `${r.project_id}|${iso(r.minute)}|${r.metric}|${r.dim}|${Number(r.count)}|${Number(r.sum).toFixed(6)}`;
const registerRow = (r: Record<string, unknown>) =>
  `${r.project_id}|${iso(r.minute)}|${r.metric}|${r.dim}|${Number(r.reg)}|${Number(r.rank)}`;

/**
 * The conformance suite of the batch engines' catalog: every catalog metric of the same hour of
 * events, computed by DuckDB (the engine in use) and by the BigQuery SQL on the BigQuery emulator,
 * gives identical minute rows and HLL registers. Any future engine's dialect runs the same. (The
 * BigQuery engine around this SQL, loading the lake and publishing views, is still to come.)
 */
describe('catalog conformance: DuckDB and BigQuery (emulator) compute the same views', () => {
  const bq = emulatorClient();

  beforeAll(requireBigQuery);

  /** Every metric's rows of the hour from DuckDB's engine, over the events written to a lake. */
  async function duckdb(events: AnalyticsEvent[]) {
    const root = mkdtempSync(join(tmpdir(), 'conformance-'));
    await writeLake(root, events);
    const lake = new LocalStorage(root);
    const engine = await DuckDbEngine.open(lake);
    const view = await engine.hourView({ hour: new Date(HOUR), dir: 'out', version: 'v1' });
    engine.close();
    const conn = await (await DuckDBInstance.create(':memory:')).connect();
    const read = async (file: string) =>
      (
        await conn.runAndReadAll('SELECT * FROM read_parquet($f)', { f: lake.uri(`out/${file}`) })
      ).getRowObjectsJson();
    return {
      measures: (await read(view.measures)).map((r) => measureRow(r as Record<string, unknown>)).sort(),
      registers: (await read(view.uniques)).map((r) => registerRow(r as Record<string, unknown>)).sort(),
    };
  }

  /** The same from the BigQuery SQL, over the events inserted into a table of the emulator. */
  async function bigquery(events: AnalyticsEvent[]) {
    const dataset = `conformance_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
    await bq.createDataset(dataset);
    const [table] = await bq.dataset(dataset).createTable('events', { schema: { fields: EVENTS_SCHEMA } });
    await table.insert(
      events.map((e, i) => ({
        event_id: e.eventId,
        project_id: e.projectId,
        type: e.type,
        event: e.event,
        user_id: e.userId,
        anonymous_id: e.anonymousId,
        actor_id: actorId(e),
        event_time: e.timestamp,
        received_at: e.receivedAt,
        properties: JSON.stringify(e.properties),
        context: JSON.stringify(e.context),
        kafka_topic: 't',
        kafka_partition: 0,
        kafka_offset: i,
      })),
    );
    const compiled = compileCatalog(BIGQUERY_DIALECT);
    const run = (template: string) =>
      runQuery(bq, fillTemplate(template, { events: `${dataset}.events` }), {
        from: new Date(HOUR),
        to: new Date(HOUR + 3_600_000),
      });
    return {
      measures: (await run(compiled.measures)).map(measureRow).sort(),
      registers: (await run(compiled.uniques)).map(registerRow).sort(),
    };
  }

  it('for every catalog metric: generated traffic with duplicates, and the odd shapes', async () => {
    const events = [
      ...generateEvents(3000, { start: HOUR, spreadMinutes: 59, duplicates: 40 }),
      ...oddEvents(HOUR),
    ];
    const [d, b] = [await duckdb(events), await bigquery(events)];
    expect(d.measures.length).toBeGreaterThan(1000);
    expect(d.registers.length).toBeGreaterThan(1000);
    expect(b.measures).toEqual(d.measures);
    expect(b.registers).toEqual(d.registers);
  }, 120_000);
});
