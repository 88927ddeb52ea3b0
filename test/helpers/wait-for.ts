import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Polls `probe` until `done(value)` holds; returns the last value either way so the test's own
 * assertion reports what was seen. Tests never assert on elapsed time; the bound only stops a hang.
 */
export async function waitFor<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  opts: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  let value = await probe();
  while (!done(value) && Date.now() < deadline) {
    await sleep(opts.intervalMs ?? 250);
    value = await probe();
  }
  return value;
}
