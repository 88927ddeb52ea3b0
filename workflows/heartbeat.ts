import { heartbeat } from '@temporalio/activity';

/**
 * Keeps the activity's heartbeat going while `f` works: a dead worker is noticed within the
 * heartbeat timeout, and the retried activity starts over (the activities that use it are idempotent).
 */
export async function beating<T>(details: () => unknown, f: () => Promise<T>): Promise<T> {
  const beat = setInterval(() => heartbeat(details()), 2000);
  try {
    return await f();
  } finally {
    clearInterval(beat);
  }
}
