import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRoles, type RunningRoles } from '../../cli/roles';
import { mintToken } from '../../core/auth/jwt';
import { createWriteKey } from '../../core/auth/write-keys';
import type { Config } from '../../core/config/config';
import { localFiles } from '../../core/files/local-files';
import { createLogger } from '../../core/log';
import { distinctEventsInLake } from '../helpers/lake';
import { isolatedConfig, requireServices } from '../helpers/test-config';
import { postBatch } from '../helpers/events';
import { waitFor } from '../helpers/wait-for';

/**
 * An analyst of one project tries to leave the SQL sandbox and is refused each time, by the
 * engine's own settings or by the statement's kind: another project's files, local files, the
 * network, writing, extensions, settings. A query that never ends is cancelled at its budget and
 * the engine answers the next one.
 */
describe('the SQL sandbox', () => {
  let config: Config;
  let roles: RunningRoles;
  const run = Date.now().toString(36);
  const own = `box-${run}`;
  const other = `box-other-${run}`;
  let token: string;

  const sql = async (query: string) => {
    const res = await fetch(`${roles.urls.api}/v1/sql`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query }),
    });
    return { status: res.status, body: (await res.json()) as { message?: string; rows?: unknown[][] } };
  };

  beforeAll(async () => {
    await requireServices();
    config = isolatedConfig('sqlbox', { API_QUERY_TIMEOUT_MS: '4000', API_SQL_MEMORY_MB: '128' });
    const keys = { [own]: await createWriteKey(config, own), [other]: await createWriteKey(config, other) };
    roles = await startRoles(
      ['ingest', 'speed', 'archiver', 'serve'],
      config,
      createLogger({ test: 'sqlbox' }, 'warn'),
    );
    for (const [project, n] of [
      [own, 3],
      [other, 5],
    ] as const) {
      expect(
        await postBatch(
          roles.urls.ingest as string,
          keys[project] as string,
          Array.from({ length: n }, (_, i) => ({
            type: 'track',
            event: 'secret',
            userId: `${project}-${i}`,
          })),
        ),
      ).toBe(200);
      await waitFor(
        () => distinctEventsInLake(config.lake.root, project),
        (k) => k === n,
        { timeoutMs: 60_000, intervalMs: 300 },
      );
    }
    token = await mintToken(config.auth.jwtSecret, { project: own, role: 'analyst' });
  }, 120_000);
  afterAll(async () => roles?.stop());

  it("sees its own project's events only", async () => {
    const r = await sql("SELECT count(*), count(*) FILTER (WHERE user_id LIKE 'box-other%') FROM events");
    expect(r).toMatchObject({ status: 200, body: { rows: [[3, 0]] } });
  });

  it('is refused every way out, with the reason', async () => {
    const first = (dir: string) => `${dir}/${localFiles.list(dir)[0]}`;
    const ownFile = first(first(first(`${config.lake.root}/events/project=${own}`)));
    const ownSize = localFiles.stat(ownFile)?.size;
    const otherFiles = `${config.lake.root}/events/project=${other}/*/*/*.parquet`;
    const escapes: [string, RegExp][] = [
      [`SELECT count(*) FROM read_parquet('${otherFiles}')`, /Permission Error/],
      [
        `SELECT * FROM read_parquet('${config.lake.root}/events/project=${own}/../project=${other}/*/*/*.parquet')`,
        /Permission Error/,
      ],
      ["SELECT * FROM read_csv('/etc/passwd')", /Permission Error/],
      ["SELECT * FROM read_text('/etc/hostname')", /Permission Error/],
      ["SELECT * FROM glob('/*')", /Permission Error/],
      [`ATTACH '${config.stateDir}/stolen.db' AS stolen`, /only SELECT.*ATTACH/],
      [
        `COPY (SELECT * FROM events) TO '${config.lake.root}/events/project=${own}/copied.csv'`,
        /Permission Error/,
      ],
      // One of the project's own files may be read, not written over.
      [`COPY (SELECT 1 AS x) TO '${ownFile}' (FORMAT parquet)`, /Permission Error/],
      // Touching no file at all, this one is stopped by its kind alone.
      ["ATTACH ':memory:' AS scratch", /only SELECT.*ATTACH/],
      ['INSTALL httpfs', /only SELECT.*LOAD/],
      ['LOAD httpfs', /only SELECT.*LOAD/],
      ['SET enable_external_access = true', /only SELECT.*SET/],
      ["SELECT * FROM read_parquet('s3://another-bucket/events/x.parquet')", /Permission Error/],
      ["SELECT * FROM read_parquet('https://example.com/x.parquet')", /Permission Error/],
      ['CREATE TABLE kept AS SELECT * FROM events', /only SELECT.*CREATE/],
      ['SELECT 1; DROP VIEW events', /exactly one statement/],
      ["SELECT getenv('HOME')", /.+/],
    ];
    for (const [query, why] of escapes) {
      const r = await sql(query);
      expect({ query, status: r.status }).toEqual({ query, status: 400 });
      expect(r.body.message, query).toMatch(why);
    }
    expect(localFiles.exists(`${config.lake.root}/events/project=${own}/copied.csv`)).toBe(false);
    expect(localFiles.exists(`${config.stateDir}/stolen.db`)).toBe(false);
    expect(localFiles.stat(ownFile)?.size).toBe(ownSize);
  });

  it("points at the mistake: the engine's message with its line and column", async () => {
    const r = await sql('SELECT event,\n  count(*) FRM events GROUP BY event');
    expect(r.status).toBe(400);
    expect(r.body.message).toMatch(/Parser Error: syntax error at or near "events" \(line 2, column \d+\)/);
  });

  it("refuses a query past its memory (API_SQL_MEMORY_MB) with the engine's words, then answers the next one", async () => {
    const big = await sql("SELECT length(string_agg(repeat('x', 100), '')) FROM range(10000000)");
    expect(big.status).toBe(400);
    expect(big.body.message).toMatch(/^Out of Memory Error/);
    expect(await sql('SELECT count(*) FROM events')).toMatchObject({ status: 200, body: { rows: [[3]] } });
  }, 60_000);

  it('cancels a recursive query that never ends at its budget, then answers the next one', async () => {
    const endless = await sql(
      'WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r',
    );
    expect(endless.status).toBe(503);
    expect(endless.body.message).toMatch(/budget and was cancelled/);
    expect(await sql('SELECT count(*) FROM events')).toMatchObject({ status: 200, body: { rows: [[3]] } });
  }, 60_000);
});
