import { beforeAll, describe, expect, it } from 'vitest';
import { fillTemplate, sqlTemplate } from '../../core/metric-catalog/sql-templates';
import { hllRegister } from '../../core/sketches/hll';
import { emulatorClient, requireBigQuery, runQuery } from '../helpers/bigquery';

/**
 * The first piece of the BigQuery engine: the portable HyperLogLog registers (MD5-based, the same
 * as ClickHouse, DuckDB and TypeScript compute; BigQuery's own HLL_COUNT sketches do not merge
 * with them) in BigQuery SQL (sql/bigquery/hll_registers.sql), run on the BigQuery emulator
 * through the Node client as the engine will run it.
 */
describe('HLL registers in BigQuery SQL (emulator)', () => {
  const bq = emulatorClient();

  beforeAll(requireBigQuery);

  it('equal the registers every other engine computes, for the same actors', async () => {
    const actors = [...Array.from({ length: 5000 }, (_, i) => `user-${i}`), '', 'anon:ü-ñ', 'a'.repeat(300)];
    const sql = fillTemplate(sqlTemplate('bigquery', 'hll_registers'), {
      actors: 'SELECT actor_id FROM UNNEST(@actors) AS actor_id',
    });
    const rows = await runQuery(bq, sql, { actors });
    const got = new Map(rows.map((r) => [r.actor_id, { reg: Number(r.reg), rank: Number(r.rank) }]));
    expect(got.size).toBe(actors.length);
    for (const a of actors) expect(got.get(a), a).toEqual(hllRegister(a));
  });
});
