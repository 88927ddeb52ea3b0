/**
 * Long loops in a process that serves requests: every role may run in one Node process, so a loop
 * over a million rows that never lets the event loop turn stops every other request, /health and
 * the collector included, until it ends. These helpers hand the loop back every ROWS_PER_TURN
 * items: a few milliseconds of work at most between turns, and a deterministic count of them.
 */
export const ROWS_PER_TURN = 4096;

/** Lets the event loop turn once (timers, sockets, other requests) before going on. */
export const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Calls `f` on each item in order, letting the event loop turn every ROWS_PER_TURN items. */
export async function eachInTurns<T>(items: Iterable<T>, f: (item: T) => void): Promise<void> {
  let n = 0;
  for (const item of items) {
    f(item);
    if (++n % ROWS_PER_TURN === 0) await nextTurn();
  }
}

/** `items.map(f)`, letting the event loop turn every ROWS_PER_TURN items. */
export async function mapInTurns<T, U>(items: readonly T[], f: (item: T) => U): Promise<U[]> {
  const out: U[] = [];
  await eachInTurns(items, (item) => out.push(f(item)));
  return out;
}

/** `items.flatMap(f)`, letting the event loop turn every ROWS_PER_TURN items. */
export async function flatMapInTurns<T, U>(items: readonly T[], f: (item: T) => U[]): Promise<U[]> {
  const out: U[] = [];
  await eachInTurns(items, (item) => {
    for (const u of f(item)) out.push(u);
  });
  return out;
}
