import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BigQueryEngine } from '../../batch-layer/bigquery-engine';
import { DuckDbEngine } from '../../batch-layer/duckdb-engine';
import type { BatchEngine, ViewFiles } from '../../batch-layer/engine';
import { LocalStorage } from '../../core/lake/local-storage';
import { requireBigQuery } from '../helpers/bigquery';
import { oddEvents } from '../helpers/catalog-events';
import { writeLake } from '../helpers/lake';
import { generateEvents } from '../helpers/speed-harness';
import { isolatedConfig } from '../helpers/test-config';

const HOUR = Date.parse('2026-03-02T07:00:00Z');

/**
 * The conformance suite of the batch engines as a whole: the same lake hour, computed by each
 * engine through BatchEngine (loading, querying, writing and publishing its view files), gives
 * byte-for-byte the same rows in the view files the serving layer reads — for the whole hour, for
 * a project subset recomputed over a view in force, and for an hour without events. A future
 * engine joins ENGINES and passes the same.
 */
describe('batch engines write identical views of the same lake hour', () => {
  const root = mkdtempSync(join(tmpdir(), 'engine-conformance-'));
  const lake = new LocalStorage(root);
  const config = isolatedConfig('engine-conformance');
  const engines: Record<string, BatchEngine> = {};
  const events = [
    ...generateEvents(2500, { start: HOUR, spreadMinutes: 59, duplicates: 30 }),
    ...oddEvents(HOUR),
  ];

  beforeAll(async () => {
    await requireBigQuery();
    await writeLake(root, events, `part-${Date.now()}`);
    engines.duckdb = await DuckDbEngine.open(lake);
    engines.bigquery = await BigQueryEngine.open(lake, config.batch.bigquery, { httpfs: config.lake.httpfs });
  }, 60_000);
  afterAll(() => Object.values(engines).forEach((e) => e.close()));

  const rows = async (dir: string, files: ViewFiles) => {
    const conn = await (await DuckDBInstance.create(':memory:')).connect();
    const read = async (f: string) =>
      JSON.stringify(
        (
          await conn.runAndReadAll('SELECT * FROM read_parquet($f) ORDER BY ALL', {
            f: lake.uri(`${dir}/${f}`),
          })
        ).getRowObjectsJson(),
      );
    const out = { measures: await read(files.measures), uniques: await read(files.uniques) };
    conn.closeSync();
    return out;
  };

  it('a whole hour: every catalog metric, duplicates removed once', async () => {
    const views: Record<string, { measures: string; uniques: string; events: number }> = {};
    for (const [name, engine] of Object.entries(engines)) {
      const v = await engine.hourView({ hour: new Date(HOUR), dir: `out/${name}`, version: 'v1' });
      views[name] = { ...(await rows(`out/${name}`, v)), events: v.events };
    }
    const distinct = new Set(events.map((e) => `${e.projectId}:${e.eventId}`)).size;
    expect(views.duckdb?.events).toBe(distinct);
    expect(views.duckdb?.measures.length).toBeGreaterThan(10_000);
    expect(views.bigquery).toEqual(views.duckdb);
  }, 180_000);

  it('a project subset recomputed over the view in force keeps the other projects', async () => {
    const base = await engines.duckdb!.hourView({ hour: new Date(HOUR), dir: 'subset/base', version: 'v0' });
    const projects = [events[0]!.projectId];
    const views: Record<string, unknown> = {};
    for (const [name, engine] of Object.entries(engines)) {
      const v = await engine.hourView({
        hour: new Date(HOUR),
        dir: `subset/${name}`,
        version: 'v1',
        only: {
          projects,
          current: { measures: `subset/base/${base.measures}`, uniques: `subset/base/${base.uniques}` },
        },
      });
      views[name] = { ...(await rows(`subset/${name}`, v)), events: v.events };
    }
    expect(views.bigquery).toEqual(views.duckdb);
  }, 180_000);

  it('an hour without events', async () => {
    const empty = new Date(HOUR + 5 * 3_600_000);
    const views: Record<string, unknown> = {};
    for (const [name, engine] of Object.entries(engines)) {
      const v = await engine.hourView({ hour: empty, dir: `empty/${name}`, version: 'v1' });
      views[name] = { ...(await rows(`empty/${name}`, v)), events: v.events };
    }
    expect(views.duckdb).toEqual({ measures: '[]', uniques: '[]', events: 0 });
    expect(views.bigquery).toEqual(views.duckdb);
  }, 60_000);
});
