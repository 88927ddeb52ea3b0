import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickHouseClient } from '@clickhouse/client';
import { createClickHouse } from '../../core/clickhouse/client';
import { QueryBudgetExceeded, underBudget, withQueryBudget } from '../../core/lake/query-budget';
import { budgetClickHouse } from '../../core/clickhouse/query-budget';
import { isolatedConfig } from '../helpers/test-config';

/**
 * A query past its request's budget is stopped by the engine itself, not abandoned while it
 * keeps a core busy: each of these would run for many minutes if it were not. The engine then
 * answers the next query.
 */
describe('query budgets, enforced in the engines', () => {
  let clickhouse: ClickHouseClient;
  beforeAll(() => {
    const config = isolatedConfig('budget');
    clickhouse = budgetClickHouse(createClickHouse(config), !config.clickhouse.url);
  });
  afterAll(async () => clickhouse?.close());

  it('DuckDB: the connection is interrupted at the budget, and the instance answers the next query', async () => {
    const db = await DuckDBInstance.create(':memory:', { threads: '1' });
    const conn = await db.connect();
    const endless = () =>
      underBudget(conn, () => conn.runAndReadAll('SELECT sum(i * i % 7) FROM range(1000000000000) t(i)'));
    await expect(withQueryBudget(300, endless)).rejects.toBeInstanceOf(QueryBudgetExceeded);
    expect((await conn.runAndReadAll('SELECT 41 + 1 AS n')).getRowObjectsJson()).toEqual([{ n: 42 }]);
    conn.closeSync();
    db.closeSync();
  }, 120_000);

  it('ClickHouse: the query gets the time left as max_execution_time, and the engine answers the next one', async () => {
    const endless = () =>
      clickhouse.query({
        query: 'SELECT sum(number * number % 7) FROM numbers(1000000000000)',
        format: 'JSONEachRow',
      });
    await expect(withQueryBudget(1000, endless)).rejects.toBeInstanceOf(QueryBudgetExceeded);
    const next = await clickhouse.query({ query: 'SELECT 41 + 1 AS n', format: 'JSONEachRow' });
    expect(await next.json()).toEqual([{ n: 42 }]);
  }, 120_000);

  it("ClickHouse: a query stopped while it streams rows leaves nothing behind for the next query's answer", async () => {
    const streaming = () =>
      clickhouse.query({
        query: 'SELECT number FROM numbers(100000000000) WHERE sipHash64(number) % 100000 = 0',
        format: 'JSONEachRow',
      });
    await expect(withQueryBudget(1000, streaming)).rejects.toBeInstanceOf(QueryBudgetExceeded);
    const next = await clickhouse.query({ query: 'SELECT 1 AS one', format: 'JSONEachRow' });
    expect(await next.text()).toBe('{"one":1}\n');
  }, 60_000);

  it('outside a request there is no budget: workers and the speed layer run as before', async () => {
    // A second and a half: past the budget above, yet answered outside a request.
    const slow = 'SELECT count() AS n, sum(s) AS z FROM (SELECT sleepEachRow(0.5) AS s FROM numbers(3))';
    await expect(withQueryBudget(1000, () => clickhouse.query({ query: slow }))).rejects.toBeInstanceOf(
      QueryBudgetExceeded,
    );
    const r = await clickhouse.query({ query: slow, format: 'JSONEachRow' });
    expect(await r.json()).toEqual([{ n: 3, z: 0 }]);
  }, 60_000);
});
