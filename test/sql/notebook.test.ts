import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRoles, type RunningRoles } from '../../cli/roles';
import { mintToken } from '../../core/auth/jwt';
import { createWriteKey } from '../../core/auth/write-keys';
import type { Config } from '../../core/config/config';
import { localFiles } from '../../core/files/local-files';
import { createLogger } from '../../core/log';
import { ensureNotebook } from '../../infra/local/notebook/install';
import { distinctEventsInLake } from '../helpers/lake';
import { isolatedConfig, requireServices } from '../helpers/test-config';
import { postBatch } from '../helpers/events';
import { waitFor } from '../helpers/wait-for';

const READER = join(__dirname, '..', 'fixtures', 'read_answer.py');
const ARROW = 'application/vnd.apache.arrow.stream';
const PARQUET = 'application/vnd.apache.parquet';

interface Read {
  columns: string[];
  types: string[];
  rows: unknown[][];
  metadata: Record<string, string>;
}

/**
 * An analyst's notebook (pyarrow and polars from PyPI) reads the Arrow and Parquet answers of a
 * metric route and of /v1/sql and finds the values of the JSON answer, with where each part came
 * from in the schema's metadata.
 */
describe('answers as Arrow and Parquet, read by pyarrow', () => {
  let config: Config;
  let roles: RunningRoles;
  let python: string;
  let token: string;
  const project = `nb-${Date.now().toString(36)}`;

  beforeAll(async () => {
    await requireServices();
    python = ensureNotebook();
    config = isolatedConfig('notebook');
    const key = await createWriteKey(config, project);
    roles = await startRoles(
      ['ingest', 'speed', 'archiver', 'serve'],
      config,
      createLogger({ test: 'nb' }, 'warn'),
    );
    const now = Date.now();
    const batch = Array.from({ length: 30 }, (_, i) => ({
      type: 'track',
      event: i % 3 === 0 ? 'purchase' : 'page_view',
      userId: `u-${i % 7}`,
      timestamp: new Date(now - (i % 5) * 3_600_000 - i * 1000).toISOString(),
      properties:
        i % 3 === 0 ? { order_id: `o-${i}`, total_amount: 5 + i, currency: 'EUR' } : { path: `/p/${i % 4}` },
    }));
    expect(await postBatch(roles.urls.ingest as string, key, batch)).toBe(200);
    await waitFor(
      () => distinctEventsInLake(config.lake.root, project),
      (n) => n === batch.length,
      { timeoutMs: 60_000, intervalMs: 300 },
    );
    token = await mintToken(config.auth.jwtSecret, { project, role: 'analyst' });
    // The speed view is written by its own consumer, beside the archiver: the lake holding every
    // event says nothing of it. The metric route reads it, so wait until it counts them all.
    await waitFor(
      async () => {
        const res = await fetch(`${roles.urls.api}${metricPath()}`, {
          headers: { authorization: `Bearer ${token}` },
        });
        const body = (await res.json()) as { buckets?: { value: number }[] };
        return (body.buckets ?? []).reduce((n, b) => n + b.value, 0);
      },
      (n) => n === batch.length,
      { timeoutMs: 60_000, intervalMs: 300 },
    );
  }, 240_000);
  afterAll(async () => roles?.stop());

  /** Events per hour over the last six hours, which hold every event sent. */
  const metricPath = (): string =>
    `/v1/metrics/events?from=${new Date(Date.now() - 6 * 3_600_000).toISOString()}&granularity=hour`;

  /** The route's answer in a format: JSON as parsed, Arrow and Parquet as pyarrow reads them. */
  const ask = async (
    path: string,
    accept: string,
    body?: unknown,
  ): Promise<{ type: string | null; read: unknown }> => {
    const res = await fetch(`${roles.urls.api}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        accept,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    expect(res.status, path).toBe(200);
    const type = res.headers.get('content-type');
    if (accept === 'application/json') return { type, read: await res.json() };
    const file = join(config.stateDir, `answer-${Date.now()}.${accept === ARROW ? 'arrows' : 'parquet'}`);
    localFiles.writeAtomically(file, Buffer.from(await res.arrayBuffer()));
    const out = execFileSync(python, [READER, accept === ARROW ? 'arrow' : 'parquet', file], {
      encoding: 'utf8',
    });
    return { type, read: JSON.parse(out) as Read };
  };

  it("a metric route's buckets, the same in JSON, Arrow and Parquet", async () => {
    const path = metricPath();
    const json = (await ask(path, 'application/json')).read as {
      buckets: { start: string; value: number; source: string }[];
      parts: unknown[];
    };
    expect(json.buckets.reduce((n, b) => n + b.value, 0)).toBe(30);
    for (const accept of [ARROW, PARQUET]) {
      const { type, read } = await ask(path, accept);
      expect(type).toContain(accept);
      const r = read as Read;
      expect(r.columns).toEqual(Object.keys(json.buckets[0]!));
      expect(r.rows).toEqual(json.buckets.map((b) => Object.values(b)));
      expect((JSON.parse(r.metadata['lambda.answer']!) as { parts: unknown[] }).parts).toEqual(json.parts);
    }
  }, 60_000);

  it('/v1/sql: the same rows and types in JSON, Arrow and Parquet', async () => {
    const query = `SELECT event, count(*) AS n, min(event_time) AS first, avg((properties->>'total_amount')::DOUBLE) AS avg_amount,
                          count(DISTINCT person_id) > 1 AS several, DATE '2026-01-02' AS d, list(DISTINCT user_id ORDER BY user_id) AS users
                   FROM events GROUP BY event ORDER BY event`;
    // One span for the three answers: the default range ends at the next minute, which moves.
    const body = {
      query,
      from: new Date(Date.now() - 6 * 3_600_000).toISOString(),
      to: new Date(Math.ceil(Date.now() / 60_000) * 60_000 + 60_000).toISOString(),
    };
    const json = (await ask('/v1/sql', 'application/json', body)).read as {
      columns: { name: string; type: string }[];
      rows: unknown[][];
      parts: unknown[];
    };
    expect(json.rows.map((r) => r[1])).toEqual([20, 10]);
    for (const accept of [ARROW, PARQUET]) {
      const r = (await ask('/v1/sql', accept, body)).read as Read;
      expect(r.columns).toEqual(json.columns.map((c) => c.name));
      expect(r.types.slice(0, 6)).toEqual([
        'string',
        'int64',
        'timestamp[ms, tz=UTC]',
        'double',
        'bool',
        'date32[day]',
      ]);
      // Lists travel as their JSON text.
      expect(r.rows).toEqual(json.rows.map((row) => [...row.slice(0, 6), JSON.stringify(row[6])]));
      expect(JSON.parse(r.metadata['lambda.parts']!)).toEqual(json.parts);
    }
  }, 60_000);
});
