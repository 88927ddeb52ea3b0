import type { ClickHouseClient } from '@clickhouse/client';
import { currentBudget, exceeded } from '../lake/query-budget';

const budgeted = new WeakSet<ClickHouseClient>();

/**
 * Gives every query of this client made inside a request the time left of the request's budget
 * as ClickHouse's own max_execution_time (the engine stops the query). The client object is kept
 * (other parts know it by identity); only its `query` learns the budget.
 *
 * A server takes the setting with the request and throws at it. Embedded chDB is different twice
 * over: it turns request settings into `SET` statements on its one shared session (they would
 * outlive the query and reach the speed layer's writes), and a query that throws mid-way leaves
 * its partial output in the session, where it is read as the start of the next query's answer.
 * So there the setting goes into the query's own SETTINGS clause with `break`: the engine stops
 * the query at the limit and ends its output cleanly, and a query that ran that long is refused
 * here (its answer may be partial) rather than served.
 */
export function budgetClickHouse(client: ClickHouseClient, embedded: boolean): ClickHouseClient {
  if (budgeted.has(client)) return client;
  budgeted.add(client);
  const query = client.query.bind(client);
  client.query = (async (params: Parameters<ClickHouseClient['query']>[0]) => {
    const b = currentBudget();
    if (!b) return query(params);
    const left = b.deadline - Date.now();
    if (left <= 0) throw exceeded(b);
    const seconds = Math.max(1, Math.ceil(left / 1000));
    if (embedded) {
      const started = Date.now();
      const result = await query({
        ...params,
        query: `${params.query.replace(/[\s;]+$/, '')}\nSETTINGS max_execution_time = ${seconds}, timeout_overflow_mode = 'break'`,
      });
      // The engine stops a query only once it has run past the limit: one that took less is whole.
      if (Date.now() - started < seconds * 1000) return result;
      result.close();
      throw exceeded(b);
    }
    try {
      return await query({
        ...params,
        clickhouse_settings: {
          ...params.clickhouse_settings,
          max_execution_time: seconds,
          timeout_overflow_mode: 'throw',
        },
      });
    } catch (e) {
      if (/TIMEOUT_EXCEEDED|Timeout exceeded/.test((e as Error).message)) throw exceeded(b);
      throw e;
    }
  }) as ClickHouseClient['query'];
  return client;
}
