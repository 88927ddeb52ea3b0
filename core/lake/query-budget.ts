import { AsyncLocalStorage } from 'node:async_hooks';

/** A query that ran past the time its request was given: the engine was told to stop it. */
export class QueryBudgetExceeded extends Error {}

export interface Budget {
  deadline: number;
  ms: number;
}

/**
 * The time a request's queries may take, carried with the request through every await (an
 * AsyncLocalStorage set by the serving API for each request), so the engines are told to stop a
 * query past it where it runs: DuckDB is interrupted, ClickHouse is given max_execution_time.
 * Outside a request (workers, the speed layer) there is no budget and queries run as before.
 */
const budgets = new AsyncLocalStorage<Budget>();

export function withQueryBudget<T>(ms: number, f: () => T): T {
  return budgets.run({ deadline: Date.now() + ms, ms }, f);
}

/** The request's budget, when the caller runs inside one: its deadline and size. */
export const currentBudget = (): Budget | undefined => budgets.getStore();

export const exceeded = (b: Budget) =>
  new QueryBudgetExceeded(
    `the query ran past its ${b.ms >= 1000 ? `${Math.round(b.ms / 1000)} s` : `${b.ms} ms`} budget and was cancelled (API_QUERY_TIMEOUT_MS): ask for a shorter range or fewer groups`,
  );

/**
 * The request's clock over a DuckDB connection read step by step (a streamed answer): the
 * connection is interrupted when the budget runs out; `failure` turns what the interrupted query
 * threw into the budget's error, and `stop` ends the clock. Outside a request it does nothing.
 */
export function budgetClock(conn: { interrupt(): void }): {
  failure(e: unknown): unknown;
  stop(): void;
} {
  const b = budgets.getStore();
  if (!b) return { failure: (e) => e, stop: () => {} };
  const left = b.deadline - Date.now();
  if (left <= 0) throw exceeded(b);
  let expired = false;
  const timer = setTimeout(() => {
    expired = true;
    conn.interrupt();
  }, left);
  return { failure: (e) => (expired ? exceeded(b) : e), stop: () => clearTimeout(timer) };
}

/** Runs a DuckDB query, interrupting its connection when the request's budget runs out. */
export async function underBudget<T>(conn: { interrupt(): void }, run: () => Promise<T>): Promise<T> {
  const clock = budgetClock(conn);
  try {
    return await run();
  } catch (e) {
    throw clock.failure(e);
  } finally {
    clock.stop();
  }
}
