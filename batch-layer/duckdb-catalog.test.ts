import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { aggregateBatch } from '../speed-layer/aggregate';
import { LocalStorage } from '../core/lake/local-storage';
import { writeLake } from '../test/helpers/lake';
import { oddEvents } from '../test/helpers/catalog-events';
import { generateEvents } from '../test/helpers/speed-harness';
import { DuckDbEngine } from './duckdb-engine';

const HOUR = Date.parse('2026-03-01T10:00:00Z');

describe('the catalog in DuckDB equals the speed layer aggregation', () => {
  it('gives the same minute rows and HLL registers for the same events (duplicates removed once)', async () => {
    const lake = mkdtempSync(join(tmpdir(), 'parity-lake-'));
    const events = [
      ...generateEvents(3000, { start: HOUR, spreadMinutes: 59, duplicates: 40 }),
      ...oddEvents(HOUR),
    ];
    await writeLake(lake, events);

    const engine = await DuckDbEngine.open(new LocalStorage(lake));
    const out = join(lake, 'out');
    const view = await engine.hourView({ hour: new Date(HOUR), dir: 'out', version: 'v1' });
    engine.close();

    const distinct = [...new Map(events.map((e) => [`${e.projectId}:${e.eventId}`, e])).values()];
    expect(view.events).toBe(distinct.length);
    const expected = aggregateBatch(distinct);

    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    const measures = (
      await conn.runAndReadAll(
        `SELECT project_id, epoch(minute)::BIGINT AS minute, metric, dim, count::BIGINT AS count, round(sum, 6) AS sum
         FROM read_parquet($f) ORDER BY ALL`,
        { f: join(out, view.measures) },
      )
    ).getRowObjectsJson();
    const round = (r: {
      project_id: string;
      minute: number;
      metric: string;
      dim: string;
      count: number;
      sum: number;
    }) => ({
      ...r,
      minute: Number(r.minute),
      count: Number(r.count),
      sum: Math.round(r.sum * 1e6) / 1e6,
    });
    const key = (r: { project_id: string; minute: number; metric: string; dim: string }) =>
      `${r.project_id}|${r.metric}|${r.minute}|${r.dim}`;
    const sortByKey = <T extends { project_id: string; minute: number; metric: string; dim: string }>(
      rows: T[],
    ) => [...rows].sort((a, b) => (key(a) < key(b) ? -1 : 1));
    expect(sortByKey(measures.map((r) => round(r as never)))).toEqual(
      sortByKey(expected.measures.map(round)),
    );

    const uniques = (
      await conn.runAndReadAll(
        `SELECT project_id, epoch(minute)::BIGINT AS minute, metric, dim, reg::INT AS reg, rank::INT AS rank FROM read_parquet($f)`,
        { f: join(out, view.uniques) },
      )
    ).getRowObjectsJson();
    const ukey = (r: { project_id: string; minute: number; metric: string; dim: string; reg: number }) =>
      `${key(r)}|${r.reg}`;
    const norm = (
      rows: {
        project_id: string;
        minute: number | string;
        metric: string;
        dim: string;
        reg: number;
        rank: number;
      }[],
    ) => rows.map((r) => ({ ...r, minute: Number(r.minute) })).sort((a, b) => (ukey(a) < ukey(b) ? -1 : 1));
    expect(norm(uniques as never)).toEqual(norm(expected.uniques));
    conn.closeSync();
  });
});
