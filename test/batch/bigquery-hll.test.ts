import { BigQuery } from '@google-cloud/bigquery';
import { beforeAll, describe, expect, it } from 'vitest';
import { fillTemplate, sqlTemplate } from '../../batch-layer/sql-templates';
import { hllRegister } from '../../core/sketches/hll';
import { bigQueryAnswers, bigQueryServiceOptions } from '../../infra/local/bigquery/service';

/**
 * The first piece of the BigQuery engine: the portable HyperLogLog registers (MD5-based, the same
 * as ClickHouse, DuckDB and TypeScript compute; BigQuery's own HLL_COUNT sketches do not merge
 * with them) in BigQuery SQL (sql/bigquery/hll_registers.sql), run on the BigQuery emulator
 * through the Node client as the engine will run it.
 */
describe('HLL registers in BigQuery SQL (emulator)', () => {
  const o = bigQueryServiceOptions();
  const bq = new BigQuery({ projectId: o.projectId, apiEndpoint: `http://127.0.0.1:${o.restPort}` });

  beforeAll(async () => {
    if (!(await bigQueryAnswers(o)))
      throw new Error(
        'the BigQuery emulator is not up: run ./platform test, or ./platform services start first',
      );
  });

  it('equal the registers every other engine computes, for the same actors', async () => {
    const actors = [...Array.from({ length: 5000 }, (_, i) => `user-${i}`), '', 'anon:ü-ñ', 'a'.repeat(300)];
    const sql = fillTemplate(sqlTemplate('bigquery', 'hll_registers'), {
      actors: 'SELECT actor_id FROM UNNEST(@actors) AS actor_id',
    });
    // createQueryJob + getQueryResults: they throw on a query error, where bq.query() may not.
    const [job] = await bq.createQueryJob({ query: sql, params: { actors }, useLegacySql: false });
    const [rows] = await job.getQueryResults();
    const got = new Map(
      (rows as { actor_id: string; reg: number; rank: number }[]).map((r) => [
        r.actor_id,
        { reg: Number(r.reg), rank: Number(r.rank) },
      ]),
    );
    expect(got.size).toBe(actors.length);
    for (const a of actors) expect(got.get(a), a).toEqual(hllRegister(a));
  });
});
