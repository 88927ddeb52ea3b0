import { beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../core/config/config';
import { openLake } from '../../core/lake/open-lake';
import type { LakeStorage } from '../../core/lake/storage';
import { IdentityGraph } from '../../core/persons/identity';
import type { MetricQuery } from '../../serving-layer/query/metric-query';
import { rowsOf, type SqlSandbox } from '../../serving-layer/sql/sql-sandbox';
import { SqlQuery } from '../../serving-layer/sql/sql-query';
import { writeLake } from '../helpers/lake';
import { generateEvents } from '../helpers/speed-harness';
import { isolatedConfig, LAKES, requireObjectStore } from '../helpers/test-config';

const HOUR = 3_600_000;

/**
 * The SQL sandbox with the lake on an object store (S3 on MinIO, GCS on fake-gcs-server): DuckDB
 * holds httpfs and a secret for the store, so the engine's own allowed paths are all that keep a
 * statement to the project's files: another project's files in the same bucket (also through
 * `mine/../theirs`, which fake-gcs-server answered with their file while the sandbox allowed the
 * project's folder as a prefix), another bucket and the web are refused; the project's own
 * events are read.
 */
describe.each(LAKES.filter((l) => l.objectStore))('the SQL sandbox, $name', (where) => {
  let config: Config;
  let lake: LakeStorage;
  const start = Math.floor(Date.now() / HOUR) * HOUR - 5 * HOUR;
  const range = { from: new Date(start), to: new Date(start + 2 * HOUR) };

  beforeAll(async () => {
    await requireObjectStore();
    config = isolatedConfig('sql-store', where.env());
    lake = openLake(config.lake);
    await writeLake(lake, generateEvents(40, { start, spreadMinutes: 60, projectId: 'mine' }));
    await writeLake(lake, generateEvents(25, { start, spreadMinutes: 60, projectId: 'theirs' }));
  }, 120_000);

  const opened = async (statement: string): Promise<SqlSandbox> => {
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
    const q = new SqlQuery(config, undefined as never, metrics, lake, { get: async () => undefined });
    return (await q.open('mine', range, statement)).sandbox;
  };
  const run = async (statement: string) => {
    const sandbox = await opened(statement);
    try {
      const { chunks } = await sandbox.run(await sandbox.prepare(statement));
      const rows: unknown[][] = [];
      for await (const c of chunks) rows.push(...rowsOf(c));
      return rows;
    } finally {
      sandbox.close();
    }
  };

  it("reads the project's own events from the store", async () => {
    expect(await run('SELECT count(*) FROM events')).toEqual([['40']]);
  });

  it("refuses another project's folder in the same bucket, another bucket and the web", async () => {
    const theirs = lake.uri('events/project=theirs/*/*/*.parquet');
    const hour = new Date(start).toISOString();
    const theirFolder = `date=${hour.slice(0, 10)}/hour=${hour.slice(11, 13)}`;
    const theirFile = (await lake.list(`events/project=theirs/${theirFolder}`))[0]!;
    const bucket = /^([a-z0-9]+):\/\/([^/]+)\//.exec(theirs)!;
    for (const path of [
      theirs,
      lake.uri('events/project=mine/../project=theirs/*/*/*.parquet'),
      lake.uri(`events/project=mine/../project=theirs/${theirFolder}/${theirFile}`),
      lake.uri(`events/project=mine/%2E%2E/project=theirs/${theirFolder}/${theirFile}`),
      `${bucket[1]}://another-${bucket[2]}/events/x.parquet`,
      'https://example.com/x.parquet',
    ])
      await expect(run(`SELECT count(*) FROM read_parquet('${path}')`), path).rejects.toThrow(
        /Permission Error/,
      );
  });
});
